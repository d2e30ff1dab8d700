#!/usr/bin/python3
"""A real Kubernetes control plane on loopback for the e2e tests (issue 16): etcd and
kube-apiserver built by scripts/k8s-tools, a throwaway PKI made with OpenSSL, node-bound
service-account tokens, --authorization-mode=Node,RBAC, NodeRestriction and
ValidatingAdmissionPolicy admission. Nothing else runs (no scheduler, kubelet or controllers):
Nodes are created by hand and Pods bound by POSTing pods/binding, as the scheduler would.

  k8s_harness.py up DIR [--tools BIN] [--owner-pid PID]   start; prints the kubeconfig path
  k8s_harness.py down DIR                                 stop and remove the data

`up` leaves a supervisor process running that owns etcd and kube-apiserver; they die with it
(PR_SET_PDEATHSIG), and it tears down on `down`, on SIGTERM/SIGINT, when --owner-pid exits
(ctest killed mid-run) and after a hard lifetime. Tests import this module for Cluster and the
helpers (create_node, bound_pod, node_token, kubelet_identity, api, kubectl)."""
import base64
import ctypes
import json
import os
import pathlib
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]
NAMESPACE = "ztp-prem"
START_TIMEOUT_S = 60
MAX_LIFETIME_S = 3 * 3600  # a forgotten cluster by hand still goes away
OWN_ENTRIES = {"pki", "etcd", "certs", "state.json", "ready", "stopped", "failed",
               "supervisor.pid"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tools_dir(explicit=None):
    """The bin directory of scripts/k8s-tools (built if missing)."""
    if explicit:
        return pathlib.Path(explicit)
    if os.environ.get("ZTP_K8S_TOOLS"):
        return pathlib.Path(os.environ["ZTP_K8S_TOOLS"])
    out = subprocess.run([str(REPO / "scripts/k8s-tools")], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr.strip() or "scripts/k8s-tools failed")
    return pathlib.Path(out.stdout.strip())


# ---- PKI (OpenSSL command line; EC P-256 everywhere) ----

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_cert(pki, name, subject, ca="ca", san=None, client=True):
    """pki/<name>.key + .crt signed by ca; client or server usage."""
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
            f"{name}.key", cwd=pki)
    openssl("req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr", cwd=pki)
    ext = pki / f"{name}.ext"
    usage = "clientAuth" if client else "serverAuth"
    text = f"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage={usage}\n"
    if san:
        text += f"subjectAltName={san}\n"
    ext.write_text(text)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-sha256", "-extfile", ext.name, "-out",
            f"{name}.crt", cwd=pki)


def make_pki(pki):
    pki.mkdir(parents=True, exist_ok=True)
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
            "ca.key", cwd=pki)
    openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=ztp-prem-e2e-ca", "-days",
            "2", "-sha256", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
            "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.crt", cwd=pki)
    make_cert(pki, "apiserver", "/CN=kube-apiserver", san="IP:127.0.0.1,DNS:localhost",
              client=False)
    make_cert(pki, "admin", "/O=system:masters/CN=ztp-prem-e2e-admin")
    # Service-account token signing pair (ES256).
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
            "sa.key", cwd=pki)
    openssl("pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)


def write_kubeconfig(path, server, ca, cert=None, key=None, token=None, namespace=NAMESPACE):
    """A kubeconfig with embedded data (the product's parser and kubectl both read it)."""
    b64 = lambda p: base64.b64encode(pathlib.Path(p).read_bytes()).decode()
    user = {}
    if cert:
        user = {"client-certificate-data": b64(cert), "client-key-data": b64(key)}
    if token:
        user = {"token": token}
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "e2e",
           "clusters": [{"name": "e2e", "cluster": {"server": server,
                                                    "certificate-authority-data": b64(ca)}}],
           "users": [{"name": "e2e", "user": user}],
           "contexts": [{"name": "e2e", "context": {"cluster": "e2e", "user": "e2e",
                                                    "namespace": namespace}}]}
    pathlib.Path(path).write_text(json.dumps(doc, indent=1))
    os.chmod(path, 0o600)
    return pathlib.Path(path)


# ---- processes ----

def _die_with_parent():
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _alive(pid):
    try:
        os.kill(pid, 0)
        # A zombie (exited, not yet reaped) is gone for our purposes.
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rfind(")") + 2] != "Z"
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False


AUDIT_POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create]
    resources:
      - group: ""
        resources: [pods, pods/binding, bindings]
  - level: None
