#!/usr/bin/python3
"""ztp-prem-fleet --source k8s against a real kube-apiserver (tests/e2e/k8s_harness.py), two
measurements in one run:

list:  for each N, N ConfigMaps of real documents (ztp-prem-fleet simulate) in a fresh
       namespace; the server's own paged list with a plain client (limit 100 and 500, one
       keep-alive connection) and its streaming list (watch with sendInitialEvents=true, to
       the initial-events-end bookmark) beside the time from the fleet's start to its full
       view (/api/v1/fleet nodes == N), the fleet's CPU time (user+sys) until then and the
       API server's CPU time during each. Target (issue 16): full view < 2 s at 10,000 and
       within 2x of the server's list. --fleet-args passes flags (e.g. --k8s-page-size 100).
load:  A simulated agents (threads on keep-alive connections, each node's two probes applying
       their keys by server-side apply with their own field managers, as the agents do) write
       through the server while the fleet watches: requests/s the server took, the fleet's
       convergence (its /api/v1/fleet counts equal a --source dir fleet's over the same
       documents) after the last write returned, and the fleet's RSS.

Usage: bench/k8s_fleet_bench.py [--bin build/release/bin] [--sizes 10000,65000] [--agents 3000]
       [--workers 16] [--fleet-args '--k8s-page-size 500']   (builds the tools if needed; starts and stops its own control plane)"""
import argparse
import http.client
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests/e2e"))
import bulk  # noqa: E402
import k8s_harness  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="build/release/bin")
ap.add_argument("--sizes", default="10000,65000")
ap.add_argument("--agents", type=int, default=3000)
ap.add_argument("--workers", type=int, default=16)
ap.add_argument("--fleet-args", default="")
opts = ap.parse_args()
bin_dir = pathlib.Path(opts.bin).resolve()


def get(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return json.loads(r.read())
    except OSError:
        return None


def start_fleet(tmp, cluster, ns):
    kc = k8s_harness.write_kubeconfig(f"{tmp}/{ns}.kubeconfig", cluster.server,
                                      cluster.dir / "pki/ca.crt", cluster.dir / "pki/admin.crt",
                                      cluster.dir / "pki/admin.key", namespace=ns)
    args = [str(bin_dir / "ztp-prem-fleet"), "--source", "k8s", "--listen", "127.0.0.1:0",
            "--dashboard-dir", f"{tmp}/none", "--kubeconfig", str(kc), "--namespace", ns,
            *opts.fleet_args.split()]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(f"{tmp}/{ns}.fleet.log", "w"),
                         text=True)
    base = p.stdout.readline().split(" on ")[1].split("/admin")[0].strip()
    return p, base


def wait(pred, limit_s=900):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        if pred():
            return time.monotonic() - t0
        time.sleep(0.005)
    raise SystemExit("timed out")


def rss_mib(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid):
    """user+sys CPU seconds of a process so far (proc(5): stat fields 14 and 15)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def apiserver_pid(cluster):
    out = subprocess.run(["pgrep", "-f", f"kube-apiserver.*--secure-port={cluster.state['api_port']}"],
                         capture_output=True, text=True).stdout.split()
    return int(out[0])


def streaming_list(cluster, ns, n):
    """The server's streaming list: seconds to the initial-events-end bookmark."""
    c = bulk.Client(cluster)
    c.conn = http.client.HTTPSConnection("127.0.0.1", cluster.state["api_port"], context=c.ctx,
                                         timeout=300)
    t0 = time.monotonic()
    c.conn.request("GET", f"/api/v1/namespaces/{ns}/configmaps?labelSelector="
                   "app.kubernetes.io%2Fpart-of%3Dztp-prem&watch=true&allowWatchBookmarks=true"
                   "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=300",
                   headers={"Accept": "application/json"})
    r, added = c.conn.getresponse(), 0
    while True:
        ev = json.loads(r.readline())
        if ev["type"] == "ADDED":
            added += 1
        elif (ev["type"] == "BOOKMARK" and "k8s.io/initial-events-end" in
              ev["object"]["metadata"].get("annotations", {})):
            break
    secs = time.monotonic() - t0
    c.conn.close()
    assert added == n, (added, n)
    return secs


def counts(doc):
    return doc and (doc["nodes"], doc["cc"]["modes"], doc["tpm"]["families"])


def bench_list(tmp, cluster, n):
    ns = f"bench-list-{n}"
    cluster.ensure_namespace(ns)
    subprocess.run([str(bin_dir / "ztp-prem-fleet"), "simulate", "--nodes", str(n), "--out",
                    f"{tmp}/fleet-{n}"], check=True, capture_output=True)
    nodes = bulk.simulated_fleet(f"{tmp}/fleet-{n}")
    secs, failures = bulk.create_configmaps(cluster, ns, nodes, opts.workers)
    assert not failures, failures[:3]
    api = apiserver_pid(cluster)
    a0 = cpu_s(api)
    l100, names, _ = bulk.paged_list(cluster, ns, 100)
    a1 = cpu_s(api)
    l500, _, _ = bulk.paged_list(cluster, ns, 500)
    a2 = cpu_s(api)
    stream = streaming_list(cluster, ns, n)
    a3 = cpu_s(api)
    assert len(names) == n
    t0 = time.monotonic()
    fleet, base = start_fleet(tmp, cluster, ns)
    try:
        wait(lambda: (get(base, "/api/v1/fleet") or {}).get("nodes") == n)
        full = time.monotonic() - t0
        fleet_cpu = cpu_s(fleet.pid)
        a4 = cpu_s(api)
        rss = rss_mib(fleet.pid, "VmHWM")
    finally:
        fleet.terminate()
        fleet.wait()
    print(f"| {n} | {secs:.1f} s ({n / secs:.0f}/s) | {l100:.2f} s ({a1 - a0:.2f}) | "
          f"{l500:.2f} s ({a2 - a1:.2f}) | {stream:.2f} s ({a3 - a2:.2f}) | {full:.2f} s | "
          f"{fleet_cpu:.2f} s ({a4 - a3:.2f}) | {full / l100:.2f}x / {full / l500:.2f}x | "
          f"{rss:.0f} MiB | {os.getloadavg()[0]:.1f} |", flush=True)


