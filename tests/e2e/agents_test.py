#!/usr/bin/python3
"""Both agents publish to a real kube-apiserver with --publish k8s and node-bound tokens
(TokenRequest for a Pod bound to the node), under the per-node admission policy:
- one ConfigMap ztp-prem-<node>; its managedFields show each probe's field manager, operation
  Apply, owning its own data key and not the other's;
- a probe killed half-way through its apply (the request cut at the relay) leaves the
  ConfigMap untouched: the other probe's key, its ownership, the resourceVersion;
- the next run of the killed probe lands its new document and still leaves the other's key.
Usage: agents_test.py CLUSTER_DIR BIN_DIR"""
import json
import pathlib
import signal
import subprocess
import time

import e2e_common as e
from tcp_proxy import TcpProxy

cluster_dir, bin_dir = e.args()
cluster = e.cluster_or_skip(cluster_dir)
e.install(cluster)
f = e.Failures()
NODE = "node-agents"
CM = f"ztp-prem-{NODE}"

with e.workdir() as tmp:
    kc = {p: e.agent_identity(cluster, p, NODE, tmp) for p in ("ztp-prem-detect", "ztp-prem-tpm")}
    for probe in kc:
        r = e.run_agent(bin_dir, probe, NODE, kc[probe])
        f.check(r.returncode == 0, f"{probe} --publish k8s: exit {r.returncode}: {r.stderr}")
    cm = e.configmap(cluster, CM)
    if not f.check(cm is not None, f"{CM} missing after both agents ran"):
        f.finish("e2e.agents_publish")
    f.check(sorted(cm["data"]) == ["cc.json", "tpm.json"], f"data keys {sorted(cm['data'])}")
    f.check(json.loads(cm["data"]["cc.json"])["kind"] == "CCStatus", "cc.json is a CCStatus")
    f.check(json.loads(cm["data"]["tpm.json"])["kind"] == "TPMStatus", "tpm.json is a TPMStatus")
    labels = cm["metadata"].get("labels", {})
    f.check(labels.get("ztp-prem.tlsstress.art/node") == NODE, f"node label: {labels}")
    f.check(labels.get("app.kubernetes.io/part-of") == "ztp-prem", f"part-of label: {labels}")
    owners = e.managed_keys(cm)
    f.check(owners.get("ztp-prem-detect") == [("Apply", ["cc.json"])],
            f"ztp-prem-detect's managedFields: {owners}")
    f.check(owners.get("ztp-prem-tpm") == [("Apply", ["tpm.json"])],
            f"ztp-prem-tpm's managedFields: {owners}")

    # Crash mid-apply: the detect agent's PATCH is cut short at a relay, the agent is
    # killed, the relay drops the connection. The server never sees a whole request.
    proxy = TcpProxy(cluster.state["api_port"])
    relayed = pathlib.Path(tmp) / "relayed.kubeconfig"
    doc = json.loads(kc["ztp-prem-detect"].read_text())
    doc["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{proxy.port}"
    relayed.write_text(json.dumps(doc))
    # One whole run through the relay measures what the agent sends (TLS handshake, headers,
    # the document); the cut comes 300 bytes before that end, inside the request body.
    r = e.run_agent(bin_dir, "ztp-prem-detect", NODE, relayed, e.CC_PROFILE_2)
    f.check(r.returncode == 0, f"detect through the relay: {r.stderr}")
    whole = proxy.client_bytes
    proxy.client_bytes = 0
    proxy.hold_after = whole - 300
    before = e.configmap(cluster, CM)
    agent = subprocess.Popen(e.agent_cmd(bin_dir, "ztp-prem-detect", NODE, relayed,
                                         e.CC_PROFILE_2), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while proxy.client_bytes < proxy.hold_after and time.monotonic() < deadline:
        time.sleep(0.02)
    f.check(proxy.client_bytes >= proxy.hold_after, f"agent sent only {proxy.client_bytes} bytes")
    agent.send_signal(signal.SIGKILL)
    agent.wait(timeout=10)
    proxy.drop_all()
    proxy.close()
    time.sleep(1)  # the server would have answered by now
    after = e.configmap(cluster, CM)
    f.check(after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"],
            "a killed apply changed the ConfigMap")
    f.check(after["data"] == before["data"], "a killed apply changed the data")
    f.check(e.managed_keys(after) == owners, f"ownership changed: {e.managed_keys(after)}")

    # The killed probe's next run lands its new document; the other key stays as it was.
    r = e.run_agent(bin_dir, "ztp-prem-detect", NODE, kc["ztp-prem-detect"], e.CC_PROFILE)
    f.check(r.returncode == 0, f"detect re-run: {r.stderr}")
    final = e.configmap(cluster, CM)
    f.check(final["data"]["cc.json"] != before["data"]["cc.json"], "cc.json did not change")
    f.check(final["data"]["tpm.json"] == before["data"]["tpm.json"], "tpm.json was touched")
    f.check(e.managed_keys(final) == owners, f"ownership after re-run: {e.managed_keys(final)}")

    # A hand edit of cc.json (another manager, operation Update) is taken back by the next
    # apply (force=true): the agent owns its key again, the editor owns nothing of it.
    status, _ = cluster.api("PATCH", f"/api/v1/namespaces/{e.NAMESPACE}/configmaps/{CM}"
                            "?fieldManager=hand-edit", {"data": {"cc.json": "{}"}},
                            content_type="application/merge-patch+json")
    f.check(status == 200, f"hand edit: {status}")
    edited = e.managed_keys(e.configmap(cluster, CM))
    f.check(edited.get("hand-edit") == [("Update", ["cc.json"])], f"after hand edit: {edited}")
    r = e.run_agent(bin_dir, "ztp-prem-detect", NODE, kc["ztp-prem-detect"])
    f.check(r.returncode == 0, f"detect after hand edit: {r.stderr}")
    back = e.configmap(cluster, CM)
    f.check(back["data"]["cc.json"] != "{}" and
            json.loads(back["data"]["cc.json"])["kind"] == "CCStatus", "hand edit not taken back")
    f.check(back["data"]["tpm.json"] == before["data"]["tpm.json"], "tpm.json touched by the take-back")
    owners_back = e.managed_keys(back)
    f.check(owners_back.get("ztp-prem-detect") == [("Apply", ["cc.json"])] and
            "cc.json" not in str(owners_back.get("hand-edit", [])),
            f"ownership after the take-back: {owners_back}")
f.finish("e2e.agents_publish")
