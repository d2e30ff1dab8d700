#!/usr/bin/python3
"""Tier B enforcement on the real API server (deploy/with-enforcement, ztp-prem-enforce):
- the controller, with only the overlay's RBAC, labels the eligible node (SSA), publishes
  the shard and its report; the kubelet identity cannot set the restricted label;
- advisory: a Tier B pod without the runtime class is admitted WITH the policy's warning and
  the audit log's validation_failure annotation; a binding to an ineligible node is
  admitted and audited; preflight lists what enforcing would refuse and exits 5, a
  Deployment whose template lacks the runtime class included (the controller's report too),
  and no longer lists it once its template has the class;
- the flip is one command, `ztp-prem-enforce mode enforcing`, printing what it changed;
- enforcing: the same pod is refused with the policy's message; pods/binding and the legacy
  bindings to an ineligible node are refused, to an eligible one allowed; nodeName set to an
  ineligible node is refused; kube-system, ztp-prem (even labelled Tier B, even a DaemonSet's
  pod) and other namespaces are never affected; missing shards deny Tier B only;
- the controller reacts to a node losing eligibility (label and shard), and the C++
  preflight agrees with the server's decisions.
Usage: enforce_test.py CLUSTER_DIR BIN_DIR"""
import json
import subprocess
import time

import e2e_common as e
import enforce_common as x

cluster_dir, bin_dir = e.args()
cluster = e.cluster_or_skip(cluster_dir)
e.install(cluster, "with-enforcement")
f = e.Failures()
CC, PLAIN = "enf-cc-a", "enf-plain-b"
NS, OTHER = "enf-tier-b", "enf-tier-a"

vaps = [cluster.must("GET", f"/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/{n}")
        for n in ("ztp-prem-tierb-create", "ztp-prem-tierb-bind")]
for v in vaps:
    f.check(not v.get("status", {}).get("typeChecking", {}).get("expressionWarnings"),
            f"{v['metadata']['name']}: CEL type-check warnings: {v.get('status')}")

x.publish(bin_dir, cluster, CC, x.SNP_PROFILE)
x.publish(bin_dir, cluster, PLAIN, x.PLAIN_PROFILE)
x.tier_namespace(cluster, NS, "b")
x.tier_namespace(cluster, OTHER, "a")
x.clear_pods(cluster, NS, OTHER)  # a second run on the same cluster starts clean
WEB = f"/apis/apps/v1/namespaces/{NS}/deployments/adv-web"
cluster.api("DELETE", WEB)

