#!/usr/bin/python3
"""The per-node ValidatingAdmissionPolicy of deploy/with-admission-policy, evaluated by the
real server through the product itself:
- the agent on node A (token bound to a Pod on node-a) publishing as node B is refused: exit
  non-zero, one clear line carrying the policy's message, nothing written;
- its own node is allowed;
- in --watch mode the refusal is permanent: reported, then retried only at the heartbeat;
- the harness's kubelet identity meets NodeRestriction (a restricted label is refused).
Usage: node_policy_test.py CLUSTER_DIR BIN_DIR"""
import json
import signal
import subprocess
import time

import e2e_common as e

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

    r = e.run_agent(bin_dir, "ztp-prem-detect", A, kc)
    f.check(r.returncode == 0, f"own node: exit {r.returncode}: {r.stderr}")
    f.check(e.configmap(cluster, f"ztp-prem-{A}") is not None, "own ConfigMap missing")

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
