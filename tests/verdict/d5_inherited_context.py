#!/usr/bin/env python3
"""Defect 5 (issue 15): a pool of the parent loader that creates its worker thread lazily, the
first time job code submits to it (vt.LazyPool), gives that thread the job's loader as context
class loader and (JDK 23 and older) the job's ProtectionDomains through
Thread.inheritedAccessControlContext. The job did not start that thread: the advice must not be
"stop and join every thread the job starts", it must say how the context was inherited and give
that fix (pre-start the pool outside the job, create threads with a reset context loader,
AccessController.doPrivileged for the access control context; gone on JDK 24+).

  LazyNaive  context loader and access control context inherited: leaked
  LazyPriv   thread created in doPrivileged: only the context loader: leaked
  LazyCcl    context loader reset: only the access control context: leaked on JDK <= 23,
             unloaded on JDK 24+
  LazyClean  both fixes: unloaded (must NOT be a leak)
A thread the job itself starts and never stops (a job Runnable on a JDK Thread) keeps the
ordinary `thread` advice: vplug.RunnableHook's thread is a hook, so this part is covered by the
existing agent tests (ThreadLeak).

Usage: d5_inherited_context.py [--agent SO] [--jdk 17 --jdk 21 ...]
"""
import os
import sys

import vtest
from vtest import check

WRONG = "every thread the job starts"
RIGHT = ("pre-start", "prestart", "doPrivileged", "reset")


def main():
    a = vtest.parser(__doc__).parse_args()
    os.makedirs(a.work, exist_ok=True)
    vtest.build(a.work)
    jar = os.path.join(a.work, "plugin.jar")
    for jdk in a.jdk or ["11", "17", "21", "25"]:
        home = vtest.java_home(jdk)
        version = vtest.version_of(home)
        label = "jdk%d" % version
        for kind, field in (("LazyNaive", None), ("LazyPriv", "contextClassLoader"),
                            ("LazyCcl", "inheritedAccessControlContext"), ("LazyClean", None)):
            tag = "[%s] %s" % (label, kind)
            r, doc = vtest.run(home, a.agent, a.work, "d5-%s-%s" % (label, kind), "vt.Host",
                               [jar, kind + ":1", "Clean:1"])
            if not check(tag + ": JVM exits 0 with a report", r.returncode == 0 and doc,
                         r.stderr[-600:]):
                continue
            mine = vtest.by_name(doc, "vt-%s-" % kind)
            k = vtest.leak_of(doc, mine[0]) if mine else None
            leaks = kind != "LazyClean" and not (kind == "LazyCcl" and version >= 24)
            if not leaks:
                check(tag + ": not leaked", len(mine) == 1 and k is None and not vtest.leaked(doc, mine[0]),
                      vtest.path_text(k))
                continue
            if not check(tag + ": leaked with a path", k is not None and k.get("path"),
                         vtest.path_text(k)):
                continue
            fields = [st.get("field") for st in k["path"]]
            if field is not None:
                check(tag + ": the path enters through Thread.%s" % field, field in fields,
                      vtest.path_text(k))
            advice = k.get("advice") or ""
            check(tag + ": the advice does not tell the job to stop a thread it did not start",
                  WRONG not in advice, advice)
            check(tag + ": the advice names the inherited context and its fix",
                  "inherit" in advice.lower() and
                  any(w.lower() in advice.lower() for w in RIGHT), advice)
    return vtest.finish()


if __name__ == "__main__":
    sys.exit(main())
