"""Many ConfigMaps through the real API server fast: keep-alive TLS connections, one per
worker thread (shared by the fleet e2e test and bench/k8s_fleet_bench.py)."""
import http.client
import json
import pathlib
import queue
import ssl
import threading
import time


class Client:
    """One keep-alive HTTPS connection as the harness's admin (or a bearer token)."""

    def __init__(self, cluster, token=None):
        self.cluster, self.token = cluster, token
        self.ctx = ssl.create_default_context(cafile=str(cluster.dir / "pki/ca.crt"))
        if token is None:
            self.ctx.load_cert_chain(str(cluster.dir / "pki/admin.crt"),
                                     str(cluster.dir / "pki/admin.key"))
        self.conn = None

    def call(self, method, path, body=None, content_type="application/json"):
        for attempt in range(3):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection("127.0.0.1", self.cluster.state["api_port"],
                                                        context=self.ctx, timeout=60)
            headers = {"Content-Type": content_type, "Accept": "application/json"}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.2)


def configmap_body(ns, node, data):
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": f"ztp-prem-{node}", "namespace": ns,
                                    "labels": {"app.kubernetes.io/part-of": "ztp-prem",
                                               "ztp-prem.tlsstress.art/node": node}},
                       "data": data})


def simulated_fleet(fleet_dir):
    """node -> {"cc.json": ..., "tpm.json": ...} from `ztp-prem-fleet simulate --out DIR`."""
    nodes = {}
    for p in sorted(pathlib.Path(fleet_dir).iterdir()):
        node, _, kind = p.name.rpartition(".")[0].rpartition(".")
        if kind in ("cc", "tpm"):
            nodes.setdefault(node, {})[f"{kind}.json"] = p.read_text()
    return nodes


def run_parallel(cluster, jobs, worker_count=8, token=None):
    """jobs: (method, path, body, content_type, ok_statuses); returns (seconds, failures)."""
    q = queue.Queue()
    for j in jobs:
        q.put(j)
    failures = []
    lock = threading.Lock()

    def work():
        c = Client(cluster, token)
        while True:
            try:
                method, path, body, ctype, ok = q.get_nowait()
            except queue.Empty:
                return
            status, out = c.call(method, path, body, ctype)
            if status not in ok:
                with lock:
                    failures.append((path, status, out[:300]))

    t0 = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(worker_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0, failures


def create_configmaps(cluster, ns, nodes, worker_count=8):
    jobs = [("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap_body(ns, n, d),
             "application/json", (201,)) for n, d in nodes.items()]
    return run_parallel(cluster, jobs, worker_count)


def paged_list(cluster, ns, limit=100, selector="app.kubernetes.io%2Fpart-of%3Dztp-prem"):
    """The server's own paged list with a plain client: (seconds, names, resourceVersion)."""
    c = Client(cluster)
    names, cont = [], ""
    t0 = time.monotonic()
    while True:
        path = f"/api/v1/namespaces/{ns}/configmaps?labelSelector={selector}&limit={limit}"
        if cont:
            path += f"&continue={cont}"
        status, raw = c.call("GET", path)
        if status != 200:
            raise RuntimeError(f"list: {status} {raw[:200]}")
        doc = json.loads(raw)
        names += [i["metadata"]["name"] for i in doc["items"]]
        cont = doc["metadata"].get("continue")
        if not cont:
            return time.monotonic() - t0, names, doc["metadata"]["resourceVersion"]
