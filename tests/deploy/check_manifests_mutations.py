#!/usr/bin/python3
"""check_manifests.py must catch what it promises to: each case copies deploy/ and the
Dockerfile to a temporary tree, breaks one promise, and expects the checker to fail with
the matching message (and the unbroken copy to pass). Usage: check_manifests_mutations.py
SOURCE_DIR. Exits 77 (ctest SKIP) when the kubectl of
scripts/k8s-tools is not built."""
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

from k8s_tools import tool

src = sys.argv[1]
checker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_manifests.py")
if not tool("kubectl"):
    print("SKIP: kubectl not built (scripts/k8s-tools); cannot render deploy/ with kustomize")
    sys.exit(77)

FLEET = "deploy/base/fleet.yaml"
HOST_PATH = ("      containers:\n        - name: fleet\n",
             "      volumes:\n        - name: host\n          hostPath:\n            path: /etc\n"
             "      containers:\n        - name: fleet\n")
DROP_NETPOL = ("  - path: audit-tpm.yaml\n",
               "  - path: audit-tpm.yaml\n  - patch: |-\n      $patch: delete\n"
               "      apiVersion: networking.k8s.io/v1\n      kind: NetworkPolicy\n"
               "      metadata:\n        name: ztp-prem-fleet\n")
VERIFIER = "deploy/with-attestation/verifier.yaml"
ATTEST_AGENT = "deploy/with-attestation/agent.yaml"
# (what breaks, file, old text, new text, expected substring of the checker's output)
CASES = [
    ("verifier may list configmaps", VERIFIER, 'verbs: ["get", "create", "patch"]',
     'verbs: ["get", "list", "create", "patch"]', "Role/ztp-prem-attest grants ['list']"),
    ("verifier may read Secrets", VERIFIER, 'resources: ["configmaps"]',
     'resources: ["configmaps", "secrets"]', "Role/ztp-prem-attest: more than get, create, patch"),
    ("verifier runs as root", VERIFIER, "runAsUser: 65532", "runAsUser: 0",
     "Deployment/ztp-prem-attest/verifier: runAsUser 0"),
    ("verifier does not publish", VERIFIER, "            - --publish\n            - k8s\n", "",
     "verdicts not published"),
    ("verifier state in the container", VERIFIER, "dir:/var/lib/ztp-prem-attest/state",
     "dir:/tmp/state", "--state is not on a PersistentVolumeClaim"),
    ("verifier TLS key writable", VERIFIER,
     "              mountPath: /etc/ztp-prem-attest/tls\n              readOnly: true\n",
     "              mountPath: /etc/ztp-prem-attest/tls\n", "--tls-key is not in a read-only Secret mount"),
    ("verifier probes over plain HTTP", VERIFIER, "          livenessProbe:\n            httpGet:\n"
     "              path: /healthz\n              port: https\n              scheme: HTTPS\n",
     "          livenessProbe:\n            httpGet:\n              path: /healthz\n"
     "              port: https\n", "livenessProbe is not HTTPS /healthz"),
    ("verifier Service name missing from --allowed-host", VERIFIER,
     "            - --allowed-host\n            - ztp-prem-attest.ztp-prem.svc\n", "",
     "--allowed-host lacks the Service's DNS names"),
    ("verifier NetworkPolicy admits every namespace", VERIFIER,
     "        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: ztp-prem-attest-agent",
     "        - namespaceSelector: {}\n          podSelector:\n            matchLabels:\n"
     "              app.kubernetes.io/name: ztp-prem-attest-agent",
     "admits more than the attestation agents"),
    ("verifier NetworkPolicy admits another port", VERIFIER,
     "- protocol: TCP\n          port: 8443", "- protocol: TCP\n          port: 9443", "not TCP 8443"),
    ("verifier bound cluster-wide", VERIFIER, "kind: RoleBinding\nmetadata:\n  name: ztp-prem-attest",
     "kind: ClusterRoleBinding\nmetadata:\n  name: ztp-prem-attest", "binds ztp-prem-attest"),
    ("attestation agent on every node", ATTEST_AGENT,
     '      nodeSelector:\n        ztp-prem.tlsstress.art/attest: "true"\n', "",
     "not opt-in by the node label"),
    ("attestation agent gets a token", ATTEST_AGENT, "automountServiceAccountToken: false",
     "automountServiceAccountToken: true", "mounts a service account token"),
    ("attestation agent mounts the host's /dev", ATTEST_AGENT, "path: /dev/tpmrm0\n            type: CharDevice",
     "path: /dev\n            type: Directory", "host paths"),
    ("attestation agent adds a capability", ATTEST_AGENT,
     '            capabilities:\n              drop: ["ALL"]\n          resources:\n            requests:\n'
     '              cpu: 10m',
     '            capabilities:\n              drop: ["ALL"]\n              add: ["SYS_ADMIN"]\n'
     '          resources:\n            requests:\n              cpu: 10m',
     "capabilities not all dropped"),
    ("attestation agent asks another verifier", ATTEST_AGENT,
     "            - https://ztp-prem-attest.ztp-prem.svc:8443\n",
     "            - https://verifier.example:8443\n", "is not the Service"),
    ("attestation agent's hold container privileged", ATTEST_AGENT,
     "            runAsUser: 65532\n            runAsGroup: 65532\n            privileged: false",
     "            runAsUser: 65532\n            runAsGroup: 65532\n            privileged: true",
     "privileged or root containers"),
    ("fleet runs as an agent's account", FLEET, "serviceAccountName: ztp-prem-fleet",
     "serviceAccountName: ztp-prem-detect", "serviceAccountName ztp-prem-detect"),
    ("fleet runs the agent image", FLEET, "image: ztp-prem-fleet", "image: ztp-prem",
     "is not the fleet image"),
    ("fleet reads a directory", FLEET, "            - k8s\n", "            - dir:/data\n",
     "args lack --source k8s"),
    ("fleet listens on loopback only", FLEET, "- 0.0.0.0:8080", "- 127.0.0.1:8080",
     "is not reachable from the Service"),
    ("container port differs from --listen", FLEET, "containerPort: 8080", "containerPort: 8081",
     "is not the --listen port"),
    ("readiness probe on another port", FLEET, "path: /readyz\n              port: http",
     "path: /readyz\n              port: 9090", "readinessProbe port 9090"),
    ("liveness probe on another path", FLEET, "path: /healthz", "path: /", "is not httpGet /healthz"),
    ("Service targets another port", FLEET, "targetPort: http", "targetPort: 9090",
     "targetPort 9090 is not the container port"),
    ("writable root filesystem", FLEET, "readOnlyRootFilesystem: true",
     "readOnlyRootFilesystem: false", "Deployment/ztp-prem-fleet/fleet: readOnlyRootFilesystem"),
    ("runs as root", FLEET, "runAsUser: 65532", "runAsUser: 0", "runAsUser 0, not 65532"),
    ("capabilities kept", FLEET, 'drop: ["ALL"]', 'drop: ["NET_RAW"]',
     "Deployment/ztp-prem-fleet/fleet: drop ALL"),
    ("no memory limit", FLEET, "              memory: 384Mi\n", "", "memory request and limit"),
    ("memory limit below the sized fleet", FLEET, "memory: 384Mi", "memory: 256Mi",
     "is below the 384Mi"),
    ("a Service name missing from --allowed-host", FLEET,
     "            - --allowed-host\n            - ztp-prem-fleet.ztp-prem.svc\n", "",
     "--allowed-host lacks the Service's DNS names"),
    ("hostPath in the fleet pod", FLEET, *HOST_PATH, "mounts a hostPath"),
    ("NetworkPolicy admits any pod", FLEET, 'ztp-prem.tlsstress.art/fleet-reader: "true"',
     'app.kubernetes.io/name: anything', "admits pods other than the labelled fleet readers"),
    ("NetworkPolicy readers in its own namespace only", FLEET,
     "        - namespaceSelector: {}\n          podSelector:",
     "        - podSelector:", "readers limited to some namespaces"),
    ("NetworkPolicy admits another port", FLEET, "- protocol: TCP\n          port: 8080",
     "- protocol: TCP\n          port: 9090", "not TCP 8080"),
    ("NetworkPolicy admits every port", FLEET,
     "      ports:\n        # A number, not the port name: some network plugins mishandle named ports.\n"
     "        - protocol: TCP\n          port: 8080\n", "", "a rule admits every port"),
    ("NetworkPolicy selects other pods", FLEET,
     "  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: ztp-prem-fleet\n  policyTypes",
     "  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: other\n  policyTypes",
     "NetworkPolicy/ztp-prem-fleet: does not select the fleet pods"),
    ("another policy opens every pod", "deploy/base/kustomization.yaml", "  - fleet.yaml\n",
     "  - fleet.yaml\n  - allow-all.yaml\n", "NetworkPolicy/allow-all also selects the fleet pods"),
    ("fleet may get configmaps", "deploy/base/fleet-rbac.yaml", 'verbs: ["list", "watch"]',
     'verbs: ["get", "list", "watch"]', "Role/ztp-prem-fleet: verbs"),
    ("an overlay drops the NetworkPolicy", "deploy/with-audit/kustomization.yaml", *DROP_NETPOL,
     "with-audit: NetworkPolicy/ztp-prem-fleet: want exactly one"),
    ("default stage is not the agents'", "Dockerfile", "FROM scratch AS agents",
     "FROM scratch AS agents\nCOPY --from=agents-rootfs /out/agents/rootfs/ /\nFROM scratch AS late",
     "last stage is not agents"),
    ("fleet image on debian", "Dockerfile", "FROM scratch AS fleet", "FROM debian:12-slim AS fleet",
     "stage fleet is FROM debian:12-slim"),
    ("fleet image runs as root", "Dockerfile", "USER 65532:65532\nEXPOSE", "USER 0:0\nEXPOSE",
     "stage fleet: USER is not 65532:65532"),
    ("agents image gets a shell", "Dockerfile", "COPY --from=agents-rootfs /out/agents/rootfs/ /\n",
     "COPY --from=agents-rootfs /out/agents/rootfs/ /\nCOPY --from=build /bin/sh /bin/sh\n",
     "stage agents: copies"),
    ("fleet root file system staged another way", "Dockerfile",
     "RUN python3 scripts/image-rootfs.py fleet", "RUN python3 scripts/other.py fleet",
     "stage fleet: its root file system is not staged by image-rootfs.py"),
    ("chart: agents may list configmaps", "deploy/helm/ztp-prem/templates/rbac.yaml",
     'verbs: ["get", "create", "patch"]', 'verbs: ["get", "list", "create", "patch"]',
     "Role/ztp-prem-agent grants ['list']"),
    ("chart: writable host path", "deploy/helm/ztp-prem/templates/daemonsets.yaml",
     "            - name: host-dev\n              mountPath: /host/dev\n              readOnly: true\n",
     "            - name: host-dev\n              mountPath: /host/dev\n              readOnly: false\n",
     "hostPath host-dev not read-only"),
    ("chart: policy for the wrong namespace", "deploy/helm/ztp-prem/templates/admission-policy.yaml",
     "kubernetes.io/metadata.name: {{ $ns }}", "kubernetes.io/metadata.name: ztp-prem",
     "helm everything on, namespace ztp-prem-helm: binding not limited to ztp-prem-helm"),
    ("enforce controller may list secrets", "deploy/with-enforcement/controller.yaml",
     'resources: ["jobs", "cronjobs"]', 'resources: ["jobs", "cronjobs", "secrets"]',
     "ClusterRole/ztp-prem-enforce lists"),
    ("enforce controller cannot list cronjobs", "deploy/with-enforcement/controller.yaml",
     'resources: ["jobs", "cronjobs"]', 'resources: ["jobs"]',
     "ClusterRole/ztp-prem-enforce lists"),
    ("agents may write the verdict", "deploy/with-admission-policy/admission-policy.yaml",
     "      reason: Forbidden\n", "",
     "with-admission-policy: policy does not keep attest.json from the agents"),
    ("chart: verdict compared to itself", "deploy/helm/ztp-prem/templates/admission-policy.yaml",
     "        [oldObject.data['attest.json']] : []", "        [object.data['attest.json']] : []",
     "policy variable verdictBefore does not read oldObject.data['attest.json']"),
    ("Dockerfile entrypoint differs from the list", "deploy/images/contents",
     "agents entrypoint /ztp-prem-detect", "agents entrypoint /ztp-prem-tpm",
     "stage agents: ENTRYPOINT"),
    ("dashboard not where the binary looks", "deploy/images/contents",
     "fleet dashboard /usr/local/share/ztp-prem/dashboard",
     "fleet dashboard /usr/share/ztp-prem/dashboard", "is not where the binary looks"),
]


