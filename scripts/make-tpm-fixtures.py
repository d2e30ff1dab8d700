#!/usr/bin/python3
"""Writes the TPM host profiles testdata/hosts/tpm-*/ (root/, expected.json, README.md).

The trees are committed; this script is how they were made and how to change them
consistently. Conventions (see the CC fixtures): root/ mirrors host paths, device
nodes are empty regular files, empty directories hold one empty `.gitkeep`, sysfs
symlinks are relative like the kernel's, and every private value contains the
marker PLANTED plus the profile name, so tests can prove it never reaches output.

Usage: scripts/make-tpm-fixtures.py [REPO_ROOT]   (rewrites every tpm-* profile)
"""
import json
import os
import pathlib
import shutil
import sys

REPO = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1])
HOSTS = REPO / "testdata" / "hosts"


class Tree:
    def __init__(self, profile):
        self.profile = profile
        self.base = HOSTS / profile
        self.root = self.base / "root"
        if self.base.exists():
            shutil.rmtree(self.base)
        self.root.mkdir(parents=True)

    def planted(self, what):
        return f"PLANTED-{self.profile}-{what}"

    def _p(self, path):
        return self.root / path.lstrip("/")

    def file(self, path, content=b""):
        p = self._p(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode())

    def dir(self, path):
        p = self._p(path)
        p.mkdir(parents=True, exist_ok=True)
        if not any(p.iterdir()):
            (p / ".gitkeep").write_bytes(b"")

    def link(self, path, target):
        """A relative symlink at path pointing to the absolute host path target."""
        p = self._p(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        rel = os.path.relpath(target, os.path.dirname(path))
        if p.is_symlink() or p.exists():
            p.unlink()
        p.symlink_to(rel)

    def finish(self):
        # A directory that got real entries no longer needs its placeholder.
        for keep in self.root.rglob(".gitkeep"):
            if len(list(keep.parent.iterdir())) > 1:
                keep.unlink()


def identity(t):
    """Host identifiers every profile plants (DMI ids, boot id, machine id)."""
    t.file("/sys/class/dmi/id/product_serial", t.planted("product-serial") + "\n")
    t.file("/sys/class/dmi/id/product_uuid", t.planted("product-uuid") + "\n")
    t.file("/sys/class/dmi/id/board_serial", t.planted("board-serial") + "\n")
    t.file("/sys/class/dmi/id/sys_vendor", "Generic\n")
    t.file("/proc/sys/kernel/random/boot_id", t.planted("boot-id") + "\n")
    t.file("/etc/machine-id", t.planted("machine-id") + "\n")
    t.dir("/sys/class/net")
    for node in ("null", "zero", "urandom", "tty"):
        t.file(f"/dev/{node}")


def acpi(t, tables):
    for name in tables:
        # ACPI table bytes carry OEM ids and log addresses: planted, never read.
        t.file(f"/sys/firmware/acpi/tables/{name}", name.encode() + b"\x00\x00\x00" +
               t.planted(f"acpi-{name}").encode())


def pcr_banks(t, chip_dir, banks):
    for alg in banks:
        for n in range(24):
            t.file(f"{chip_dir}/pcr-{alg}/{n}", t.planted(f"pcr-{alg}-{n}").upper() + "\n")


TPM1_ATTRS = ("caps", "pcrs", "pubek", "enabled", "active", "owned", "temp_deactivated",
              "durations", "timeouts", "cancel")


def tpm1_attr_content(t, name):
    # caps carries the vendor fingerprint, pcrs PCR values, pubek the EK: all planted.
    if name in ("caps", "pcrs", "pubek"):
        return t.planted(name) + "\n"
    return {"enabled": "1\n", "active": "1\n", "owned": "0\n", "temp_deactivated": "0\n",
            "durations": "3000000 3000000 3000000 original\n",
            "timeouts": "750000 2000000 750000 750000 original\n", "cancel": ""}[name]


def chip(t, name="tpm0", parent="/sys/devices/pnp0/00:05", driver="tpm_tis",
         modalias="pnp:dMSFT0101", version="2", banks=("sha1", "sha256"), tpmrm=True,
         tpm1=False, tpm1_location="class", null_name=False, ppi=True, description=None,
         dev_nodes=True, uevent_extra=""):
    """A chip as drivers/char/tpm/tpm-chip.c and tpm-sysfs.c lay it out.
    parent=None makes a vtpm_proxy chip under /sys/devices/virtual."""
    index = name[3:]
    if parent is None:
        chip_dir = f"/sys/devices/virtual/tpm/{name}"
        rm_dir = f"/sys/devices/virtual/tpmrm/tpmrm{index}"
    else:
        chip_dir = f"{parent}/tpm/{name}"
        rm_dir = f"{parent}/tpmrm/tpmrm{index}"
        t.link(f"{chip_dir}/device", parent)
        t.file(f"{parent}/uevent", f"DRIVER={driver}\n{uevent_extra}MODALIAS={modalias}\n")
        t.dir(f"/sys/bus/platform/drivers/{driver}")
        t.link(f"{parent}/driver", f"/sys/bus/platform/drivers/{driver}")
        if description:
            t.file(f"{parent}/description", description + "\n")
        if tpm1 and tpm1_location in ("device", "both"):
            for attr in TPM1_ATTRS:
                if tpm1_location == "both":
                    # 4.x+ compat links from the parent to the chip (tpm_add_legacy_sysfs).
                    t.link(f"{parent}/{attr}", f"{chip_dir}/{attr}")
                else:
                    t.file(f"{parent}/{attr}", tpm1_attr_content(t, attr))
    major = "10" if index == "0" else "253"
    t.file(f"{chip_dir}/dev", f"{major}:{224 if index == '0' else index}\n")
    t.file(f"{chip_dir}/uevent", f"MAJOR={major}\nMINOR={224 if index == '0' else index}\nDEVNAME={name}\n")
    t.dir(f"{chip_dir}/power")
    t.link(f"{chip_dir}/subsystem", "/sys/class/tpm")
    t.link(f"/sys/class/tpm/{name}", chip_dir)
    if version is not None:
        t.file(f"{chip_dir}/tpm_version_major",
               version if isinstance(version, bytes) else version + "\n")
    if ppi and parent is not None:
        t.file(f"{chip_dir}/ppi/version", "1.3\n")
    if tpm1 and tpm1_location in ("class", "both"):
        for attr in TPM1_ATTRS:
            t.file(f"{chip_dir}/{attr}", tpm1_attr_content(t, attr))
    if null_name:
        t.file(f"{chip_dir}/null_name", t.planted("null-name") + "\n")
    pcr_banks(t, chip_dir, banks)
    if tpmrm:
        t.file(f"{rm_dir}/dev", f"252:{65536 + int(index)}\n")
        t.file(f"{rm_dir}/uevent", f"MAJOR=252\nMINOR={65536 + int(index)}\nDEVNAME=tpmrm{index}\n")
        t.link(f"/sys/class/tpmrm/tpmrm{index}", rm_dir)
    if dev_nodes:
        t.file(f"/dev/{name}")
        if tpmrm:
            t.file(f"/dev/tpmrm{index}")


def securityfs(t, chips=("tpm0",), ascii_log=False, ima=True, empty_log=False):
    t.file("/sys/kernel/security/lsm", "lockdown,capability,yama,apparmor,ima,evm\n")
    for name in chips:
        if empty_log:
            t.file(f"/sys/kernel/security/{name}/binary_bios_measurements", b"")
        else:
            # TCG PC Client spec: the crypto-agile log opens with "Spec ID Event03".
            t.file(f"/sys/kernel/security/{name}/binary_bios_measurements",
                   b"\x00\x00\x00\x00\x03\x00\x00\x00Spec ID Event03\x00" +
                   t.planted(f"eventlog-{name}").encode())
        if ascii_log:
            t.file(f"/sys/kernel/security/{name}/ascii_bios_measurements",
                   f" 0 {t.planted('ascii-eventlog')} 08 [S-CRTM Version]\n")
    if ima:
        d = "/sys/kernel/security/integrity/ima"
        t.file(f"{d}/ascii_runtime_measurements",
               f"10 {t.planted('ima-template')} ima-ng sha256:{t.planted('ima-hash')} boot_aggregate\n")
        t.file(f"{d}/binary_runtime_measurements", b"\x0a\x00\x00\x00" + t.planted("ima-bin").encode())
        t.file(f"{d}/runtime_measurements_count", "1\n")
        t.file(f"{d}/violations", "0\n")
        t.link("/sys/kernel/security/ima", d)


def empty_securityfs(t):
    t.dir("/sys/kernel/security")


def finish(t, expected, readme):
    t.finish()
    (t.base / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    (t.base / "README.md").write_text(readme.strip() + "\n")


def mb(event_log, ima, banks, table):
    return {"eventLog": event_log, "ima": ima, "pcrBanks": list(banks), "firmwareTable": table}


def expected(family, verdict, missing, measured, signals):
    return {"family": family, "readiness": {"verdict": verdict, "missing": missing},
            "measuredBoot": measured, "signals": signals}


ABI = "https://www.kernel.org/doc/Documentation/ABI/stable/sysfs-class-tpm"
SYSFS_C = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/drivers/char/tpm/tpm-sysfs.c"
CHIP_C = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/drivers/char/tpm/tpm-chip.c"
EVENTLOG_C = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/drivers/char/tpm/eventlog/common.c"
VTPM_C = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/drivers/char/tpm/tpm_vtpm_proxy.c"
IMA_FS = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/security/integrity/ima/ima_fs.c"
OCI_MASKED = "https://github.com/moby/moby/blob/master/oci/defaults.go"


def profiles():
    # 1. Bare metal, discrete TPM 2.0 on TIS, kernel 6.1, UEFI.
    t = Tree("tpm-baremetal-dtpm2-k61")
    identity(t)
    chip(t, parent="/sys/devices/pnp0/00:05", driver="tpm_tis", description="TPM 2.0 Device")
    securityfs(t)
    acpi(t, ["APIC", "DSDT", "FACP", "MCFG", "TPM2"])
    finish(t, expected("tpm2-rm", "ready", [], mb(True, True, ["sha1", "sha256"], "TPM2"),
                       {"versionMajor2": True, "tpmrmSysfs": True, "rmDeviceNode": True,
                        "parentDevice": True, "virtualChip": False, "deviceNodeHidden": False,
                        "eventLog": True, "imaMeasurements": True, "tpm1Attributes": False}), f"""
Bare-metal server with a discrete TPM 2.0 on the TIS interface (tpm_tis), Debian 12 kernel 6.1, UEFI boot.
- tpm_version_major = 2 (Linux 5.5+) and pcr-sha1/, pcr-sha256/ banks (Linux 5.12+): {ABI}
- /dev/tpmrm0 and /sys/class/tpmrm/tpmrm0 exist only for TPM 2.0 chips: {CHIP_C}
- binary_bios_measurements in securityfs, no ascii_bios_measurements for TPM 2.0: {EVENTLOG_C}
- dmesg shape "tpm_tis STM7304:00: 2.0 TPM" with an ACPI TPM2 table on a Lenovo: https://github.com/fwupd/fwupd/issues/5690
- "tpm_tis MSFT0101:00: 2.0 TPM" next to an AMI TPM2 table: https://github.com/irtimmer/tpm2-pk11/issues/25
- IMA lists under integrity/ima with an ima link: {IMA_FS}
- planted: every pcr-*/N, event log, IMA lists, ACPI tables, DMI ids, boot id, machine id.
""")

    # 2. Firmware TPM (Intel PTT) over CRB, kernel 6.10 with null_name.
    t = Tree("tpm-ftpm-crb-k610")
    identity(t)
    chip(t, parent="/sys/devices/platform/MSFT0101:00", driver="tpm_crb", modalias="acpi:MSFT0101:",
         banks=("sha256",), null_name=True)
    securityfs(t, ima=False)
    acpi(t, ["APIC", "DSDT", "FACP", "TPM2"])
    finish(t, expected("tpm2-rm", "ready", [], mb(True, False, ["sha256"], "TPM2"),
                       {"versionMajor2": True, "pcrBanksSysfs": True, "imaMeasurements": False,
                        "acpiTpm2Table": True}), f"""
Laptop with an Intel PTT firmware TPM over the CRB interface (tpm_crb, ACPI MSFT0101:00), kernel 6.10, sha256 bank only.
- tpm_crb binds ACPI MSFT0101 and the chip's device link points at MSFT0101:00: https://github.com/systemd/systemd/issues/33412
- null_name (TPM2 HMAC sessions, 6.10+) is a per-boot identifier, planted here: {SYSFS_C}
- one pcr-<alg> directory per allocated bank: {ABI}
- no IMA policy loaded: no runtime measurement lists in securityfs.
- planted: pcr-sha256/N, null_name, event log, ACPI tables, DMI ids, boot id, machine id.
""")

    # 3. GCP Shielded VM vTPM.
    t = Tree("tpm-gcp-shielded-vm")
    identity(t)
    chip(t, parent="/sys/devices/platform/MSFT0101:00", driver="tpm_tis", modalias="acpi:MSFT0101:",
         banks=("sha1", "sha256"))
    securityfs(t)
    acpi(t, ["APIC", "DSDT", "FACP", "SSDT", "TPM2", "WAET"])
    finish(t, expected("tpm2-rm", "ready", [], mb(True, True, ["sha1", "sha256"], "TPM2"),
                       {"parentDevice": True, "virtualChip": False, "eventLog": True}), """
Google Compute Engine Shielded VM (Ubuntu 24.04, kernel 6.8) with its vTPM.
- dmesg "ACPI: TPM2 ... GOOGLE" and "tpm_tis MSFT0101:00: 2.0 TPM (device-id 0x9009)"; sha256 PCRs readable: https://github.com/osresearch/safeboot/issues/73
- Shielded VM vTPM and measured boot: https://cloud.google.com/compute/shielded-vm/docs/shielded-vm
- a hypervisor vTPM is firmware-described (ACPI), so to the guest it is a hardware chip with a parent device, unlike vtpm_proxy.
- unconfirmed: the sha1 bank allocation (reconstructed).
- planted: pcr-*/N, event log, IMA lists, ACPI tables, DMI ids, boot id, machine id.
""")

    # 4. Azure Trusted Launch vTPM: the event log file exists but is empty.
    t = Tree("tpm-azure-trusted-launch")
    identity(t)
    chip(t, parent="/sys/devices/platform/MSFT0101:00", driver="tpm_crb", modalias="acpi:MSFT0101:",
         banks=("sha1", "sha256"))
    securityfs(t, ima=False, empty_log=True)
    acpi(t, ["APIC", "DSDT", "FACP", "SRAT", "TPM2", "WAET"])
    finish(t, expected("tpm2-rm", "ready", [], mb(True, False, ["sha1", "sha256"], "TPM2"),
                       {"eventLog": True, "rmDeviceNode": True}), """
Azure Trusted Launch Gen2 VM (Ubuntu 22.04, kernel 6.5) with the Hyper-V vTPM.
- Trusted Launch gives Gen2 VMs a vTPM and Secure Boot: https://learn.microsoft.com/en-us/azure/virtual-machines/trusted-launch
- binary_bios_measurements exists but is zero bytes on a Trusted Launch vTPM: https://github.com/agentrust-io/cmcp/issues/433 — the probe never reads the log, so it reports eventLog true (presence only; see docs/tpm.md "Detection is not attestation").
- unconfirmed: tpm_crb as the driver and the bank set (reconstructed; the research note marks Azure [I]).
- planted: pcr-*/N, ACPI tables, DMI ids, boot id, machine id.
""")

    # 5. Kernel 4.12-5.4 TPM 2.0 layout: no tpm_version_major, no pcr-*, tpmrm present.
    t = Tree("tpm-tpm2-kernel54")
    identity(t)
    chip(t, parent="/sys/devices/platform/MSFT0101:00", driver="tpm_crb", modalias="acpi:MSFT0101:",
         version=None, banks=())
    securityfs(t, ima=False)
    acpi(t, ["APIC", "DSDT", "FACP", "TPM2"])
    finish(t, expected("tpm2-rm", "ready", [], mb(True, False, [], "TPM2"),
                       {"versionMajorFile": False, "pcrBanksSysfs": False, "tpmrmSysfs": True,
                        "familyInferred": False, "tpm1Attributes": False}), f"""
Ubuntu 20.04 desktop, kernel 5.4, firmware TPM 2.0 over CRB.
- tpm0/ holds only dev, device, power/, ppi/, subsystem, uevent before 5.5; tpm_version_major came with 5.5 and pcr-<alg> with 5.12: {ABI}
- /dev/tpmrm0 since 4.12: https://github.com/sonic-net/sonic-buildimage/issues/5135 (a 4.9 kernel lacks it, newer ones have it)
- TPM 2.0 EFI event log in securityfs on this generation: {EVENTLOG_C}
- family from tpmrm0 (TPM 2.0 only), not from a version file.
- planted: event log, ACPI tables, DMI ids, boot id, machine id.
""")

    # 6. Kernel 4.9 TPM 2.0: only /dev/tpm0.
    t = Tree("tpm-tpm2-kernel49")
    identity(t)
    chip(t, parent="/sys/devices/pnp0/00:06", driver="tpm_tis", version=None, banks=(),
         tpmrm=False, ppi=False)
    t.file("/sys/kernel/security/lsm", "capability,apparmor\n")
    acpi(t, ["APIC", "DSDT", "FACP", "TPM2"])
    finish(t, expected("tpm2-raw", "partial", ["resourceManager", "eventLog"],
                       mb(False, False, [], "TPM2"),
                       {"familyInferred": True, "tpmrmClassPresent": False, "rawDeviceNode": True,
                        "rmDeviceNode": False, "tpm1Attributes": False}), """
SONiC network switch image on Debian 9, kernel 4.9, discrete TPM 2.0: only /dev/tpm0.
- kernel 4.9 has /dev/tpm0 but no /dev/tpmrm0, and the chip answers TPM2_PT_FAMILY_INDICATOR "2.0": https://github.com/sonic-net/sonic-buildimage/issues/5135
- TPM 2.0 chips have no caps attribute, so its absence marks a TPM 2.0 on kernels without tpm_version_major: https://github.com/OpenXT/xenclient-oe/pull/879
- no TPM 2.0 event log in securityfs on 4.9 (the EFI TPM2 log arrived later): https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/drivers/char/tpm/eventlog/efi.c
- planted: ACPI tables, DMI ids, boot id, machine id.
""")

    # 7. TPM 1.2, kernel 5.15.
    t = Tree("tpm-tpm12-kernel515")
    identity(t)
    chip(t, parent="/sys/devices/pnp0/00:0a", driver="tpm_tis", modalias="pnp:dIFX0102dPNP0c31",
         version="1", banks=("sha1",), tpmrm=False, tpm1=True, tpm1_location="both")
    securityfs(t, ascii_log=True)
    acpi(t, ["APIC", "DSDT", "FACP", "TCPA"])
    finish(t, expected("tpm1.2", "none", ["tpm2"], mb(True, True, ["sha1"], "TCPA"),
                       {"versionMajor1": True, "tpm1Attributes": True, "asciiEventLog": True,
                        "acpiTcpaTable": True, "tpmrmClassPresent": False}), f"""
ThinkPad-era laptop with an Infineon TPM 1.2 (tpm_tis), Ubuntu 22.04 kernel 5.15.
- tpm_version_major exists for TPM 1.2 too and reads 1: read the value, not the presence: https://github.com/QubesOS/qubes-core-admin/pull/587 and {ABI}
- TPM 1.x attributes caps, pcrs, pubek, enabled, active, owned, temp_deactivated, durations, timeouts, cancel in the class dir, with compat links under device/: {SYSFS_C}, {CHIP_C}
- TPM 1.2 gets only the sha1 bank and both binary and ascii event logs: {EVENTLOG_C}
- ACPI TCPA table describes a TPM 1.2 (ACPI spec table 5.6).
- planted: caps (vendor fingerprint), pcrs, pubek (EK), pcr-sha1/N, both event logs, IMA lists, ACPI tables, DMI ids, boot id, machine id.
""")

    # 8. TPM 1.2 on an old kernel: attributes only under device/.
    t = Tree("tpm-tpm12-kernel44")
    identity(t)
    chip(t, parent="/sys/devices/pnp0/00:06", driver="tpm_tis", modalias="pnp:dATM1200dPNP0c31",
         version=None, banks=(), tpmrm=False, tpm1=True, tpm1_location="device", ppi=False)
    securityfs(t, ascii_log=True, ima=False)
    acpi(t, ["APIC", "DSDT", "FACP", "TCPA"])
    finish(t, expected("tpm1.2", "none", ["tpm2"], mb(True, False, [], "TCPA"),
                       {"tpm1AttributesUnderDevice": True, "versionMajorFile": False,
                        "familyInferred": False}), """
Ubuntu 16.04 server, kernel 4.4, TPM 1.2: the TPM 1.x attributes live on the parent device only.
- pcrs read from /sys/class/tpm/tpm0/device/pcrs on a TPM 1.2 machine, device under /sys/devices/pnp0: https://github.com/fishilico/shared/blob/master/hardware/trusted_platform.rst
- the attributes moved to /sys/class/tpm/tpm0/ around 4.8: https://github.com/shpedoikal/tpm-luks/issues/5
- tools detect TPM 1.2 by device/caps: https://github.com/OpenXT/xenclient-oe/pull/879
- planted: device/caps, device/pcrs, device/pubek, event logs, ACPI tables, DMI ids, boot id, machine id.
""")

    # 9. No TPM at all (Firecracker guest in Docker).
    t = Tree("tpm-none-firecracker")
    identity(t)
    empty_securityfs(t)
    acpi(t, ["APIC", "DSDT", "FACP", "MCFG"])
    finish(t, expected("absent", "none", ["tpm2"], mb(False, False, [], "none"),
                       {"tpmClassPresent": False, "tpmChipPresent": False, "securityfsMounted": False,
                        "firmwareWithoutDriver": False}), """
Firecracker microVM (kernel 6.18) running Docker, the machine the research note was written on: no TPM anywhere.
- no /dev/tpm*, no /sys/class/tpm or tpmrm, ACPI tables APIC DSDT FACP MCFG only, empty /sys/kernel/security: /work/shared/research/tpm.md profile 9 (observed)
- systemd's tpm2_support() reads an absent /sys/class/tpmrm as "no subsystem": https://github.com/systemd/systemd/blob/main/src/shared/tpm2-util.c
- planted: ACPI tables, DMI ids, boot id, machine id.
""")

    # 10. TPM core without a chip.
    t = Tree("tpm-core-no-chip")
    identity(t)
    t.dir("/sys/class/tpm")
    t.dir("/sys/class/tpmrm")
    securityfs(t, chips=(), ima=True)
    acpi(t, ["APIC", "DSDT", "FACP"])
    finish(t, expected("absent", "none", ["tpm2"], mb(False, True, [], "none"),
                       {"tpmClassPresent": True, "tpmrmClassPresent": True, "tpmChipPresent": False,
                        "imaMeasurements": True}), """
KVM guest without a virtual TPM on a distribution kernel with the TPM core built in (Fedora 40, kernel 6.8).
- systemd: /sys/class/tpmrm exists but is empty = subsystem enabled, no driver: https://github.com/systemd/systemd/blob/main/src/shared/tpm2-util.c
- IMA runs in TPM-bypass mode without a chip ("ima: No TPM chip found, activating TPM-bypass!"): https://github.com/PeterHuewe/linux-tpmdd/issues/6
- planted: IMA lists, ACPI tables, DMI ids, boot id, machine id.
""")

    # 11. Firmware describes a TPM 2.0, the driver failed to probe.
    t = Tree("tpm-firmware-no-driver")
    identity(t)
    t.dir("/sys/class/tpm")
    t.dir("/sys/class/tpmrm")
    securityfs(t, chips=(), ima=True)
    acpi(t, ["APIC", "DSDT", "FACP", "SSDT", "TPM2"])
    t.dir("/sys/devices/platform/MSFT0101:00/power")
    t.file("/sys/devices/platform/MSFT0101:00/uevent", "MODALIAS=acpi:MSFT0101:\n")
    finish(t, expected("absent", "none", ["driver"], mb(False, True, [], "TPM2"),
                       {"firmwareWithoutDriver": True, "acpiTpm2Table": True, "tpmChipPresent": False}), """
AMD desktop whose ACPI TPM2 table is present but tpm_crb fails to probe (error -16, "ACPI region does not cover the entire command/response buffer"), kernel 6.9.
- tpm_crb probe failure with a TPM2 table present: https://github.com/systemd/systemd/issues/33412 and https://github.com/PeterHuewe/linux-tpmdd/issues/6
- the platform device MSFT0101:00 stays without a driver; /sys/class/tpm stays empty; IMA falls back to TPM-bypass.
- an ACPI TPM2 table does not mean a working TPM: https://github.com/systemd/systemd/issues/38071
- planted: ACPI tables, IMA lists, DMI ids, boot id, machine id.
""")

    # 12. Unprivileged pod: host sysfs visible, no TPM device nodes, /sys/firmware masked,
    #     securityfs not mounted.
    t = Tree("tpm-pod-no-dev")
    identity(t)
    chip(t, parent="/sys/devices/platform/MSFT0101:00", driver="tpm_crb", modalias="acpi:MSFT0101:",
         banks=("sha1", "sha256"), dev_nodes=False)
    empty_securityfs(t)
    t.dir("/sys/firmware")  # OCI maskedPaths: an empty read-only tmpfs over /sys/firmware
    finish(t, expected("tpm2-rm", "partial", ["eventLog"], mb(False, False, ["sha1", "sha256"], "none"),
                       {"deviceNodeHidden": True, "rawDeviceNode": False, "rmDeviceNode": False,
                        "tpmrmSysfs": True, "securityfsMounted": False, "acpiTablesVisible": False}), f"""
Unprivileged Kubernetes pod (containerd defaults) on a host with a firmware TPM 2.0: host sysfs is visible read-only, /dev is the container's own.
- default OCI maskedPaths hide /sys/firmware: {OCI_MASKED}
- securityfs is not mounted in a container: /work/shared/research/tpm.md profile 12 (systemd skips the check in containers)
- a TPM node bind-mounted without a device-cgroup rule fails with "Operation not permitted": https://github.com/Azure/confidential-computing-cvm-guest-attestation/issues/47
- the family stays tpm2-rm (the host has /dev/tpmrm0); deviceNodeHidden says this probe cannot see the node.
- planted: pcr-*/N, DMI ids, boot id, machine id.
""")

    # 13. A vtpm_proxy chip only (swtpm behind /dev/vtpmx on a machine without a TPM).
    t = Tree("tpm-vtpm-proxy-only")
    identity(t)
    chip(t, parent=None, banks=("sha1", "sha256", "sha384", "sha512"))
    t.file("/dev/vtpmx")
    t.dir("/sys/devices/virtual/misc/vtpmx/power")
    t.link("/sys/class/misc/vtpmx", "/sys/devices/virtual/misc/vtpmx")
    securityfs(t, chips=(), ima=False)
    acpi(t, ["APIC", "DSDT", "FACP"])
    finish(t, expected("tpm2-rm", "partial", ["hardwareChip", "eventLog"],
                       mb(False, False, ["sha1", "sha256", "sha384", "sha512"], "none"),
                       {"virtualChip": True, "parentDevice": False, "eventLog": False}), f"""
CI virtual machine without a TPM where swtpm is attached through the vTPM proxy (/dev/vtpmx, CAP_SYS_ADMIN), kernel 6.6.
- vtpm_proxy allocates the chip with a NULL parent: no device link, /sys/devices/virtual/tpm, no event log: {VTPM_C}
- swtpm's default banks are sha1, sha256, sha384 and sha512: /work/shared/research/tpm.md section 4 (observed with swtpm 0.7.1)
- keylime warns "INSECURE" for software TPMs: https://github.com/keylime/rust-keylime
- planted: pcr-*/N, DMI ids, boot id, machine id.
""")

    # 14. Hardware TPM 2.0 plus a vtpm_proxy chip (tpm1).
    t = Tree("tpm-hw-plus-vtpm")
    identity(t)
    chip(t, parent="/sys/devices/platform/MSFT0101:00", driver="tpm_crb", modalias="acpi:MSFT0101:",
         banks=("sha256",))
    chip(t, name="tpm1", parent=None, banks=("sha1", "sha256", "sha384", "sha512"))
    t.file("/dev/vtpmx")
    securityfs(t, chips=("tpm0",))
    acpi(t, ["APIC", "DSDT", "FACP", "TPM2"])
    finish(t, expected("tpm2-rm", "ready", [], mb(True, True, ["sha256"], "TPM2"),
                       {"multipleChips": True, "virtualChip": False, "parentDevice": True}), f"""
Host with a firmware TPM 2.0 (tpm0, tpm_crb) that also runs a container-facing software TPM through vtpm_proxy (tpm1), kernel 6.8.
- vtpm_proxy chips take the next free number and have no parent device: {VTPM_C}
- the family is about the hardware chip: tpm0 decides, tpm1 is listed in the evidence (docs/tpm.md).
- the event log belongs to tpm0 only (virtual chips get none): {EVENTLOG_C}
- planted: both chips' pcr-*/N, event log, IMA lists, ACPI tables, DMI ids, boot id, machine id.
""")

    # 15. Garbage: tpm_version_major is junk and no other clue decides.
    t = Tree("tpm-garbage-version")
    identity(t)
    chip(t, parent="/sys/devices/pnp0/00:05", driver="tpm_tis", tpmrm=False, banks=(),
         version=b"\xff\xfe\x00" + t.planted("version-junk").encode() + b"\n9\n",
         uevent_extra="DRIVER2=x\n")
    # Junk next to the chip: a non-chip entry, a junk bank name, a junk driver line.
    t.dir("/sys/class/tpm/tpmX")
    t.file("/sys/devices/pnp0/00:05/tpm/tpm0/pcr-SHA 256!/0", t.planted("junk-bank") + "\n")
    t.file("/sys/devices/pnp0/00:05/uevent", "DRIVER=" + t.planted("driver") + "\xff$(reboot)\n")
    securityfs(t, ima=False)
    acpi(t, ["APIC", "DSDT", "FACP", "TPM2"])
    finish(t, expected("unknown", "none", ["tpm2"], mb(True, False, [], "TPM2"),
                       {"versionMajorUnusable": True, "familyContradiction": False,
                        "versionMajorFile": True}), f"""
Fault-injection profile on a bare-metal TPM host: tpm_version_major holds binary junk, a bogus pcr-* name and a hostile DRIVER= line.
- tpm_version_major must print "1" or "2" ({SYSFS_C}); anything else is unusable, and with no tpmrm, no caps and no valid bank the family is unknown.
- garbage handling is required by the issue; junk strings must never be echoed (they carry PLANTED).
- planted: version file, junk bank, driver line, event log, ACPI tables, DMI ids, boot id, machine id.
""")

    # 16. Contradiction: version says 1.2 but a resource manager and a sha256 bank exist.
    t = Tree("tpm-contradiction")
    identity(t)
    chip(t, parent="/sys/devices/pnp0/00:05", driver="tpm_tis", version="1", banks=("sha256",))
    securityfs(t, ima=False)
    acpi(t, ["APIC", "DSDT", "FACP", "TPM2"])
    finish(t, expected("unknown", "none", ["tpm2"], mb(True, False, ["sha256"], "TPM2"),
                       {"familyContradiction": True, "versionMajor1": True, "tpmrmSysfs": True}), f"""
Fault-injection profile: tpm_version_major reads 1 while tpmrm0 and a pcr-sha256 bank exist (a layout no kernel produces).
- tpmrm is created only for TPM_CHIP_FLAG_TPM2 chips: {CHIP_C}
- TPM 1.2 chips get only the sha1 bank (tpm1_get_pcr_allocation): {SYSFS_C}
- contradictory evidence must give unknown, with both sides in the evidence (issue 3).
- planted: pcr-sha256/N, event log, ACPI tables, DMI ids, boot id, machine id.
""")

    # 17. Pod given /dev/tpmrm0 by a device plugin, with /sys/kernel/security mounted from the host.
    t = Tree("tpm-pod-with-tpmrm")
    identity(t)
    chip(t, parent="/sys/devices/platform/MSFT0101:00", driver="tpm_crb", modalias="acpi:MSFT0101:",
         banks=("sha256",), dev_nodes=False)
    t.file("/dev/tpmrm0")
    securityfs(t)
    t.dir("/sys/firmware")
    finish(t, expected("tpm2-rm", "ready", [], mb(True, True, ["sha256"], "none"),
                       {"rmDeviceNode": True, "rawDeviceNode": False, "deviceNodeHidden": True,
                        "securityfsMounted": True, "acpiTablesVisible": False}), """
Kubernetes pod given /dev/tpmrm0 by a device plugin (no /dev/tpm0) and a hostPath mount of /sys/kernel/security, on a firmware-TPM host.
- generic device plugin passing /dev/tpmrm0: https://github.com/squat/generic-device-plugin
- the same pattern with a TPM-specific device plugin (githedgehog, resource githedgehog.com/tpmrm) is named in the research note; not confirmed here.
- event logs need a hostPath of /sys/kernel/security (root-only files): /work/shared/research/tpm.md profile 13
- /sys/firmware stays masked (OCI default): https://github.com/moby/moby/blob/master/oci/defaults.go
- planted: pcr-sha256/N, event log, IMA lists, DMI ids, boot id, machine id.
""")


if __name__ == "__main__":
    HOSTS.mkdir(parents=True, exist_ok=True)
    for old in HOSTS.glob("tpm-*"):
        if not (old / "capture.json").exists():  # captured profiles are not ours to rewrite
            shutil.rmtree(old)
    profiles()
    print("wrote", len(list(HOSTS.glob("tpm-*"))), "TPM profiles")
