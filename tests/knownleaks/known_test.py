#!/usr/bin/env python3
"""Known library leaks, reproduced with the real library jars from Maven Central on a plain JVM
with the agent. Each scenario builds a job jar (the job's classes and, maven-shade style, the
bundled libraries) or puts the libraries on the host's class path (Flink's lib/), submits the job
--count times to kltest.Host (a fresh child-first loader each time, closed and dropped after),
and reads the agent's exit report: the leaked loaders, their cause and reference path. The fixed
control runs the same job with the known workaround and must not leak.

Usage: known_test.py --agent libmetaleak.so --java JAVA [--java JAVA...] --work DIR
                     [-k NAME] [--record DIR]
  --record DIR  write each leak run's paths (leaks[].path, cause, summary and the report's paths
                object) to DIR/<scenario>.<jdk>.json: the fixtures of the unit tests
Exit 77 when the jars cannot be fetched (no network, nothing cached)."""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import deps  # noqa: E402
from schema_check import validate  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402

results = []


def check(name, cond, detail=""):
    results.append(cond)
    print(("ok    " if cond else "FAIL  ") + name + ("" if cond else ": " + detail), flush=True)


def jdk_label(java):
    return os.path.basename(os.path.dirname(os.path.dirname(java)))


def jdk_feature(java):
    """The JDK's feature release (17, 25, ...), from its release file."""
    home = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    with open(os.path.join(home, "release")) as f:
        for line in f:
            if line.startswith("JAVA_VERSION="):
                return int(line.split("=", 1)[1].strip().strip('"').split(".")[0])
    return 0


def build_host(javac, work):
    out = os.path.join(work, "host")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([javac, "--release", "11", "-d", out] +
                   glob.glob(os.path.join(HERE, "java", "host", "kltest", "*.java")), check=True)
    return out


def build_job(javac, work, host, name, sc):
    """The job jar of scenario sc (fat when it bundles libraries) and the lib/ jars."""
    bundle = deps.resolve(sc["bundle"], sc.get("exclude", ())) if sc.get("bundle") else []
    lib = deps.resolve(sc["lib"], sc.get("exclude", ())) if sc.get("lib") else []
    classes = os.path.join(work, "jobs", name)
    jar = os.path.join(work, "jobs", name + ".jar")
    srcs = glob.glob(os.path.join(HERE, "java", "jobs", sc["src"], "**", "*.java"), recursive=True)
    if not os.path.exists(jar) or \
            max(os.path.getmtime(p) for p in srcs) > os.path.getmtime(jar):
        shutil.rmtree(classes, ignore_errors=True)
        subprocess.run([javac, "--release", "11", "-nowarn", "-d", classes,
                        "-cp", os.pathsep.join([host] + bundle + lib)] + srcs, check=True)
        deps.fat_jar(jar, classes, bundle)
    return jar, lib


def run(java, agent, host, jar, lib, sc, fixed, report):
    opts = ["report=" + report, "interval=0"]
    # JDK <= 17 generates a reflection accessor class per constructor or method used often (in a
    # DelegatingClassLoader whose parent is the job's loader); the agent reports such a class as
    # the holder (a verdict defect). Keep reflection from generating them, so that the real holder
    # is reported; "inflation": True runs a scenario as it comes.
    no_inflation = [] if sc.get("inflation") else ["-Dsun.reflect.inflationThreshold=2147483647"]
    tmp = os.path.join(os.path.dirname(report), "tmp")
    os.makedirs(tmp, exist_ok=True)
    cmd = [java, "-Xmx256m", "-Xss1m", "-Djava.io.tmpdir=" + tmp] + no_inflation + \
        sc.get("jvm", []) + \
        ["-agentpath:%s=%s" % (agent, ",".join(opts)),
         "-cp", os.pathsep.join([host] + lib), "kltest.Host", "--class", sc["job"],
         "--count", str(sc.get("count", 2)), "--thread", sc.get("thread", "task")] + \
        sc.get("host", []) + ([] if sc.get("safety_net", True) else ["--no-safety-net"])
    # A second after the last submission: threads a fix stopped have ended, finalizers ran (a
    # verdict at exit right after a close can see them still holding the loader).
    cmd += ["--sleep", str(sc.get("sleep", 1000))] + (["--settle"] if sc.get("settle") else [])
    if fixed:
        cmd += ["--fixed"] + sc.get("fixed_host", [])
    cmd.append(jar)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def job_loaders(doc, jar):
    return [l for l in doc["loaders"] if any(jar in u for u in l["urls"])]


