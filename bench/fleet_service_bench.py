#!/usr/bin/python3
"""The issue 5 service figures, measured on the real ztp-prem-fleet process:
- cold load: process start -> /readyz 200 over a simulated --source dir: of N nodes
  (2 documents per node, on /dev/shm when writable: the service's figure, not the disk's);
- GET /api/v1/fleet latency with 64 keep-alive connections (wrk, 2 threads, after a 3 s warm-up);
- RSS after load and after the load test (VmRSS / VmHWM from /proc/PID/status);
- change-to-API: an agent-style atomic rename of one document until GET /api/v1/nodes/NAME
  shows the change (20 samples, polling every 2 ms);
- RSS under 64 concurrent clients of GET /api/v1/nodes?limit=1000 (5 s), issue 10's target.
Usage: bench/fleet_service_bench.py [build/release/bin] [N ...] [--baseline OLD_BIN_DIR]
  (default N: 10000 65000; 65,000 is the largest cluster GKE supports). --baseline runs an
  older build on the same fleets in the same run, so the two are compared side by side."""
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

argv = sys.argv[1:]
baseline = None
if "--baseline" in argv:
    i = argv.index("--baseline")
    baseline = pathlib.Path(argv[i + 1])
    argv = argv[:i] + argv[i + 2:]
bin_dir = pathlib.Path(argv[0] if argv else "build/release/bin")
sizes = [int(n) for n in argv[1:]] or [10000, 65000]
builds = [("this", bin_dir)] + ([("baseline", baseline)] if baseline else [])
fleet = str(bin_dir / "ztp-prem-fleet")


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return r.status, r.read()


def status_kib(pid, field):
    text = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def cpu_seconds(pid):
    # /proc/PID/stat fields 14 and 15: utime and stime in clock ticks (proc(5)).
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk_p99(url, seconds):
    subprocess.run(["wrk", "-t2", "-c64", "-d3s", url], capture_output=True)  # warm-up
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True).stdout
    def ms(label):
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return ms("50%"), ms("99%"), rps


def heavy_clients(base, clients, seconds, path="/api/v1/nodes?limit=1000"):
    """`clients` threads, each GETting path in a loop for `seconds`; returns (ok, busy)."""
    counts = [0, 0]
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def run():
        while time.monotonic() < end:
            try:
                status = get(base, path)[0]
            except urllib.error.HTTPError as e:
                status = e.code
            except OSError:
                status = 0
            with lock:
                counts[0 if status == 200 else 1] += 1

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def measure(label, build_dir, state):
    t0 = time.monotonic()
    proc = subprocess.Popen([str(build_dir / "ztp-prem-fleet"), "--source", f"dir:{state}",
                             "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = proc.stdout.readline().split(" on ")[1].split("/admin")[0]
        while True:
            try:
                if get(base, "/readyz")[0] == 200:
                    break
            except Exception:
                pass
            time.sleep(0.002)
        load_s = time.monotonic() - t0
        load_cpu_s = cpu_seconds(proc.pid)
        nodes = json.loads(get(base, "/api/v1/fleet")[1])["nodes"]
        rss_loaded = status_kib(proc.pid, "VmRSS")
        p50, p99, rps = wrk_p99(base + "/api/v1/fleet", 10)
        nodes_p50, nodes_p99, nodes_rps = wrk_p99(base + "/api/v1/nodes?limit=100&mode=tdx", 5)
        rss_after = status_kib(proc.pid, "VmRSS")
        hwm_before_heavy = status_kib(proc.pid, "VmHWM")
        heavy_ok, heavy_busy = heavy_clients(base, 64, 5)
        heavy_hwm = status_kib(proc.pid, "VmHWM")
        heavy_rss = status_kib(proc.pid, "VmRSS")

        # Change-to-API latency.
        latencies = []
        names = [row["name"] for row in json.loads(get(base, "/api/v1/nodes?limit=20&stale=false&sort=name")[1])["items"]]
        for name in names:
            doc_path = state / f"{name}.cc.json"
            if not doc_path.exists():
                continue
            doc = json.loads(doc_path.read_text())
            doc["mode"] = "tdx" if doc.get("mode") != "tdx" else "sev-snp"
            doc["generatedAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            tmp_path = state / f".{name}.cc.json.tmp"
            tmp_path.write_text(json.dumps(doc))
            t = time.monotonic()
            tmp_path.rename(doc_path)
            while json.loads(get(base, f"/api/v1/nodes/{name}")[1])["row"]["mode"] != doc["mode"]:
                time.sleep(0.002)
            latencies.append((time.monotonic() - t) * 1000)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    latencies.sort()
    return {
        "build": label, "nodes": nodes, "cold_load_s": load_s, "cold_load_cpu_s": load_cpu_s,
        "load_average": os.getloadavg()[0],
        "fleet_p50_ms": p50, "fleet_p99_ms": p99, "fleet_rps": rps,
        "nodes_p50_ms": nodes_p50, "nodes_p99_ms": nodes_p99, "nodes_rps": nodes_rps,
        "rss_loaded_mib": rss_loaded / 1024, "rss_after_load_test_mib": rss_after / 1024,
        "peak_rss_mib": hwm_before_heavy / 1024,
        "heavy64_ok": heavy_ok, "heavy64_busy": heavy_busy,
        "heavy64_rss_mib": heavy_rss / 1024, "heavy64_peak_rss_mib": heavy_hwm / 1024,
        "change_to_api_ms_median": statistics.median(latencies),
        "change_to_api_ms_max": latencies[-1],
    }


results = []
# tmpfs when there is one: the figures are the service's, not the disk's (inotify works there).
scratch = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
for n in sizes:
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        state = pathlib.Path(tmp) / "state"
        subprocess.run([fleet, "simulate", "--nodes", str(n), "--out", str(state)], check=True,
                       capture_output=True)
        for label, build_dir in builds:
            results.append(measure(label, build_dir, state))
            print(json.dumps(results[-1]), flush=True)

print()
print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
print("| nodes | build | cold load (CPU) | /fleet p50 / p99 (64 conn) | /nodes?mode=tdx p99 | RSS loaded / peak | 64 x /nodes?limit=1000: RSS / peak (ok, 503) | change-to-API median / max |")
print("|---|---|---|---|---|---|---|---|")
for r in results:
    print(f"| {r['nodes']} | {r['build']} | {r['cold_load_s']:.2f} s ({r['cold_load_cpu_s']:.2f} s) | {r['fleet_p50_ms']:.2f} / {r['fleet_p99_ms']:.2f} ms "
          f"({r['fleet_rps']:.0f} req/s) | {r['nodes_p99_ms']:.2f} ms | {r['rss_loaded_mib']:.1f} / {r['peak_rss_mib']:.1f} MiB "
          f"| {r['heavy64_rss_mib']:.1f} / {r['heavy64_peak_rss_mib']:.1f} MiB ({r['heavy64_ok']}, {r['heavy64_busy']}) "
          f"| {r['change_to_api_ms_median']:.0f} / {r['change_to_api_ms_max']:.0f} ms |")
