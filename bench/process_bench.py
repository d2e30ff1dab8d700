#!/usr/bin/python3
"""Whole-process cost of ztp-prem-detect on this machine, next to systemd-detect-virt.

Instructions come from `valgrind --tool=callgrind` (repeatable, unlike wall time);
peak RSS from getrusage of the child; wall time is the median of 50 runs.
Usage: bench/process_bench.py [build/release/bin]"""
import os
import pathlib
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

bin_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build/release/bin")
probe = [str(bin_dir / "ztp-prem-detect"), "--node", "bench"]
reference = shutil.which("systemd-detect-virt")


def instructions(cmd):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        text = open(out).read()
    return int(re.search(r"^summary:\s+(\d+)", text, re.M).group(1))


def peak_rss_kib(cmd):
    # ru_maxrss survives execve, so a child forked from Python would carry Python's RSS;
    # the static peak_rss launcher forks from a process of a few hundred KiB instead.
    out = subprocess.run([str(bin_dir / "peak_rss")] + cmd, capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


def wall_ms(cmd, runs=50):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


rows = [("ztp-prem-detect", probe)]
if reference:
    rows.append(("systemd-detect-virt", [reference]))
results = {}
print(f"{'command':22} {'instructions':>14} {'peak RSS':>10} {'wall (median)':>14}")
for name, cmd in rows:
    results[name] = (instructions(cmd), peak_rss_kib(cmd), wall_ms(cmd))
    i, rss, ms = results[name]
    print(f"{name:22} {i:>14,} {rss/1024:>8.2f} MiB {ms:>11.2f} ms")
if reference:
    ratio = results["ztp-prem-detect"][0] / results["systemd-detect-virt"][0]
    print(f"instruction ratio ztp-prem-detect / systemd-detect-virt: {ratio:.3f} (target <= 0.100)")
print(f"peak RSS target < 3 MiB: {'met' if results['ztp-prem-detect'][1] < 3 * 1024 else 'MISSED'}")
