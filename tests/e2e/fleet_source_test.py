#!/usr/bin/python3
"""ztp-prem-fleet --source k8s against the real API server:
- N ConfigMaps of real documents (ztp-prem-fleet simulate) created in bulk; the fleet's paged
  initial list gives the full view (every node, none twice), timed beside the server's own
  paged list with a plain client;
- watch: an added, a changed and a deleted ConfigMap reach the fleet's API;
- bookmarks: the real server's BOOKMARK events have the shape the fleet's watch parser takes;
- 410: the fleet is cut off (relay paused) while nodes are added and deleted, etcd is
  compacted and kube-apiserver restarted (its watch cache starts afresh), so the fleet's
  re-watch from its old resourceVersion is answered 410 Gone; it re-lists, and its view is
  exactly the server's again: nothing lost, nothing duplicated, the deletions gone.
Figures go to stdout (docs/testing.md quotes them).
Usage: fleet_source_test.py CLUSTER_DIR BIN_DIR [N]"""
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request

import bulk
import e2e_common as e
from tcp_proxy import TcpProxy

cluster_dir, bin_dir = e.args()
N = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
cluster = e.cluster_or_skip(cluster_dir)
f = e.Failures()
NS = f"fleet-e2e-{secrets.token_hex(3)}"  # namespaces are never deleted here (no controller)
cluster.ensure_namespace(NS)


