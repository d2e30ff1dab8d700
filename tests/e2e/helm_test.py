#!/usr/bin/python3
"""The Helm chart against a real kube-apiserver, with the real helm v4: `helm install
--dry-run=server` (creates nothing), the rendered manifests through the server's own dry
run, a real install, an upgrade changing values, an uninstall; after each, what the server
holds is checked object by object. Its own namespace (ztp-prem-helm) and release namespace
(default), so the kustomize installs of the other e2e tests stay apart. Without a namespace
controller the uninstalled Namespace stays Terminating: one install per control plane.
Usage: helm_test.py CLUSTER_DIR BIN_DIR"""
import json
import subprocess

import yaml

import e2e_common as e

cluster_dir, _ = e.args()
cluster = e.cluster_or_skip(cluster_dir)
f = e.Failures()
CHART = e.REPO / "deploy/helm/ztp-prem"
RELEASE, NS = "ztp-prem-helm", "ztp-prem-helm"
BASE_VALUES = [f"namespace.name={NS}", "admission.mode=own-node"]
POLICY = f"{NS}-own-node-configmap"


def helm(*args, check=True):
    out = subprocess.run([str(cluster.tools / "helm"), "--kubeconfig", str(cluster.kubeconfig),
                          "-n", "default", *args], capture_output=True, text=True, timeout=180)
    if check:
        f.check(out.returncode == 0, f"helm {' '.join(args[:2])}: {out.stderr.strip()}")
    return out


def sets(values):
    return [a for v in values for a in ("--set", v)]


PATHS = {  # kind -> API path of the object (namespaced ones under NS)
    "Namespace": "/api/v1/namespaces/{name}",
    "ServiceAccount": "/api/v1/namespaces/{ns}/serviceaccounts/{name}",
    "Service": "/api/v1/namespaces/{ns}/services/{name}",
    "Secret": "/api/v1/namespaces/{ns}/secrets/{name}",
    "Role": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles/{name}",
    "RoleBinding": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings/{name}",
    "DaemonSet": "/apis/apps/v1/namespaces/{ns}/daemonsets/{name}",
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments/{name}",
    "NetworkPolicy": "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies/{name}",
    "ValidatingAdmissionPolicy":
        "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/{name}",
    "ValidatingAdmissionPolicyBinding":
        "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/{name}",
}


def path_of(doc):
    return PATHS[doc["kind"]].format(name=doc["metadata"]["name"],
                                     ns=doc["metadata"].get("namespace", ""))


