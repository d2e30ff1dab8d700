#!/usr/bin/python3
"""Stages one image's root file system from deploy/images/contents, for scripts/images
(buildah) and the Dockerfile alike, so both ways build the same contents.

  image-rootfs.py IMAGE BIN_DIR DASHBOARD_DIR OUT_DIR

writes OUT_DIR/rootfs/ (binaries stripped, exactly the shared libraries `ldd` names, each
owning Debian package's /usr/share/doc/<pkg>/copyright, the SBOM at
/usr/share/doc/ztp-prem/sbom.spdx.json), OUT_DIR/sbom.spdx.json and OUT_DIR/config.json
(user, entrypoint, cmd, ports, labels for the builder).
  image-rootfs.py --buildah-args STAGE_DIR         the `buildah config` flags, one a line
  image-rootfs.py --summary STAGE_DIR ARCHIVE REF EPOCH   writes ARCHIVE's .json summary The SBOM comes from dpkg's own
records: `dpkg-query -S` names each file's package, `dpkg-query -W` its version.
Environment: SOURCE_DATE_EPOCH (the SBOM's creation time), ZTP_IMAGE_VERSION,
ZTP_IMAGE_REVISION, ZTP_IMAGE_SOURCE, ZTP_IMAGE_LICENSES (the OCI labels)."""
import datetime
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
CONTENTS = REPO / "deploy/images/contents"
CONFIG_KEYS = ("user", "entrypoint", "cmd", "port", "title")
SBOM_PATH = "/usr/share/doc/ztp-prem/sbom.spdx.json"


def read_contents(image, path=CONTENTS):
    """(files, config) of IMAGE: files are (kind, source, dest); config maps key -> values."""
    files, config = [], {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) < 3:
            raise SystemExit(f"{path}:{number}: want IMAGE KIND ARGS...")
        name, kind, args = words[0], words[1], words[2:]
        if name != image:
            continue
        if kind in ("bin", "link") and len(args) == 2:
            files.append((kind, args[0], args[1]))
        elif kind == "dashboard" and len(args) == 1:
            files.append((kind, None, args[0]))
        elif kind in CONFIG_KEYS:
            config.setdefault(kind, []).append(" ".join(args) if kind == "title" else args[0])
        else:
            raise SystemExit(f"{path}:{number}: unknown entry {line.strip()!r}")
    return files, config


def images(path=CONTENTS):
    return sorted({l.split()[0] for l in path.read_text().splitlines()
                   if l.split() and not l.startswith("#")})


def ldd_closure(binary):
    """The absolute paths `ldd` resolves for binary (the loader included, vDSO left out)."""
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    if "not a dynamic executable" in out.stdout + out.stderr:
        return []
    if out.returncode != 0:
        raise SystemExit(f"ldd {binary}: {out.stderr.strip()}")
    paths = []
    for line in out.stdout.splitlines():
        m = re.match(r"\s*(\S+)(?: => (\S+))?", line)
        target = m.group(2) or m.group(1)
        if "not found" in line:
            raise SystemExit(f"{binary}: {m.group(1)} not found")
        if target.startswith("/"):
            paths.append(target)
    return paths


def owner(path):
    """(package, version) dpkg records for path. Debian 12 merged /usr, so a library may be
    recorded under /lib or /usr/lib, and under its soname link or its real file."""
    candidates = []
    for p in (path, os.path.realpath(path)):
        for q in (p, p[4:] if p.startswith("/usr/") else "/usr" + p):
            if q not in candidates:
                candidates.append(q)
    for q in candidates:
        out = subprocess.run(["dpkg-query", "-S", q], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            pkgs, _, listed = line.partition(": ")
            if listed == q and "diversion" not in pkgs:
                pkg = pkgs.split(",")[0].strip().split(":")[0]  # without ":amd64"
                version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                                         capture_output=True, text=True, check=True).stdout
                return pkg, version
    raise SystemExit(f"{path}: no Debian package owns it (dpkg-query -S)")


def install(src, dest, mode):
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    os.chmod(dest, mode)


def npm_packages(dashboard_dir):
    """The dashboard's production npm packages (bundled into its build) from the lockfile."""
    lock = REPO / "dashboard/package-lock.json"
    if not lock.exists():
        return []
    packages = json.loads(lock.read_text()).get("packages", {})
    out = []
    for key, meta in sorted(packages.items()):
        if not key.startswith("node_modules/") or meta.get("dev") or meta.get("devOptional"):
            continue
        out.append((key.rsplit("node_modules/", 1)[1], meta.get("version", ""),
                    meta.get("license", "NOASSERTION")))
    return out


