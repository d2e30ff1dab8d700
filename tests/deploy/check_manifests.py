#!/usr/bin/python3
"""Renders deploy/ with `kubectl kustomize` and checks what the install promises:
restricted container security contexts, read-only hostPaths, least-privilege RBAC, and the
fleet service's Deployment, Service and NetworkPolicy in every overlay; then that the
Dockerfile builds the images of deploy/images/contents as scripts/images does.
Usage: check_manifests.py SOURCE_DIR. Exits 77 (ctest SKIP) when the kubectl of scripts/k8s-tools is not built."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import yaml

from k8s_tools import tool

src = sys.argv[1]
kubectl = tool("kubectl")
if not kubectl:
    print("SKIP: kubectl not built (scripts/k8s-tools); cannot render deploy/ with kustomize")
    sys.exit(77)

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def render(overlay):
    out = subprocess.run([kubectl, "kustomize", f"{src}/deploy/{overlay}"],
                         capture_output=True, text=True)
    check(out.returncode == 0, f"{overlay}: kubectl kustomize failed: {out.stderr.strip()}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


FORBIDDEN_VERBS = {"list", "watch", "delete", "deletecollection", "*", "update", "escalate",
                   "bind", "impersonate"}
ALLOWED_HOST_PATHS = {"/sys", "/dev", "/proc/cpuinfo"}

base = render("base")
with_policy = render("with-admission-policy")
with_audit = render("with-audit")
with_enforcement = render("with-enforcement")
with_attestation = render("with-attestation")
# The audit overlay's one writable host path per probe (issue 6): nothing else may write.
AUDIT_HOST_PATHS = {"ztp-prem-detect": "/var/lib/ztp-prem/audit/detect",
                    "ztp-prem-tpm": "/var/lib/ztp-prem/audit/tpm"}
kinds = [d["kind"] for d in base]
for kind in ("Namespace", "ServiceAccount", "Role", "RoleBinding", "DaemonSet", "Deployment",
             "Service", "NetworkPolicy"):
    check(kind in kinds, f"base has no {kind}")
check("ClusterRole" not in kinds and "ClusterRoleBinding" not in kinds,
      "base grants cluster-wide rights")
check(sum(1 for k in kinds if k == "DaemonSet") == 2, "base should have two DaemonSets")
check(sum(1 for k in kinds if k == "ServiceAccount") == 3,
      "one ServiceAccount per probe and one for the fleet service")

def check_restricted(cname, c, pod_sc):
    """The "restricted" Pod Security Standard for one container, plus a memory limit."""
    sc = c.get("securityContext", {})
    check(sc.get("runAsNonRoot") is True or pod_sc.get("runAsNonRoot") is True,
          f"{cname}: runAsNonRoot")
    run_as = sc.get("runAsUser", pod_sc.get("runAsUser"))
    check(run_as == 65532, f"{cname}: runAsUser {run_as}, not 65532")
    check(sc.get("readOnlyRootFilesystem") is True, f"{cname}: readOnlyRootFilesystem")
    check(sc.get("allowPrivilegeEscalation") is False, f"{cname}: allowPrivilegeEscalation")
    check(sc.get("privileged") is not True, f"{cname}: privileged")
    check("ALL" in sc.get("capabilities", {}).get("drop", []), f"{cname}: drop ALL")
    check(not sc.get("capabilities", {}).get("add"), f"{cname}: adds capabilities")
    seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
    check(seccomp.get("type") == "RuntimeDefault", f"{cname}: seccomp RuntimeDefault")
    res = c.get("resources", {})
    check(res.get("requests", {}).get("memory") and res.get("limits", {}).get("memory"),
          f"{cname}: memory request and limit")


def port_number(port, container):
    """A port given by number or by the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    named = [p["containerPort"] for p in container.get("ports", []) if p.get("name") == port]
    return named[0] if len(named) == 1 else None


def selects(selector, labels):
    """A matchLabels-only selector (all ours are) selects these labels."""
    match = selector.get("matchLabels", {})
    return bool(match) and not selector.get("matchExpressions") and \
        all(labels.get(k) == v for k, v in match.items())


FLEET = "ztp-prem-fleet"
# docs/deploy.md "Sizing": the fleet's memory limit covers this many nodes (65,000, the
# largest GKE cluster), 64 heavy API clients and a full re-list included.
FLEET_SIZED_FOR = 65000
FLEET_MEMORY_MIB = 384


def mebibytes(quantity):
    """A Kubernetes memory quantity ("256Mi", "1Gi", "300M", "268435456") in MiB."""
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "K": 1e3 / 2**20, "M": 1e6 / 2**20,
             "G": 1e9 / 2**20}
    q = str(quantity)
    for suffix in sorted(units, key=len, reverse=True):
        if q.endswith(suffix):
            return float(q[:-len(suffix)]) * units[suffix]
    return float(q) / 2**20 if q.replace(".", "", 1).isdigit() else 0.0
FLEET_READER = {"ztp-prem.tlsstress.art/fleet-reader": "true"}


