#!/usr/bin/env python3
"""metaleak on a real standalone Flink session cluster (issue 5).

For each Flink version: start a JobManager and a TaskManager (separate JVMs, tests/flink/cluster.sh)
with the agent on the TaskManager through env.java.opts.taskmanager, submit the example jobs of
examples/flink-jobs through Flink's own CLI (each submission gets its own ChildFirstClassLoader on
the TM), wait for each to finish, take an -all heap dump of the TM as independent ground truth
(tests/flink/hprof_paths.py), SIGTERM the TaskManager so the agent writes its exit report, and
compare the report with the expectation:

  phase "main" (stock configuration):
    ThreadLeakJob, StaticCacheJob, JdbcJob, HookJob      leaked, in `leaks` with their job id,
                                                         cause thread / static-field / jdbc-driver /
                                                         shutdown-hook, a path ending in an owned
                                                         object, advice, path_status "found"
    CleanJob, ThreadLeakFixedJob, StaticCacheFixedJob,   unloaded, not in `leaks`
    HookFixedJob
  phase "driver-in-lib" (a second cluster: H2 in lib/, classloader.parent-first-patterns.additional:
  org.h2, which is Flink's documented fix for JDBC drivers):
    JdbcFixedJob, first submission                       leaked once, cause static-field: H2's static
                                                         exceptions (created in the first user's task
                                                         thread) hold that job's classes in their
                                                         backtraces; a bounded leak, one per TM
    JdbcFixedJob, later submissions                      unloaded, not in `leaks`

Then per version a late-attach cluster (run_late_attach) and a Metaspace OOM cluster
(run_metaspace_oom: 96m of Metaspace, JdbcJob until it fails; the report at the error and the
exit report that records it).

Every agent path is also walked through the heap dump (each field / static field / array index
must lead to an object of the named class, ending in the job's loader).

    tests/flink/run_flink_test.py [--flink 1.20.5] [--flink 2.3.0] [--agent build/libmetaleak.so]
                                  [--java JDK/bin/java] [--table]
                                  [--leak 2] [--clean 1] [--fixed 1] [--jobs CLASS,...]
                                  [--agent-opts leak_gcs=2] [--workdir /tmp/metaleak-flink]
                                  [--no-heap-dump] [--keep] [--settle] [--cli build/bin/metaleak]

With --table the cluster also has the Table API / SQL jars and SqlJob runs in the main phase:
SQL planned by a client and submitted without a jar, whose user-code loader must still carry the
job id (read by the agent from the task thread). --jobs picks a subset (a light cell of the
Flink matrix: tests/flink/CMakeLists.txt) and skips late attach and the Metaspace OOM.

Exit status 0 when every check passes for every version, 1 otherwise, 2 on a harness error.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CLUSTER = os.path.join(HERE, "cluster.sh")
BUILD_JOBS = os.path.join(ROOT, "examples", "flink-jobs", "build.sh")
JOB_PKG = "io.metaleak.flinkjobs."
DEFAULT_VERSIONS = ["1.20.5", "2.3.0"]
JOB_RE = re.compile(r"/job_([0-9a-f]{32})/blob_p-")
H2 = "com.h2database:h2:2.5.252"  # bundled into the job jar (JdbcJob) and put into lib/ (JdbcFixedJob)

# The example jobs: kind (leak / clean / fixed), the cause the agent must name for a leak, the
# classes the job's loader defines on the TM (an int, or (min, None) for "at least"), and the
# phase (cluster configuration) the job runs in.
JOBS = {
    "ThreadLeakJob":       {"kind": "leak", "cause": "thread", "classes": 2},
    "StaticCacheJob":      {"kind": "leak", "cause": "static-field", "classes": 2},
    # LookupMap + the H2 classes it loads (several hundred; the number depends on H2's internals)
    "JdbcJob":             {"kind": "leak", "cause": "jdbc-driver", "classes": (50, None)},
    "HookJob":             {"kind": "leak", "cause": "shutdown-hook", "classes": 2},
    "CleanJob":            {"kind": "clean", "classes": 1},
    "ThreadLeakFixedJob":  {"kind": "fixed", "classes": 2},
    "StaticCacheFixedJob": {"kind": "fixed", "classes": 2},
    "HookFixedJob":        {"kind": "fixed", "classes": 3},
    # Only LookupMap: org.h2 is parent-first and comes from lib/. One more submission than
    # --fixed: the FIRST job that uses H2 from lib/ stays pinned (H2 creates static exceptions,
    # DbException.OOME and TraceObject.SQL_OOME, in the static initializers that this job's task
    # thread runs, and their backtraces hold the classes on that thread's stack: LookupMap). That
    # is a real, bounded leak (one loader per TaskManager, not one per job) and metaleak must
    # report it as such; every later submission must be unloaded.
    "JdbcFixedJob":        {"kind": "fixed", "classes": 1, "phase": "driver-in-lib",
                            "first_pinned": "static-field"},
    # SQL planned by a client of our own (tests/flink/java/SqlSubmit.java) and submitted without
    # a jar, like the SQL client or gateway do (--table only). Its user-code loader has no URL
    # and defines no class (the planner's generated code is compiled by janino into loaders
    # below the job's SafetyNet wrapper): its job id comes from the task thread.
    "SqlJob":              {"kind": "clean", "classes": 0, "submit": "sql", "table": True},
}
# SqlJob: a bounded datagen source at 1 000 rows/s (the task runs about 3 s, so that the agent
# sees its thread), generated Calc code, the blackhole sink.
SQL = [
    "CREATE TEMPORARY TABLE numbers (n BIGINT, s STRING) WITH ('connector' = 'datagen', "
    "'rows-per-second' = '1000', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', "
    "'fields.n.end' = '3000', 'fields.s.length' = '8')",
    "CREATE TEMPORARY TABLE sink (n BIGINT, s STRING) WITH ('connector' = 'blackhole')",
    "INSERT INTO sink SELECT n * 3 + 1, UPPER(s) FROM numbers WHERE MOD(n, 7) <> 0",
]
# Per phase: extra "key: value" config lines and whether the H2 jar goes into lib/.
PHASES = {
    "main": {"conf": "", "h2_in_lib": False},
    "driver-in-lib": {"conf": "classloader.parent-first-patterns.additional: org.h2",
                      "h2_in_lib": True},
}

sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
import hprof_paths  # noqa: E402
from harness import validate  # noqa: E402


class HarnessError(Exception):
    pass


def sh(args, env=None, check=True):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if check and p.returncode != 0:
        raise HarnessError("%s failed (exit %d):\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def timed(timings, key, fn, *a, **kw):
    t0 = time.monotonic()
    try:
        return fn(*a, **kw)
    finally:
        timings[key] = round(time.monotonic() - t0, 2)


def build_agent(build_dir):
    so = os.path.join(build_dir, "libmetaleak.so")
    sh(["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja"])
    # "--target metaleak" would build the CLI executable named metaleak under Ninja; name the file.
    sh(["cmake", "--build", build_dir, "--target", "libmetaleak.so"])
    if not os.path.exists(so):
        raise HarnessError("no %s after the build" % so)
    return so


def plan_for(phase, args):
    """[(class, kind)] submitted in this phase, in order: each leak job args.leak times, CleanJob
    args.clean times, each fixed job args.fixed times."""
    count = {"leak": args.leak, "clean": args.clean, "fixed": args.fixed}
    plan = []
    for cls, spec in JOBS.items():
        if spec.get("phase", "main") != phase or (args.jobs and cls not in args.jobs):
            continue
        if spec.get("table") and not args.table:
            continue
        n = count[spec["kind"]]
        if spec.get("first_pinned") and n:
            n += 1
        plan += [(cls, spec["kind"])] * n
    return plan


def submit(spec, cls, jar, env, args):
    """Submits one job; returns its id."""
    if spec.get("submit") == "sql":
        return sh([CLUSTER, "submit-main", args.sql_classes, "SqlSubmit"] + SQL,
                  env=env).stdout.strip()
    return sh([CLUSTER, "submit", jar, JOB_PKG + cls], env=env).stdout.strip()


def run_phase(version, phase, plan, agent, jar, h2_jar, args):
    """One cluster: start it, submit the plan, heap dump, stop the TM; returns the result with the
    TM's exit report."""
    wd = os.path.join(args.workdir, "flink-" + version + ("" if phase == "main" else "-" + phase))
    if os.path.isdir(wd):
        if os.path.exists(os.path.join(wd, "cluster.env")):
            sh([CLUSTER, "-w", wd, "stop"], check=False)
        shutil.rmtree(wd)
    os.makedirs(wd)
    t = {}
    res = {"version": version, "phase": phase, "workdir": wd, "timings": t, "jobs": [],
           "checks": []}
    # No report=: the agent's default is metaleak-<pid>.json in Flink's log directory (from
    # -Dlog.file), which is what `metaleak collect` fetches through the REST API.
    opts = "interval=0"
    if args.agent_opts:
        opts += "," + args.agent_opts
    res["agent_options"] = opts
    spec = PHASES[phase]
    env = dict(os.environ, METALEAK_FLINK_WORKDIR=wd)
    env.pop("FLINK_EXTRA_LIB", None)
    env.pop("FLINK_TM_EXTRA_CONF", None)
    if spec["conf"]:
        env["FLINK_TM_EXTRA_CONF"] = spec["conf"]
    if spec["h2_in_lib"]:
        env["FLINK_EXTRA_LIB"] = h2_jar
    res["extra_conf"] = spec["conf"]
    res["extra_lib"] = [os.path.basename(h2_jar)] if spec["h2_in_lib"] else []
    started = False
    try:
        timed(t, "cluster_start_s", sh, [CLUSTER, "start", version, wd, agent, opts], env=env)
        started = True
        for i, (cls, kind) in enumerate(plan):
            t0 = time.monotonic()
            jid = submit(JOBS[cls], cls, jar, env, args)
            t1 = time.monotonic()
            st = sh([CLUSTER, "wait-finished", jid], env=env).stdout.split()[-1]
            t2 = time.monotonic()
            res["jobs"].append({"n": i + 1, "class": cls, "kind": kind, "job_id": jid, "state": st,
                                "submit_s": round(t1 - t0, 2), "run_and_release_s": round(t2 - t1, 2)})
            print("  [%s %s] %-19s %s %-8s submit %.1fs, run+release %.1fs"
                  % (version, phase, cls, jid, st, t1 - t0, t2 - t1), flush=True)
        t["jobs_s"] = round(sum(j["submit_s"] + j["run_and_release_s"] for j in res["jobs"]), 2)
        tm_pid = int(open(os.path.join(wd, "tm.pid")).read().strip())
        res["tm_pid"] = tm_pid
        if args.cli and phase == "main":
            collect_check(res, wd, tm_pid, args.cli, len(plan))
        dump = None
        if args.heap_dump:
            # -all: no GC before the dump, unreachable objects included -> ground truth by path
            # search (analysed once the TM has written its report: the agent's paths are
            # checked against it too)
            dump = os.path.join(wd, "tm-all.hprof")
            timed(t, "heap_dump_s", sh, [args.jcmd, str(tm_pid), "GC.heap_dump", "-all", dump])
        if args.settle:
            # Full GC, pending finalizers (Flink's SystemProcessingTimeService.finalize() keeps
            # every finished StreamTask -- and through the user function its class loader --
            # alive for one extra GC), full GC: the leaks are then proven (and their paths
            # searched) while the TM runs, as on a long-lived cluster, instead of at the agent's
            # shutdown-hook checkpoint.
            for cmd in ("GC.run", "GC.run_finalization", "GC.run"):
                timed(t, "settle_" + cmd.split(".")[1] + "_s", sh, [args.jcmd, str(tm_pid), cmd])
        timed(t, "tm_stop_s", sh, [CLUSTER, "-w", wd, "stop-tm"])
    finally:
        if started or os.path.exists(os.path.join(wd, "cluster.env")):
            timed(t, "jm_stop_s", sh, [CLUSTER, "-w", wd, "stop"], check=False)
    reports = glob.glob(os.path.join(wd, "log", "metaleak-%d.json" % res["tm_pid"]))
    if not reports:
        raise HarnessError("no TM report %s/log/metaleak-%d.json (TM stdout: %s)"
                           % (wd, res["tm_pid"], os.path.join(wd, "log", "taskmanager.out")))
    with open(reports[0]) as f:
        res["report_file"] = reports[0]
        res["report"] = json.load(f)
    if dump:
        paths = {l["job_id"]: l.get("path") for l in res["report"]["leaks"]
                 if l.get("job_id") and isinstance(l.get("path"), list) and l.get("path")}
        res["heap"] = timed(t, "heap_analysis_s", analyse_dump, dump, paths)
        if not args.keep:
            os.unlink(dump)
    res["tm_stdout"] = [l for l in open(os.path.join(wd, "log", "taskmanager.out"), errors="replace")
                        .read().splitlines() if l.startswith("metaleak:") and ": debug:" not in l]
    return res


