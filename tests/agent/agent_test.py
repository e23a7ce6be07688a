#!/usr/bin/env python3
"""Integration tests of the agent in real JVMs: plugin-style hosts that create, use and close
URLClassLoaders, clean and leaking in each of the ways Flink jobs leak (thread, ThreadLocal,
static cache, JDBC driver, shutdown hook, Timer, MBean, JNI global reference), each leak with a
fixed control that cleans up and must not leak; bad configuration; late attach with jcmd. Exact
counts are asserted. For every leak the report's cause, reference path (root to an object the
leaked loader owns), advice and proof are checked against what the plugin did; a failing path
check prints the path.

Usage: agent_test.py --agent libmetaleak.so --jni-lib libmlglobal.so --java JAVA [--java JAVA...]
                     [--javac JAVAC] --work DIR [-k NAME]
  --jni-lib  the JNI library of mltest.Native (tests/agent/native, target mlglobal), needed by
             the JniGlobal* plugins; passed to every JVM as -Dmltest.jni=PATH
"""
import argparse
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
from harness import check, validate  # noqa: E402

# plugin class -> classes it defines when run once (no lambdas, no string concatenation)
CLASSES = {"Clean": 1, "ThreadLeak": 2, "StaticCache": 2, "JdbcLeak": 2, "HookLeak": 2,
           "ThreadLocalLeak": 3, "TimerLeak": 2, "MBeanLeak": 2, "JniGlobalLeak": 1,
           "ThreadLeakFixed": 2, "StaticCacheFixed": 2, "JdbcFixed": 2, "HookFixed": 2,
           "ThreadLocalFixed": 3, "TimerFixed": 2, "MBeanFixed": 2, "JniGlobalFixed": 1}

# leaking plugin class -> the report's leaks[].cause, words one of which its advice contains
# (case-insensitive), and what its reference path must name (see path_problem)
CAUSES = {
    "ThreadLeak": ("thread", ["close()", "stop"], {"thread": "mltest-leaky-thread"}),
    "ThreadLocalLeak": ("thread-local", ["remove"], {"thread": "mltest-pool-0"}),
    "StaticCache": ("static-field", ["static"],
                    {"static_field": ("mltest.Registry", "CACHE")}),
    "JdbcLeak": ("jdbc-driver", ["parent-first-patterns", "deregister"],
                 {"class": ("java.sql.DriverManager",)}),
    "HookLeak": ("shutdown-hook",
                 ["registerUserCodeClassLoaderReleaseHookIfAbsent", "removeShutdownHook"],
                 {"hook": True}),
    "TimerLeak": ("timer", ["cancel"], {"thread": "mltest-timer"}),
    # the JDK's own holders of the platform MBeanServer, not some JNI handle to it
    "MBeanLeak": ("mbean", ["unregister"],
                  {"class_prefix": "com.sun.jmx.mbeanserver.",
                   "class": ("java.lang.management.ManagementFactory",
                             "javax.management.MBeanServerFactory")}),
    "JniGlobalLeak": ("jni-global", ["DeleteGlobalRef", "global"], {"root": "jni-global"}),
}

# leaks[].path: step 0's ref is a root kind, later steps' ref how the previous step holds them
ROOT_REFS = {"thread", "stack-local", "jni-global", "jni-local", "system-class", "monitor",
             "class", "other"}
STEP_REFS = {"field", "static-field", "array-element", "class", "class-loader", "signers",
             "protection-domain", "interface", "constant-pool", "superclass", "other"}
STEP_OBJECTS = {"instance", "class", "loader", "thread"}
STEP_KEYS = ("ref", "field", "index", "object", "class", "loader_id", "jar", "thread", "method",
             "owned")

