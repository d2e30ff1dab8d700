"""What the e2e tests share: the running cluster of the ctest fixture (or skip), installing
deploy/, running the product's binaries of this preset, and small assertions."""
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import k8s_harness  # noqa: E402

REPO = k8s_harness.REPO
NAMESPACE = k8s_harness.NAMESPACE
SKIP = 77  # ctest SKIP_RETURN_CODE
POLICY_MESSAGE = "a ztp-prem agent may write only the ConfigMap of its own node"
VERDICT_MESSAGE = "a ztp-prem agent may not write the attestation verdict (data key attest.json)"
# Fixture profiles for the two agents (testdata/hosts/*/README.md).
CC_PROFILE = REPO / "testdata/hosts/cc-gcp-n2d-sev"
CC_PROFILE_2 = REPO / "testdata/hosts/cc-aws-m6a-snp"
TPM_PROFILE = REPO / "testdata/hosts/tpm-gcp-shielded-vm"


class Failures:
    def __init__(self):
        self.items = []

    def check(self, cond, what):
        if not cond:
            self.items.append(what)
            print(f"FAIL: {what}", flush=True)
        return cond

    def finish(self, name):
        if self.items:
            print(f"{name}: {len(self.items)} failure(s)")
            sys.exit(1)
        print(f"{name}: ok")
        sys.exit(0)


def args():
    """argv: CLUSTER_DIR BIN_DIR."""
    if len(sys.argv) < 3:
        raise SystemExit(f"usage: {sys.argv[0]} CLUSTER_DIR BIN_DIR")
    return pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def cluster_or_skip(d):
    if not (pathlib.Path(d) / "ready").exists():
        print(f"SKIP: no real API server in {d} (e2e.k8s_up skipped or failed: see its output)")
        sys.exit(SKIP)
    return k8s_harness.Cluster(d)


def rendered(cluster, overlay):
    out = cluster.kubectl("kustomize", str(REPO / "deploy" / overlay))
    return out.stdout


def apply_overlay(cluster, overlay, dry_run=False):
    """kubectl apply --server-side of one overlay. The Namespace goes first on its own: a
    server-side dry run does not create it, so every namespaced object of a one-pass dry run
    fails with "namespaces ... not found" (research/real-apiserver.md)."""
    import yaml
    docs = [d for d in yaml.safe_load_all(rendered(cluster, overlay)) if d]
    namespaces = [d for d in docs if d["kind"] == "Namespace"]
    rest = [d for d in docs if d["kind"] != "Namespace"]
    results = []
    for part in (namespaces, rest):
        if not part:
            continue
        text = yaml.safe_dump_all(part)
        flags = ["apply", "--server-side", "--field-manager=ztp-prem-e2e", "-f", "-"]
        if dry_run:
            results.append(cluster.kubectl(*flags, "--dry-run=server", input=text, check=False))
            if part is namespaces:
                # The dry run of the rest needs the namespace to exist.
                results.append(cluster.kubectl(*flags, input=text, check=False))
        else:
            results.append(cluster.kubectl(*flags, input=text, check=False))
    return results


def install(cluster, overlay="with-admission-policy"):
    for r in apply_overlay(cluster, overlay):
        if r.returncode != 0:
            raise AssertionError(f"apply {overlay}: {r.stderr}")


def agent_cmd(bin_dir, probe, node, kubeconfig, profile=None, extra=()):
    profile = profile or (CC_PROFILE if probe == "ztp-prem-detect" else TPM_PROFILE)
    cmd = [str(bin_dir / probe), "--host-root", str(profile / "root"), "--node", node,
           "--publish", "k8s", "--kubeconfig", str(kubeconfig)]
    if probe == "ztp-prem-detect":
        cpuid = profile / "cpuid.txt"
        cmd += ["--cpuid-file", str(cpuid if cpuid.exists() else "/dev/null")]
        if (profile / "msr.txt").exists():
            cmd += ["--msr-file", str(profile / "msr.txt")]
    return cmd + list(extra)


def run_agent(bin_dir, probe, node, kubeconfig, profile=None, extra=(), timeout=60):
    env = dict(os.environ)
    env.pop("KUBERNETES_SERVICE_HOST", None)
    return subprocess.run(agent_cmd(bin_dir, probe, node, kubeconfig, profile, extra),
                          capture_output=True, text=True, timeout=timeout, env=env)


def agent_identity(cluster, probe, node, workdir):
    """A Pod of the probe's service account bound to node, and a kubeconfig holding its
    node-bound token (TokenRequest), as the kubelet would mount it."""
    pod = f"{probe}-{node}"
    status, _ = cluster.api("GET", f"/api/v1/namespaces/{NAMESPACE}/pods/{pod}")
    if status == 404:
        cluster.create_node(node)
        cluster.bound_pod(pod, probe, node)
    token = cluster.node_token(probe, pod)
    return cluster.token_kubeconfig(pathlib.Path(workdir) / f"{pod}.kubeconfig", token)


def configmap(cluster, name, ns=NAMESPACE):
    status, out = cluster.api("GET", f"/api/v1/namespaces/{ns}/configmaps/{name}")
    return out if status == 200 else None


def managed_keys(cm):
    """manager -> (operation, data keys it owns)."""
    out = {}
    for m in cm["metadata"].get("managedFields", []):
        data = m.get("fieldsV1", {}).get("f:data", {})
        keys = sorted(k[2:] for k in data if k.startswith("f:"))
        out.setdefault(m["manager"], []).append((m["operation"], keys))
    return out


def workdir():
    return tempfile.TemporaryDirectory(prefix="ztp-e2e-")