def run_version(version, agent, args):
    """Both phases of one Flink version; returns one result per phase that has jobs."""
    t = {}
    lib = timed(t, "fetch_s", sh, [CLUSTER, "fetch", version]).stdout.strip()
    h2_jar = timed(t, "fetch_h2_s", sh, [CLUSTER, "fetch-jar", H2]).stdout.strip()
    os.makedirs(os.path.join(args.workdir, "jars"), exist_ok=True)
    jar = os.path.join(args.workdir, "jars", "metaleak-flink-jobs-%s.jar" % version)
    # The jobs are compiled by the one compiler of the tests (build.sh runs javac and jar from
    # PATH): the build JDK's, like every other Java fixture (tests/lib/harness.py).
    javac = harness.find_javac(args.javac)
    env = dict(os.environ, PATH=os.path.dirname(javac) + os.pathsep + os.environ.get("PATH", ""))
    timed(t, "build_jobs_s", sh, [BUILD_JOBS, lib, jar, h2_jar], env=env)
    if args.table:
        args.sql_classes = harness.compile_java(
            [os.path.join(HERE, "java", "SqlSubmit.java")],
            os.path.join(args.workdir, "sql-classes-%s" % version), classpath=lib + "/*",
            javac=javac)
    out = []
    for phase in PHASES:
        plan = plan_for(phase, args)
        if not plan:
            continue
        print("--- Flink %s, phase %s: %d submissions" % (version, phase, len(plan)), flush=True)
        t0 = time.monotonic()
        res = run_phase(version, phase, plan, agent, jar, h2_jar, args)
        res["timings"]["phase_s"] = round(time.monotonic() - t0, 2)
        if not out:
            res["timings"].update(t)
        out.append(res)
    return out