# name: (deployments, expected leaked per kind, host flags, extra JVM flags)
SCENARIOS = {
    "clean": (["Clean:4"], {}, [], []),
    "thread": (["ThreadLeak:3"], {"ThreadLeak": 3}, [], []),
    "static-cache": (["StaticCache:2"], {"StaticCache": 2}, [], []),
    "jdbc": (["JdbcLeak:2"], {"JdbcLeak": 2}, [], []),
    "shutdown-hook": (["HookLeak:2"], {"HookLeak": 2}, [], []),
    # proven by the run's own collections, while the hooks are still registered
    "shutdown-hook-in-run": (["HookLeak:2"], {"HookLeak": 2}, ["--gc-in-run"],
                             ["verify_on_exit=false"]),
    "thread-local": (["ThreadLocalLeak:2"], {"ThreadLocalLeak": 2}, [], []),
    "mixed": (["Clean:3", "ThreadLeak:2", "StaticCache:1"], {"ThreadLeak": 2, "StaticCache": 1},
              [], []),
    "gc-in-run": (["ThreadLeak:2", "Clean:1"], {"ThreadLeak": 2}, ["--gc-in-run"],
                  ["verify_on_exit=false"]),
    "parallel-gc": (["ThreadLeak:2", "Clean:2"], {"ThreadLeak": 2}, [], ["-XX:+UseParallelGC"]),
    "serial-gc": (["StaticCache:2", "Clean:2"], {"StaticCache": 2}, [], ["-XX:+UseSerialGC"]),
    "zgc": (["ThreadLeak:2", "Clean:2"], {"ThreadLeak": 2}, [], ["-XX:+UseZGC"]),
    "timer": (["TimerLeak:2"], {"TimerLeak": 2}, [], []),
    "mbean": (["MBeanLeak:2"], {"MBeanLeak": 2}, [], []),
    "jni-global": (["JniGlobalLeak:2"], {"JniGlobalLeak": 2}, [], []),
    # every cause in one JVM: each leak must get its own cause and path
    "all-causes": (["Clean:1", "ThreadLeak:1", "ThreadLocalLeak:1", "StaticCache:1", "JdbcLeak:1",
                    "HookLeak:1", "TimerLeak:1", "MBeanLeak:1", "JniGlobalLeak:1"],
                   {"ThreadLeak": 1, "ThreadLocalLeak": 1, "StaticCache": 1, "JdbcLeak": 1,
                    "HookLeak": 1, "TimerLeak": 1, "MBeanLeak": 1, "JniGlobalLeak": 1}, [], []),
    # no full collection at all: after path_proof_after the path search proves the leak
    # (proof "path"); the clean loader has no path and is only awaiting unload
    "path-proof": (["ThreadLeak:1", "Clean:1"], {"ThreadLeak": 1}, ["--sleep", "4000"],
                   ["verify_on_exit=false", "path_proof_after=1"]),
    # the fixed controls: the same work, cleaned up; no leak, every plugin loader unloaded
    "thread-fixed": (["ThreadLeakFixed:2"], {}, [], []),
    "static-cache-fixed": (["StaticCacheFixed:2"], {}, [], []),
    "jdbc-fixed": (["JdbcFixed:2"], {}, [], []),
    "shutdown-hook-fixed": (["HookFixed:2"], {}, [], []),
    "thread-local-fixed": (["ThreadLocalFixed:2"], {}, [], []),
    "timer-fixed": (["TimerFixed:2"], {}, [], []),
    "mbean-fixed": (["MBeanFixed:2"], {}, [], []),
    "jni-global-fixed": (["JniGlobalFixed:2"], {}, [], []),
}

BAD_CONFIG = [
    ("unknown key", "intervl=5", "unknown key 'intervl'"),
    ("malformed number", "interval=5s", "interval: '5s' is not a whole number"),
    ("out of range", "leak_gcs=0", "leak_gcs: '0' is out of range 1..1000"),
    ("bad bool", "verify_on_exit=yes", "verify_on_exit: 'yes' is not true or false"),
    ("bad log level", "log=loud", "log: 'loud' is not one of error, warn, info, debug (or quiet)"),
    ("duplicate key", "interval=5,interval=6", "key 'interval' is given twice"),
    ("not key=value", "interval", "'interval' is not key=value"),
    ("missing report dir", "report=/nonexistent/dir/r.json", "directory '/nonexistent/dir' does not exist"),
    ("unknown placeholder", "report=/tmp/r-%q.json", "'%q'"),
    ("missing config file", "config=/nonexistent.yaml", "/nonexistent.yaml: cannot read"),
]

