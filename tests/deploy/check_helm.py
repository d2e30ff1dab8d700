#!/usr/bin/python3
"""The Helm chart deploy/helm/ztp-prem: `helm lint --strict` passes (defaults and everything
on), bad values are refused, and `helm template` renders exactly what `kubectl kustomize`
renders for the same settings (deploy/base = the defaults, with-admission-policy =
admission.mode=own-node, with-audit = auditLog.enabled), object by object, Helm's own two
labels aside. tests/deploy/check_manifests.py runs the manifest checks on the chart's output.
Usage: check_helm.py SOURCE_DIR. Exits 77 (ctest SKIP) without helm or kubectl."""
import difflib
import pathlib
import subprocess
import sys

import yaml
from k8s_tools import tool

src = pathlib.Path(sys.argv[1]).resolve()
chart = src / "deploy/helm/ztp-prem"
HELM_ONLY_LABELS = {"app.kubernetes.io/managed-by", "helm.sh/chart"}
CASES = [("base", []), ("with-admission-policy", ["admission.mode=own-node"]),
         ("with-audit", ["auditLog.enabled=true"])]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")
    return cond


def tools():
    helm, kubectl = tool("helm"), tool("kubectl")
    if not helm or not kubectl:
        print("SKIP: helm or kubectl not built (scripts/k8s-tools builds them)")
        sys.exit(77)
    return helm, kubectl


helm, kubectl = tools()


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


# Lists the API server merges by name, where order means nothing (strategic merge keys).
BY_NAME = {"volumes", "volumeMounts", "env"}


def normalized(node, key=None):
    """Order of by-name lists dropped; whitespace runs in CEL expressions made one space (CEL
    ignores them; kustomize re-folds the YAML scalar)."""
    if isinstance(node, dict):
        return {k: normalized(v, k) for k, v in node.items()}
    if isinstance(node, list):
        items = [normalized(v) for v in node]
        if key in BY_NAME and all(isinstance(i, dict) and "name" in i for i in items):
            items.sort(key=lambda i: i["name"])
        return items
    if key == "expression" and isinstance(node, str):
        return " ".join(node.split())
    return node


def objects(text):
    """(kind, namespace, name) -> object, Helm's own labels dropped."""
    out = {}
    for d in yaml.safe_load_all(text):
        if not d:
            continue
        d = normalized(d)
        labels = d["metadata"].get("labels", {})
        for key in HELM_ONLY_LABELS:
            labels.pop(key, None)
        if not labels:
            d["metadata"].pop("labels", None)
        out[(d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"])] = d
    return out


for values in ([], ["admission.mode=own-node", "auditLog.enabled=true", "fleet.token.value=x",
                    "namespace.name=other", "fleet.allowedHosts={a.example,b.example}"]):
    args = [a for v in values for a in ("--set", v)]
    lint = run(helm, "lint", "--strict", str(chart), *args)
    check(lint.returncode == 0, f"helm lint --strict {values}: {lint.stdout}{lint.stderr}")
for bad in ("admission.mode=enforcing-typo", "namespace.name=", "agents.intervall=30",
            "namespace.name=Not_A_Name", "fleet.replicas=many"):
    out = run(helm, "template", "t", str(chart), "--set", bad)
    check(out.returncode != 0, f"helm template accepts {bad}")

for overlay, values in CASES:
    kustomized = run(kubectl, "kustomize", str(src / "deploy" / overlay))
    args = [a for v in values for a in ("--set", v)]
    templated = run(helm, "template", "ztp-prem", str(chart), *args)
    if not (check(kustomized.returncode == 0, f"kustomize {overlay}: {kustomized.stderr}") and
            check(templated.returncode == 0, f"helm template {values}: {templated.stderr}")):
        continue
    want, got = objects(kustomized.stdout), objects(templated.stdout)
    check(set(want) == set(got), f"{overlay} vs helm {values}: objects differ: only kustomize "
          f"{sorted(set(want) - set(got))}, only helm {sorted(set(got) - set(want))}")
    for key in sorted(set(want) & set(got)):
        if want[key] != got[key]:
            diff = difflib.unified_diff(
                yaml.safe_dump(want[key], sort_keys=True).splitlines(),
                yaml.safe_dump(got[key], sort_keys=True).splitlines(),
                f"kustomize {overlay}", f"helm {' '.join(values)}", lineterm="")
            check(False, f"{overlay}: {key} differs:\n" + "\n".join(diff))
    print(f"helm vs kustomize {overlay}: {len(want)} objects, "
          f"{'identical' if not failures else 'see above'}")
print(f"helm: {len(failures)} problems")
sys.exit(1 if failures else 0)
