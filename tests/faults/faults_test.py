#!/usr/bin/env python3
"""Fault injection with the agent in real JVMs (issue 8). One JDK per run (ctest faults.<jdk>).

Cases, each a JVM running tests/faults/java/FaultHost with interval=1 periodic reports:
  a. the report directory is removed mid-run: one error naming the path (not one per attempt),
     the JVM keeps running; the directory is re-created and reports resume; removed again, one
     more error; the JVM exits with its own exit code.
  b. the report directory becomes unwritable mid-run, then writable again: as an unprivileged
     user with chmod (root runs the JVM as nobody with setpriv), and as root on a read-only
     bind mount. Each is skipped, with the reason, where this machine cannot do it.
  c. a full disk: a small tmpfs filled up (when mounts are allowed), and an LD_PRELOAD shim
     (faultshim.c) failing open/write/short write/fsync/rename with ENOSPC, close with EIO. The
     previous report stays whole and valid, nothing partial under the final name, the temp file
     is removed, one error per distinct failure, and reports resume.
  d. SIGKILL during report writes, many times (2 000 loaders, so a report is about 1.4 MB): as
     soon as a file in the report directory is created or written (inotify), a few ms into the
     write, during the next rendering, or at a random time. After each kill the report is
     absent or complete, schema-valid JSON.
     Temp files left by the kills are removed by the next JVM writing the same report path
     (src/core/atomicfile.c); planted look-alikes that are not stale are kept.
  e. System.exit and Runtime.halt while the agent's worker writes or renders a periodic report:
     no crash (no hs_err file), the exit code is the program's, the report valid if present.

As root, the test re-runs itself in a private mount namespace (unshare -m) so that its mounts
can never outlive it or be seen outside.

Usage: faults_test.py --agent libmetaleak.so --shim libmlfaultshim.so --java JAVA [--javac JAVAC]
                      --work DIR [--cases abcde] [--kills N] [--exits N]
"""
import argparse
import concurrent.futures
import ctypes
import errno
import fcntl
import glob
import json
import os
import pwd
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
from harness import check, validate  # noqa: E402

LABEL = "?"
skip = harness.CHECKS.skip
note = harness.CHECKS.note


def wait_until(cond, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def report_problem(data):
    """None when data is a complete, schema-valid report, else what is wrong."""
    try:
        doc = json.loads(data)
    except ValueError as e:
        return "not JSON (%d bytes): %s" % (len(data), e)
    return validate(doc)


class Checker:
    """report_problem in another process: validating a 2 000-loader report against the schema
    takes about a second, which then overlaps the next JVM's start-up instead of adding to it
    (and a thread would hold the GIL while the main thread times a kill)."""

    def __init__(self):
        self.pool = concurrent.futures.ProcessPoolExecutor(max_workers=1)
        self.jobs = []

    def submit(self, what, data):
        self.jobs.append((what, self.pool.submit(report_problem, data)))

    def problems(self):
        out = ["%s: %s" % (w, f.result()) for w, f in self.jobs if f.result() is not None]
        self.pool.shutdown()
        return out


def temp_files(d):
    try:
        return sorted(n for n in os.listdir(d) if ".tmp." in n)
    except FileNotFoundError:
        return []


def hs_err_files(cwd, pid):
    found = glob.glob(os.path.join(cwd, "hs_err_pid*.log"))
    if os.path.exists("/tmp/hs_err_pid%d.log" % pid):
        found.append("/tmp/hs_err_pid%d.log" % pid)
    return found


class Jvm:
    """FaultHost with the agent, stdout and stderr in files of its run directory."""

    def __init__(self, ctx, run, report, loaders, code=3, agent_opts="interval=1", extra=(),
                 env=None, prefix=(), files_dir=None):
        self.run = run
        os.makedirs(run, exist_ok=True)
        base = files_dir or ctx
        self.ctl = os.path.join(run, "ctl")
        self.out_path, self.err_path = os.path.join(run, "out"), os.path.join(run, "err")
        self.code = code
        self.report = report
        cmd = list(prefix) + harness.java_cmd(
            base.java, ["-cp", base.classes, "FaultHost", base.plugin, str(loaders), self.ctl,
                        str(code)] + list(extra),
            agent=base.agent, opts="report=%s,%s" % (report, agent_opts),
            jvm=["-Xmx256m", "-XX:TieredStopAtLevel=1"])
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=run, env=full_env)
        self.pid = self.proc.pid

    def out(self):
        return open(self.out_path, errors="replace").read()

    def err(self):
        return open(self.err_path, errors="replace").read()

    def errors(self):
        return [l for l in self.err().splitlines() if l.startswith("metaleak: error:")]

    def ready(self, timeout=60):
        return wait_until(lambda: "ready" in self.out() or self.proc.poll() is not None, timeout) \
            and self.proc.poll() is None

    def alive(self):
        return self.proc.poll() is None

    def stop(self, how="exit", timeout=60):
        with open(self.ctl + ".new", "w") as f:
            f.write(how)
        os.chmod(self.ctl + ".new", 0o644)
        os.rename(self.ctl + ".new", self.ctl)
        return self.wait(timeout)

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def no_crash(self, what):
        hs = hs_err_files(self.run, self.pid)
        fatal = "A fatal error has been detected" in self.err()
        return check(what + ": no crash (no hs_err file, no fatal error)", not hs and not fatal,
                     "%s %s" % (hs, self.err()[-1500:]))


