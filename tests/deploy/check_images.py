#!/usr/bin/python3
"""The images scripts/images built, loaded and run with buildah (no engine): each OCI archive
loads; the user is 65532; the labels and the created time are the build's; the agents image
has no shell; the CC and TPM probes inside print documents valid against schema/; the fleet
service inside answers /healthz and serves the dashboard, as uid 65532; sizes within budget
(agents < 15 MB, fleet < 40 MB); a second build is byte-identical (SOURCE_DATE_EPOCH).
Usage: check_images.py SOURCE_DIR IMAGES_DIR (scripts/test runs it after scripts/images).
Exits 77 (skip) only when this machine cannot run containers at all (the namespaces
buildah's chroot isolation needs cannot be made)."""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

src, images_dir = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve()
BUDGET = {"agents": 15_000_000, "fleet": 40_000_000}  # bytes of the archive (issue 18)
SHELLS = {"sh", "bash", "dash", "ash", "busybox", "zsh", "ksh"}
failures = []


quiet = False  # while check_catches expects failures


def check(cond, what):
    if not cond:
        failures.append(what)
        if not quiet:
            print(f"FAIL: {what}", flush=True)
    return cond


def container_capability():
    """None when buildah's chroot isolation can work here, else why not: it needs new mount,
    UTS, IPC and PID namespaces (as root, or in a user namespace of its own)."""
    namespaces = ["--mount", "--uts", "--ipc", "--pid", "--fork"]
    if os.geteuid() != 0:
        namespaces = ["--user", "--map-root-user"] + namespaces
    out = subprocess.run(["unshare", *namespaces, "true"], capture_output=True, text=True)
    if out.returncode != 0:
        who = "root" if os.geteuid() == 0 else "this user (no root, user namespaces needed)"
        return f"{who} cannot create the namespaces a container needs: {out.stderr.strip()}"
    return None


if not shutil.which("buildah"):
    raise SystemExit("FAIL: buildah not found (scripts/bootstrap installs it)")
missing = container_capability()
if missing:
    print(f"SKIP: buildah cannot run a container here: {missing}")
    sys.exit(77)

store = tempfile.mkdtemp(prefix="ztp-images-test-")
env = dict(os.environ, STORAGE_DRIVER="vfs", BUILDAH_ISOLATION="chroot")
BUILDAH = ["buildah", "--root", f"{store}/root", "--runroot", f"{store}/run",
           "--storage-driver", "vfs"]


def bh(*args, check_rc=True, timeout=120):
    out = subprocess.run(BUILDAH + list(args), capture_output=True, text=True, env=env,
                         timeout=timeout)
    if check_rc and out.returncode != 0:
        raise SystemExit(f"FAIL: buildah {' '.join(args)}: {out.stderr.strip()}")
    return out


def validator():
    """schema/'s validators, resolved locally (as tests/schema/validate_outputs.py does)."""
    import jsonschema
    store_ = {}
    for path in sorted((src / "schema").glob("*.schema.json")):
        schema = json.loads(path.read_text())
        store_[schema["$id"]] = schema
    kinds = {"CCStatus": "ccstatus", "TPMStatus": "tpmstatus"}

    def validate(doc):
        schema = store_[f"https://ztp-prem.tlsstress.art/schema/v1/{kinds[doc['kind']]}.json"]
        try:
            from referencing import Registry, Resource
            registry = Registry().with_resources(
                (uri, Resource.from_contents(s)) for uri, s in store_.items())
            v = jsonschema.Draft202012Validator(schema, registry=registry)
        except ImportError:  # Debian 12's python3-jsonschema 4.10
            resolver = jsonschema.RefResolver.from_schema(schema, store=store_)
            v = jsonschema.Draft202012Validator(schema, resolver=resolver)
        return [f"{e.json_path}: {e.message}" for e in v.iter_errors(doc)]
    return validate


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(image, archive=None):
    meta = json.loads((images_dir / f"{image}.json").read_text())
    archive = archive or images_dir / f"{image}.tar"
    image_id = bh("pull", "-q", f"oci-archive:{archive}").stdout.strip().splitlines()[-1]
    info = json.loads(bh("inspect", "--type", "image", image_id).stdout)
    oci = info["OCIv1"]
    cfg = oci.get("config", {})
    check(cfg.get("User") == "65532:65532", f"{image}: user {cfg.get('User')!r}, not 65532:65532")
    for key in ("source", "version", "revision", "licenses"):
        label = f"org.opencontainers.image.{key}"
        check(cfg.get("Labels", {}).get(label) == meta["labels"][label],
              f"{image}: label {label} = {cfg.get('Labels', {}).get(label)!r}")
    want = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(meta["sourceDateEpoch"]))
    check(oci.get("created") == want, f"{image}: created {oci.get('created')}, not {want}")
    size = archive.stat().st_size
    if not quiet:
        print(f"{image}: {meta['ref']}: archive {size} bytes ({size / 1e6:.1f} MB, budget "
              f"{BUDGET[image] / 1e6:.0f} MB), {meta['files']} files, {meta['debianPackages']} "
              f"Debian + {meta['npmPackages']} npm packages")
    check(size < BUDGET[image], f"{image}: {size} bytes, over the budget of {BUDGET[image]}")
    container = bh("from", "--name", f"ztp-check-{image}-{os.getpid()}", image_id).stdout.strip()
    return container, meta