def stage(image, bin_dir, dashboard_dir, out_dir):
    files, config = read_contents(image)
    if not files:
        raise SystemExit(f"{CONTENTS}: no image {image!r} (images: {', '.join(images())})")
    rootfs = out_dir / "rootfs"
    if rootfs.exists():
        shutil.rmtree(rootfs)
    rootfs.mkdir(parents=True)
    debian = {}  # package -> (version, [paths in the image])
    own = []     # paths of ztp-prem's own files
    npm = []
    for kind, source, dest in files:
        target = rootfs / dest.lstrip("/")
        if kind == "link":
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(source, target)
            own.append(dest)
        elif kind == "bin":
            binary = bin_dir / source
            if not binary.exists():
                raise SystemExit(f"{binary}: not built (cmake --build --preset release "
                                 f"--target {source})")
            target.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["strip", "-o", str(target), str(binary)], check=True)
            os.chmod(target, 0o755)
            own.append(dest)
            for lib in ldd_closure(binary):
                install(lib, rootfs / lib.lstrip("/"), 0o755)
                pkg, version = owner(lib)
                debian.setdefault(pkg, (version, []))[1].append(lib)
        elif kind == "dashboard":
            if not (dashboard_dir / "index.html").exists():
                raise SystemExit(f"{dashboard_dir}: no built dashboard (cd dashboard && npm ci "
                                 f"&& npm run build)")
            for src in sorted(dashboard_dir.rglob("*")):
                if src.is_file():
                    install(src, target / src.relative_to(dashboard_dir), 0o644)
            own.append(dest + "/")
            npm = npm_packages(dashboard_dir)
    for pkg in debian:
        copyright_file = pathlib.Path("/usr/share/doc") / pkg / "copyright"
        if not copyright_file.exists():
            raise SystemExit(f"{copyright_file}: missing (the package's license file)")
        install(copyright_file, rootfs / str(copyright_file).lstrip("/"), 0o644)
        debian[pkg][1].append(str(copyright_file))
    labels = oci_labels(config)
    sbom = spdx(image, labels, own, debian, npm)
    text = json.dumps(sbom, indent=2, sort_keys=True) + "\n"
    (out_dir / "sbom.spdx.json").write_text(text)
    sbom_in_image = rootfs / SBOM_PATH.lstrip("/")
    sbom_in_image.parent.mkdir(parents=True, exist_ok=True)
    sbom_in_image.write_text(text)
    os.chmod(sbom_in_image, 0o644)
    for d in [rootfs, *rootfs.rglob("*")]:
        if d.is_dir() and not d.is_symlink():
            os.chmod(d, 0o755)
    (out_dir / "config.json").write_text(json.dumps(
        {"config": config, "labels": labels, "debianPackages": len(debian),
         "npmPackages": len(npm)}, indent=2, sort_keys=True) + "\n")
    return len(debian), len(npm)


def git(*args):
    out = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def project_version():
    m = re.search(r"project\(ztp-prem VERSION (\S+)", (REPO / "CMakeLists.txt").read_text())
    return m.group(1) if m else "0.0.0"


def oci_labels(config):
    """The OCI image spec's annotations (image-spec annotations.md) as labels. The project
    declares no license of its own: ZTP_IMAGE_LICENSES sets the SPDX expression."""
    env = os.environ.get
    labels = {
        "org.opencontainers.image.title": (config.get("title") or ["ztp-prem"])[0],
        "org.opencontainers.image.version": env("ZTP_IMAGE_VERSION") or project_version(),
        "org.opencontainers.image.revision": env("ZTP_IMAGE_REVISION") or git("rev-parse", "HEAD")
        or "unknown",
        "org.opencontainers.image.source": env("ZTP_IMAGE_SOURCE")
        or git("remote", "get-url", "origin") or "NOASSERTION",
        "org.opencontainers.image.licenses": env("ZTP_IMAGE_LICENSES") or "NOASSERTION",
    }
    return labels


def spdx_id(text):
    return "SPDXRef-" + re.sub(r"[^A-Za-z0-9.-]", "-", text)


