#!/usr/bin/env python3
"""Concurrency stress with the agent in real JVMs: 16 threads define 10 classes in each of 1 008
loaders while loaders are released and System.gc() runs every 50 ms. The report must have
exact counts: every plugin loader tracked with 10 classes, exactly the kept ones leaked, all
others unloaded, no deadlock (bounded time). Then the same with the agent attached while the
threads are defining classes: loaders seen after the attach still have exactly 10 classes.

Usage: stress_test.py --agent libmetaleak.so --cli metaleak --java JAVA... [--javac JAVAC]
                      [--gc COLLECTOR] [--per-thread N] --work DIR
  --per-thread  loaders per thread (default 63: 1 008 loaders); the collector cells run 21
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
from harness import check, validate  # noqa: E402

THREADS, KEEP_EVERY = 16, 7
PER_THREAD = 63   # --per-thread


def plugin_loaders(doc, plugin_url):
    # A loader collected before the agent's worker described it (it polls every 500 ms) has
    # its class but no URLs: count the plugin loaders by class, the only URLClassLoaders here.
    return [l for l in doc["loaders"] if l["class"] == "java.net.URLClassLoader" and
            (not l["urls"] or plugin_url in l["urls"])]


def verify(doc, label, plugin_url, expect_all, settled_ms=None):
    total = THREADS * PER_THREAD
    kept = len([i for i in range(total) if i % KEEP_EVERY == 0])
    problem = validate(doc)
    check(label + ": report matches the schema", problem is None, str(problem))
    loaders = plugin_loaders(doc, plugin_url)
    over = [l for l in loaders if l["classes_defined"] > 10]
    check(label + ": no class counted twice (no loader above 10 classes)", not over,
          "%d of %d, e.g. %s" % (len(over), len(loaders), over[:1]))
    # Also the loaders that were mid-definition while the agent attached, and those that died
    # right after: a loader first seen through ClassPrepare during the attach gets its earlier
    # classes counted at once (it may be gone before the replay reaches it; before that fix,
    # about 5 % of the attach runs had such loaders with 1 to 9 classes).
    bad = [l for l in loaders if l["classes_defined"] != 10]
    early = len([l for l in loaders if settled_ms is not None and l["first_seen_ms"] <= settled_ms])
    check(label + ": every plugin loader defined exactly 10 classes%s"
          % ("" if settled_ms is None else " (%d of %d seen before the attach settled)"
             % (early, len(loaders))),
          not bad, "%d of %d differ, e.g. %s" % (len(bad), len(loaders), bad[:3]))
    if expect_all:
        check(label + ": all %d plugin loaders tracked" % total, len(loaders) == total,
              str(len(loaders)))
        check(label + ": exactly %d leaked" % kept, doc["summary"]["leaked_loaders"] == kept,
              json.dumps(doc["summary"]))
        unloaded = sum(1 for l in loaders if l["state"] == "unloaded")
        check(label + ": the other %d unloaded" % (total - kept), unloaded == total - kept,
              str(unloaded))
    else:
        leaked = doc["summary"]["leaked_loaders"]
        check(label + ": leaked ones are a subset of the kept ones", 0 < leaked <= kept,
              str(leaked))
        live_or_closed = [l for l in loaders if l["state"] in ("live", "closed")]
        check(label + ": no plugin loader left without a verdict", not live_or_closed,
              str(live_or_closed[:1]))


def main():
    global PER_THREAD
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--per-thread", type=int, default=PER_THREAD)
    a = ap.parse_args()
    PER_THREAD = a.per_thread
    a.work = harness.fresh_dir(a.work)
    classes, plugin = os.path.join(a.work, "classes"), os.path.join(a.work, "plugin")
    harness.compile_java([os.path.join(HERE, "java", "Stress.java")], classes, javac=a.javac)
    harness.compile_java([os.path.join(HERE, "java", "plug", "*.java")], plugin, javac=a.javac)
    plugin_url = "file:" + plugin + "/"
    for java in a.java:
        label = harness.jdk_label(java)
        report = os.path.join(a.work, "stress-%s.json" % label)
        t0 = time.time()
        r = harness.run_java(java, ["-cp", classes, "Stress", plugin, str(THREADS),
                                    str(PER_THREAD), str(KEEP_EVERY)],
                             agent=os.path.abspath(a.agent),
                             opts="report=%s,interval=0" % report, jvm=["-Xmx512m"], timeout=300)
        check("[%s] stress run ends (no deadlock) in %.1f s" % (label, time.time() - t0),
              r.returncode == 0, r.stderr[-800:])
        if r.returncode == 0:
            verify(json.load(open(report)), "[%s] stress" % label, plugin_url, True)

        # late attach while the definers run
        report = os.path.join(a.work, "attach-%s.json" % label)
        go = os.path.join(a.work, "go-%s" % label)
        t_start = time.monotonic()
        proc = harness.start_java(java, ["-cp", classes, "Stress", plugin, str(THREADS),
                                         str(PER_THREAD), str(KEEP_EVERY), "--attach-after", go],
                                  jvm=["-Xmx512m"] + harness.attach_flags(java))
        try:
            proc.stdout.readline()
            r = subprocess.run([a.cli, "attach", "--agent", os.path.abspath(a.agent),
                                str(proc.pid), "report=%s,interval=0" % report],
                               capture_output=True, text=True, timeout=60)
            # upper bound, in ms since the JVM started, of the attach's replay having ended
            settled_ms = int((time.monotonic() - t_start) * 1000) + 300
            open(go, "w").close()
            check("[%s] attach while classes are defined" % label, r.returncode == 0,
                  r.stdout + r.stderr)
            proc.wait(timeout=300)
        finally:
            harness.stop(proc)
        if os.path.exists(report):
            verify(json.load(open(report)), "[%s] late attach" % label, plugin_url, False,
                   settled_ms)
        else:
            check("[%s] late attach: report written" % label, False, "none")
    return harness.CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