def rootfs_files(container):
    mount = bh("mount", container).stdout.strip()
    try:
        return sorted("/" + str(p.relative_to(mount)) for p in pathlib.Path(mount).rglob("*")
                      if not p.is_dir() or p.is_symlink())
    finally:
        bh("umount", container)


def check_sbom(image, files):
    """Every library in the image has its package in the SBOM and its copyright file."""
    sbom = json.loads((images_dir / f"{image}.spdx.json").read_text())
    listed = " ".join(p.get("comment", "") for p in sbom["packages"])
    for f in files:
        if f.endswith(".so") or ".so." in f:
            check(f in listed.split(), f"{image}: {f} is in no SBOM package")
    for p in sbom["packages"]:
        if p.get("supplier") == "Organization: Debian":
            check(f"/usr/share/doc/{p['name']}/copyright" in files,
                  f"{image}: no copyright file for {p['name']}")


def check_no_shell(c):
    files = rootfs_files(c)
    found = [f for f in files if pathlib.PurePath(f).name in SHELLS]
    check(not found, f"agents: a shell in the image: {found}")
    check(bh("run", c, "--", "/bin/sh", "-c", "true", check_rc=False).returncode != 0,
          "agents: /bin/sh ran")
    return files


def check_catches():
    """The checks above fail on a broken agents image: the same files plus /bin/sh, as root."""
    global failures, quiet
    meta = json.loads((images_dir / "agents.json").read_text())
    c = bh("from", "--name", f"ztp-check-bad-{os.getpid()}", "scratch").stdout.strip()
    bh("copy", c, str(images_dir / "stage-agents/rootfs/"), "/")
    bh("copy", c, os.path.realpath("/bin/dash"), "/bin/sh")
    labels = [a for k, v in meta["labels"].items() for a in ("--label", f"{k}={v}")]
    bh("config", "--user", "0:0", *labels, c)
    with tempfile.TemporaryDirectory(prefix="ztp-images-bad-") as tmp:
        bh("commit", "-q", "--timestamp", str(meta["sourceDateEpoch"]), c,
           f"oci-archive:{tmp}/bad.tar")
        bh("rm", c)
        kept, failures, quiet = failures, [], True
        try:
            bad, _ = load("agents", pathlib.Path(tmp) / "bad.tar")
            check_no_shell(bad)
            bh("rm", bad)
        finally:
            caught, failures, quiet = failures, kept, False
    for want in ("user '0:0', not 65532:65532", "agents: a shell in the image: ['/bin/sh']",
                 "agents: /bin/sh ran"):
        check(any(want in c for c in caught), f"the checks miss a broken image: no {want!r} in {caught}")
    print(f"images: a broken agents image (a shell, user 0) fails {len(caught)} checks, as it should")


