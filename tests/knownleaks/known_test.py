#!/usr/bin/env python3
"""Known library leaks, reproduced with the real library jars from Maven Central on a plain JVM
with the agent (data/known-leaks.yaml, docs/known-leaks.md).

Each scenario (scenarios.py) builds a job jar (the job's classes and, maven-shade style, the
bundled libraries) or puts the libraries on the host's class path (Flink's lib/), submits the job
--count times to kltest.Host (a fresh child-first loader each time, closed and dropped after),
and reads the agent's exit report. For the leak run it asserts, from the live agent:

  - the expected number of the job's loaders leaked, each with a reference path;
  - every leak has a signature (16 hex digits), and all leaks of the run have the same one (the
    same leak in every submission); paths.groups has one group for them with their count;
  - every leak's `known` is the scenario's catalogue entry, field for field as in
    data/known-leaks.yaml, and its advice leads with that fix; the unknown-leak control
    (a thread of the job's own) gets `known: null`;

and for the fixed run (the catalogue's workaround applied) that nothing of the job leaks. One
report per catalogue entry then goes through the CLI: `metaleak summary` (text and --json) and
`metaleak html` print the known leak's title, upstream references and fixed-in version, and
`metaleak check --baseline` accepts it by `known: <id>` and by `signature: <hex>` (and not by
another id). Every entry of the catalogue must be reproduced by some scenario.

JDKs: with --jdks split (the ctest default) each scenario runs on one of the --java JVMs, the
least loaded one that can run it (a library's JDK limit; a leak that a JDK does not have), so that
every entry is tested once and the JDKs share the time; --jdks all runs every scenario on every
JVM (recording fixtures, a full check). --jobs N runs N scenarios at once.

Usage: known_test.py --agent libmetaleak.so --java JAVA [--java JAVA...] --work DIR
                     [--cli build/bin/metaleak] [--jdks split|all] [--jobs N] [-k NAME]
                     [--record DIR] [--javac JAVAC]
  --record DIR  write each leak run's paths (leaks[].path, cause, summary and the report's paths
                object) to DIR/<scenario>.<jdk>.json: the fixtures of the unit tests
Exit 77 when the jars cannot be fetched (no network, nothing cached)."""
import argparse
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import deps  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402

CATALOGUE = os.path.join(harness.ROOT, "data", "known-leaks.yaml")
SIGNATURE = re.compile(r"^[0-9a-f]{16}$")


def load_catalogue():
    """{id: entry} of data/known-leaks.yaml, every scalar a string (fixed_in None for null)."""
    import yaml
    with open(CATALOGUE) as f:
        doc = yaml.load(f, Loader=yaml.BaseLoader)
    out = {}
    for e in doc["entries"]:
        e = dict(e)
        if e["fixed_in"] in ("null", "~", ""):
            e["fixed_in"] = None
        out[e["id"]] = e
    return out


class Result:
    """The checks of one scenario on one JVM, printed together when it is done (scenarios run
    in parallel)."""

    def __init__(self, label, name):
        self.name = name
        self.prefix = "[%s] %s" % (label, name)
        self.lines = []        # (kind, text, ok, detail)
        self.reports = {}      # "leak" / "fixed" -> (path, doc)
        self.signatures = []
        self.seconds = 0.0

    def check(self, what, cond, detail=""):
        self.lines.append(("check", self.prefix + what, bool(cond), detail))
        return bool(cond)

    def note(self, text):
        self.lines.append(("note", self.prefix + ": " + text, True, ""))

    def replay(self):
        for kind, text, ok, detail in self.lines:
            if kind == "check":
                harness.check(text, ok, detail)
            else:
                harness.CHECKS.note(text)


def expected(sc, key, feature):
    v = sc.get(key, 0)
    return v(feature) if callable(v) else v


def build_host(work, javac):
    out = os.path.join(work, "host")
    shutil.rmtree(out, ignore_errors=True)
    return harness.compile_java([os.path.join(HERE, "java", "host", "kltest", "*.java")], out,
                                javac=javac)


_build_lock = threading.Lock()


def _digest(paths, extra=()):
    h = hashlib.sha1()
    for p in sorted(paths):
        h.update(p.encode() + b"\0")
        with open(p, "rb") as f:
            h.update(f.read())
    for x in extra:
        h.update(x.encode() + b"\0")
    return h.hexdigest()[:16]


