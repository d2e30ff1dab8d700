#!/usr/bin/python3
"""scripts/import-capture end to end: a real capture (tar stream of the real binary) is
refused while its README is a skeleton, when it carries an identifier or for the wrong
profile prefix, and once filled in becomes a profile that replays to its expected.json.
Usage: import_capture_test.py SOURCE_DIR BIN_DIR"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile

source, bins = sys.argv[1], sys.argv[2]
script = os.path.join(source, "scripts", "import-capture")
fixture = os.path.join(source, "testdata", "hosts", "tpm-hw-plus-vtpm", "root")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}")


def import_capture(capture, name, hosts):
    env = dict(os.environ, ZTP_HOSTS_DIR=hosts)
    r = subprocess.run([script, capture, name], env=env, capture_output=True, text=True)
    return r.returncode, r.stderr


def classification(doc):
    return {k: v for k, v in doc.items()
            if k in ("family", "measuredBoot", "readiness", "signals")}


with tempfile.TemporaryDirectory() as tmp:
    hosts = os.path.join(tmp, "hosts")
    os.mkdir(hosts)
    tar_path = os.path.join(tmp, "node.tar")
    with open(tar_path, "wb") as out:
        r = subprocess.run([os.path.join(bins, "ztp-prem-tpm"), "--host-root", fixture,
                            "--node", "n1", "--capture", "-"], stdout=out,
                           stderr=subprocess.PIPE)
    check(r.returncode == 0, f"capture exits 0 ({r.stderr!r})")
    live = json.loads(r.stderr)

    code, err = import_capture(tar_path, "tpm-imported", hosts)
    check(code == 2 and "REPLACE" in err, f"a skeleton README is refused ({code}, {err!r})")

    cap = os.path.join(tmp, "cap")
    with tarfile.open(tar_path) as t:
        t.extractall(cap)  # written by the probe just above
    with open(os.path.join(cap, "README.md"), "w") as f:
        f.write("Test host: testdata tpm-hw-plus-vtpm captured by ztp-prem-tpm.\n\n"
                "- firmware TPM 2.0 plus vtpm_proxy: https://www.kernel.org/doc/\n"
                "- captured by import_capture_test.py\n")
    code, err = import_capture(cap, "cc-imported", hosts)
    check(code == 2 and "tpm-*" in err, f"a TPM capture is not a cc- profile ({err!r})")

    planted = os.path.join(cap, "root", "dev", "tpm0")
    with open(planted, "w") as f:
        f.write("52:54:00:12:34:56\n")
    code, err = import_capture(cap, "tpm-imported", hosts)
    check(code == 2 and "MAC" in err, f"a MAC address is refused ({err!r})")
    open(planted, "w").close()

    code, err = import_capture(cap, "tpm-imported", hosts)
    check(code == 0, f"a filled-in capture imports ({err!r})")
    profile = os.path.join(hosts, "tpm-imported")
    empty_dirs = [d for d, sub, files in os.walk(os.path.join(profile, "root"))
                  if not sub and not files]
    check(not empty_dirs, f"empty directories get .gitkeep ({empty_dirs})")
    with open(os.path.join(profile, "root", "etc", "machine-id")) as f:
        check("PLANTED" in f.read(), "the profile plants a machine id like every fixture")
    r = subprocess.run([os.path.join(bins, "ztp-prem-tpm"), "--host-root",
                        os.path.join(profile, "root"), "--node", "n1"],
                       capture_output=True, text=True)
    expected = json.load(open(os.path.join(profile, "expected.json")))
    check(classification(json.loads(r.stdout)) == expected, "the profile replays to expected.json")
    check(classification(live) == expected, "expected.json is what the live run said")
    code, err = import_capture(cap, "tpm-imported", hosts)
    check(code == 2 and "exists" in err, "an existing profile is never overwritten")

print("import_capture_test: " + ("FAILED" if failures else "ok"))
sys.exit(1 if failures else 0)