BAD_YAML = [
    ("yaml unknown key", "interval: 5\nintervl: 6\n", ":2:1: unknown key 'intervl'"),
    ("yaml malformed", "interval: \"5\nlog: info\n", "malformed YAML"),
    ("yaml nested", "interval:\n  a: 1\n", "interval: value is a mapping"),
    ("yaml bad value", "leak_gcs: 2000\n", ":1:11: leak_gcs: '2000' is out of range"),
]

def build(work, javac):
    host, plug = os.path.join(work, "host"), os.path.join(work, "plugin-classes")
    harness.compile_java([os.path.join(HERE, "java", "host", "mltest", "*.java")], host,
                         javac=javac)
    # plugin/mltest/ holds copies of host classes (child-first shadowing in run_inventory).
    harness.compile_java([os.path.join(HERE, "java", "plugin", "plug", "*.java"),
                          os.path.join(HERE, "java", "plugin", "mltest", "*.java")], plug,
                         classpath=host, javac=javac)
    return host, harness.make_jar(plug, os.path.join(work, "plugin.jar"))


def plugin_loaders(doc, plugin_jar):
    return [l for l in doc["loaders"] if any(plugin_jar in u for u in l["urls"])]


def dump_path(path):
    """leaks[].path as JSON, one step a line."""
    if not isinstance(path, list) or not path:
        return json.dumps(path)
    return "[\n  " + ",\n  ".join(json.dumps(step) for step in path) + "\n]"


def path_problem(path, want, loader_id):
    """None when leaks[].path is well formed and names what `want` (CAUSES) says, else why."""
    if not isinstance(path, list) or not path:
        return "path is not a non-empty list"
    for i, step in enumerate(path):
        if not isinstance(step, dict):
            return "step %d is not an object" % i
        missing = [k for k in STEP_KEYS if k not in step]
        if missing:
            return "step %d lacks %s" % (i, missing)
        refs = ROOT_REFS if i == 0 else STEP_REFS
        if step["ref"] not in refs:
            return "step %d: ref %r is not one of %s" % (i, step["ref"], sorted(refs))
        if step["object"] not in STEP_OBJECTS:
            return "step %d: object %r is not one of %s" % (i, step["object"], sorted(STEP_OBJECTS))
        if not isinstance(step["owned"], bool):
            return "step %d: owned is not a boolean" % i
        for k in ("field", "class", "jar", "thread", "method"):
            if step[k] is not None and not isinstance(step[k], str):
                return "step %d: %s is neither a string nor null" % (i, k)
        for k in ("index", "loader_id"):
            if step[k] is not None and (not isinstance(step[k], int) or isinstance(step[k], bool)):
                return "step %d: %s is neither an integer nor null" % (i, k)
        if step["ref"] in ("field", "static-field") and not step["field"]:
            return "step %d: ref %s without a field name" % (i, step["ref"])
        if step["ref"] == "array-element" and step["index"] is None:
            return "step %d: array-element without an index" % i
    last = path[-1]
    if last["owned"] is not True:
        return "the last step is not owned by the leaked loader"
    if last["object"] in ("instance", "class", "thread") and last["loader_id"] != loader_id:
        return "the last step's class is defined by loader %r, not the leaked loader %d" % (
            last["loader_id"], loader_id)
    if "root" in want and path[0]["ref"] != want["root"]:
        return "the root is %r, not %r" % (path[0]["ref"], want["root"])
    if "thread" in want and not any(st["thread"] == want["thread"] for st in path):
        return "no step names the thread %r" % want["thread"]
    # The holder class: a step's class, or the class of a stack-local root's method (a holder
    # that has already moved its references into a local, e.g. ApplicationShutdownHooks.runHooks)
    if "class" in want and not any(st["class"] == c or (st["method"] or "").startswith(c + ".")
                                   for st in path for c in want["class"]):
        return "no step is of class %s or in one of its methods" % " or ".join(want["class"])
    # A registered hook: the JDK's list of hooks (during the run), or a step the agent marks
    # as a hook (at exit the JVM has already moved the hooks out of that list to start them).
    if want.get("hook") and not any(st["class"] == "java.lang.ApplicationShutdownHooks" or
                                    st.get("shutdown_hook") is True for st in path):
        return "no step is java.lang.ApplicationShutdownHooks or a shutdown hook thread"
    if "class_prefix" in want and not any((st["class"] or "").startswith(want["class_prefix"])
                                          for st in path):
        return "no step's class starts with %r" % want["class_prefix"]
    if "static_field" in want:
        # The holder class and its static field: on one step, or the class's step followed by
        # the step its static field references.
        cls, field = want["static_field"]
        one = any(st["class"] == cls and st["field"] == field for st in path)
        two = any(path[j]["object"] == "class" and path[j]["class"] == cls and
                  path[j + 1]["ref"] == "static-field" and path[j + 1]["field"] == field
                  for j in range(len(path) - 1))
        if not one and not two:
            return "no step names the static field %s.%s" % (cls, field)
    return None


