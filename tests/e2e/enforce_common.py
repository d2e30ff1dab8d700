"""What the Tier B enforcement e2e tests share (deploy/with-enforcement, ztp-prem-enforce)."""
import json
import pathlib
import subprocess
import time

import e2e_common as e

TIER_LABEL = "ztp-prem.tlsstress.art/tier"
CC_LABEL = "ztp-prem.tlsstress.art.node-restriction.kubernetes.io/cc"
CREATE_MSG = ("Tier B pod needs runtimeClassName ztp-prem-cc (or a CoCo TEE class) or the "
              "node-restriction cc=true nodeSelector")
NODE_NAME_MSG = "Tier B pod's nodeName is not an eligible CC node (ztp-prem-cc-nodes)"
BIND_MSG = "Tier B pod bound to a node that is not an eligible CC node (ztp-prem-cc-nodes)"
WARN_PREFIX = ("Warning: Validation failed for ValidatingAdmissionPolicy 'ztp-prem-tierb-create' "
               "with binding 'ztp-prem-tierb-create': ")
DENY_CREATE = ("ValidatingAdmissionPolicy 'ztp-prem-tierb-create' with binding "
               "'ztp-prem-tierb-create' denied request: ")
DENY_BIND = ("ValidatingAdmissionPolicy 'ztp-prem-tierb-bind' with binding 'ztp-prem-tierb-bind' "
             "denied request: ")
SNP_PROFILE = e.REPO / "testdata/hosts/cc-aws-m6a-snp"
PLAIN_PROFILE = e.REPO / "testdata/hosts/cc-kvm-guest-amd-plain"


def enforce(bin_dir, *args, timeout=120):
    return subprocess.run([str(bin_dir / "ztp-prem-enforce"), *args], capture_output=True,
                          text=True, timeout=timeout)


def controller_kubeconfig(cluster, workdir):
    """A token of the overlay's ztp-prem-enforce service account: the controller runs with
    exactly the rights deploy/with-enforcement grants it."""
    out = cluster.must("POST", f"/api/v1/namespaces/{e.NAMESPACE}/serviceaccounts/ztp-prem-enforce/token",
                       {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                        "spec": {"audiences": [], "expirationSeconds": 3600}})
    return cluster.token_kubeconfig(pathlib.Path(workdir) / "enforce.kubeconfig", out["status"]["token"])


def publish(bin_dir, cluster, node, profile):
    """The CC agent's document for node from a host profile (admin identity)."""
    cluster.create_node(node)
    r = e.run_agent(bin_dir, "ztp-prem-detect", node, cluster.kubeconfig, profile=profile)
    assert r.returncode == 0, r.stderr


def tier_namespace(cluster, ns, tier="b"):
    cluster.ensure_namespace(ns)
    cluster.must("PATCH", f"/api/v1/namespaces/{ns}", {"metadata": {"labels": {TIER_LABEL: tier}}},
                 content_type="application/merge-patch+json")


def pod_doc(name, runtime_class=None, node_name=None, annotations=None, owner=None):
    spec = {"containers": [{"name": "c", "image": "registry.example/app:1"}]}
    if runtime_class:
        spec["runtimeClassName"] = runtime_class
    if node_name:
        spec["nodeName"] = node_name
    meta = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    if owner:
        meta["ownerReferences"] = [owner]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def deployment_doc(name, runtime_class=None):
    """A Deployment whose pod template is pod_doc's (no controller-manager runs: no pods)."""
    labels = {"app": name}
    template = pod_doc(name, runtime_class)
    template["metadata"] = {"labels": labels}
    del template["apiVersion"], template["kind"]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": template}}


def kubectl_create(cluster, ns, doc):
    """kubectl create: its stderr carries the server's Warning: lines."""
    return cluster.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(doc), check=False)


def bind(cluster, ns, pod, node, legacy=False):
    body = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": pod},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
    path = (f"/api/v1/namespaces/{ns}/bindings" if legacy
            else f"/api/v1/namespaces/{ns}/pods/{pod}/binding")
    return cluster.api("POST", path, body)


def poll(what, attempt, limit_s=30):
    """The server loads policies and bindings through informers (about a second after a
    change: research/real-apiserver.md): retry attempt(i) until it returns a truthy value."""
    deadline = time.monotonic() + limit_s
    i = 0
    while True:
        out = attempt(i)
        if out or time.monotonic() > deadline:
            return out
        i += 1
        time.sleep(0.3)


def audit_events(cluster):
    log = cluster.dir / "audit.log"
    if not log.exists():
        return []
    return [json.loads(l) for l in log.read_text().splitlines() if l.strip()]


def audited_failure(cluster, ns, name, subresource=None, resource="pods"):
    """The policy's Audit action: the request's audit event carries
    validation.policy.admission.k8s.io/validation_failure (audit-annotations reference)."""
    for ev in audit_events(cluster):
        ref = ev.get("objectRef", {})
        if (ref.get("namespace") == ns and ref.get("name") == name and
                ref.get("resource") == resource and ref.get("subresource") == subresource and
                ev.get("stage") == "ResponseComplete"):
            value = ev.get("annotations", {}).get("validation.policy.admission.k8s.io/validation_failure")
            if value:
                return json.loads(value)
    return None


def clear_pods(cluster, *namespaces):
    """Deletes every pod of the namespaces at once (no kubelet: nothing waits for them)."""
    for ns in namespaces:
        for p in cluster.must("GET", f"/api/v1/namespaces/{ns}/pods")["items"]:
            cluster.api("DELETE", f"/api/v1/namespaces/{ns}/pods/{p['metadata']['name']}"
                        "?gracePeriodSeconds=0")