def apply_jobs(ns, nodes):
    jobs = []
    for node, data in nodes.items():
        for key, manager in (("cc.json", "ztp-prem-detect"), ("tpm.json", "ztp-prem-tpm")):
            if key not in data:
                continue  # the simulator leaves some documents out (a probe not running)
            body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": f"ztp-prem-{node}", "namespace": ns,
                                            "labels": {"app.kubernetes.io/part-of": "ztp-prem",
                                                       "ztp-prem.tlsstress.art/node": node}},
                               "data": {key: data[key]}})
            jobs.append(("PATCH", f"/api/v1/namespaces/{ns}/configmaps/ztp-prem-{node}"
                         f"?fieldManager={manager}&force=true", body,
                         "application/apply-patch+yaml", (200, 201)))
    return jobs


def bench_load(tmp, cluster, agents):
    ns = f"bench-load-{agents}"
    cluster.ensure_namespace(ns)
    fleet, base = start_fleet(tmp, cluster, ns)
    try:
        wait(lambda: get(base, "/readyz") is not None)
        for seed in (1, 2):  # round 1 creates, round 2 changes every document
            out = f"{tmp}/load-{seed}"
            subprocess.run([str(bin_dir / "ztp-prem-fleet"), "simulate", "--nodes", str(agents),
                            "--seed", str(seed), "--out", out], check=True, capture_output=True)
            nodes = bulk.simulated_fleet(out)
            jobs = apply_jobs(ns, nodes)
            # What the ConfigMaps then hold: this round's documents over the previous round's
            # (a document the simulator left out this time is not applied, so it stays).
            merged = f"{tmp}/load-merged"
            shutil.copytree(out, merged, dirs_exist_ok=True)
            want = reference_counts(tmp, merged)
            secs, failures = bulk.run_parallel(cluster, jobs, opts.workers)
            assert not failures, failures[:3]
            done = time.monotonic()
            conv = wait(lambda: counts(get(base, "/api/v1/fleet")) == want, 600)
            print(f"| {agents} | {'create' if seed == 1 else 'change'} | {len(jobs)} applies in "
                  f"{secs:.1f} s | {len(jobs) / secs:.0f} req/s | "
                  f"{(time.monotonic() - done) * 1000:.0f} ms after the last write | "
                  f"{rss_mib(fleet.pid):.0f} MiB (peak {rss_mib(fleet.pid, 'VmHWM'):.0f}) | "
                  f"{cpu_s(fleet.pid):.1f} s | {os.getloadavg()[0]:.1f} |",
                  flush=True)
    finally:
        fleet.terminate()
        fleet.wait()
        print("fleet log:", open(f"{tmp}/{ns}.fleet.log").read()[-600:] or "(empty)")


def reference_counts(tmp, out):
    """The same documents through --source dir: what the k8s view must converge to."""
    p = subprocess.Popen([str(bin_dir / "ztp-prem-fleet"), "--source", f"dir:{out}",
                          "--listen", "127.0.0.1:0", "--dashboard-dir", f"{tmp}/none"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = p.stdout.readline().split(" on ")[1].split("/admin")[0].strip()
        wait(lambda: get(base, "/readyz") is not None)
        return counts(get(base, "/api/v1/fleet"))
    finally:
        p.terminate()
        p.wait()


with tempfile.TemporaryDirectory(prefix="ztp-k8s-bench-") as tmp:
    cluster_dir = pathlib.Path(tmp) / "cluster"
    k8s_harness.up(cluster_dir, owner_pid=os.getpid())
    try:
        cluster = k8s_harness.Cluster(cluster_dir)
        print(f"fleet flags: {opts.fleet_args or '(defaults)'}; (in brackets: the API server's "
              "CPU time, user+sys)")
        print("| ConfigMaps | bulk create | server paged list (100) | (500) | streaming list | "
              "fleet full view | fleet CPU | fleet / server (100 / 500) | fleet peak RSS | "
              "load avg |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for n in [int(s) for s in opts.sizes.split(",") if s]:
            bench_list(tmp, cluster, n)
        if opts.agents:
            print("\n| agents | round | writes | server took | fleet converged | fleet RSS | "
                  "fleet CPU so far | load avg |")
            print("|---|---|---|---|---|---|---|---|")
            bench_load(tmp, cluster, opts.agents)
    finally:
        k8s_harness.down(cluster_dir)
print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end; "
      f"kube-apiserver v1.37.2, etcd v3.7.0 (scripts/k8s-tools)")