"""


class ControlPlane:
    """etcd + kube-apiserver as children of the calling (supervisor) process."""

    def __init__(self, d, tools):
        self.dir, self.tools = pathlib.Path(d), pathlib.Path(tools)
        self.procs = {}
        state = self.dir / "state.json"
        self.state = json.loads(state.read_text()) if state.exists() else {}

    def spawn(self, name, args):
        log = open(self.dir / f"{name}.log", "ab")
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             preexec_fn=_die_with_parent)
        self.procs[name] = p
        return p

    def start_etcd(self):
        s = self.state
        url = f"http://127.0.0.1:{s['etcd_port']}"
        self.spawn("etcd", [str(self.tools / "etcd"), f"--data-dir={self.dir / 'etcd'}",
                            f"--listen-client-urls={url}", f"--advertise-client-urls={url}",
                            f"--listen-peer-urls=http://127.0.0.1:{s['etcd_peer_port']}",
                            "--unsafe-no-fsync=true", "--log-level=warn"])
        wait_until(lambda: http_ok(f"{url}/health"), 20, "etcd /health", self.procs["etcd"])

    def start_apiserver(self):
        s, pki = self.state, self.dir / "pki"
        port = s["api_port"]
        # An audit log of pod creates and bindings only (the Tier B policies' Audit action
        # writes its annotations there; tests/e2e/enforce_test.py reads them), so the bulk
        # ConfigMap tests add nothing to it.
        (self.dir / "audit-policy.yaml").write_text(AUDIT_POLICY)
        self.spawn("kube-apiserver", [
            str(self.tools / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{s['etcd_port']}",
            "--bind-address=127.0.0.1", f"--secure-port={port}",
            f"--cert-dir={self.dir / 'certs'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--service-account-issuer=https://127.0.0.1:{port}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--service-cluster-ip-range=10.0.0.0/24",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction,ValidatingAdmissionPolicy",
            # No controller creates default service accounts (envtest does the same).
            "--disable-admission-plugins=ServiceAccount",
            "--allow-privileged=true", "--advertise-address=127.0.0.1",
            # 127.0.0.1 is refused by the endpoint reconciler (research/real-apiserver.md).
            "--endpoint-reconciler-type=none",
            # The e2e tests compact etcd themselves; no surprise compaction mid-test.
            "--etcd-compaction-interval=0",
            f"--audit-policy-file={self.dir / 'audit-policy.yaml'}",
            f"--audit-log-path={self.dir / 'audit.log'}",
        ])
        wait_until(lambda: self.readyz(), START_TIMEOUT_S, "kube-apiserver /readyz",
                   self.procs["kube-apiserver"])

    def readyz(self):
        try:
            return admin_request(self.dir, "GET", "/readyz", timeout=2)[0] == 200
        except OSError:
            return False

    def stop(self, name):
        p = self.procs.pop(name, None)
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for name in ("kube-apiserver", "etcd"):
            self.stop(name)


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def wait_until(pred, limit_s, what, proc=None):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if pred():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {limit_s} s waiting for {what}")


def supervise(d, tools, owner_pid):
    """Runs in the background: owns the control plane until told to stop."""
    d = pathlib.Path(d)
    cp = ControlPlane(d, tools)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    # SIGHUP: restart kube-apiserver (same flags, same etcd): its watch cache starts afresh.
    restart = []
    signal.signal(signal.SIGHUP, lambda *_: restart.append(1))
    born = time.monotonic()
    try:
        cp.start_etcd()
        cp.start_apiserver()
        state = dict(cp.state, supervisor_pid=os.getpid(),
                     apiserver_pid=cp.procs["kube-apiserver"].pid, etcd_pid=cp.procs["etcd"].pid)
        (d / "state.json").write_text(json.dumps(state))
        (d / "ready").write_text("ok\n")
        while not stopping:
            if owner_pid and not _alive(owner_pid):
                print("owner process gone: tearing down", flush=True)
                break
            if time.monotonic() - born > MAX_LIFETIME_S:
                print("lifetime over: tearing down", flush=True)
                break
            if restart:
                restart.clear()
                (d / "ready").unlink(missing_ok=True)
                cp.stop("kube-apiserver")
                cp.start_apiserver()
                state["apiserver_pid"] = cp.procs["kube-apiserver"].pid
                (d / "state.json").write_text(json.dumps(state))
                (d / "ready").write_text("ok\n")
            for name, p in list(cp.procs.items()):
                if p.poll() is not None:
                    print(f"{name} exited with {p.returncode}: tearing down", flush=True)
                    stopping.append(1)
            time.sleep(0.2)
    except Exception as e:  # noqa: BLE001 - reported through the log `up` prints
        print(f"start failed: {e}", flush=True)
        (d / "failed").write_text(str(e) + "\n")
    finally:
        cp.stop_all()
        (d / "ready").unlink(missing_ok=True)
        shutil.rmtree(d / "etcd", ignore_errors=True)
        (d / "stopped").write_text("ok\n")


def up(d, tools=None, owner_pid=None):
    """Starts the supervisor; returns the admin kubeconfig path once /readyz is ok."""
    d = pathlib.Path(d).resolve()
    if (d / "ready").exists() and (d / "state.json").exists():
        pid = json.loads((d / "state.json").read_text()).get("supervisor_pid")
        if pid and _alive(pid):
            return d / "admin.kubeconfig"
    tools = tools_dir(tools)
    for t in ("etcd", "kube-apiserver", "kubectl"):
        if not (tools / t).exists():
            raise SystemExit(f"{tools / t} missing (run scripts/k8s-tools)")
    if d.exists() and any(d.iterdir()):
        if not (d / "state.json").exists():
            raise SystemExit(f"{d} is not empty and not a harness directory: refusing to use it")
        for entry in d.iterdir():  # a previous run's leftovers only
            if entry.name in OWN_ENTRIES or entry.suffix == ".log" or entry.name.endswith(".kubeconfig"):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    d.mkdir(parents=True, exist_ok=True)
    make_pki(d / "pki")
    state = {"etcd_port": free_port(), "etcd_peer_port": free_port(), "api_port": free_port(),
             "tools": str(tools)}
    (d / "state.json").write_text(json.dumps(state))
    write_kubeconfig(d / "admin.kubeconfig", f"https://127.0.0.1:{state['api_port']}",
                     d / "pki/ca.crt", d / "pki/admin.crt", d / "pki/admin.key")
    log = open(d / "supervisor.log", "ab")
    sup = subprocess.Popen([sys.executable, __file__, "_supervise", str(d), str(tools),
                            str(owner_pid or 0)], stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, start_new_session=True)
    (d / "supervisor.pid").write_text(f"{sup.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT_S + 30
    while not (d / "ready").exists():
        if sup.poll() is not None or (d / "failed").exists() or time.monotonic() > deadline:
            down(d)
            logs = "".join((d / f).read_text(errors="replace")[-2000:]
                           for f in ("supervisor.log", "kube-apiserver.log", "etcd.log")
                           if (d / f).exists())
            raise SystemExit(f"k8s harness: control plane did not start\n{logs}")
        time.sleep(0.1)
    return d / "admin.kubeconfig"


def down(d):
    d = pathlib.Path(d)
    pid_file = d / "supervisor.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    if _alive(pid) and not (d / "stopped").exists():
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _alive(pid) and not (d / "stopped").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid) and not (d / "stopped").exists():
            os.kill(pid, signal.SIGKILL)  # its children die with it (PDEATHSIG)
    pid_file.unlink(missing_ok=True)


# ---- talking to the server ----

def _ssl_context(d, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=str(pathlib.Path(d) / "pki/ca.crt"))
    if cert:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def admin_request(d, method, path, body=None, timeout=30, **kw):
    d = pathlib.Path(d)
    return request(d, method, path, body, cert=d / "pki/admin.crt", key=d / "pki/admin.key",
                   timeout=timeout, **kw)


def request(d, method, path, body=None, cert=None, key=None, token=None, timeout=30,
            content_type="application/json"):
    """(status, parsed JSON or text) of one request to the API server."""
    d = pathlib.Path(d)
    state = json.loads((d / "state.json").read_text())
    url = f"https://127.0.0.1:{state['api_port']}{path}"
    data = None if body is None else (body if isinstance(body, bytes) else
                                      json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout,
                                    context=_ssl_context(d, cert, key)) as r:
            raw, status = r.read(), r.status
    except urllib.error.HTTPError as e:
        raw, status = e.read(), e.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


class Cluster:
    """A running harness directory, as the tests use it."""

    def __init__(self, d):
        self.dir = pathlib.Path(d).resolve()
        self.state = json.loads((self.dir / "state.json").read_text())
        self.kubeconfig = self.dir / "admin.kubeconfig"
        self.tools = pathlib.Path(self.state["tools"])
        self.server = f"https://127.0.0.1:{self.state['api_port']}"
        self.etcd = f"http://127.0.0.1:{self.state['etcd_port']}"

    def api(self, method, path, body=None, **kw):
        return admin_request(self.dir, method, path, body, **kw)

    def must(self, method, path, body=None, ok=(200, 201), **kw):
        status, out = self.api(method, path, body, **kw)
        if status not in ok:
            raise AssertionError(f"{method} {path}: {status} {out}")
        return out

    def kubectl(self, *args, kubeconfig=None, check=True, input=None):
        out = subprocess.run([str(self.tools / "kubectl"), f"--kubeconfig={kubeconfig or self.kubeconfig}",
                              *args], capture_output=True, text=True, input=input, timeout=120)
        if check and out.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {out.returncode}\n{out.stderr}")
        return out

    # -- helpers the tests need --

    def ensure_namespace(self, ns=NAMESPACE):
        self.must("POST", "/api/v1/namespaces",
                  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                  ok=(201, 409))

    def create_node(self, name):
        self.must("POST", "/api/v1/nodes",
                  {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}, ok=(201, 409))
        return self.must("GET", f"/api/v1/nodes/{name}")

    def ensure_service_account(self, sa, ns=NAMESPACE):
        self.must("POST", f"/api/v1/namespaces/{ns}/serviceaccounts",
                  {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": sa}},
                  ok=(201, 409))

    def bound_pod(self, name, sa, node, ns=NAMESPACE):
        """A Pod running as sa, bound to node by POST pods/binding (no scheduler runs)."""
        self.ensure_service_account(sa, ns)
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": {"serviceAccountName": sa, "automountServiceAccountToken": False,
                        "containers": [{"name": "agent", "image": "ztp-prem:0.1.0"}]}}
        self.must("POST", f"/api/v1/namespaces/{ns}/pods", pod)
        self.must("POST", f"/api/v1/namespaces/{ns}/pods/{name}/binding",
                  {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
                   "target": {"apiVersion": "v1", "kind": "Node", "name": node}})
        return self.must("GET", f"/api/v1/namespaces/{ns}/pods/{name}")

    def node_token(self, sa, pod, ns=NAMESPACE, seconds=3600):
        """TokenRequest bound to the Pod: the token's user carries its node's name."""
        p = self.must("GET", f"/api/v1/namespaces/{ns}/pods/{pod}")
        out = self.must("POST", f"/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token",
                        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                         "spec": {"audiences": [], "expirationSeconds": seconds,
                                  "boundObjectRef": {"apiVersion": "v1", "kind": "Pod",
                                                     "name": pod, "uid": p["metadata"]["uid"]}}})
        return out["status"]["token"]

    def kubelet_identity(self, node):
        """(cert, key) of system:node:<node> in group system:nodes, signed by the cluster CA."""
        pki = self.dir / "pki"
        name = f"kubelet-{node}"
        if not (pki / f"{name}.crt").exists():
            make_cert(pki, name, f"/O=system:nodes/CN=system:node:{node}")
        return pki / f"{name}.crt", pki / f"{name}.key"

    def token_kubeconfig(self, path, token, namespace=NAMESPACE):
        return write_kubeconfig(path, self.server, self.dir / "pki/ca.crt", token=token,
                                namespace=namespace)

    def cert_kubeconfig(self, path, cert, key):
        return write_kubeconfig(path, self.server, self.dir / "pki/ca.crt", cert, key)

    # -- etcd and restarts, for the 410 test --

    def etcd_revision(self):
        body = json.dumps({"key": base64.b64encode(b"/").decode()}).encode()
        with urllib.request.urlopen(urllib.request.Request(f"{self.etcd}/v3/kv/range", body),
                                    timeout=10) as r:
            return int(json.loads(r.read())["header"]["revision"])

    def compact_etcd(self):
        """Compacts etcd's history up to now (etcdctl compact, through etcd's JSON gateway)."""
        rev = self.etcd_revision()
        body = json.dumps({"revision": str(rev), "physical": True}).encode()
        with urllib.request.urlopen(urllib.request.Request(f"{self.etcd}/v3/kv/compaction",
                                                           body), timeout=60) as r:
            r.read()
        return rev

    def restart_apiserver(self):
        """kube-apiserver restarted on the same port and etcd: its watch cache starts afresh."""
        old = self.state["apiserver_pid"]
        (self.dir / "ready").unlink(missing_ok=True)
        os.kill(self.state["supervisor_pid"], signal.SIGHUP)
        wait_until(lambda: (self.dir / "ready").exists() and
                   json.loads((self.dir / "state.json").read_text())["apiserver_pid"] != old,
                   START_TIMEOUT_S + 20, "the restarted kube-apiserver")
        self.state = json.loads((self.dir / "state.json").read_text())


def main(argv):
    if len(argv) >= 2 and argv[1] == "_supervise":
        supervise(argv[2], argv[3], int(argv[4]))
        return 0
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["up", "down"])
    ap.add_argument("dir")
    ap.add_argument("--tools", help="bin directory of scripts/k8s-tools (default: build it)")
    ap.add_argument("--owner-pid", help="tear down when this process exits ('parent': the caller's"
                    " parent, e.g. ctest)")
    args = ap.parse_args(argv[1:])
    if args.command == "up":
        owner = os.getppid() if args.owner_pid == "parent" else int(args.owner_pid or 0)
        print(up(args.dir, args.tools, owner))
    else:
        down(args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
