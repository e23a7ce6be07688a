"""What every real-JVM test driver needs (tests/agent, cli, faults, metaspace, stress, flink):
the check helper, compiling Java fixtures, launching JVMs with the agent, reading reports and
checking them against docs/report.schema.json.

One compiler for every fixture: the build JDK's javac with --release 11 (--javac, else
$METALEAK_JAVAC, else javac beside $JAVA_HOME/bin or on PATH), so that the JVMs under test may
be runtimes without javac, jar or jcmd. Jars are written with zipfile, not the jar tool.

Schema checks are strict when METALEAK_REQUIRE_SCHEMA=1 (scripts/test.sh sets it): a missing
jsonschema module is then an error instead of a skipped check.

--gc NAME (every driver): every JVM the driver starts runs with that collector (g1, parallel,
serial, zgc, zgc-generational, shenandoah), with the flags its JDK needs (JDK 11: ZGC is
experimental; JDK 21-22: generational ZGC is -XX:+ZGenerational, 23+: the default), except the
JVMs whose own flags already pick a collector. Without it the JVM's default (G1) is used.

    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
    import harness
"""
import argparse
import functools
import glob
import json
import os
import re
import shutil
import subprocess
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMA = os.path.join(ROOT, "docs", "report.schema.json")


# ---- checks ----------------------------------------------------------------------------------

class Checks:
    """One line per check ("ok    name", "FAIL  name: detail", "skip  name: why") and the
    "N passed, M failed" line at the end. `prefix` goes before every name ("[jdk] ")."""

    def __init__(self, prefix="", detail_max=None):
        self.prefix = prefix
        self.detail_max = detail_max
        self.results = []          # (name, ok, detail)

    def check(self, name, cond, detail=""):
        ok = bool(cond)
        self.results.append((name, ok, detail))
        text = str(detail) if self.detail_max is None else str(detail)[:self.detail_max]
        print(("ok    " if ok else "FAIL  ") + self.prefix + name + ("" if ok else ": " + text),
              flush=True)
        return ok

    def skip(self, name, why):
        print("skip  %s%s: %s" % (self.prefix, name, why), flush=True)

    def note(self, text):
        print("note  %s%s" % (self.prefix, text), flush=True)

    @property
    def passed(self):
        return sum(1 for r in self.results if r[1])

    @property
    def failed(self):
        return sum(1 for r in self.results if not r[1])

    def all_ok(self):
        return self.failed == 0

    def summary(self, suffix="", require_checks=False):
        """Prints the totals; returns the exit status: 0 when every check passed (and, with
        require_checks, there was one)."""
        print("%d passed, %d failed%s" % (self.passed, self.failed, suffix), flush=True)
        return 0 if self.all_ok() and (self.results or not require_checks) else 1


CHECKS = Checks()
check = CHECKS.check


# ---- command line ----------------------------------------------------------------------------

def add_common_args(ap, java_many=True, agent=True, work=True):
    """--agent, --java (repeatable unless java_many is False), --javac, --work, --gc."""
    if agent:
        ap.add_argument("--agent", required=True, help="libmetaleak.so")
    if java_many:
        ap.add_argument("--java", action="append", required=True,
                        help="bin/java of a JDK or JRE to test on (repeatable)")
    else:
        ap.add_argument("--java", required=True, help="bin/java of the JDK or JRE to test on")
    ap.add_argument("--javac", help="the compiler for the Java fixtures (default: $METALEAK_JAVAC, "
                                    "$JAVA_HOME/bin/javac, javac on PATH)")
    if work:
        ap.add_argument("--work", required=True, help="work directory (emptied first)")
    ap.add_argument("--gc", choices=COLLECTORS, action=_GcAction,
                    help="run every JVM with this collector (default: the JVM's, G1)")


class _GcAction(argparse.Action):
    """--gc sets the collector of every JVM the driver starts (java_cmd)."""

    def __call__(self, parser, namespace, values, option_string=None):
        global GC
        GC = values
        setattr(namespace, self.dest, values)