def check_fleet(overlay, docs):
    """The fleet service's objects, as rendered by one overlay that includes base."""
    by_kind = {}
    for d in docs:
        if d["metadata"]["name"] == FLEET:
            by_kind.setdefault(d["kind"], []).append(d)
    for kind in ("ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "NetworkPolicy"):
        check(len(by_kind.get(kind, [])) == 1, f"{overlay}: {kind}/{FLEET}: want exactly one")
    if any(len(by_kind.get(k, [])) != 1 for k in ("Deployment", "Service", "NetworkPolicy")):
        return
    dep, svc, netpol = by_kind["Deployment"][0], by_kind["Service"][0], by_kind["NetworkPolicy"][0]
    name = f"{overlay}: Deployment/{FLEET}"
    check(dep["spec"].get("replicas", 1) >= 1, f"{name}: no replicas")
    check(selects(dep["spec"]["selector"], dep["spec"]["template"]["metadata"]["labels"]),
          f"{name}: selector does not select its own pods")
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    spec = dep["spec"]["template"]["spec"]
    pod_sc = spec.get("securityContext", {})
    check(spec.get("serviceAccountName") == FLEET, f"{name}: serviceAccountName "
          f"{spec.get('serviceAccountName')}")
    check(spec.get("automountServiceAccountToken") is not False,
          f"{name}: needs its service account token to list and watch")
    check(not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"),
          f"{name} shares host namespaces")
    check(not any("hostPath" in v for v in spec.get("volumes", [])), f"{name} mounts a hostPath")
    check(not spec.get("initContainers"), f"{name}: unexpected init containers")
    check(len(spec["containers"]) == 1, f"{name}: one container")
    c = spec["containers"][0]
    cname = f"{name}/{c['name']}"
    check_restricted(cname, c, pod_sc)
    image = c.get("image", "")
    check(image.split("@")[0].rsplit(":", 1)[0].rsplit("/", 1)[-1] == FLEET,
          f"{cname}: image {image} is not the fleet image")
    args = c.get("args", [])
    check(not c.get("command"), f"{cname}: command overrides the image's entrypoint")
    check(any(args[i:i + 2] == ["--source", "k8s"] for i in range(len(args))) or
          "--source=k8s" in args, f"{cname}: args lack --source k8s")
    check(not any(a.startswith("--source=dir:") or a.startswith("dir:") for a in args),
          f"{cname}: a dir: source in a cluster")
    listen = [args[i + 1] for i in range(len(args) - 1) if args[i] == "--listen"] + \
        [a.split("=", 1)[1] for a in args if a.startswith("--listen=")]
    check(len(listen) == 1, f"{cname}: one --listen, got {listen}")
    tail = listen[0].rsplit(":", 1)[-1] if len(listen) == 1 else ""
    listen_port = int(tail) if tail.isdigit() else None
    if listen:
        # 127.0.0.1 (the service's default) would refuse the Service's traffic.
        check(listen[0].rsplit(":", 1)[0] in ("0.0.0.0", "[::]"),
              f"{cname}: --listen {listen[0]} is not reachable from the Service")
    ports = c.get("ports", [])
    check(len(ports) == 1 and ports[0].get("name") == "http", f"{cname}: one port named http")
    port = ports[0]["containerPort"] if ports else None
    check(port is not None and port == listen_port,
          f"{cname}: containerPort {port} is not the --listen port {listen_port}")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = c.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path, f"{cname}: {probe} is not httpGet {path}")
        check(port_number(get.get("port"), c) == port,
              f"{cname}: {probe} port {get.get('port')} is not the container port {port}")
    check(c.get("resources", {}).get("limits", {}).get("memory"), f"{cname}: memory limit")
    limit = mebibytes(c.get("resources", {}).get("limits", {}).get("memory", "0"))
    check(limit >= FLEET_MEMORY_MIB,
          f"{cname}: memory limit {limit:.0f}Mi is below the {FLEET_MEMORY_MIB}Mi that "
          f"{FLEET_SIZED_FOR} nodes need (docs/deploy.md \"Sizing\")")
    # DNS rebinding (docs/fleet.md "HTTP"): the Service's names must pass the Host check.
    hosts = [args[i + 1] for i in range(len(args) - 1) if args[i] == "--allowed-host"] + \
        [a.split("=", 1)[1] for a in args if a.startswith("--allowed-host=")]
    ns = svc["metadata"].get("namespace", "default")
    want = [FLEET, f"{FLEET}.{ns}", f"{FLEET}.{ns}.svc", f"{FLEET}.{ns}.svc.cluster.local"]
    missing = [w for w in want if w not in hosts]
    check(not missing, f"{cname}: --allowed-host lacks the Service's DNS names {missing}")

    sname = f"{overlay}: Service/{FLEET}"
    check(svc["spec"].get("type", "ClusterIP") == "ClusterIP", f"{sname}: not ClusterIP")
    check(selects({"matchLabels": svc["spec"].get("selector", {})}, pod_labels),
          f"{sname}: selector does not select the fleet pods")
    sports = svc["spec"].get("ports", [])
    check(len(sports) == 1 and sports[0].get("name") == "http" and sports[0].get("port") == 8080,
          f"{sname}: one port 8080 named http")
    for sp in sports:
        check(port_number(sp.get("targetPort", sp.get("port")), c) == port,
              f"{sname}: targetPort {sp.get('targetPort')} is not the container port {port}")

    nname = f"{overlay}: NetworkPolicy/{FLEET}"
    nspec = netpol["spec"]
    check(selects(nspec.get("podSelector", {}), pod_labels), f"{nname}: does not select the fleet pods")
    check("Ingress" in nspec.get("policyTypes", []), f"{nname}: policyTypes lacks Ingress")
    rules = nspec.get("ingress", [])
    check(len(rules) >= 1, f"{nname}: no ingress rule (that would deny all)")
    for rule in rules:
        peers = rule.get("from", [])
        # An absent or empty "from" admits every source.
        check(peers, f"{nname}: a rule admits every source")
        for peer in peers:
            check("ipBlock" not in peer, f"{nname}: admits an ipBlock")
            check(peer.get("podSelector", {}).get("matchLabels") == FLEET_READER and
                  not peer.get("podSelector", {}).get("matchExpressions"),
                  f"{nname}: admits pods other than the labelled fleet readers: {peer}")
            # namespaceSelector {} means every namespace; absent, only the policy's own.
            check(peer.get("namespaceSelector") == {},
                  f"{nname}: readers limited to some namespaces: {peer}")
        rports = rule.get("ports", [])
        # An absent "ports" admits every port.
        check(rports, f"{nname}: a rule admits every port")
        for rp in rports:
            check(rp.get("protocol", "TCP") == "TCP" and "endPort" not in rp and
                  port_number(rp.get("port"), c) == port,
                  f"{nname}: admits {rp}, not TCP {port}")
    # Another policy selecting the fleet pods could widen what this one admits.
    for d in docs:
        if d["kind"] == "NetworkPolicy" and d is not netpol:
            other = d["spec"].get("podSelector", {})
            check(not (other == {} or selects(other, pod_labels)),  # {} selects every pod
                  f"{overlay}: NetworkPolicy/{d['metadata']['name']} also selects the fleet pods")
        if d["kind"] in ("Deployment", "DaemonSet", "StatefulSet") and d is not dep:
            check(d["spec"]["template"]["spec"].get("serviceAccountName") != FLEET,
                  f"{overlay}: {d['kind']}/{d['metadata']['name']} runs as the fleet account")


