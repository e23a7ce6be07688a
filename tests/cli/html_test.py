#!/usr/bin/env python3
"""`metaleak html` in a real browser: headless Chromium (Debian's `chromium`) opens the pages the
CLI writes for every kind of report it accepts and the test checks the DOM (--dump-dom), saves a
screenshot (--screenshot) and a PDF (--print-to-pdf, the print stylesheet) of each page as test
artifacts, and reads the browser's console for errors.

The reports: made here by the agent in real JVMs (a clean run, a leaking run, an interval report
of a JVM still running, and its exit report), and fixtures captured from real runs
(tests/cli/fixtures/README.md): a Flink TaskManager with leaks and the job names `metaleak
collect` fetched, a Flink TaskManager that ran out of Metaspace, reports of agents 0.1.0 (early
and late) and 0.2.0. Derived from them: a minimal report (every optional field null or absent)
and one whose strings try to inject markup.

The page has no script at all (a Content-Security-Policy forbids scripts), so "no script error"
is checked as: no <script> element in the file or the DOM, and no console message or CSP
violation in the browser's log.

Usage: html_test.py --cli build/bin/metaleak --agent build/libmetaleak.so --java JAVA
                    [--javac JAVAC] --examples examples/plugin-leak --fixtures tests/cli/fixtures
                    --work DIR
"""
import argparse
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from cli_test import build_examples, make_report, run  # noqa: E402
from harness import check  # noqa: E402

EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def all_text(self):
        out = list(self.text)
        for c in self.children:
            out.append(c.all_text())
        return " ".join(t for t in out if t)

    def find(self, tag=None, cls=None, id=None):
        """Every descendant with the tag, class and id given."""
        found = []
        for c in self.children:
            if (tag is None or c.tag == tag) and (cls is None or cls in c.classes()) and \
                    (id is None or c.attrs.get("id") == id):
                found.append(c)
            found.extend(c.find(tag, cls, id))
        return found


class DomParser(html.parser.HTMLParser):
    VOID = {"meta", "br", "link", "img", "input", "hr", "line", "circle", "rect", "path",
            "polyline", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in self.VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        if data.strip():
            self.cur.text.append(data.strip())


def chromium_args(profile):
    return ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + profile, "--hide-scrollbars", "--enable-logging=stderr",
            "--v=0"]


def browser_errors(stderr):
    """Console messages, uncaught errors and CSP violations in Chromium's log."""
    bad = []
    for line in stderr.splitlines():
        if "CONSOLE" in line or "Uncaught" in line or "Refused to" in line or \
                "Content Security Policy" in line:
            bad.append(line.strip())
    return bad


def open_page(page, artifacts, name, work):
    """Dumps the DOM, takes a screenshot and prints to PDF. Returns (dom root, log errors)."""
    profile = os.path.join(work, "chromium-profile-" + name)
    shutil.rmtree(profile, ignore_errors=True)
    url = "file://" + os.path.abspath(page)
    r = subprocess.run(chromium_args(profile) + ["--dump-dom", url], capture_output=True,
                       text=True, timeout=120)
    errors = browser_errors(r.stderr)
    check("[%s] chromium --dump-dom exits 0" % name, r.returncode == 0 and "<html" in r.stdout,
          r.stderr[-500:])
    dom = DomParser()
    dom.feed(r.stdout)
    shot = os.path.join(artifacts, name + ".png")
    r = subprocess.run(chromium_args(profile + "-shot") +
                       ["--window-size=1366,2200", "--screenshot=" + shot, url],
                       capture_output=True, text=True, timeout=120)
    errors += browser_errors(r.stderr)
    ok = os.path.exists(shot) and os.path.getsize(shot) > 20000
    with open(shot, "rb") if ok else open(os.devnull, "rb") as f:
        ok = ok and f.read(8) == b"\x89PNG\r\n\x1a\n"
    check("[%s] screenshot saved (%s)" % (name, shot), ok, r.stderr[-300:])
    pdf = os.path.join(artifacts, name + ".pdf")
    r = subprocess.run(chromium_args(profile + "-pdf") +
                       ["--no-pdf-header-footer", "--print-to-pdf=" + pdf, url],
                       capture_output=True, text=True, timeout=120)
    errors += browser_errors(r.stderr)
    ok = os.path.exists(pdf) and os.path.getsize(pdf) > 5000
    with open(pdf, "rb") if ok else open(os.devnull, "rb") as f:
        ok = ok and f.read(5) == b"%PDF-"
    check("[%s] printed to PDF (%s)" % (name, pdf), ok, r.stderr[-300:])
    for p in (profile, profile + "-shot", profile + "-pdf"):
        shutil.rmtree(p, ignore_errors=True)
    return dom.root, errors


