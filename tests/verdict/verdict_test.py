#!/usr/bin/env python3
"""Verdicts you can gate a build on (issue 15): each scenario reproduces a way the agent once got
a verdict or its explanation wrong, in a real JVM with the agent, and checks both the case that
must be reported and the one that must NOT (false leaks are severity-one bugs).

  hold          a thread keeps its closed loader in a local variable while full collections run
                every 50 ms: never in `leaks`, in any report; a loader kept by a static field is
                reported while the JVM runs (a report before the exit), also with paths=off
  stress        16 threads create, use, close loaders (every 7th kept for real) with System.gc()
                every 50 ms and busy processes beside the JVM: no dropped loader in `leaks`,
                every kept one there. The soak of issue 15 (50 runs per JDK):
                  verdict_test.py -k stress --stress-runs 50 --per-thread 40 ...
  through       each job keeps the previous job's JVM-wide handler: every loader has the path
                from the static field, through the other leaked loaders' objects (owned_by)
  runnable-hook a shutdown hook running a Runnable of the job (Thread.holder.task from JDK 19)
  hook-race     three identical hook leaks get the same cause and each hook step its thread name
  inherited     a library pool's thread created lazily by job code: the advice says so
  soft          a loader held only through soft references (JDK 11's serialization caches) is
                not leaked (softly_reachable), and does not hide a real holder
  reflection    reflection helper loaders and method-handle hidden classes are no holders; the
                job's Runnable, not the context class loader, names a job thread's leak
                (vplug.ThreadTccl, also the must-not-trigger case of hook-race and inherited)
  finalizer     a loader held only by an object waiting for finalization is not leaked
  native        native code holding a job's object for a moment (a JNI global reference it
                deletes 2.5 s later) is no leak; one that keeps it is
  check         `metaleak check` counts neither softly reachable nor withdrawn loaders

Usage: verdict_test.py --agent SO --cli METALEAK --jni-lib SO --java JAVA [--java JAVA...]
                       [--javac JAVAC] --work DIR [-k NAME] [--stress-runs N] [--hogs N]
                       [--per-thread N]
  --jni-lib  the mlglobal JNI library (tests/agent/native) for mltest.Native (scenario native)
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

RUNNABLE_FIELDS = ("target", "holder", "task")
HELPER_CLASSES = ("jdk.internal.reflect.Generated", "jdk.internal.reflect.DelegatingClassLoader",
                  "java.lang.invoke.LambdaForm$")


class Env:
    """What every scenario needs: the agent, the CLI, the fixtures, the work directory."""

    def __init__(self, a):
        self.agent = os.path.abspath(a.agent)
        self.cli = os.path.abspath(a.cli) if a.cli else None
        self.work = harness.fresh_dir(a.work)
        self.stress_runs = a.stress_runs
        self.per_thread = a.per_thread
        self.hogs = a.hogs
        self.jni_lib = os.path.abspath(a.jni_lib) if a.jni_lib else None
        # mltest.Native: the JNI global references of tests/agent/native
        native = os.path.join(os.path.dirname(HERE), "agent", "java", "host", "mltest",
                              "Native.java")
        self.host = harness.compile_java([os.path.join(HERE, "java", "host", "vt", "*.java"),
                                          native],
                                         os.path.join(self.work, "host"), javac=a.javac)
        plug = harness.compile_java(
            [os.path.join(HERE, "java", "plugin", "vplug", "*.java")],
            os.path.join(self.work, "plugin-classes"), classpath=self.host, javac=a.javac)
        self.jar = harness.make_jar(plug, os.path.join(self.work, "plugin.jar"))


def report_path(env, label, name):
    return os.path.join(env.work, "%s-%s.json" % (label, name))


def run(env, java, label, name, main, args, opts=(), jvm=(), timeout=300, interval=0):
    """Runs main with the agent; returns (completed process, exit report or None)."""
    report = report_path(env, label, name)
    if os.path.exists(report):
        os.remove(report)
    agent_opts = ["report=" + report, "interval=%d" % interval] + list(opts)
    if env.jni_lib is not None:
        jvm = list(jvm) + ["-Dmltest.jni=" + env.jni_lib]
    r = harness.run_java(java, ["-cp", env.host, main] + list(args), agent=env.agent,
                         opts=agent_opts, jvm=["-Xmx256m"] + list(jvm), timeout=timeout)
    doc, problem = harness.read_report(report)
    if doc is not None and problem is not None:
        check("[%s] %s: report matches the schema" % (label, name), False, problem)
    return r, doc


def started(tag, r, doc):
    return check(tag + ": JVM exits 0 with a report", r.returncode == 0 and doc is not None,
                 (r.stdout + r.stderr)[-800:])


def by_name(doc, prefix):
    """The report's loaders whose ClassLoader name starts with prefix, by name."""
    return sorted((l for l in doc["loaders"] if (l.get("name") or "").startswith(prefix)),
                  key=lambda l: l["name"])


