#!/usr/bin/python3
"""Every deploy/ overlay is accepted by a real kube-apiserver: kubectl apply --server-side,
server-side dry run first (Namespace first: see e2e_common.apply_overlay), then for real; a
second apply changes nothing. Usage: deploy_test.py CLUSTER_DIR BIN_DIR"""
import pathlib

import e2e_common as e

cluster_dir, _ = e.args()
cluster = e.cluster_or_skip(cluster_dir)
f = e.Failures()

overlays = sorted(p.parent.name for p in (e.REPO / "deploy").glob("*/kustomization.yaml"))
f.check({"base", "with-admission-policy", "with-audit"} <= set(overlays), f"overlays: {overlays}")
for overlay in overlays:
    for r in e.apply_overlay(cluster, overlay, dry_run=True):
        f.check(r.returncode == 0, f"{overlay}: server-side dry run refused: {r.stderr.strip()}")
    for r in e.apply_overlay(cluster, overlay):
        f.check(r.returncode == 0, f"{overlay}: apply refused: {r.stderr.strip()}")
        # The namespace's warn=restricted flags the read-only hostPath volumes (expected:
        # enforce is privileged); nothing else may warn.
        for line in r.stderr.splitlines():
            if line.startswith("Warning:"):
                f.check("hostPath" in line or "restricted" in line,
                        f"{overlay}: unexpected warning: {line}")
    again = e.apply_overlay(cluster, overlay)
    for r in again:
        changed = [l for l in r.stdout.splitlines() if l.strip() and not l.endswith("serverside-applied")]
        f.check(r.returncode == 0 and not changed, f"{overlay}: re-apply: {r.stdout} {r.stderr}")

# What the server holds is what the manifests say (spot checks the fake could never make).
e.install(cluster)
ds = cluster.must("GET", f"/apis/apps/v1/namespaces/{e.NAMESPACE}/daemonsets/ztp-prem-detect")
f.check(ds["spec"]["template"]["spec"]["serviceAccountName"] == "ztp-prem-detect", "detect SA")
vap = cluster.must("GET", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/"
                   "ztp-prem-own-node-configmap")
# The server type-checks the CEL against the ConfigMap schema: no warnings in its status.
f.check(not vap.get("status", {}).get("typeChecking", {}).get("expressionWarnings"),
        f"policy type-check warnings: {vap.get('status')}")
ns = cluster.must("GET", f"/api/v1/namespaces/{e.NAMESPACE}")
f.check(ns["metadata"]["labels"].get("pod-security.kubernetes.io/enforce") == "privileged",
        "namespace pod-security labels")
# helm (v4, built with the tools) talks to the same cluster with the same kubeconfig.
import subprocess
h = subprocess.run([str(cluster.tools / "helm"), "--kubeconfig", str(cluster.kubeconfig), "list",
                    "-A"], capture_output=True, text=True, timeout=60)
f.check(h.returncode == 0, f"helm list: {h.stderr}")
f.finish("e2e.deploy_overlays")