def check_objects(docs, audited):
    """RBAC and the agents' DaemonSets of one rendering."""
    for doc in docs:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] == "Role" and doc["metadata"]["name"] == "ztp-prem-fleet":
            # The fleet service reads: list and watch of configmaps, nothing more.
            check(len(doc.get("rules", [])) == 1, f"{name}: one rule")
            for rule in doc.get("rules", []):
                check(set(rule.get("verbs", [])) == {"list", "watch"}, f"{name}: verbs {rule.get('verbs')}")
                check(rule.get("resources") == ["configmaps"], f"{name}: resources {rule.get('resources')}")
                check(rule.get("apiGroups") == [""], f"{name}: apiGroups {rule.get('apiGroups')}")
                check(not rule.get("resourceNames") and not rule.get("nonResourceURLs"),
                      f"{name}: unexpected rule fields")
            continue
        if doc["kind"] == "ClusterRoleBinding":
            check(FLEET not in {s["name"] for s in doc.get("subjects", [])},
                  f"{name}: binds the fleet account cluster-wide")
        if doc["kind"] == "RoleBinding":
            subjects = {s["name"] for s in doc.get("subjects", [])}
            if doc["roleRef"]["name"] == "ztp-prem-fleet":
                check(subjects == {"ztp-prem-fleet"}, f"{name}: fleet role bound to {subjects}")
            else:
                check("ztp-prem-fleet" not in subjects, f"{name}: binds the fleet account")
        if doc["kind"] in ("Role", "ClusterRole"):
            for rule in doc.get("rules", []):
                verbs = set(rule.get("verbs", []))
                check(not verbs & FORBIDDEN_VERBS, f"{name} grants {sorted(verbs & FORBIDDEN_VERBS)}")
                check(verbs <= {"get", "create", "patch"}, f"{name}: unexpected verbs {verbs}")
                check(rule.get("resources") == ["configmaps"], f"{name}: resources {rule.get('resources')}")
        if doc["kind"] != "DaemonSet":
            continue
        spec = doc["spec"]["template"]["spec"]
        pod_sc = spec.get("securityContext", {})
        check(not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"),
              f"{name} shares host namespaces")
        check(any(t.get("operator") == "Exists" and "key" not in t for t in spec.get("tolerations", [])),
              f"{name} does not tolerate every taint")
        check(spec.get("serviceAccountName") == doc["metadata"]["name"], f"{name}: own ServiceAccount")
        host_volumes = {v["name"]: v["hostPath"]["path"] for v in spec.get("volumes", [])
                        if "hostPath" in v}
        audit_path = AUDIT_HOST_PATHS.get(doc["metadata"]["name"]) if audited else None
        for path in host_volumes.values():
            check(path in ALLOWED_HOST_PATHS or path == audit_path, f"{name} mounts host path {path}")
        if audited:
            check(audit_path in host_volumes.values(), f"{name}: no audit log hostPath")
        for c in spec.get("initContainers", []) + spec["containers"]:
            cname = f"{name}/{c['name']}"
            check_restricted(cname, c, pod_sc)
            check(c.get("livenessProbe"), f"{cname}: liveness probe")
            env = {e["name"]: e for e in c.get("env", [])}
            check(env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
                  == "spec.nodeName", f"{cname}: NODE_NAME from the Downward API")
            check("--host-root=/host" in c.get("args", []), f"{cname}: --host-root=/host")
            check("--publish=k8s" in c.get("args", []) and "--watch" in c.get("args", []),
                  f"{cname}: --watch --publish=k8s")
            if audited:
                check("--audit-dir=/var/lib/ztp-prem/audit" in c.get("args", []),
                      f"{cname}: --audit-dir")
            for m in c.get("volumeMounts", []):
                if m["name"] in host_volumes and host_volumes[m["name"]] == audit_path:
                    check(m["mountPath"] == "/var/lib/ztp-prem/audit", f"{cname}: audit mount path")
                    continue  # the one writable host path
                if m["name"] in host_volumes:
                    check(m.get("readOnly") is True, f"{cname}: hostPath {m['name']} not read-only")
                    check(m["mountPath"] == "/host" + host_volumes[m["name"]],
                          f"{cname}: {m['name']} not under /host")