def leak_of(doc, loader):
    return next((k for k in doc["leaks"] if k["loader_id"] == loader["id"]), None)


def leaked(doc, loader):
    """In `leaks`, or in state leaked."""
    return leak_of(doc, loader) is not None or loader["state"] == "leaked"


def text(leak):
    if leak is None:
        return "no leak entry"
    return "cause %r status %r: %s" % (leak.get("cause"), leak.get("path_status"),
                                       leak.get("path_summary"))


def state(loaders):
    return [(l["name"], l["state"], l.get("awaiting_unload"), l.get("softly_reachable"),
             l.get("withdrawn")) for l in loaders]


def watch(path, stop, seen):
    """Reads the report file while the JVM runs; keeps every report that is not the exit one."""
    last = None
    while not stop.is_set():
        try:
            st = os.stat(path)
            key = (st.st_ino, st.st_mtime_ns)
            if key != last:
                last = key
                with open(path) as f:
                    doc = json.load(f)
                if doc.get("trigger") != "exit":
                    seen.append(doc)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)


# ---- defect 1: a loader in use is not a leak ---------------------------------------------------

def scenario_hold(env, java, label):
    """vt.Hold: a thread keeps its closed loader in a local for 2.5 s under collections every
    50 ms, then drops it; a loader kept by a static field is leaked. With paths=auto the search
    finds the holding thread's stack; with paths=off the verdict waits for the close to settle.
    The reports written while the JVM runs are read too: the held loader is in none of them, the
    leaked one in one before the exit."""
    for mode in ("auto", "off"):
        tag = "[%s] hold paths=%s" % (label, mode)
        report = report_path(env, label, "hold-" + mode)
        seen, stop = [], threading.Event()
        if os.path.exists(report):
            os.remove(report)
        t = threading.Thread(target=watch, args=(report, stop, seen), daemon=True)
        t.start()
        try:
            r, doc = run(env, java, label, "hold-" + mode, "vt.Hold", [env.jar, "2500", "7000"],
                         ["paths=" + mode], interval=1)
        finally:
            stop.set()
            t.join()
        if not started(tag, r, doc):
            continue
        held, kept = by_name(doc, "vt-held"), by_name(doc, "vt-leaked")
        check(tag + ": the loader a running thread holds is not a leak (exit report)",
              len(held) == 1 and not leaked(doc, held[0]), state(held))
        in_any = [d["trigger"] for d in seen
                  if any((l.get("name") or "") == "vt-held" for l in d["loaders"]
                         if leak_of(d, l) is not None)]
        check(tag + ": ... nor in any report while the JVM ran (%d read)" % len(seen),
              not in_any, in_any)
        k = leak_of(doc, kept[0]) if kept else None
        check(tag + ": the loader kept by a static field is leaked",
              k is not None and (mode == "off" or k.get("cause") == "static-field"), text(k))
        early = [d for d in seen if any(leak_of(d, l) is not None for l in d["loaders"]
                                        if (l.get("name") or "") == "vt-leaked")]
        check(tag + ": ... and reported while the JVM runs (an interval or leak report)",
              early, "%d reports read, triggers %s" % (len(seen), [d["trigger"] for d in seen]))