def wait_report(path, timeout=20, after=None):
    """Waits for a complete report (different from `after`, when given); returns its bytes."""
    def good():
        b = read_bytes(path)
        return b if b is not None and b != after and report_problem(b) is None else None
    return wait_until(good, timeout, 0.05)


# ---- mounts -------------------------------------------------------------------------------

def try_mount(args):
    r = subprocess.run(["mount"] + args, capture_output=True, text=True)
    return r.returncode == 0, (r.stderr or r.stdout).strip()


def umount(path):
    subprocess.run(["umount", "-l", path], capture_output=True)


def enter_private_namespace():
    """As root: re-run this script in a private mount namespace, when the kernel allows one."""
    if os.geteuid() != 0 or os.environ.get("ML_FAULTS_IN_NS") or not shutil.which("unshare"):
        return
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                           capture_output=True)
    if probe.returncode != 0:
        print("note  no private mount namespace (%s): mount-based cases will be skipped"
              % probe.stderr.decode(errors="replace").strip(), flush=True)
        os.environ["ML_FAULTS_IN_NS"] = "no"
        return
    env = dict(os.environ, ML_FAULTS_IN_NS="1")
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", "-m", "--propagation", "private", sys.executable,
                           os.path.abspath(__file__)] + sys.argv[1:], env)


def can_mount():
    return os.geteuid() == 0 and os.environ.get("ML_FAULTS_IN_NS") == "1"


# ---- inotify ------------------------------------------------------------------------------

IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE = 0x2, 0x8, 0x80, 0x100