def get(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, None
    except OSError:
        return 0, None


def fleet_names(base):
    names, cont = [], None
    while True:
        q = "/api/v1/nodes?limit=1000" + (f"&continue={cont}" if cont else "")
        status, doc = get(base, q)
        if status != 200:
            raise AssertionError(f"GET {q}: {status}")
        names += [row["name"] for row in doc["items"]]
        cont = doc["continue"]
        if not cont:
            return names


def wait_for(pred, limit_s, what):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        if pred():
            return time.monotonic() - t0
        time.sleep(0.01)
    f.check(False, f"timed out after {limit_s} s: {what}")
    return None


def curl_watch(query):
    """A watch of the test namespace's ConfigMaps with a plain client: its whole body (the
    server ends it after timeoutSeconds)."""
    status, body = bulk.Client(cluster).call(
        "GET", f"/api/v1/namespaces/{NS}/configmaps?watch=1&{query}")
    return body.decode(errors="replace") if status == 200 else f"HTTP {status}: {body[:300]}"


def nodes_count(base):
    status, doc = get(base, "/api/v1/fleet")
    return doc["nodes"] if status == 200 else -1


with e.workdir() as tmp:
    sim = subprocess.run([str(bin_dir / "ztp-prem-fleet"), "simulate", "--nodes", str(N), "--out",
                          f"{tmp}/fleet"], capture_output=True, text=True, check=True)
    nodes = bulk.simulated_fleet(f"{tmp}/fleet")
    secs, failures = bulk.create_configmaps(cluster, NS, nodes)
    f.check(not failures, f"bulk create: {failures[:3]}")
    print(f"created {len(nodes)} ConfigMaps in {secs:.1f} s ({len(nodes) / secs:.0f}/s)")
    list_s, listed, _ = bulk.paged_list(cluster, NS, limit=100)
    f.check(len(listed) == len(nodes), f"server lists {len(listed)}")
    list500_s, _, _ = bulk.paged_list(cluster, NS, limit=500)
    print(f"server's own paged list (limit 100): {list_s:.2f} s; (limit 500, the fleet's "
          f"default): {list500_s:.2f} s; load average {os.getloadavg()[0]:.1f}")

    proxy = TcpProxy(cluster.state["api_port"])
    kubeconfig = e.k8s_harness.write_kubeconfig(
        f"{tmp}/fleet.kubeconfig", f"https://127.0.0.1:{proxy.port}", cluster.dir / "pki/ca.crt",
        cluster.dir / "pki/admin.crt", cluster.dir / "pki/admin.key", namespace=NS)
    t0 = time.monotonic()
    fleet = subprocess.Popen([str(bin_dir / "ztp-prem-fleet"), "--source", "k8s", "--kubeconfig",
                              str(kubeconfig), "--namespace", NS, "--listen", "127.0.0.1:0",
                              "--dashboard-dir", f"{tmp}/none"],
                             stdout=subprocess.PIPE, stderr=open(f"{tmp}/fleet.log", "w"), text=True)
    try:
        base = fleet.stdout.readline().split(" on ")[1].split("/admin")[0].strip()
        full = wait_for(lambda: nodes_count(base) == len(nodes), 300, "the fleet's full view")
        ready_s = time.monotonic() - t0
        stat = open(f"/proc/{fleet.pid}/stat").read().rsplit(")", 1)[1].split()
        cpu_s = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        print(f"fleet: full view of {len(nodes)} nodes {ready_s:.2f} s after start, fleet CPU "
              f"{cpu_s:.2f} s (server's own list {list_s:.2f} s / {list500_s:.2f} s: "
              f"{ready_s / list_s:.2f}x / {ready_s / list500_s:.2f}x)")
        names = fleet_names(base)
        f.check(sorted(names) == sorted(nodes), "fleet view != the ConfigMaps' nodes")
        f.check(len(names) == len(set(names)), "a node listed twice")
        rss_kib = int([l for l in open(f"/proc/{fleet.pid}/status") if l.startswith("VmHWM")][0].split()[1])
        print(f"fleet peak RSS after the list: {rss_kib / 1024:.1f} MiB")

        # Watch: add, change, delete reach the API.
        first, second = sorted(nodes)[:2]
        c = bulk.Client(cluster)
        status, _ = c.call("POST", f"/api/v1/namespaces/{NS}/configmaps",
                           bulk.configmap_body(NS, "node-watch-added", nodes[first]))
        f.check(status == 201, f"create: {status}")
        t = wait_for(lambda: get(base, "/api/v1/nodes/node-watch-added")[0] == 200, 30, "added node")
        print(f"watch: an added node reached the fleet in {t * 1000:.0f} ms" if t else "")
        t1 = time.monotonic()
        status, _ = c.call("DELETE", f"/api/v1/namespaces/{NS}/configmaps/ztp-prem-{second}")
        f.check(status == 200, f"delete: {status}")
        returned = time.monotonic()
        t = wait_for(lambda: get(base, f"/api/v1/nodes/{second}")[0] == 404, 30, "deleted node")
        if t is not None:
            print(f"watch: a delete reached the fleet's API {(time.monotonic() - returned) * 1000:.0f} ms "
                  "after the call returned")
        del nodes[second]
        nodes["node-watch-added"] = nodes[first]

        # Bookmarks as the real server sends them (allowWatchBookmarks; the fleet asks for them).
        # The periodic one (shortly before the watch's deadline, then every minute) is not
        # reliable: on v1.37.2 an idle watch cache sent none in plain 12 s and 20 s watches, on
        # a quiet machine, while an earlier busy run got one. The bookmark the server always
        # sends is the end of a streaming list's initial events (sendInitialEvents, KEP-3157): the
        # same BOOKMARK object (kind, apiVersion, metadata.resourceVersion) the parser reads.
        # One node is enough (fieldSelector), not 10,000 initial events.
        t_watch = time.monotonic()
        bm = curl_watch("allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                        f"&fieldSelector=metadata.name%3Dztp-prem-{first}&timeoutSeconds=5")
        events = [json.loads(l) for l in bm.splitlines() if l.strip().startswith("{")]
        bookmarks = [ev for ev in events if ev["type"] == "BOOKMARK"]
        f.check([ev["type"] for ev in events] == ["ADDED", "BOOKMARK"],
                f"streaming list of one node: ADDED then BOOKMARK expected: {bm[:300]}")
        if bookmarks:
            meta = bookmarks[0]["object"]["metadata"]
            f.check(bookmarks[0]["object"].get("kind") == "ConfigMap" and meta.get("resourceVersion", "").isdigit(),
                    f"BOOKMARK shape: {json.dumps(bookmarks[0])[:300]}")
            print(f"real BOOKMARK ({time.monotonic() - t_watch:.1f} s):", json.dumps(bookmarks[0])[:300])

        # 410: cut the fleet off, change the cluster, compact, restart the server's cache.
        _, _, old_rv = bulk.paged_list(cluster, NS, limit=500)
        proxy.pause()
        proxy.drop_all()
        victims = sorted(nodes)[10:110]  # 100 deleted
        added = [f"node-relist-{i:03d}" for i in range(100)]
        jobs = [("DELETE", f"/api/v1/namespaces/{NS}/configmaps/ztp-prem-{v}", None,
                 "application/json", (200,)) for v in victims]
        jobs += [("POST", f"/api/v1/namespaces/{NS}/configmaps",
                  bulk.configmap_body(NS, a, nodes[first]), "application/json", (201,))
                 for a in added]
        _, failures = bulk.run_parallel(cluster, jobs)
        f.check(not failures, f"changes while cut off: {failures[:3]}")
        for v in victims:
            del nodes[v]
        for a in added:
            nodes[a] = nodes[first]
        compacted = cluster.compact_etcd()
        t_restart = time.monotonic()
        cluster.restart_apiserver()
        print(f"etcd compacted at revision {compacted}; kube-apiserver restarted in "
              f"{time.monotonic() - t_restart:.1f} s")
        # What the fleet will meet: a watch from its old resourceVersion is 410 Gone.
        # (429 while its watch cache initialises: asked again.)
        for _ in range(50):
            gone = curl_watch(f"resourceVersion={old_rv}&timeoutSeconds=2")
            if '"code":429' not in gone.replace(" ", ""):
                break
            time.sleep(0.2)
        f.check('"code":410' in gone.replace(" ", ""),
                f"a watch from before the compaction was not 410: {gone[:300]}")
        print("real 410:", gone.strip()[:300])
        t2 = time.monotonic()
        proxy.resume()
        want = sorted(nodes)
        relist = wait_for(lambda: nodes_count(base) == len(want) and sorted(fleet_names(base)) == want,
                          300, "the fleet's view after the 410 re-list")
        if relist is not None:
            print(f"410 re-list: view exact again {time.monotonic() - t2:.2f} s after the relay "
                  f"reopened ({len(want)} nodes)")
        # (The fleet re-lists on a 410 without a log line: it is routine. That it re-listed shows
        # in the view: the 100 deletions it never saw as events are gone from it.)
        names = fleet_names(base)
        f.check(len(names) == len(set(names)), "a node listed twice after the re-list")
        f.check(not set(victims) & set(names), "a deleted node survived the re-list")
        f.check(fleet.poll() is None, "the fleet exited")
    finally:
        fleet.terminate()
        fleet.wait(timeout=20)
        proxy.close()
        print("fleet log tail:", open(f"{tmp}/fleet.log").read()[-1500:])
f.finish("e2e.fleet_source")
