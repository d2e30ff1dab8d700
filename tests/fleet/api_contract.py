#!/usr/bin/python3
"""Runs the real ztp-prem-fleet on a simulated fleet plus planted documents and checks:
- every API response validates against the schemas of /api/v1/openapi.json (OpenAPI 3.0,
  `nullable` mapped to JSON Schema type unions);
- valid simulated documents validate against schema/*.schema.json;
- nothing from an invalid document (marker PLANTED) reaches any response;
- security headers on every response.
Usage: api_contract.py SOURCE_DIR BIN_DIR"""
import json
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import jsonschema

source = pathlib.Path(sys.argv[1])
bin_dir = pathlib.Path(sys.argv[2])
failures = []


def check(cond, message):
    if not cond:
        failures.append(message)
        print("FAIL", message)


def get(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def to_json_schema(node):
    """OpenAPI 3.0 schema object -> JSON Schema (draft 2020-12) for python-jsonschema."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    return out


with tempfile.TemporaryDirectory() as tmp:
    state = pathlib.Path(tmp) / "state"
    subprocess.run([str(bin_dir / "ztp-prem-fleet"), "simulate", "--nodes", "500", "--out",
                    str(state), "--seed", "11"], check=True, capture_output=True)
    # Planted: an invalid document carrying identifiers that must never be echoed.
    (state / "leaky.cc.json").write_text(json.dumps({
        "apiVersion": "ztp-prem.tlsstress.art/v1", "kind": "CCStatus", "node": "leaky",
        "generatedAt": "PLANTED-2026", "wave": "w", "ekSerial": "PLANTED-EK-0042",
        "probe": {"name": "ztp-prem-detect", "version": "1"}, "mode": "none",
        "hostCapabilities": [], "signals": {}, "evidence": ["PLANTED-pcr0=deadbeef"],
        "enforcement": "advisory"}))
    (state / "leaky.tpm.json").write_text('{"pcr0": "PLANTED-aa55", ')
    report = {
        "apiVersion": "ztp-prem.tlsstress.art/v1", "kind": "EnforcementPreflight",
        "generatedAt": "2026-12-02T05:00:00Z", "mode": "advisory", "clear": False,
        "nodes": {"total": 3, "eligible": 2, "ineligibleByReason": {"stale": 1}},
        "tierB": {"namespaces": 1, "pods": 2, "wouldRefuse": 1, "onIneligibleNodes": 1, "mirrorPods": 0},
        "namespaces": [{"name": "payments", "pods": 2, "wouldRefuse": 1, "onIneligibleNodes": 1}],
        "findings": [{"namespace": "payments", "pod": "api-0", "node": "n3", "mirror": False, "wouldRefuse": True,
                      "issues": ["no-placement", "bound-to-ineligible"], "why": "node n3 is not eligible (stale)"}],
        "findingsTruncated": False}
    (state / "enforcement.json").write_text(json.dumps(report))
    # The attestation verifier's verdicts (schema/attest.v1.schema.json): two attested, one
    # refused, and an invalid one planting a digest that must never be echoed.
    simulated = sorted(p.name.split(".")[0] for p in state.glob("*.cc.json") if p.name != "leaky.cc.json")[:3]
    verdicts = {simulated[0]: (True, None), simulated[1]: (True, None),
                simulated[2]: (False, "digest-not-approved")}
    for node, (attested, reason) in verdicts.items():
        verdict = {"apiVersion": "ztp-prem.tlsstress.art/v1", "kind": "AttestStatus", "node": node,
                   "attested": attested, "group": "workers", "when": "2026-01-01T00:00:00Z"}
        if reason:
            verdict["reason"] = reason
        (state / f"{node}.attest.json").write_text(json.dumps(verdict))
    (state / "leaky.attest.json").write_text(json.dumps({
        "apiVersion": "ztp-prem.tlsstress.art/v1", "kind": "AttestStatus", "node": "leaky",
        "attested": True, "group": "g", "when": "2026-01-01T00:00:00Z",
        "digest": "sha256:PLANTED0123"}))

    # Valid simulated documents conform to the probes' published schemas.
    store = {}
    for path in sorted((source / "schema").glob("*.schema.json")):
        schema = json.loads(path.read_text())
        store[schema["$id"]] = schema
    resolver_for = lambda schema: jsonschema.RefResolver.from_schema(schema, store=store)
    schemas = {"CCStatus": store.get("https://ztp-prem.tlsstress.art/schema/v1/ccstatus.json"),
               "TPMStatus": store.get("https://ztp-prem.tlsstress.art/schema/v1/tpmstatus.json"),
               "AttestStatus": store.get("https://ztp-prem.tlsstress.art/schema/v1/attest.json")}
    checked = 0
    for path in sorted(state.glob("*.json"))[:400] + sorted(state.glob("*.attest.json")):
        try:
            doc = json.loads(path.read_text())
        except ValueError:
            continue
        schema = schemas.get(doc.get("kind")) if isinstance(doc, dict) else None
        if schema is None or len(path.read_bytes()) > 65536:
            continue
        errors = list(jsonschema.Draft202012Validator(schema, resolver=resolver_for(schema)).iter_errors(doc))
        # The simulator plants a few defects on purpose; the others must be clean.
        planted = doc.get("node") != path.name.split(".")[0] or "generatedAt" in str([e.path for e in errors]) \
            or doc.get("mode") == "sev-tio" or doc.get("family") == "tpm3" or doc.get("apiVersion") != "ztp-prem.tlsstress.art/v1"
        if errors and not planted and path.name not in ("leaky.cc.json", "leaky.attest.json"):
            check(False, f"simulated {path.name} fails its schema: {errors[0].message}")
        checked += 1
    check(checked > 100, f"only {checked} simulated documents schema-checked")

    proc = subprocess.Popen([str(bin_dir / "ztp-prem-fleet"), "--source", f"dir:{state}",
                             "--listen", "127.0.0.1:0", "--dashboard-dir", str(pathlib.Path(tmp) / "none")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        base = line.split(" on ")[1].split("/admin")[0]
        for _ in range(200):
            if get(base, "/readyz")[0] == 200:
                break
            time.sleep(0.05)

        status, headers, body = get(base, "/api/v1/openapi.json")
        api = json.loads(body)
        check(api["openapi"].startswith("3.0"), "not OpenAPI 3.0")
        defs = to_json_schema(api["components"]["schemas"])

        def validate(name, instance, what):
            schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs,
                      "$ref": f"#/$defs/{name}"}
            for error in jsonschema.Draft202012Validator(schema).iter_errors(instance):
                check(False, f"{what}: {error.json_path}: {error.message}")

        responses = []
        status, headers, body = get(base, "/api/v1/fleet")
        check(status == 200, "fleet status")
        fleet = json.loads(body)
        validate("Fleet", fleet, "GET /api/v1/fleet")
        responses.append(body)
        check(fleet["nodes"] == 501, f"nodes {fleet['nodes']}")

        names = []
        for query in ["", "?limit=1000", "?mode=tdx&sort=-lastSeen", "?stale=true", "?family=absent&readiness=none",
                      "?q=gpu&sort=readiness&limit=7", "?wave=canary", "?sort=-name&limit=1",
                      "?missing=eventLog", "?missing=tpm2&readiness=none&sort=family"]:
            status, headers, body = get(base, "/api/v1/nodes" + query)
            check(status == 200, f"nodes{query} status {status}")
            page = json.loads(body)
            validate("NodePage", page, "GET /api/v1/nodes" + query)
            responses.append(body)
            names += [row["name"] for row in page["items"]]
        # The verdicts are counted, listed by ?attested= and shown in the row and the detail.
        attestation = fleet["attestation"]
        check((attestation["attested"], attestation["refused"]) == (2, 1), f"attestation counts {attestation}")
        check(attestation["none"] == 501 - 3, f"attestation none {attestation['none']}")
        check(attestation["reasons"] == {"digest-not-approved": 1, "secret-unknown": 0},
              f"attestation reasons {attestation['reasons']}")
        for value, want in [("true", 2), ("false", 1), ("none", 498)]:
            page = json.loads(get(base, f"/api/v1/nodes?attested={value}&limit=1000")[2])
            validate("NodePage", page, f"GET /api/v1/nodes?attested={value}")
            check(page["total"] == want, f"?attested={value} total {page['total']}, want {want}")
        refused = json.loads(get(base, f"/api/v1/nodes/{simulated[2]}")[2])
        validate("NodeDetail", refused, "refused node detail")
        check(refused["row"]["attestation"] == {"attested": False, "group": "workers",
                                                "when": "2026-01-01T00:00:00Z", "reason": "digest-not-approved"},
              f"refused row attestation {refused['row']['attestation']}")
        check(refused["attest"]["kind"] == "AttestStatus", "detail without the attest document")
        # Every part is counted, and each count is what ?missing=PART lists.
        parts = fleet["tpm"]["missingParts"]
        check(list(parts) == ["tpm2", "driver", "hardwareChip", "resourceManager", "eventLog"],
              f"tpm.missingParts keys {list(parts)}")
        check(sum(parts.values()) > 0, "simulated fleet has no node missing a part")
        for part, n in parts.items():
            page = json.loads(get(base, f"/api/v1/nodes?missing={part}&limit=1000")[2])
            check(page["total"] == n, f"?missing={part} total {page['total']}, fleet says {n}")
            check(all(part in row["missingParts"] for row in page["items"]), f"?missing={part} row without it")
        # Follow continue tokens to the end.
        token, seen = None, 0
        while True:
            status, headers, body = get(base, "/api/v1/nodes?limit=200" + (f"&continue={token}" if token else ""))
            page = json.loads(body)
            validate("NodePage", page, "paged nodes")
            seen += len(page["items"])
            token = page["continue"]
            if token is None:
                break
        check(seen == 501, f"paging saw {seen} rows")

        for name in ["leaky"] + names[:40]:
            status, headers, body = get(base, f"/api/v1/nodes/{name}")
            check(status == 200, f"node {name} status {status}")
            validate("NodeDetail", json.loads(body), f"GET /api/v1/nodes/{name}")
            responses.append(body)
        leaky = json.loads(get(base, "/api/v1/nodes/leaky")[2])
        check(leaky["row"]["state"] == "invalid" and len(leaky["row"]["invalidReasons"]) == 3,
              "planted documents not reported invalid")
        check(leaky["row"]["attestation"] is None and leaky["attest"] is None,
              "an invalid verdict is shown")

        for path, code in [("/api/v1/nodes/nope", 404), ("/api/v1/nodes?mode=x", 400),
                           ("/api/v1/nodes?limit=0", 400), ("/api/v1/nodes?continue=zz", 400),
                           ("/api/v1/nodes?missing=firmware", 400), ("/api/v1/nodes?missing=", 400),
                           ("/api/v1/nodes?attested=yes", 400)]:
            status, headers, body = get(base, path)
            check(status == code, f"{path} gave {status}, want {code}")
            validate("Error", json.loads(body), path)
        for path in ["/healthz", "/readyz"]:
            status, headers, body = get(base, path)
            validate("Status", json.loads(body), path)

        # The enforcement report, as `ztp-prem-enforce preflight --format json` writes it
        # (enforcement.json beside the documents): served as published, and checked.
        status, headers, body = get(base, "/api/v1/enforcement")
        check(status == 200, f"enforcement status {status}")
        enforcement = json.loads(body)
        validate("Enforcement", enforcement, "GET /api/v1/enforcement")
        check(enforcement["status"] == "valid", f"enforcement {enforcement.get('reason')}")
        enforcement_schema = json.loads((source / "schema/enforcement.v1.schema.json").read_text())
        for error in jsonschema.Draft202012Validator(enforcement_schema).iter_errors(enforcement.get("report")):
            check(False, f"enforcement report: {error.message}")
        check(enforcement.get("report") == report, "enforcement report not served as published")
        status, headers, body = get(base, "/metrics")
        check(b"ztp_prem_tierb_pods_on_ineligible_nodes 1\n" in body, "metric tierb pods on ineligible nodes")
        check(b"ztp_prem_tierb_eligible_nodes 2\n" in body, "metric eligible nodes")
        # A report with planted values is invalid: the reason says where, never what.
        planted = dict(report, mode="PLANTED-mode", extra="PLANTED-EK-0042")
        (state / "enforcement.json.tmp").write_text(json.dumps(planted))
        (state / "enforcement.json.tmp").rename(state / "enforcement.json")
        for _ in range(100):
            enforcement = json.loads(get(base, "/api/v1/enforcement")[2])
            if enforcement["status"] != "valid":
                break
            time.sleep(0.05)
        validate("Enforcement", enforcement, "GET /api/v1/enforcement (invalid)")
        check(enforcement["status"] == "invalid" and "report" not in enforcement,
              f"planted report served as {enforcement['status']}")
        responses.append(json.dumps(enforcement).encode())

        status, headers, body = get(base, "/metrics")
        check(b"ztp_prem_tierb_" not in body, "figures of an invalid report exported")
        responses.append(body)
        for part, n in parts.items():
            check(f'ztp_prem_fleet_tpm_missing_part_nodes{{part="{part}"}} {n}'.encode() in body,
                  f"metric for missing part {part}")
        for verdict, n in [("attested", 2), ("refused", 1), ("none", 498)]:
            check(f'ztp_prem_fleet_attestation_nodes{{verdict="{verdict}"}} {n}'.encode() in body,
                  f"metric for attestation {verdict}")
        status, headers, body = get(base, "/admin/ztp-prem")
        check(status == 200 and b"not built" in body, "dashboard-not-built page")
        for header, value in [("Content-Security-Policy", None), ("X-Content-Type-Options", "nosniff"),
                              ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY")]:
            check(header in headers and (value is None or headers[header] == value), f"header {header}")
        check("Access-Control-Allow-Origin" not in headers, "CORS header present")
        check("'unsafe-inline'" not in headers.get("Content-Security-Policy", ""), "CSP allows inline")

        for body in responses:
            check(b"PLANTED" not in body, "a planted value from an invalid document leaked")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    check(proc.returncode == 0, f"service exit code {proc.returncode} on SIGTERM")

print(f"api contract: {len(failures)} failed")
sys.exit(1 if failures else 0)