def build_job(work, host, name, sc, javac):
    """The job jar of scenario sc (fat when it bundles libraries) and the lib/ jars. Job jars are
    cached by content (the job's and the host's sources, the bundled and lib/ jars, javac) next
    to the Maven cache: a fat jar of Beam or Hadoop takes a while to write."""
    with _build_lock:
        bundle = deps.resolve(sc["bundle"], sc.get("exclude", ())) if sc.get("bundle") else []
        lib = deps.resolve(sc["lib"], sc.get("exclude", ())) if sc.get("lib") else []
        srcs = glob.glob(os.path.join(HERE, "java", "jobs", sc["src"], "**", "*.java"),
                         recursive=True)
        hosts = glob.glob(os.path.join(HERE, "java", "host", "kltest", "*.java"))
        key = _digest(srcs + hosts, bundle + ["--"] + lib + [harness.find_javac(javac)])
        cache = os.path.join(deps.CACHE, "knownleaks", "jobs")
        cached = os.path.join(cache, "%s-%s.jar" % (name, key))
        jar = os.path.join(work, "jobs", name + ".jar")   # the name the fixtures show
        if not os.path.exists(cached):
            classes = os.path.join(work, "jobs", name)
            shutil.rmtree(classes, ignore_errors=True)
            harness.compile_java(srcs, classes, classpath=os.pathsep.join([host] + bundle + lib),
                                 javac=javac)
            os.makedirs(cache, exist_ok=True)
            deps.fat_jar(cached, classes, bundle)
        if not os.path.exists(jar):
            os.makedirs(os.path.dirname(jar), exist_ok=True)
            try:
                os.link(cached, jar)
            except OSError:
                shutil.copyfile(cached, jar)
        return jar, lib


def run_host(java, agent, host, jar, lib, sc, fixed, report):
    # A generous path budget: the searches must not run out on a loaded CI machine.
    opts = ["report=" + report, "interval=0", "path_budget=60000"]
    # JDK <= 17 generates a reflection accessor class per constructor or method used often (in a
    # DelegatingClassLoader whose parent is the job's loader); the agent reports such a class as
    # the holder (a verdict defect). Keep reflection from generating them, so that the real holder
    # is reported; "inflation": True runs a scenario as it comes.
    no_inflation = [] if sc.get("inflation") else ["-Dsun.reflect.inflationThreshold=2147483647"]
    tmp = os.path.join(os.path.dirname(report), "tmp")
    os.makedirs(tmp, exist_ok=True)
    jvm = ["-Xmx256m", "-Xss1m", "-Djava.io.tmpdir=" + tmp] + \
        no_inflation + sc.get("jvm", [])
    args = ["-cp", os.pathsep.join([host] + lib), "kltest.Host", "--class", sc["job"],
            "--count", str(sc.get("count", 2)), "--thread", sc.get("thread", "task")] + \
        sc.get("host", []) + ([] if sc.get("safety_net", True) else ["--no-safety-net"])
    # After the last submission: threads a fix stopped have ended, finalizers ran (a verdict at
    # exit right after a close can see them still holding the loader).
    # The fixed run waits longer: what its fix stopped must have ended before the exit verdict
    # even on a loaded machine (a loader still in use by an ending thread is a false leak of the
    # agent under load, issue 15's defect 1).
    sleep = sc.get("sleep", 1000)
    args += ["--sleep", str(max(sleep, 2500) if fixed else sleep)] + \
        (["--settle"] if sc.get("settle") else [])
    if fixed:
        args += ["--fixed"] + sc.get("fixed_host", [])
    args.append(jar)
    return harness.run_java(java, args, agent=agent, opts=opts, jvm=jvm, timeout=300)


def job_loaders(doc, jar):
    return [ld for ld in doc["loaders"] if any(jar in u for u in ld["urls"])]


