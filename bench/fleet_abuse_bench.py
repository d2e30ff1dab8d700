#!/usr/bin/python3
"""RSS and /healthz latency of the real ztp-prem-fleet during each red-team attack
(../shared/research/redteam.md BUG-1 to BUG-3), for one or more builds side by side
("before" and "after"), at the red team's scale. Every attack is bounded (connections,
bytes, seconds); the attacks themselves are tests/fleet/attacks.py.

Usage: bench/fleet_abuse_bench.py [--nodes N] LABEL=BIN_DIR [LABEL=BIN_DIR ...]
  e.g. bench/fleet_abuse_bench.py before=/work/main/build/release/bin after=build/release/bin
A /healthz request that gets no answer within 5 s counts as 5,000 ms."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "fleet"))
import attacks  # noqa: E402

args = sys.argv[1:]
nodes = 10000
if args[:1] == ["--nodes"]:
    nodes, args = int(args[1]), args[2:]
builds = [a.split("=", 1) for a in args] or [["after", "build/release/bin"]]

ATTACKS = [
    ("one 300 MiB header line", attacks.endless_header, (300,)),
    ("200 MiB of 8 KB header lines", attacks.many_headers, (200,)),
    ("slowloris: 100 conns, 10 s", attacks.slowloris, (100, 10, 2.0)),
    ("100 idle keep-alive conns, 6 s", attacks.idle_keepalive, (100, 6)),
    ("500 event streams, 8 s", attacks.event_streams, (500, 8)),
    ("90 clients /nodes?limit=1000, 10 s", attacks.heavy_queries, (90, 10)),
]

scratch = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
rows = []
with tempfile.TemporaryDirectory(dir=scratch) as tmp:
    state = pathlib.Path(tmp) / "state"
    first_bin = pathlib.Path(builds[0][1])
    subprocess.run([str(first_bin / "ztp-prem-fleet"), "simulate", "--nodes", str(nodes),
                    "--out", str(state), "--seed", "7"], check=True, capture_output=True)
    for label, bin_dir in builds:
        binary = pathlib.Path(bin_dir) / "ztp-prem-fleet"
        for name, attack, params in ATTACKS:
            # A fresh process per attack: one attack's leftovers do not blur the next.
            proc, port = attacks.start_fleet(binary, ["--source", f"dir:{state}"])
            try:
                attacks.wait_ready(port)
                with attacks.Measure(proc.pid, port) as m:
                    extra = attack(port, *params)
                r = m.result(**extra)
                r.update(build=label, attack=name, alive=proc.poll() is None,
                         load_average=os.getloadavg()[0])
            finally:
                proc.kill()
                proc.wait()
            rows.append(r)
            print(json.dumps(r), flush=True)

print()
print(f"{nodes} nodes; machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
      "at the end (shared with other builds: figures are loaded-machine figures)")
print("| attack | build | RSS before -> peak -> after | /healthz p99 | unanswered /healthz | notes |")
print("|---|---|---|---|---|---|")
for r in rows:
    notes = {k: v for k, v in r.items() if k in ("answer", "served", "refused", "ok", "busy",
                                                 "dropped_by_server", "sent_mib", "unanswered")}
    print(f"| {r['attack']} | {r['build']} | {r['rss_before_mib']:.0f} -> {r['rss_peak_mib']:.0f} "
          f"-> {r['rss_after_mib']:.0f} MiB | {r['healthz_p99_ms']:.0f} ms | "
          f"{r['healthz_failures']} of {r['healthz_samples']} | "
          f"{json.dumps(notes)}{'' if r['alive'] else ' DIED'} |")