def fresh_dir(path):
    """Empties (creates) a work directory and returns its absolute path."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return os.path.abspath(path)


# ---- Java fixtures ---------------------------------------------------------------------------

def find_javac(javac=None):
    """The one compiler: the given one, $METALEAK_JAVAC, $JAVA_HOME/bin/javac, javac on PATH."""
    for cand in (javac, os.environ.get("METALEAK_JAVAC"),
                 os.path.join(os.environ["JAVA_HOME"], "bin", "javac")
                 if os.environ.get("JAVA_HOME") else None,
                 shutil.which("javac")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    raise SystemExit("no javac: pass --javac (the build JDK's bin/javac) or set METALEAK_JAVAC")


def compile_java(sources, out, classpath=None, javac=None):
    """Compiles sources (paths, or glob patterns) with --release 11 into out; returns out."""
    files = []
    for s in sources:
        files += sorted(glob.glob(s)) if any(c in s for c in "*?[") else [s]
    os.makedirs(out, exist_ok=True)
    cmd = [find_javac(javac), "--release", "11", "-d", out]
    if classpath:
        cmd += ["-cp", classpath]
    subprocess.run(cmd + files, check=True)
    return out


def make_jar(classes, jar):
    """A jar of every file under classes, laid out as the jar tool lays it out (META-INF/ and
    its manifest first, a directory entry before the files in it): a loader reading it loads
    the same JDK classes (the manifest's) as with a jar from the jar tool."""
    with zipfile.ZipFile(jar, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/", b"")
        z.writestr("META-INF/MANIFEST.MF",
                   b"Manifest-Version: 1.0\r\nCreated-By: metaleak tests\r\n\r\n")
        for d, dirs, names in os.walk(classes):
            dirs.sort()
            rel = os.path.relpath(d, classes)
            if rel != ".":
                z.writestr(rel.replace(os.sep, "/") + "/", b"")
            for n in sorted(names):
                p = os.path.join(d, n)
                z.write(p, os.path.relpath(p, classes))
    return jar


# ---- JVMs ------------------------------------------------------------------------------------

def jdk_label(java):
    """The name of the JDK directory of bin/java (test names: agent.<label>), and "-<gc>" in a
    run with --gc."""
    label = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(java))))
    return label + ("-" + GC if GC else "")


def jdk_tool(java, name):
    """A tool beside bin/java (jcmd, jar...), or None when this runtime has none."""
    p = os.path.join(os.path.dirname(java), name)
    return p if os.path.isfile(p) and os.access(p, os.X_OK) else None


@functools.lru_cache(maxsize=None)
def java_feature(java):
    """The feature release of a JVM (17, 21, 25...), from its java.specification.version."""
    r = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True,
                       text=True, timeout=60)
    m = re.search(r"java\.specification\.version = (\d+)(?:\.(\d+))?", r.stderr)
    if not m:
        raise SystemExit("cannot tell the version of %s:\n%s" % (java, r.stderr[-500:]))
    return int(m.group(2)) if m.group(1) == "1" else int(m.group(1))


# ---- collectors -------------------------------------------------------------------------------

COLLECTORS = ("g1", "parallel", "serial", "zgc", "zgc-generational", "shenandoah")
CONCURRENT = ("zgc", "zgc-generational", "shenandoah")
GC = None   # the collector of this run (--gc), None: the JVM's default
_GC_FLAG = re.compile(r"^-XX:\+Use(\w+)GC$")
_GC_OF_FLAG = {"G1": "g1", "Parallel": "parallel", "Serial": "serial", "Z": "zgc",
               "Shenandoah": "shenandoah", "Epsilon": "epsilon"}


def gc_flags(name, java):
    """The JVM flags that select collector `name` on this JVM, or None when it has none."""
    v = java_feature(java)
    if name == "g1":
        return ["-XX:+UseG1GC"]
    if name == "parallel":
        return ["-XX:+UseParallelGC"]
    if name == "serial":
        return ["-XX:+UseSerialGC"]
    if name == "shenandoah":
        return ["-XX:+UseShenandoahGC"]
    if name == "zgc":  # non-generational: experimental before 15, removed in 24
        if v < 15:
            return ["-XX:+UnlockExperimentalVMOptions", "-XX:+UseZGC"]
        if v <= 22:
            return ["-XX:+UseZGC"]
        return ["-XX:+UseZGC", "-XX:-ZGenerational"] if v == 23 else None
    if name == "zgc-generational":  # JDK 21+; the default ZGC from 23
        if v < 21:
            return None
        return ["-XX:+UseZGC", "-XX:+ZGenerational"] if v <= 22 else ["-XX:+UseZGC"]
    raise ValueError("unknown collector %r" % name)