def spdx(image, labels, own, debian, npm):
    """SPDX 2.3 (spdx.github.io/spdx-spec/v2.3): one package per Debian package, ztp-prem
    itself and the dashboard's npm packages; the image DESCRIBES and CONTAINS them."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or 0)
    created = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    version = labels["org.opencontainers.image.version"]
    revision = labels["org.opencontainers.image.revision"]
    packages = [{
        "SPDXID": spdx_id("ztp-prem"), "name": "ztp-prem", "versionInfo": version,
        "downloadLocation": labels["org.opencontainers.image.source"],
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": labels["org.opencontainers.image.licenses"],
        "copyrightText": "NOASSERTION", "filesAnalyzed": False,
        "comment": f"revision {revision}; files: {' '.join(own)}",
    }]
    for pkg, (pkg_version, paths) in sorted(debian.items()):
        packages.append({
            "SPDXID": spdx_id(f"deb-{pkg}"), "name": pkg, "versionInfo": pkg_version,
            "supplier": "Organization: Debian", "downloadLocation": "NOASSERTION",
            "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION", "filesAnalyzed": False,
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                              "referenceLocator": f"pkg:deb/debian/{pkg}@{pkg_version}"
                                                  f"?arch=amd64&distro=debian-12"}],
            "comment": "files: " + " ".join(sorted(set(paths))),
        })
    for name, npm_version, lic in npm:
        packages.append({
            "SPDXID": spdx_id(f"npm-{name}"), "name": name, "versionInfo": npm_version,
            "downloadLocation": "NOASSERTION", "licenseConcluded": "NOASSERTION",
            "licenseDeclared": lic, "copyrightText": "NOASSERTION", "filesAnalyzed": False,
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                              "referenceLocator": f"pkg:npm/{name.replace('@', '%40')}"
                                                  f"@{npm_version}"}],
            "comment": "bundled into the dashboard (dashboard/package-lock.json)",
        })
    namespace_seed = hashlib.sha256(json.dumps(packages, sort_keys=True).encode()).hexdigest()
    return {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"ztp-prem-{image}-{version}",
        "documentNamespace": f"https://ztp-prem.tlsstress.art/spdx/{image}/{namespace_seed}",
        "creationInfo": {"created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "creators": ["Tool: ztp-prem scripts/image-rootfs.py"]},
        "documentDescribes": [p["SPDXID"] for p in packages],
        "packages": packages,
        "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                           "relatedSpdxElement": p["SPDXID"]} for p in packages],
    }


def buildah_args(stage_dir):
    """`buildah config` arguments for a staged image, one a line (for scripts/images)."""
    c = json.loads((stage_dir / "config.json").read_text())
    cfg = c["config"]
    args = ["--user", cfg["user"][0], "--entrypoint", json.dumps(cfg["entrypoint"])]
    if cfg.get("cmd"):
        args += ["--cmd", json.dumps(cfg["cmd"])]
    for port in cfg.get("port", []):
        args += ["--port", port]
    for key, value in sorted(c["labels"].items()):
        args += ["--label", f"{key}={value}"]
    return args


def summary(stage_dir, archive, ref, epoch):
    """What was built (OUT_DIR/<image>.json), for the image tests and people."""
    c = json.loads((stage_dir / "config.json").read_text())
    files = [p for p in (stage_dir / "rootfs").rglob("*") if p.is_file() and not p.is_symlink()]
    c.update(ref=ref, sourceDateEpoch=int(epoch), archiveBytes=os.path.getsize(archive),
             contentBytes=sum(p.stat().st_size for p in files), files=len(files))
    return c


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--buildah-args":
        print("\n".join(buildah_args(pathlib.Path(sys.argv[2]))))
        return
    if len(sys.argv) == 6 and sys.argv[1] == "--summary":
        c = summary(pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
        pathlib.Path(sys.argv[3]).with_suffix(".json").write_text(
            json.dumps(c, indent=2, sort_keys=True) + "\n")
        print(f"images: {c['ref']}: archive {c['archiveBytes']} bytes, contents "
              f"{c['contentBytes']} bytes in {c['files']} files, {c['debianPackages']} Debian "
              f"+ {c['npmPackages']} npm packages")
        return
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    image = sys.argv[1]
    bin_dir, dashboard_dir, out_dir = (pathlib.Path(a).resolve() for a in sys.argv[2:])
    out_dir.mkdir(parents=True, exist_ok=True)
    deb, npm = stage(image, bin_dir, dashboard_dir, out_dir)
    print(f"image-rootfs: {image}: {deb} Debian packages, {npm} npm packages -> {out_dir}/rootfs")


if __name__ == "__main__":
    main()
