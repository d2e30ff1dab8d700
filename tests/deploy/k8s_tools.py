"""The pinned kubectl and helm of scripts/k8s-tools (issue 16), for the deploy/ checks: the
same versions the e2e tests run, never whatever kubectl the machine has on PATH. .ci/run and
scripts/test build the tools first and pass their directory in ZTP_K8S_TOOLS; by hand, the
cache is looked up without building (scripts/k8s-tools --check)."""
import os
import pathlib
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[2]


def tool(name):
    """The path of a built tool, or None (then the caller skips: exit 77)."""
    bin_dir = os.environ.get("ZTP_K8S_TOOLS")
    if not bin_dir:
        out = subprocess.run([str(REPO / "scripts/k8s-tools"), "--check"], capture_output=True,
                             text=True)
        bin_dir = out.stdout.strip() if out.returncode == 0 else ""
    path = pathlib.Path(bin_dir) / name if bin_dir else None
    return str(path) if path and path.exists() else None
