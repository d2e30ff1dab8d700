#!/usr/bin/python3
"""The per-node ValidatingAdmissionPolicy of deploy/with-admission-policy, evaluated by the
real server through the product itself:
- the agent on node A (token bound to a Pod on node-a) publishing as node B is refused: exit
  non-zero, one clear line carrying the policy's message, nothing written;
- its own node is allowed;
- the verdict key attest.json is the verifier's alone: the agent's token may not create it
  (new ConfigMap or existing one), change it or delete it (403 with the policy's message);
  the verifier's service account (its real Role of deploy/with-attestation) and the admin
  may; with the verifier's attest.json present, the agent still publishes cc.json;
- in --watch mode the refusal is permanent: reported, then retried only at the heartbeat;
- the harness's kubelet identity meets NodeRestriction (a restricted label is refused).
Usage: node_policy_test.py CLUSTER_DIR BIN_DIR"""
import json
import signal
import subprocess
import time

import e2e_common as e

VERIFIER_SA = "ztp-prem-attest"


def verifier_rbac(cluster):
    """The verifier's ServiceAccount, Role and RoleBinding exactly as deploy/with-attestation
    renders them (not the whole overlay: the shared cluster keeps its other objects)."""
    import yaml
    docs = [d for d in yaml.safe_load_all(e.rendered(cluster, "with-attestation")) if d]
    mine = [d for d in docs if d["kind"] in ("ServiceAccount", "Role", "RoleBinding")
            and d["metadata"]["name"] == VERIFIER_SA]
    assert len(mine) == 3, f"with-attestation: verifier RBAC objects: {len(mine)}"
    cluster.kubectl("apply", "--server-side", "--field-manager=ztp-prem-e2e", "-f", "-",
                    input=yaml.safe_dump_all(mine))


def apply_verdict(cluster, node, verdict, kubeconfig=None, manager=VERIFIER_SA, extra=()):
    """Server-side apply of data key attest.json, the shape the verifier's --publish k8s
    applies (src/k8s/configmap_client.h), with the given identity."""
    body = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"ztp-prem-{node}", "namespace": e.NAMESPACE,
                         "labels": {"app.kubernetes.io/part-of": "ztp-prem",
                                    "ztp-prem.tlsstress.art/node": node}},
            "data": {"attest.json": json.dumps(verdict)}}
    return cluster.kubectl("apply", "--server-side", f"--field-manager={manager}",
                           "--force-conflicts", *extra, "-f", "-", kubeconfig=kubeconfig,
                           input=json.dumps(body), check=False)


def verdict_of(cluster, node):
    cm = e.configmap(cluster, f"ztp-prem-{node}")
    return None if cm is None else cm.get("data", {}).get("attest.json")


def check_refused(f, r, what):
    f.check(r.returncode != 0 and e.VERDICT_MESSAGE in r.stderr and "Forbidden" in r.stderr,
            f"{what}: not refused by the policy: rc {r.returncode} {r.stderr}")

cluster_dir, bin_dir = e.args()
cluster = e.cluster_or_skip(cluster_dir)
e.install(cluster)
f = e.Failures()
A, B = "node-pol-a", "node-pol-b"
cluster.create_node(B)

