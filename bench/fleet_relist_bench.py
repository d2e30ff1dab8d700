#!/usr/bin/python3
"""Memory of ztp-prem-fleet --source k8s across a full re-list, the case that sizes the
Deployment's memory limit (deploy/base/fleet.yaml): the fake API server process
(bench/fake_apiserver_main.cpp) serves a simulated fleet of N nodes as ConfigMaps; the
service lists it (500 per page) and watches; SIGUSR1 makes the fake compact its history,
so the watch ends with 410 Gone and the service re-lists everything.
Prints RSS after the first list, peak RSS (VmHWM) before and after the re-list, and times.
Usage: bench/fleet_relist_bench.py [build/release/bin] [N ...]   (default N: 10000 50000)"""
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

bin_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build/release/bin")
sizes = [int(n) for n in sys.argv[2:]] or [10000, 50000]


def status_mib(pid, field):
    text = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) / 1024


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def wait_for(pred, limit_s, what):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


print("| nodes | first list to /readyz | RSS after list | peak before re-list | re-list to marker | peak after re-list |")
print("|---|---|---|---|---|---|")
for n in sizes:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        subprocess.run([str(bin_dir / "ztp-prem-fleet"), "simulate", "--nodes", str(n), "--out",
                        str(tmp / "fleet")], check=True, capture_output=True)
        fake = subprocess.Popen([str(bin_dir / "fake_apiserver"), str(tmp), str(tmp / "fleet")],
                                stdout=subprocess.PIPE, text=True)
        try:
            assert fake.stdout.readline().strip() == "ready"
            t0 = time.monotonic()
            fleet = subprocess.Popen([str(bin_dir / "ztp-prem-fleet"), "--source", "k8s",
                                      "--kubeconfig", str(tmp / "kubeconfig"), "--listen", "127.0.0.1:0",
                                      "--dashboard-dir", str(tmp / "none")],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                base = fleet.stdout.readline().split(" on ")[1].split("/admin")[0]
                wait_for(lambda: http_status(base + "/readyz") == 200, 600, "/readyz")
                ready_s = time.monotonic() - t0
                time.sleep(1)
                rss = status_mib(fleet.pid, "VmRSS")
                hwm_before = status_mib(fleet.pid, "VmHWM")
                t1 = time.monotonic()
                fake.send_signal(signal.SIGUSR1)
                wait_for(lambda: http_status(base + "/api/v1/nodes/relist-marker") == 200, 600,
                         "the re-list")
                relist_s = time.monotonic() - t1
                hwm_after = status_mib(fleet.pid, "VmHWM")
                print(f"| {n} | {ready_s:.2f} s | {rss:.1f} MiB | {hwm_before:.1f} MiB | "
                      f"{relist_s:.2f} s | {hwm_after:.1f} MiB |", flush=True)
            finally:
                fleet.terminate()
                fleet.wait(timeout=10)
        finally:
            fake.terminate()
            fake.wait(timeout=10)
print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
