#!/usr/bin/env python3
"""Integration tests of the `metaleak` CLI on real reports written by the agent in real JVMs.

Usage: cli_test.py --cli build/bin/metaleak --agent build/libmetaleak.so --java JAVA_HOME/bin/java
                   [--javac JAVAC] --examples examples/plugin-leak --work DIR
Prints one line per check and "N passed, M failed" at the end; exits 1 on any failure.
"""
import argparse
import json
import os
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
    check("summary says the JVM ran out of Metaspace, and when",
          "OutOfMemoryError: Metaspace 2 time(s), first at 61 s after JVM start" in r.stdout,
          r.stdout)
    r = run([cli, "summary", "--json", r1, r2])
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    check("summary --json merges two reports", doc.get("leaked_loaders") == 5 and
          len(doc.get("reports", [])) == 2, r.stdout[:400])
    groups = doc.get("leak_groups", [])
    check("summary --json group names both reports",
          len(groups) == 1 and len(groups[0]["reports"]) == 2, json.dumps(groups)[:400])

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
    check("diff exits 0", r.returncode == 0, r.stderr)
    check("diff of two JVMs counts more leaks", "more   2 -> 3 x java.net.URLClassLoader"
          in r.stdout, r.stdout)
    r = run([cli, "diff", r1, r1])
    check("diff of a report with itself matches by id", "same JVM" in r.stdout and
          "new " not in r.stdout, r.stdout)


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
                ["diff", "--help"], ["attach", "--help"], ["collect", "--help"]):
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


def test_collect(cli, r1, r2, work):
    import fake_rest
    with open(r1, "rb") as f:
        one = f.read()
    with open(r2, "rb") as f:
        two = f.read()
    server = fake_rest.serve({"10.0.0.5:35841-6a1b2c": {"metaleak-101.json": one},
                              "10.0.0.6:41877-0c9d8e": {"metaleak-202.json": two},
                              "10.0.0.7:40000-aaaaaa": {}},
                             broken=["10.0.0.8:40000-bbbbbb"], slow=["10.0.0.9:40000-cccccc"])
    try:
        out = os.path.join(work, "collected")
        url = "http://127.0.0.1:%d" % server.server_address[1]
        r = run([cli, "collect", url, "--out", out, "--timeout", "2"])
        check("collect exits 0 with some TaskManagers failing", r.returncode == 0,
              r.stdout + r.stderr)
        check("collect lists 5 TaskManagers", "5 TaskManager(s)" in r.stdout, r.stdout)
        fetched = sorted(os.listdir(out)) if os.path.isdir(out) else []
        check("collect fetched both reports (ids with ':' escaped in the URL, '_' in the file)",
              fetched == ["10.0.0.5_35841-6a1b2c-metaleak-101.json",
                          "10.0.0.6_41877-0c9d8e-metaleak-202.json"], str(fetched))
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
    a = ap.parse_args()
    cli, agent = os.path.abspath(a.cli), os.path.abspath(a.agent)
    harness.fresh_dir(a.work)
    host_cp = build_examples(a.javac, a.examples, a.work)
    r1 = make_report(a.java[0], agent, host_cp, a.work, "r1.json", 2, 1)
    r2 = make_report(a.java[0], agent, host_cp, a.work, "r2.json", 3, 1)
    test_reports(cli, r1, r2, a.work)
    test_bad_input(cli, r1, a.work)
    test_collect(cli, r1, r2, a.work)
    for java in a.java:
        test_attach(cli, agent, java, host_cp, a.work, harness.jdk_label(java))
    return harness.CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