def html_page(cli, name, inputs, work, want_rc=0):
    page = os.path.join(work, name + ".html")
    r = run([cli, "html", "-o", page] + inputs)
    check("[%s] metaleak html exits %d" % (name, want_rc), r.returncode == want_rc,
          "rc=%d %s" % (r.returncode, r.stderr))
    return page


def common_checks(name, page, root, errors, verdict_word):
    with open(page, encoding="utf-8") as f:
        source = f.read()
    check("[%s] no <script> in the page" % name, "<script" not in source.lower(), "")
    check("[%s] no <script> element in the DOM" % name, not root.find("script"), "")
    check("[%s] no console message, script error or CSP violation" % name, not errors,
          "\n".join(errors[:5]))
    fetching = [n.tag for n in root.find() if "src" in n.attrs or n.tag in
                ("link", "iframe", "object", "embed", "img", "script", "base")]
    check("[%s] self-contained: no element fetches anything" % name, not fetching,
          str(fetching))
    v = root.find(id="verdict")
    word = v[0].find(cls="word") if v else []
    check("[%s] verdict line says %s" % (name, verdict_word),
          bool(word) and word[0].all_text() == verdict_word,
          word[0].all_text() if word else "no #verdict .word")
    first = v[0].find(cls="first") if v else []
    check("[%s] the verdict says what to do first" % name,
          bool(first) and first[0].all_text().startswith("First: "), "")
    for section in ("metaspace", "leaks", "loaders", "growth", "facts"):
        check("[%s] section #%s" % (name, section), bool(root.find("section", id=section)), "")


def chart_checks(name, root, want_samples=True, oom=False, forecast=False, leaked=False,
                 reports=1, limit=False):
    figs = root.find("figure", cls="chart")
    check("[%s] a Metaspace chart" % name, bool(figs), "")
    if not figs:
        return
    svg = figs[0].find("svg", cls="chart-svg")
    if not want_samples:
        check("[%s] no samples: the chart says so instead" % name,
              not svg and bool(figs[0].find("p", cls="empty")), "")
        return
    used = svg[0].find("polyline", cls="used") if svg else []
    points = used[0].attrs.get("points", "").split() if used else []
    check("[%s] chart: used-bytes line with points" % name, len(points) >= 2, str(points[:3]))
    check("[%s] chart: committed line" % name, bool(svg[0].find("polyline", cls="committed")),
          "")
    check("[%s] chart: limit line %s" % (name, "present" if limit else "absent (no limit)"),
          bool(svg[0].find("g", cls="max")) == limit, "")
    axis = svg[0].find("g", cls="x")
    labels = [t.all_text() for t in axis[0].find("text")] if axis else []
    check("[%s] chart: wall-clock time axis (UTC)" % name,
          any("UTC" in l for l in labels) and any(":" in l for l in labels), str(labels))
    check("[%s] chart: %d report marker(s)" % (name, reports),
          len(svg[0].find("g", cls="m-report")) == reports,
          str(len(svg[0].find("g", cls="m-report"))))
    if leaked:
        check("[%s] chart: bytes held by leaked loaders" % name,
              bool(svg[0].find("path", cls="leaked")), "")
        check("[%s] chart: leak verdict markers" % name, bool(svg[0].find("g", cls="m-leak")),
              "")
    if forecast:
        check("[%s] chart: forecast to the limit" % name,
              bool(svg[0].find("g", cls="forecast")), "")
    check("[%s] chart: OutOfMemoryError marker %s" % (name, "present" if oom else "absent"),
          bool(svg[0].find("g", cls="m-oom")) == oom, "")


