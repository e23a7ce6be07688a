#!/usr/bin/env python3
"""Real JVMs filling Metaspace under -XX:MaxMetaspaceSize=24m with the agent loaded.

leak:       plugin loaders are closed but pinned; the report written at OutOfMemoryError:
            Metaspace (trigger metaspace-oom) must say verdict "leak", and the Metaspace held
            by the leaked loaders must be between half of and all of used_bytes.
undersized: the same loaders stay open and in use; the verdict must be "undersized".
Usage: oom_test.py --agent libmetaleak.so --java JAVA [--java JAVA...] [--javac JAVAC] --work DIR
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
from harness import check, validate  # noqa: E402


def run_case(java, agent, classes, plugin, work, mode, label):
    report = os.path.join(work, "%s-%s.json" % (label, mode))
    copy = os.path.join(work, "%s-%s-oom.json" % (label, mode))
    r = harness.run_java(java, ["-cp", classes, "MetaspaceFiller", mode, plugin, report, copy],
                         agent=agent, opts="report=%s,interval=0" % report,
                         jvm=["-Xmx256m", "-XX:MaxMetaspaceSize=24m"], timeout=300)
    check("[%s/%s] JVM ran into OutOfMemoryError: Metaspace (exit 3)" % (label, mode),
          r.returncode == 3, "rc=%d stderr=%s" % (r.returncode, r.stderr[-800:]))
    if not os.path.exists(copy):
        check("[%s/%s] report copied at the OOM" % (label, mode), False, "no copy")
        return
    doc = json.load(open(copy))
    ms = doc["metaspace"]
    problem = validate(doc)
    check("[%s/%s] report at OOM matches the schema" % (label, mode), problem is None, str(problem))
    check("[%s/%s] report at OOM has trigger metaspace-oom" % (label, mode),
          doc["trigger"] == "metaspace-oom", doc["trigger"])
    oom = ms.get("out_of_memory") or {}
    check("[%s/%s] report at OOM records the error (metaspace.out_of_memory)" % (label, mode),
          oom.get("count", 0) >= 1 and oom.get("space") in ("metaspace", "compressed-class-space")
          and 0 < oom.get("first_ms", 0) <= doc["jvm"]["uptime_ms"], json.dumps(oom))
    try:
        final = json.load(open(report))
    except (OSError, ValueError) as e:
        final = {"trigger": str(e), "metaspace": {}}
    fo = final["metaspace"].get("out_of_memory") or {}
    check("[%s/%s] exit report (replacing it) still records the OOM" % (label, mode),
          final["trigger"] == "exit" and fo.get("count", 0) >= oom.get("count", 1) and
          fo.get("first_ms") == oom.get("first_ms"), "%s %s" % (final["trigger"], json.dumps(fo)))
    check("[%s/%s] per-loader bytes joined" % (label, mode),
          ms.get("source", "").startswith("hotspot"), str(ms.get("source")))
    if mode == "leak":
        leaked = sum(l["metaspace_bytes"] or 0 for l in doc["leaks"])
        used = ms["used_bytes"]
        check("[%s/leak] verdict leak" % label, ms.get("verdict") == "leak",
              "%s: %s" % (ms.get("verdict"), ms.get("verdict_reason")))
        check("[%s/leak] leaked loaders hold between 1/2 and all of used_bytes" % label,
              used > 0 and used / 2 <= leaked <= used,
              "leaked %d of used %d (%d leaks)" % (leaked, used, len(doc["leaks"])))
        check("[%s/leak] forecast per leaked loader" % label,
              (ms["forecast"]["bytes_per_leaked_loader"] or 0) > 1000, json.dumps(ms["forecast"]))
    else:
        check("[%s/undersized] verdict undersized, no leak" % label,
              ms.get("verdict") == "undersized" and doc["summary"]["leaked_loaders"] == 0,
              "%s: %s; leaked %d" % (ms.get("verdict"), ms.get("verdict_reason"),
                                     doc["summary"]["leaked_loaders"]))
        check("[%s/undersized] advice names the limit to raise" % label,
              "raise" in (ms.get("advice") or ""), str(ms.get("advice")))


def main():
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap)
    a = ap.parse_args()
    harness.fresh_dir(a.work)
    classes, plugin = os.path.join(a.work, "classes"), os.path.join(a.work, "plugin")
    harness.compile_java([os.path.join(HERE, "java", "MetaspaceFiller.java")], classes,
                         javac=a.javac)
    harness.compile_java([os.path.join(HERE, "java", "plug", "P.java")], plugin, javac=a.javac)
    for java in a.java:
        label = harness.jdk_label(java)
        for mode in ("leak", "undersized"):
            run_case(java, os.path.abspath(a.agent), classes, plugin, a.work, mode, label)
    return harness.CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
