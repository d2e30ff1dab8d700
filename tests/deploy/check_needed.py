#!/usr/bin/python3
"""ztp-prem-tpm is dynamic (it links tpm2-tss, which Debian ships only as shared
libraries), so its image must carry exactly the libraries it loads. This compares the
binary's full `ldd` closure, by soname, with the list in deploy/ztp-prem-tpm.libs (the
one list the Dockerfile and docs/tpm.md use). Usage: check_needed.py BINARY LIST_FILE"""
import pathlib
import re
import subprocess
import sys

binary, list_file = sys.argv[1], pathlib.Path(sys.argv[2])
expected = {line.strip() for line in list_file.read_text().splitlines()
            if line.strip() and not line.startswith("#")}
out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
found = set()
for line in out.splitlines():
    name = line.strip().split(" ", 1)[0]
    if name.startswith("linux-vdso"):
        continue  # provided by the kernel
    found.add(re.sub(r"^.*/", "", name))
missing = sorted(found - expected)
stale = sorted(expected - found)
for name in missing:
    print(f"FAIL: {binary} needs {name}, not listed in {list_file.name}")
for name in stale:
    print(f"FAIL: {list_file.name} lists {name}, which {binary} no longer needs")
if not missing and not stale:
    print(f"{pathlib.Path(binary).name}: needs exactly the {len(found)} listed libraries")
sys.exit(1 if missing or stale else 0)
