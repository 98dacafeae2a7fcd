#!/usr/bin/python3
"""The Debian package, built from this tree and installed on this machine for real.

Root only (CI runs as root on a throwaway machine; exit 77, skipped, otherwise). Steps, each
bounded: copy the tree (its git-tracked and untracked-but-not-ignored files) to
WORK_DIR/src; `dpkg-buildpackage -b` there; `lintian` on the .deb (no errors); `dpkg -i`; the
installed files, the system user, `systemd-analyze verify` and `systemd-analyze security
--offline=true` (<= 2.0) on the installed unit, `promtool check rules` on the installed
alerts; then the INSTALLED binary with the INSTALLED example configuration, `--simulate`, a
loopback port, a scratch database and an API key passed the way the unit passes it
($CREDENTIALS_DIRECTORY): one request gets an order number and MIDAS is told it; without the
key the request is refused. Finally `dpkg --purge`.
Prints lintian's and systemd-analyze security's output for the record.

usage: package_test.py SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SOURCE, WORK = sys.argv[1], sys.argv[2]
PACKAGE = "voip-migration-adapter"
UNIT = "/lib/systemd/system/voip-migration-adapter.service"
SKIP = 77
failures = []
COMMIT = []  # source_commit()'s answer, once asked


def run(args, timeout, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def source_files():
    """The files a checkout would hold (tracked, plus untracked ones git does not ignore)."""
    if os.path.exists(os.path.join(SOURCE, ".git")):
        listed = run(["git", "-C", SOURCE, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], 60)
        return [f for f in listed.stdout.split("\0") if f and os.path.isfile(os.path.join(SOURCE, f))]
    files = []
    for root, dirs, names in os.walk(SOURCE):
        dirs[:] = [d for d in dirs if not d.startswith(("build", ".")) and d != "node_modules"]
        files += [os.path.relpath(os.path.join(root, n), SOURCE) for n in names]
    return files


def source_commit():
    """The checkout's commit as the build names it ("" outside a checkout); asked once, before the
    copy, so that a commit made while the package builds does not count."""
    if COMMIT:
        return COMMIT[0]
    COMMIT.append("")
    if not os.path.exists(os.path.join(SOURCE, ".git")):
        return ""
    head = run(["git", "-C", SOURCE, "rev-parse", "--short=12", "HEAD"], 60).stdout.strip()
    dirty = run(["git", "-C", SOURCE, "status", "--porcelain", "--untracked-files=no"], 60).stdout.strip()
    COMMIT[0] = head + ("-dirty" if head and dirty else "")
    return COMMIT[0]


def build_package():
    """Copies the tree and builds the binary package; the .deb's path, or None."""
    source_copy = os.path.join(WORK, "src")
    source_commit()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(source_copy)
    for name in source_files():
        os.makedirs(os.path.join(source_copy, os.path.dirname(name)), exist_ok=True)
        shutil.copy2(os.path.join(SOURCE, name), os.path.join(source_copy, name))
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2", VOIP_BUILD_COMMIT=source_commit())
    started = time.monotonic()
    built = run(["dpkg-buildpackage", "-b", "-us", "-uc"], 1500, cwd=source_copy, env=env)
    print(f"dpkg-buildpackage -b: exit {built.returncode} in {time.monotonic() - started:.0f} s")
    if not check(built.returncode == 0, "dpkg-buildpackage failed:\n" + (built.stdout + built.stderr)[-4000:]):
        return None
    debs = [f for f in os.listdir(WORK) if f.startswith(PACKAGE + "_") and f.endswith(".deb")]
    check(len(debs) == 1, f"expected one {PACKAGE} .deb in {WORK}, found {debs}")
    return os.path.join(WORK, debs[0]) if debs else None


def lint(deb):
    linted = run(["lintian", "--fail-on", "error", "--display-info", deb], 600)
    print("lintian " + os.path.basename(deb) + f": exit {linted.returncode}\n" + (linted.stdout or "(no tags)\n"))
    check(linted.returncode == 0 and not re.search(r"^E: ", linted.stdout, re.M), "lintian reports errors")


def install(deb):
    """dpkg -i, waiting up to 2 minutes for a dpkg lock another process holds."""
    deadline = time.monotonic() + 120
    while True:
        installed = run(["dpkg", "-i", deb], 300)
        locked = "lock" in installed.stderr and "held by" in installed.stderr
        if installed.returncode == 0 or not locked or time.monotonic() > deadline:
            break
        time.sleep(2)
    return check(installed.returncode == 0, "dpkg -i failed:\n" + installed.stdout + installed.stderr)


