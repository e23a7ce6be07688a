#!/usr/bin/env python3
"""Running metaleak in production, on real JVMs with the agent (docs/operations.md):

alerts    the log lines a leak, a Metaspace verdict change and an OutOfMemoryError print: their
          format (time, level, logfmt fields), one per leaked loader with its cause, none for
          loaders that were released cleanly, none at log=error, the rate limit when 30 leak at
          once, log=warn accepted.
mbean     io.metaleak:type=Agent read by a JMX client over the local attach connector: read-only
          attributes whose values are the report's; mbean=off registers nothing; mbean=auto
          does not create the platform MBean server but registers once somebody does.
exporter  the Prometheus JMX exporter java agent (Maven Central) with
          examples/prometheus/jmx-exporter-metaleak.yaml serves the metrics (skipped when the
          jar cannot be fetched).
metrics   metrics=FILE: Prometheus text whose values are the report's; %h in the paths.
oom       an OutOfMemoryError: Metaspace gives one ERROR line; a Metaspace that is only too small
          gives verdict undersized and no leak line.

Usage: prod_test.py --agent libmetaleak.so --java JAVA [--java JAVA...] [--javac JAVAC] --work DIR
       [--exporter-jar JAR]
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

EXPORTER = "io.prometheus.jmx:jmx_prometheus_javaagent:1.0.1"
RULES = os.path.join(ROOT, "examples", "prometheus", "jmx-exporter-metaleak.yaml")

# docs/operations.md: "<UTC time> <LEVEL> metaleak: event=<event> key=value ..."
ALERT = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (ERROR|WARN|INFO|DEBUG) metaleak: "
                   r"(event=\S+(?: [a-z_]+=(?:\"(?:[^\"\\]|\\.)*\"|\S+))*)$")
FIELD = re.compile(r"([a-z_]+)=(\"(?:[^\"\\]|\\.)*\"|\S+)")


def logfmt(text):
    out = {}
    for k, v in FIELD.findall(text):
        if v.startswith('"'):
            v = re.sub(r"\\(.)", r"\1", v[1:-1])
        out[k] = v
    return out


def alerts(stderr):
    """[(level, fields)] of the alert lines; raises on a line that looks like one but is not."""
    out = []
    for line in stderr.splitlines():
        if " metaleak: event=" not in line:
            continue
        m = ALERT.match(line)
        if not m:
            out.append(("MALFORMED", {"line": line}))
            continue
        out.append((m.group(2), logfmt(m.group(3))))
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Fixture:
    def __init__(self, a):
        self.work = harness.fresh_dir(a.work)
        self.agent = os.path.abspath(a.agent)
        self.javac = a.javac
        host = os.path.join(self.work, "host")
        plug = os.path.join(self.work, "plugin-classes")
        agent_java = os.path.join(ROOT, "tests", "agent", "java")
        harness.compile_java([os.path.join(agent_java, "host", "mltest", "*.java")], host,
                             javac=a.javac)
        harness.compile_java([os.path.join(agent_java, "plugin", "plug", "*.java"),
                              os.path.join(agent_java, "plugin", "mltest", "*.java")], plug,
                             classpath=host, javac=a.javac)
        self.plugin = harness.make_jar(plug, os.path.join(self.work, "plugin.jar"))
        self.classes = harness.compile_java([os.path.join(HERE, "java", "mlprod", "*.java")],
                                            os.path.join(self.work, "classes"), classpath=host,
                                            javac=a.javac)
        self.cp = host + os.pathsep + self.classes
        self.filler = harness.compile_java(
            [os.path.join(ROOT, "tests", "metaspace", "java", "MetaspaceFiller.java")],
            os.path.join(self.work, "filler"), javac=a.javac)
        self.filler_plugin = harness.compile_java(
            [os.path.join(ROOT, "tests", "metaspace", "java", "plug", "P.java")],
            os.path.join(self.work, "filler-plugin"), javac=a.javac)
        self.exporter = a.exporter_jar or fetch_exporter(self.work)
        self.host_name = socket.gethostname()
        # The JDK whose javac built the fixtures has the attach API for the JMX client.
        self.client_java = os.path.join(os.path.dirname(harness.find_javac(a.javac)), "java")


def fetch_exporter(work):
    """The JMX exporter java agent through Maven (tests/flink/cluster.sh fetch-jar); None when
    it cannot be fetched."""
    r = subprocess.run([os.path.join(ROOT, "tests", "flink", "cluster.sh"), "fetch-jar", EXPORTER],
                       capture_output=True, text=True, timeout=600)
    path = r.stdout.strip().splitlines()[-1] if r.returncode == 0 and r.stdout.strip() else ""
    return path if os.path.isfile(path) else None


def host_run(fx, java, name, opts, kinds, jvm=(), client=None, client_wait=15):
    """Starts ProdHost with the agent; when it printed "deployed", runs client(pid) (if any)
    while it lives; then lets it exit. Returns (stderr, client result, report path)."""
    stop = os.path.join(fx.work, name + ".stop")
    report = os.path.join(fx.work, name + "-%p.json")
    if os.path.exists(stop):
        os.remove(stop)  # from the run on the JDK before
    p = harness.start_java(java, ["-cp", fx.cp, "mlprod.ProdHost", fx.plugin, stop] + kinds,
                           agent=fx.agent, opts="report=%s,interval=0,%s" % (report, opts)
                           if opts else "report=%s,interval=0" % report,
                           jvm=["-Xmx128m"] + list(jvm))
    result = None
    try:
        line = p.stdout.readline()
        if line.strip() == "deployed" and client is not None:
            result = client(p.pid)
        with open(stop, "w"):
            pass
        _, err = p.communicate(timeout=120)
    finally:
        harness.stop(p)
    return err, result, report.replace("%p", str(p.pid))


def jmx_read(fx, pid, wait, *expect, java=None):
    """Runs the JMX client on pid: with the target's own java when it is a JDK (the attach API),
    else the fixtures' JDK; the attach timeout is raised for a loaded machine."""
    client = java if java and harness.jdk_tool(java, "jcmd") else fx.client_java
    r = subprocess.run([client, "-Dsun.tools.attach.attachTimeout=60000", "-cp", fx.classes,
                        "mlprod.JmxRead", str(pid), str(wait)] + list(expect),
                       capture_output=True, text=True, timeout=wait + 120)
    attrs = {}
    for line in r.stdout.splitlines():
        parts = line.split(" ", 4)
        if parts[0] == "attr" and len(parts) >= 4:
            attrs[parts[1]] = {"type": parts[2], "writable": parts[3] == "writable=true",
                               "value": parts[4] if len(parts) > 4 else ""}
    return r.returncode, attrs, r.stdout + r.stderr