def record_paths(record, work, name, label, doc, leaks):
    os.makedirs(record, exist_ok=True)
    out = {"scenario": name, "jdk": label, "java_version": doc["jvm"]["java_version"],
           "leaks": [{k: lk.get(k) for k in ("loader_id", "cause", "path_status", "path_summary",
                                             "path")} for lk in leaks],
           "paths": doc.get("paths")}
    path = os.path.join(record, "%s.%s.json" % (name, label))
    # No machine's directories in the fixtures: the work and cache directories become
    # placeholders (they appear in jars and in file names within thread names).
    text = json.dumps(out, indent=1, sort_keys=True) + "\n"
    text = text.replace(os.path.abspath(work), "<work>").replace(deps.CACHE, "<cache>")
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def check_known(res, tag, leak, want, catalogue):
    """leak's known is catalogue entry want (None: null) and its advice leads with the fix."""
    k = leak.get("known", "absent")
    if want is None:
        return res.check(tag + ": leak %d is no known leak (known: null)" % leak["loader_id"],
                         k is None, "known: %s" % (k if k == "absent" else (k or {}).get("id")))
    e = catalogue[want]
    ok = res.check(tag + ": leak %d is known leak %s" % (leak["loader_id"], want),
                   isinstance(k, dict) and k.get("id") == want,
                   "known: %s; path: %s" % (k if not isinstance(k, dict) else k.get("id"),
                                             leak.get("path_summary")))
    if not ok:
        return False
    same = {f: k.get(f) == e.get(f) for f in ("library", "title", "references", "fixed_in",
                                              "advice")}
    ok = res.check(tag + ": known.{library,title,references,fixed_in,advice} as in the catalogue",
                   all(same.values()), "differ: %s" % [f for f, v in same.items() if not v])
    lead = "Known library leak %s (%s; " % (want, e["library"])
    return ok and res.check(tag + ": the advice leads with the known fix",
                            (leak.get("advice") or "").startswith(lead) and
                            e["advice"] in leak["advice"], (leak.get("advice") or "")[:160])


def check_leak_run(res, tag, sc, doc, jar, expect, catalogue):
    mine = job_loaders(doc, jar)
    ids = {ld["id"] for ld in mine}
    leaks = [lk for lk in doc["leaks"] if lk["loader_id"] in ids]
    count = sc.get("count", 2)
    res.check(tag + ": %d job loaders, %d leaked" % (count, expect),
              len(mine) == count and len(leaks) == expect,
              "%d loaders %s, %d leaked: %s" % (len(mine), [ld["state"] for ld in mine],
                                                len(leaks), [lk.get("path_summary")
                                                             for lk in leaks]))
    for lk in leaks:
        if not res.check(tag + ": leak %d has a path" % lk["loader_id"],
                         lk.get("path_status") == "found" and lk.get("path"),
                         "%s %s" % (lk.get("path_status"), lk.get("path_summary"))):
            continue
        res.note("%s: %s" % (lk.get("cause"), lk.get("path_summary")))
        res.check(tag + ": leak %d has a signature" % lk["loader_id"],
                  SIGNATURE.match(lk.get("signature") or ""), repr(lk.get("signature")))
        check_known(res, tag, lk, sc.get("known"), catalogue)
    sigs = sorted({lk.get("signature") for lk in leaks if lk.get("signature")})
    res.signatures = sigs
    if len(leaks) > 1:
        res.check(tag + ": one signature across the %d submissions" % len(leaks), len(sigs) == 1,
                  "signatures %s; paths %s" % (sigs, [lk.get("path_summary") for lk in leaks]))
    if leaks and len(sigs) == 1:
        groups = [g for g in (doc.get("paths") or {}).get("groups", [])
                  if g.get("signature") == sigs[0]]
        want_ids = sorted(lk["loader_id"] for lk in leaks)
        res.check(tag + ": paths.groups: one group of %d for the signature" % len(leaks),
                  len(groups) == 1 and groups[0].get("count") == len(leaks) and
                  sorted(groups[0]["loader_ids"]) == want_ids and
                  groups[0].get("known_id") == sc.get("known"),
                  json.dumps(groups)[:400])
    return leaks