def scenario_stress(env, java, label, runs=None):
    """vt.LoadStress under busy processes: no dropped loader in `leaks`, every kept one there.
    Returns the runs with a false leak and the details."""
    threads, per, keep = 16, env.per_thread, 7
    kept = len([i for i in range(threads * per) if i % keep == 0])
    bad, details = 0, []
    runs = env.stress_runs if runs is None else runs
    for run_no in range(runs):
        tag = "[%s] stress run %d" % (label, run_no)
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(env.hogs)]
        try:
            r, doc = run(env, java, label, "stress", "vt.LoadStress",
                         [env.jar, str(threads), str(per), str(keep), "30"], timeout=600)
        finally:
            for h in hogs:
                h.kill()
                h.wait()
        if not started(tag, r, doc):
            bad += 1
            continue
        false = [(l, leak_of(doc, l)) for l in by_name(doc, "vt-drop-")
                 if leak_of(doc, l) is not None]
        real = [l for l in by_name(doc, "vt-keep-") if leak_of(doc, l) is not None]
        withdrawn = len(doc.get("withdrawn", []))
        if false:
            bad += 1
            details += ["%s closed %s leaked %s unloaded %s: %s" % (
                l["name"], k["closed_ms"], k["leaked_ms"], k["unloaded_ms"], text(k))
                for l, k in false]
        harness.CHECKS.note("%s: %d false leaks, %d of %d kept loaders leaked, %d withdrawn" %
                            (tag, len(false), len(real), kept, withdrawn))
        check(tag + ": no dropped loader in leaks", not false, details[-len(false):])
        check(tag + ": every kept loader in leaks", len(real) == kept,
              "%d of %d" % (len(real), kept))
    return bad, details


# ---- defects 2-6 -------------------------------------------------------------------------------

def scenario_through(env, java, label):
    """vplug.HandlerChain x3: each job's handler keeps the previous one."""
    for mode, steps in (("exit", ["HandlerChain:3", "Clean:1"]),
                        ("in-run", ["HandlerChain:3", "Clean:1", "gc"])):
        tag = "[%s] through %s" % (label, mode)
        r, doc = run(env, java, label, "through-" + mode, "vt.Host", [env.jar] + steps)
        if not started(tag, r, doc):
            continue
        chain = by_name(doc, "vt-HandlerChain-")
        ids = {l["id"] for l in chain}
        check(tag + ": three chained loaders", len(chain) == 3, state(chain))
        for l in chain:
            k = leak_of(doc, l)
            ok = k is not None and k.get("path_status") == "found" and \
                k.get("cause") == "static-field" and k["path"] and \
                any(st.get("field") == "defaultUncaughtExceptionHandler" for st in k["path"])
            check(tag + ": %s leaked, path from Thread.defaultUncaughtExceptionHandler" %
                  l["name"], ok, text(k))
            if ok:
                foreign = [st for st in k["path"][:-1] if st.get("loader_id") in ids]
                check(tag + ": %s: the other leaked loaders' steps name their loader" % l["name"],
                      all(st["owned"] is False and st.get("owned_by") == st["loader_id"]
                          for st in foreign) and k["path"][-1]["owned"] is True and
                      len(foreign) == sorted(ids, reverse=True).index(l["id"]), text(k))
        clean = by_name(doc, "vt-Clean-")
        check(tag + ": the clean loader is unloaded, not leaked",
              len(clean) == 1 and clean[0]["state"] == "unloaded" and not leaked(doc, clean[0]),
              state(clean))


def scenario_runnable_hook(env, java, label):
    """vplug.RunnableHook: a plain Thread hook running a job Runnable (the loader is not the
    hook's context class loader: --no-tccl)."""
    for mode, steps, opts in (("exit", ["RunnableHook:1", "Clean:1"], []),
                              ("in-run", ["RunnableHook:1", "Clean:1", "gc"],
                               ["verify_on_exit=false"])):
        tag = "[%s] runnable-hook %s" % (label, mode)
        r, doc = run(env, java, label, "rhook-" + mode, "vt.Host",
                     [env.jar, "--no-tccl"] + steps, opts)
        if not started(tag, r, doc):
            continue
        hook = by_name(doc, "vt-RunnableHook-")
        k = leak_of(doc, hook[0]) if hook else None
        check(tag + ": the Runnable hook's leak is shutdown-hook",
              k is not None and k.get("cause") == "shutdown-hook", text(k))
        if k is not None and k.get("path"):
            fields = [st.get("field") for st in k["path"]]
            check(tag + ": the path goes thread -> its Runnable (target or holder.task)",
                  any(f in RUNNABLE_FIELDS for f in fields), text(k))
            threads = [st for st in k["path"] if st["object"] == "thread"]
            check(tag + ": the hook thread is named, its Runnable is the job's",
                  threads and all((st.get("thread") or "").startswith("vt-hook-") and
                                  st.get("runnable") == "vplug.RunnableHook$Task"
                                  for st in threads), k["path"])
        clean = by_name(doc, "vt-Clean-")
        check(tag + ": the clean loader is not leaked",
              len(clean) == 1 and not leaked(doc, clean[0]), state(clean))