def check_installed_files():
    for path in ["/usr/bin/voip-migration-adapter", "/usr/bin/voip-migration-sim",
                 "/usr/share/man/man1/voip-migration-adapter.1.gz", "/usr/share/man/man1/voip-migration-sim.1.gz",
                 "/etc/voip-migration-adapter/adapter.conf", UNIT, "/usr/lib/sysusers.d/voip-migration-adapter.conf",
                 "/usr/share/voip-migration-adapter/alerts.yml", "/usr/share/doc/voip-migration-adapter/README.md",
                 "/usr/share/doc/voip-migration-adapter/operations.md",
                 "/usr/share/doc/voip-migration-adapter/copyright"]:
        check(os.path.isfile(path), f"the package did not install {path}")
    check(run(["getent", "passwd", PACKAGE], 30).returncode == 0, f"postinst created no system user {PACKAGE}")
    conffiles = run(["dpkg-query", "--showformat=${Conffiles}", "--show", PACKAGE], 30).stdout
    check("/etc/voip-migration-adapter/adapter.conf" in conffiles, "adapter.conf is not a conffile")


def check_unit():
    verified = run(["systemd-analyze", "verify", UNIT], 120)
    check(verified.returncode == 0 and not verified.stderr.strip() and not verified.stdout.strip(),
          f"systemd-analyze verify: exit {verified.returncode}: {verified.stdout}{verified.stderr}")
    security = run(["systemd-analyze", "security", "--offline=true", "--no-pager", UNIT], 120)
    summary = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", security.stdout)
    print("systemd-analyze security --offline=true " + UNIT + ":\n" + security.stdout)
    check(summary is not None and float(summary.group(1)) <= 2.0,
          f"systemd-analyze security: exposure {summary.group(1) if summary else '?'}, expected <= 2.0")
    rules = run(["promtool", "check", "rules", "/usr/share/voip-migration-adapter/alerts.yml"], 60)
    check(rules.returncode == 0, f"promtool check rules on the installed alerts: {rules.stdout}{rules.stderr}")


def post(base, api_key=None):
    body = json.dumps({"telephoneNumber": "447874384949",
                       "accountIdentification": {"accountNumber": "123456789", "siteReference": 42}}).encode()
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["X-API-Key"] = api_key
    request = urllib.request.Request(base + "/CreateVOIPMigrationWorkOrder", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def run_installed_binary():
    version = run(["/usr/bin/voip-migration-adapter", "--version"], 30).stdout
    status = run(["dpkg-query", "--showformat=${Version}", "--show", PACKAGE], 30).stdout
    check(version.startswith(f"voip-migration-adapter {status}\n"), f"--version {version!r} vs package {status}")
    commit = source_commit()
    check(not commit or f"\ncommit {commit}\n" in version, f"--version names no commit {commit}: {version!r}")
    scratch = tempfile.mkdtemp(prefix="package-test-")
    api_key = "package-test-key-" + os.urandom(8).hex()
    with open(os.path.join(scratch, "api-keys"), "w", encoding="utf-8") as keys:
        keys.write(api_key + "\n")
    env = dict(os.environ, CREDENTIALS_DIRECTORY=scratch)
    proc = subprocess.Popen(["/usr/bin/voip-migration-adapter", "--config", "/etc/voip-migration-adapter/adapter.conf",
                             "--simulate", "--listen", "127.0.0.1:0", "--database", scratch + "/adapter.db"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = sim = None
        for line in proc.stderr:
            base = base or (re.search(r"listening on (http://\S+)", line) or [None, None])[1]
            sim = sim or (re.search(r"simulated MIDAS: +(\S+)/midas", line) or [None, None])[1]
            if line.startswith("try:"):
                break
        if not check(base and sim, "the installed binary did not start with the installed configuration"):
            return
        refused, _ = post(base)
        status, answer = post(base, api_key)
        received = json.loads(urllib.request.urlopen(sim + "/__sim/received", timeout=10).read())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
    order = answer["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"] if status == 200 else None
    print(f"installed binary, installed adapter.conf, --simulate: {status} orderNumber={order}")
    check(refused == 401, f"without the API key: {refused}, expected 401")
    check(status == 200 and order, f"with the API key: {status} {answer}")
    check([u["orderNumber"] for u in received["midasUpdates"]] == [order], f"MIDAS received {received['midasUpdates']}")


def main():
    if os.geteuid() != 0:
        print("skipped: installing a package needs root (CI runs as root)")
        return SKIP
    deb = build_package()
    if deb:
        lint(deb)
        if install(deb):
            try:
                check_installed_files()
                check_unit()
                run_installed_binary()
            finally:
                purged = run(["dpkg", "--purge", PACKAGE], 300)
                check(purged.returncode == 0, "dpkg --purge failed: " + purged.stdout + purged.stderr)
    for failure in failures:
        print("FAIL", failure)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
