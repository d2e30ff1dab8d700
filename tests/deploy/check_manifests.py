#!/usr/bin/python3
"""Renders deploy/ with `kubectl kustomize` and checks what the install promises:
restricted container security contexts, read-only hostPaths, least-privilege RBAC.
Usage: check_manifests.py SOURCE_DIR. Exits 77 (ctest SKIP) when kubectl is absent."""
import shutil
import subprocess
import sys

import yaml

src = sys.argv[1]
kubectl = shutil.which("kubectl")
if not kubectl:
    print("SKIP: kubectl not found; cannot render deploy/ with kustomize")
    sys.exit(77)

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


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
# The audit overlay's one writable host path per probe (issue 6): nothing else may write.
AUDIT_HOST_PATHS = {"ztp-prem-detect": "/var/lib/ztp-prem/audit/detect",
                    "ztp-prem-tpm": "/var/lib/ztp-prem/audit/tpm"}
kinds = [d["kind"] for d in base]
for kind in ("Namespace", "ServiceAccount", "Role", "RoleBinding", "DaemonSet"):
    check(kind in kinds, f"base has no {kind}")
check("ClusterRole" not in kinds and "ClusterRoleBinding" not in kinds,
      "base grants cluster-wide rights")
check(sum(1 for k in kinds if k == "DaemonSet") == 2, "base should have two DaemonSets")
check(sum(1 for k in kinds if k == "ServiceAccount") == 3,
      "one ServiceAccount per probe and one for the fleet service")

for doc in base + with_policy + with_audit:
    name = f"{doc['kind']}/{doc['metadata']['name']}"
    audited = any(doc is d for d in with_audit)
    if doc["kind"] == "Role" and doc["metadata"]["name"] == "ztp-prem-fleet":
        # The fleet service reads: list and watch of configmaps, nothing more.
        for rule in doc.get("rules", []):
            check(set(rule.get("verbs", [])) == {"list", "watch"}, f"{name}: verbs {rule.get('verbs')}")
            check(rule.get("resources") == ["configmaps"], f"{name}: resources {rule.get('resources')}")
        continue
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
        sc = c.get("securityContext", {})
        check(sc.get("runAsNonRoot") is True or pod_sc.get("runAsNonRoot") is True,
              f"{cname}: runAsNonRoot")
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

policy_kinds = [d["kind"] for d in with_policy]
check("ValidatingAdmissionPolicy" in policy_kinds, "with-admission-policy lacks the policy")
for d in with_policy:
    if d["kind"] == "ValidatingAdmissionPolicyBinding":
        check(d["spec"]["validationActions"] == ["Deny"], "policy binding does not deny")
    if d["kind"] == "ValidatingAdmissionPolicy":
        check(d["spec"]["failurePolicy"] == "Fail", "policy failurePolicy is not Fail")
        text = yaml.safe_dump(d)
        for sa in ("ztp-prem-detect", "ztp-prem-tpm"):
            check(f"system:serviceaccount:ztp-prem:{sa}" in text, f"policy does not cover {sa}")

dockerfile = open(f"{src}/Dockerfile").read().splitlines()
froms = [l.split()[1] for l in dockerfile if l.startswith("FROM ")]
check(froms and froms[-1] == "scratch", "the image's last stage is not FROM scratch")
check(any(l.startswith("USER 65532") for l in dockerfile), "the image does not run as 65532")

for f in failures:
    print("FAIL:", f)
rendered = len(base) + len(with_policy)
print(f"manifests: {rendered} rendered objects checked, {len(failures)} problems")
sys.exit(1 if failures else 0)
