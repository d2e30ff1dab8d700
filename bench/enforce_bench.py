#!/usr/bin/python3
"""Tier B enforcement against a real kube-apiserver (tests/e2e/k8s_harness.py), own control plane:

latency: sequential pod creates in a Tier B namespace over one keep-alive connection, without
         the policies (RuntimeClass only) and with deploy/with-enforcement in enforcing mode
         (both policies, one shard); p50/p99 of each, rounds interleaved (A B A B).
         Target (issue 17): < 1 ms added at p99.
scale:   for each N, N Nodes and N agents' documents (ztp-prem-fleet simulate); the
         controller's first pass (`controller --once`: N labels, the shards), the shards' sizes
         as the server stores them, and the reaction time of a running controller from one
         node's document losing eligibility to its label and shard entry being gone.

Usage: bench/enforce_bench.py [--bin build/release/bin] [--pods 400] [--sizes 10000]"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests/e2e"))
import bulk  # noqa: E402
import e2e_common as e  # noqa: E402
import k8s_harness  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="build/release/bin")
ap.add_argument("--pods", type=int, default=400)
ap.add_argument("--sizes", default="10000")
opts = ap.parse_args()
bin_dir = pathlib.Path(opts.bin).resolve()
NS = "bench-tier-b"


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000


def create_pods(client, prefix, n):
    lat = []
    for i in range(n):
        body = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"{prefix}-{i}"},
                           "spec": {"runtimeClassName": "ztp-prem-cc",
                                    "containers": [{"name": "c", "image": "x"}]}})
        t0 = time.perf_counter()
        status, out = client.call("POST", f"/api/v1/namespaces/{NS}/pods", body)
        lat.append(time.perf_counter() - t0)
        if status != 201:
            raise RuntimeError(f"create: {status} {out[:300]}")
    return lat


def run(*args, timeout=1800):
    return subprocess.run([str(bin_dir / "ztp-prem-enforce"), *args], capture_output=True,
                          text=True, timeout=timeout)


with tempfile.TemporaryDirectory(prefix="ztp-enforce-bench-") as d:
    k8s_harness.up(d)
    try:
        cluster = k8s_harness.Cluster(d)
        kc = str(cluster.kubeconfig)
        cluster.kubectl("apply", "--server-side", "-f", str(e.REPO / "deploy/base/namespace.yaml"))
        cluster.kubectl("apply", "--server-side", "-f",
                        str(e.REPO / "deploy/with-enforcement/runtimeclass.yaml"))
        cluster.ensure_namespace(NS)
        cluster.kubectl("label", "ns", NS, "ztp-prem.tlsstress.art/tier=b")
        client = bulk.Client(cluster)
        create_pods(client, "warm", 50)
        rounds = {"without": [], "with": []}
        rounds["without"] += create_pods(client, "a1", opts.pods)
        e.install(cluster, "with-enforcement")
        cluster.create_node("bench-cc-1")
        r = e.run_agent(bin_dir, "ztp-prem-detect", "bench-cc-1", cluster.kubeconfig,
                        profile=e.REPO / "testdata/hosts/cc-aws-m6a-snp")
        assert r.returncode == 0, r.stderr
        assert run("controller", "--kubeconfig", kc, "--namespace", "ztp-prem", "--once").returncode == 0
        assert run("mode", "enforcing", "--kubeconfig", kc).returncode == 0
        time.sleep(3)  # the policy informers
        rounds["with"] += create_pods(client, "b1", opts.pods)
        # Interleave: policies off (bindings deleted), then on again.
        for b in ("ztp-prem-tierb-create", "ztp-prem-tierb-bind"):
            cluster.api("DELETE", f"/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/{b}")
        time.sleep(3)
        rounds["without"] += create_pods(client, "a2", opts.pods)
        e.install(cluster, "with-enforcement")
        assert run("mode", "enforcing", "--kubeconfig", kc).returncode == 0
        time.sleep(3)
        rounds["with"] += create_pods(client, "b2", opts.pods)
        for k, v in rounds.items():
            print(f"pod create {k} policies: n={len(v)} p50={pct(v, 50):.2f} ms p99={pct(v, 99):.2f} ms "
                  f"mean={statistics.mean(v) * 1000:.2f} ms", flush=True)
        print(f"added at p99: {pct(rounds['with'], 99) - pct(rounds['without'], 99):+.2f} ms; "
              f"at p50: {pct(rounds['with'], 50) - pct(rounds['without'], 50):+.2f} ms", flush=True)

        for n in [int(s) for s in opts.sizes.split(",") if s]:
            fleet_dir = pathlib.Path(d) / f"fleet-{n}"
            subprocess.run([str(bin_dir / "ztp-prem-fleet"), "simulate", "--nodes", str(n),
                            "--out", str(fleet_dir)], check=True, capture_output=True)
            docs = bulk.simulated_fleet(fleet_dir)
            secs, fails = bulk.run_parallel(cluster, [
                ("POST", "/api/v1/nodes", json.dumps({"apiVersion": "v1", "kind": "Node",
                                                      "metadata": {"name": node}}),
                 "application/json", (201, 409)) for node in docs])
            assert not fails, fails[:3]
            secs2, fails = bulk.create_configmaps(cluster, "ztp-prem", docs)
            assert not fails, fails[:3]
            print(f"N={n}: created {n} Nodes in {secs:.1f} s and their documents in {secs2:.1f} s", flush=True)
            t0 = time.monotonic()
            r = run("controller", "--kubeconfig", kc, "--namespace", "ztp-prem", "--once")
            first = time.monotonic() - t0
            assert r.returncode == 0, r.stderr[-2000:]
            summary = json.loads(r.stdout)
            print(f"N={n}: controller first pass {first:.1f} s: {r.stdout.strip()}", flush=True)
            shards = json.loads(cluster.kubectl("get", "cm", "-n", "ztp-prem", "-l",
                                                "ztp-prem.tlsstress.art/params=cc-nodes",
                                                "-o", "json").stdout)["items"]
            for s in shards:
                data = s.get("data") or {}
                print(f"N={n}: {s['metadata']['name']}: {len(data)} nodes, data "
                      f"{sum(len(k) + len(v) for k, v in data.items())} B, object "
                      f"{len(json.dumps(s))} B as JSON (managedFields included)", flush=True)
            # Reaction: one eligible node's document turns non-CC while the controller runs.
            victim = next(node for node in sorted(docs)
                          if any(node in (s.get("data") or {}) for s in shards))
            proc = subprocess.Popen([str(bin_dir / "ztp-prem-enforce"), "controller", "--kubeconfig", kc,
                                     "--namespace", "ztp-prem", "--resync", "10m"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(max(5.0, first))  # its first list and (no-op) pass
            cc = json.loads(docs[victim]["cc.json"])
            cc["mode"] = "none"
            cc["generatedAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            t0 = time.monotonic()
            cluster.must("PATCH", f"/api/v1/namespaces/ztp-prem/configmaps/ztp-prem-{victim}",
                         {"data": {"cc.json": json.dumps(cc)}},
                         content_type="application/merge-patch+json")
            label_gone = shard_gone = None
            while time.monotonic() - t0 < 120 and shard_gone is None:
                labels = cluster.must("GET", f"/api/v1/nodes/{victim}")["metadata"].get("labels", {})
                if label_gone is None and "ztp-prem.tlsstress.art.node-restriction.kubernetes.io/cc" not in labels:
                    label_gone = time.monotonic() - t0
                if label_gone is not None:
                    listed = any(victim in (s.get("data") or {}) for s in json.loads(
                        cluster.kubectl("get", "cm", "-n", "ztp-prem", "-l",
                                        "ztp-prem.tlsstress.art/params=cc-nodes", "-o",
                                        "json").stdout)["items"])
                    if not listed:
                        shard_gone = time.monotonic() - t0
                time.sleep(0.05)
            proc.terminate()
            proc.wait(timeout=30)
            print(f"N={n}: reaction: label removed after {label_gone} s, shard updated after "
                  f"{shard_gone} s", flush=True)
            cluster.api("DELETE", "/api/v1/namespaces/ztp-prem/configmaps?labelSelector="
                        "ztp-prem.tlsstress.art%2Fnode")
            subprocess.run(["rm", "-rf", str(fleet_dir)])
    finally:
        k8s_harness.down(d)