def check_agents(validate):
    c, meta = load("agents")
    files = check_no_shell(c)
    check_sbom("agents", files)
    for probe, kind in (("/ztp-prem-detect", "CCStatus"), ("/ztp-prem-tpm", "TPMStatus")):
        out = bh("run", c, "--", probe, "--format", "json", check_rc=False)
        if not check(out.returncode == 0, f"agents: {probe} exit {out.returncode}: {out.stderr}"):
            continue
        doc = json.loads(out.stdout)
        check(doc.get("kind") == kind, f"agents: {probe} printed kind {doc.get('kind')}")
        errors = validate(doc)
        check(not errors, f"agents: {probe}'s document is invalid: {errors}")
        print(f"agents: {probe} inside the image: valid {kind}, "
              f"{'mode ' + doc['mode'] if kind == 'CCStatus' else 'family ' + str(doc.get('family'))}")
    bh("rm", c)


def process_uid(marker):
    """The uid of the process whose command line holds marker (the fleet inside buildah)."""
    for proc in pathlib.Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "cmdline").read_bytes().decode(errors="replace") \
                    and (proc / "exe").resolve().name == "ztp-prem-fleet":
                for line in (proc / "status").read_text().splitlines():
                    if line.startswith("Uid:"):
                        return int(line.split()[1])
        except OSError:
            continue
    return None


def check_fleet():
    c, meta = load("fleet")
    files = rootfs_files(c)
    check("/usr/local/share/ztp-prem/dashboard/index.html" in files, "fleet: no dashboard")
    check_sbom("fleet", files)
    state = tempfile.mkdtemp(prefix="ztp-images-state-")
    os.chmod(state, 0o755)
    port = free_port()
    listen = f"127.0.0.1:{port}"
    proc = subprocess.Popen(BUILDAH + ["run", "-v", f"{state}:/state:ro", c, "--",
                                       "/usr/local/bin/ztp-prem-fleet", "--source", "dir:/state",
                                       "--listen", listen],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        status, body = None, b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://{listen}/healthz", timeout=2) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.2)
        check(status == 200, f"fleet: /healthz answered {status}")
        if status == 200:
            with urllib.request.urlopen(f"http://{listen}/admin/ztp-prem", timeout=5) as r:
                body = r.read()
            check(b"<html" in body.lower(), "fleet: /admin/ztp-prem is not the dashboard page")
            uid = process_uid(listen)
            check(uid == 65532, f"fleet: the service runs as uid {uid}, not 65532")
            print(f"fleet: ztp-prem-fleet inside the image answered /healthz 200, served the "
                  f"dashboard, uid {uid}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        if failures:
            print(out.decode(errors="replace"))
        shutil.rmtree(state, ignore_errors=True)
    bh("rm", c, check_rc=False)


def check_reproducible():
    """A second build from the same tree is the same bytes."""
    with tempfile.TemporaryDirectory(prefix="ztp-images-again-") as again:
        meta = json.loads((images_dir / "agents.json").read_text())
        # The first build's inputs (a commit since then changes the revision label).
        labels = meta["labels"]
        e = dict(os.environ, SOURCE_DATE_EPOCH=str(meta["sourceDateEpoch"]),
                 **{f"ZTP_IMAGE_{k.upper()}": labels[f"org.opencontainers.image.{k}"]
                    for k in ("version", "revision", "source", "licenses")})
        out = subprocess.run([str(src / "scripts/images"), again], capture_output=True,
                             text=True, env=e, cwd=src)
        if not check(out.returncode == 0, f"second build failed: {out.stderr}"):
            return
        same = True
        for image in ("agents", "fleet"):
            a = (images_dir / f"{image}.tar").read_bytes()
            b = (pathlib.Path(again) / f"{image}.tar").read_bytes()
            same &= check(a == b, f"{image}: a second build differs (not reproducible)")
        if same:
            print("images: a second build is byte-identical")


try:
    check_agents(validator())
    check_fleet()
    check_reproducible()
    check_catches()
finally:
    subprocess.run(BUILDAH + ["rm", "--all"], capture_output=True, env=env)
    subprocess.run(BUILDAH + ["rmi", "--all", "--force"], capture_output=True, env=env)
    shutil.rmtree(store, ignore_errors=True)
print(f"images: {len(failures)} problems")
sys.exit(1 if failures else 0)
