#!/usr/bin/env python3
"""Integration tests of the `metaleak` CLI on real reports written by the agent in real JVMs.

Usage: cli_test.py --cli build/bin/metaleak --agent build/libmetaleak.so --java JAVA_HOME/bin/java
                   [--javac JAVAC] --examples examples/plugin-leak --work DIR
Prints one line per check and "N passed, M failed" at the end; exits 1 on any failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import check, validate  # noqa: E402


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def build_examples(javac, examples, work):
    out = os.path.join(work, "classes")
    for sub, src in (("host", "host/demo/PluginHost.java"),
                     ("leaky", "leaky/demo/leaky/MetricsPlugin.java"),
                     ("clean", "clean/demo/clean/MetricsPlugin.java")):
        harness.compile_java([os.path.join(examples, src)], os.path.join(out, sub), javac=javac)
    harness.compile_java([os.path.join(HERE, "java", "Waiter.java")], os.path.join(out, "host"),
                         javac=javac)
    for name in ("leaky", "clean"):
        harness.make_jar(os.path.join(out, name), os.path.join(work, name + ".jar"))
    return os.path.join(out, "host")


def make_report(java, agent, host_cp, work, name, leaky, clean):
    report = os.path.join(work, name)
    r = harness.run_java(java, ["-cp", host_cp, "demo.PluginHost",
                                os.path.join(work, "leaky.jar"), "demo.leaky.MetricsPlugin",
                                str(leaky), os.path.join(work, "clean.jar"),
                                "demo.clean.MetricsPlugin", str(clean)],
                         agent=agent, opts="report=%s,interval=0,log=quiet" % report,
                         jvm=["-Xmx128m"])
    if r.returncode != 0:
        raise SystemExit("host JVM failed: " + r.stderr)
    problem = validate(report)
    check("report %s matches the schema" % name, problem is None, str(problem))
    return report


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_reports(cli, r1, r2, work):
    r = run([cli, "summary", r1])
    check("summary exits 0", r.returncode == 0, r.stderr)
    check("summary says LEAK", "verdict: LEAK" in r.stdout, r.stdout)
    check("summary groups 2 leaked loaders", "2 x java.net.URLClassLoader" in r.stdout, r.stdout)
    check("summary names the jar", "leaky.jar" in r.stdout, r.stdout)
    check("summary gives the agent's Metaspace verdict", "Metaspace: leak - 2 leaked class loaders"
          in r.stdout and "advice:" in r.stdout, r.stdout)

    doc = json.loads(open(r1).read())
    doc["metaspace"]["out_of_memory"] = {"count": 2, "first_ms": 61500, "last_ms": 62000,
                                         "space": "metaspace"}
    r = run([cli, "summary", write(work, "oom.json", json.dumps(doc))])
    check("summary says the JVM ran out of Metaspace, and when (JVM-relative and wall-clock)",
          "OutOfMemoryError: Metaspace 2 time(s), first 61.5 s (20" in r.stdout and
          "Z) after JVM start" in r.stdout, r.stdout)
    check("summary's first line names the OOM", r.stdout.startswith(
        "verdict: LEAK (OutOfMemoryError: Metaspace 2 time(s)) - first: "), r.stdout[:200])
    r = run([cli, "summary", "--json", r1, r2])
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    check("summary --json merges two reports", doc.get("leaked_loaders") == 5 and
          len(doc.get("reports", [])) == 2, r.stdout[:400])
    groups = doc.get("leak_groups", [])
    check("summary --json group names both reports",
          len(groups) == 1 and len(groups[0]["reports"]) == 2, json.dumps(groups)[:400])
    check("summary --json carries its schema version and the worst verdict",
          doc.get("schema") == "metaleak-summary/1" and doc.get("worst_verdict") == "leak" and
          doc.get("first_action", "").startswith("fix the "), json.dumps(doc)[:300])

    r = run([cli, "check", r1])
    check("check fails on leaks (exit 1)", r.returncode == 1, str(r.returncode))
    check("check says by how much", "FAIL leaked loaders: 2 (limit 0), over by 2" in r.stdout,
          r.stdout)
    r = run([cli, "check", "--max-leaked-loaders", "2", r1])
    check("check passes within the limit", r.returncode == 0 and "PASS" in r.stdout, r.stdout)
    r = run([cli, "check", "--max-leaked-bytes", "1m", r1])
    check("check --max-leaked-bytes within the limit (agent measured the bytes)",
          r.returncode == 0 and "PASS leaked Metaspace" in r.stdout, r.stdout + r.stderr)
    r = run([cli, "check", "--max-leaked-bytes", "1k", r1])
    check("check --max-leaked-bytes over the limit", r.returncode == 1 and
          "FAIL leaked Metaspace" in r.stdout and "over by" in r.stdout, r.stdout + r.stderr)
    r = run([cli, "check", "--max-metaspace-growth", "1g", r1])
    check("check --max-metaspace-growth from the report's samples",
          r.returncode == 0 and "PASS Metaspace growth" in r.stdout, r.stdout + r.stderr)
    doc = json.load(open(r1))
    for l in doc["leaks"]:
        l["metaspace_bytes"] = None
    nobytes = write(work, "nobytes.json", json.dumps(doc))
    r = run([cli, "check", "--max-leaked-bytes", "1m", nobytes])
    check("check --max-leaked-bytes without per-loader bytes is unusable (2)",
          r.returncode == 2 and "metaspace_bytes" in r.stderr, r.stderr)
    doc["metaspace"]["samples"] = []
    nosamples = write(work, "nosamples.json", json.dumps(doc))
    r = run([cli, "check", "--max-metaspace-growth", "1m", nosamples])
    check("check --max-metaspace-growth without samples is unusable (2)",
          r.returncode == 2 and "samples" in r.stderr, r.stderr)
    r = run([cli, "check", "--max-leaked-loaders", "x1", r1])
    check("check rejects a bad number", r.returncode == 2 and "x1" in r.stderr, r.stderr)
    r = run([cli, "check", "--max-leaked-bytes", "12q", r1])
    check("check rejects a bad size", r.returncode == 2 and "12q" in r.stderr, r.stderr)

    bl = write(work, "baseline.yaml", 'accepted:\n  - jar: "*leaky.jar"\n    reason: demo\n')
    r = run([cli, "check", "--baseline", bl, r1])
    check("baseline accepts the known leak", r.returncode == 0 and "accepted by the baseline"
          in r.stdout, r.stdout + r.stderr)
    bl = write(work, "baseline2.yaml", "accepted:\n  - loader_class: com.example.Other\n")
    r = run([cli, "check", "--baseline", bl, r1])
    check("baseline that matches nothing still fails", r.returncode == 1, r.stdout)
    bl = write(work, "baseline3.yaml", "accepted:\n  - jarr: x\n")
    r = run([cli, "check", "--baseline", bl, r1])
    check("bad baseline names file:line:col", r.returncode == 2 and
          "baseline3.yaml:2:5: unknown key 'jarr'" in r.stderr, r.stderr)
    bl = write(work, "baseline4.yaml", "accepted: [\n")
    r = run([cli, "check", "--baseline", bl, r1])
    check("malformed baseline YAML is refused", r.returncode == 2 and "malformed YAML"
          in r.stderr, r.stderr)

    r = run([cli, "diff", r1, r2])
    check("diff exits 1 when new leaks appeared", r.returncode == 1 and
          "1 new leaked loader(s)" in r.stdout, r.stdout + r.stderr)
    check("diff of two JVMs counts more leaks", "more   2 -> 3 x java.net.URLClassLoader"
          in r.stdout, r.stdout)
    r = run([cli, "diff", r2, r1])
    check("diff exits 0 when there are only fewer leaks", r.returncode == 0 and
          "fewer  3 -> 2" in r.stdout, r.stdout + r.stderr)
    r = run([cli, "diff", r1, r1])
    check("diff of a report with itself matches by id, exit 0", r.returncode == 0 and
          "same JVM" in r.stdout and "  new " not in r.stdout, r.stdout)
    r = run([cli, "diff", r1, os.path.join(work, "does-not-exist.json")])
    check("diff of a missing file exits 2", r.returncode == 2, r.stderr)


def patched(text, section, key, value):
    doc = json.loads(text)
    doc[section][key] = value
    return json.dumps(doc)


def test_bad_input(cli, r1, work):
    with open(r1) as f:
        text = f.read()
    cases = [
        ("truncated", text[: len(text) // 2], "truncated?"),
        ("empty", "", "is empty"),
        ("foreign JSON", '{"foo": 1}', "not a metaleak report"),
        ("JSON array", "[1,2]", "not a JSON object"),
        ("future schema", '{"schema": "metaleak-report/2"}', "is not supported"),
        ("binary", "\x00\x01\x02garbage", "not valid JSON"),
        ("deep nesting", '{"schema":"metaleak-report/1","x":' + "[" * 100000, "not valid JSON"),
        ("wrong type", patched(text, "summary", "leaked_loaders", "x"),
         "summary.leaked_loaders is not a number"),
        ("huge number", patched(text, "summary", "classes_live", 1e300),
         "summary.classes_live is not a whole number"),
        ("negative", patched(text, "summary", "loaders_live", -4),
         "summary.loaders_live is not a whole number"),
        ("bad out_of_memory", patched(text, "metaspace", "out_of_memory", {"count": 1}),
         "metaspace.out_of_memory.first_ms is missing"),
        ("missing leaks", json.dumps({k: v for k, v in json.loads(text).items() if k != "leaks"}),
         "leaks is missing"),
    ]
    for name, content, expect in cases:
        path = write(work, "bad-%s.json" % name.replace(" ", "-"), content)
        for cmd in ("check", "summary"):
            r = run([cli, cmd, path])
            lines = [l for l in r.stderr.splitlines() if l.strip()]
            check("%s %s: exit 2 with one message" % (cmd, name),
                  r.returncode == 2 and len(lines) == 1 and expect in r.stderr and path in r.stderr,
                  "rc=%d stderr=%r" % (r.returncode, r.stderr[:300]))
    r = run([cli, "check", os.path.join(work, "does-not-exist.json")])
    check("missing report: exit 2", r.returncode == 2 and "cannot read" in r.stderr, r.stderr)
    r = run([cli, "diff", r1])
    check("diff needs two files", r.returncode == 2, r.stderr)
    r = run([cli, "frobnicate"])
    check("unknown command: exit 2", r.returncode == 2 and "unknown command" in r.stderr, r.stderr)
    for cmd in ([], ["--help"], ["--version"], ["summary", "--help"], ["check", "--help"],
                ["diff", "--help"], ["attach", "--help"], ["collect", "--help"],
                ["html", "--help"]):
        r = run([cli] + cmd)
        want = 2 if not cmd else 0
        check("metaleak %s exits %d" % (" ".join(cmd) or "(no args)", want),
              r.returncode == want and (r.stdout or r.stderr), r.stderr)
    r = run([cli, "collect", "http://127.0.0.1:9/", "--out", os.path.join(work, "col"),
             "--timeout", "2"])
    check("collect: unreachable JobManager fails with a message",
          r.returncode == 1 and "127.0.0.1:9" in r.stderr, r.stderr)
    r = run([cli, "collect", "ftp://x"])
    check("collect: not an http URL is a usage error", r.returncode == 2, r.stderr)


def test_collect(cli, r1, r2, work, fixtures):
    import fake_rest
    with open(r1, "rb") as f:
        one = f.read()
    with open(r2, "rb") as f:
        two = f.read()
    with open(os.path.join(fixtures, "flink-leaks.json"), "rb") as f:
        flink = f.read()
    # The JobManager's job overview, in Flink's own shape, for the jobs of the Flink report.
    named = json.load(open(os.path.join(fixtures, "flink-jobs.json")))
    overview = {"jobs": [{"jid": j["id"], "name": j["name"], "state": j["state"],
                          "start-time": 1796305290000, "end-time": -1, "duration": 5,
                          "tasks": {}} for j in named["jobs"]]}
    server = fake_rest.serve({"10.0.0.5:35841-6a1b2c": {"metaleak-101.json": one},
                              "10.0.0.6:41877-0c9d8e": {"metaleak-202.json": two},
                              "10.0.0.4:41000-ffffff": {"metaleak-303.json": flink},
                              "10.0.0.7:40000-aaaaaa": {}},
                             broken=["10.0.0.8:40000-bbbbbb"], slow=["10.0.0.9:40000-cccccc"],
                             jobs=overview)
    try:
        out = os.path.join(work, "collected")
        url = "http://127.0.0.1:%d" % server.server_address[1]
        r = run([cli, "collect", url, "--out", out, "--timeout", "2"])
        check("collect exits 0 with some TaskManagers failing", r.returncode == 0,
              r.stdout + r.stderr)
        check("collect lists 6 TaskManagers", "6 TaskManager(s)" in r.stdout, r.stdout)
        fetched = sorted(os.listdir(out)) if os.path.isdir(out) else []
        check("collect fetched the reports (ids with ':' escaped in the URL, '_' in the file) "
              "and the job names",
              fetched == ["10.0.0.4_41000-ffffff-metaleak-303.json",
                          "10.0.0.5_35841-6a1b2c-metaleak-101.json",
                          "10.0.0.6_41877-0c9d8e-metaleak-202.json", "flink-jobs.json"],
              str(fetched))
        jobs = json.load(open(os.path.join(out, "flink-jobs.json"))) \
            if "flink-jobs.json" in fetched else {}
        check("collect's job-names file carries its schema and every job",
              jobs.get("schema") == "metaleak-flink-jobs/1" and
              len(jobs.get("jobs", [])) == len(named["jobs"]), json.dumps(jobs)[:300])
        check("collect's summary names the Flink jobs", "jobs: JdbcJob (" in r.stdout and
              "jobs: ThreadLeakJob (" in r.stdout, r.stdout)
        r2s = run([cli, "summary"] + [os.path.join(out, f) for f in fetched])
        check("summary accepts the collected directory as is (reports and job names)",
              r2s.returncode == 0 and "jobs: JdbcJob (" in r2s.stdout, r2s.stderr)
        check("collect says which TaskManager has no report",
              "10.0.0.7:40000-aaaaaa: no metaleak report" in r.stdout, r.stdout)
        check("collect lists an HTTP error", "10.0.0.8:40000-bbbbbb: log listing failed: HTTP 500"
              in r.stdout, r.stdout)
        check("collect lists a time-out", "10.0.0.9:40000-cccccc: log listing failed: Timeout"
              in r.stdout, r.stdout)
        check("collect summarises the merged reports (2 + 3 leaked)",
              "verdict: LEAK" in r.stdout and "5 x java.net.URLClassLoader" in r.stdout, r.stdout)
    finally:
        server.shutdown()
    # No TaskManager has a report: nothing to summarise, exit 1 with a message.
    server = fake_rest.serve({"10.0.0.7:40000-aaaaaa": {}}, broken=["10.0.0.8:40000-bbbbbb"])
    try:
        url = "http://127.0.0.1:%d" % server.server_address[1]
        r = run([cli, "collect", url, "--out", os.path.join(work, "collected-none"),
                 "--timeout", "2"])
        check("collect exits 1 when no TaskManager report could be fetched",
              r.returncode == 1 and "no TaskManager report could be fetched" in r.stderr and
              "job names: %s/jobs/overview: HTTP 404" % url in r.stdout, r.stdout + r.stderr)
    finally:
        server.shutdown()


def test_gates(cli, agent, java, host_cp, work, fixtures):
    """check on reports that cannot answer: a real interval report of a running JVM with a
    released loader without verdict (exit 2 naming the file and the loader), the same JVM's exit
    report (decided: exit 1 on its leaks), an early 0.1.0 report without a Metaspace verdict."""
    go = os.path.join(work, "go-gate")
    report = os.path.join(work, "gate.json")
    for p in (go, report):
        if os.path.exists(p):
            os.remove(p)
    proc = harness.start_java(java, ["-cp", host_cp, "Waiter", os.path.join(work, "leaky.jar"),
                                     "demo.leaky.MetricsPlugin", go, "1"],
                              agent=agent, opts="report=%s,interval=1,log=quiet" % report,
                              jvm=["-Xmx128m"])
    try:
        proc.stdout.readline()
        deadline = time.time() + 20
        doc = {}
        while time.time() < deadline:
            time.sleep(0.3)
            try:
                doc = json.load(open(report))
            except (OSError, ValueError):
                continue
            if doc.get("trigger") == "interval" and doc["summary"]["loaders_closed"] >= 1:
                break
        snapshot = os.path.join(work, "gate-interval.json")
        shutil.copy(report, snapshot)
        closed = [l["id"] for l in doc.get("loaders", []) if l["state"] == "closed"]
        r = run([cli, "check", snapshot])
        check("check on an interval report with a released loader without verdict: exit 2",
              r.returncode == 2 and snapshot in r.stderr and
              "released loader(s) without a verdict yet (ids %d" % closed[0] in r.stderr
              if closed else False, "rc=%d %s %s" % (r.returncode, r.stderr, closed))
        check("... and it still says what it checked", "PASS leaked loaders: 0" in r.stdout,
              r.stdout)
        r = run([cli, "check", "--allow-undecided", snapshot])
        check("check --allow-undecided gates on it anyway (exit 0, with a note)",
              r.returncode == 0 and "is undecided" in r.stdout, r.stdout + r.stderr)
        open(go, "w").close()
        proc.wait(timeout=60)
    finally:
        harness.stop(proc)
    r = run([cli, "check", report])
    check("check on the same JVM's exit report decides: exit 1 on its 2 leaks",
          r.returncode == 1 and "FAIL leaked loaders: 2" in r.stdout, r.stdout + r.stderr)
    early = os.path.join(fixtures, "plugin-agent-0.1.0-early.json")
    r = run([cli, "check", "--max-leaked-loaders", "5", early])
    check("check on a report without a Metaspace verdict: exit 2", r.returncode == 2 and
          "no Metaspace verdict" in r.stderr and early in r.stderr, r.stderr)
    r = run([cli, "check", early])
    check("... unless a limit failed already: exit 1", r.returncode == 1, r.stdout + r.stderr)
    for name in ("plugin-agent-0.1.0.json", "plugin-agent-0.2.0.json", "flink-leaks.json",
                 "flink-oom.json"):
        r = run([cli, "check", "--max-leaked-loaders", "100", os.path.join(fixtures, name)])
        check("check on %s (an exit report) is decided: exit 0" % name, r.returncode == 0,
              r.stdout + r.stderr)


def test_summary_fixtures(cli, fixtures):
    """summary on real reports of every agent version and on Flink with job names."""
    flink, jobs = os.path.join(fixtures, "flink-leaks.json"), os.path.join(fixtures,
                                                                            "flink-jobs.json")
    r = run([cli, "summary", flink, jobs])
    check("summary of a Flink report exits 0", r.returncode == 0, r.stderr)
    lines = r.stdout.splitlines()
    check("summary's first line: the worst verdict and what to do first",
          lines and lines[0].startswith("verdict: LEAK - first: fix the jdbc-driver leak: 3 "
                                        "leaked loader(s) hold"), lines[:1])
    blocks = [l for l in lines if " x org.apache.flink" in l and "cause:" in l]
    check("summary: one block per leak (4 kinds), 3 submissions of ThreadLeakJob in one",
          len(blocks) == 4 and any(b.startswith("  3 x ") and "cause: thread" in b
                                   for b in blocks), "\n".join(blocks))
    def held(b):
        num, unit = b.split("holds ")[1].split(" of Metaspace")[0].split()
        return float(num) * {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
    sizes = [held(b) for b in blocks]
    check("summary: blocks sorted by the Metaspace they hold", sizes == sorted(sizes,
                                                                                reverse=True),
          str(sizes))
    check("summary: jobs as a list, by name with their submissions",
          "    jobs: ThreadLeakJob (" in r.stdout and "    jobs: JdbcJob (" in r.stdout, "")
    check("summary: wall-clock times beside JVM-relative ones",
          "started 2026-12-03T" in r.stdout and " s (2026-12-03T" in r.stdout, "")
    check("summary: loader names where they exist", "'app' (jdk.internal.loader.ClassLoaders$"
          "AppClassLoader@" in r.stdout, "")
    r = run([cli, "summary", "--json", flink, jobs])
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    g = doc.get("leak_groups", [])
    check("summary --json: groups with jobs named and the grouping key",
          doc.get("schema") == "metaleak-summary/1" and len(g) == 4 and
          all(gr["key"] for gr in g) and any(j.get("name") == "JdbcJob" for gr in g
                                             for j in gr["jobs"]), json.dumps(g)[:400])
    for name in ("plugin-agent-0.1.0-early.json", "plugin-agent-0.1.0.json",
                 "plugin-agent-0.2.0.json", "flink-oom.json"):
        r = run([cli, "summary", os.path.join(fixtures, name)])
        check("summary of %s exits 0" % name, r.returncode == 0 and
              r.stdout.startswith("verdict: "), r.stderr)
    r = run([cli, "summary", jobs])
    check("summary of a job-names file alone: exit 2", r.returncode == 2 and
          "no report" in r.stderr, r.stderr)


def test_attach(cli, agent, java, host_cp, work, label):
    go = os.path.join(work, "go-" + label)
    report = os.path.join(work, "attach-%s.json" % label)
    for p in (go, report):
        if os.path.exists(p):
            os.remove(p)
    proc = harness.start_java(java, ["-cp", host_cp, "Waiter", os.path.join(work, "leaky.jar"),
                                     "demo.leaky.MetricsPlugin", go, "2"],
                              jvm=["-Xmx128m"] + harness.attach_flags(java))
    try:
        line = proc.stdout.readline()
        check("[%s] waiter JVM ready" % label, line.strip() == "ready", line)
        r = run([cli, "attach", "--agent", agent, str(proc.pid),
                 "report=%s,interval=0" % report])
        check("[%s] attach exits 0" % label, r.returncode == 0 and "loaded into JVM" in r.stdout,
              r.stdout + r.stderr)
        deadline = time.time() + 10
        while not os.path.exists(report) and time.time() < deadline:
            time.sleep(0.05)
        doc = json.load(open(report)) if os.path.exists(report) else {}
        check("[%s] first report at once (trigger request)" % label,
              doc.get("trigger") == "request" and doc.get("agent", {}).get("attached") is True,
              str(doc.get("trigger")))
        boot = [l for l in doc.get("loaders", []) if l["id"] == 0]
        check("[%s] replayed classes that existed before the attach" % label,
              boot and boot[0]["classes_defined"] > 300, str(boot)[:200])
        mtime = os.path.getmtime(report) if os.path.exists(report) else 0
        time.sleep(0.05)
        r = run([cli, "attach", "--agent", agent, str(proc.pid)])
        check("[%s] second attach asks for a report" % label, r.returncode == 0, r.stderr)
        deadline = time.time() + 10
        while os.path.exists(report) and os.path.getmtime(report) == mtime and \
                time.time() < deadline:
            time.sleep(0.05)
        check("[%s] ... and the report is rewritten" % label,
              os.path.exists(report) and os.path.getmtime(report) != mtime, "")
        open(go, "w").close()
        proc.wait(timeout=60)
        doc = json.load(open(report))
        problem = validate(doc)
        check("[%s] attach report matches the schema" % label, problem is None, str(problem))
        check("[%s] exit report after attach: 3 leaked loaders" % label,
              doc["trigger"] == "exit" and doc["summary"]["leaked_loaders"] == 3,
              json.dumps(doc["summary"]))
    finally:
        harness.stop(proc)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        r = run([cli, "attach", "--agent", agent, str(sleeper.pid)])
        check("[%s] attach refuses a process that is not a JVM" % label,
              r.returncode == 1 and "not a HotSpot JVM" in r.stderr and sleeper.poll() is None,
              r.stderr)
    finally:
        sleeper.kill()
        sleeper.wait()
    r = run([cli, "attach", "--agent", agent, "99999999"])
    check("[%s] attach to a missing process" % label, r.returncode in (1, 2), r.stderr)
    r = run([cli, "attach", "--agent", agent, "abc"])
    check("[%s] attach: bad pid is a usage error" % label, r.returncode == 2, r.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    harness.add_common_args(ap)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(os.path.abspath(
        __file__)), "fixtures"))
    a = ap.parse_args()
    cli, agent = os.path.abspath(a.cli), os.path.abspath(a.agent)
    harness.fresh_dir(a.work)
    host_cp = build_examples(a.javac, a.examples, a.work)
    r1 = make_report(a.java[0], agent, host_cp, a.work, "r1.json", 2, 1)
    r2 = make_report(a.java[0], agent, host_cp, a.work, "r2.json", 3, 1)
    test_reports(cli, r1, r2, a.work)
    test_bad_input(cli, r1, a.work)
    test_collect(cli, r1, r2, a.work, a.fixtures)
    test_gates(cli, agent, a.java[0], host_cp, a.work, a.fixtures)
    test_summary_fixtures(cli, a.fixtures)
    for java in a.java:
        test_attach(cli, agent, java, host_cp, a.work, harness.jdk_label(java))
    return harness.CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