def groups_of(root):
    return root.find("article", cls="group")


def group_checks(name, root, want_groups, path_classes=(), jobs=(), counts=None):
    groups = groups_of(root)
    check("[%s] %d leak group(s)" % (name, want_groups), len(groups) == want_groups,
          str(len(groups)))
    if counts is not None:
        got = [g.find(cls="count")[0].all_text() for g in groups]
        check("[%s] group counts %s" % (name, counts), got == counts, str(got))
    steps = [s for g in groups for s in g.find("li", cls="step")]
    texts = " | ".join(s.all_text() for s in steps)
    for cls in path_classes:
        check("[%s] a path step names %s" % (name, cls), cls in texts, texts[:300])
    if path_classes:
        check("[%s] every group draws its chain from a GC root" % name,
              all(g.find("li", cls="root") for g in groups), "")
        check("[%s] every chain marks where the job's part begins" % name,
              all(g.find("li", cls="boundary") or
                  g.find("li", cls="step")[0].classes().count("job") for g in groups), "")
        check("[%s] every step names its owning loader" % name,
              all(s.find("span", cls="owner") for s in steps), "")
    job_text = " | ".join(j.all_text() for g in groups for j in g.find("div", cls="jobs"))
    for job in jobs:
        check("[%s] jobs named: %s" % (name, job), job in job_text, job_text[:300])


