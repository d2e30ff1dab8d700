#!/usr/bin/python3
"""The real ztp-prem-fleet under the red-team attacks (../shared/research/redteam.md BUG-1
to BUG-5, 14, 16, 17, 20), on loopback, each bounded. Bounds are loose on purpose (CI
machines are loaded); bench/fleet_abuse_bench.py measures the figures.
Usage: abuse_test.py BIN_DIR"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import attacks  # noqa: E402

bin_dir = pathlib.Path(sys.argv[1])
fleet = bin_dir / "ztp-prem-fleet"
failures = []
# Loose: /healthz must answer within 1 s at p99 during every attack (the target, 50 ms, is
# a benchmark figure; the red-team build gave no answer at all for 10-30 s).
HEALTHZ_P99_MS = 1000
RSS_GROWTH_MIB = 40
# Under ASan the allocator's quarantine holds freed memory back (256 MiB by default), so RSS
# measures the sanitizer, not the service: the release preset checks the bound, ASan only
# reports it.
CHECK_RSS = "--sanitized" not in sys.argv[2:]


def check(cond, message):
    print("ok  " if cond else "FAIL", message, flush=True)
    if not cond:
        failures.append(message)


def run_attack(proc, port, name, attack, *args):
    with attacks.Measure(proc.pid, port) as m:
        extra = attack(port, *args)
    r = m.result(**extra)
    print(f"     {name}: {json.dumps(r)}", flush=True)
    check(proc.poll() is None, f"{name}: the service is still running")
    check(r["healthz_failures"] == 0 and r["healthz_p99_ms"] < HEALTHZ_P99_MS,
          f"{name}: /healthz answered throughout (p99 {r['healthz_p99_ms']:.0f} ms, "
          f"{r['healthz_failures']} failures)")
    if CHECK_RSS:
        check(r["rss_peak_mib"] - r["rss_before_mib"] < RSS_GROWTH_MIB,
              f"{name}: RSS {r['rss_before_mib']:.0f} -> peak {r['rss_peak_mib']:.0f} MiB")
    return r


TEMPLATES = {}


def write_doc(directory, node, probe, generated_at):
    """An agent-style write (temporary name, rename) of a simulated document, renamed."""
    doc = dict(TEMPLATES[probe])
    doc["node"] = node
    doc["generatedAt"] = generated_at
    tmp = directory / f".{node}.{probe}.tmp"
    tmp.write_text(json.dumps(doc))
    tmp.rename(directory / f"{node}.{probe}.json")


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    state = tmp / "state"
    subprocess.run([str(fleet), "simulate", "--nodes", "3000", "--out", str(state), "--seed", "3"],
                   check=True, capture_output=True)
    for probe in ("cc", "tpm"):
        for path in sorted(state.glob(f"*.{probe}.json")):
            doc = json.loads(path.read_text())
            if isinstance(doc, dict) and doc.get("node") == path.name.split(".")[0]:
                TEMPLATES[probe] = doc
                break
    dashboard = tmp / "dist"
    (dashboard / "assets").mkdir(parents=True)
    (dashboard / "index.html").write_text("<!doctype html><title>x</title>")
    (dashboard / "assets" / "app.js").write_text("1")
    (dashboard / ".env").write_text("SECRET=PLANTED-dotfile")
    (dashboard / ".git").mkdir()
    (dashboard / ".git" / "config").write_text("[core] PLANTED")
    (tmp / "token").write_text("abuse-token\n")
    proc, port = attacks.start_fleet(fleet, [
        "--source", f"dir:{state}", "--dashboard-dir", str(dashboard),
        "--token-file", str(tmp / "token"), "--allowed-host", "ztp-prem-fleet.ztp-prem.svc"])
    auth = {"Authorization": "Bearer abuse-token"}
    try:
        check(attacks.wait_ready(port), "ready after the initial scan")

        # BUG-1: memory before any token check.
        r = run_attack(proc, port, "endless header line (64 MiB)", attacks.endless_header, 64)
        check(r["answer"].startswith("HTTP/1.1 431"), f"answered 431 ({r['answer']!r})")
        check(r["sent_mib"] < 64, f"the server stopped reading ({r['sent_mib']} MiB taken)")
        r = run_attack(proc, port, "many header lines (32 MiB)", attacks.many_headers, 32)
        check(r["answer"].startswith("HTTP/1.1 431"), f"answered 431 ({r['answer']!r})")

        # BUG-2: slow and idle connections, event streams.
        run_attack(proc, port, "slowloris (150 connections, 4 s)", attacks.slowloris, 150, 4)
        run_attack(proc, port, "idle keep-alive (150 connections)", attacks.idle_keepalive, 150, 3)
        r = run_attack(proc, port, "event streams (300 clients)",
                       lambda p, n, s: attacks.event_streams(p, n, s, "/api/v1/events", auth),
                       300, 2)
        check(r["served"] <= 256 and r["served"] + r["refused"] == 300 and r["unanswered"] == 0,
              f"streams beyond the cap (256) refused: {r['served']} served")
        status = attacks.request(port, "/api/v1/events", timeout=2)[0]
        check(status == 401, f"an event stream needs the token ({status})")

        # BUG-3: heavy ordinary queries (with the token) leave memory where it was.
        def heavy(p, clients, seconds):
            counts = {"ok": 0, "busy": 0, "other": 0}
            end = time.monotonic() + seconds
            import threading
            lock = threading.Lock()

            def one(i):
                while time.monotonic() < end:
                    st = attacks.request(p, "/api/v1/nodes?sort=-lastSeen&limit=1000&q=0",
                                         headers=auth, source=f"127.0.0.{2 + i // 100}")[0]
                    with lock:
                        counts["ok" if st == 200 else "busy" if st == 503 else "other"] += 1
            ts = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            return counts
        r = run_attack(proc, port, "heavy queries (48 clients, 4 s)", heavy, 48, 4)
        check(r["ok"] > 0 and r["other"] == 0, f"heavy queries served or told to retry ({r})")

        # BUG-16, 17, 20: Host allow-list, dotfiles, methods, bearer scheme.
        st = attacks.request(port, "/api/v1/nodes", headers={**auth, "Host": "attacker.example"})[0]
        check(st == 421, f"Host: attacker.example -> {st}")
        st = attacks.request(port, "/api/v1/fleet",
                             headers={**auth, "Host": "ztp-prem-fleet.ztp-prem.svc:8080"})[0]
        check(st == 200, f"an --allowed-host name -> {st}")
        st = attacks.request(port, "/api/v1/fleet",
                             headers={"Authorization": "bearer abuse-token"})[0]
        check(st == 200, f"lowercase bearer scheme -> {st}")
        st, fields, _ = attacks.request(port, "/api/v1/fleet", headers=auth, method="POST")
        check(st == 405 and fields.get("allow") == "GET, HEAD", f"POST -> {st} {fields.get('allow')}")
        st = attacks.request(port, "/api/v1/nodes?mode=sev&mode=sev", headers=auth)[0]
        check(st == 400, f"a repeated parameter -> {st}")
        for leak in ("/admin/ztp-prem/.env", "/admin/ztp-prem/.git/config"):
            st, _, body = attacks.request(port, leak)
            check(b"PLANTED" not in body, f"{leak} not served ({st})")

        # BUG-5: a document from the future is invalid, a far date does not wrap.
        write_doc(state, "fut", "cc", "2100-01-01T00:00:00Z")
        write_doc(state, "fut", "tpm", "9999-12-31T23:59:59Z")
        deadline = time.monotonic() + 10
        row = {}
        while time.monotonic() < deadline:
            st, _, body = attacks.request(port, "/api/v1/nodes/fut", headers=auth)
            if st == 200:
                row = json.loads(body)["row"]
                if len(row["invalidReasons"]) == 2:
                    break
            time.sleep(0.05)
        check(row.get("state") == "invalid" and row.get("lastSeen") is None,
              f"future documents are invalid: {row.get('invalidReasons')}")
        check("cc: generatedAt: more than 5 minutes in the future" in row.get("invalidReasons", []),
              "with the future reason")

        # BUG-4: the directory moved away, then recreated.
        shutil.move(str(state), str(tmp / "state.old"))
        deadline = time.monotonic() + 10
        st, body = 0, b""
        while time.monotonic() < deadline:
            st, _, body = attacks.request(port, "/readyz")
            if st == 503:
                break
            time.sleep(0.05)
        check(st == 503 and b"missing" in body, f"/readyz while the directory is gone: {st} {body!r}")
        state.mkdir()
        write_doc(state, "recreated", "cc", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        deadline = time.monotonic() + 10
        st = 0
        while time.monotonic() < deadline:
            st = attacks.request(port, "/api/v1/nodes/recreated", headers=auth)[0]
            if st == 200 and attacks.request(port, "/readyz")[0] == 200:
                break
            time.sleep(0.05)
        check(st == 200, f"a document in the recreated directory appears ({st})")
        check(attacks.request(port, "/readyz")[0] == 200, "ready again")

        # SIGTERM with streams open: drained and exited within the bound.
        streams = [attacks.connect(port, "127.0.0.9") for _ in range(5)]
        for s in streams:
            s.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n"
                      f"Authorization: Bearer abuse-token\r\n\r\n".encode())
        time.sleep(0.3)
        t = time.monotonic()
        proc.terminate()
        rc = proc.wait(timeout=15)
        took = time.monotonic() - t
        check(rc == 0 and took < 6, f"SIGTERM with 5 open streams: exit {rc} after {took:.2f} s")
        for s in streams:
            s.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all abuse checks passed")