def run_late_attach(version, agent, args):
    """A TaskManager started WITHOUT the agent: a ThreadLeakJob and a CleanJob run, then the agent
    is attached to the running TaskManager (`metaleak attach`, or jcmd without --cli), then a
    ThreadLeakJob, a StaticCacheJob and a CleanJob run. The exit report must have every leak (the
    one from before the attach too: the attach replays the existing loaders, and that loader is
    already closed), with its cause, and no clean job's loader among the leaks."""
    wd = os.path.join(args.workdir, "flink-%s-late-attach" % version)
    jar = os.path.join(args.workdir, "jars", "metaleak-flink-jobs-%s.jar" % version)
    if os.path.exists(os.path.join(wd, "cluster.env")):
        sh([CLUSTER, "-w", wd, "stop"], check=False)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    res = {"version": version, "phase": "late-attach", "workdir": wd, "checks": []}
    env = dict(os.environ, METALEAK_FLINK_WORKDIR=wd)
    env.pop("FLINK_EXTRA_LIB", None)
    env.pop("FLINK_TM_EXTRA_CONF", None)
    report = os.path.join(wd, "late-attach.json")
    jobs = {}
    try:
        sh([CLUSTER, "start", version, wd, "none"], env=env)
        tm_pid = int(open(os.path.join(wd, "tm.pid")).read().strip())

        def run(cls):
            jid = sh([CLUSTER, "submit", jar, JOB_PKG + cls], env=env).stdout.strip()
            sh([CLUSTER, "wait-finished", jid], env=env)
            jobs[jid] = cls

        run("ThreadLeakJob")
        run("CleanJob")
        opts = "report=%s,interval=0" % report
        if args.cli:
            r = sh([args.cli, "attach", str(tm_pid), opts], check=False)
        else:
            r = sh([args.jcmd, str(tm_pid), "JVMTI.agent_load", agent, '"%s"' % opts], check=False)
        check(res, "agent attached to the running TaskManager", r.returncode == 0,
              (r.stdout + r.stderr)[-300:])
        for cls in ("ThreadLeakJob", "StaticCacheJob", "CleanJob"):
            run(cls)
        sh([CLUSTER, "-w", wd, "stop-tm"], env=env)
    finally:
        sh([CLUSTER, "-w", wd, "stop"], check=False)
    doc, problem = harness.read_report(report)
    if doc is None:
        check(res, "exit report written after the late attach", False, problem)
        return res
    leaks = {l["job_id"]: l for l in doc["leaks"]}
    check(res, "report: trigger exit, attached, schema", doc["trigger"] == "exit" and
          doc["agent"]["attached"] is True and problem is None,
          "%s %s %s" % (doc["trigger"], doc["agent"]["attached"], problem))
    for jid, cls in jobs.items():
        spec = JOBS[cls]
        if spec["kind"] == "leak":
            leak = leaks.get(jid)
            check(res, "%s %s leaked, cause %s" % (cls, jid[:8], spec["cause"]),
                  leak is not None and leak.get("cause") == spec["cause"] and
                  leak.get("path_status") == "found",
                  json.dumps(leak)[:400] if leak else "not in leaks: %s" % sorted(leaks))
        else:
            check(res, "%s %s not leaked" % (cls, jid[:8]), jid not in leaks, "")
    return res


OOM_METASPACE = "96m"      # taskmanager.memory.jvm-metaspace.size of the Metaspace OOM phase
OOM_MAX_SUBMISSIONS = 40   # JdbcJob submissions before the phase gives up waiting for the OOM