def interval_report(java, agent, host_cp, work, examples_work):
    """A real interval report of a JVM that is still running with a released, undecided
    loader (Waiter deploys a leaky plugin and waits), then that JVM's exit report."""
    go = os.path.join(work, "go-interval")
    report = os.path.join(work, "interval.json")
    for p in (go, report):
        if os.path.exists(p):
            os.remove(p)
    proc = harness.start_java(java, ["-cp", host_cp, "Waiter",
                                     os.path.join(examples_work, "leaky.jar"),
                                     "demo.leaky.MetricsPlugin", go, "2"],
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
            if doc.get("trigger") == "interval" and doc["summary"]["loaders_closed"] >= 1 and \
                    len(doc["metaspace"]["samples"]) >= 2:
                break
        snapshot = os.path.join(work, "interval-copy.json")
        shutil.copy(report, snapshot)
        open(go, "w").close()
        proc.wait(timeout=60)
    finally:
        harness.stop(proc)
    check("interval report: a running JVM with a released loader and no verdict yet",
          doc.get("trigger") == "interval" and doc["summary"]["loaders_closed"] >= 1,
          json.dumps(doc.get("summary")))
    return snapshot, report


def minimal(src, work):
    """A report with every optional field null or absent (a partial report the CLI accepts)."""
    doc = json.load(open(src))
    for k in ("paths", "flink_config", "gc", "dropped", "agent"):
        doc.pop(k, None)
    ms = doc["metaspace"]
    for k in list(ms):
        if k not in ("used_bytes", "committed_bytes", "max_bytes"):
            del ms[k]
    ms["used_bytes"] = ms["committed_bytes"] = ms["max_bytes"] = None
    doc["jvm"] = {"pid": doc["jvm"]["pid"]}
    doc["summary"] = {k: doc["summary"][k] for k in
                      ("loaders_live", "leaked_loaders", "loaders_unloaded", "classes_live")}
    for l in doc["leaks"]:
        for k in ("cause", "path", "path_summary", "advice", "metaspace_bytes", "closed_ms",
                  "leaked_ms", "unloaded_ms", "urls", "name", "identity_hash", "job_id"):
            l.pop(k, None)
    doc["loaders"] = [{"id": l["id"], "state": l["state"], "classes_live": l["classes_live"]}
                      for l in doc["loaders"]]
    path = os.path.join(work, "minimal.json")
    json.dump(doc, open(path, "w"))
    return path


def evil(src, jobs_src, work):
    """A real Flink report and job-names file whose strings try to inject markup everywhere
    the page shows one; the file name too."""
    doc = json.load(open(src))
    for l in doc["leaks"]:
        l["class"] = EVIL
        l["advice"] = EVIL
        l["path_summary"] = EVIL
        for s in l.get("path") or []:
            s["class"] = EVIL
            if s.get("field") is not None:
                s["field"] = EVIL
            if s.get("thread") is not None:
                s["thread"] = EVIL
            s["jar"] = "file:/x/" + EVIL
            s["key"] = EVIL
        l["known"] = {"id": EVIL, "library": EVIL, "title": EVIL, "fixed_in": EVIL,
                      "advice": EVIL, "references": ["javascript:alert(9)", "https://x/" + EVIL]}
    for l in doc["loaders"]:
        l["name"] = EVIL
        l["urls"] = ["file:/x/" + EVIL]
    doc["metaspace"]["verdict_reason"] = EVIL
    doc["metaspace"]["advice"] = EVIL
    doc["metaspace"]["source"] = EVIL
    doc["gc"]["collectors"] = [EVIL]
    doc["jvm"]["vm_name"] = EVIL
    doc["jvm"]["java_version"] = "\"><script>alert(3)</script>"
    doc["flink_config"]["file"] = EVIL
    doc["flink_config"]["values"][EVIL] = EVIL
    doc["generated_at"] = EVIL  # not a time: shown, never parsed into markup
    path = os.path.join(work, "evil" + EVIL.replace("/", "_") + ".json")
    json.dump(doc, open(path, "w"))
    jobs = json.load(open(jobs_src))
    for j in jobs["jobs"]:
        j["name"] = EVIL
    jobs_path = os.path.join(work, "evil-jobs.json")
    json.dump(jobs, open(jobs_path, "w"))
    return path, jobs_path


def all_text_nodes(root):
    return root.all_text()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    harness.add_common_args(ap)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--fixtures", required=True)
    a = ap.parse_args()
    if shutil.which("chromium") is None:
        print("chromium not found (scripts/deps.sh test installs it)")
        return 1
    cli, agent = os.path.abspath(a.cli), os.path.abspath(a.agent)
    fx = os.path.abspath(a.fixtures)
    work = harness.fresh_dir(a.work)
    artifacts = os.path.join(work, "artifacts")
    os.makedirs(artifacts)
    java = a.java[0]
    host_cp = build_examples(a.javac, a.examples, work)
    clean = make_report(java, agent, host_cp, work, "clean.json", 0, 2)
    leak = make_report(java, agent, host_cp, work, "leak.json", 3, 1)
    partial, same_jvm_exit = interval_report(java, agent, host_cp, work, work)
    flink, jobs = os.path.join(fx, "flink-leaks.json"), os.path.join(fx, "flink-jobs.json")
    oom = os.path.join(fx, "flink-oom.json")

    # A clean run: healthy, a chart, no group.
    page = html_page(cli, "clean", [clean], work)
    root, errors = open_page(page, artifacts, "clean", work)
    common_checks("clean", page, root, errors, "HEALTHY")
    chart_checks("clean", root)
    group_checks("clean", root, 0)
    check("[clean] says no loader leaked", "No class loader was proven leaked" in
          root.find("section", id="leaks")[0].all_text(), "")

    # A leaking run of a real JVM: three leaked plugin loaders, one leak.
    page = html_page(cli, "leak", [leak], work)
    root, errors = open_page(page, artifacts, "leak", work)
    common_checks("leak", page, root, errors, "LEAK")
    chart_checks("leak", root, leaked=True)
    group_checks("leak", root, 1, path_classes=("demo.leaky.MetricsPlugin",), counts=["3 ×"])

    # A real Flink TaskManager: jobs named from the JobManager, one group per kind of leak.
    doc = json.load(open(flink))
    kinds = {(l["cause"], l.get("path_summary", "").split(" ")[0]) for l in doc["leaks"]}
    page = html_page(cli, "flink", [flink, jobs], work)
    root, errors = open_page(page, artifacts, "flink", work)
    common_checks("flink", page, root, errors, "LEAK")
    chart_checks("flink", root, leaked=True, limit=True,
                 forecast=doc["metaspace"]["forecast"]["ms_left"] is not None)
    group_checks("flink", root, len({g["shape"] for g in doc["paths"]["groups"]}),
                 path_classes=("java.sql.DriverManager", "io.metaleak.flinkjobs.ThreadLeakJob",
                               "io.metaleak.flinkjobs.HookJob"),
                 jobs=("ThreadLeakJob", "JdbcJob", "HookJob", "StaticCacheJob"))
    counts = [g.find(cls="count")[0].all_text() for g in groups_of(root)]
    check("[flink] the three ThreadLeakJob submissions are one group (3 ×)", "3 ×" in counts,
          str(counts) + str(kinds))
    facts = root.find("section", id="facts")[0].all_text()
    check("[flink] Flink facts: the configuration file and metaspace size",
          "taskmanager.memory.jvm-metaspace.size" in facts and "flink-conf.yaml" in facts, "")
    loaders = root.find("section", id="loaders")[0]
    check("[flink] top loaders by Metaspace, with the named loader 'app'",
          "Top loaders by Metaspace" in loaders.all_text() and "'app'" in loaders.all_text(), "")
    growth = root.find("section", id="growth")[0].all_text()
    check("[flink] not-a-leak growth: lambdas, proxies, reflection loaders, shadowed classes",
          all(w in growth for w in ("lambda", "proxy", "reflection", "shadowed")), "")

    # A Flink TaskManager that ran out of Metaspace.
    page = html_page(cli, "oom", [oom], work)
    root, errors = open_page(page, artifacts, "oom", work)
    common_checks("oom", page, root, errors, "LEAK")
    chart_checks("oom", root, oom=True, leaked=True, limit=True)
    check("[oom] the verdict shows the OutOfMemoryError", "OutOfMemoryError: Metaspace" in
          root.find(id="verdict")[0].all_text(), "")
    group_checks("oom", root, 1, path_classes=("java.sql.DriverManager", "org.h2.Driver"))

    # Old agents: 0.1.0 without samples or verdict, 0.1.0 with them, 0.2.0.
    for name, fixture, word, samples, paths in (
            ("agent-0.1.0-early", "plugin-agent-0.1.0-early.json", "LEAK", False, False),
            ("agent-0.1.0", "plugin-agent-0.1.0.json", "LEAK", True, False),
            ("agent-0.2.0", "plugin-agent-0.2.0.json", "LEAK", True, True)):
        page = html_page(cli, name, [os.path.join(fx, fixture)], work)
        root, errors = open_page(page, artifacts, name, work)
        common_checks(name, page, root, errors, word)
        chart_checks(name, root, want_samples=samples, leaked=samples)
        group_checks(name, root, 1, path_classes=("demo.leaky.MetricsPlugin",) if paths else ())
        if not paths:
            check("[%s] no path: the group says so" % name,
                  bool(groups_of(root)[0].find("p", cls="nopath")), "")

    # Partial: a running JVM's interval report (a released loader without verdict yet).
    page = html_page(cli, "partial-interval", [partial], work)
    root, errors = open_page(page, artifacts, "partial-interval", work)
    common_checks("partial-interval", page, root, errors,
                  "LEAK" if json.load(open(partial))["leaks"] else "HEALTHY")
    chart_checks("partial-interval", root)
    check("[partial-interval] names what is undecided",
          any("released loader(s) without a verdict" in n.all_text()
              for n in root.find("p", cls="notice")), "")

    # One JVM over time: its interval and exit reports share one chart with both markers.
    page = html_page(cli, "same-jvm", [partial, same_jvm_exit], work)
    root, errors = open_page(page, artifacts, "same-jvm", work)
    common_checks("same-jvm", page, root, errors, "LEAK")
    check("[same-jvm] one chart for the one JVM", len(root.find("figure", cls="chart")) == 1, "")
    chart_checks("same-jvm", root, reports=2, leaked=True)

    # Several TaskManagers: one chart each, groups merged.
    page = html_page(cli, "several", [flink, oom, leak, jobs], work)
    root, errors = open_page(page, artifacts, "several", work)
    common_checks("several", page, root, errors, "LEAK")
    check("[several] one chart per JVM (3)", len(root.find("figure", cls="chart")) == 3, "")

    # Partial: every optional field null or absent.
    page = html_page(cli, "minimal", [minimal(leak, work)], work)
    root, errors = open_page(page, artifacts, "minimal", work)
    common_checks("minimal", page, root, errors, "LEAK")
    chart_checks("minimal", root, want_samples=False)
    group_checks("minimal", root, 1)

    # Injection: every string from the report and the job names, and the file name.
    bad, bad_jobs = evil(flink, jobs, work)
    page = html_page(cli, "evil", [bad, bad_jobs], work)
    root, errors = open_page(page, artifacts, "evil", work)
    common_checks("evil", page, root, errors, "LEAK")
    for tag in ("script", "img"):
        check("[evil] no <%s> element from the report's strings" % tag, not root.find(tag), "")
    check("[evil] no element with an event handler",
          not [n for n in root.find() if any(k.startswith("on") for k in n.attrs)], "")
    check("[evil] no javascript: link", not [n for n in root.find("a")
                                            if "javascript" in n.attrs.get("href", "")], "")
    text = all_text_nodes(root)
    check("[evil] the strings are shown as text", text.count(EVIL) >= 10, str(text.count(EVIL)))

    # What the CLI refuses, html refuses too, with one message naming the file.
    broken = os.path.join(work, "truncated.json")
    with open(flink) as f, open(broken, "w") as g:
        g.write(f.read()[:1000])
    r = run([cli, "html", "-o", os.path.join(work, "x.html"), broken])
    check("html: a truncated report is refused (exit 2, naming the file)",
          r.returncode == 2 and broken in r.stderr and not os.path.exists(
              os.path.join(work, "x.html")), r.stderr)
    r = run([cli, "html", jobs])
    check("html: job names without a report are refused (exit 2)", r.returncode == 2, r.stderr)
    r = run([cli, "html", "-o", "/nonexistent-dir/x.html", leak])
    check("html: an unwritable output fails (exit 1)", r.returncode == 1 and
          "/nonexistent-dir/x.html" in r.stderr, r.stderr)
    r = run([cli, "html", leak])
    check("html without -o writes the page to stdout", r.returncode == 0 and
          r.stdout.startswith("<!DOCTYPE html>"), r.stderr)

    # A chart whose samples all fall within one 100 ms step still labels its time axis (a
    # short clean run: samples 74 ms apart with no whole tenth of a second between them had
    # only the axis title).
    with open(clean) as f:
        short = json.load(f)
    base = short["jvm"]["start_epoch_ms"] = 1764720000000 + 3
    samples = short["metaspace"]["samples"][:1]
    samples += [dict(samples[0], t_ms=samples[0]["t_ms"] + 30)]
    short["metaspace"]["samples"] = samples
    t0 = samples[0]["t_ms"]
    short["jvm"]["start_epoch_ms"] = base - (base + t0) % 100 + 10   # start at x.x10 s
    short_path = os.path.join(work, "short-span.json")
    with open(short_path, "w") as f:
        json.dump(short, f)
    r = run([cli, "html", short_path])
    x_axis = r.stdout.split('<g class="axis x">', 1)[-1].split("</g>", 1)[0]
    check("html: samples within one step of the time axis still get a time label",
          r.returncode == 0 and re.search(r">\d\d:\d\d:\d\d", x_axis) is not None,
          x_axis[:600] + r.stderr)

    print("artifacts (screenshots, PDFs): %s" % artifacts)
    return harness.CHECKS.summary(require_checks=True)


if __name__ == "__main__":
    sys.exit(main())
