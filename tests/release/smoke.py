#!/usr/bin/env python3
"""Smoke test of one release tarball, run the way a user runs it: unpacked somewhere else, the
agent loaded with -agentpath into real JVMs, bin/metaleak reading what the agent wrote.

  smoke.py --tarball dist/metaleak-<v>-linux-<arch>.tar.gz --java <bin/java> [--java ...]
           --examples examples/plugin-leak --javac <bin/javac>
           [--qemu qemu-aarch64-static --sysroot DIR]   (a foreign architecture: every
                                                          binary of it runs under qemu-user)

For each JVM, the plugin host of examples/plugin-leak deploys a plugin that leaks its loader
through a thread 3 times and a clean plugin 2 times. Asserted: the agent loads and writes its
exit report with this version; exactly the 3 leaky loaders are leaked, each with cause 'thread'
and a path through the 'metrics-reporter' thread; the clean plugin's loaders are unloaded, not
leaked; `metaleak summary` (the tarball's CLI) prints that; `metaleak check` gates on it;
`metaleak --version` names the version. `metaleak collect` fetches the report through a loopback
Flink REST stand-in when the system has libcurl, and otherwise (the qemu sysroot has none)
fails with the message that names libcurl. Prints 'N passed, M failed'; exit 1 on a failure."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))

passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("  ok   %s" % what)
    else:
        failed += 1
        print("  FAIL %s" % what)
        if detail:
            print("       " + str(detail).strip().replace("\n", "\n       ")[:4000])


def run(cmd, timeout=600, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tarball", required=True)
    ap.add_argument("--java", action="append", required=True)
    ap.add_argument("--javac", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--qemu")
    ap.add_argument("--sysroot")
    a = ap.parse_args()

    name = os.path.basename(a.tarball)[:-len(".tar.gz")]
    m = re.match(r"metaleak-(\d+\.\d+\.\d+)-linux-(x86_64|aarch64)$", name)
    if not m:
        sys.exit("smoke: %s is not a release tarball name" % a.tarball)
    version, arch = m.group(1), m.group(2)
    emu = [a.qemu, "-L", a.sysroot] if a.qemu else []
    print("smoke: %s%s" % (name, " under %s -L %s" % (a.qemu, a.sysroot) if a.qemu else ""))

    work = tempfile.mkdtemp(prefix="metaleak-smoke-")
    try:
        with tarfile.open(a.tarball) as t:
            t.extractall(work)
        home = os.path.join(work, name)
        agent = os.path.join(home, "lib", "libmetaleak.so")
        cli = emu + [os.path.join(home, "bin", "metaleak")]

        r = run(cli + ["--version"])
        check("metaleak --version says %s" % version,
              r.returncode == 0 and r.stdout.startswith("metaleak %s " % version), r.stdout + r.stderr)

        # The example plugins, compiled for Java 11 by the host's javac.
        ex, out = a.examples, os.path.join(work, "plugins")
        for part, src in (("host", "host/demo/PluginHost.java"),
                          ("leaky", "leaky/demo/leaky/MetricsPlugin.java"),
                          ("clean", "clean/demo/clean/MetricsPlugin.java")):
            r = run([a.javac, "--release", "11", "-d", os.path.join(out, part), os.path.join(ex, src)])
            if r.returncode != 0:
                sys.exit("smoke: javac failed: " + r.stderr)
        jar = os.path.join(os.path.dirname(a.javac), "jar")
        for part in ("leaky", "clean"):
            r = run([jar, "--create", "--file", os.path.join(out, part + ".jar"), "-C",
                     os.path.join(out, part), "."])
            if r.returncode != 0:
                sys.exit("smoke: jar failed: " + r.stderr)
        leaky_url = "file:" + os.path.join(out, "leaky.jar")
        clean_url = "file:" + os.path.join(out, "clean.jar")

        last_report = None
        for i, java in enumerate(a.java):
            report = os.path.join(work, "report-%d.json" % i)
            # Small heap; C1 only under qemu (emulated JIT compilation is the slow part).
            opts = ["-Xmx128m"] + (["-XX:TieredStopAtLevel=1"] if a.qemu else [])
            t0 = time.time()
            r = run(emu + [java] + opts + ["-agentpath:%s=report=%s" % (agent, report),
                    "-cp", os.path.join(out, "host"), "demo.PluginHost",
                    os.path.join(out, "leaky.jar"), "demo.leaky.MetricsPlugin", "3",
                    os.path.join(out, "clean.jar"), "demo.clean.MetricsPlugin", "2"], timeout=900)
            secs = time.time() - t0
            jv = run(emu + [java, "-version"]).stderr.splitlines()
            print("  %s: %s (%.1f s)" % (java, jv[0] if jv else "?", secs))
            check("the JVM with the agent exits 0", r.returncode == 0, r.stdout + r.stderr)
            check("the agent wrote its exit report", "report written to %s (trigger exit)" % report
                  in r.stderr, r.stderr)
            try:
                with open(report, encoding="utf-8") as f:
                    rep = json.load(f)
            except (OSError, ValueError) as e:
                check("the report is readable JSON", False, e)
                continue
            last_report = report
            check("report agent.version is %s" % version, rep["agent"]["version"] == version,
                  rep["agent"])
            leaks = rep.get("leaks") or []
            check("3 leaked loaders, all the leaky plugin's",
                  len(leaks) == 3 and all(l["urls"] == [leaky_url] for l in leaks),
                  [(l.get("loader_id"), l.get("urls")) for l in leaks])
            check("each leak has cause 'thread' and a path through thread 'metrics-reporter'",
                  leaks and all(l["cause"] == "thread" and l["path"]
                                and l["path"][0].get("thread") == "metrics-reporter" for l in leaks),
                  [(l.get("cause"), l.get("path_summary")) for l in leaks])
            clean = [l for l in rep["loaders"] if l.get("urls") == [clean_url]]
            check("the clean plugin's 2 loaders are unloaded, not leaked",
                  len(clean) == 2 and all(l["state"] == "unloaded" for l in clean),
                  [(l["id"], l["state"]) for l in clean])

            r = run(cli + ["summary", report])
            check("metaleak summary reads the report: 3 leaked, cause thread, the path and fix",
                  r.returncode == 0 and "3 leaked loaders" in r.stdout
                  and "cause: thread" in r.stdout and "path: thread 'metrics-reporter'" in r.stdout
                  and "fix: " in r.stdout, r.stdout + r.stderr)
            if i == 0:
                print("    " + "\n    ".join(r.stdout.splitlines()[:14]))
            r0 = run(cli + ["check", "--max-leaked-loaders", "0", report])
            r3 = run(cli + ["check", "--max-leaked-loaders", "3", report])
            check("metaleak check: exit 1 over the limit, 0 within it",
                  r0.returncode == 1 and r3.returncode == 0, r0.stdout + r3.stdout + r3.stderr)

        if last_report is None:
            check("a report to collect", False)
        elif a.qemu:
            r = run(cli + ["collect", "http://127.0.0.1:9", "--out", os.path.join(work, "c")])
            check("collect without libcurl: exit 1 naming libcurl.so.4 and its package",
                  r.returncode == 1 and "cannot load libcurl (libcurl.so.4" in r.stderr
                  and "install libcurl4" in r.stderr, r.stdout + r.stderr)
            print("    " + r.stderr.strip().replace("\n", "\n    "))
        else:
            import fake_rest
            with open(last_report, "rb") as f:
                body = f.read()
            server = fake_rest.serve({"10.0.0.5:35841-6a1b2c": {"metaleak-101.json": body}})
            try:
                dest = os.path.join(work, "collected")
                r = run(cli + ["collect", "http://127.0.0.1:%d" % server.server_address[1],
                               "--out", dest, "--timeout", "5"])
            finally:
                server.shutdown()
            got = sorted(os.listdir(dest)) if os.path.isdir(dest) else []
            check("collect loads the system's libcurl, fetches the report and summarizes it",
                  r.returncode == 0 and len(got) == 1 and "cause: thread" in r.stdout,
                  "%s\n%s%s" % (got, r.stdout, r.stderr))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%s: %d passed, %d failed" % (arch, passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