def scenario_hook_race(env, java, label):
    """Three identical hook leaks proven during the run, shortly after another leak's search: a
    big heap makes that search slow, so theirs waits (searches take at most 1/20 of the time)
    and runs at the shutdown checkpoint, while the JVM starts the hooks (each hook thread waits
    for the checkpoint in its ThreadStart): some are started threads, some not yet. Every hook
    thread on a path is named, from its Thread object; a thread of the job that is no hook
    (vplug.ThreadTccl) stays `thread`."""
    for kind, prefix in (("RunnableHook", "vt-hook-"), ("ThreadHook", "vt-thook-")):
        tag = "[%s] hook-race %s" % (label, kind)
        r, doc = run(env, java, label, "race", "vt.Host",
                     [env.jar, "--no-tccl", "heap:2000000", "HandlerChain:1", "gc", kind + ":3",
                      "ThreadTccl:1", "gc"], jvm=["-Xmx512m"])
        if not started(tag, r, doc):
            continue
        hooks = by_name(doc, "vt-%s-" % kind)
        leaks = [leak_of(doc, l) for l in hooks]
        check(tag + ": all three hook leaks are shutdown-hook",
              len(hooks) == 3 and [k and k.get("cause") for k in leaks] == ["shutdown-hook"] * 3,
              "; ".join(text(k) for k in leaks))
        unnamed = [k for k in leaks if not k or not k.get("path") or
                   not [st for st in k["path"] if st["object"] == "thread"] or
                   not all((st.get("thread") or "").startswith(prefix)
                           for st in k["path"] if st["object"] == "thread")]
        check(tag + ": every path has the hook thread, named", not unnamed,
              "; ".join(text(k) for k in unnamed))
        own = by_name(doc, "vt-ThreadTccl-")
        k = leak_of(doc, own[0]) if own else None
        check(tag + ": a job's thread that is no hook is `thread`",
              k is not None and k.get("cause") == "thread" and
              not any(st.get("shutdown_hook") for st in k.get("path") or []), text(k))


def scenario_inherited(env, java, label):
    """vt.LazyPool: a parent-loaded pool whose one thread is created by the first submission,
    from job code. NAIVE inherits the context loader and the access control context, PRIV only
    the context loader, CCL only the access control context (none on JDK 24+), CLEAN nothing.
    A thread the job starts itself keeps the job-thread advice (ThreadTccl)."""
    feature = harness.java_feature(java)
    tag = "[%s] inherited" % label
    r, doc = run(env, java, label, "inherited", "vt.Host",
                 [env.jar, "LazyNaive:1", "LazyPriv:1", "LazyCcl:1", "LazyClean:1",
                  "ThreadTccl:1", "Clean:1"])
    if not started(tag, r, doc):
        return
    for kind, field in (("LazyNaive", None), ("LazyPriv", "contextClassLoader"),
                        ("LazyCcl", "inheritedAccessControlContext"), ("LazyClean", None)):
        mine = by_name(doc, "vt-%s-" % kind)
        k = leak_of(doc, mine[0]) if mine else None
        if kind == "LazyClean" or (kind == "LazyCcl" and feature >= 24):
            check(tag + ": %s is not leaked" % kind, len(mine) == 1 and not leaked(doc, mine[0]),
                  text(k))
            continue
        if not check(tag + ": %s leaked with a path" % kind, k is not None and k.get("path"),
                     text(k)):
            continue
        if field is not None:
            check(tag + ": %s: the path enters through Thread.%s" % (kind, field),
                  field in [st.get("field") for st in k["path"]], text(k))
        advice = k.get("advice") or ""
        check(tag + ": %s: the advice does not tell the job to stop a thread it did not start" %
              kind, "every thread the job starts" not in advice, advice)
        check(tag + ": %s: the advice names the inherited context and its fix" % kind,
              "not the job's" in advice and "inherited" in advice and
              ("doPrivileged" in advice) and "ThreadPoolExecutor$Worker" in advice, advice)
    own = by_name(doc, "vt-ThreadTccl-")
    k = leak_of(doc, own[0]) if own else None
    check(tag + ": a thread the job started keeps the job-thread advice",
          k is not None and k.get("cause") == "thread" and
          "every thread the job starts" in (k.get("advice") or ""), text(k))