with e.workdir() as tmp:
    kc = e.agent_identity(cluster, "ztp-prem-detect", A, tmp)
    # The policy is enforced by an informer: poll until a cross-node write is refused.
    deadline = time.monotonic() + 20
    while True:
        r = e.run_agent(bin_dir, "ztp-prem-detect", B, kc)
        if r.returncode != 0 or time.monotonic() > deadline:
            break
        cluster.api("DELETE", f"/api/v1/namespaces/{e.NAMESPACE}/configmaps/ztp-prem-{B}")
        time.sleep(0.5)
    f.check(r.returncode == 1, f"cross-node publish: exit {r.returncode}, expected 1")
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    failed = [l for l in lines if '"level":"warn"' in l or '"level":"error"' in l]
    f.check(len(failed) == 1, f"expected one failure line, got: {lines}")
    f.check(failed and e.POLICY_MESSAGE in failed[0], f"the policy's message is missing: {failed}")
    f.check(failed and "Invalid" in failed[0], f"422 Invalid not named: {failed}")
    f.check(r.stdout == "", f"stdout: {r.stdout!r}")
    f.check(e.configmap(cluster, f"ztp-prem-{B}") is None, "node B's ConfigMap exists")
    print("refusal line:", failed[0] if failed else None)

    # The agent's token creating its own node's ConfigMap with a verdict (CREATE).
    forged = {"node": A, "attested": True}
    cluster.api("DELETE", f"/api/v1/namespaces/{e.NAMESPACE}/configmaps/ztp-prem-{A}")
    check_refused(f, apply_verdict(cluster, A, forged, kubeconfig=kc), "agent creates attest.json")
    f.check(e.configmap(cluster, f"ztp-prem-{A}") is None, "the forged ConfigMap exists")

    r = e.run_agent(bin_dir, "ztp-prem-detect", A, kc)
    f.check(r.returncode == 0, f"own node: exit {r.returncode}: {r.stderr}")
    f.check(e.configmap(cluster, f"ztp-prem-{A}") is not None, "own ConfigMap missing")

    # Adding the key to the existing ConfigMap (UPDATE), under the verifier's manager name.
    check_refused(f, apply_verdict(cluster, A, forged, kubeconfig=kc), "agent adds attest.json")
    f.check(verdict_of(cluster, A) is None, "the agent's forged verdict was written")

    # The verifier's service account (node-bound too, as its pod's token is) writes it.
    verifier_rbac(cluster)
    vkc = e.agent_identity(cluster, VERIFIER_SA, A, tmp)
    refusal = {"node": A, "attested": False, "reason": "digest-not-approved"}
    r = apply_verdict(cluster, A, refusal, kubeconfig=vkc)
    f.check(r.returncode == 0, f"the verifier's write was refused: {r.stderr}")
    f.check(verdict_of(cluster, A) == json.dumps(refusal), "the verifier's verdict is missing")

    # The agent still publishes cc.json next to it (another manager owns attest.json).
    r = e.run_agent(bin_dir, "ztp-prem-detect", A, kc)
    f.check(r.returncode == 0, f"agent beside the verdict: exit {r.returncode}: {r.stderr}")
    cm = e.configmap(cluster, f"ztp-prem-{A}") or {}
    f.check("cc.json" in cm.get("data", {}), "cc.json missing beside the verdict")
    f.check(verdict_of(cluster, A) == json.dumps(refusal), "the agent's publish moved the verdict")
    owners = e.managed_keys(cm)
    f.check(any("attest.json" in keys for _, keys in owners.get(VERIFIER_SA, [])),
            f"attest.json not owned by the verifier: {owners}")

    # Changing it (apply, own manager name) and deleting it (merge patch) are refused.
    check_refused(f, apply_verdict(cluster, A, forged, kubeconfig=kc, manager="ztp-prem-detect"),
                  "agent changes attest.json")
    r = cluster.kubectl("patch", "configmap", f"ztp-prem-{A}", "--type=merge", "-p",
                        '{"data":{"attest.json":null}}', kubeconfig=kc, check=False)
    check_refused(f, r, "agent deletes attest.json")
    f.check(verdict_of(cluster, A) == json.dumps(refusal), "the agent changed the verdict")

    # The admin may (a verdict reset by hand).
    approved = {"node": A, "attested": True}
    r = apply_verdict(cluster, A, approved)
    f.check(r.returncode == 0, f"the admin's write was refused: {r.stderr}")
    f.check(verdict_of(cluster, A) == json.dumps(approved), "the admin's verdict is missing")

    # --watch: one refusal, then nothing until the heartbeat (10 s, the smallest allowed).
    watch = subprocess.Popen(e.agent_cmd(bin_dir, "ztp-prem-detect", B, kc,
                                         extra=["--watch", "--interval", "1", "--heartbeat", "10"]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    watch.send_signal(signal.SIGTERM)
    _, err = watch.communicate(timeout=20)
    refused = [l for l in err.splitlines() if '"publish.refused"' in l]
    f.check(len(refused) == 1, f"--watch: {len(refused)} refusals in 6 s, expected 1: {err}")
    f.check(refused and e.POLICY_MESSAGE in refused[0], f"--watch line: {refused}")
    f.check(json.loads(refused[0])["retryInMs"] >= 9000 if refused else False,
            "--watch retries before the heartbeat")
    f.check(e.configmap(cluster, f"ztp-prem-{B}") is None, "node B's ConfigMap exists (watch)")

    # NodeRestriction with the harness's kubelet identity.
    cert, key = cluster.kubelet_identity(A)
    kubelet = cluster.cert_kubeconfig(f"{tmp}/kubelet.kubeconfig", cert, key)
    r = cluster.kubectl("label", "node", A, "ztp-prem.tlsstress.art.node-restriction.kubernetes.io/cc=true",
                        kubeconfig=kubelet, check=False)
    f.check(r.returncode != 0 and "not allowed to modify labels" in r.stderr,
            f"NodeRestriction let the kubelet set a restricted label: {r.stderr}")
    r = cluster.kubectl("label", "--overwrite", "node", A, "example.com/e2e=yes", kubeconfig=kubelet,
                        check=False)
    f.check(r.returncode == 0, f"kubelet cannot label its own node: {r.stderr}")
    r = cluster.kubectl("get", "node", B, kubeconfig=kubelet, check=False)
    f.check(r.returncode != 0, "a kubelet read another node")
f.finish("e2e.node_policy")
