"""Attacks on a running ztp-prem-fleet over loopback (../shared/research/redteam.md BUG-1,
BUG-2, BUG-3), each bounded in connections, bytes and time, each measuring the service's
RSS and /healthz latency while it runs. Shared by tests/fleet/abuse_test.py (loose
assertions) and bench/fleet_abuse_bench.py (the figures, before and after).

Attackers connect from 127.0.0.2 and up, the health prober from 127.0.0.1: a per-address
connection cap must not make the prober look like the attacker (in a cluster the kubelet
is another address too)."""
import pathlib
import re
import select
import socket
import subprocess
import threading
import time


def status_kib(pid, field):
    text = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def connect(port, source="127.0.0.2", timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def start_fleet(binary, args):
    """Starts ztp-prem-fleet --listen 127.0.0.1:0 ...; returns (process, port)."""
    proc = subprocess.Popen([str(binary), "--listen", "127.0.0.1:0"] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
    return proc, port


def request(port, path, headers=None, method="GET", source="127.0.0.1", timeout=10):
    """One request on its own connection; returns (status, headers, body) or (0, {}, b"")."""
    h = {"Host": f"127.0.0.1:{port}", "Connection": "close"}
    h.update(headers or {})
    try:
        s = connect(port, source, timeout)
        s.sendall((f"{method} {path} HTTP/1.1\r\n" +
                   "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n").encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError:
        return 0, {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/1."):
        return 0, {}, b""
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), fields, body


def wait_ready(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if request(port, "/readyz", timeout=2)[0] == 200:
            return True
        time.sleep(0.01)
    return False


class HealthProber:
    """GET /healthz every `interval` on a new connection from 127.0.0.1; a request that
    does not answer within `timeout` counts as `timeout` seconds (never answered)."""

    def __init__(self, port, interval=0.1, timeout=5.0):
        self.port, self.interval, self.timeout = port, interval, timeout
        self.latencies, self.failures = [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            t = time.monotonic()
            status = request(self.port, "/healthz", timeout=self.timeout)[0]
            took = time.monotonic() - t
            if status != 200:
                self.failures += 1
                took = max(took, self.timeout)
            self.latencies.append(took)
            self._stop.wait(max(0.0, self.interval - took))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def p99_ms(self):
        if not self.latencies:
            return float("inf")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


class Measure:
    """RSS before, peak during (sampled every 50 ms) and after; /healthz latency during."""

    def __init__(self, pid, port):
        self.pid, self.port = pid, port
        self.rss_before = self.rss_after = self.rss_peak = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self.prober = HealthProber(port)

    def _sample(self):
        while not self._stop.is_set():
            try:
                self.rss_peak = max(self.rss_peak, status_kib(self.pid, "VmRSS"))
            except (OSError, AttributeError):
                return
            self._stop.wait(0.05)

    def __enter__(self):
        self.rss_before = self.rss_peak = status_kib(self.pid, "VmRSS")
        self._sampler.start()
        self.prober.__enter__()
        return self

    def __exit__(self, *exc):
        self.prober.__exit__()
        self._stop.set()
        self._sampler.join()
        try:
            self.rss_after = status_kib(self.pid, "VmRSS")
        except OSError:
            self.rss_after = -1

    def result(self, **extra):
        out = {"rss_before_mib": self.rss_before / 1024, "rss_peak_mib": self.rss_peak / 1024,
               "rss_after_mib": self.rss_after / 1024, "healthz_p99_ms": self.prober.p99_ms(),
               "healthz_failures": self.prober.failures,
               "healthz_samples": len(self.prober.latencies)}
        out.update(extra)
        return out


def endless_header(port, mib):
    """BUG-1: one header line that never ends. Returns the first bytes of any answer."""
    s = connect(port)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: ")
    sent = 0
    block = b"a" * (1 << 20)
    try:
        for _ in range(mib):
            s.sendall(block)
            sent += 1
    except OSError:
        pass  # the server closed the connection: it stopped reading, as it should
    try:
        answer = s.recv(64)
    except OSError:
        answer = b""
    s.close()
    return {"sent_mib": sent, "answer": answer[:12].decode("latin-1")}


def many_headers(port, mib):
    """BUG-1: well-formed 8 KB header lines, `mib` MiB of them."""
    s = connect(port)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    line = b"X-a: " + b"b" * 8000 + b"\r\n"
    sent = 0
    try:
        for _ in range(mib * 128):
            s.sendall(line)
            sent += len(line)
    except OSError:
        pass
    try:
        answer = s.recv(64)
    except OSError:
        answer = b""
    s.close()
    return {"sent_mib": sent / (1 << 20), "answer": answer[:12].decode("latin-1")}


def slowloris(port, connections, seconds, period=1.0):
    """BUG-2: connections that each send one short header line per period, never ending."""
    socks = []
    for i in range(connections):
        try:
            s = connect(port, source=f"127.0.0.{2 + i // 100}")
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            pass
    dropped = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(period)
        for s in list(socks):
            try:
                s.sendall(b"X-a: b\r\n")
            except OSError:
                dropped += 1
                socks.remove(s)
    for s in socks:
        s.close()
    return {"connections": connections, "dropped_by_server": dropped}


def idle_keepalive(port, connections, seconds):
    """BUG-2 (H15): connections that send one request, then hold the keep-alive open."""
    socks = []
    for i in range(connections):
        try:
            s = connect(port, source=f"127.0.0.{2 + i // 100}")
            s.sendall(f"HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            socks.append(s)
        except OSError:
            pass
    time.sleep(seconds)
    for s in socks:
        s.close()
    return {"connections": len(socks)}


def event_streams(port, clients, seconds, path="/api/v1/events", headers=None):
    """BUG-2 (H14): many open event streams that never read after the headers."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    socks, served, refused = [], 0, 0
    for i in range(clients):
        try:
            s = connect(port, source=f"127.0.0.{2 + i // 100}")
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode())
            socks.append(s)
        except OSError:
            refused += 1
    # One deadline for all answers: a server that queues connections answers none of them.
    pending = list(socks)
    deadline = time.monotonic() + 3
    while pending and time.monotonic() < deadline:
        readable, _, _ = select.select(pending, [], [], max(0.0, deadline - time.monotonic()))
        for s in readable:
            try:
                head = s.recv(32)
            except OSError:
                head = b""
            served += 1 if b" 200 " in head else 0
            refused += 0 if b" 200 " in head else 1
            pending.remove(s)
    unanswered = len(pending)
    time.sleep(seconds)
    for s in socks:
        s.close()
    return {"clients": clients, "served": served, "refused": refused, "unanswered": unanswered}


def heavy_queries(port, clients, seconds,
                  path="/api/v1/nodes?sort=-lastSeen&limit=1000&q=0"):
    """BUG-3: ordinary heavy queries from many clients at once, for `seconds`."""
    counts = {"ok": 0, "busy": 0, "other": 0}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client(i):
        while time.monotonic() < end:
            status = request(port, path, source=f"127.0.0.{2 + i // 100}", timeout=30)[0]
            with lock:
                key = "ok" if status == 200 else "busy" if status == 503 else "other"
                counts[key] += 1
            if status == 503:
                time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"clients": clients, **counts}
