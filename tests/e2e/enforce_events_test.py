#!/usr/bin/python3
"""Kubernetes Events from `ztp-prem-enforce controller` on the real API server, with only the
RBAC of deploy/with-enforcement (events.k8s.io create/patch, nothing else on events):
- a Node that becomes eligible (label set) gets a Normal TierBEligible Event in `default`;
- a Tier B pod running on an ineligible node gets one Warning TierBPodOnIneligibleNode Event
  in its namespace, once: later reconciles of the same situation add none;
- the node losing eligibility (label removed) gets a Warning TierBIneligible Event;
- notes carry the verdict's reason word and object names only, never a document value.
Usage: enforce_events_test.py CLUSTER_DIR BIN_DIR"""
import re
import subprocess
import time

import e2e_common as e
import enforce_common as x

cluster_dir, bin_dir = e.args()
cluster = e.cluster_or_skip(cluster_dir)
e.install(cluster, "with-enforcement")
f = e.Failures()
CC, PLAIN, NS = "evt-cc-a", "evt-plain-b", "evt-tier-b"
CONTROLLER = "ztp-prem.tlsstress.art/enforce"

x.publish(bin_dir, cluster, CC, x.SNP_PROFILE)
x.publish(bin_dir, cluster, PLAIN, x.PLAIN_PROFILE)
x.tier_namespace(cluster, NS, "b")
x.clear_pods(cluster, NS)
# A second run on the same cluster: the label of the first would hide the change.
cluster.must("PATCH", f"/api/v1/nodes/{CC}", {"metadata": {"labels": {x.CC_LABEL: None}}},
             content_type="application/merge-patch+json")


def events(ns):
    items = cluster.must("GET", f"/apis/events.k8s.io/v1/namespaces/{ns}/events")["items"]
    return [ev for ev in items if ev.get("reportingController") == CONTROLLER]


seen_before = {ev["metadata"]["name"] for ns in ("default", NS) for ev in events(ns)}


def new_events(ns, reason, name):
    return [ev for ev in events(ns) if ev["metadata"]["name"] not in seen_before and
            ev["reason"] == reason and ev["regarding"]["name"] == name]


# Advisory admits a Tier B pod whose nodeName is an ineligible node (with a warning): the pod
# at risk that enforcing would refuse.
r = x.enforce(bin_dir, "mode", "advisory", "--kubeconfig", str(cluster.kubeconfig))
f.check(r.returncode == 0, f"mode advisory: {r.stderr}")
admitted = x.poll("the pinned pod", lambda i: cluster.api(
    "POST", f"/api/v1/namespaces/{NS}/pods", x.pod_doc(f"evt-at-risk-{i}", "ztp-prem-cc", PLAIN))[0] == 201
    and f"evt-at-risk-{i}", 15)
f.check(admitted, "the pod on the ineligible node was not admitted in advisory")

# The controller's service account: it may create and patch Events, never read or delete them.
for verb, want in (("create", "yes"), ("patch", "yes"), ("list", "no"), ("delete", "no"), ("update", "no")):
    r = cluster.kubectl("auth", "can-i", verb, "events.events.k8s.io", "-n", NS,
                        f"--as=system:serviceaccount:{e.NAMESPACE}:ztp-prem-enforce", check=False)
    f.check(r.stdout.strip() == want, f"ztp-prem-enforce can-i {verb} events: {r.stdout.strip()}")

with e.workdir() as tmp:
    kc = x.controller_kubeconfig(cluster, tmp)
    proc = subprocess.Popen([str(bin_dir / "ztp-prem-enforce"), "controller", "--kubeconfig", str(kc),
                             "--namespace", e.NAMESPACE, "--resync", "1s"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        gained = x.poll("the TierBEligible Event", lambda i: new_events("default", "TierBEligible", CC), 30)
        f.check(gained and gained[0]["type"] == "Normal" and gained[0]["regarding"]["kind"] == "Node",
                f"node Event: {gained}")
        at_risk = x.poll("the pod Event", lambda i: new_events(NS, "TierBPodOnIneligibleNode", admitted), 30)
        f.check(at_risk and at_risk[0]["type"] == "Warning" and at_risk[0]["note"] ==
                f"Tier B pod runs on node {PLAIN}, which is not eligible for Tier B (mode-not-allowed)",
                f"pod Event: {at_risk}")
        time.sleep(4)  # several reconciles (--resync 1s) of the same situation
        again = new_events(NS, "TierBPodOnIneligibleNode", admitted)
        f.check(len(again) == 1, f"{len(again)} pod Events after several reconciles, want 1")

        x.publish(bin_dir, cluster, CC, x.PLAIN_PROFILE)
        lost = x.poll("the TierBIneligible Event", lambda i: new_events("default", "TierBIneligible", CC), 30)
        f.check(lost and lost[0]["type"] == "Warning" and "(mode-not-allowed)" in lost[0]["note"],
                f"node lost Event: {lost}")
        for ev in (gained or []) + (at_risk or []) + (lost or []):
            f.check(re.fullmatch(r"[A-Za-z0-9 .:/()=,_-]+", ev["note"]) and "sev" not in ev["note"],
                    f"note carries more than words and names: {ev['note']}")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    f.check(proc.returncode == 0, f"controller exit {proc.returncode}: {err[-2000:]}")
    f.check('"eventsFailed"' in err and not re.search(r'"eventsFailed":\s*[1-9]', err),
            f"controller failed to send Events: {err[-2000:]}")
x.publish(bin_dir, cluster, CC, x.SNP_PROFILE)
x.clear_pods(cluster, NS)
f.finish("e2e.enforce_events")