def run_metaspace_oom(version, agent, args):
    """A TaskManager with taskmanager.memory.jvm-metaspace.size: 96m (the scripts' path: the
    -XX:MaxMetaspaceSize flag comes from BashJavaUtils) gets JdbcJob submissions, each leaking its
    loader with H2 in it, until Metaspace runs out. The agent's report at the error (trigger
    metaspace-oom) must be written before Flink stops the TaskManager, and the last report (the
    exit report replaces it in the same file) must still record the error, call the Metaspace
    verdict a leak and list every earlier submission's loader as leaked by the JDBC driver."""
    wd = os.path.join(args.workdir, "flink-%s-metaspace-oom" % version)
    jar = os.path.join(args.workdir, "jars", "metaleak-flink-jobs-%s.jar" % version)
    if os.path.exists(os.path.join(wd, "cluster.env")):
        sh([CLUSTER, "-w", wd, "stop"], check=False)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    res = {"version": version, "phase": "metaspace-oom", "workdir": wd, "checks": [], "jobs": []}
    env = dict(os.environ, METALEAK_FLINK_WORKDIR=wd, FLINK_TM_METASPACE=OOM_METASPACE)
    env.pop("FLINK_EXTRA_LIB", None)
    env.pop("FLINK_TM_EXTRA_CONF", None)
    t0 = time.monotonic()
    try:
        sh([CLUSTER, "start", version, wd, agent, "interval=0"], env=env)
        tm_pid = int(open(os.path.join(wd, "tm.pid")).read().strip())
        for _ in range(OOM_MAX_SUBMISSIONS):
            if not pid_alive(tm_pid):
                break
            jid = sh([CLUSTER, "submit", jar, JOB_PKG + "JdbcJob"], env=env).stdout.strip()
            st = sh([CLUSTER, "wait-finished", jid], env=env).stdout.split()[-1]
            res["jobs"].append({"job_id": jid, "state": st})
            if st != "FINISHED":
                break
        # Flink stops a TaskManager after a Metaspace OOM (classloader.fail-on-metaspace-oom-error)
        deadline = time.monotonic() + 60
        while pid_alive(tm_pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        tm_exited = not pid_alive(tm_pid)
        if not tm_exited:
            sh([CLUSTER, "-w", wd, "stop-tm"], env=env)
    finally:
        sh([CLUSTER, "-w", wd, "stop"], check=False)
    res["phase_s"] = round(time.monotonic() - t0, 1)
    states = [j["state"] for j in res["jobs"]]
    print("  [%s metaspace-oom] %d JdbcJob submissions: %s; TM %s (%.0fs)"
          % (version, len(states), " ".join(s[:4] for s in states),
             "exited by itself" if tm_exited else "stopped", res["phase_s"]), flush=True)
    check(res, "a submission failed once Metaspace (%s) ran out" % OOM_METASPACE,
          len(states) >= 2 and states[-1] != "FINISHED" and
          all(s == "FINISHED" for s in states[:-1]), " ".join(states))
    out = open(os.path.join(wd, "log", "taskmanager.out"), errors="replace").read()
    log = open(os.path.join(wd, "log", "taskmanager.log"), errors="replace").read()
    check(res, "Flink saw OutOfMemoryError: Metaspace on the TaskManager",
          "OutOfMemoryError: Metaspace" in log or "OutOfMemoryError: Metaspace" in out,
          "not in taskmanager.log / .out")
    check(res, "agent wrote its report at the error (trigger metaspace-oom)",
          "(trigger metaspace-oom)" in out,
          "; ".join(l for l in out.splitlines() if l.startswith("metaleak:"))[-600:])
    path = os.path.join(wd, "log", "metaleak-%d.json" % tm_pid)
    doc, problem = harness.read_report(path)
    if doc is None:
        check(res, "last report readable", False, problem)
        return res
    ms = doc["metaspace"]
    oom = ms.get("out_of_memory") or {}
    check(res, "last report (trigger %s) matches the schema and records the OOM" % doc["trigger"],
          problem is None and oom.get("count", 0) >= 1 and oom.get("space") == "metaspace",
          "%s %s" % (problem, json.dumps(oom)))
    want = 96 << 20
    check(res, "max_bytes is the configured %s (flag from BashJavaUtils)" % OOM_METASPACE,
          ms.get("max_bytes") == want, str(ms.get("max_bytes")))
    check(res, "Metaspace verdict leak", ms.get("verdict") == "leak",
          "%s: %s" % (ms.get("verdict"), ms.get("verdict_reason")))
    leaks = {l["job_id"]: l for l in doc["leaks"]}
    done = [j["job_id"] for j in res["jobs"] if j["state"] == "FINISHED"]
    missing = [j[:8] for j in done if j not in leaks]
    wrong = ["%s:%s" % (j[:8], leaks[j].get("cause")) for j in done
             if j in leaks and leaks[j].get("cause") != "jdbc-driver"]
    check(res, "every finished submission's loader leaked, cause jdbc-driver (%d)" % len(done),
          not missing and not wrong, "missing %s, wrong cause %s" % (missing, wrong))
    held = sum(leaks[j].get("metaspace_bytes") or 0 for j in done if j in leaks)
    # Over 40 %: the rest is Flink's and the JDK's own classes, which take about half of the
    # 96 MiB on Flink 2.3.0 with JDK 21 (the leaked loaders held 49 % there in CI).
    check(res, "the leaked loaders hold over 40 % of the Metaspace in use",
          ms.get("used_bytes") and held * 5 > ms["used_bytes"] * 2,
          "%d of %s" % (held, ms.get("used_bytes")))
    return res


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def collect_check(res, wd, tm_pid, cli, submissions):
    """`metaleak attach` to the running TaskManager (the agent is loaded: it writes a report
    now), then `metaleak collect` through the JobManager's REST API."""
    env = dict(l.split("=", 1) for l in open(os.path.join(wd, "cluster.env")).read().split()
               if "=" in l and l.split("=", 1)[0] == "REST_PORT")
    url = "http://localhost:%s" % env.get("REST_PORT", "0")
    r = subprocess.run([cli, "attach", str(tm_pid)], capture_output=True, text=True, timeout=60)
    check(res, "metaleak attach to the running TaskManager (report on request)",
              r.returncode == 0, (r.stdout + r.stderr).strip()[-300:])
    report = os.path.join(wd, "log", "metaleak-%d.json" % tm_pid)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not os.path.exists(report):
        time.sleep(0.1)
    out = os.path.join(wd, "collected")
    r = subprocess.run([cli, "collect", url, "--out", out], capture_output=True, text=True,
                       timeout=120)
    listing = sorted(os.listdir(out)) if os.path.isdir(out) else []
    fetched = [f for f in listing if f != "flink-jobs.json"]
    jobs = json.load(open(os.path.join(out, "flink-jobs.json"))) \
        if "flink-jobs.json" in listing else {}
    check(res, "metaleak collect fetches the job names from the JobManager (/jobs/overview)",
              jobs.get("schema") == "metaleak-flink-jobs/1" and
              len(jobs.get("jobs", [])) >= submissions and
              all(j.get("name") for j in jobs.get("jobs", [])),
              json.dumps(jobs)[:300])
    check(res, "metaleak collect %s fetches the TaskManager's report" % url,
              r.returncode == 0 and len(fetched) == 1 and fetched[0].endswith(
                  "metaleak-%d.json" % tm_pid), "rc=%d files=%s %s" % (r.returncode, fetched,
                                                                       r.stderr.strip()[-300:]))
    doc = json.load(open(os.path.join(out, fetched[0]))) if len(fetched) == 1 else {}
    users = [l for l in doc.get("loaders", []) if (l.get("flink") or {}).get("role") == "user-code"]
    check(res, "the collected report lists one user-code loader per submission",
              len(users) == submissions, "%d of %d" % (len(users), submissions))


def chain_classes(d, chain):
    """Class names of the objects on an hprof chain (a class object counts as its own name)."""
    out = []
    for oid, _lbl in chain:
        if oid in d.classes:
            out.append(d.name(oid))
            continue
        o = d.objs.get(oid)
        if o and o[0] == 0:
            out.append(d.name(o[2]))
        elif o and o[0] == 1:
            out.append(d.name(o[3]))
    return out


# How a step of the agent's path is reached from the previous one, as an hprof_paths edge label
# (None: any edge; the heap dump does not record interfaces or constant pool entries).
def edge_matches(step, label):
    ref = step.get("ref")
    if ref == "field":
        return label == step.get("field") if step.get("field") else not label.startswith(("<", "["))
    if ref == "static-field":
        return label == "static %s" % step.get("field") if step.get("field") else label.startswith("static ")
    if ref == "array-element":
        return label == "[%d]" % step["index"] if step.get("index") is not None else label.startswith("[")
    want = {"class": "<class>", "class-loader": "<loader>", "superclass": "<super>",
            "signers": "<signers>", "protection-domain": "<protection domain>"}.get(ref)
    return want is None or label == want


def object_matches(d, oid, step):
    name = java_name(step.get("class"))
    if step.get("object") == "class":
        return oid in d.classes and java_name(d.name(oid)) == name
    o = d.objs.get(oid)
    if not o or o[0] == 2:
        return False
    return java_name(d.name(o[2] if o[0] == 0 else o[3])) == name


def loader_of(d, oid, step):
    """The class loader object that defines the object of the last step (the object itself when
    it is a loader)."""
    if step.get("object") == "class":
        return (d.classes.get(oid) or {}).get("loader")
    if step.get("object") == "loader":
        return oid
    o = d.objs.get(oid)
    if o and o[0] == 0:
        return (d.classes.get(o[2]) or {}).get("loader")
    return None


def verify_agent_path(d, by_name, path, job_id):
    """Walks the agent's path through the heap dump: step 0 names the root object (any object of
    that class), each later step must be reachable from a candidate of the previous step through
    the named field / static field / array index / class edge and be of the named class; the
    last step's object must belong to this job's ChildFirstClassLoader. Returns (ok, detail)."""
    first = path[0]
    if first.get("object") == "class":
        cands = {c for c, n in d.class_names.items() if java_name(n) == java_name(first.get("class"))}
    else:
        cands = set(by_name().get(java_name(first.get("class")), ()))
    if not cands:
        return False, "step 0 (%s %s): no such object in the heap dump" % (
            first.get("object"), first.get("class"))
    for i, step in enumerate(path[1:], 1):
        nxt = set()
        loose = step.get("ref") in ("interface", "constant-pool", "other")
        if loose:  # not in the dump: any object of the named class
            nxt = ({c for c, n in d.class_names.items() if java_name(n) == java_name(step.get("class"))}
                   if step.get("object") == "class" else set(by_name().get(java_name(step.get("class")), ())))
        else:
            for c in cands:
                for label, ref in d.edges(c):
                    if edge_matches(step, label) and object_matches(d, ref, step):
                        nxt.add(ref)
        if not nxt:
            return False, "step %d (%s %s -> %s %s) not found in the heap dump" % (
                i, step.get("ref"), step.get("field") or step.get("index") or "", step.get("object"),
                step.get("class"))
        cands = nxt
    loaders = {loader_of(d, c, path[-1]) for c in cands}
    jobs = set()
    for ld in loaders:
        for u in d.loader_urls(ld) if ld else []:
            m = JOB_RE.search(u)
            if m:
                jobs.add(m.group(1))
    if job_id not in jobs:
        return False, "all %d steps found, but the last object's loader is not job %s's (%s)" % (
            len(path), job_id, sorted(jobs) or "no job loader")
    return True, "all %d steps found in the heap dump, ending in job %s's loader" % (len(path), job_id)


def analyse_dump(path, agent_paths=None):
    """Per job id: is the job's ChildFirstClassLoader strongly reachable (and through which path),
    and if not, only through a finalizable object (survives one more GC) or softly?  With
    agent_paths ({job id: the leak's path}): is each agent path a real chain in the dump?"""
    out = {}
    d = hprof_paths.Dump(path)
    for mode, soft, final in [("strong", False, False), ("soft", True, False),
                              ("finalizer", False, True)]:
        # one parse, three searches: the flags only change the field layouts
        d.follow_soft, d.follow_final, d._layouts = soft, final, {}
        for oid, chain in hprof_paths.strong_paths(d, ["org.apache.flink.util.ChildFirstClassLoader"]).items():
            urls = d.loader_urls(oid)
            jid = next((m.group(1) for m in map(JOB_RE.search, urls) if m), None)
            key = jid or ("loader@%x" % oid)
            e = out.setdefault(key, {"reachable": None, "path": None, "classes": []})
            if chain is not None and e["reachable"] is None:
                e["reachable"] = mode
                e["path"] = hprof_paths.format_chain(d, chain)
                e["classes"] = chain_classes(d, chain)
        if all(e["reachable"] is not None for e in out.values()):
            break
    for e in out.values():
        if e["reachable"] is None:
            e["reachable"] = "garbage"
    d.follow_soft, d.follow_final, d._layouts = False, False, {}
    index = {}

    def by_name():
        if not index:
            for oid, o in d.objs.items():
                if o[0] != 2:
                    index.setdefault(java_name(d.name(o[2] if o[0] == 0 else o[3])), []).append(oid)
        return index
    for jid, apath in (agent_paths or {}).items():
        ok, detail = verify_agent_path(d, by_name, apath, jid)
        out.setdefault(jid, {"reachable": None, "path": None, "classes": []})["agent_path"] = {
            "ok": ok, "detail": detail}
    return out


def check(res, name, ok, detail):
    res["checks"].append({"check": name, "ok": bool(ok), "detail": detail})


def java_name(name):
    """'[Ljava.lang.Object;' / 'java/lang/Object' / 'Object[]' -> one comparable spelling."""
    name = (name or "").replace("/", ".")
    dims = 0
    while name.startswith("["):
        dims += 1
        name = name[1:]
    if dims and name.startswith("L") and name.endswith(";"):
        name = name[1:-1]
    while name.endswith("[]"):
        dims += 1
        name = name[:-2]
    if name.startswith("class "):
        name = name[6:]
    return name + "[]" * dims


# The agent's path steps (docs/report.schema.json, definitions/step): step 0 is the GC root or
# anchor, each later one an object held by the previous step; "class" names the object's class.
STEP_CLASS_KEYS = ("class", "object_class", "class_name", "type", "holder")


def step_class(step):
    if isinstance(step, dict):
        for k in STEP_CLASS_KEYS:
            v = step.get(k)
            if isinstance(v, str) and v:
                return java_name(v)
    elif isinstance(step, str) and step:
        return java_name(re.split(r"[@\s]", step.strip())[0])
    return None


EXPLANATION_CHECKS = (": cause ==", ": path is", ": advice", ": path_status", ": agent path is")


def explanation_checks(res, tag, spec, leak, heap):
    """The fields that explain a leak (cause, path, advice, path_status), keyed by job, and the
    path against the heap dump's ground truth."""
    missing = [k for k in ("cause", "path", "advice", "path_status") if k not in leak]
    why = (" -- field(s) %s absent from the leak entry: this agent does not emit them yet"
           % ", ".join(missing)) if missing else ""
    cause = leak.get("cause")
    check(res, tag + ": cause == %r" % spec["cause"], cause == spec["cause"],
          "cause %r%s" % (cause, why if "cause" in missing else ""))
    path = leak.get("path")
    last = path[-1] if isinstance(path, list) and path else None
    path_ok = isinstance(last, dict) and last.get("owned") is True
    check(res, tag + ": path is a non-empty list whose last step is owned", path_ok,
          ("path %s%s" % (json.dumps(path)[:400] if path is not None else None,
                          why if "path" in missing else "")))
    advice = leak.get("advice")
    advice_ok = (isinstance(advice, str) and advice.strip()) or (
        isinstance(advice, list) and any(isinstance(a, str) and a.strip() for a in advice))
    check(res, tag + ": advice non-empty", advice_ok,
          "advice %s%s" % (json.dumps(advice)[:200], why if "advice" in missing else ""))
    st = leak.get("path_status")
    check(res, tag + ": path_status == 'found'", st == "found",
          "path_status %r%s" % (st, why if "path_status" in missing else ""))
    if not heap or "path" in missing:
        return
    ap = heap.get("agent_path")
    check(res, tag + ": agent path is a real reference chain in the heap dump, ending in this "
          "job's loader", ap and ap["ok"], (ap or {}).get("detail", "not verified (no path)"))
    if isinstance(path, list) and len(path) > 1 and heap.get("classes"):
        # For information only: the heap dump's shortest path may start at another root (H2's
        # TraceObject.SQL_OOME vs DbException.OOME, Logging.logManager vs LogManager.manager),
        # so a class of the agent's path need not be on it.
        on_heap = {java_name(c) for c in heap["classes"]}
        res.setdefault("notes", []).append(
            "%s: agent's first non-root step %s %s the heap dump's shortest path" % (
                tag, step_class(path[1]), "is on" if step_class(path[1]) in on_heap else "is NOT on"))


def in_range(n, want):
    if isinstance(want, tuple):
        lo, hi = want
        return n >= lo and (hi is None or n <= hi)
    return n == want


def describe_range(want):
    if isinstance(want, tuple):
        lo, hi = want
        return ">= %d" % lo if hi is None else "%d..%d" % (lo, hi)
    return "== %d" % want


def evaluate(res):
    r = res["report"]
    loaders = {l["id"]: l for l in r["loaders"]}
    leaks = {l["loader_id"]: l for l in r["leaks"]}
    user = [l for l in r["loaders"] if (l.get("flink") or {}).get("role") == "user-code"]
    by_job = {}
    for l in user:
        by_job.setdefault(l["flink"]["job_id"], []).append(l)
    check(res, "report trigger is exit", r["trigger"] == "exit", r["trigger"])
    problem = validate(r)
    check(res, "report matches docs/report.schema.json", problem is None, str(problem))
    fc = r.get("flink_config") or {}
    check(res, "flink_config read from the real config file",
          (fc.get("file") or "").endswith(("flink-conf.yaml", "config.yaml")) and
          (fc.get("values") or {}).get("taskmanager.memory.jvm-metaspace.size") is not None,
          json.dumps(fc)[:300])
    check(res, "user-code loaders = submissions", len(user) == len(res["jobs"]),
          "%d user-code loaders, %d submissions" % (len(user), len(res["jobs"])))
    submitted = {j["job_id"] for j in res["jobs"]}
    stray = [l["id"] for l in user if l["flink"]["job_id"] not in submitted]
    check(res, "every user-code loader has a submitted job id", not stray,
          "loaders without a known job id: %s" % stray if stray else "all match")
    rows = []
    seen = set()
    for j in res["jobs"]:
        spec = JOBS[j["class"]]
        pinned_once = spec.get("first_pinned") and j["class"] not in seen
        seen.add(j["class"])
        ls = by_job.get(j["job_id"], [])
        l = ls[0] if len(ls) == 1 else None
        heap = (res.get("heap") or {}).get(j["job_id"], {})
        leak = leaks.get(l["id"]) if l else None
        row = {"n": j["n"], "class": j["class"], "job_id": j["job_id"], "loader": None,
               "state_job": j["state"]}
        if l:
            w = loaders.get(l["flink"]["wrapper_id"]) if l["flink"]["wrapper_id"] is not None else None
            row.update({
                "loader": l["id"], "loader_class": l["class"], "state": l["state"],
                "in_leaks": leak is not None, "classes_defined": l["classes_defined"],
                "classes_live": l["classes_live"], "closed_ms": l["closed_ms"], "leaked_ms": l["leaked_ms"],
                "unloaded_ms": l["unloaded_ms"], "gcs_since_close": l["gcs_since_close"],
                "wrapper": l["flink"]["wrapper_id"],
                "wrapper_ok": bool(w and (w.get("flink") or {}).get("role") == "safety-net-wrapper"
                                  and w["flink"].get("inner_id") == l["id"]),
                "url_job_ok": any(JOB_RE.search(u) and JOB_RE.search(u).group(1) == j["job_id"] for u in l["urls"]),
                "heap_dump": heap.get("reachable"),
                "cause": (leak or {}).get("cause"),
                "path_status": (leak or {}).get("path_status"),
            })
        rows.append(row)
        tag = "%s #%d (%s)" % (j["class"], j["n"], j["job_id"][:8])
        check(res, tag + ": job FINISHED", j["state"] == "FINISHED", j["state"])
        check(res, tag + ": exactly one user-code loader with this job id", len(ls) == 1, "%d found" % len(ls))
        if not l:
            continue
        check(res, tag + ": class ChildFirstClassLoader", l["class"] == "org.apache.flink.util.ChildFirstClassLoader", l["class"])
        check(res, tag + ": wrapper_id -> safety-net-wrapper with inner_id back", row["wrapper_ok"],
              "wrapper_id %s" % row["wrapper"])
        if spec.get("submit") == "sql":
            # No jar: no URL names the job; the agent read the id from the task thread.
            check(res, tag + ": no URL (submitted without a jar): job id from the task thread",
                  l["urls"] == [], l["urls"][:2])
            gen = [x for x in r["loaders"] if x["parent_id"] == l["flink"]["wrapper_id"] and
                   x["classes_defined"] > 0]
            check(res, tag + ": the planner's generated code was compiled on the TaskManager "
                  "into a loader below the job's wrapper",
                  l["flink"]["wrapper_id"] is not None and gen,
                  "wrapper %s, loaders below it %s" % (l["flink"]["wrapper_id"],
                                                      [(x["id"], x["class"]) for x in gen]))
        else:
            check(res, tag + ": job id matches blob URL", row["url_job_ok"], l["urls"][:1])
        if pinned_once:
            # see JOBS: the first JdbcFixedJob is pinned by H2's static exceptions in lib/
            check(res, tag + ": first user of the driver in lib/: pinned once by a static field "
                  "of a lib/ class (listed in leaks)", l["state"] == "leaked" and leak is not None,
                  "state %s, in leaks %s" % (l["state"], leak is not None))
            if leak is not None:
                root_jar = ((leak.get("path") or [{}])[0] or {}).get("jar") or ""
                check(res, tag + ": the pinning class comes from lib/ (%s)" % ", ".join(res["extra_lib"]),
                      any(root_jar.endswith("/lib/" + x) for x in res["extra_lib"]),
                      "path[0].jar %r%s" % (root_jar or None, "" if "path" in leak else
                                            " -- no path: this agent does not emit it yet"))
                explanation_checks(res, tag, {"cause": spec["first_pinned"]}, leak, heap)
        elif spec["kind"] == "leak":
            # The hooks run when the TM stops: a hook-pinned loader is proven leaked at the
            # shutdown-hook checkpoint, then released by the hooks and may be unloaded at exit.
            states = ("leaked", "unloaded") if spec["cause"] == "shutdown-hook" else ("leaked",)
            check(res, tag + ": leaked (state %s, listed in leaks)" % "/".join(states),
                  l["state"] in states and leak is not None,
                  "state %s, in leaks %s" % (l["state"], leak is not None))
            if leak is not None:
                check(res, tag + ": leak entry has this job id", leak.get("job_id") == j["job_id"],
                      "job_id %s" % leak.get("job_id"))
                explanation_checks(res, tag, spec, leak, heap)
            if heap:
                check(res, tag + ": heap dump: loader strongly reachable",
                      heap.get("reachable") == "strong", heap.get("reachable"))
        else:
            # JDK 11.0.13's serialization caches hold a job that serialized its own classes
            # through soft references only: freed before an OutOfMemoryError, never a leak
            # (docs/gc.md, softly_reachable).
            soft = l["state"] == "closed" and l.get("softly_reachable") is True
            check(res, tag + ": unloaded (or only softly reachable) and not reported as a leak",
                  (l["state"] == "unloaded" or soft) and leak is None,
                  "state %s, softly_reachable %s, in leaks %s"
                  % (l["state"], l.get("softly_reachable"), leak is not None))
        check(res, tag + ": classes_defined %s" % describe_range(spec["classes"]),
              in_range(l["classes_defined"], spec["classes"]), l["classes_defined"])
    res["rows"] = rows
    s = r["summary"]
    res["summary"] = {k: s.get(k) for k in ("loaders_total", "leaked_loaders", "loaders_unloaded", "loaders_closed")}
    res["summary"]["full_gcs"] = r["gc"]["full_gcs"]


def print_result(res):
    v = "%s [%s]" % (res["version"], res["phase"])
    print()
    print("=== Flink %s  (workdir %s)" % (v, res["workdir"]))
    print("agent options: %s" % res["agent_options"])
    if res.get("extra_conf") or res.get("extra_lib"):
        print("cluster: config + %r, lib/ + %s" % (res["extra_conf"], res["extra_lib"]))
    print("timings: %s" % json.dumps(res["timings"]))
    print("report: %s  summary %s" % (res["report_file"], json.dumps(res["summary"])))
    print("%-3s %-19s %-33s %-6s %-9s %-6s %-8s %-8s %-9s %-7s %-7s %-9s %s" % (
        "#", "job", "job_id", "loader", "state", "leaks", "classes", "wrapper", "closed", "leaked",
        "unload", "heap-dump", "cause"))
    for r in res["rows"]:
        if r["loader"] is None:
            print("%-3d %-19s %-33s (no user-code loader in the report)" % (r["n"], r["class"], r["job_id"]))
            continue
        print("%-3d %-19s %-33s %-6d %-9s %-6s %-8s %-8s %-9s %-7s %-7s %-9s %s" % (
            r["n"], r["class"], r["job_id"], r["loader"], r["state"], "yes" if r["in_leaks"] else "no",
            "%d/%d" % (r["classes_live"], r["classes_defined"]),
            "%s%s" % (r["wrapper"], "" if r["wrapper_ok"] else "!"),
            r["closed_ms"], r["leaked_ms"], r["unloaded_ms"], r.get("heap_dump"),
            "%s/%s" % (r["cause"], r["path_status"]) if r["in_leaks"] else "-"))
    heap = res.get("heap") or {}
    shown = set()
    for r in res["rows"]:
        h = heap.get(r["job_id"])
        if h and h["path"] and r["class"] not in shown:
            shown.add(r["class"])
            print("heap dump: %s path for job %s (%s):" % (h["reachable"], r["job_id"], r["class"]))
            for line in h["path"]:
                print("    " + line)
    leaks = {l["job_id"]: l for l in res["report"]["leaks"]}
    for r in res["rows"]:
        lk = leaks.get(r["job_id"])
        if lk and r["class"] + "/agent" not in shown and "path" in lk:
            shown.add(r["class"] + "/agent")
            print("agent path for job %s (%s): cause %s, path_status %s" % (
                r["job_id"], r["class"], lk.get("cause"), lk.get("path_status")))
            for step in lk.get("path") or []:
                print("    " + json.dumps(step))
            print("    advice: %s" % json.dumps(lk.get("advice")))
    for line in res.get("notes", []):
        print("note: " + line)
    for line in res["tm_stdout"]:
        print("TM> " + line)
    bad = [c for c in res["checks"] if not c["ok"]]
    for c in res["checks"]:
        print("%s  %s  (%s)" % ("PASS" if c["ok"] else "FAIL", c["check"], c["detail"]))
    print("Flink %s: %d/%d checks passed" % (v, len(res["checks"]) - len(bad), len(res["checks"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flink", action="append", help="Flink version (repeatable); default %s" % DEFAULT_VERSIONS)
    ap.add_argument("--agent", help="libmetaleak.so (default: build it into --build-dir)")
    ap.add_argument("--cli", help="the metaleak command: also test attach and collect")
    ap.add_argument("--javac", help="the compiler of the example jobs (default: $METALEAK_JAVAC, "
                                    "$JAVA_HOME/bin/javac, javac on PATH)")
    ap.add_argument("--java", help="bin/java of the JDK the cluster runs on (JobManager, "
                                   "TaskManager, clients; its jcmd takes the heap dumps); "
                                   "default: $JAVA, else java on PATH")
    ap.add_argument("--table", action="store_true",
                    help="the cluster's lib/ also has the Table API / SQL jars (not served on "
                         "Maven Central for every version), and SqlJob (SQL submitted without "
                         "a jar) runs in the main phase")
    ap.add_argument("--build-dir", default="/tmp/metaleak-flink-agent-build")
    ap.add_argument("--workdir", default="/tmp/metaleak-flink")
    ap.add_argument("--leak", type=int, default=2,
                    help="submissions of each leaking job (ThreadLeakJob, StaticCacheJob, JdbcJob, HookJob)")
    ap.add_argument("--clean", type=int, default=1, help="CleanJob submissions")
    ap.add_argument("--fixed", type=int, default=1,
                    help="submissions of each fixed job (ThreadLeakFixedJob, StaticCacheFixedJob, "
                         "HookFixedJob, and JdbcFixedJob on a second cluster with H2 in lib/)")
    ap.add_argument("--jobs", type=lambda v: [c.strip() for c in v.split(",") if c.strip()],
                    help="only these job classes (comma-separated), e.g. JdbcJob,JdbcFixedJob")
    ap.add_argument("--agent-opts", default="", help="more agent options, e.g. leak_gcs=2,log=debug")
    ap.add_argument("--no-heap-dump", dest="heap_dump", action="store_false",
                    help="skip the -all heap dump ground truth before the TM stops")
    ap.add_argument("--keep", action="store_true", help="keep the heap dump")
    ap.add_argument("--settle", action="store_true",
                    help="before stopping the TM: jcmd GC.run, GC.run_finalization, GC.run, so "
                         "that the leaks are proven while the TM runs, not at the agent's "
                         "shutdown-hook checkpoint")
    ap.add_argument("--json", help="write all results to this file")
    args = ap.parse_args()
    unknown = [c for c in args.jobs or [] if c not in JOBS]
    if unknown:
        ap.error("unknown job class(es) %s; known: %s" % (", ".join(unknown), ", ".join(JOBS)))
    if "SqlJob" in (args.jobs or []) and not args.table:
        ap.error("SqlJob needs --table")
    versions = args.flink or DEFAULT_VERSIONS
    # cluster.sh reads JAVA and FLINK_TABLE from the environment (every phase's env copies it)
    java = args.java or os.environ.get("JAVA") or shutil.which("java")
    if not java:
        ap.error("no java: pass --java")
    os.environ["JAVA"] = java = os.path.abspath(java)
    args.jcmd = harness.jdk_tool(java, "jcmd") or shutil.which("jcmd") or "jcmd"
    if args.table:
        os.environ["FLINK_TABLE"] = "1"
    else:
        os.environ.pop("FLINK_TABLE", None)
    args.sql_classes = None
    os.makedirs(args.workdir, exist_ok=True)
    try:
        t0 = time.monotonic()
        agent = os.path.abspath(args.agent) if args.agent else build_agent(args.build_dir)
        print("agent %s (%.1fs); cluster JVM %s (JDK %d)%s" % (
            agent, time.monotonic() - t0, java, harness.java_feature(java),
            "; with the Table API / SQL jars" if args.table else ""))
        results = []
        for v in versions:
            print("--- Flink %s" % v, flush=True)
            tv = time.monotonic()
            for res in run_version(v, agent, args):
                evaluate(res)
                print_result(res)
                results.append(res)
            if not args.jobs:
                res = run_late_attach(v, agent, args)
                for c in res["checks"]:
                    print("%s  [%s late attach] %s%s" % ("PASS" if c["ok"] else "FAIL", v,
                                                         c["check"], "" if c["ok"] else
                                                         "  (%s)" % c.get("detail", "")))
                results.append(res)
                res = run_metaspace_oom(v, agent, args)
                for c in res["checks"]:
                    print("%s  [%s metaspace-oom] %s%s" % ("PASS" if c["ok"] else "FAIL", v,
                                                           c["check"], "" if c["ok"] else
                                                           "  (%s)" % c.get("detail", "")))
                results.append(res)
            print("Flink %s took %.1fs" % (v, time.monotonic() - tv), flush=True)
    except HarnessError as e:
        if any(m in str(e) for m in ("copy-dependencies failed", "dependency:copy failed",
                                     "mvn not found")) and \
                not any(m in str(e) for m in ("was not found in", "Could not find artifact")):
            # only when the artifacts cannot be had; on this project's machines they can
            print("SKIPPED: Maven Central unreachable (%s)" % e)
            return 77
        print("harness error: %s" % e, file=sys.stderr)
        return 2
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{k: v for k, v in r.items() if k != "report"} for r in results], f, indent=1)
    failed = ["%s [%s]" % (r["version"], r["phase"]) for r in results
              if not all(c["ok"] for c in r["checks"])]
    bad = [c for r in results for c in r["checks"] if not c["ok"]]
    explain = [c for c in bad if any(k in c["check"] for k in EXPLANATION_CHECKS)]
    print()
    print("total %.1fs" % (time.monotonic() - t0))
    if failed:
        print("RESULT: checks failed for Flink %s: %d failed, %d of them about the leak explanation "
              "(cause, path, advice, path_status)" % (", ".join(failed), len(bad), len(explain)))
    else:
        print("RESULT: all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