def scenario_soft(env, java, label):
    """vplug.Serial serializes its own classes: on JDK 11.0.13 serialization's caches keep its
    loader through soft references. vplug.SerialTimer also leaks a Timer. --no-tccl: the timer
    thread reaches the loader only through its queue."""
    feature = harness.java_feature(java)
    tag = "[%s] soft" % label
    r, doc = run(env, java, label, "soft", "vt.Host",
                 [env.jar, "--no-tccl", "Serial:2", "SerialTimer:1", "Clean:1"])
    if not started(tag, r, doc):
        return None
    serial = by_name(doc, "vt-Serial-")
    check(tag + ": clean serializing jobs are not leaked",
          len(serial) == 2 and not any(leaked(doc, l) for l in serial), state(serial))
    check(tag + ": ... but softly reachable (JDK 11.0.13) or unloaded",
          all(l["state"] == "unloaded" or
              (l["state"] == "closed" and l.get("softly_reachable") is True and
               l.get("awaiting_unload") is True) for l in serial), state(serial))
    check(tag + ": summary.loaders_softly_reachable counts them",
          doc["summary"].get("loaders_softly_reachable") ==
          sum(1 for l in serial if l.get("softly_reachable")), doc["summary"])
    timer = by_name(doc, "vt-SerialTimer-")
    k = leak_of(doc, timer[0]) if timer else None
    check(tag + ": the timer leak is timer, with the timer's path",
          k is not None and k.get("cause") == "timer" and k.get("path") and
          not any((st.get("class") or "").startswith(HELPER_CLASSES) for st in k["path"]),
          text(k))
    clean = by_name(doc, "vt-Clean-")
    check(tag + ": the clean loader is not leaked",
          len(clean) == 1 and not leaked(doc, clean[0]), state(clean))
    if feature == 11:
        check(tag + ": JDK 11.0.13 keeps the serializing jobs softly (the case is tested)",
              any(l.get("softly_reachable") for l in serial), state(serial))
    return report_path(env, label, "soft")


# ---- wrong holders (the known-leaks work) ------------------------------------------------------

def scenario_reflection(env, java, label):
    """vplug.Reflective: reflection on its own classes (accessor classes in DelegatingClassLoaders
    under the job's loader up to JDK 17, LambdaForm hidden classes from 18), then a leak into
    System properties. vplug.ThreadTccl: a thread of the job, with the job's loader as context
    class loader."""
    tag = "[%s] reflection" % label
    r, doc = run(env, java, label, "reflection", "vt.Host",
                 [env.jar, "Reflective:1", "ThreadTccl:1", "ReflectiveClean:1", "Clean:1"])
    if not started(tag, r, doc):
        return
    mine = by_name(doc, "vt-Reflective-")
    k = leak_of(doc, mine[0]) if mine else None
    check(tag + ": the leak's holder is System.props, not a reflection helper",
          k is not None and k.get("cause") == "static-field" and k.get("path") and
          k["path"][0].get("class") == "java.lang.System" and
          not any((st.get("class") or "").startswith(HELPER_CLASSES) for st in k["path"]),
          text(k))
    own = by_name(doc, "vt-ThreadTccl-")
    k = leak_of(doc, own[0]) if own else None
    check(tag + ": a job thread's path names its Runnable, not the context class loader",
          k is not None and k.get("path") and
          k["path"][-1].get("class") == "vplug.ThreadTccl$Sleeper" and
          any(st.get("field") in RUNNABLE_FIELDS for st in k["path"]) and
          not any(st.get("field") == "contextClassLoader" for st in k["path"]), text(k))
    clean = by_name(doc, "vt-Clean-")
    check(tag + ": the clean loader is not leaked",
          len(clean) == 1 and not leaked(doc, clean[0]), state(clean))
    refl = by_name(doc, "vt-ReflectiveClean-")
    check(tag + ": the same reflection without a leak: not leaked (helpers hold nothing)",
          len(refl) == 1 and not leaked(doc, refl[0]), state(refl))


def scenario_finalizer(env, java, label):
    """vplug.Finalizing drops an object with a finalize() method while the JVM's Finalizer thread
    is busy (a host object's finalize() sleeps): at exit its loader is held only through the
    finalization queue."""
    tag = "[%s] finalizer" % label
    r, doc = run(env, java, label, "finalizer", "vt.Host", [env.jar, "busy:8000", "Finalizing:1"])
    if not started(tag, r, doc):
        return
    mine = by_name(doc, "vt-Finalizing-")
    check(tag + ": the loader waiting for finalization is not leaked",
          len(mine) == 1 and not leaked(doc, mine[0]), state(mine))