def check_leak_cause(tag, leak, kind):
    """The cause, advice, proof and reference path of one leak of plugin class `kind`."""
    cause, words, want = CAUSES[kind]
    lid = leak["loader_id"]
    check(tag + ": leak %d cause %r" % (lid, cause), leak.get("cause") == cause,
          repr(leak.get("cause")))
    advice = leak.get("advice")
    check(tag + ": leak %d advice names one of %s" % (lid, words),
          isinstance(advice, str) and advice.strip() != "" and
          any(w.lower() in advice.lower() for w in words), repr(advice))
    check(tag + ": leak %d proof is full-gc or path" % lid,
          leak.get("proof") in ("full-gc", "path"), repr(leak.get("proof")))
    ms = leak.get("path_search_ms")
    check(tag + ": leak %d path found, path_search_ms >= 0" % lid,
          leak.get("path_status") == "found" and isinstance(ms, (int, float)) and
          not isinstance(ms, bool) and ms >= 0,
          "path_status %r path_search_ms %r" % (leak.get("path_status"), ms))
    path = leak.get("path")
    problem = path_problem(path, want, lid)
    check(tag + ": leak %d path from a root to the loader names %s" % (lid, want), problem is None,
          "%s; path_summary %r; path:\n%s" % (problem, leak.get("path_summary"), dump_path(path)))
    summary = leak.get("path_summary")
    check(tag + ": leak %d path_summary" % lid, isinstance(summary, str) and summary.strip() != "",
          repr(summary))