def check_policy(name, docs):
    """The per-node admission policy (deploy/with-admission-policy) of one rendering."""
    ns = next((d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"), NAMESPACE)
    kinds_ = [d["kind"] for d in docs]
    check("ValidatingAdmissionPolicy" in kinds_, f"{name} lacks the policy")
    for d in docs:
        if d["kind"] == "ValidatingAdmissionPolicyBinding":
            check(d["spec"]["validationActions"] == ["Deny"], f"{name}: policy binding does not deny")
            check(d["spec"]["matchResources"]["namespaceSelector"]["matchLabels"] ==
                  {"kubernetes.io/metadata.name": ns}, f"{name}: binding not limited to {ns}")
        if d["kind"] == "ValidatingAdmissionPolicy":
            check(d["spec"]["failurePolicy"] == "Fail", f"{name}: policy failurePolicy is not Fail")
            text = yaml.safe_dump(d)
            for sa in ("ztp-prem-detect", "ztp-prem-tpm"):
                check(f"system:serviceaccount:{ns}:{sa}" in text, f"{name}: policy does not cover {sa}")
            check_verdict_rule(name, d["spec"])


VERDICT_KEY = "attest.json"  # the verifier's data key (docs/attest.md "In a cluster")


def check_verdict_rule(name, spec):
    """The agents may not create, change or delete the verifier's verdict key: a Forbidden
    validation, scoped to the agents, comparing the key before and after (absent on CREATE)."""
    variables = {v["name"]: v["expression"] for v in spec.get("variables", [])}
    before, after = variables.get("verdictBefore", ""), variables.get("verdictAfter", "")
    check(f"oldObject.data['{VERDICT_KEY}']" in before and "oldObject != null" in before,
          f"{name}: policy variable verdictBefore does not read oldObject.data['{VERDICT_KEY}']")
    check(f"object.data['{VERDICT_KEY}']" in after and "oldObject" not in after,
          f"{name}: policy variable verdictAfter does not read object.data['{VERDICT_KEY}']")
    rule = [v for v in spec.get("validations", [])
            if v["expression"] == "!variables.isAgent || variables.verdictBefore == variables.verdictAfter"]
    check(len(rule) == 1 and rule[0].get("reason") == "Forbidden" and VERDICT_KEY in rule[0].get("message", ""),
          f"{name}: policy does not keep {VERDICT_KEY} from the agents")
    check({"CREATE", "UPDATE"} <= set(spec["matchConstraints"]["resourceRules"][0]["operations"]),
          f"{name}: policy does not see CREATE and UPDATE")


NAMESPACE = "ztp-prem"
for overlay, docs in (("base", base), ("with-admission-policy", with_policy),
                      ("with-audit", with_audit), ("with-enforcement", with_enforcement)):
    if overlay != "with-enforcement":  # its controller's RBAC is check_enforcement's
        check_objects(docs, audited=overlay == "with-audit")
    check_fleet(overlay, docs)
check_policy("with-admission-policy", with_policy)


def find_helm():
    """helm v4 from scripts/k8s-tools (ZTP_K8S_TOOLS when scripts/test set it)."""
    return tool("helm")


def render_helm(helm, values):
    """helm template of deploy/helm/ztp-prem with --set values."""
    cmd = [helm, "template", "ztp-prem", f"{src}/deploy/helm/ztp-prem"]
    for v in values:
        cmd += ["--set", v]
    out = subprocess.run(cmd, capture_output=True, text=True)
    check(out.returncode == 0, f"helm template {values}: {out.stderr.strip()}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


# The Helm chart through the same checks, in the settings the overlays stand for and in a
# namespace of its own with everything on (tests/deploy/check_helm.py compares the two ways).
HELM_CASES = [
    ("helm", [], False, False),
    ("helm admission.mode=own-node", ["admission.mode=own-node"], False, True),
    ("helm auditLog.enabled", ["auditLog.enabled=true"], True, False),
    ("helm everything on, namespace ztp-prem-helm",
     ["namespace.name=ztp-prem-helm", "admission.mode=own-node", "auditLog.enabled=true",
      "fleet.token.value=t0ken", "fleet.allowedHosts={fleet.example}"], True, True),
]
helm = find_helm() if os.path.isdir(f"{src}/deploy/helm/ztp-prem") else None
helm_rendered = 0
if helm:
    for name, values, audited, policy in HELM_CASES:
        docs = render_helm(helm, values)
        helm_rendered += len(docs)
        check_objects(docs, audited)
        check_fleet(name, docs)
        if policy:
            check_policy(name, docs)
else:
    print("SKIP (the Helm chart's part only): no helm (scripts/k8s-tools builds it)")

# What ztp-prem-enforce lists (src/enforce/cluster.cpp): Tier B namespaces, their pods, and
# the workloads whose templates preflight judges (tierb.h k_workload_kinds).
ENFORCE_LISTS = sorted([("", "namespaces"), ("", "pods"), ("apps", "deployments"),
                        ("apps", "replicasets"), ("apps", "statefulsets"), ("apps", "daemonsets"),
                        ("batch", "jobs"), ("batch", "cronjobs")])


def check_enforcement(docs, mode):
    """deploy/with-enforcement (issue 17): the policies, the RuntimeClass, the controller's
    least-privilege RBAC, and the flip's values for one mode."""
    ov = f"with-enforcement ({mode})"
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    rc = by.get(("RuntimeClass", "ztp-prem-cc"))
    check(rc and rc["scheduling"]["nodeSelector"] ==
          {"ztp-prem.tlsstress.art.node-restriction.kubernetes.io/cc": "true"},
          f"{ov}: RuntimeClass ztp-prem-cc selects the restricted label")
    want = {"advisory": {"ztp-prem-tierb-create": (["Warn", "Audit"], "Allow"),
                         "ztp-prem-tierb-bind": (["Audit"], "Allow")},
            "enforcing": {"ztp-prem-tierb-create": (["Deny", "Audit"], "Deny"),
                          "ztp-prem-tierb-bind": (["Deny", "Audit"], "Deny")}}[mode]
    for name, (actions, not_found) in want.items():
        vap = by.get(("ValidatingAdmissionPolicy", name))
        b = by.get(("ValidatingAdmissionPolicyBinding", name))
        check(vap and vap["spec"]["failurePolicy"] == "Fail", f"{ov}: {name} failurePolicy")
        check(b and b["spec"]["validationActions"] == actions, f"{ov}: {name} actions")
        check(b and b["spec"]["paramRef"]["parameterNotFoundAction"] == not_found,
              f"{ov}: {name} parameterNotFoundAction")
        exprs = b["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"] if b else []
        check({"key": "ztp-prem.tlsstress.art/tier", "operator": "In", "values": ["b"]} in exprs,
              f"{ov}: {name} matches only Tier B namespaces")
        check(any(x["key"] == "kubernetes.io/metadata.name" and x["operator"] == "NotIn" and
                  {"kube-system", "ztp-prem"} <= set(x["values"]) for x in exprs),
              f"{ov}: {name} does not exempt kube-system and ztp-prem")
    bind = by.get(("ValidatingAdmissionPolicy", "ztp-prem-tierb-bind"))
    check(bind and set(bind["spec"]["matchConstraints"]["resourceRules"][0]["resources"]) ==
          {"pods/binding", "bindings"}, f"{ov}: bind policy misses pods/binding or bindings")
    # The controller alone writes node labels and the shards; it can never flip the mode.
    for d in docs:
        if d["kind"] not in ("Role", "ClusterRole"):
            continue
        for rule in d.get("rules", []):
            verbs, res = set(rule.get("verbs", [])), set(rule.get("resources", []))
            name = f"{ov}: {d['kind']}/{d['metadata']['name']}"
            check("*" not in verbs and not verbs & {"update", "escalate", "bind", "impersonate",
                                                     "deletecollection"}, f"{name}: {verbs}")
            if "nodes" in res or "validatingadmissionpolicybindings" in res:
                check(d["metadata"]["name"] == "ztp-prem-enforce", f"{name} touches {res}")
            if "validatingadmissionpolicybindings" in res:
                check(verbs == {"get"} and rule.get("resourceNames"), f"{name}: binding rights {verbs}")
            if "events" in res:  # Kubernetes Events: written, never read or removed
                check(d["metadata"]["name"] == "ztp-prem-enforce" and verbs == {"create", "patch"} and
                      rule.get("apiGroups") == ["events.k8s.io"], f"{name}: event rights {verbs}")
            if "delete" in verbs or ("patch" in verbs and "configmaps" in res and
                                     d["metadata"]["name"] == "ztp-prem-enforce"):
                check(rule.get("resourceNames"), f"{name}: {verbs} without resourceNames")
    # The controller's reads are exactly these lists (the preflight's): no get, no watch.
    role = by.get(("ClusterRole", "ztp-prem-enforce"))
    lists = sorted((g, r) for rule in (role or {}).get("rules", []) if rule.get("verbs") == ["list"]
                   for g in rule.get("apiGroups", []) for r in rule.get("resources", []))
    check(lists == ENFORCE_LISTS, f"{ov}: ClusterRole/ztp-prem-enforce lists {lists}, "
          f"want exactly {ENFORCE_LISTS}")
    dep = by.get(("Deployment", "ztp-prem-enforce"))
    check(dep is not None, f"{ov}: no controller Deployment")
    if dep:
        spec = dep["spec"]["template"]["spec"]
        check(spec["serviceAccountName"] == "ztp-prem-enforce", f"{ov}: controller account")
        check(dep["metadata"]["namespace"] == "ztp-prem", f"{ov}: controller outside ztp-prem")
        for c in spec["containers"]:
            check_restricted(f"{ov}: Deployment/ztp-prem-enforce/{c['name']}", c,
                             spec.get("securityContext", {}))


check_enforcement(with_enforcement, "advisory")
# The flip is one value: the same overlay with the one line changed renders enforcing.
import pathlib  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
with tempfile.TemporaryDirectory() as tmp:
    shutil.copytree(f"{src}/deploy", f"{tmp}/deploy")
    k = pathlib.Path(f"{tmp}/deploy/with-enforcement/kustomization.yaml")
    text = k.read_text()
    check(text.count("  - mode/advisory\n") == 1, "with-enforcement: the flip is not one line")
    k.write_text(text.replace("  - mode/advisory\n", "  - mode/enforcing\n"))
    out = subprocess.run([kubectl, "kustomize", f"{tmp}/deploy/with-enforcement"],
                         capture_output=True, text=True)
    check(out.returncode == 0, f"with-enforcement (enforcing): {out.stderr}")
    check_enforcement([d for d in yaml.safe_load_all(out.stdout) if d], "enforcing")



ATTEST = "ztp-prem-attest"
ATTEST_AGENT = "ztp-prem-attest-agent"
ATTEST_PORT = 8443


def arg_values(args, flag):
    """Every value of --flag V and --flag=V."""
    return [args[i + 1] for i in range(len(args) - 1) if args[i] == flag] + \
        [a.split("=", 1)[1] for a in args if a.startswith(flag + "=")]


def check_verifier(ov, by, docs):
    """The verifier (ztp-prem-attest serve): restricted, TLS from a read-only Secret, state on
    a claim, verdicts to the ConfigMaps; its Service, NetworkPolicy and least-privilege Role."""
    dep = by.get(("Deployment", ATTEST))
    if not check(dep is not None, f"{ov}: no Deployment/{ATTEST}"):
        return
    name = f"{ov}: Deployment/{ATTEST}"
    spec = dep["spec"]["template"]["spec"]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    check(selects(dep["spec"]["selector"], pod_labels), f"{name}: selector does not select its pods")
    check(dep["spec"].get("replicas", 1) == 1 and dep["spec"].get("strategy", {}).get("type") == "Recreate",
          f"{name}: one replica, Recreate (one writer of the state directory)")
    check(spec.get("serviceAccountName") == ATTEST, f"{name}: serviceAccountName {spec.get('serviceAccountName')}")
    check(not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"),
          f"{name} shares host namespaces")
    check(not any("hostPath" in v for v in spec.get("volumes", [])), f"{name} mounts a hostPath")
    check(len(spec["containers"]) == 1 and not spec.get("initContainers"), f"{name}: one container")
    c = spec["containers"][0]
    cname = f"{name}/{c['name']}"
    check_restricted(cname, c, spec.get("securityContext", {}))
    check(c.get("command", [""])[0].endswith("/ztp-prem-attest"), f"{cname}: command is not ztp-prem-attest")
    args = c.get("args", [])
    check(args[:1] == ["serve"], f"{cname}: args do not start with serve")
    check("k8s" in arg_values(args, "--publish"), f"{cname}: verdicts not published (--publish k8s)")
    listen = arg_values(args, "--listen")
    check(len(listen) == 1 and listen[0] == f"0.0.0.0:{ATTEST_PORT}", f"{cname}: --listen {listen}")
    ports = c.get("ports", [])
    port = ports[0]["containerPort"] if len(ports) == 1 else None
    check(port == ATTEST_PORT, f"{cname}: containerPort {port} is not the --listen port {ATTEST_PORT}")
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}

    def volume_of(path):
        best = max((m for m in mounts if path.startswith(m.rstrip("/") + "/")), key=len, default=None)
        return (mounts[best], volumes.get(mounts[best]["name"], {})) if best else (None, {})

    state = arg_values(args, "--state")
    check(len(state) == 1 and state[0].startswith("dir:"), f"{cname}: --state {state}")
    if state:
        _, vol = volume_of(state[0][4:])
        check("persistentVolumeClaim" in vol, f"{cname}: --state is not on a PersistentVolumeClaim")
    for flag in ("--tls-cert", "--tls-key"):
        files = arg_values(args, flag)
        mount, vol = volume_of(files[0]) if files else (None, {})
        check(mount is not None and mount.get("readOnly") is True and "secret" in vol,
              f"{cname}: {flag} is not in a read-only Secret mount")
    for probe in ("livenessProbe", "readinessProbe"):
        get = c.get(probe, {}).get("httpGet", {})
        check(get.get("path") == "/healthz" and get.get("scheme") == "HTTPS" and
              port_number(get.get("port"), c) == port, f"{cname}: {probe} is not HTTPS /healthz on {port}")
    svc = by.get(("Service", ATTEST))
    if check(svc is not None, f"{ov}: no Service/{ATTEST}"):
        ns = svc["metadata"].get("namespace", "default")
        want = [ATTEST, f"{ATTEST}.{ns}", f"{ATTEST}.{ns}.svc", f"{ATTEST}.{ns}.svc.cluster.local"]
        missing = [w for w in want if w not in arg_values(args, "--allowed-host")]
        check(not missing, f"{cname}: --allowed-host lacks the Service's DNS names {missing}")
        check(svc["spec"].get("type", "ClusterIP") == "ClusterIP", f"{ov}: Service/{ATTEST}: not ClusterIP")
        check(selects({"matchLabels": svc["spec"].get("selector", {})}, pod_labels),
              f"{ov}: Service/{ATTEST}: selector does not select the verifier pods")
        for sp in svc["spec"].get("ports", []):
            check(port_number(sp.get("targetPort", sp.get("port")), c) == port,
                  f"{ov}: Service/{ATTEST}: targetPort {sp.get('targetPort')} is not {port}")
    agent = by.get(("DaemonSet", ATTEST_AGENT))
    agent_labels = agent["spec"]["template"]["metadata"]["labels"] if agent else {}
    netpol = by.get(("NetworkPolicy", ATTEST))
    if check(netpol is not None, f"{ov}: no NetworkPolicy/{ATTEST}"):
        nname = f"{ov}: NetworkPolicy/{ATTEST}"
        nspec = netpol["spec"]
        check(selects(nspec.get("podSelector", {}), pod_labels), f"{nname}: does not select the verifier pods")
        check("Ingress" in nspec.get("policyTypes", []), f"{nname}: policyTypes lacks Ingress")
        rules = nspec.get("ingress", [])
        check(rules, f"{nname}: no ingress rule")
        for rule in rules:
            peers = rule.get("from", [])
            check(peers, f"{nname}: a rule admits every source")
            for peer in peers:
                check(set(peer) == {"podSelector"} and selects(peer["podSelector"], agent_labels),
                      f"{nname}: admits more than the attestation agents of its namespace: {peer}")
            rports = rule.get("ports", [])
            check(rports and all(rp.get("protocol", "TCP") == "TCP" and rp.get("port") == port and
                                 "endPort" not in rp for rp in rports), f"{nname}: admits {rports}, not TCP {port}")
    for d in docs:
        if d["kind"] == "NetworkPolicy" and d is not netpol:
            other = d["spec"].get("podSelector", {})
            check(not (other == {} or selects(other, pod_labels)),
                  f"{ov}: NetworkPolicy/{d['metadata']['name']} also selects the verifier pods")
    role = by.get(("Role", ATTEST))
    if check(role is not None, f"{ov}: no Role/{ATTEST}"):
        rules = role.get("rules", [])
        check(len(rules) == 1 and rules[0].get("apiGroups") == [""] and
              rules[0].get("resources") == ["configmaps"] and
              set(rules[0].get("verbs", [])) == {"get", "create", "patch"},
              f"{ov}: Role/{ATTEST}: more than get, create, patch of configmaps: {rules}")
    for d in docs:
        subjects = {s["name"] for s in d.get("subjects", [])}
        if d["kind"] == "ClusterRoleBinding":
            check(ATTEST not in subjects, f"{ov}: ClusterRoleBinding/{d['metadata']['name']} binds {ATTEST}")
        if d["kind"] == "RoleBinding" and ATTEST in subjects:
            check(d["roleRef"]["name"] == ATTEST and subjects == {ATTEST},
                  f"{ov}: RoleBinding/{d['metadata']['name']} binds {ATTEST} to {d['roleRef']['name']}")


ATTEST_HOST_PATHS = {"/dev/tpmrm0": "CharDevice", "/var/lib/ztp-prem/attest": "DirectoryOrCreate"}


def check_attest_agent(ov, by):
    """The attestation agent: opt-in per node, no token, `ztp-prem-tpm attest` in the one
    privileged init container (the TPM device; docs/deploy.md "Attestation"), the rest
    restricted; host paths: the TPM device and the secret directory only."""
    ds = by.get(("DaemonSet", ATTEST_AGENT))
    if not check(ds is not None, f"{ov}: no DaemonSet/{ATTEST_AGENT}"):
        return
    name = f"{ov}: DaemonSet/{ATTEST_AGENT}"
    spec = ds["spec"]["template"]["spec"]
    check(spec.get("nodeSelector") == {"ztp-prem.tlsstress.art/attest": "true"},
          f"{name}: not opt-in by the node label ztp-prem.tlsstress.art/attest=true")
    check(spec.get("automountServiceAccountToken") is False, f"{name}: mounts a service account token")
    check(not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"),
          f"{name} shares host namespaces")
    host = {v["name"]: v["hostPath"] for v in spec.get("volumes", []) if "hostPath" in v}
    check({h["path"]: h.get("type") for h in host.values()} == ATTEST_HOST_PATHS,
          f"{name}: host paths {sorted(h['path'] for h in host.values())}")
    inits = spec.get("initContainers", [])
    if not check(len(inits) == 1, f"{name}: one init container"):
        return
    c = inits[0]
    cname = f"{name}/{c['name']}"
    args = c.get("args", [])
    check(c.get("command") == ["/ztp-prem-tpm"] and args[:1] == ["attest"], f"{cname}: not ztp-prem-tpm attest")
    svc = by.get(("Service", ATTEST))
    ns = svc["metadata"].get("namespace", "default") if svc else "?"
    check(arg_values(args, "--verifier") == [f"https://{ATTEST}.{ns}.svc:{ATTEST_PORT}"],
          f"{cname}: --verifier {arg_values(args, '--verifier')} is not the Service")
    check(arg_values(args, "--tcti") == ["device:/dev/tpmrm0"], f"{cname}: --tcti")
    env = {e["name"]: e for e in c.get("env", [])}
    check(arg_values(args, "--node") == ["$(NODE_NAME)"] and
          env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "spec.nodeName",
          f"{cname}: --node is not the Downward API's node name")
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    out = arg_values(args, "--out")
    check(len(out) == 1 and host.get(mounts.get(out[0].rsplit("/", 1)[0]), {}).get("path") ==
          "/var/lib/ztp-prem/attest", f"{cname}: --out {out} is not in the secret directory")
    sc = c.get("securityContext", {})
    check(sc.get("capabilities", {}).get("drop") == ["ALL"] and not sc.get("capabilities", {}).get("add"),
          f"{cname}: capabilities not all dropped")
    check(sc.get("readOnlyRootFilesystem") is True, f"{cname}: readOnlyRootFilesystem")
    check(c.get("resources", {}).get("limits", {}).get("memory"), f"{cname}: memory limit")
    for m in c.get("volumeMounts", []):
        if m["name"] in host and host[m["name"]]["path"] == "/dev/tpmrm0":
            check(m["mountPath"] == "/dev/tpmrm0", f"{cname}: TPM device mounted at {m['mountPath']}")
    for h in spec["containers"]:
        check_restricted(f"{name}/{h['name']}", h, spec.get("securityContext", {}))
        check(not h.get("volumeMounts"), f"{name}/{h['name']}: mounts volumes")


def privileged_containers(docs):
    out = []
    for d in docs:
        spec = d.get("spec", {}).get("template", {}).get("spec")
        if not spec:
            continue
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            if c.get("securityContext", {}).get("privileged") or \
                    c.get("securityContext", {}).get("runAsUser") == 0:
                out.append(f"{d['kind']}/{d['metadata']['name']}/{c['name']}")
    return out


def check_attestation(docs):
    ov = "with-attestation"
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    check_objects([d for d in docs if d["metadata"]["name"] != ATTEST_AGENT], audited=False)
    check_fleet(ov, docs)
    check_verifier(ov, by, docs)
    check_attest_agent(ov, by)
    # The TPM device is the one reason for privilege, in the one container that opens it.
    check(privileged_containers(docs) == [f"DaemonSet/{ATTEST_AGENT}/attest"],
          f"{ov}: privileged or root containers {privileged_containers(docs)}")
    for overlay, other in (("base", base), ("with-admission-policy", with_policy),
                           ("with-audit", with_audit), ("with-enforcement", with_enforcement)):
        check(not privileged_containers(other), f"{overlay}: privileged or root containers")


check_attestation(with_attestation)


def dockerfile_stages(path):
    """Instructions of each stage, continuation lines joined, comments dropped."""
    stages, logical = [], ""
    for line in open(path).read().splitlines():
        if line.lstrip().startswith("#") and not logical:
            continue
        if line.endswith("\\"):
            logical += line[:-1].strip() + " "
            continue
        logical += line.strip()
        if not logical:
            continue
        word, _, rest = logical.partition(" ")
        if word.upper() == "FROM":
            parts = rest.split()
            stages.append({"from": parts[0], "name": parts[2] if len(parts) > 2 else None,
                           "steps": []})
        elif stages:
            stages[-1]["steps"].append((word.upper(), rest.strip()))
        logical = ""
    return stages


def image_contents():
    """deploy/images/contents, parsed by the stager both ways of building use."""
    import importlib.machinery
    repo = pathlib.Path(__file__).resolve().parents[2]
    stager = importlib.machinery.SourceFileLoader(
        "image_rootfs", str(repo / "scripts/image-rootfs.py")).load_module()
    path = pathlib.Path(src) / "deploy/images/contents"
    return {image: stager.read_contents(image, path) for image in stager.images(path)}


def check_dockerfile(contents):
    """The Dockerfile builds what scripts/images builds: for each image of
    deploy/images/contents a FROM scratch stage of that name whose one COPY is the root file
    system scripts/image-rootfs.py staged for that image, with the list's configuration."""
    stages = dockerfile_stages(f"{src}/Dockerfile")
    named = {s["name"]: s for s in stages if s["name"]}
    # `docker build .` builds the last stage: it must stay the agents' image.
    check(stages and stages[-1]["name"] == "agents", "the Dockerfile's last stage is not agents")

    def ancestry(stage):
        while stage:
            yield stage
            stage = named.get(stage["from"])

    for image, (files, config) in contents.items():
        stage = named.get(image)
        if not check(stage is not None, f"the Dockerfile has no `{image}` stage"):
            continue
        steps = stage["steps"]
        check(stage["from"] == "scratch", f"stage {image} is FROM {stage['from']}, not scratch")
        check(not any(w == "RUN" for w, _ in steps), f"stage {image} runs commands")
        copies = [r.split() for w, r in steps if w in ("COPY", "ADD")]
        want = f"/out/{image}/rootfs/"
        check(len(copies) == 1 and copies[0][-2:] == [want, "/"],
              f"stage {image}: copies {copies}, want only {want} to /")
        source = named.get(copies[0][0].split("=", 1)[1]) if copies and \
            copies[0][0].startswith("--from=") else None
        runs = " ".join(r for st in ancestry(source) for w, r in st["steps"] if w == "RUN")
        check(f"scripts/image-rootfs.py {image} build/release/bin dashboard/dist /out/{image}"
              in runs, f"stage {image}: its root file system is not staged by image-rootfs.py")
        for kind, name, _ in files:
            if kind == "bin":
                check(f"--target" in runs and name in runs.split(),
                      f"stage {image}: no stage before it builds {name}")
        check(("USER", config["user"][0]) in steps,
              f"stage {image}: USER is not {config['user'][0]} (deploy/images/contents)")
        entry = [json.loads(r) for w, r in steps if w == "ENTRYPOINT"]
        check(entry == [config["entrypoint"]], f"stage {image}: ENTRYPOINT {entry}, the list "
              f"says {config['entrypoint']}")
        cmd = [json.loads(r) for w, r in steps if w == "CMD"]
        check(cmd == ([config["cmd"]] if config.get("cmd") else []),
              f"stage {image}: CMD {cmd}, the list says {config.get('cmd')}")
        expose = [p for w, r in steps if w == "EXPOSE" for p in r.split()]
        check(expose == config.get("port", []), f"stage {image}: EXPOSE {expose}, the list "
              f"says {config.get('port', [])}")
        labels = " ".join(r for w, r in steps if w == "LABEL")
        for key in ("title", "version", "revision", "source", "licenses"):
            check(f"org.opencontainers.image.{key}=" in labels,
                  f"stage {image}: no label org.opencontainers.image.{key}")
        if "dashboard" in [k for k, _, _ in files]:
            # default_dashboard_dir (src/fleet/dashboard_assets.cpp): <prefix>/bin/X serves
            # <prefix>/share/ztp-prem/dashboard.
            bins = [d for k, _, d in files if k == "bin"]
            dash = [d for k, _, d in files if k == "dashboard"][0]
            check(any(dash == b.rsplit("/bin/", 1)[0] + "/share/ztp-prem/dashboard" for b in bins),
                  f"{image}: the dashboard ({dash}) is not where the binary looks")


check_dockerfile(image_contents())

for f in failures:
    print("FAIL:", f)
rendered = len(base) + len(with_policy) + len(with_audit) + len(with_attestation) + helm_rendered
print(f"manifests: {rendered} rendered objects checked, {len(failures)} problems")
sys.exit(1 if failures else 0)
