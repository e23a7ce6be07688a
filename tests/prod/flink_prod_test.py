#!/usr/bin/env python3
"""metaleak in production on a real Flink TaskManager (tests/flink/cluster.sh, Maven Central
jars): the agent with mbean=auto and a report path with %h; two ThreadLeakJob, one
StaticCacheJob and one CleanJob submissions; collections (jcmd) prove the leaks while the
TaskManager runs. Checked:

- the TaskManager's output (taskmanager.out: what Kubernetes shows as the container log) has
  one WARN leak line per leaked job, with its job id, cause, holder and report path, and none
  for the CleanJob; a Metaspace verdict line; no stack trace;
- the MBean was registered before any JMX client connected (Flink's log4j 2 creates the
  platform MBean server at start-up: mbean=auto found it), and a JMX client over the attach
  connector reads LeakedLoaders=3 and the other values of the report;
- the report file is named with the host name (%h) and the exit report lists the same leaks.

Skipped (exit 77) when the Flink jars cannot be fetched.

Usage: flink_prod_test.py --agent libmetaleak.so --javac JAVAC --work DIR [--flink VERSION]
"""
import argparse
import glob
import os
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLUSTER = os.path.join(ROOT, "tests", "flink", "cluster.sh")
BUILD_JOBS = os.path.join(ROOT, "examples", "flink-jobs", "build.sh")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402
from prod_test import alerts  # noqa: E402

JOBS = [("ThreadLeakJob", "thread"), ("ThreadLeakJob", "thread"),
        ("StaticCacheJob", "static-field"), ("CleanJob", None)]


