#!/usr/bin/env python3
"""Defect 3 (issue 15): JDK 19+ keeps a Thread's Runnable in Thread.holder.task, not
Thread.target. A shutdown hook that is a plain java.lang.Thread running a Runnable of the job
(vplug.RunnableHook) must be `shutdown-hook` on every JDK, at exit (the checkpoint) and when
proven during the run; a thread the job starts with a Runnable of its own (vplug.LazyNaive is
not that: see d5) stays `thread`. The loaders are not the threads' context class loader
(--no-tccl), so the path must go through the Runnable.

Usage: d3_thread_holder.py [--agent SO] [--jdk 17 --jdk 21 ...]
"""
import os
import sys

import vtest
from vtest import check

RUNNABLE_FIELDS = ("target", "holder", "task")


def main():
    a = vtest.parser(__doc__).parse_args()
    os.makedirs(a.work, exist_ok=True)
    vtest.build(a.work)
    jar = os.path.join(a.work, "plugin.jar")
    for jdk in a.jdk or ["11", "17", "21", "25"]:
        home = vtest.java_home(jdk)
        label = "jdk%d" % vtest.version_of(home)
        for mode, steps, opts in (("exit", ["RunnableHook:1", "Clean:1"], []),
                                  ("in-run", ["RunnableHook:1", "Clean:1", "gc"],
                                   ["verify_on_exit=false"])):
            tag = "[%s] %s" % (label, mode)
            r, doc = vtest.run(home, a.agent, a.work, "d3-%s-%s" % (label, mode), "vt.Host",
                               [jar, "--no-tccl"] + steps, opts)
            if not check(tag + ": JVM exits 0 with a report", r.returncode == 0 and doc,
                         r.stderr[-600:]):
                continue
            hook = vtest.by_name(doc, "vt-RunnableHook-")
            k = vtest.leak_of(doc, hook[0]) if hook else None
            check(tag + ": the Runnable shutdown hook's leak is `shutdown-hook`",
                  k is not None and k.get("cause") == "shutdown-hook", vtest.path_text(k))
            if mode == "exit" and k is not None and k.get("path"):
                fields = [st.get("field") for st in k["path"]]
                check(tag + ": the path goes thread -> its Runnable (target or holder.task)",
                      any(f in RUNNABLE_FIELDS for f in fields), vtest.path_text(k))
                named = [st for st in k["path"] if st.get("shutdown_hook")]
                check(tag + ": the hook step names the hook thread",
                      named and all((st.get("thread") or "").startswith("vt-hook-")
                                    for st in named), vtest.path_text(k))
            clean = vtest.by_name(doc, "vt-Clean-")
            check(tag + ": the clean loader is not leaked",
                  len(clean) == 1 and not vtest.leaked(doc, clean[0]), clean)
    return vtest.finish()


if __name__ == "__main__":
    sys.exit(main())