def scenario_native(env, java, label):
    """vplug.NativeCall: a JNI global reference to a job's object, deleted 2.5 s later (during
    the run's collections, after the search); vplug.NativeKeep: one never deleted."""
    tag = "[%s] native" % label
    if env.jni_lib is None:
        check(tag + ": --jni-lib given", False, "the native scenario needs the mlglobal library")
        return
    r, doc = run(env, java, label, "native", "vt.Host",
                 [env.jar, "NativeCall:1", "NativeKeep:1", "gc", "gc"])
    if not started(tag, r, doc):
        return
    call, keep = by_name(doc, "vt-NativeCall-"), by_name(doc, "vt-NativeKeep-")
    check(tag + ": the loader native code held for a moment is not a leak",
          len(call) == 1 and not leaked(doc, call[0]) and call[0]["state"] == "unloaded",
          state(call) + [text(leak_of(doc, l)) for l in call])
    k = leak_of(doc, keep[0]) if keep else None
    check(tag + ": the loader native code keeps is leaked (jni-global)",
          k is not None and k.get("cause") == "jni-global", text(k))


def scenario_check(env, java, label, soft_report):
    """The CLI reads the new fields, and `metaleak check` counts only `leaks`."""
    if env.cli is None:
        harness.CHECKS.skip("[%s] check" % label, "no --cli")
        return
    tag = "[%s] check" % label
    reports = [p for p in (soft_report, report_path(env, label, "hold-off")) if p and
               os.path.exists(p)]
    for p in reports:
        with open(p) as f:
            doc = json.load(f)
        n = len(doc["leaks"])
        r = subprocess.run([env.cli, "check", "--max-leaked-loaders", str(n), p],
                           capture_output=True, text=True, timeout=60)
        check(tag + ": %s: check passes at the number of leaks (%d; %d softly reachable, "
              "%d withdrawn)" % (os.path.basename(p), n,
                                 doc["summary"]["loaders_softly_reachable"],
                                 doc["summary"]["leaks_withdrawn"]),
              r.returncode == 0, r.stdout + r.stderr)
        r = subprocess.run([env.cli, "summary", p], capture_output=True, text=True, timeout=60)
        check(tag + ": %s: summary reads it" % os.path.basename(p), r.returncode == 0,
              r.stdout[-400:] + r.stderr)


SCENARIOS = ["hold", "stress", "through", "runnable-hook", "hook-race", "inherited", "soft",
             "reflection", "finalizer", "native", "check"]


def main():
    ap = argparse.ArgumentParser()
    harness.add_common_args(ap)
    ap.add_argument("--cli", help="the metaleak command (for the check scenario)")
    ap.add_argument("--jni-lib", help="the mlglobal JNI library (tests/agent/native)")
    ap.add_argument("-k", help="run only scenarios whose name contains this")
    ap.add_argument("--stress-runs", type=int, default=1)
    ap.add_argument("--hogs", type=int, default=2, help="busy processes beside the stress JVM")
    ap.add_argument("--per-thread", type=int, default=20,
                    help="stress: loaders each of the 16 threads creates (the soak: 40)")
    a = ap.parse_args()
    env = Env(a)
    want = [s for s in SCENARIOS if a.k is None or a.k in s]
    for java in a.java:
        label = harness.jdk_label(java)
        soft = None
        if "hold" in want:
            scenario_hold(env, java, label)
        if "stress" in want:
            scenario_stress(env, java, label)
        if "through" in want:
            scenario_through(env, java, label)
        if "runnable-hook" in want:
            scenario_runnable_hook(env, java, label)
        if "hook-race" in want:
            scenario_hook_race(env, java, label)
        if "inherited" in want:
            scenario_inherited(env, java, label)
        if "soft" in want:
            soft = scenario_soft(env, java, label)
        if "reflection" in want:
            scenario_reflection(env, java, label)
        if "finalizer" in want:
            scenario_finalizer(env, java, label)
        if "native" in want:
            scenario_native(env, java, label)
        if "check" in want:
            scenario_check(env, java, label, soft)
    return harness.CHECKS.summary(require_checks=True)


if __name__ == "__main__":
    sys.exit(main())