def sh(args, env=None, timeout=600):
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--javac")
    ap.add_argument("--work", required=True)
    ap.add_argument("--flink", default="2.3.0")
    a = ap.parse_args()
    work = harness.fresh_dir(a.work)
    agent = os.path.abspath(a.agent)
    javac = harness.find_javac(a.javac)
    jdk_bin = os.path.dirname(javac)
    env = dict(os.environ, PATH=jdk_bin + os.pathsep + os.environ.get("PATH", ""),
               JAVA=os.path.join(jdk_bin, "java"))
    r = sh([CLUSTER, "fetch", a.flink], env=env, timeout=1200)
    if r.returncode != 0:
        print("skip: Flink %s jars cannot be fetched: %s" % (a.flink, r.stderr[-500:]))
        return 77
    lib = r.stdout.strip().splitlines()[-1]
    jar = os.path.join(work, "jobs.jar")
    r = sh([BUILD_JOBS, lib, jar], env=env)
    if r.returncode != 0:
        print("skip: the example jobs cannot be built (H2 jar?): %s" % r.stderr[-500:])
        return 77
    classes = harness.compile_java([os.path.join(HERE, "java", "mlprod", "JmxRead.java")],
                                   os.path.join(work, "classes"), javac=a.javac)
    wd = os.path.join(work, "cluster")
    classlog = os.path.join(work, "tm-classes.txt")
    env["FLINK_TM_JAVA_OPTS"] = "-Xlog:class+load=info:file=%s" % classlog
    # max_pause raised: the lines with a cause and a holder are what is checked here; with the
    # default (200 ms) a walk of this TaskManager's heap on a loaded machine is cut and the
    # line says cause=unknown path=deferred (tests/pauses checks the cap and the deferral).
    opts = "report=%s/log/metaleak-%%h-%%p.json,interval=0,max_pause=5000" % wd
    r = sh([CLUSTER, "start", a.flink, wd, agent, opts], env=env)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        check("cluster starts", False, r.stderr[-1500:])
        return harness.CHECKS.summary()
    t = "[flink %s] " % a.flink
    out_file = os.path.join(wd, "log", "taskmanager.out")
    try:
        tm_pid = int(open(os.path.join(wd, "tm.pid")).read().strip())
        # mbean=auto checks every 5 s for a platform MBean server that somebody else created.
        time.sleep(7)
        loaded = open(classlog).read() if os.path.exists(classlog) else ""
        check(t + "mbean=auto: registered on the TaskManager's own platform MBean server "
              "before any JMX client (Flink created the server)",
              "com.sun.jmx.mbeanserver.JmxMBeanServer " in loaded and
              "javax.management.modelmbean.RequiredModelMBean " in loaded,
              "JmxMBeanServer %s, RequiredModelMBean %s" % (
                  "com.sun.jmx.mbeanserver.JmxMBeanServer " in loaded,
                  "javax.management.modelmbean.RequiredModelMBean " in loaded))
        ids = []
        for cls, cause in JOBS:
            r = sh([CLUSTER, "-w", wd, "submit", jar, "io.metaleak.flinkjobs." + cls], env=env)
            jid = r.stdout.strip()
            sh([CLUSTER, "-w", wd, "wait-finished", jid], env=env)
            ids.append((jid, cls, cause))
            print("  %s %s" % (cls, jid), flush=True)
        jcmd = os.path.join(jdk_bin, "jcmd")
        for cmd in ("GC.run", "GC.run_finalization", "GC.run"):
            sh([jcmd, str(tm_pid), cmd], env=env)
        deadline = time.time() + 60
        lines = []
        while time.time() < deadline:
            lines = alerts(open(out_file).read())
            if len([f for _, f in lines if f.get("event") == "leak"]) >= 3:
                break
            time.sleep(0.5)
        time.sleep(2)
        lines = alerts(open(out_file).read())
        leak = {f.get("job"): f for lv, f in lines if f.get("event") == "leak" and lv == "WARN"}
        host = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname())
        report = os.path.join(wd, "log", "metaleak-%s-%d.json" % (host, tm_pid))
        check(t + "every alert line in taskmanager.out has the documented format",
              lines and all(lv != "MALFORMED" for lv, _ in lines), lines)
        for jid, cls, cause in ids:
            f = leak.get(jid)
            if cause is None:
                check(t + "%s %s: no leak line" % (cls, jid), f is None, f)
                continue
            check(t + "%s %s: one WARN leak line with the job id, cause %s, holder and the "
                  "report path (%%h)" % (cls, jid, cause),
                  f is not None and f.get("cause") == cause and f.get("holder") and
                  f.get("report") == report and
                  f.get("class") == "org.apache.flink.util.ChildFirstClassLoader", f)
        check(t + "exactly 3 leak lines", len([1 for _, f in lines if f.get("event") == "leak"])
              == 3, [f for _, f in lines if f.get("event") == "leak"])
        check(t + "a Metaspace verdict line (to leak)",
              any(f.get("event") == "metaspace" and f.get("verdict") == "leak"
                  for _, f in lines), [f for _, f in lines if f.get("event") == "metaspace"])
        r = sh([os.path.join(jdk_bin, "java"), "-Dsun.tools.attach.attachTimeout=60000", "-cp",
                classes, "mlprod.JmxRead", str(tm_pid),
                "20", "LeakedLoaders=3"], env=env, timeout=120)
        attrs = dict(re.findall(r"^attr (\w+) \S+ writable=false (.*)$", r.stdout, re.M))
        check(t + "a JMX client reads io.metaleak:type=Agent from the TaskManager: 3 leaked "
              "loaders, verdict leak, the last report's path",
              r.returncode == 0 and attrs.get("LeakedLoaders") == "3" and
              attrs.get("MetaspaceVerdict") == "leak" and attrs.get("LastReportPath") == report
              and attrs.get("Active") == "true", r.stdout[-1500:] + r.stderr[-500:])
        sh([CLUSTER, "-w", wd, "stop-tm"], env=env)
        doc, problem = harness.read_report(report)
        check(t + "the exit report is at the %h path and matches the schema",
              doc is not None and problem is None and doc.get("trigger") == "exit" and
              doc["jvm"].get("host") == socket.gethostname(), str(problem))
        if doc:
            check(t + "the exit report's leaks are the alerted jobs",
                  sorted(l["job_id"] for l in doc["leaks"]) == sorted(
                      j for j, _, c in ids if c is not None) and
                  sorted(leak) == sorted(j for j, _, c in ids if c is not None),
                  [l["job_id"] for l in doc["leaks"]])
        text = open(out_file).read()
        check(t + "no stack trace from the agent in taskmanager.out",
              not re.search(r"^\tat .*metaleak", text, re.M), text[-800:])
    finally:
        sh([CLUSTER, "-w", wd, "stop"], env=env)
    return harness.CHECKS.summary(require_checks=True)


if __name__ == "__main__":
    sys.exit(main())