def collector(java, jvm=()):
    """The collector a JVM started with these flags runs: its own flag's, else --gc's, else
    "g1" (the default of every JDK the tests run on). ZGC with -XX:+ZGenerational (or on 23+)
    is "zgc-generational"."""
    for f in jvm:
        m = _GC_FLAG.match(f)
        if m:
            name = _GC_OF_FLAG.get(m.group(1), m.group(1).lower())
            if name == "zgc" and ("-XX:+ZGenerational" in jvm or
                                  (java_feature(java) >= 23 and "-XX:-ZGenerational" not in jvm)):
                name = "zgc-generational"
            return name
    return GC or "g1"


def concurrent_gc(java, jvm=()):
    """True when that JVM's full-heap collections are concurrent cycles (ZGC, Shenandoah): the
    agent then needs one more counted collection for a verdict (docs/gc.md)."""
    return collector(java, jvm) in CONCURRENT


def gc_unloads_classes(java, jvm=()):
    """False for ZGC on JDK 11: it never unloads a class (concurrent class unloading came with
    JDK 12), and the agent does not know its one bean ("ZGC"), so no closed loader gets a
    verdict there (docs/compatibility.md)."""
    return not (collector(java, jvm) == "zgc" and java_feature(java) < 12)


def gc_jvm_flags(java, jvm=()):
    """The flags java_cmd adds before `jvm`: --gc's collector unless `jvm` picks one, and what
    a collector picked in `jvm` needs on this JDK (JDK 11: -XX:+UnlockExperimentalVMOptions
    for ZGC)."""
    own = any(_GC_FLAG.match(f) for f in jvm)
    if own:
        if "-XX:+UseZGC" in jvm and java_feature(java) < 15 and \
                "-XX:+UnlockExperimentalVMOptions" not in jvm:
            return ["-XX:+UnlockExperimentalVMOptions"]
        return []
    if GC is None:
        return []
    flags = gc_flags(GC, java)
    if flags is None:
        raise SystemExit("--gc %s: this collector is not available on JDK %d (%s)"
                         % (GC, java_feature(java), java))
    return flags


def attach_flags(java):
    """JVM flags that allow a late attach without a warning (JDK 21 and later, JEP 451)."""
    return ["-XX:+EnableDynamicAgentLoading"] if java_feature(java) >= 21 else []


def agent_flag(agent, opts):
    """-agentpath:AGENT=OPTS; opts is a string or a list of "k=v"."""
    if not isinstance(opts, str):
        opts = ",".join(opts)
    return "-agentpath:%s=%s" % (agent, opts) if opts else "-agentpath:%s" % agent


def java_cmd(java, args, agent=None, opts="", jvm=()):
    """[java, collector flags (gc_jvm_flags), jvm flags..., -agentpath (when agent), args...]."""
    cmd = [java] + gc_jvm_flags(java, jvm) + list(jvm)
    if agent:
        cmd.append(agent_flag(agent, opts))
    return cmd + list(args)


def run_java(java, args, agent=None, opts="", jvm=(), timeout=120, **kw):
    """Runs a JVM to its end; output captured as text."""
    return subprocess.run(java_cmd(java, args, agent, opts, jvm), capture_output=True, text=True,
                          timeout=timeout, **kw)


def start_java(java, args, agent=None, opts="", jvm=(), **kw):
    """Starts a JVM (stdout and stderr piped, text) and returns the Popen."""
    return subprocess.Popen(java_cmd(java, args, agent, opts, jvm), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def stop(proc):
    """Kills a Popen that is still running and reaps it."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()


# ---- reports ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _schema():
    with open(SCHEMA) as f:
        return json.load(f)


def validate(path_or_doc):
    """None when the report is valid (or validation is unavailable), else the error."""
    try:
        import jsonschema
    except ImportError:
        if os.environ.get("METALEAK_REQUIRE_SCHEMA") == "1":
            return "python module jsonschema missing (apt-get install python3-jsonschema)"
        return None
    doc = path_or_doc
    if isinstance(path_or_doc, str):
        with open(path_or_doc) as f:
            doc = json.load(f)
    try:
        jsonschema.validate(doc, _schema())
    except jsonschema.ValidationError as e:
        return "%s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path))
    return None


def read_report(path):
    """(doc, problem): the parsed report (None when missing or not JSON) and None or what is
    wrong with it (unreadable, not JSON, against the schema)."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return None, "%s: %s" % (path, e)
    return doc, validate(doc)