with e.workdir() as tmp:
    kc = x.controller_kubeconfig(cluster, tmp)
    r = x.enforce(bin_dir, "controller", "--kubeconfig", str(kc), "--namespace", e.NAMESPACE, "--once")
    f.check(r.returncode == 0, f"controller --once: {r.returncode} {r.stderr}")
    summary = json.loads(r.stdout) if r.returncode == 0 else {}
    print("controller:", r.stdout.strip())
    node = lambda n: cluster.must("GET", f"/api/v1/nodes/{n}")["metadata"].get("labels", {})
    f.check(node(CC).get(x.CC_LABEL) == "true", f"{CC} not labelled: {node(CC)}")
    f.check(x.CC_LABEL not in node(PLAIN), f"{PLAIN} labelled: {node(PLAIN)}")
    cc_node = cluster.must("GET", f"/api/v1/nodes/{CC}")
    owners = {m["manager"] for m in cc_node["metadata"]["managedFields"]
              if x.CC_LABEL in json.dumps(m.get("fieldsV1", {}))}
    f.check(owners == {"ztp-prem-enforce"}, f"label's field managers: {owners}")
    shard = e.configmap(cluster, "ztp-prem-cc-nodes-0")
    f.check(shard and shard.get("data", {}).get(CC) == "sev-snp" and PLAIN not in shard["data"],
            f"shard: {shard and shard.get('data')}")
    report = e.configmap(cluster, "ztp-prem-enforcement")
    f.check(report and json.loads(report["data"]["report.json"])["kind"] == "EnforcementPreflight",
            "no report ConfigMap")

    # Least privilege: the controller cannot flip the mode; the fleet cannot touch nodes.
    for who, verb, res in (("ztp-prem-enforce", "patch", "validatingadmissionpolicybindings"),
                           ("ztp-prem-enforce", "patch", "validatingadmissionpolicies"),
                           ("ztp-prem-fleet", "patch", "nodes"),
                           ("ztp-prem-detect", "patch", "nodes")):
        r = cluster.kubectl("auth", "can-i", verb, res,
                            f"--as=system:serviceaccount:{e.NAMESPACE}:{who}", check=False)
        f.check(r.stdout.strip() == "no", f"{who} can {verb} {res}")

    # NodeRestriction: a kubelet cannot make its own node eligible.
    cert, key = cluster.kubelet_identity(PLAIN)
    kubelet = cluster.cert_kubeconfig(f"{tmp}/kubelet.kubeconfig", cert, key)
    r = cluster.kubectl("label", "--overwrite", "node", PLAIN, f"{x.CC_LABEL}=true",
                        kubeconfig=kubelet, check=False)
    f.check(r.returncode != 0 and "not allowed to modify labels" in r.stderr,
            f"kubelet set the restricted label: {r.stderr}")
    f.check(x.CC_LABEL not in node(PLAIN), "restricted label on the ineligible node")

    # --- advisory ---
    f.check(x.enforce(bin_dir, "mode", "--kubeconfig", str(cluster.kubeconfig)).stdout.strip()
            == "advisory", "mode in force is not advisory after install")
    warned = x.poll("the create warning", lambda i: (lambda r: r if x.WARN_PREFIX in r.stderr else None)(
        x.kubectl_create(cluster, NS, x.pod_doc(f"adv-bare-{i}"))))
    f.check(warned is not None and warned.returncode == 0, f"advisory bare pod: {warned}")
    if warned:
        line = [l for l in warned.stderr.splitlines() if l.startswith("Warning:")]
        f.check(line == [x.WARN_PREFIX + x.CREATE_MSG], f"warning text: {line}")
        name = [l for l in warned.stdout.split() if l.startswith("pod/")][0].split("/")[1]
        audit = x.poll("the audit annotation", lambda i: x.audited_failure(cluster, NS, name), 15)
        f.check(audit and audit[0].get("message") == x.CREATE_MSG and
                audit[0].get("policy") == "ztp-prem-tierb-create" and
                audit[0].get("validationActions") == ["Warn", "Audit"],
                f"audit annotation of {name}: {audit}")
    # nodeName to an ineligible node: admitted, warned.
    r = x.kubectl_create(cluster, NS, x.pod_doc("adv-pinned", "ztp-prem-cc", PLAIN))
    f.check(r.returncode == 0 and x.WARN_PREFIX + x.NODE_NAME_MSG in r.stderr,
            f"advisory nodeName: {r.returncode} {r.stderr}")
    # A binding to an ineligible node: admitted, audited (no warning: only the binder sees it).
    cluster.must("POST", f"/api/v1/namespaces/{NS}/pods", x.pod_doc("adv-bound", "ztp-prem-cc"))
    status, out = x.bind(cluster, NS, "adv-bound", PLAIN)
    f.check(status == 201, f"advisory binding: {status} {out}")
    audit = x.poll("the binding's audit annotation",
                   lambda i: x.audited_failure(cluster, NS, "adv-bound", "binding"), 15)
    f.check(audit and audit[0].get("message") == x.BIND_MSG and
            audit[0].get("validationActions") == ["Audit"], f"binding audit: {audit}")

    # Preflight: what enforcing would refuse now (the two bare/pinned kinds, the bound pod).
    r = x.enforce(bin_dir, "preflight", "--kubeconfig", str(cluster.kubeconfig), "--format", "json")
    f.check(r.returncode == 5, f"preflight exit {r.returncode}, expected 5: {r.stderr}")
    pf = json.loads(r.stdout) if r.stdout.strip() else {}
    found = {(g["pod"], tuple(g["issues"])) for g in pf.get("findings", []) if g["namespace"] == NS}
    f.check(any(p == "adv-pinned" and "node-name-ineligible" in i for p, i in found), f"preflight: {found}")
    f.check(any(p == "adv-bound" and "bound-to-ineligible" in i for p, i in found), f"preflight: {found}")
    f.check(any(p.startswith("adv-bare-") and i == ("no-placement",) for p, i in found),
            f"preflight: {found}")
    f.check(pf.get("mode") == "advisory" and pf.get("clear") is False, f"preflight: {pf}")
    text = x.enforce(bin_dir, "preflight", "--kubeconfig", str(cluster.kubeconfig))
    f.check(text.returncode == 5 and f"{NS}/adv-pinned: node {PLAIN} is not eligible" in text.stdout,
            f"preflight text: {text.stdout}")
    # Clean the namespace so the flip happens with preflight at zero, as the docs say.
    x.clear_pods(cluster, NS)

    # A workload template: a Deployment whose pods enforcing would refuse (no runtime class).
    cluster.must("POST", f"/apis/apps/v1/namespaces/{NS}/deployments", x.deployment_doc("adv-web"))
    r = x.enforce(bin_dir, "preflight", "--kubeconfig", str(cluster.kubeconfig), "--format", "json")
    f.check(r.returncode == 5, f"preflight with the bare Deployment: exit {r.returncode} {r.stderr}")
    pf = json.loads(r.stdout) if r.stdout.strip() else {}
    listed = [(w["kind"], w["namespace"], w["name"], w["issues"]) for w in pf.get("workloads", [])]
    f.check(listed == [("Deployment", NS, "adv-web", ["no-placement"])] and
            pf.get("tierB", {}).get("workloadsWouldRefuse") == 1 and pf.get("findings") == [],
            f"preflight workloads: {listed} {pf.get('tierB')}")
    text = x.enforce(bin_dir, "preflight", "--kubeconfig", str(cluster.kubeconfig))
    f.check(text.returncode == 5 and f"Deployment {NS}/adv-web: no runtimeClassName" in text.stdout,
            f"preflight text (Deployment): {text.stdout}")
    # The controller, with only the overlay's RBAC (list on the workloads), publishes the same.
    r = x.enforce(bin_dir, "controller", "--kubeconfig", str(kc), "--namespace", e.NAMESPACE, "--once")
    f.check(r.returncode == 0, f"controller --once with a Deployment: {r.returncode} {r.stderr}")
    published = json.loads((e.configmap(cluster, "ztp-prem-enforcement") or {"data": {
        "report.json": "{}"}})["data"]["report.json"])
    f.check([w["name"] for w in published.get("workloads", [])] == ["adv-web"] and
            published.get("clear") is False, f"controller's report workloads: {published.get('workloads')}")
    # The same Deployment with the runtime class: not listed, preflight at zero (below).
    cluster.must("PATCH", WEB, {"spec": {"template": {"spec": {"runtimeClassName": "ztp-prem-cc"}}}},
                 content_type="application/merge-patch+json")
    pf = json.loads(x.enforce(bin_dir, "preflight", "--kubeconfig", str(cluster.kubeconfig),
                              "--format", "json").stdout)
    f.check(pf["workloads"] == [] and pf["tierB"]["workloads"] == 1 and
            pf["tierB"]["workloadsWouldRefuse"] == 0, f"compliant Deployment: {pf['tierB']} {pf['workloads']}")
    r = x.enforce(bin_dir, "preflight", "--kubeconfig", str(cluster.kubeconfig))
    f.check(r.returncode == 0 and "preflight: clear" in r.stdout, f"preflight after cleanup: {r.stdout}")

    # --- the flip: one command ---
    r = x.enforce(bin_dir, "mode", "enforcing", "--kubeconfig", str(cluster.kubeconfig))
    f.check(r.returncode == 0, f"mode enforcing: {r.stderr}")
    changed = r.stdout.splitlines()
    f.check(len(changed) == 2 and all("-> [Deny, Audit]" in l and "Allow -> Deny" in l for l in changed),
            f"mode enforcing printed: {changed}")
    print("flip:", changed)
    flip_done = time.monotonic()
    f.check(x.enforce(bin_dir, "mode", "--kubeconfig", str(cluster.kubeconfig)).stdout.strip()
            == "enforcing", "mode in force is not enforcing")

    # --- enforcing ---
    refused = x.poll("the create denial", lambda i: (lambda r: r if r.returncode != 0 else None)(
        x.kubectl_create(cluster, NS, x.pod_doc(f"enf-bare-{i}"))))
    print(f"first denial {time.monotonic() - flip_done:.1f} s after the flip returned")
    f.check(refused is not None and "(Forbidden)" in refused.stderr and
            x.DENY_CREATE + x.CREATE_MSG in refused.stderr, f"enforcing bare pod: {refused}")
    r = x.kubectl_create(cluster, NS, x.pod_doc("enf-pinned", "ztp-prem-cc", PLAIN))
    f.check(r.returncode != 0 and x.DENY_CREATE + x.NODE_NAME_MSG in r.stderr, f"nodeName: {r.stderr}")
    status, _ = cluster.api("POST", f"/api/v1/namespaces/{NS}/pods", x.pod_doc("enf-pinned-ok", "ztp-prem-cc", CC))
    f.check(status == 201, f"nodeName on the eligible node: {status}")
    placed = cluster.must("POST", f"/api/v1/namespaces/{NS}/pods", x.pod_doc("enf-placed", "ztp-prem-cc"))
    f.check(placed["spec"].get("nodeSelector", {}).get(x.CC_LABEL) == "true",
            f"RuntimeClass did not merge its nodeSelector: {placed['spec'].get('nodeSelector')}")
    # The two bindings reach the server's policy informer one by one: the create denial above
    # does not prove the bind policy is in force yet (a binding slipped through once, under
    # ASan). Wait for its denial too, with a throwaway pod per attempt, removed after.
    def bind_probe(i):
        cluster.must("POST", f"/api/v1/namespaces/{NS}/pods", x.pod_doc(f"enf-probe-{i}", "ztp-prem-cc"))
        probes.append(f"enf-probe-{i}")
        return x.bind(cluster, NS, f"enf-probe-{i}", PLAIN)[0] == 403
    probes = []
    f.check(x.poll("the bind denial", bind_probe), "the bind policy never denied after the flip")
    for probe in probes:
        cluster.api("DELETE", f"/api/v1/namespaces/{NS}/pods/{probe}?gracePeriodSeconds=0")
    for legacy in (False, True):
        status, out = x.bind(cluster, NS, "enf-placed", PLAIN, legacy)
        f.check(status == 403 and x.DENY_BIND + x.BIND_MSG in json.dumps(out),
                f"binding (legacy={legacy}) to {PLAIN}: {status} {out}")
    status, out = x.bind(cluster, NS, "enf-placed", CC, legacy=True)
    f.check(status == 201, f"binding to the eligible node: {status} {out}")
    audit = x.poll("the denial's audit annotation",
                   lambda i: x.audited_failure(cluster, NS, "enf-pinned"), 15)
    f.check(audit and audit[0].get("validationActions") == ["Deny", "Audit"], f"deny audit: {audit}")

    # Never affected: kube-system and ztp-prem (even labelled Tier B), other tiers.
    for ns in ("kube-system", e.NAMESPACE):
        x.tier_namespace(cluster, ns, "b")
    try:
        time.sleep(1.5)  # the policy's namespace cache
        for ns in ("kube-system", e.NAMESPACE, OTHER):
            r = x.kubectl_create(cluster, ns, x.pod_doc(f"enf-free-{ns}", node_name=PLAIN))
            f.check(r.returncode == 0 and "Warning: Validation" not in r.stderr,
                    f"{ns}: bare pod on the ineligible node: {r.stderr}")
        # An agent DaemonSet's pod, as the DaemonSet controller would create it, then bound.
        ds = cluster.must("GET", f"/apis/apps/v1/namespaces/{e.NAMESPACE}/daemonsets/ztp-prem-detect")
        owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "ztp-prem-detect",
                 "uid": ds["metadata"]["uid"], "controller": True}
        status, _ = cluster.api("POST", f"/api/v1/namespaces/{e.NAMESPACE}/pods",
                                x.pod_doc("enf-agent", owner=owner))
        f.check(status == 201, f"agent DaemonSet pod: {status}")
        status, out = x.bind(cluster, e.NAMESPACE, "enf-agent", PLAIN)
        f.check(status == 201, f"agent DaemonSet pod binding to {PLAIN}: {status} {out}")
    finally:
        for ns in ("kube-system", e.NAMESPACE):
            cluster.must("PATCH", f"/api/v1/namespaces/{ns}", {"metadata": {"labels": {x.TIER_LABEL: None}}},
                         content_type="application/merge-patch+json")
        for ns in ("kube-system", e.NAMESPACE, OTHER):
            cluster.api("DELETE", f"/api/v1/namespaces/{ns}/pods/enf-free-{ns}?gracePeriodSeconds=0")
        cluster.api("DELETE", f"/api/v1/namespaces/{e.NAMESPACE}/pods/enf-agent?gracePeriodSeconds=0")

    # Mirror pods are reported, never refused.
    status, _ = cluster.api("POST", f"/api/v1/namespaces/{NS}/pods",
                            x.pod_doc("enf-mirror", node_name=PLAIN,
                                      annotations={"kubernetes.io/config.mirror": "x"}))
    f.check(status == 201, f"mirror pod: {status}")
    pf = json.loads(x.enforce(bin_dir, "preflight", "--kubeconfig", str(cluster.kubeconfig),
                              "--format", "json").stdout)
    mirror = [g for g in pf["findings"] if g["pod"] == "enf-mirror"]
    f.check(pf["tierB"]["mirrorPods"] == 1 and mirror and mirror[0]["wouldRefuse"] is False,
            f"preflight mirror: {mirror}")
    cluster.api("DELETE", f"/api/v1/namespaces/{NS}/pods/enf-mirror?gracePeriodSeconds=0")

    # The controller follows a node losing eligibility: label and shard, then the server denies.
    proc = subprocess.Popen([str(bin_dir / "ztp-prem-enforce"), "controller", "--kubeconfig", str(kc),
                             "--namespace", e.NAMESPACE, "--resync", "60s"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # its first list and reconcile (nothing to change)
        lost = time.monotonic()
        x.publish(bin_dir, cluster, CC, x.PLAIN_PROFILE)
        gone = x.poll("the label's removal", lambda i: x.CC_LABEL not in node(CC), 30)
        f.check(gone, f"{CC} kept its label after losing eligibility")
        print(f"controller reaction (document to label removed): {time.monotonic() - lost:.2f} s")
        shard_drops = x.poll("the shard update", lambda i: CC not in (
            (e.configmap(cluster, "ztp-prem-cc-nodes-0") or {"data": {CC: ""}}).get("data") or {}), 10)
        f.check(shard_drops, f"shard still lists {CC}")

        def late_bind(i):
            # A fresh pod per attempt: an allowed binding assigns the pod for good.
            cluster.must("POST", f"/api/v1/namespaces/{NS}/pods", x.pod_doc(f"enf-late-{i}", "ztp-prem-cc"))
            return x.bind(cluster, NS, f"enf-late-{i}", CC)[0] == 403
        denied = x.poll("the binding denial", late_bind, 10)
        f.check(denied, f"binding to {CC} allowed after it lost eligibility")
        x.publish(bin_dir, cluster, CC, x.SNP_PROFILE)
        f.check(x.poll("the label's return", lambda i: node(CC).get(x.CC_LABEL) == "true", 30),
                f"{CC} not relabelled")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    f.check(proc.returncode == 0, f"controller exit {proc.returncode}: {err[-2000:]}")
    f.check("enforce.reconciled" in err, "controller logged no reconcile")

    # No shard at all: enforcing denies Tier B (parameterNotFoundAction Deny), nothing else.
    for s in e.configmap(cluster, "ztp-prem-cc-nodes-0") and ["ztp-prem-cc-nodes-0"] or []:
        cluster.api("DELETE", f"/api/v1/namespaces/{e.NAMESPACE}/configmaps/{s}")
    denied = x.poll("the no-params denial", lambda i: (lambda r: r if r.returncode != 0 else None)(
        x.kubectl_create(cluster, NS, x.pod_doc(f"enf-noparams-{i}", "ztp-prem-cc"))), 15)
    # The server answers 422 here ("failed to configure binding: no params found ...").
    f.check(denied is not None and x.DENY_CREATE + "failed to configure binding: no params found"
            in denied.stderr, f"no shard, Tier B pod: {denied}")
    r = x.kubectl_create(cluster, OTHER, x.pod_doc("enf-noparams-other"))
    f.check(r.returncode == 0, f"no shard, other namespace: {r.stderr}")
    r = x.enforce(bin_dir, "controller", "--kubeconfig", str(kc), "--namespace", e.NAMESPACE, "--once")
    f.check(r.returncode == 0 and e.configmap(cluster, "ztp-prem-cc-nodes-0"), "shard not restored")

    # Back to advisory for the other tests of this cluster.
    r = x.enforce(bin_dir, "mode", "advisory", "--kubeconfig", str(cluster.kubeconfig))
    f.check(r.returncode == 0 and len(r.stdout.splitlines()) == 2, f"mode advisory: {r.stdout} {r.stderr}")
x.clear_pods(cluster, NS, OTHER)
cluster.api("DELETE", WEB)
f.finish("e2e.enforce")
