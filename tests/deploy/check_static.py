#!/usr/bin/python3
"""The CC probe ships in a scratch image without libraries, so it must be static:
no PT_INTERP (no dynamic loader) and no PT_DYNAMIC segment (ELF gABI, program
header p_type 3 and 2). ztp-prem-tpm links tpm2-tss, which Debian ships only as
shared libraries: check_needed.py checks its library list instead.
Usage: check_static.py BIN_DIR NAME..."""
import os
import struct
import sys

PT_DYNAMIC, PT_INTERP = 2, 3


def segments(path):
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit(f"{path}: not a 64-bit little-endian ELF")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]


bin_dir, names = sys.argv[1], sys.argv[2:]
failed = 0
checked = 0
for name in names:
    path = os.path.join(bin_dir, name)
    if not os.path.exists(path):
        continue  # a probe not built in this tree
    types = segments(path)
    checked += 1
    if PT_INTERP in types or PT_DYNAMIC in types:
        print(f"FAIL: {name} is dynamically linked")
        failed += 1
    else:
        print(f"{name}: static")
if checked == 0:
    raise SystemExit("no probe binary found")
sys.exit(1 if failed else 0)