def record_paths(record, work, name, label, doc, leaks):
    os.makedirs(record, exist_ok=True)
    out = {"scenario": name, "jdk": label, "java_version": doc["jvm"]["java_version"],
           "leaks": [{k: l.get(k) for k in ("loader_id", "cause", "path_status", "path_summary",
                                            "path")} for l in leaks],
           "paths": doc.get("paths")}
    path = os.path.join(record, "%s.%s.json" % (name, label))
    # No machine's directories in the fixtures: the work and cache directories become
    # placeholders (they appear in jars and in file names within thread names).
    text = json.dumps(out, indent=1, sort_keys=True) + "\n"
    text = text.replace(os.path.abspath(work), "<work>").replace(deps.CACHE, "<cache>")
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def scenario(java, agent, work, host, name, sc, record):
    label = jdk_label(java)
    feature = jdk_feature(java)
    javac = os.path.join(os.path.dirname(java), "javac")
    jar, lib = build_job(javac, work, host, name, sc)
    if feature > sc.get("jdk_max", 1000):
        print("skip  [%s] %s: the library does not run on JDK %d" % (label, name, feature))
        return
    count = sc.get("count", 2)
    expect = sc["leaks"](feature) if callable(sc["leaks"]) else sc["leaks"]
    fixed_expect = sc.get("fixed_leaks", 0)
    fixed_expect = fixed_expect(feature) if callable(fixed_expect) else fixed_expect
    for fixed in (False, True):
        tag = "[%s] %s%s" % (label, name, " (fixed)" if fixed else "")
        if fixed and sc.get("fixed"):
            # the fixed run changes the deployment (a fixed library version, another host)
            jar, lib = build_job(javac, work, host, name + "-fixed", dict(sc, **sc["fixed"]))
            run_sc = dict(sc, **sc["fixed"])
        else:
            run_sc = sc
        report = os.path.join(work, "%s.%s.%s.json" % (name, label, "fixed" if fixed else "leak"))
        if os.path.exists(report):
            os.remove(report)
        r = run(java, agent, host, jar, lib, run_sc, fixed, report)
        if r.returncode != 0 or not os.path.exists(report):
            check(tag + ": JVM exits 0 with a report", False,
                  "rc %d\n%s" % (r.returncode, (r.stdout + r.stderr)[-2000:]))
            continue
        with open(report) as f:
            doc = json.load(f)
        problem = validate(doc)
        check(tag + ": report matches the schema", problem is None, str(problem))
        mine = job_loaders(doc, jar)
        ids = {l["id"] for l in mine}
        leaks = [l for l in doc["leaks"] if l["loader_id"] in ids]
        want = fixed_expect if fixed else expect
        check(tag + ": %d job loaders, %d leaked" % (count, want),
              len(mine) == count and len(leaks) == want,
              "%d loaders %s, %d leaked: %s" % (len(mine), [l["state"] for l in mine], len(leaks),
                                                [l.get("path_summary") for l in leaks]))
        if fixed and sc.get("fixed_other"):
            check(tag + ": what still leaks is the known other holder (%s)" % sc["fixed_other"],
                  all(sc["fixed_other"] in (l.get("path_summary") or "") for l in leaks),
                  str([l.get("path_summary") for l in leaks]))
        for l in leaks:
            check(tag + ": leak %d has a path" % l["loader_id"],
                  l.get("path_status") == "found" and l.get("path"),
                  "%s %s" % (l.get("path_status"), l.get("path_summary")))
            print("      %s: %s" % (l.get("cause"), l.get("path_summary")), flush=True)
        if not fixed and record and leaks and feature <= sc.get("record_jdk_max", 1000):
            record_paths(record, work, name, label, doc, leaks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--java", action="append", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("-k", help="run only scenarios whose name contains this")
    ap.add_argument("--record", help="write the leak runs' paths here")
    ap.add_argument("--keep", action="store_true", help="keep the work dir's job jars")
    a = ap.parse_args()
    agent = os.path.abspath(a.agent)
    if not a.keep:
        shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work, exist_ok=True)
    host = build_host(os.path.join(os.path.dirname(a.java[0]), "javac"), a.work)
    try:
        for java in a.java:
            for name, sc in SCENARIOS.items():
                if a.k is None or a.k in name:
                    scenario(java, agent, a.work, host, name, sc, a.record)
    except deps.ResolveError as e:
        print("skip: the library jars cannot be resolved: %s" % e, flush=True)
        return 77
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