def run(tree):
    out = subprocess.run([sys.executable, checker, tree], capture_output=True, text=True)
    return out.returncode, out.stdout + out.stderr


def run_case(clean, tmp, i, case):
    """One broken copy; returns a failure message, or None when the checker caught it."""
    what, path, old, new, expect = case
    tree = os.path.join(tmp, f"case{i}")
    shutil.copytree(clean, tree)
    target = os.path.join(tree, path)
    text = open(target).read()
    if text.count(old) != 1:
        return f"{what}: {path} no longer holds the text to break exactly once"
    open(target, "w").write(text.replace(old, new))
    code, output = run(tree)
    if code == 1 and expect in output:
        return None
    return f"{what}: checker exited {code}, want 1 with '{expect}':\n{output}"


with tempfile.TemporaryDirectory() as tmp:
    clean = os.path.join(tmp, "clean")
    shutil.copytree(os.path.join(src, "deploy"), os.path.join(clean, "deploy"))
    shutil.copy(os.path.join(src, "Dockerfile"), clean)
    # Used only by the case that lists it in the kustomization.
    with open(os.path.join(clean, "deploy/base/allow-all.yaml"), "w") as f:
        f.write("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                "metadata: {name: allow-all}\n"
                "spec: {podSelector: {}, policyTypes: [Ingress], ingress: [{}]}\n")
    code, output = run(clean)
    problems = [] if code == 0 else [f"the unbroken copy does not pass:\n{output}"]
    # Each case renders three overlays with kubectl: run them side by side.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda ic: run_case(clean, tmp, *ic), enumerate(CASES))
        problems += [r for r in results if r]
for p in problems:
    print("FAIL:", p)
failed = len(problems)
passed = len(CASES) + 1 - failed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
