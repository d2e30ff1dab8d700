#!/usr/bin/python3
"""schema/attest.v1.schema.json: the verifier's published verdicts (testdata/attest/*.json,
which tests/attest/verdict_test.cpp shows are byte for byte what ztp-prem-attest writes)
validate; every broken rule is refused, a digest or identifier field above all.
Usage: attest_schema_test.py SOURCE_DIR"""
import json
import pathlib
import sys

import jsonschema

source = pathlib.Path(sys.argv[1])
schema = json.loads((source / "schema" / "attest.v1.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = 0

fixtures = sorted((source / "testdata" / "attest").glob("verdict-*.json"))
for path in fixtures:
    errors = list(validator.iter_errors(json.loads(path.read_text())))
    for error in errors:
        print(f"FAIL {path.name}: {error.json_path}: {error.message}")
    failures += bool(errors)
if len(fixtures) < 2:
    print("FAIL fewer than two verdict fixtures")
    failures += 1

attested = json.loads((source / "testdata" / "attest" / "verdict-attested.json").read_text())
refused = json.loads((source / "testdata" / "attest" / "verdict-refused.json").read_text())
without_reason = dict(refused)
del without_reason["reason"]
broken = {
    "a refusal without reason": without_reason,
    "an attested node with a reason": dict(attested, reason="digest-not-approved"),
    "a reason never published": dict(refused, reason="nonce-invalid"),
    "a digest": dict(attested, digest="sha256:" + "ab" * 32),
    "an EK certificate": dict(attested, ekCertificate="MIIB"),
    "milliseconds": dict(attested, when="2026-12-02T05:00:00.123Z"),
    "another kind": dict(attested, kind="TPMStatus"),
    "a node name with capitals": dict(attested, node="Worker-1"),
    "an empty group": dict(attested, group=""),
    "attested as a string": dict(attested, attested="true"),
}
for name, doc in broken.items():
    if validator.is_valid(doc):
        print(f"FAIL schema accepts {name}")
        failures += 1
for field in ("apiVersion", "kind", "node", "attested", "group", "when"):
    doc = dict(attested)
    del doc[field]
    if validator.is_valid(doc):
        print(f"FAIL schema accepts a verdict without {field}")
        failures += 1

print(f"{len(fixtures)} verdicts validated, {failures} failed")
sys.exit(1 if failures else 0)