def scenario(args, java, name, sc, host, catalogue):
    label = harness.jdk_label(java)
    feature = harness.java_feature(java)
    res = Result(label, name)
    t0 = time.monotonic()
    jar, lib = build_job(args.work, host, name, sc, args.javac)
    for fixed in (False, True):
        tag = " (fixed)" if fixed else ""
        run_sc = dict(sc, **sc["fixed"]) if fixed and sc.get("fixed") else sc
        if fixed and sc.get("fixed"):
            # the fixed run changes the deployment (a fixed library version, another host)
            jar, lib = build_job(args.work, host, name + "-fixed", run_sc, args.javac)
        report = os.path.join(args.work, "%s.%s.%s.json" % (name, label,
                                                            "fixed" if fixed else "leak"))
        if os.path.exists(report):
            os.remove(report)
        r = run_host(java, args.agent, host, jar, lib, run_sc, fixed, report)
        doc, problem = harness.read_report(report)
        if r.returncode != 0 or doc is None:
            res.check(tag + ": JVM exits 0 with a report", False,
                      "rc %d %s\n%s" % (r.returncode, problem, (r.stdout + r.stderr)[-2000:]))
            continue
        res.check(tag + ": report matches the schema", problem is None, str(problem))
        res.reports["fixed" if fixed else "leak"] = (report, doc)
        if fixed:
            mine = {ld["id"] for ld in job_loaders(doc, jar)}
            left = [lk for lk in doc["leaks"] if lk["loader_id"] in mine]
            want = expected(sc, "fixed_leaks", feature)
            res.check(tag + ": the fixed control leaks %d" % want, len(left) == want,
                      [lk.get("path_summary") for lk in left])
            continue
        leaks = check_leak_run(res, tag, sc, doc, jar, expected(sc, "leaks", feature),
                               catalogue)
        if args.record and leaks and feature <= sc.get("record_jdk_max", 1000):
            record_paths(args.record, args.work, name, label, doc, leaks)
    res.seconds = time.monotonic() - t0
    res.note("%.1f s" % res.seconds)
    return res


def plan(javas, names, mode):
    """[(java, name)]: every scenario on every JVM (all), or on one JVM (split): the least
    loaded of those that can run it and where it leaks (JDK limits; leaks a JDK does not have),
    so that the JVMs share the time."""
    features = {j: harness.java_feature(j) for j in javas}
    out, load = [], {j: 0 for j in javas}
    for name in names:
        sc = SCENARIOS[name]
        able = [j for j in javas if features[j] <= sc.get("jdk_max", 1000)]
        if mode == "all":
            out += [(j, name) for j in able]
            continue
        leaking = [j for j in able if expected(sc, "leaks", features[j]) > 0] or able
        leaking = [j for j in leaking
                   if features[j] <= sc.get("split_jdk_max", 1000)] or leaking
        if not leaking:
            harness.check("%s: some JVM of %s can run it" % (name, javas), False)
            continue
        j = min(leaking, key=lambda x: (load[x], javas.index(x)))
        load[j] += 1
        out.append((j, name))
    return out


def cli_checks(args, done, catalogue):
    """summary, summary --json, html and check --baseline on one report per catalogue entry."""
    by_entry = {}
    for res in done:
        sc = SCENARIOS[res.name]
        if sc.get("known") and "leak" in res.reports and res.signatures:
            by_entry.setdefault(sc["known"], res)
    baseline = os.path.join(args.work, "baseline.yaml")
    for kid, res in sorted(by_entry.items()):
        e = catalogue[kid]
        path, doc = res.reports["leak"]
        tag = "[cli] %s: " % kid
        r = subprocess.run([args.cli, "summary", path], capture_output=True, text=True,
                           timeout=60)
        out = r.stdout
        fixed = e["fixed_in"] or "no release yet"
        harness.check(tag + "summary names the known leak, its title, fixed-in version and "
                            "references",
                      r.returncode in (0, 1) and "known leak: %s - %s" % (kid, e["title"]) in out
                      and ("fixed in %s" % fixed) in out and
                      all(ref in out for ref in e["references"]),
                      (out + r.stderr)[-1500:])
        r = subprocess.run([args.cli, "summary", "--json", path], capture_output=True,
                           text=True, timeout=60)
        try:
            groups = json.loads(r.stdout).get("leak_groups", [])
        except ValueError:
            groups = []
        mine = [g for g in groups if (g.get("known") or {}).get("id") == kid]
        harness.check(tag + "summary --json: a group with known.id and the signature",
                      mine and mine[0].get("signature") in res.signatures,
                      r.stdout[-800:] + r.stderr[-400:])
        page = os.path.join(args.work, "%s.html" % kid)
        r = subprocess.run([args.cli, "html", "-o", page, path], capture_output=True, text=True,
                           timeout=60)
        html = open(page, encoding="utf-8").read() if os.path.exists(page) else ""
        links = [ref for ref in e["references"] if ref.startswith("http")]
        harness.check(tag + "html names the known leak, links its references, fixed-in",
                      r.returncode == 0 and kid in html and
                      all('href="%s"' % ref in html for ref in links) and
                      (e["fixed_in"] is None or e["fixed_in"] in html),
                      r.stderr[-400:])
        for entry, accepted in (("known: %s" % kid, True), ("signature: %s" % res.signatures[0],
                                                             True),
                                ("known: %s" % next(i for i in sorted(catalogue) if i != kid),
                                 False)):
            with open(baseline, "w") as f:
                f.write("accepted:\n  - %s\n" % entry)
            r = subprocess.run([args.cli, "check", "--baseline", baseline, path],
                               capture_output=True, text=True, timeout=60)
            harness.check(tag + "check --baseline '%s' %s" % (entry, "passes" if accepted
                                                              else "fails"),
                          r.returncode == (0 if accepted else 1),
                          "rc %d: %s" % (r.returncode, (r.stdout + r.stderr)[-600:]))


