#!/usr/bin/python3
"""Each service account of deploy/ has exactly its documented rights (deploy/base/rbac.yaml,
fleet-rbac.yaml, docs/deploy.md), asked of the real RBAC authorizer with kubectl auth can-i
--as: every right it needs is granted, a list of rights it must not have is refused, and
`can-i --list` shows nothing beyond them. Usage: rbac_test.py CLUSTER_DIR BIN_DIR"""
import e2e_common as e

cluster_dir, _ = e.args()
cluster = e.cluster_or_skip(cluster_dir)
e.install(cluster)
f = e.Failures()
NS = e.NAMESPACE
SA = "system:serviceaccount:ztp-prem:"

# (verb, resource, namespace or None for cluster scope)
AGENT_MAY = [(v, "configmaps", NS) for v in ("get", "create", "patch")]
FLEET_MAY = [(v, "configmaps", NS) for v in ("list", "watch")]
COMMON_MAY_NOT = [
    ("get", "secrets", NS), ("list", "secrets", NS), ("get", "pods", NS), ("create", "pods", NS),
    ("get", "configmaps", "kube-system"), ("create", "configmaps", "default"),
    ("patch", "nodes", None), ("get", "nodes", None), ("list", "namespaces", None),
    ("delete", "configmaps", NS), ("deletecollection", "configmaps", NS),
    ("update", "configmaps", NS), ("create", "serviceaccounts/token", NS),
    ("impersonate", "serviceaccounts", NS), ("escalate", "roles", NS), ("bind", "roles", NS),
    ("create", "validatingadmissionpolicies", None), ("list", "configmaps", None),
]
RIGHTS = {
    "ztp-prem-detect": (AGENT_MAY, COMMON_MAY_NOT + [(v, "configmaps", NS) for v in ("list", "watch")]),
    "ztp-prem-tpm": (AGENT_MAY, COMMON_MAY_NOT + [(v, "configmaps", NS) for v in ("list", "watch")]),
    "ztp-prem-fleet": (FLEET_MAY, COMMON_MAY_NOT + [(v, "configmaps", NS)
                                                   for v in ("get", "create", "patch")]),
}


def can_i(sa, verb, resource, ns):
    resource, _, sub = resource.partition("/")
    args = ["auth", "can-i", verb, resource, f"--as={SA}{sa}"]
    args += [f"--subresource={sub}"] if sub else []
    args += [f"--namespace={ns}"] if ns else ["--all-namespaces"] if resource == "configmaps" else []
    r = cluster.kubectl(*args, check=False)
    return r.stdout.strip()


def rights_list(sa):
    r = cluster.kubectl("auth", "can-i", "--list", f"--as={SA}{sa}", f"--namespace={NS}")
    rows = {}
    for line in r.stdout.splitlines()[1:]:
        if not line.strip() or line[0].isspace():
            continue  # a non-resource URL row (discovery, /version, /healthz: everyone's)
        verbs = line[line.rfind("["):].strip("[] \n").split()
        rows[line.split()[0]] = sorted(verbs)
    return rows


cluster.ensure_service_account("e2e-nobody")
baseline = rights_list("e2e-nobody")
print("every service account may:", baseline)
f.check("configmaps" not in baseline, f"a bare service account may touch configmaps: {baseline}")

for sa, (may, may_not) in RIGHTS.items():
    for verb, res, ns in may:
        got = can_i(sa, verb, res, ns)
        f.check(got == "yes", f"{sa} should {verb} {res} in {ns}: {got}")
    for verb, res, ns in may_not:
        got = can_i(sa, verb, res, ns)
        f.check(got == "no", f"{sa} must not {verb} {res} in {ns or 'the cluster'}: {got}")
    # Nothing more: everything can-i --list shows beyond what a service account without any
    # binding has (every authenticated user's: self reviews, ClusterTrustBundles, discovery).
    rows = rights_list(sa)
    extra = {r: v for r, v in rows.items() if baseline.get(r) != v}
    expected = {"configmaps": sorted(v for v, _, _ in may)}
    f.check(extra == expected, f"{sa}: can-i --list in {NS} adds {extra}, expected {expected}")
f.finish("e2e.rbac_rights")
