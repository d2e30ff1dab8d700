#!/usr/bin/python3
"""An independent writer of the audit log format, from docs/audit.md alone (Python's
hashlib/hmac/json): the logs it writes must verify with ztp-prem-audit, and the same logs
damaged must not. Proves the documented format is complete enough to re-implement.
Usage: reference_log.py BIN_DIR"""
import base64
import datetime
import functools
import hashlib
import hmac
import json
import pathlib
import subprocess
import sys
import tempfile

bin_dir = pathlib.Path(sys.argv[1])
k0 = bytes(range(32))
key_text = "ztp-audit-v1:" + k0.hex()
start = int(datetime.datetime.now(datetime.timezone.utc).timestamp()) - 7200
epoch_seconds = 900


def ts(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_of(t):
    return 1 if t <= start else 1 + (t - start) // epoch_seconds


@functools.lru_cache(None)
def key(e):
    return k0 if e == 0 else hmac.new(key(e - 1), b"ztp-prem audit epoch evolve", hashlib.sha256).digest()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def write_log(directory):
    lines, prev, seq, current = [], bytes(32), 0, 0

    def emit(body, epoch):
        nonlocal prev, seq
        body.update(v=1, seq=seq, epoch=epoch, log="ab" * 16, prev="sha256:" + prev.hex())
        digest = hashlib.sha256(canonical(body).encode()).digest()
        body["hash"] = "sha256:" + digest.hex()
        body["seal"] = "hmac-sha256:" + hmac.new(key(epoch), digest, hashlib.sha256).hexdigest()
        lines.append(canonical(body))
        prev, seq = digest, seq + 1

    emit({"type": "open", "time": ts(start), "start": ts(start), "epochSeconds": epoch_seconds}, 0)
    emit({"type": "close", "time": ts(start), "next": 1}, 0)
    current = 1
    for i, t in enumerate(range(start + 60, start + 7000, 250)):
        if epoch_of(t) > current:
            emit({"type": "close", "time": ts(t), "next": epoch_of(t)}, current)
            current = epoch_of(t)
        entry = {"type": "entry", "time": ts(t), "probe": "ztp-prem-tpm", "node": "worker-2", "wave": "w1",
                 "generatedAt": ts(t), "digest": "sha256:" + hashlib.sha256(bytes([i])).hexdigest(),
                 "classification": "tpm2", "reason": "start" if i == 0 else "heartbeat"}
        if i % 2 == 1:
            # A quoted entry's boot member (docs/audit.md "Quotes"): its form only; the quote
            # bytes themselves are checked by verify --ak, which needs a TPM's AK.
            entry["boot"] = {"pcrs": "sha256:0-7", "pcrDigest": "sha256:" + hashlib.sha256(b"pcrs").hexdigest(),
                             "attest": base64.b64encode(b"\xffTCG" + bytes([i]) * 60).decode(),
                             "signature": base64.b64encode(b"\x00\x18\x00\x0b" + bytes(68)).decode(),
                             "akName": "000b" + hashlib.sha256(b"ak").hexdigest()}
        emit(entry, current)
    (directory / "audit-00000001.jsonl").write_text("\n".join(lines[:10]) + "\n")
    (directory / "audit-00000002.jsonl").write_text("\n".join(lines[10:]) + "\n")
    return f"{seq - 1}:sha256:{prev.hex()}", lines


def verify(directory, head):
    return subprocess.run([str(bin_dir / "ztp-prem-audit"), "verify", str(directory), "--key", key_text,
                           "--head", head], capture_output=True, text=True)


failures = 0
with tempfile.TemporaryDirectory() as tmp:
    directory = pathlib.Path(tmp)
    head, lines = write_log(directory)
    result = verify(directory, head)
    if result.returncode != 0:
        print(f"FAIL a log written from the documentation does not verify: {result.stdout}{result.stderr}")
        failures += 1
    second = directory / "audit-00000002.jsonl"
    for name, damaged in (("changed classification", [l.replace('"tpm2"', '"none"', 1) if i == 3 else l
                                                       for i, l in enumerate(lines[10:])]),
                          ("dropped record", lines[10:13] + lines[14:]),
                          ("changed pcrDigest", [l.replace('"pcrDigest":"sha256:b3', '"pcrDigest":"sha256:c3', 1)
                                                 for l in lines[10:]]),
                          ("truncated tail", lines[10:-1])):
        second.write_text("\n".join(damaged) + "\n")
        result = verify(directory, head)
        if result.returncode != 3:
            print(f"FAIL {name}: exit {result.returncode}, expected 3: {result.stdout}{result.stderr}")
            failures += 1
print(f"reference log: {failures} failed")
sys.exit(1 if failures else 0)