def mismatch(want, got, where=""):
    """The first place where the rendered object is not part of the server's (which adds
    defaults, status and metadata of its own), or None."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{where}: {got!r} is not an object"
        for k, v in want.items():
            m = mismatch(v, got.get(k), f"{where}.{k}")
            if m:
                return m
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{where}: {got!r}, rendered {want!r}"
        for i, (a, b) in enumerate(zip(want, got)):
            m = mismatch(a, b, f"{where}[{i}]")
            if m:
                return m
        return None
    if want != got and str(want) != str(got):
        return f"{where}: server holds {got!r}, rendered {want!r}"
    return None


def manifest():
    out = helm("get", "manifest", RELEASE)
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def check_server_holds(docs, revision, what):
    """Every object of the release on the server as rendered, owned by this release."""
    for d in docs:
        status, got = cluster.api("GET", path_of(d))
        name = f"{what}: {d['kind']}/{d['metadata']['name']}"
        if not f.check(status == 200, f"{name}: GET {status}"):
            continue
        m = mismatch(d, got)
        f.check(m is None, f"{name}: {m}")
        ann = got["metadata"].get("annotations", {})
        f.check(ann.get("meta.helm.sh/release-name") == RELEASE and
                got["metadata"]["labels"].get("app.kubernetes.io/managed-by") == "Helm",
                f"{name}: not owned by release {RELEASE}: {ann}")
    listed = json.loads(helm("list", "-o", "json").stdout or "[]")
    mine = [r for r in listed if r["name"] == RELEASE]
    f.check(len(mine) == 1 and mine[0]["status"] == "deployed" and
            int(mine[0]["revision"]) == revision,
            f"{what}: helm list shows {mine}, want deployed revision {revision}")


def args_of(kind, name):
    obj = cluster.must("GET", PATHS[kind].format(ns=NS, name=name))
    return obj["spec"]["template"]["spec"]["containers"][0]["args"]


# 1. Server dry run: helm's --dry-run=server talks to the server (discovery, lookups) but,
#    in helm v4.3.1, sends no object: so it must succeed and leave nothing behind; the
#    objects themselves then go through the server's own dry run (Namespace first, since a
#    dry run does not create it: research/real-apiserver.md).
dry = helm("install", RELEASE, str(CHART), "--dry-run=server", *sets(BASE_VALUES))
f.check("Dry run complete" in dry.stdout, f"dry run: {dry.stdout[-300:]}")
status, _ = cluster.api("GET", f"/api/v1/namespaces/{NS}")
f.check(status == 404, f"the dry run created namespace {NS} ({status})")
f.check(not json.loads(helm("list", "-o", "json").stdout or "[]"), "the dry run left a release")
# The chart's objects through the server's own dry run, in a namespace that exists (a dry
# run does not create the chart's Namespace: research/real-apiserver.md).
DRY_NS = "ztp-prem-helm-dry"
cluster.ensure_namespace(DRY_NS)
rendered = helm("template", RELEASE, str(CHART), f"--set=namespace.name={DRY_NS}",
                "--set=namespace.create=false", "--set=admission.mode=own-node",
                "--set=fleet.token.value=t").stdout
r = cluster.kubectl("apply", "--server-side", "--field-manager=ztp-prem-e2e", "--dry-run=server",
                    "-f", "-", input=rendered, check=False)
f.check(r.returncode == 0, f"server dry run of the chart's objects: {r.stderr.strip()}")
f.check(r.stdout.count("serverside-applied (server dry run)") >= 14,
        f"server dry run: {r.stdout}")
held = cluster.must("GET", f"/apis/apps/v1/namespaces/{DRY_NS}/daemonsets")
f.check(not held["items"], "the server dry run created DaemonSets")

# 2. Install.
helm("install", RELEASE, str(CHART), *sets(BASE_VALUES))
installed = manifest()
f.check({d["kind"] for d in installed} >= {"Namespace", "DaemonSet", "Deployment",
                                           "ValidatingAdmissionPolicy"},
        f"install: kinds {sorted({d['kind'] for d in installed})}")
check_server_holds(installed, 1, "install")
f.check("--interval=60" in args_of("DaemonSet", "ztp-prem-detect"), "install: --interval=60")

# 3. Upgrade: another interval, the audit log on, an extra Host name, a token, the admission
#    policy off (its objects must go).
upgrade = [f"namespace.name={NS}", "agents.interval=30", "auditLog.enabled=true",
           "fleet.allowedHosts={fleet.example}", "fleet.token.value=s3cret-t0ken"]
helm("upgrade", RELEASE, str(CHART), *sets(upgrade))
upgraded = manifest()
check_server_holds(upgraded, 2, "upgrade")
detect = args_of("DaemonSet", "ztp-prem-detect")
f.check("--interval=30" in detect and "--audit-dir=/var/lib/ztp-prem/audit" in detect,
        f"upgrade: detect args {detect}")
fleet = args_of("Deployment", "ztp-prem-fleet")
f.check("fleet.example" in fleet and "--token-file=/etc/ztp-prem-fleet/token" in fleet,
        f"upgrade: fleet args {fleet}")
secret = cluster.must("GET", f"/api/v1/namespaces/{NS}/secrets/ztp-prem-fleet-token")
f.check(set(secret.get("data", {})) == {"token"}, "upgrade: token Secret")
for kind in ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"):
    status, _ = cluster.api("GET", PATHS[kind].format(name=POLICY))
    f.check(status == 404, f"upgrade: {kind}/{POLICY} still there ({status}) with the mode off")

# 4. Uninstall: every object of the release gone; the Namespace at least terminating (this
#    control plane runs no namespace controller, so it never finishes).
helm("uninstall", RELEASE)
for d in upgraded:
    status, got = cluster.api("GET", path_of(d))
    gone = status == 404 or (d["kind"] == "Namespace" and
                             got.get("metadata", {}).get("deletionTimestamp"))
    f.check(gone, f"uninstall: {d['kind']}/{d['metadata']['name']} still there ({status})")
f.check(not [r for r in json.loads(helm("list", "-o", "json").stdout or "[]")
             if r["name"] == RELEASE], "uninstall: the release is still listed")
secrets = cluster.must("GET", "/api/v1/namespaces/default/secrets?labelSelector=owner%3Dhelm")
f.check(not [s for s in secrets["items"] if s["metadata"]["labels"].get("name") == RELEASE],
        "uninstall: helm's release records remain")
f.finish("e2e.helm_chart")
