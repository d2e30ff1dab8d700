#!/usr/bin/python3
"""The ctest fixture e2e_k8s: `up DIR` starts the control plane once per run (owned by ctest:
if ctest is killed, the supervisor notices and tears down), `down DIR` stops it. Without the
tools (scripts/k8s-tools builds them; scripts/test does so first) it skips and says why."""
import os
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import k8s_harness  # noqa: E402

command, d = sys.argv[1], sys.argv[2]
if command == "down":
    k8s_harness.down(d)
    sys.exit(0)
tools = os.environ.get("ZTP_K8S_TOOLS")
if not tools:
    out = subprocess.run([str(k8s_harness.REPO / "scripts/k8s-tools"), "--check"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"SKIP: {out.stderr.strip()}")
        sys.exit(77)
    tools = out.stdout.strip()
print(k8s_harness.up(d, tools, owner_pid=os.getppid()))