def main():
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap)
    ap.add_argument("--cli", help="bin/metaleak: also check summary, html and check --baseline")
    ap.add_argument("--jdks", choices=("split", "all"), default="split")
    ap.add_argument("--jobs", type=int, default=1, help="scenarios at once")
    ap.add_argument("-k", help="run only scenarios whose name contains this")
    ap.add_argument("--record", help="write the leak runs' paths here")
    args = ap.parse_args()
    args.agent = os.path.abspath(args.agent)
    args.work = harness.fresh_dir(args.work)
    catalogue = load_catalogue()
    names = [n for n in SCENARIOS if args.k is None or args.k in n]
    t0 = time.monotonic()
    try:
        host = build_host(args.work, args.javac)
        todo = plan(args.java, names, args.jdks)
        # Resolve every jar first (Maven, one at a time): a missing network skips the test.
        for java, name in todo:
            sc = SCENARIOS[name]
            build_job(args.work, host, name, sc, args.javac)
            if sc.get("fixed"):
                build_job(args.work, host, name + "-fixed", dict(sc, **sc["fixed"]), args.javac)
    except deps.ResolveError as e:
        print("skip: the library jars cannot be resolved: %s" % e, flush=True)
        return 77
    # The longest scenarios first (as long as they took last time), so that the parallel runs
    # end together; results are printed in plan order.
    timings_file = os.path.join(deps.CACHE, "knownleaks", "timings.json")
    try:
        with open(timings_file) as f:
            timings = json.load(f)
    except (OSError, ValueError):
        timings = {}
    order = sorted(range(len(todo)), key=lambda i: -timings.get("%s %s" % (
        harness.jdk_label(todo[i][0]), todo[i][1]), 10.0))
    done = [None] * len(todo)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {i: pool.submit(scenario, args, todo[i][0], todo[i][1], SCENARIOS[todo[i][1]],
                                  host, catalogue) for i in order}
        for i in range(len(todo)):
            done[i] = futures[i].result()
            done[i].replay()
            timings["%s %s" % (harness.jdk_label(todo[i][0]), todo[i][1])] = done[i].seconds
    try:
        with open(timings_file + ".tmp", "w") as f:
            json.dump(timings, f, indent=0, sort_keys=True)
        os.replace(timings_file + ".tmp", timings_file)
    except OSError:
        pass
    if args.k is None:
        reproduced = {SCENARIOS[r.name].get("known") for r in done
                      if any(ok for kind, text, ok, _ in r.lines
                             if kind == "check" and " is known leak " in text)}
        missing = sorted(set(catalogue) - reproduced)
        harness.check("every catalogue entry is reproduced (%d entries)" % len(catalogue),
                      not missing, "not reproduced: %s" % missing)
    if args.cli:
        t1 = time.monotonic()
        cli_checks(args, done, catalogue)
        harness.CHECKS.note("CLI checks: %.1f s" % (time.monotonic() - t1))
    return harness.CHECKS.summary(" in %.0f s" % (time.monotonic() - t0), require_checks=True)


if __name__ == "__main__":
    sys.exit(main())
