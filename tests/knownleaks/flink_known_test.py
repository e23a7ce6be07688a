#!/usr/bin/env python3
"""Known library leaks on a real Flink session cluster (tests/flink/cluster.sh: a JobManager and a
TaskManager in separate JVMs, the agent on the TaskManager), with the real library jars from
Maven Central: each job (tests/knownleaks/flink/<lib>/knownjobs/*.java) bundles its library in
its jar as maven-shade does, or uses the library from the cluster's lib/ (Jackson). Each job is
submitted twice through Flink's own CLI; after the TaskManager stops (SIGTERM), its exit report
must have, per job:

  - the expected number of leaked loaders (both submissions; one for BouncyCastle, whose
    provider "BC" is installed once per JVM), each with the job's id and a reference path;
  - `known.id` of the job's catalogue entry on every leak;
  - one signature for both submissions, and one paths.groups group of them;

and no other leak (no Flink loader, no loader with a known id of another job). `metaleak
summary` of the report prints one block per known leak with its count.

Usage: flink_known_test.py --agent libmetaleak.so --cli bin/metaleak --java JAVA --javac JAVAC
                           --work DIR [--flink 1.20.5]
Exit 77 when the Flink or library jars cannot be fetched (no network, nothing cached)."""
import argparse
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import deps  # noqa: E402
from scenarios import AWS_V1, BCPROV, JACKSON, KAFKA, MYSQL  # noqa: E402

CLUSTER = os.path.join(harness.ROOT, "tests", "flink", "cluster.sh")
SIGNATURE = re.compile(r"^[0-9a-f]{16}$")

# name: job class, source directory, the catalogue entry, bundled jars, leaked loaders of the
# two submissions.
JOBS = collections.OrderedDict([
    ("KafkaConsumerJob", dict(src="kafka", known="kafka-client-not-closed", bundle=[KAFKA],
                              leaks=2)),
    ("AwsMetricsJob", dict(src="aws", known="aws-sdk-v1-metric-admin-mbean", bundle=[AWS_V1],
                           leaks=2)),
    ("AwsReaperJob", dict(src="aws", known="aws-sdk-v1-idle-connection-reaper", bundle=[AWS_V1],
                          leaks=2)),
    ("MysqlLookupJob", dict(src="mysql", known="mysql-abandoned-connection-cleanup-thread",
                            bundle=[MYSQL], leaks=2)),
    # Jackson in lib/: the job jar has no Jackson, the cluster's lib/ has it
    ("JacksonLibJob", dict(src="jackson", known="jackson-type-factory-cache", bundle=[],
                           leaks=2)),
    ("BouncyCastleJob", dict(src="bc", known="bouncycastle-security-provider", bundle=[BCPROV],
                             leaks=1)),
])
SUBMISSIONS = 2


class HarnessError(Exception):
    pass


def sh(args, env=None, check=True, timeout=600):
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    if check and p.returncode != 0:
        raise HarnessError("%s failed (exit %d):\n%s%s" % (" ".join(args), p.returncode,
                                                            p.stdout[-2000:], p.stderr[-2000:]))
    return p


def build_jobs(work, flink_lib, lib_jars, javac):
    """{class: job jar}: each job's classes plus its bundled library closure (shade style); the
    Jackson job compiles against lib/'s Jackson and bundles nothing."""
    jars = {}
    for cls, spec in JOBS.items():
        bundle = deps.resolve(spec["bundle"]) if spec["bundle"] else []
        classes = os.path.join(work, "classes", cls)
        shutil.rmtree(classes, ignore_errors=True)
        src = os.path.join(HERE, "flink", spec["src"], "knownjobs", cls + ".java")
        cp = [os.path.join(flink_lib, "*")] + bundle + (lib_jars if not spec["bundle"] else [])
        harness.compile_java([src], classes, classpath=os.pathsep.join(cp), javac=javac)
        jar = os.path.join(work, "jars", cls + ".jar")
        os.makedirs(os.path.dirname(jar), exist_ok=True)
        deps.fat_jar(jar, classes, bundle)
        jars[cls] = jar
    return jars


def run_cluster(args, jars, lib_jars, env):
    """Starts the cluster, submits every job twice, settles, stops the TaskManager; returns
    ({job id: class}, report path)."""
    wd = os.path.join(args.work, "cluster")
    jobs = {}
    # Reflection as the plain-JVM tests run it: without generated accessor classes, which the
    # agent reports as the holder of a job's class (a defect of the agent on JDK <= 17,
    # tests/knownleaks/known_test.py, branch fixverdict).
    env = dict(env, METALEAK_FLINK_WORKDIR=wd, FLINK_EXTRA_LIB=":".join(lib_jars),
               FLINK_TM_METASPACE="256m",
               FLINK_TM_JAVA_OPTS="-Dsun.reflect.inflationThreshold=2147483647")
    env.pop("FLINK_TM_EXTRA_CONF", None)
    started = False
    tm_pid = None
    try:
        sh([CLUSTER, "start", args.flink, wd, args.agent, "interval=0,path_budget=60000"],
           env=env)
        started = True
        for n in range(SUBMISSIONS):
            for cls in JOBS:
                t0 = time.monotonic()
                jid = sh([CLUSTER, "submit", jars[cls], "knownjobs." + cls],
                         env=env).stdout.strip()
                state = sh([CLUSTER, "wait-finished", jid], env=env).stdout.split()[-1]
                jobs[jid] = cls
                print("  %-17s %s %-8s %.1f s" % (cls, jid, state, time.monotonic() - t0),
                      flush=True)
                harness.check("%s submission %d finished" % (cls, n + 1), state == "FINISHED",
                              state)
        tm_pid = int(open(os.path.join(wd, "tm.pid")).read().strip())
        # Objects waiting for finalization (the SDK's connection managers, Flink's
        # SystemProcessingTimeService) let go of the loaders before the exit verdict.
        jcmd = harness.jdk_tool(args.java, "jcmd")
        if jcmd:
            for cmd in ("GC.run", "GC.run_finalization", "GC.run"):
                sh([jcmd, str(tm_pid), cmd], check=False)
        sh([CLUSTER, "-w", wd, "stop-tm"], env=env)
    finally:
        if started or os.path.exists(os.path.join(wd, "cluster.env")):
            sh([CLUSTER, "-w", wd, "stop"], env=env, check=False)
    reports = glob.glob(os.path.join(wd, "log", "metaleak-%d.json" % (tm_pid or 0)))
    if not reports:
        raise HarnessError("no TaskManager report in %s/log" % wd)
    return jobs, reports[0]


