#!/usr/bin/python3
"""ztp-prem-agent (both probes in one binary, the agents' image) behaves exactly like
ztp-prem-detect and ztp-prem-tpm: run through a link of each name, and with the name as its
first argument, it prints the same --help, the same document on a fixture host (generatedAt
aside) and the same exit code for bad input; without a probe's name it exits 2.
Usage: check_multicall.py SOURCE_DIR BIN_DIR"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

src, bin_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).resolve()
agent = bin_dir / "ztp-prem-agent"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def run(cmd):
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_NAME", "ZTP_PREM_WAVE")}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


def document(out):
    doc = json.loads(out.stdout)
    doc.pop("generatedAt", None)
    return doc


cc = src / "testdata/hosts/cc-gcp-n2d-sev"
tpm = src / "testdata/hosts/tpm-gcp-shielded-vm"
cases = {
    "ztp-prem-detect": [["--help"],
                        ["--host-root", str(cc / "root"), "--cpuid-file", str(cc / "cpuid.txt"),
                         "--node", "n1", "--wave", "w"],
                        ["--no-such-flag"]],
    "ztp-prem-tpm": [["--help"], ["--host-root", str(tpm / "root"), "--node", "n1", "--wave", "w"],
                     ["ak", "--no-such-flag"]],
}
with tempfile.TemporaryDirectory() as links:
    for probe, arg_sets in cases.items():
        link = pathlib.Path(links) / probe
        link.symlink_to(agent)
        for args in arg_sets:
            want = run([str(bin_dir / probe), *args])
            for how, cmd in (("link", [str(link), *args]), ("argument", [str(agent), probe, *args])):
                got = run(cmd)
                name = f"{probe} {' '.join(args[:1])} ({how})"
                check(got.returncode == want.returncode,
                      f"{name}: exit {got.returncode}, the probe's is {want.returncode}")
                if args == ["--help"]:
                    check(got.stdout == want.stdout, f"{name}: --help differs")
                elif want.returncode == 0:
                    check(document(got) == document(want), f"{name}: the document differs")
none = run([str(agent)])
check(none.returncode == 2 and "usage" in none.stderr, f"no probe name: exit {none.returncode}")
other = run([str(agent), "ztp-prem-fleet"])
check(other.returncode == 2, f"another binary's name: exit {other.returncode}")
print(f"multicall: {len(failures)} problems")
sys.exit(1 if failures else 0)
