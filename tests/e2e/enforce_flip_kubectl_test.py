#!/usr/bin/python3
"""The flip without ztp-prem-enforce, as docs/enforcement.md documents it for GitOps: change
the one value of deploy/with-enforcement (components: mode/advisory -> mode/enforcing) and
`kubectl apply --server-side --force-conflicts -k` it; then back. The server then denies what it
only warned about, and `ztp-prem-enforce mode` reads the mode the manifests set.
Usage: enforce_flip_kubectl_test.py CLUSTER_DIR BIN_DIR"""
import pathlib
import shutil
import time

import e2e_common as e
import enforce_common as x

cluster_dir, bin_dir = e.args()
cluster = e.cluster_or_skip(cluster_dir)
f = e.Failures()
NS = "enf-flip-b"
x.tier_namespace(cluster, NS, "b")
x.clear_pods(cluster, NS)


def apply_mode(tmp, mode):
    """A copy of deploy/ with the one value set, applied as a GitOps tool would."""
    d = tmp / f"deploy-{len(list(tmp.iterdir()))}-{mode}"
    shutil.copytree(e.REPO / "deploy", d)
    k = d / "with-enforcement/kustomization.yaml"
    text = k.read_text()
    f.check(text.count("  - mode/advisory\n") == 1, "the overlay's flip value is not one line")
    k.write_text(text.replace("  - mode/advisory\n", f"  - mode/{mode}\n"))
    return cluster.kubectl("apply", "--server-side", "--force-conflicts",
                           "--field-manager=ztp-prem-e2e", "-k", str(d / "with-enforcement"),
                           check=False)


with e.workdir() as tmpdir:
    tmp = pathlib.Path(tmpdir)
    e.install(cluster, "with-enforcement")
    r = apply_mode(tmp, "advisory")
    f.check(r.returncode == 0, f"apply advisory: {r.stderr}")
    mode = lambda: x.enforce(bin_dir, "mode", "--kubeconfig", str(cluster.kubeconfig)).stdout.strip()
    f.check(mode() == "advisory", f"mode after applying advisory: {mode()}")
    warned = x.poll("the warning", lambda i: (lambda r: r if x.WARN_PREFIX in r.stderr else None)(
        x.kubectl_create(cluster, NS, x.pod_doc(f"flip-adv-{i}"))))
    f.check(warned is not None and warned.returncode == 0, f"advisory: {warned}")

    r = apply_mode(tmp, "enforcing")
    f.check(r.returncode == 0, f"apply enforcing: {r.stderr}")
    f.check(mode() == "enforcing", f"mode after applying enforcing: {mode()}")
    denied = x.poll("the denial", lambda i: (lambda r: r if r.returncode != 0 else None)(
        x.kubectl_create(cluster, NS, x.pod_doc(f"flip-enf-{i}"))))
    f.check(denied is not None and x.DENY_CREATE + x.CREATE_MSG in denied.stderr, f"enforcing: {denied}")

    r = apply_mode(tmp, "advisory")
    f.check(r.returncode == 0 and mode() == "advisory", f"back to advisory: {r.stderr} {mode()}")
    time.sleep(1.5)
    back = x.poll("admission again", lambda i: (lambda r: r if r.returncode == 0 else None)(
        x.kubectl_create(cluster, NS, x.pod_doc(f"flip-back-{i}"))))
    f.check(back is not None, "still denied after flipping back")
x.clear_pods(cluster, NS)
f.finish("e2e.enforce_flip_kubectl")