def evaluate(args, jobs, report):
    doc, problem = harness.read_report(report)
    if not harness.check("the TaskManager's exit report is valid", doc is not None and
                         problem is None and doc.get("trigger") == "exit", problem):
        return
    by_class = collections.defaultdict(list)
    foreign = []
    for lk in doc["leaks"]:
        cls = jobs.get(lk.get("job_id"))
        if cls is None:
            foreign.append(lk)
        else:
            by_class[cls].append(lk)
    harness.check("no leak but of the submitted jobs", not foreign,
                  [(lk.get("class"), lk.get("job_id"), lk.get("path_summary")) for lk in foreign])
    groups = (doc.get("paths") or {}).get("groups", [])
    for cls, spec in JOBS.items():
        leaks = by_class.get(cls, [])
        harness.check("%s: %d of %d submissions leaked" % (cls, spec["leaks"], SUBMISSIONS),
                      len(leaks) == spec["leaks"],
                      [(lk.get("job_id"), lk.get("path_summary")) for lk in leaks])
        for lk in leaks:
            harness.CHECKS.note("%s %s: %s" % (cls, lk["job_id"][:8], lk.get("path_summary")))
            k = lk.get("known") or {}
            harness.check("%s %s: known.id %s" % (cls, lk["job_id"][:8], spec["known"]),
                          lk.get("path_status") == "found" and k.get("id") == spec["known"],
                          "%s known %s: %s" % (lk.get("path_status"), k.get("id"),
                                               lk.get("path_summary")))
        sigs = sorted({lk.get("signature") or "" for lk in leaks})
        if not leaks:
            continue
        harness.check("%s: one signature across the submissions" % cls,
                      len(sigs) == 1 and SIGNATURE.match(sigs[0]),
                      "%s; paths %s" % (sigs, [lk.get("path_summary") for lk in leaks]))
        mine = [g for g in groups if g.get("signature") == sigs[0]]
        harness.check("%s: paths.groups has one group of %d, known_id %s" % (
            cls, len(leaks), spec["known"]),
            len(mine) == 1 and mine[0].get("count") == len(leaks) and
            mine[0].get("known_id") == spec["known"], json.dumps(mine)[:400])
    # The CLI groups by signature: one block per known leak, with its count.
    r = sh([args.cli, "summary", report], check=False)
    for cls, spec in JOBS.items():
        blocks = [b for b in r.stdout.split("\n\n") if "known leak: %s " % spec["known"] in b]
        harness.check("summary: one block for %s" % spec["known"], len(blocks) == 1,
                      r.stdout[-3000:])
        if blocks:
            harness.check("summary: %s block counts %d" % (spec["known"], spec["leaks"]),
                          re.search(r"\b%d x\b" % spec["leaks"], blocks[0]) is not None,
                          blocks[0][:600])


def main():
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap, java_many=False)
    ap.add_argument("--cli", required=True, help="bin/metaleak")
    ap.add_argument("--flink", default="1.20.5")
    args = ap.parse_args()
    args.agent = os.path.abspath(args.agent)
    args.work = harness.fresh_dir(args.work)
    t0 = time.monotonic()
    env = dict(os.environ, JAVA=args.java)
    try:
        flink_lib = sh([CLUSTER, "fetch", args.flink], env=env).stdout.strip()
        lib_jars = deps.resolve([JACKSON])
        jars = build_jobs(args.work, flink_lib, lib_jars, args.javac)
    except (deps.ResolveError, HarnessError) as e:
        print("skip: the Flink or library jars cannot be fetched: %s" % e, flush=True)
        return 77
    print("--- Flink %s: %d jobs, %d submissions each; lib/ + %s" % (
        args.flink, len(JOBS), SUBMISSIONS, [os.path.basename(j) for j in lib_jars]), flush=True)
    try:
        jobs, report = run_cluster(args, jars, lib_jars, env)
    except HarnessError as e:
        harness.check("the cluster ran the jobs", False, str(e))
        return harness.CHECKS.summary()
    evaluate(args, jobs, report)
    return harness.CHECKS.summary(" in %.0f s" % (time.monotonic() - t0), require_checks=True)


if __name__ == "__main__":
    sys.exit(main())
