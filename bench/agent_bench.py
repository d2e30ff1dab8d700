#!/usr/bin/python3
"""Whole-process cost of ztp-prem-detect in --watch mode on this machine.

Runs the static release binary as the DaemonSet does, against the TLS fake API
server (bench/fake_apiserver_main.cpp), with a 1 s interval so a short run has
many cycles, and reads from /proc: peak RSS (VmHWM, per process, unaffected by
the launcher) and CPU time. Then SIGTERM, timing the exit.
Usage: bench/agent_bench.py [build/release/bin] [seconds]"""
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

bin_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build/release/bin")
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 30


def proc_figures(pid):
    status = open(f"/proc/{pid}/status").read()
    hwm_kib = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1])
    # schedstat's first field: nanoseconds on a CPU (Documentation/scheduler/sched-stats.rst),
    # finer than /proc/PID/stat's clock ticks.
    cpu_s = int(open(f"/proc/{pid}/schedstat").read().split()[0]) / 1e9
    return hwm_kib, cpu_s


def run(name, args, tmp):
    cmd = [str(bin_dir / "ztp-prem-detect"), "--node", "bench", "--watch", "--interval", "1",
           "--heartbeat", "10"] + args
    log = open(tmp / f"{name}.log", "w")
    agent = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
    time.sleep(seconds)
    hwm, cpu = proc_figures(agent.pid)
    start = time.perf_counter()
    agent.send_signal(signal.SIGTERM)
    code = agent.wait()
    exit_ms = (time.perf_counter() - start) * 1000
    return hwm, cpu, exit_ms, code


with tempfile.TemporaryDirectory() as d:
    tmp = pathlib.Path(d)
    (tmp / "out").mkdir()
    (tmp / "nfd").mkdir()
    fake = subprocess.Popen([str(bin_dir / "fake_apiserver"), str(tmp)], stdout=subprocess.PIPE,
                            text=True)
    assert fake.stdout.readline().strip() == "ready"
    rows = {
        "dir": run("dir", ["--publish", f"dir:{tmp}/out"], tmp),
        "k8s+dir+nfd": run("k8s", ["--publish", "k8s", "--kubeconfig", str(tmp / "kubeconfig"),
                                   "--publish", f"dir:{tmp}/out", "--nfd-features-dir",
                                   str(tmp / "nfd")], tmp),
    }
    fake.send_signal(signal.SIGTERM)
    requests = int(fake.stdout.readline().strip())
    fake.wait()

print(f"{seconds} s at --interval 1 --heartbeat 10 (≈{seconds} probe cycles per run)")
print(f"{'publish targets':16} {'peak RSS':>10} {'CPU/cycle':>11} {'SIGTERM->exit':>14} {'exit':>5}")
for name, (hwm, cpu, exit_ms, code) in rows.items():
    print(f"{name:16} {hwm/1024:>7.2f} MiB {cpu/seconds*1000:>8.2f} ms {exit_ms:>11.1f} ms {code:>5}")
# First write + one heartbeat per 9-11 s: about seconds/10 + 1 writes.
print(f"ConfigMap requests in {seconds} s (heartbeat 10 s): {requests} "
      f"(expected about {seconds // 10 + 1})")
hwm_max = max(r[0] for r in rows.values())
print(f"peak RSS target < 8 MiB: {'met' if hwm_max < 8 * 1024 else 'MISSED'}")
print(f"SIGTERM exit within 1 s: {'met' if max(r[2] for r in rows.values()) < 1000 else 'MISSED'}")
