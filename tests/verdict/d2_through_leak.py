#!/usr/bin/env python3
"""Defect 2 (issue 15): a leak held only through another leaked loader's objects.

Each of three jobs installs a JVM-wide default uncaught-exception handler that keeps the handler
it replaced (vplug.HandlerChain). The last job's handler is held by the static field
Thread.defaultUncaughtExceptionHandler; the first two only through the next job's handler.
Every one of the three must have a path from that static field (through the other leaked
loaders' objects, with those steps marked `owned_by`: their loader's id), cause static-field, and
no `not-found`. A clean job in the same JVM is unloaded. Run at exit (the shutdown checkpoint)
and with the proof during the run.

Usage: d2_through_leak.py [--agent SO] [--jdk 17 --jdk 21 ...]
"""
import os
import sys

import vtest
from vtest import check


def main():
    a = vtest.parser(__doc__).parse_args()
    os.makedirs(a.work, exist_ok=True)
    vtest.build(a.work)
    jar = os.path.join(a.work, "plugin.jar")
    for jdk in a.jdk or ["11", "17", "21", "25"]:
        home = vtest.java_home(jdk)
        label = "jdk%d" % vtest.version_of(home)
        for mode, steps in (("exit", ["HandlerChain:3", "Clean:1"]),
                            ("in-run", ["HandlerChain:3", "Clean:1", "gc"])):
            tag = "[%s] %s" % (label, mode)
            r, doc = vtest.run(home, a.agent, a.work, "d2-%s-%s" % (label, mode), "vt.Host",
                               [jar] + steps)
            if not check(tag + ": JVM exits 0 with a report", r.returncode == 0 and doc,
                         r.stderr[-600:]):
                continue
            chain = sorted(vtest.by_name(doc, "vt-HandlerChain-"), key=lambda l: l["name"])
            ids = {l["id"] for l in chain}
            for l in chain:
                k = vtest.leak_of(doc, l)
                ok = k is not None and k.get("path_status") == "found" and \
                    k.get("cause") == "static-field" and k["path"] and \
                    k["path"][0].get("class") == "java.lang.Thread" and \
                    any(st.get("field") == "defaultUncaughtExceptionHandler" for st in k["path"])
                check(tag + ": %s leaked, path from Thread.defaultUncaughtExceptionHandler" %
                      l["name"], ok, vtest.path_text(k))
                if ok:
                    # steps of the other leaked loaders' objects must say whose they are
                    foreign = [st for st in k["path"][1:-1] if st.get("loader_id") in ids]
                    marked = all(st.get("owned") is False and
                                 st.get("owned_by") in ids
                                 for st in foreign)
                    check(tag + ": %s: steps through other leaked loaders name their loader" %
                          l["name"], marked, vtest.path_text(k))
            check(tag + ": three chained loaders leaked", len(chain) == 3,
                  [l["state"] for l in chain])
            clean = vtest.by_name(doc, "vt-Clean-")
            check(tag + ": the clean loader is unloaded, not leaked",
                  len(clean) == 1 and clean[0]["state"] == "unloaded" and not vtest.leaked(doc, clean[0]),
                  clean)
    return vtest.finish()


if __name__ == "__main__":
    sys.exit(main())
