#!/usr/bin/env python3
"""metaleak on a real standalone Flink session cluster (issue 5, part 1).

For each Flink version: start a JobManager and a TaskManager (separate JVMs, tests/flink/cluster.sh)
with the agent on the TaskManager through env.java.opts.taskmanager, submit the example jobs through
Flink's own CLI (each submission gets its own ChildFirstClassLoader on the TM), wait for each to
finish, take an -all heap dump of the TM as independent ground truth (tests/flink/hprof_paths.py),
SIGTERM the TaskManager so the agent writes its exit report, and compare the report with the
expectation:  every ThreadLeakJob loader leaked (with its job id), every CleanJob and
ThreadLeakFixedJob loader unloaded.

    tests/flink/run_flink_test.py [--flink 1.20.5] [--flink 2.3.0] [--agent build/libmetaleak.so]
                                  [--leak 3] [--clean 2] [--fixed 1] [--agent-opts leak_gcs=2]
                                  [--workdir /tmp/metaleak-flink] [--no-heap-dump] [--keep] [--settle]

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

sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import hprof_paths  # noqa: E402
from schema_check import validate  # noqa: E402


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


def run_version(version, agent, args):
    wd = os.path.join(args.workdir, "flink-" + version)
    if os.path.isdir(wd):
        if os.path.exists(os.path.join(wd, "cluster.env")):
            sh([CLUSTER, "-w", wd, "stop"], check=False)
        shutil.rmtree(wd)
    os.makedirs(wd)
    t = {}
    res = {"version": version, "workdir": wd, "timings": t, "jobs": [], "checks": []}
    # No report=: the agent's default is metaleak-<pid>.json in Flink's log directory (from
    # -Dlog.file), which is what `metaleak collect` fetches through the REST API.
    opts = "interval=0"
    if args.agent_opts:
        opts += "," + args.agent_opts
    res["agent_options"] = opts

    lib = timed(t, "fetch_s", sh, [CLUSTER, "fetch", version]).stdout.strip()
    jar = os.path.join(wd, "metaleak-flink-jobs.jar")
    timed(t, "build_jobs_s", sh, [BUILD_JOBS, lib, jar])
    started = False
    try:
        p = timed(t, "cluster_start_s", sh, [CLUSTER, "start", version, wd, agent, opts])
        started = True
        env = dict(os.environ, METALEAK_FLINK_WORKDIR=wd)
        plan = ([("ThreadLeakJob", "leak")] * args.leak + [("CleanJob", "clean")] * args.clean
                + [("ThreadLeakFixedJob", "fixed")] * args.fixed)
        for i, (cls, kind) in enumerate(plan):
            t0 = time.monotonic()
            jid = sh([CLUSTER, "submit", jar, JOB_PKG + cls], env=env).stdout.strip()
            t1 = time.monotonic()
            st = sh([CLUSTER, "wait-finished", jid], env=env).stdout.split()[-1]
            t2 = time.monotonic()
            res["jobs"].append({"n": i + 1, "class": cls, "kind": kind, "job_id": jid, "state": st,
                                "submit_s": round(t1 - t0, 2), "run_and_release_s": round(t2 - t1, 2)})
            print("  [%s] %-19s %s %-8s submit %.1fs, run+release %.1fs"
                  % (version, cls, jid, st, t1 - t0, t2 - t1), flush=True)
        tm_pid = int(open(os.path.join(wd, "tm.pid")).read().strip())
        res["tm_pid"] = tm_pid
        if args.cli:
            collect_check(res, wd, tm_pid, args.cli, len(plan))
        if args.heap_dump:
            # -all: no GC before the dump, unreachable objects included -> ground truth by path search
            dump = os.path.join(wd, "tm-all.hprof")
            timed(t, "heap_dump_s", sh, ["jcmd", str(tm_pid), "GC.heap_dump", "-all", dump])
            res["heap"] = timed(t, "heap_analysis_s", analyse_dump, dump)
            if not args.keep:
                os.unlink(dump)
        if args.settle:
            # What a finalization-aware verifier would do: full GC, run pending finalizers
            # (Flink's SystemProcessingTimeService.finalize() keeps every finished StreamTask --
            # and through the user function its class loader -- alive for one extra GC), full GC.
            for cmd in ("GC.run", "GC.run_finalization", "GC.run"):
                timed(t, "settle_" + cmd.split(".")[1] + "_s", sh, ["jcmd", str(tm_pid), cmd])
        timed(t, "tm_stop_s", sh, [CLUSTER, "-w", wd, "stop-tm"])
    finally:
        if started or os.path.exists(os.path.join(wd, "cluster.env")):
            timed(t, "jm_stop_s", sh, [CLUSTER, "-w", wd, "stop"], check=False)
    reports = glob.glob(os.path.join(wd, "log", "metaleak-%d.json" % res["tm_pid"]))
    if not reports:
        raise HarnessError("no TM report %s/log/metaleak-%d.json (TM stdout: %s)"
                           % (wd, res["tm_pid"], os.path.join(wd, "log", "taskmanager.out")))
    with open(reports[0]) as f:
        res["report_path"] = reports[0]
        res["report"] = json.load(f)
    res["tm_stdout"] = [l for l in open(os.path.join(wd, "log", "taskmanager.out"), errors="replace")
                        .read().splitlines() if l.startswith("metaleak:") and ": debug:" not in l]
    return res


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
    fetched = sorted(os.listdir(out)) if os.path.isdir(out) else []
    check(res, "metaleak collect %s fetches the TaskManager's report" % url,
              r.returncode == 0 and len(fetched) == 1 and fetched[0].endswith(
                  "metaleak-%d.json" % tm_pid), "rc=%d files=%s %s" % (r.returncode, fetched,
                                                                       r.stderr.strip()[-300:]))
    doc = json.load(open(os.path.join(out, fetched[0]))) if len(fetched) == 1 else {}
    users = [l for l in doc.get("loaders", []) if (l.get("flink") or {}).get("role") == "user-code"]
    check(res, "the collected report lists one user-code loader per submission",
              len(users) == submissions, "%d of %d" % (len(users), submissions))


def analyse_dump(path):
    """Per job id: is the job's ChildFirstClassLoader strongly reachable, and if not, only through
    a finalizable object (survives one more GC) or softly?"""
    out = {}
    modes = [("strong", False, False), ("soft", True, False), ("finalizer", False, True)]
    first = None
    for mode, soft, final in modes:
        d = hprof_paths.Dump(path, follow_soft=soft, follow_final=final)
        for oid, chain in hprof_paths.strong_paths(d, ["org.apache.flink.util.ChildFirstClassLoader"]).items():
            urls = d.loader_urls(oid)
            jid = next((m.group(1) for m in map(JOB_RE.search, urls) if m), None)
            key = jid or ("loader@%x" % oid)
            e = out.setdefault(key, {"reachable": None, "path": None})
            if chain is not None and e["reachable"] is None:
                e["reachable"] = mode
                e["path"] = hprof_paths.format_chain(d, chain)
        if first is None:
            first = len(out)
    for e in out.values():
        if e["reachable"] is None:
            e["reachable"] = "garbage"
    return out


def check(res, name, ok, detail):
    res["checks"].append({"check": name, "ok": bool(ok), "detail": detail})


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
    for j in res["jobs"]:
        ls = by_job.get(j["job_id"], [])
        l = ls[0] if len(ls) == 1 else None
        heap = (res.get("heap") or {}).get(j["job_id"], {})
        row = {"n": j["n"], "class": j["class"], "job_id": j["job_id"], "loader": None}
        if l:
            w = loaders.get(l["flink"]["wrapper_id"]) if l["flink"]["wrapper_id"] is not None else None
            row.update({
                "loader": l["id"], "loader_class": l["class"], "state": l["state"],
                "in_leaks": l["id"] in leaks, "classes_defined": l["classes_defined"],
                "classes_live": l["classes_live"], "closed_ms": l["closed_ms"], "leaked_ms": l["leaked_ms"],
                "unloaded_ms": l["unloaded_ms"], "gcs_since_close": l["gcs_since_close"],
                "wrapper": l["flink"]["wrapper_id"],
                "wrapper_ok": bool(w and (w.get("flink") or {}).get("role") == "safety-net-wrapper"
                                  and w["flink"].get("inner_id") == l["id"]),
                "url_job_ok": any(JOB_RE.search(u) and JOB_RE.search(u).group(1) == j["job_id"] for u in l["urls"]),
                "heap_dump": heap.get("reachable"),
            })
        rows.append(row)
        tag = "%s #%d (%s)" % (j["class"], j["n"], j["job_id"][:8])
        check(res, tag + ": exactly one user-code loader with this job id", len(ls) == 1, "%d found" % len(ls))
        if not l:
            continue
        check(res, tag + ": class ChildFirstClassLoader", l["class"] == "org.apache.flink.util.ChildFirstClassLoader", l["class"])
        check(res, tag + ": wrapper_id -> safety-net-wrapper with inner_id back", row["wrapper_ok"],
              "wrapper_id %s" % row["wrapper"])
        check(res, tag + ": job id matches blob URL", row["url_job_ok"], l["urls"][:1])
        if j["kind"] == "leak":
            check(res, tag + ": leaked (state leaked, listed in leaks)",
                  l["state"] == "leaked" and l["id"] in leaks, "state %s, in leaks %s" % (l["state"], l["id"] in leaks))
            exp_cls = 2  # ThreadLeakJob$LeakyMap, ThreadLeakJob$Sleeper
        else:
            check(res, tag + ": unloaded and not reported as a leak",
                  l["state"] == "unloaded" and l["id"] not in leaks,
                  "state %s, in leaks %s" % (l["state"], l["id"] in leaks))
            exp_cls = 1 if j["kind"] == "clean" else 2
        check(res, tag + ": classes_defined == %d" % exp_cls, l["classes_defined"] == exp_cls, l["classes_defined"])
    res["rows"] = rows
    s = r["summary"]
    res["summary"] = {k: s.get(k) for k in ("loaders_total", "leaked_loaders", "loaders_unloaded", "loaders_closed")}
    res["summary"]["full_gcs"] = r["gc"]["full_gcs"]


def print_result(res):
    v = res["version"]
    print()
    print("=== Flink %s  (workdir %s)" % (v, res["workdir"]))
    print("agent options: %s" % res["agent_options"])
    print("timings: %s" % json.dumps(res["timings"]))
    print("report: %s  summary %s" % (res["report_path"], json.dumps(res["summary"])))
    print("%-3s %-19s %-33s %-6s %-9s %-6s %-8s %-8s %-9s %-7s %-7s %s" % (
        "#", "job", "job_id", "loader", "state", "leaks", "classes", "wrapper", "closed", "leaked", "unload", "heap-dump"))
    for r in res["rows"]:
        if r["loader"] is None:
            print("%-3d %-19s %-33s (no user-code loader in the report)" % (r["n"], r["class"], r["job_id"]))
            continue
        print("%-3d %-19s %-33s %-6d %-9s %-6s %-8s %-8s %-9s %-7s %-7s %s" % (
            r["n"], r["class"], r["job_id"], r["loader"], r["state"], "yes" if r["in_leaks"] else "no",
            "%d/%d" % (r["classes_live"], r["classes_defined"]),
            "%s%s" % (r["wrapper"], "" if r["wrapper_ok"] else "!"),
            r["closed_ms"], r["leaked_ms"], r["unloaded_ms"], r.get("heap_dump")))
    heap = res.get("heap") or {}
    shown = set()
    for r in res["rows"]:
        h = heap.get(r["job_id"])
        if h and h["path"] and h["reachable"] not in shown:
            shown.add(h["reachable"])
            print("heap dump: %s path for job %s (%s):" % (h["reachable"], r["job_id"], r["class"]))
            for line in h["path"]:
                print("    " + line)
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
    ap.add_argument("--build-dir", default="/tmp/metaleak-flink-agent-build")
    ap.add_argument("--workdir", default="/tmp/metaleak-flink")
    ap.add_argument("--leak", type=int, default=3, help="ThreadLeakJob submissions")
    ap.add_argument("--clean", type=int, default=2, help="CleanJob submissions")
    ap.add_argument("--fixed", type=int, default=1, help="ThreadLeakFixedJob submissions")
    ap.add_argument("--agent-opts", default="", help="more agent options, e.g. leak_gcs=2,log=debug")
    ap.add_argument("--no-heap-dump", dest="heap_dump", action="store_false",
                    help="skip the -all heap dump ground truth before the TM stops")
    ap.add_argument("--keep", action="store_true", help="keep the heap dump")
    ap.add_argument("--settle", action="store_true",
                    help="before stopping the TM: jcmd GC.run, GC.run_finalization, GC.run "
                         "(use with --agent-opts leak_gcs=2)")
    ap.add_argument("--json", help="write all results to this file")
    args = ap.parse_args()
    versions = args.flink or DEFAULT_VERSIONS
    os.makedirs(args.workdir, exist_ok=True)
    try:
        t0 = time.monotonic()
        agent = os.path.abspath(args.agent) if args.agent else build_agent(args.build_dir)
        print("agent %s (%.1fs)" % (agent, time.monotonic() - t0))
        results = []
        for v in versions:
            print("--- Flink %s" % v, flush=True)
            res = run_version(v, agent, args)
            evaluate(res)
            print_result(res)
            results.append(res)
    except HarnessError as e:
        if "copy-dependencies failed" in str(e) or "mvn not found" in str(e):
            # only when the artifacts cannot be had; on this project's machines they can
            print("SKIPPED: Maven Central unreachable (%s)" % e)
            return 77
        print("harness error: %s" % e, file=sys.stderr)
        return 2
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{k: v for k, v in r.items() if k != "report"} for r in results], f, indent=1)
    failed = [r["version"] for r in results if not all(c["ok"] for c in r["checks"])]
    print()
    print("RESULT: %s" % ("all checks passed" if not failed else "checks failed for Flink " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
