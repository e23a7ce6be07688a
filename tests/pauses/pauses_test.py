#!/usr/bin/env python3
"""The pause cap (max_pause) and the exit budget (exit_budget) in real JVMs whose heap holds
millions of objects (tests/pauses/java/PauseHost.java), with loaders leaked through a static
cache, a pool thread's ThreadLocal and a JDBC driver (chains of four steps).

deferred:  defaults (max_pause 200 ms): the automatic search after the leaks are proven must
           not walk the heap longer than max_pause; here, with a heap of about 170 MB, it is
           deferred (path_status "deferred", the reason and the walk numbers in the report:
           JDK 17 defers without a walk, JDK 19+ after one walk cut at the cap, which may
           find some chains) and no heap walk before the request is longer than max_pause
           (-Xlog:safepoint). Then `metaleak attach PID` asks for the search: every leak gets
           its path and cause.
exit:      path_budget=600000 but exit_budget=2000: from SIGTERM to the end of the process
           takes at most the exit budget plus the JVM's own exit (1.5 s allowed), the exit
           report is written, and the leaks the budget left without a path say
           "budget-exceeded".
The control that must NOT defer (a small heap searched at once with defaults) is every leak
scenario of tests/agent, which expects path_status "found" without a request.

Usage: pauses_test.py --agent libmetaleak.so --cli metaleak --java JAVA [--javac JAVAC] --work DIR
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

OBJECTS = 6000000
PER_CAUSE = 2
CAUSES = {"plug.StaticCache": "static-field", "plug.ThreadLocalLeak": "thread-local",
          "plug.JdbcLeak": "jdbc-driver"}
MAX_PAUSE_MS = 200            # the default
EXIT_BUDGET_MS = 2000
EXIT_SLACK_MS = 1500          # the JVM's own exit after the agent's last work
JVM = ["-Xmx512m", "-XX:+UseG1GC"]


def build(work, javac):
    agent_java = os.path.join(os.path.dirname(HERE), "agent", "java")
    host = os.path.join(work, "host")
    plug = os.path.join(work, "plugin-classes")
    harness.compile_java([os.path.join(agent_java, "host", "mltest", "*.java"),
                          os.path.join(HERE, "java", "PauseHost.java")], host, javac=javac)
    harness.compile_java([os.path.join(agent_java, "plugin", "plug", "*.java")], plug,
                         classpath=host, javac=javac)
    return host, harness.make_jar(plug, os.path.join(work, "plugin.jar"))


def wait_report(path, want, timeout):
    """Polls the report until want(doc) holds; returns (doc, ok)."""
    end = time.time() + timeout
    doc = None
    while time.time() < end:
        d, problem = harness.read_report(path)
        if d is not None and problem is None:
            doc = d
            if want(d):
                return d, True
        time.sleep(0.25)
    return doc, False


def walks_ms(log):
    """'At safepoint' ms of every heap walk (HeapWalkOperation) in a -Xlog:safepoint file: one
    line per safepoint from JDK 13; on JDK 11 an 'Entering safepoint region' line and, after
    it, the stopped time minus the time to stop the threads."""
    try:
        text = open(log).read()
    except OSError:
        return []
    walks = [int(n) / 1e6 for n in
             re.findall(r'Safepoint "HeapWalkOperation".*?At safepoint: (\d+) ns', text)]
    walks += [(float(total) - float(stopping)) * 1e3 for total, stopping in re.findall(
        r"Entering safepoint region: HeapWalkOperation\n(?:.*\n)*?.*Total time for which "
        r"application threads were stopped: ([0-9.]+) seconds, Stopping threads took: "
        r"([0-9.]+) seconds", text)]
    return walks


def start_host(java, agent, host, plugin, opts, jvm):
    proc = harness.start_java(java, ["-cp", host, "PauseHost", plugin, str(OBJECTS),
                                     str(PER_CAUSE)], agent=agent, opts=opts, jvm=jvm,
                              stdin=subprocess.PIPE)
    line = proc.stdout.readline().strip()
    return proc, line.startswith("ready")


def leaks_of(doc):
    return [l for l in (doc or {}).get("leaks", []) if l.get("class") == "java.net.URLClassLoader"]


def run_deferred(java, agent, cli, host, plugin, work, label):
    tag = "[%s] deferred" % label
    report = os.path.join(work, "deferred.json")
    sp = os.path.join(work, "deferred-safepoint.log")
    n = PER_CAUSE * len(CAUSES)
    opts = ["report=" + report, "interval=0", "path_budget=300000"]
    proc, ready = start_host(java, agent, host, plugin, opts,
                             JVM + ["-Xlog:safepoint:file=" + sp] + harness.attach_flags(java))
    try:
        check(tag + ": host ready", ready, proc.stderr.read() if not ready else "")
        if not ready:
            return
        doc, ok = wait_report(report, lambda d: len(leaks_of(d)) == n and all(
            l["path_status"] in ("deferred", "found") for l in leaks_of(d)) and any(
            l["path_status"] == "deferred" for l in leaks_of(d)), 120)
        check(tag + ": %d leaks, the search of some deferred by max_pause (none other)" % n, ok,
              "%s" % [(l["loader_id"], l["path_status"]) for l in leaks_of(doc)])
        paths = (doc or {}).get("paths", {})
        check(tag + ": paths.deferred_reason says why (max_pause) and what to do (attach)",
              "max_pause" in (paths.get("deferred_reason") or "") and
              "metaleak attach" in (paths.get("deferred_reason") or "") and
              paths.get("deferred_searches", 0) >= 1, repr(paths))
        before = walks_ms(sp)
        harness.CHECKS.note("%s: heap walks before the request (ms): %s; paths: %s" % (
            tag, before, {k: paths.get(k) for k in ("walks_cut", "longest_walk_ms",
                                                    "walk_rate_mb_per_s")}))
        check(tag + ": no heap walk before the request is longer than max_pause (%d ms)" %
              MAX_PAUSE_MS, all(ms <= MAX_PAUSE_MS for ms in before), "%s" % before)
        r = subprocess.run([cli, "attach", "--timeout", "60", "--agent", agent, str(proc.pid)],
                           capture_output=True,
                           text=True, timeout=120)
        check(tag + ": metaleak attach exits 0", r.returncode == 0, r.stdout + r.stderr)
        doc, ok = wait_report(report, lambda d: len(leaks_of(d)) == n and all(
            l["path_status"] == "found" for l in leaks_of(d)), 300)
        check(tag + ": on request every leak has its path", ok,
              "%s; %s" % ([(l["loader_id"], l["path_status"]) for l in leaks_of(doc)],
                          (doc or {}).get("paths")))
        causes = sorted(l.get("cause") or "-" for l in leaks_of(doc))
        check(tag + ": causes static-field, thread-local, jdbc-driver",
              causes == sorted(list(CAUSES.values()) * PER_CAUSE), "%s" % causes)
        after = walks_ms(sp)[len(before):]
        check(tag + ": the request walked the heap", len(after) >= 1, "%s" % after)
        proc.stdin.write("exit\n")
        proc.stdin.flush()
        proc.wait(timeout=120)
        check(tag + ": JVM exits 0", proc.returncode == 0, proc.stderr.read()[-1000:])
    finally:
        harness.stop(proc)


def run_exit(java, agent, host, plugin, work, label):
    tag = "[%s] exit" % label
    report = os.path.join(work, "exit.json")
    n = PER_CAUSE * len(CAUSES)
    opts = ["report=" + report, "interval=0", "path_budget=600000",
            "exit_budget=%d" % EXIT_BUDGET_MS]
    proc, ready = start_host(java, agent, host, plugin, opts, JVM)
    try:
        check(tag + ": host ready", ready, proc.stderr.read() if not ready else "")
        if not ready:
            return
        doc, ok = wait_report(report, lambda d: len(leaks_of(d)) == n, 120)
        check(tag + ": %d leaks before the exit" % n, ok, "%s" % len(leaks_of(doc)))
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        took = (time.monotonic() - t0) * 1000
        err = proc.stderr.read()
        check(tag + ": SIGTERM to exit within exit_budget %d ms + %d ms (path_budget 600000)" %
              (EXIT_BUDGET_MS, EXIT_SLACK_MS), took <= EXIT_BUDGET_MS + EXIT_SLACK_MS,
              "%.0f ms; stderr: %s" % (took, err[-1500:]))
        harness.CHECKS.note("%s: SIGTERM to exit %.0f ms" % (tag, took))
        doc, problem = harness.read_report(report)
        check(tag + ": exit report written, matches the schema",
              doc is not None and problem is None and doc.get("trigger") == "exit",
              "%s %s" % (problem, (doc or {}).get("trigger")))
        statuses = sorted(l["path_status"] for l in leaks_of(doc))
        check(tag + ": %d leaks; those the budget left without a path say budget-exceeded" % n,
              len(statuses) == n and "budget-exceeded" in statuses and
              set(statuses) <= {"found", "budget-exceeded"}, "%s" % statuses)
    finally:
        harness.stop(proc)


def main():
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap, java_many=False)
    ap.add_argument("--cli", required=True, help="the metaleak command")
    a = ap.parse_args()
    harness.fresh_dir(a.work)
    host, plugin = build(a.work, a.javac)
    label = harness.jdk_label(a.java)
    agent, cli = os.path.abspath(a.agent), os.path.abspath(a.cli)
    run_deferred(a.java, agent, cli, host, plugin, a.work, label)
    run_exit(a.java, agent, host, plugin, a.work, label)
    return harness.CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