class Inotify:
    def __init__(self, d):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        if self.libc.inotify_add_watch(self.fd, d.encode(),
                                       IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
            raise OSError(ctypes.get_errno(), "inotify_add_watch " + d)

    def wait_for(self, name, mask, timeout):
        """True when `name` (None: any file) gets an event in `mask` within timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if not select.select([self.fd], [], [], left)[0]:
                return False
            try:
                buf = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            off = 0
            while off + 16 <= len(buf):
                _, m, _, ln = struct.unpack_from("iIII", buf, off)
                got = buf[off + 16:off + 16 + ln].split(b"\0", 1)[0].decode()
                off += 16 + ln
                if (name is None or got == name) and m & mask:
                    return True

    def drain(self):
        try:
            while os.read(self.fd, 65536):
                pass
        except BlockingIOError:
            pass

    def close(self):
        os.close(self.fd)


# ---- the cases ------------------------------------------------------------------------------

def case_dir_removed(ctx):
    """a. The report directory removed mid-run, re-created, removed again."""
    base = os.path.join(ctx.work, "a")
    rdir = os.path.join(base, "reports")
    report = os.path.join(rdir, "r.json")
    os.makedirs(rdir)
    jvm = Jvm(ctx, os.path.join(base, "run"), report, 300, code=3, extra=["--churn"])
    try:
        first = wait_report(report)
        if not check("a: first periodic report", first is not None, jvm.err()[-800:]):
            return
        n_first = len(json.loads(first)["loaders"])
        rmtree_retry(rdir)
        got = wait_until(lambda: jvm.errors(), 5)
        line = got[0] if got else ""
        check("a: an error naming the report path once the directory is gone",
              report in line and "No such file or directory" in line, jvm.err()[-800:])
        time.sleep(3.2)  # three more attempts
        check("a: one error line, not one per attempt (3 more attempts)",
              len(jvm.errors()) == 1, jvm.errors())
        check("a: the JVM keeps running without its report directory", jvm.alive())
        os.makedirs(rdir)
        again = wait_report(report, 5)
        check("a: reports resume once the directory is re-created", again is not None)
        check("a: ... and the agent says so",
              wait_until(lambda: "report written again to " + report in jvm.err(), 3),
              jvm.err()[-800:])
        if again is not None:
            n_again = len(json.loads(again)["loaders"])
            check("a: the resumed report has the loaders created meanwhile (%d > %d)"
                  % (n_again, n_first), n_again > n_first)
        time.sleep(0.3)
        check("a: no temp file left", not temp_files(rdir), temp_files(rdir))
        rmtree_retry(rdir)
        check("a: removed again: one more error (a new outage after a success)",
              wait_until(lambda: len(jvm.errors()) == 2, 5), jvm.errors())
        time.sleep(2.2)
        rc = jvm.stop("exit")
        check("a: the JVM exits with its own exit code (3) while the directory is gone",
              rc == 3, "rc %s: %s" % (rc, jvm.err()[-800:]))
        check("a: still two error lines after the failed exit report", len(jvm.errors()) == 2,
              jvm.errors())
        jvm.no_crash("a")
    finally:
        jvm.kill()


def rmtree_retry(d):
    """rmtree, again if the agent created its temp file in the meantime."""
    for _ in range(50):
        shutil.rmtree(d, ignore_errors=True)
        if not os.path.exists(d):
            return
        time.sleep(0.01)
    raise RuntimeError("cannot remove " + d)


def unwritable_run(ctx, what, prefix, files, rdir, make_ro, make_rw, expect):
    report = os.path.join(rdir, "r.json")
    jvm = Jvm(ctx, os.path.join(files.root, "run-" + what), report, 300, code=4,
              extra=["--churn"], prefix=prefix, files_dir=files)
    try:
        first = wait_report(report)
        if not check("b/%s: first periodic report" % what, first is not None, jvm.err()[-800:]):
            return
        make_ro()
        got = wait_until(lambda: jvm.errors(), 5)
        line = got[0] if got else ""
        check("b/%s: an error naming the report path (%s)" % (what, expect),
              report in line and expect in line, jvm.err()[-800:])
        snap = read_bytes(report)
        check("b/%s: the previous report is whole" % what,
              snap is not None and report_problem(snap) is None)
        time.sleep(2.2)
        check("b/%s: one error line for all attempts" % what, len(jvm.errors()) == 1,
              jvm.errors())
        check("b/%s: report unchanged, no temp file" % what,
              read_bytes(report) == snap and not temp_files(rdir), temp_files(rdir))
        check("b/%s: the JVM keeps running" % what, jvm.alive())
        make_rw()
        check("b/%s: reports resume once writable again" % what,
              wait_report(report, 5, after=snap) is not None and
              wait_until(lambda: "report written again" in jvm.err(), 3), jvm.err()[-800:])
        rc = jvm.stop("exit")
        check("b/%s: exit code is the program's (4)" % what, rc == 4, "rc %s" % rc)
        jvm.no_crash("b/" + what)
    finally:
        jvm.kill()


class Files:
    """The agent, classes and plugin copied under a world-readable directory, for a JVM that
    runs as another user (the build tree may be in a private directory)."""

    def __init__(self, ctx, root):
        self.root = root
        self.java = ctx.java
        self.agent = os.path.join(root, "libmetaleak.so")
        shutil.copy(ctx.agent, self.agent)
        self.classes = os.path.join(root, "classes")
        self.plugin = os.path.join(root, "plugin")
        shutil.copytree(ctx.classes, self.classes)
        shutil.copytree(ctx.plugin, self.plugin)
        for d, subdirs, names in os.walk(root):
            os.chmod(d, 0o755)
            for n in names:
                os.chmod(os.path.join(d, n), 0o644 if not n.endswith(".so") else 0o755)


def case_unwritable(ctx):
    """b. The report directory unwritable mid-run (permissions; a read-only mount)."""
    root = tempfile.mkdtemp(prefix="metaleak-faults-b-")
    os.chmod(root, 0o755)
    try:
        files = Files(ctx, root)
        if os.geteuid() != 0:
            rdir = os.path.join(root, "reports-chmod")
            os.makedirs(rdir)
            unwritable_run(ctx, "chmod", [], files, rdir, lambda: os.chmod(rdir, 0o555),
                           lambda: os.chmod(rdir, 0o755), "Permission denied")
        else:
            run_as_nobody(ctx, files, root)
        if can_mount():
            rdir = os.path.join(root, "reports-ro")
            os.makedirs(rdir)
            ok, why = try_mount(["--bind", rdir, rdir])
            if not ok:
                skip("b/read-only mount", "bind mount refused: " + why)
            else:
                try:
                    def ro():
                        ok2, why2 = try_mount(["-o", "remount,bind,ro", rdir])
                        if not ok2:
                            raise RuntimeError("remount ro: " + why2)
                    unwritable_run(ctx, "read-only-mount", [], files, rdir, ro,
                                   lambda: try_mount(["-o", "remount,bind,rw", rdir]),
                                   "Read-only file system")
                finally:
                    umount(rdir)
        else:
            skip("b/read-only mount", "not root in a private mount namespace")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_as_nobody(ctx, files, root):
    try:
        pw = pwd.getpwnam("nobody")
        uid, gid = pw.pw_uid, pw.pw_gid
    except KeyError:
        uid = gid = 65534
    if shutil.which("setpriv"):
        prefix = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", "--"]
    elif shutil.which("runuser"):
        prefix = ["runuser", "-u", "nobody", "--"]
    else:
        skip("b/permissions", "root, and neither setpriv nor runuser to run the JVM as nobody")
        return
    probe = subprocess.run(prefix + [ctx.java, "-version"], capture_output=True, text=True)
    if probe.returncode != 0:
        skip("b/permissions", "cannot run java as uid %d: %s" % (uid, probe.stderr.strip()))
        return
    rdir = os.path.join(root, "reports-nobody")
    os.makedirs(rdir)
    os.chown(rdir, uid, gid)
    run = os.path.join(root, "run-nobody")
    os.makedirs(run)
    os.chown(run, uid, gid)  # the JVM's working directory (hs_err files)
    unwritable_run(ctx, "nobody", prefix, files, rdir, lambda: os.chmod(rdir, 0o555),
                   lambda: os.chmod(rdir, 0o755), "Permission denied")


def case_disk_full_tmpfs(ctx):
    """c. A real full file system: a 4 MiB tmpfs filled up while the JVM writes reports."""
    if not can_mount():
        skip("c/tmpfs", "not root in a private mount namespace (the LD_PRELOAD shim covers it)")
        return
    base = os.path.join(ctx.work, "c-tmpfs")
    mnt = os.path.join(base, "mnt")
    os.makedirs(mnt)
    ok, why = try_mount(["-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", mnt])
    if not ok:
        skip("c/tmpfs", "tmpfs mount refused: " + why)
        return
    report = os.path.join(mnt, "r.json")
    filler = os.path.join(mnt, "filler")
    jvm = None
    try:
        jvm = Jvm(ctx, os.path.join(base, "run"), report, 2000, code=5)
        first = wait_report(report, 30)
        if not check("c/tmpfs: first periodic report (%s bytes)"
                     % (len(first) if first else "?"), first is not None, jvm.err()[-800:]):
            return
        # Keep the disk full: what the agent frees by removing its temp file is taken again.
        fill = open(filler, "wb", buffering=0)
        chunk = b"\0" * 65536

        def top_up():
            for size in (65536, 4096, 512, 1):
                while True:
                    try:
                        fill.write(chunk[:size])
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        break

        def full_error():
            top_up()
            return jvm.errors()
        got = wait_until(full_error, 8, 0.01)
        line = got[0] if got else ""
        check("c/tmpfs: one error naming the path: No space left on device",
              report in line and "No space left on device" in line, jvm.err()[-800:])
        snap = read_bytes(report)
        check("c/tmpfs: the previous report is whole and valid",
              snap is not None and report_problem(snap) is None)
        deadline = time.monotonic() + 2.2
        while time.monotonic() < deadline:
            top_up()
            time.sleep(0.01)
        check("c/tmpfs: still one error line, report unchanged",
              len(jvm.errors()) == 1 and read_bytes(report) == snap, jvm.errors())
        check("c/tmpfs: no temp file, nothing but the report and the filler",
              sorted(os.listdir(mnt)) == ["filler", "r.json"], os.listdir(mnt))
        fill.close()
        os.unlink(filler)
        check("c/tmpfs: reports resume once space is freed",
              wait_report(report, 5, after=snap) is not None and
              wait_until(lambda: "report written again" in jvm.err(), 3), jvm.err()[-800:])
        rc = jvm.stop("exit")
        check("c/tmpfs: exit code is the program's (5)", rc == 5, "rc %s" % rc)
        jvm.no_crash("c/tmpfs")
    finally:
        if jvm is not None:
            jvm.kill()
        umount(mnt)


SHIM_PHASES = [  # (op, errno, expected text); the ENOSPC ones share one error line
    ("open", errno.ENOSPC, "No space left on device"),
    ("write", errno.ENOSPC, "No space left on device"),
    ("short", errno.ENOSPC, "No space left on device"),
    ("fsync", errno.ENOSPC, "No space left on device"),
    ("rename", errno.ENOSPC, "No space left on device"),
    ("close", errno.EIO, "Input/output error"),
]


def case_disk_full_shim(ctx):
    """c. ENOSPC (and EIO) at each step of the write, injected by the LD_PRELOAD shim."""
    base = os.path.join(ctx.work, "c-shim")
    rdir = os.path.join(base, "reports")
    os.makedirs(rdir)
    report = os.path.join(rdir, "r.json")
    fctl, flog = os.path.join(base, "fault"), os.path.join(base, "fault.log")
    env = {"LD_PRELOAD": ctx.shim, "ML_FAULT_DIR": rdir, "ML_FAULT_CTL": fctl,
           "ML_FAULT_LOG": flog}
    jvm = Jvm(ctx, os.path.join(base, "run"), report, 300, code=6, env=env, extra=["--churn"])

    def injections(op):
        data = read_bytes(flog) or b""
        return sum(1 for l in data.decode().splitlines() if l.split(" ", 1)[0] == op)
    try:
        first = wait_report(report)
        if not check("c/shim: first periodic report", first is not None, jvm.err()[-800:]):
            return
        lines = 0
        for op, err, text in SHIM_PHASES:
            with open(fctl + ".new", "w") as f:
                f.write("%s %d\n" % (op, err))
            os.rename(fctl + ".new", fctl)
            before = injections(op)
            if not check("c/shim/%s: fault injected" % op,
                         wait_until(lambda: injections(op) > before, 5), op):
                continue
            snap = read_bytes(report)
            whole = snap is not None and report_problem(snap) is None
            ok = wait_until(lambda: injections(op) > before + 1, 5)
            time.sleep(0.05)
            lingering = wait_until(lambda: not temp_files(rdir), 0.5)
            check("c/shim/%s: report whole and unchanged over two failed writes, temp file "
                  "removed" % op, whole and ok and read_bytes(report) == snap and lingering,
                  "whole %s, second attempt %s, temp %s" % (whole, ok, temp_files(rdir)))
            lines = len(jvm.errors())
            last = jvm.errors()[-1] if lines else ""
            check("c/shim/%s: error says '%s' and names the path" % (op, text),
                  text in last and report in last, last)
        check("c/shim: one error line per distinct failure (ENOSPC, EIO), not per attempt",
              lines == 2, jvm.errors())
        os.unlink(fctl)
        snap = read_bytes(report)
        check("c/shim: reports resume once the faults stop",
              wait_report(report, 5, after=snap) is not None and
              wait_until(lambda: "report written again" in jvm.err(), 3), jvm.err()[-800:])
        rc = jvm.stop("exit")
        check("c/shim: exit code is the program's (6)", rc == 6, "rc %s" % rc)
        jvm.no_crash("c/shim")
    finally:
        jvm.kill()


def case_sigkill(ctx):
    """d. SIGKILL during report writes, over and over, on one report path."""
    base = os.path.join(ctx.work, "d")
    rdir = os.path.join(base, "reports")
    os.makedirs(rdir)
    report = os.path.join(rdir, "r.json")
    ino = Inotify(rdir)
    rng = random.Random(8)
    left_behind = cleaned = missed = 0
    prev_left = []
    checker = Checker()
    kills = {"write begins": 0, "into the write": 0, "during rendering": 0, "random time": 0}
    bad = []
    t0 = time.monotonic()
    try:
        for i in range(ctx.kills):
            strategy = list(kills)[i % 4]
            ino.drain()
            jvm = Jvm(ctx, os.path.join(base, "run-%d" % i), report, 2000,
                      extra=["--close-every", "10"])
            tmp = ".r.json.tmp.%d" % jvm.pid
            try:
                # Any file created or written in the directory: the agent's temp file, or
                # the report itself if it were ever written in place.
                if strategy == "write begins":
                    hit = ino.wait_for(None, IN_CREATE | IN_MODIFY, 15)
                elif strategy == "into the write":
                    hit = ino.wait_for(None, IN_CREATE | IN_MODIFY, 15)
                    time.sleep(rng.uniform(0.0005, 0.004))
                elif strategy == "during rendering":
                    hit = ino.wait_for("r.json", IN_MOVED_TO | IN_CLOSE_WRITE, 15)
                    time.sleep(rng.uniform(0.9, 1.1))
                else:
                    hit = True
                    time.sleep(rng.uniform(0.3, 2.5))
                os.kill(jvm.pid, signal.SIGKILL)
                jvm.proc.wait()
            finally:
                jvm.kill()
            if not hit:
                note("d: kill %d (%s): the awaited event did not come" % (i, strategy))
                missed += 1
                if missed >= 3:
                    check("d: reports come every second (else the kills prove nothing)", False,
                          "%d of %d kills found no report being written within 15 s: the "
                          "agent writes late or not at all; loop stopped" % (missed, i + 1))
                    break
            kills[strategy] += 1
            data = read_bytes(report)
            if data is not None:
                checker.submit("kill %d (%s)" % (i, strategy), data)
            if os.path.exists(os.path.join(rdir, tmp)):
                left_behind += 1
                prev_left.append(tmp)
            # The JVM after a kill that left a temp file removes it at its first write.
            for t in [t for t in prev_left if t != tmp]:
                if not os.path.exists(os.path.join(rdir, t)):
                    prev_left.remove(t)
                    cleaned += 1
            others = [n for n in os.listdir(rdir)
                      if n != "r.json" and not re.fullmatch(r"\.r\.json\.tmp\.\d+", n)]
            if others:
                bad.append("kill %d: unexpected files %s" % (i, others))
        bad += checker.problems()
        check("d: after each of %d SIGKILLs (%s) the report is absent or complete, valid JSON"
              % (sum(kills.values()), ", ".join("%d %s" % (v, k) for k, v in kills.items())),
              not bad, bad)
        check("d: the report exists after the loop", os.path.exists(report))
        note("d: %d of %d kills left their temp file behind (killed mid-write); the next "
             "JVMs on the path removed %d of them, %d temp files there after the loop (%.0f s)"
             % (left_behind, sum(kills.values()), cleaned, len(temp_files(rdir)),
                time.monotonic() - t0))
        check("d: some kills landed mid-write (else the loop proves little)", left_behind > 0,
              "0 of %d" % sum(kills.values()))
        stale_cleanup(ctx, base, rdir, report)
    finally:
        ino.close()


def stale_cleanup(ctx, base, rdir, report):
    """The next JVM on the same report path removes the temp files of dead writers, and only
    those: not a live process's, not one someone holds a flock on, not a symlink, not another
    user's, not another report's."""
    pid_max = int(open("/proc/sys/kernel/pid_max").read())
    dead = [pid_max + 11, pid_max + 12, pid_max + 13, pid_max + 14, pid_max + 15]
    sleeper = subprocess.Popen(["sleep", "120"])
    victim = os.path.join(base, "victim")
    with open(victim, "w") as f:
        f.write("precious")
    planted_gone = [".r.json.tmp.%d" % dead[0]]
    keep = {
        ".r.json.tmp.%d" % sleeper.pid: "a live process's",
        ".r.json.tmp.%d" % dead[1]: "one held with flock",
        ".r.json.tmp.%d" % dead[2]: "a symlink",
        ".other.json.tmp.%d" % dead[3]: "another report's",
        ".r.json.tmp.x%d" % dead[4]: "not a pid",
    }
    for n in planted_gone + [n for n in keep if keep[n] != "a symlink"]:
        with open(os.path.join(rdir, n), "w") as f:
            f.write('{"half": ')
    os.symlink(victim, os.path.join(rdir, ".r.json.tmp.%d" % dead[2]))
    if os.geteuid() == 0:
        n = ".r.json.tmp.%d" % (dead[4] + 1)
        with open(os.path.join(rdir, n), "w") as f:
            f.write("x")
        os.chown(os.path.join(rdir, n), 65534, 65534)
        keep[n] = "another user's"
    held = open(os.path.join(rdir, ".r.json.tmp.%d" % dead[1]))
    fcntl.flock(held, fcntl.LOCK_EX)
    killed_temps = [n for n in temp_files(rdir) if n not in keep and n not in planted_gone]
    try:
        jvm = Jvm(ctx, os.path.join(base, "run-final"), report, 50, code=0)
        ok = wait_report(report, 20, after=read_bytes(report)) is not None
        rc = jvm.stop("exit")
        check("d: a JVM on the same path afterwards writes and exits normally",
              ok and rc == 0, "rc %s: %s" % (rc, jvm.err()[-600:]))
        left = set(temp_files(rdir))
        check("d: it removed the %d temp files the kills left and the planted dead one"
              % len(killed_temps),
              not left & set(killed_temps + planted_gone), sorted(left))
        kept_ok = {n: os.path.lexists(os.path.join(rdir, n)) for n in keep}
        check("d: it kept %s" % ", ".join(sorted(keep.values())), all(kept_ok.values()),
              {keep[n]: v for n, v in kept_ok.items()})
        check("d: the symlink's target is untouched", open(victim).read() == "precious")
    finally:
        held.close()
        sleeper.kill()
        sleeper.wait()


def case_exit_during_report(ctx):
    """e. System.exit / Runtime.halt while the worker writes or renders a periodic report."""
    base = os.path.join(ctx.work, "e")
    rdir = os.path.join(base, "reports")
    os.makedirs(rdir)
    rng = random.Random(80)
    fired = 0
    crashes, codes, bad, temps = [], [], [], []
    checker = Checker()
    for i in range(ctx.exits):
        mode = "halt" if i % 2 else "exit"
        report = os.path.join(rdir, "r%d.json" % i)
        if i % 4 < 2:
            on = [rdir, ".r%d.json.tmp.{pid}" % i, str(rng.choice([0, 200, 1000, 3000])), mode]
            when = "temp file created"
        else:
            on = [rdir, "r%d.json" % i, str(rng.randint(950, 1080) * 1000), mode]
            when = "next report rendering"
        code = 40 + i
        jvm = Jvm(ctx, os.path.join(base, "run-%d" % i), report, 2000, code=code,
                  extra=["--close-every", "10", "--on"] + on + ["--max-seconds", "30"])
        rc = jvm.wait(60)
        if "trigger " + mode in jvm.out():
            fired += 1
        else:
            note("e: run %d (%s at %s): trigger did not fire" % (i, mode, when))
        if rc != code:
            codes.append("run %d (%s at %s): rc %s, want %d: %s"
                         % (i, mode, when, rc, code, jvm.err()[-400:]))
        hs = hs_err_files(jvm.run, jvm.pid)
        if hs or "A fatal error has been detected" in jvm.err():
            crashes.append("run %d (%s at %s): %s %s" % (i, mode, when, hs, jvm.err()[-1500:]))
        data = read_bytes(report)
        if data is not None:
            checker.submit("run %d (%s at %s)" % (i, mode, when), data)
        # Runtime.halt too: HotSpot posts VM death before halting, and the agent's VM death
        # callback waits for the worker's exit report.
        try:
            trigger = json.loads(data).get("trigger") if data else None
        except ValueError:
            trigger = "not JSON"
        if trigger != "exit":
            bad.append("run %d (%s): the last report's trigger is %s, not exit"
                       % (i, mode, trigger))
        temps += [n for n in temp_files(rdir) if n.startswith(".r%d.json" % i)]
    bad += checker.problems()
    check("e: %d exits/halts during reports (%d triggered as planned): exit code is the "
          "program's" % (ctx.exits, fired), not codes, codes)
    check("e: no crash (no hs_err file, no fatal error)", not crashes, crashes)
    check("e: the exit report written (System.exit and Runtime.halt alike) and valid", not bad,
          bad)
    check("e: no temp file left (the agent finishes its write before the VM ends)", not temps,
          temps)
    check("e: most triggers fired", fired * 2 > ctx.exits, fired)


def case_exit_during_walk(ctx):
    """f. System.exit / Runtime.halt while the agent walks the heap for reference paths: a
    3-million-object heap (each walk a few hundred ms), 200 closed loaders kept by the host (a
    real leak), path_proof_after=1 so that the search starts about a second after the closes
    without any collection, and the exit at a random moment around it."""
    base = os.path.join(ctx.work, "f")
    rdir = os.path.join(base, "reports")
    os.makedirs(rdir)
    rng = random.Random(81)
    crashes, codes, bad, searched = [], [], [], 0
    for i in range(ctx.walk_exits):
        mode = "halt" if i % 2 else "exit"
        report = os.path.join(rdir, "w%d.json" % i)
        code = 60 + i
        after = rng.randint(600, 2600)
        jvm = Jvm(ctx, os.path.join(base, "run-%d" % i), report, 2000, code=code,
                  agent_opts="interval=0,path_proof_after=1,verify_on_exit=false,log=debug",
                  extra=["--close-every", "10", "--heap", "3000000",
                         "--exit-after", str(after), mode, "--max-seconds", "60"])
        rc = jvm.wait(120)
        err = jvm.err()
        if "path search (leak)" in err or "path search (exit)" in err:
            searched += 1
        if rc != code:
            codes.append("run %d (%s after %d ms): rc %s, want %d: %s"
                         % (i, mode, after, rc, code, err[-400:]))
        hs = hs_err_files(jvm.run, jvm.pid)
        if hs or "A fatal error has been detected" in err:
            crashes.append("run %d (%s after %d ms): %s %s" % (i, mode, after, hs, err[-1500:]))
        data = read_bytes(report)
        problem = report_problem(data) if data is not None else "no report"
        if problem is not None:
            bad.append("run %d (%s after %d ms): %s" % (i, mode, after, problem))
    check("f: %d exits/halts around heap walks: exit code is the program's" % ctx.walk_exits,
          not codes, codes)
    check("f: no crash (no hs_err file, no fatal error)", not crashes, crashes)
    check("f: a complete, valid report after every run", not bad, bad)
    check("f: the path search ran in most runs (%d of %d)" % (searched, ctx.walk_exits),
          searched * 2 > ctx.walk_exits, searched)


# ---- main ---------------------------------------------------------------------------------

class Ctx:
    pass


def main():
    global LABEL
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap, java_many=False)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--cases", default="abcdef")
    ap.add_argument("--walk-exits", type=int, default=6)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--exits", type=int, default=8)
    a = ap.parse_args()
    enter_private_namespace()
    ctx = Ctx()
    ctx.java, ctx.kills, ctx.exits = a.java, a.kills, a.exits
    ctx.walk_exits = a.walk_exits
    ctx.agent, ctx.shim = os.path.abspath(a.agent), os.path.abspath(a.shim)
    ctx.work = os.path.abspath(a.work)
    LABEL = harness.jdk_label(a.java)
    harness.CHECKS.prefix = "[%s] " % LABEL
    harness.CHECKS.detail_max = 1500
    harness.fresh_dir(ctx.work)
    ctx.classes, ctx.plugin = os.path.join(ctx.work, "classes"), os.path.join(ctx.work, "plugin")
    harness.compile_java([os.path.join(HERE, "java", "FaultHost.java")], ctx.classes,
                         javac=a.javac)
    harness.compile_java([os.path.join(HERE, "java", "plug", "P.java")], ctx.plugin,
                         javac=a.javac)
    t0 = time.monotonic()
    cases = [("a", case_dir_removed), ("b", case_unwritable), ("c", case_disk_full_tmpfs),
             ("c", case_disk_full_shim), ("d", case_sigkill), ("e", case_exit_during_report),
             ("f", case_exit_during_walk)]
    for key, fn in cases:
        if key in a.cases:
            t = time.monotonic()
            try:
                fn(ctx)
            except Exception as e:  # a broken case must not hide the others
                check("%s: %s ran" % (key, fn.__name__), False, "%s: %s" % (type(e).__name__, e))
            print("time  [%s] %s: %.1f s" % (LABEL, fn.__name__, time.monotonic() - t),
                  flush=True)
    return harness.CHECKS.summary(" in %.0f s" % (time.monotonic() - t0), require_checks=True)


if __name__ == "__main__":
    sys.exit(main())
