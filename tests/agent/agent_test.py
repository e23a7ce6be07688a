#!/usr/bin/env python3
"""Integration tests of the agent in real JVMs: plugin-style hosts that create, use and close
URLClassLoaders, clean and leaking in each of the ways Flink jobs leak; bad configuration;
late attach with jcmd. Exact counts are asserted.

Usage: agent_test.py --agent libmetaleak.so --java JAVA [--java JAVA...] --work DIR [-k NAME]
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from schema_check import validate  # noqa: E402

# plugin class -> classes it defines when run once (no lambdas, no string concatenation)
CLASSES = {"Clean": 1, "ThreadLeak": 2, "StaticCache": 2, "JdbcLeak": 2, "HookLeak": 2,
           "ThreadLocalLeak": 3}

# name: (deployments, expected leaked per kind, host flags, extra JVM flags)
SCENARIOS = {
    "clean": (["Clean:4"], {}, [], []),
    "thread": (["ThreadLeak:3"], {"ThreadLeak": 3}, [], []),
    "static-cache": (["StaticCache:2"], {"StaticCache": 2}, [], []),
    "jdbc": (["JdbcLeak:2"], {"JdbcLeak": 2}, [], []),
    "shutdown-hook": (["HookLeak:2"], {"HookLeak": 2}, [], []),
    "thread-local": (["ThreadLocalLeak:2"], {"ThreadLocalLeak": 2}, [], []),
    "mixed": (["Clean:3", "ThreadLeak:2", "StaticCache:1"], {"ThreadLeak": 2, "StaticCache": 1},
              [], []),
    "gc-in-run": (["ThreadLeak:2", "Clean:1"], {"ThreadLeak": 2}, ["--gc-in-run"],
                  ["verify_on_exit=false"]),
    "parallel-gc": (["ThreadLeak:2", "Clean:2"], {"ThreadLeak": 2}, [], ["-XX:+UseParallelGC"]),
    "serial-gc": (["StaticCache:2", "Clean:2"], {"StaticCache": 2}, [], ["-XX:+UseSerialGC"]),
    "zgc": (["ThreadLeak:2", "Clean:2"], {"ThreadLeak": 2}, [], ["-XX:+UseZGC"]),
}

BAD_CONFIG = [
    ("unknown key", "intervl=5", "unknown key 'intervl'"),
    ("malformed number", "interval=5s", "interval: '5s' is not a whole number"),
    ("out of range", "leak_gcs=0", "leak_gcs: '0' is out of range 1..1000"),
    ("bad bool", "verify_on_exit=yes", "verify_on_exit: 'yes' is not true or false"),
    ("bad log level", "log=loud", "log: 'loud' is not one of quiet, info, debug"),
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

results = []


def check(name, cond, detail=""):
    results.append(cond)
    print(("ok    " if cond else "FAIL  ") + name + ("" if cond else ": " + detail), flush=True)


def build(java, work):
    javac = os.path.join(os.path.dirname(java), "javac")
    jar = os.path.join(os.path.dirname(java), "jar")
    host, plug = os.path.join(work, "host"), os.path.join(work, "plugin-classes")
    subprocess.run([javac, "--release", "11", "-d", host] +
                   glob.glob(os.path.join(HERE, "java", "host", "mltest", "*.java")), check=True)
    subprocess.run([javac, "--release", "11", "-cp", host, "-d", plug] +
                   glob.glob(os.path.join(HERE, "java", "plugin", "plug", "*.java")), check=True)
    plugin_jar = os.path.join(work, "plugin.jar")
    subprocess.run([jar, "--create", "--file", plugin_jar, "-C", plug, "."], check=True)
    return host, plugin_jar


def plugin_loaders(doc, plugin_jar):
    return [l for l in doc["loaders"] if any(plugin_jar in u for u in l["urls"])]


def run_scenario(java, agent, host, plugin_jar, work, label, name):
    deployments, leaked, host_flags, extra = SCENARIOS[name]
    opts = ["report=%s" % os.path.join(work, "%s-%s-%%p.json" % (label, name)), "interval=0"]
    jvm_flags = [f for f in extra if f.startswith("-")]
    opts += [f for f in extra if not f.startswith("-")]
    cmd = [java, "-Xmx256m"] + jvm_flags + ["-agentpath:%s=%s" % (agent, ",".join(opts)),
                                            "-cp", host, "mltest.Host", plugin_jar] + \
        host_flags + deployments
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    tag = "[%s] %s" % (label, name)
    if r.returncode != 0:
        check(tag + ": JVM exits 0", False, r.stderr[-1000:])
        return
    reports = glob.glob(os.path.join(work, "%s-%s-*.json" % (label, name)))
    leftovers = glob.glob(os.path.join(work, ".%s-%s-*.tmp.*" % (label, name)))
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
    if name == "shutdown-hook":
        check(tag + ": leaked loaders stay in leaks even if released at exit",
              all(l["proof"] == "full-gc" for l in doc["leaks"]), "")
    else:
        check(tag + ": %d plugin loaders unloaded" % (total - want_leaked),
              unloaded == total - want_leaked, str(by_state))
    leak_ids = {l["loader_id"] for l in doc["leaks"]}
    for leak in doc["leaks"]:
        loader = next(l for l in doc["loaders"] if l["id"] == leak["loader_id"])
        kinds = [k for k in leaked if k != "Clean"]
        want_classes = {CLASSES[k] for k in kinds}
        check(tag + ": leak %d defines %s classes" % (leak["loader_id"], want_classes),
              loader["classes_defined"] in want_classes and
              (leak["classes_live"] == loader["classes_defined"] or leak["unloaded_ms"] is not None),
              "defined %d live %d" % (loader["classes_defined"], leak["classes_live"]))
        check(tag + ": leak %d closed, proven by full-gc, names the jar" % leak["loader_id"],
              leak["proof"] == "full-gc" and leak["gcs_since_close"] >= 1 and
              leak["closed_ms"] is not None and leak["leaked_ms"] >= leak["closed_ms"] and
              any(plugin_jar in u for u in leak["urls"]) and
              leak["class"] == "java.net.URLClassLoader", json.dumps(leak)[:300])
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
        r = subprocess.run([java, "-agentpath:%s=%s" % (agent, opts), "-version"],
                           capture_output=True, text=True, timeout=60)
        ours = [l for l in r.stderr.splitlines() if l.startswith("metaleak:")]
        check("[%s] bad config, %s: JVM refuses to start with one line" % (label, name),
              r.returncode != 0 and len(ours) == 1 and ours[0].startswith("metaleak: error: ")
              and expect in ours[0], "rc=%d %r" % (r.returncode, ours))


def run_attach(java, agent, host, plugin_jar, work, label):
    jcmd = os.path.join(os.path.dirname(java), "jcmd")
    go = os.path.join(work, "go-" + label)
    report = os.path.join(work, "attach-%s.json" % label)
    extra = ["-XX:+EnableDynamicAgentLoading"] if not label.startswith("java-17") else []
    proc = subprocess.Popen([java, "-Xmx256m"] + extra +
                            ["-cp", host, "mltest.Host", plugin_jar, "--wait", go,
                             "ThreadLeak:2", "Clean:2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    doc = json.load(open(report)) if os.path.exists(report) else {}
    if not doc:
        check("[%s] attach: report written" % label, False, "none")
        return
    check("[%s] attach: report matches the schema" % label, validate(doc) is None,
          str(validate(doc)))
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
    ap.add_argument("--agent", required=True)
    ap.add_argument("--java", action="append", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("-k", help="run only scenarios whose name contains this")
    a = ap.parse_args()
    agent = os.path.abspath(a.agent)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    host, plugin_jar = build(a.java[0], a.work)
    for java in a.java:
        label = os.path.basename(os.path.dirname(os.path.dirname(java)))
        for name in SCENARIOS:
            if a.k is None or a.k in name:
                run_scenario(java, agent, host, plugin_jar, a.work, label, name)
        if a.k is None or a.k in "bad-config":
            run_bad_config(java, agent, a.work, label)
        if a.k is None or a.k in "attach":
            run_attach(java, agent, host, plugin_jar, a.work, label)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