def run_scenario(java, agent, jni_lib, host, plugin_jar, work, label, name):
    deployments, leaked, host_flags, extra = SCENARIOS[name]
    tag = "[%s] %s" % (label, name)
    if jni_lib is None and any(d.startswith("JniGlobal") for d in deployments):
        check(tag + ": --jni-lib given", False, "the JniGlobal plugins need the mlglobal library")
        return
    opts = ["report=%s" % os.path.join(work, "%s-%s-%%p.json" % (label, name)), "interval=0"]
    jvm_flags = [f for f in extra if f.startswith("-")]
    if jni_lib is not None:
        jvm_flags.append("-Dmltest.jni=" + jni_lib)
    opts += [f for f in extra if not f.startswith("-")]
    r = harness.run_java(java, ["-cp", host, "mltest.Host", plugin_jar] + host_flags + deployments,
                         agent=agent, opts=opts, jvm=["-Xmx256m"] + jvm_flags)
    if r.returncode != 0:
        check(tag + ": JVM exits 0", False, r.stderr[-1000:])
        return
    # [0-9]*: the pid, so that "thread" does not also pick up "thread-fixed-<pid>.json"
    reports = glob.glob(os.path.join(work, "%s-%s-[0-9]*.json" % (label, name)))
    leftovers = glob.glob(os.path.join(work, ".%s-%s-[0-9]*.tmp.*" % (label, name)))
    check(tag + ": one report, no temp file left", len(reports) == 1 and not leftovers,
          "%s %s" % (reports, leftovers))
    if len(reports) != 1:
        return
    doc = json.load(open(reports[0]))
    problem = validate(doc)
    check(tag + ": report matches the schema", problem is None, str(problem))
    total = sum(int(d.split(":")[1]) for d in deployments)
    want_leaked = sum(leaked.values())
    plugins = plugin_loaders(doc, plugin_jar)
    by_state = {}
    for l in plugins:
        by_state[l["state"]] = by_state.get(l["state"], 0) + 1
    check(tag + ": trigger exit", doc["trigger"] == "exit", doc["trigger"])
    check(tag + ": %d plugin loaders tracked" % total, len(plugins) == total,
          "%d: %s" % (len(plugins), by_state))
    check(tag + ": summary.leaked_loaders == %d" % want_leaked,
          doc["summary"]["leaked_loaders"] == want_leaked, json.dumps(doc["summary"]))
    check(tag + ": %d leaks listed" % want_leaked, len(doc["leaks"]) == want_leaked,
          str(len(doc["leaks"])))
    unloaded = by_state.get("unloaded", 0)
    # A hook-pinned loader may be released when the hooks run: still leaked, and unloaded after.
    hooked = leaked.get("HookLeak", 0)
    if hooked:
        check(tag + ": leaked loaders stay in leaks even if released at exit",
              all(l["proof"] in ("full-gc", "path") for l in doc["leaks"]), "")
        check(tag + ": %d..%d plugin loaders unloaded" % (total - want_leaked,
                                                          total - want_leaked + hooked),
              total - want_leaked <= unloaded <= total - want_leaked + hooked, str(by_state))
    elif name == "path-proof":
        # No collection ran: the leak is proven by its path, the clean loader is garbage that
        # waits for the collector (closed, awaiting_unload), never a leak.
        check(tag + ": the leak is proven by a path, without a full collection",
              len(doc["leaks"]) == 1 and doc["leaks"][0]["proof"] == "path" and
              doc["gc"]["full_gcs"] == 0, json.dumps(doc["leaks"])[:400])
        idle = [l for l in plugins if l["state"] == "closed"]
        check(tag + ": the clean loader is closed and awaiting unload",
              len(idle) == 1 and idle[0]["awaiting_unload"] is True and
              idle[0]["id"] not in {l["loader_id"] for l in doc["leaks"]},
              json.dumps([{k: l.get(k) for k in ("id", "state", "awaiting_unload")}
                          for l in plugins]))
    else:
        check(tag + ": %d plugin loaders unloaded" % (total - want_leaked),
              unloaded == total - want_leaked, str(by_state))
    leak_ids = {l["loader_id"] for l in doc["leaks"]}
    # Deployments run one after the other, so plugin loaders get their ids in deployment order:
    # which plugin class each loader ran.
    ran = {}
    if len(plugins) == total:
        order = [d.split(":")[0] for d in deployments for _ in range(int(d.split(":")[1]))]
        ran = dict(zip(sorted(l["id"] for l in plugins), order))
    for leak in doc["leaks"]:
        lid = leak["loader_id"]
        loader = next(l for l in doc["loaders"] if l["id"] == lid)
        kind = ran.get(lid)
        check(tag + ": leak %d ran a leaking plugin (%s)" % (lid, kind), kind in leaked, "")
        want_classes = CLASSES.get(kind)
        check(tag + ": leak %d defines %s classes" % (lid, want_classes),
              loader["classes_defined"] == want_classes and
              (leak["classes_live"] == loader["classes_defined"] or leak["unloaded_ms"] is not None),
              "defined %d live %d" % (loader["classes_defined"], leak["classes_live"]))
        # proof "path" (a reference path found without the collections) needs no full GC
        check(tag + ": leak %d closed, proven, names the jar" % lid,
              leak["proof"] in ("full-gc", "path") and
              (leak["proof"] == "path" or leak["gcs_since_close"] >= 1) and
              leak["closed_ms"] is not None and leak["leaked_ms"] >= leak["closed_ms"] and
              any(plugin_jar in u for u in leak["urls"]) and
              leak["class"] == "java.net.URLClassLoader", json.dumps(leak)[:300])
        if kind in CAUSES:
            check_leak_cause(tag + " (%s)" % kind, leak, kind)
    for l in plugins:
        if l["id"] not in leak_ids and l["state"] == "unloaded":
            ok = l["classes_live"] == 0 and l["unloaded_ms"] is not None and \
                l["closed_ms"] is not None
            check(tag + ": unloaded loader %d has no live class" % l["id"], ok, json.dumps(l)[:300])
    boot = doc["loaders"][0]
    check(tag + ": bootstrap loader counted", boot["id"] == 0 and boot["classes_defined"] > 300,
          str(boot["classes_defined"]))
    app = [l for l in doc["loaders"] if l["name"] == "app"]
    described = [l for l in plugins if l["urls"]]
    check(tag + ": plugin loaders' parent is the app loader, no hidden classes",
          app and all(l["parent_id"] == app[0]["id"] for l in described) and
          all(l["hidden_classes_defined"] == 0 for l in plugins),
          str([(l["parent_id"], l["hidden_classes_defined"]) for l in plugins][:4]))
    mode = os.stat(reports[0]).st_mode & 0o777
    check(tag + ": report mode within 0640, pid is the JVM's", mode & ~0o640 == 0 and
          reports[0].endswith("-%d.json" % doc["jvm"]["pid"]), "%o %s" % (mode, reports[0]))


