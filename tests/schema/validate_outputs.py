#!/usr/bin/python3
"""Runs every probe binary on every host profile and validates each JSON document
against the schemas in schema/ (JSON Schema 2020-12, python3-jsonschema)."""
import json
import pathlib
import subprocess
import sys

import jsonschema

source = pathlib.Path(sys.argv[1])
bin_dir = pathlib.Path(sys.argv[2])

store = {}
for path in sorted((source / "schema").glob("*.schema.json")):
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    store[schema["$id"]] = schema


def validator_for(schema):
    """A validator that resolves our $refs from schema/, never from the network."""
    try:  # jsonschema >= 4.18 resolves through the referencing library
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            (uri, Resource.from_contents(s)) for uri, s in store.items())
        return jsonschema.Draft202012Validator(schema, registry=registry)
    except ImportError:  # Debian 12's python3-jsonschema 4.10
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


schema_of_kind = {
    "CCStatus": store["https://ztp-prem.tlsstress.art/schema/v1/ccstatus.json"],
}
if "https://ztp-prem.tlsstress.art/schema/v1/tpmstatus.json" in store:
    schema_of_kind["TPMStatus"] = store["https://ztp-prem.tlsstress.art/schema/v1/tpmstatus.json"]

probes = {"cc-": "ztp-prem-detect", "tpm-": "ztp-prem-tpm"}
checked = 0
failures = 0
for profile in sorted((source / "testdata" / "hosts").iterdir()):
    for prefix, binary in probes.items():
        # A TPM probe also runs on CC profiles and vice versa: every host must give a valid document.
        exe = bin_dir / binary
        if not exe.exists():
            continue
        args = [str(exe), "--host-root", str(profile / "root"), "--node", "schema-check"]
        if binary == "ztp-prem-detect":
            cpuid = profile / "cpuid.txt"
            args += ["--cpuid-file", str(cpuid if cpuid.exists() else "/dev/null")]
            if (profile / "msr.txt").exists():
                args += ["--msr-file", str(profile / "msr.txt")]
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"FAIL {profile.name} {binary}: exit {result.returncode}: {result.stderr.strip()}")
            failures += 1
            continue
        doc = json.loads(result.stdout)
        schema = schema_of_kind[doc["kind"]]
        errors = list(validator_for(schema).iter_errors(doc))
        for error in errors:
            print(f"FAIL {profile.name} {binary}: {error.json_path}: {error.message}")
        failures += bool(errors)
        checked += 1

# The schema must also reject what it should: a document with a mode outside the vocabulary.
bad = {"apiVersion": "ztp-prem.tlsstress.art/v1", "kind": "CCStatus", "node": "n", "generatedAt": "2026-01-01T00:00:00Z",
       "wave": "w", "probe": {"name": "ztp-prem-detect", "version": "1"}, "mode": "maybe", "hostCapabilities": [],
       "signals": {}, "evidence": ["x"], "enforcement": "advisory"}
cc = schema_of_kind["CCStatus"]
if validator_for(cc).is_valid(bad):
    print("FAIL schema accepts mode 'maybe'")
    failures += 1

# TPMStatus likewise: a family outside the vocabulary, and "ready" with something missing.
if "TPMStatus" in schema_of_kind:
    tpm = schema_of_kind["TPMStatus"]
    good = dict(bad, kind="TPMStatus", probe={"name": "ztp-prem-tpm", "version": "1"})
    del good["mode"], good["hostCapabilities"]
    good.update(family="tpm2-rm", readiness={"verdict": "ready", "missing": []},
                measuredBoot={"eventLog": True, "ima": False, "pcrBanks": ["sha256"], "firmwareTable": "TPM2"},
                signals={name: False for name in tpm["properties"]["signals"]["required"]})
    if not validator_for(tpm).is_valid(good):
        print("FAIL TPMStatus schema rejects a valid document")
        failures += 1
    for name, doc in {"family 'maybe'": dict(good, family="maybe"),
                      "ready with missing parts": dict(good, readiness={"verdict": "ready", "missing": ["eventLog"]}),
                      "partial without missing parts": dict(good, readiness={"verdict": "partial", "missing": []}),
                      "a PCR value as a bank name": dict(good, measuredBoot=dict(good["measuredBoot"], pcrBanks=["2ED9A0C1D2E3F4A5B6C7"]))}.items():
        if validator_for(tpm).is_valid(doc):
            print(f"FAIL TPMStatus schema accepts {name}")
            failures += 1

print(f"{checked} documents validated, {failures} failed")
sys.exit(1 if failures or checked == 0 else 0)