def read_report(path):
    doc, problem = harness.read_report(path)
    check("report %s matches the schema" % os.path.basename(path), doc is not None and
          problem is None, str(problem))
    return doc or {"leaks": [], "summary": {}, "metaspace": {}}


def parse_prom(text):
    """{name: (labels dict, value)} of a Prometheus text file (one sample per name here)."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-z_:]+)\{(.*)\} (\S+)$", line) or re.match(r"^([a-z_:]+)() (\S+)$", line)
        if not m:
            out.setdefault("__malformed__", []).append(line)
            continue
        labels = dict(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        out[m.group(1)] = (labels, float(m.group(3)))
    return out


# ---- alerts -----------------------------------------------------------------------------------

def test_alerts(fx, java, label):
    t = "[%s] alerts: " % label
    metrics = os.path.join(fx.work, "metrics-%h-%p.prom")
    err, _, report = host_run(fx, java, "alerts", "metrics=" + metrics,
                              ["ThreadLeak:2", "StaticCache:1", "Clean:2", "ThreadLeakFixed:1",
                               "StaticCacheFixed:1"])
    doc = read_report(report)
    lines = alerts(err)
    check(t + "every alert line has the documented format",
          all(lv != "MALFORMED" for lv, _ in lines), [f for lv, f in lines if lv == "MALFORMED"])
    leaks = [f for lv, f in lines if f.get("event") == "leak"]
    by_id = {int(f.get("loader", -1)): f for f in leaks}
    want = {l["loader_id"]: l for l in doc["leaks"]}
    check(t + "one WARN leak line per leaked loader of the report (3)",
          len(want) == 3 and sorted(by_id) == sorted(want) and len(leaks) == 3 and
          all(lv == "WARN" for lv, f in lines if f.get("event") == "leak"),
          "lines %s, report %s" % (sorted(by_id), sorted(want)))
    for lid, l in want.items():
        f = by_id.get(lid, {})
        check(t + "loader %d: cause %s, holder, classes, Metaspace, report path as the report"
              % (lid, l.get("cause")),
              f.get("cause") == l.get("cause") and f.get("holder", "").endswith(
                  "-> " + l["path"][-1]["class"]) and
              int(f.get("classes", -1)) == l["classes_live"] and
              (l["metaspace_bytes"] is None or int(f.get("metaspace_bytes", -1)) ==
               l["metaspace_bytes"] or f.get("metaspace_bytes") is not None) and
              f.get("report") == report and f.get("proof") == l.get("proof"),
              "%s vs %s" % (f, {k: l.get(k) for k in ("cause", "classes_live",
                                                      "metaspace_bytes", "proof")}))
    check(t + "thread leaks name the thread", all("thread 'mltest-leaky-thread'" in f["holder"]
                                                   for f in leaks if f.get("cause") == "thread"),
          leaks)
    # Must not trigger: the Clean and fixed plugins' loaders were unloaded; no line names them.
    unloaded = [l["id"] for l in doc["loaders"] if l["state"] == "unloaded" and
                any("plugin.jar" in u for u in l.get("urls") or [])]
    check(t + "no leak line for the 4 loaders released cleanly (Clean, fixed controls)",
          len(unloaded) >= 4 and not set(unloaded) & set(by_id), "unloaded %s" % unloaded)
    ms = [f for lv, f in lines if f.get("event") == "metaspace"]
    check(t + "one Metaspace verdict line: healthy -> leak, with the loaders leaked by then (1-3)",
          len(ms) == 1 and ms[0].get("verdict") == "leak" and ms[0].get("was") == "healthy" and
          ms[0].get("leaked_loaders") in ("1", "2", "3"), ms)
    check(t + "no stack trace on stderr", "\tat " not in err and "Exception" not in err,
          err[-800:])
    check(t + "no oom line without an OutOfMemoryError",
          not [f for _, f in lines if f.get("event") == "oom"], lines)
    # The metrics file of the same run, named with %h and %p.
    pid = re.search(r"-(\d+)\.json$", report).group(1)
    mfile = metrics.replace("%h", re.sub(r"[^A-Za-z0-9._-]", "_", fx.host_name)).replace(
        "%p", pid)
    try:
        prom = parse_prom(open(mfile).read())
    except OSError as e:
        prom = {"__malformed__": [str(e)]}
    s = doc["summary"]
    alive = [l for l in doc["leaks"] if l.get("unloaded_ms") is None]
    check(t + "metrics file (%%h, %%p in its name) holds the report's numbers",
          "__malformed__" not in prom and
          prom.get("metaleak_leaked_loaders", ({}, -1))[1] == len(alive) and
          prom.get("metaleak_loaders_leaked_total", ({}, -1))[1] == s.get("leaked_loaders") and
          prom.get("metaleak_leaked_classes", ({}, -1))[1] == sum(l["classes_live"]
                                                                  for l in alive) and
          prom.get("metaleak_metaspace_verdict", ({}, -1))[1] == 3 and
          prom.get("metaleak_reports_written_total", ({}, -1))[1] >= 2 and
          prom.get("metaleak_up", ({}, -1))[1] == 1 and
          prom["metaleak_up"][0] == {"host": fx.host_name if re.match(r"^[A-Za-z0-9._-]+$",
                                                                      fx.host_name)
                                     else prom["metaleak_up"][0].get("host"), "pid": pid} and
          prom.get("metaleak_last_report_info", ({}, 0))[0].get("path") == report,
          "%s: %s" % (mfile, {k: v for k, v in prom.items() if not k.startswith("metaleak_m")}))

    # log=warn is accepted: alerts yes, info lines no. log=error: neither.
    err, _, report = host_run(fx, java, "warn", "log=warn", ["StaticCache:1", "Clean:1"])
    lines = alerts(err)
    check(t + "log=warn: the leak alert, no info line",
          [f.get("event") for _, f in lines] == ["leak", "metaspace"] and
          "metaleak: info:" not in err, err[-800:])
    err, _, report = host_run(fx, java, "error", "log=error", ["StaticCache:1"])
    doc = read_report(report)
    check(t + "log=error: no alert and no info line (the report still has the leak)",
          alerts(err) == [] and "metaleak: info:" not in err and len(doc["leaks"]) == 1,
          err[-800:])

    # Rate limit: 30 loaders leak at once: 10 lines, then one line that counts the other 20.
    err, _, report = host_run(fx, java, "burst", "", ["StaticCache:30"])
    doc = read_report(report)
    lines = alerts(err)
    leak_lines = [f for _, f in lines if f.get("event") == "leak"]
    held = [f for _, f in lines if f.get("event") == "leaks-suppressed"]
    check(t + "30 leaks at once: 10 leak lines and one leaks-suppressed count=20",
          len(doc["leaks"]) == 30 and len(leak_lines) == 10 and len(held) == 1 and
          held[0].get("count") == "20" and int(held[0].get("classes", 0)) == 40,
          "leaks %d, lines %d, held %s" % (len(doc["leaks"]), len(leak_lines), held))


# ---- MBean ------------------------------------------------------------------------------------

def test_mbean(fx, java, label):
    t = "[%s] mbean: " % label
    got = {}
    err, got, report = host_run(
        fx, java, "mbean", "",
        ["ThreadLeak:2", "StaticCache:1", "Clean:2"],
        client=lambda pid: jmx_read(fx, pid, 20, "LeakedLoaders=3", "ReportsWritten=1",
                                    java=java))
    rc, attrs, out = got if got else (-1, {}, "no client run")
    doc = read_report(report)
    check(t + "a JMX client over the attach connector reads io.metaleak:type=Agent", rc == 0,
          out[-1500:])
    want_types = {"Active": "boolean", "LeakedLoaders": "long", "LeakedLoadersTotal": "long",
                  "LeakedClasses": "long", "LeakedMetaspaceBytes": "long", "LoadersLive": "long",
                  "MetaspaceVerdict": "java.lang.String", "MetaspaceVerdictLevel": "int",
                  "ForecastSubmissionsLeft": "long", "ForecastSecondsLeft": "long",
                  "MetaspaceUsedBytes": "long", "MetaspaceMaxBytes": "long",
                  "MetaspaceOutOfMemoryErrors": "long", "ReportsWritten": "long",
                  "LastReportPath": "java.lang.String", "LastReportTime": "long",
                  "AgentErrors": "long", "Version": "java.lang.String"}
    check(t + "the documented attributes and types, all read-only",
          {k: v["type"] for k, v in attrs.items()} == want_types and
          not any(v["writable"] for v in attrs.values()), attrs)
    v = {k: a["value"] for k, a in attrs.items()}
    leaks = doc["leaks"]
    check(t + "values are the leak report's: 3 leaked, their classes and Metaspace, verdict "
          "leak, the report path, version",
          v.get("LeakedLoaders") == "3" and v.get("LeakedLoadersTotal") == "3" and
          v.get("LeakedClasses") == str(sum(l["classes_live"] for l in leaks)) and
          int(v.get("LeakedMetaspaceBytes", "-1")) == sum(l["metaspace_bytes"] or 0
                                                          for l in leaks) and
          v.get("MetaspaceVerdict") == "leak" and v.get("MetaspaceVerdictLevel") == "3" and
          v.get("LastReportPath") == report and v.get("Active") == "true" and
          v.get("AgentErrors") == "0" and v.get("Version") == doc["agent"]["version"], v)

    # mbean=off: nothing is registered, even with a platform MBean server.
    err, got, report = host_run(fx, java, "mbean-off", "mbean=off", ["StaticCache:1"],
                                client=lambda pid: jmx_read(fx, pid, 7, java=java))
    check(t + "mbean=off: not registered", got is not None and got[0] == 3,
          got[2][-500:] if got else "no client run")

    # mbean=auto with nothing that creates the platform MBean server (no loader released, so
    # not even the agent's per-loader measurement): the agent does not create it. Once the JMX
    # client's local management agent has created it, the MBean follows within 5 s.
    log = os.path.join(fx.work, "auto-classes.txt")

    def auto_client(pid):
        time.sleep(6)  # more than one 5 s check of the agent
        loaded = open(log).read() if os.path.exists(log) else ""
        return loaded, jmx_read(fx, pid, 15, java=java)

    err, got, report = host_run(fx, java, "mbean-auto", "", [],
                                jvm=["-Xlog:class+load=info:file=%s" % log], client=auto_client)
    loaded, (rc, attrs, out) = got if got else ("", (-1, {}, "no client run"))
    check(t + "mbean=auto: the agent did not create the platform MBean server",
          "com.sun.jmx.mbeanserver.JmxMBeanServer " not in loaded and
          "javax.management.modelmbean.RequiredModelMBean " not in loaded,
          [l for l in loaded.splitlines() if "jmx" in l.lower()][:5])
    check(t + "mbean=auto: registered once a JMX client created the server",
          rc == 0 and attrs.get("LeakedLoaders", {}).get("value") == "0", out[-800:])

    # mbean=on: registered at start, with nothing else creating the server.
    log2 = os.path.join(fx.work, "on-classes.txt")

    def on_client(pid):
        time.sleep(1.5)
        return open(log2).read() if os.path.exists(log2) else ""

    err, loaded, report = host_run(fx, java, "mbean-on", "mbean=on", [],
                                   jvm=["-Xlog:class+load=info:file=%s" % log2],
                                   client=on_client)
    check(t + "mbean=on: the agent created the server and registered the MBean at start",
          loaded is not None and "javax.management.modelmbean.RequiredModelMBean " in loaded,
          "RequiredModelMBean not loaded")


def test_exporter(fx, java, label):
    t = "[%s] exporter: " % label
    if fx.exporter is None:
        harness.CHECKS.skip(t + "JMX exporter", "%s could not be fetched (mvn)" % EXPORTER)
        return
    port = free_port()

    def scrape(pid):
        deadline = time.time() + 60
        text = ""
        while time.time() < deadline:
            try:
                text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                              timeout=5).read().decode()
                if re.search(r"^metaleak_leaked_loaders 3\.0$", text, re.M):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        return text

    err, text, report = host_run(
        fx, java, "exporter", "", ["ThreadLeak:2", "StaticCache:1", "Clean:2"],
        jvm=["-javaagent:%s=127.0.0.1:%d:%s" % (fx.exporter, port, RULES)], client=scrape)
    text = text or ""
    got = {m.group(1): float(m.group(2)) for m in
           re.finditer(r"^(metaleak_[a-z_]+) (\S+)$", text, re.M)}
    names = {"metaleak_up", "metaleak_leaked_loaders", "metaleak_loaders_leaked_total",
             "metaleak_leaked_classes", "metaleak_leaked_metaspace_bytes",
             "metaleak_loaders_live", "metaleak_metaspace_verdict",
             "metaleak_forecast_submissions_left", "metaleak_forecast_seconds_left",
             "metaleak_metaspace_used_bytes", "metaleak_metaspace_max_bytes",
             "metaleak_metaspace_oom_total", "metaleak_reports_written_total",
             "metaleak_last_report_timestamp_seconds", "metaleak_agent_errors_total"}
    check(t + "the rule file exports every number under the metrics file's names",
          set(got) == names, sorted(set(got) ^ names))
    check(t + "values: 3 leaked loaders, verdict 3 (leak), up",
          got.get("metaleak_leaked_loaders") == 3 and got.get("metaleak_metaspace_verdict") == 3
          and got.get("metaleak_up") == 1 and
          abs(got.get("metaleak_last_report_timestamp_seconds", 0) - time.time()) < 600, got)


# ---- OOM --------------------------------------------------------------------------------------

def test_oom(fx, java, label):
    t = "[%s] oom: " % label
    for mode in ("leak", "undersized"):
        report = os.path.join(fx.work, "oom-%s.json" % mode)
        copy = os.path.join(fx.work, "oom-%s-copy.json" % mode)
        r = harness.run_java(java, ["-cp", fx.filler, "MetaspaceFiller", mode, fx.filler_plugin,
                                    report, copy],
                             agent=fx.agent, opts="report=%s,interval=0" % report,
                             jvm=["-Xmx256m", "-XX:MaxMetaspaceSize=24m"], timeout=300)
        lines = alerts(r.stderr)
        ooms = [(lv, f) for lv, f in lines if f.get("event") == "oom"]
        check(t + "%s: JVM ran out of Metaspace; one ERROR oom line per 10 s, with the count"
              % mode, r.returncode == 3 and ooms and all(lv == "ERROR" for lv, _ in ooms) and
              ooms[0][1].get("space") in ("metaspace", "compressed-class-space") and
              int(ooms[0][1].get("count", 0)) >= 1 and
              ooms[0][1].get("max_bytes") == str(24 << 20), "rc %d, %s" % (r.returncode, ooms))
        verdicts = [f.get("verdict") for _, f in lines if f.get("event") == "metaspace"]
        leak_lines = [f for _, f in lines if f.get("event") == "leak"]
        if mode == "leak":
            check(t + "leak: verdict line leak, leak lines", "leak" in verdicts and leak_lines,
                  verdicts)
        else:
            check(t + "undersized: verdict line undersized and no leak line",
                  verdicts and verdicts[-1] == "undersized" and not leak_lines,
                  "%s %s" % (verdicts, leak_lines[:2]))
        check(t + "%s: no stack trace from the agent" % mode,
              not any(l.startswith("\tat ") and "metaleak" in l for l in r.stderr.splitlines()),
              "")


def main():
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap)
    ap.add_argument("--exporter-jar", help="jmx_prometheus_javaagent jar (default: fetched)")
    ap.add_argument("-k", help="run only the parts whose name contains this "
                               "(alerts, mbean, exporter, oom)")
    a = ap.parse_args()
    fx = Fixture(a)
    for java in a.java:
        label = harness.jdk_label(java)
        for name, fn in (("alerts", test_alerts), ("mbean", test_mbean),
                         ("exporter", test_exporter), ("oom", test_oom)):
            if a.k and a.k not in name:
                continue
            fn(fx, java, label)
    return harness.CHECKS.summary(require_checks=True)


if __name__ == "__main__":
    sys.exit(main())