def run_bad_config(java, agent, work, label):
    cases = list(BAD_CONFIG)
    for name, text, expect in BAD_YAML:
        path = os.path.join(work, name.replace(" ", "-") + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        cases.append((name, "config=" + path, expect))
    for name, opts, expect in cases:
        r = harness.run_java(java, ["-version"], agent=agent, opts=opts, timeout=60)
        ours = [l for l in r.stderr.splitlines() if l.startswith("metaleak:")]
        check("[%s] bad config, %s: JVM refuses to start with one line" % (label, name),
              r.returncode != 0 and len(ours) == 1 and ours[0].startswith("metaleak: error: ")
              and expect in ours[0], "rc=%d %r" % (r.returncode, ours))


def run_inventory(java, agent, host, plugin_jar, work, label):
    """The class inventory on live loaders: a child-first loader shadowing a host class,
    lambdas and proxies counted per loader, and a superseded idle loader marked suspect."""
    def run(mode, extra_opts=""):
        report = os.path.join(work, "%s-inv-%s.json" % (label, mode))
        if os.path.exists(report):
            os.remove(report)
        opts = "report=%s,interval=0%s" % (report, extra_opts)
        r = harness.run_java(java, ["-cp", host, "mltest.InvHost", plugin_jar, mode], agent=agent,
                             opts=opts, jvm=["-Xmx256m"])
        tag = "[%s] inventory %s" % (label, mode)
        check(tag + ": JVM exits 0", r.returncode == 0, r.stderr[-800:])
        doc, problem = harness.read_report(report)
        if doc is None:
            check(tag + ": report readable", False, problem)
            return tag, None
        check(tag + ": report matches the schema", problem is None, str(problem))
        return tag, doc

    tag, doc = run("shadow")
    if doc is not None:
        mine = plugin_loaders(doc, plugin_jar)
        app = [l for l in doc["loaders"] if l["class"] and "AppClassLoader" in l["class"]]
        sh = mine[0].get("shadowed_classes") if len(mine) == 1 else None
        check(tag + ": the child-first loader shadows mltest.Shared of the app loader",
              isinstance(sh, dict) and sh.get("count") == 1 and len(app) == 1 and
              sh["examples"][0]["class"] == "mltest.Shared" and
              sh["examples"][0]["ancestor_id"] == app[0]["id"] and
              (sh["examples"][0]["jar"] or "").endswith("plugin.jar") and
              "parent-first-patterns" in sh.get("advice", ""), json.dumps(sh))
        check(tag + ": summary counts one shadowing loader",
              doc["summary"].get("loaders_shadowing") == 1 and
              doc["summary"].get("shadowed_classes") == 1, json.dumps(doc["summary"]))
    tag, doc = run("growth")
    if doc is not None:
        mine = plugin_loaders(doc, plugin_jar)
        g = mine[0].get("growth") if len(mine) == 1 else None
        check(tag + ": 4 lambdas and 2 proxies counted for the plugin loader",
              isinstance(g, dict) and g.get("lambdas") == 4 and g.get("proxies") == 2 and
              g.get("kind") is None, json.dumps(g))
        check(tag + ": no shadowing, not suspect",
              mine[0].get("shadowed_classes") is None and mine[0].get("suspect") is False,
              json.dumps(mine[0]))
    tag, doc = run("suspect", ",suspect_after=1")
    if doc is not None:
        mine = sorted(plugin_loaders(doc, plugin_jar), key=lambda l: l["id"])
        check(tag + ": the older of two live loaders over one jar is suspect, superseded by "
              "the newer", len(mine) == 2 and mine[0]["suspect"] is True and
              mine[0]["superseded_by"] == mine[1]["id"] and mine[1]["suspect"] is False and
              mine[0]["state"] == "live" and doc["summary"].get("loaders_suspect") == 1,
              json.dumps([{k: l.get(k) for k in ("id", "state", "suspect", "superseded_by")}
                          for l in mine]))
    tag, doc = run("suspect", ",suspect_after=0")
    if doc is not None:
        check(tag + ": suspect_after=0 marks nothing",
              doc["summary"].get("loaders_suspect") == 0, json.dumps(doc["summary"]))


def run_attach(java, agent, host, plugin_jar, work, label):
    jcmd = harness.jdk_tool(java, "jcmd")
    go = os.path.join(work, "go-" + label)
    report = os.path.join(work, "attach-%s.json" % label)
    if jcmd is None:
        harness.CHECKS.skip("[%s] attach with jcmd" % label, "this runtime has no jcmd")
        return
    proc = harness.start_java(java, ["-cp", host, "mltest.Host", plugin_jar, "--wait", go,
                                     "ThreadLeak:2", "Clean:2"],
                              jvm=["-Xmx256m"] + harness.attach_flags(java))
    try:
        check("[%s] attach: host ready" % label, proc.stdout.readline().strip() == "ready")
        r = subprocess.run([jcmd, str(proc.pid), "JVMTI.agent_load", agent,
                            '"report=%s,interval=0"' % report],
                           capture_output=True, text=True, timeout=60)
        check("[%s] attach with jcmd JVMTI.agent_load" % label,
              r.returncode == 0 and "return code: 0" in r.stdout, r.stdout + r.stderr)
        open(go, "w").close()
        proc.wait(timeout=60)
    finally:
        harness.stop(proc)
    doc, problem = harness.read_report(report)
    if not doc:
        check("[%s] attach: report written" % label, False, "none")
        return
    check("[%s] attach: report matches the schema" % label, problem is None, str(problem))
    check("[%s] attach: exit report of an attached agent" % label,
          doc["trigger"] == "exit" and doc["agent"]["attached"] is True, doc["trigger"])
    plugins = plugin_loaders(doc, plugin_jar)
    check("[%s] attach: 2 leaked, 2 unloaded plugin loaders" % label,
          doc["summary"]["leaked_loaders"] == 2 and
          sum(1 for l in plugins if l["state"] == "unloaded") == 2,
          json.dumps(doc["summary"]))
    boot = doc["loaders"][0]
    app = [l for l in doc["loaders"] if l["name"] == "app"]
    check("[%s] attach: classes from before the attach were replayed" % label,
          boot["classes_defined"] > 300 and app and app[0]["classes_defined"] >= 1,
          "boot %d app %s" % (boot["classes_defined"], app[:1]))


def main():
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap)
    ap.add_argument("--jni-lib", help="the mlglobal JNI library (tests/agent/native)")
    ap.add_argument("-k", help="run only scenarios whose name contains this")
    a = ap.parse_args()
    agent = os.path.abspath(a.agent)
    jni_lib = os.path.abspath(a.jni_lib) if a.jni_lib else None
    harness.fresh_dir(a.work)
    host, plugin_jar = build(a.work, a.javac)
    for java in a.java:
        label = harness.jdk_label(java)
        for name in SCENARIOS:
            if a.k is None or a.k in name:
                run_scenario(java, agent, jni_lib, host, plugin_jar, a.work, label, name)
        if a.k is None or a.k in "bad-config":
            run_bad_config(java, agent, a.work, label)
        if a.k is None or a.k in "attach":
            run_attach(java, agent, host, plugin_jar, a.work, label)
        if not a.k or a.k in "inventory":
            run_inventory(java, agent, host, plugin_jar, a.work, label)
    return harness.CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
