#!/usr/bin/env python3
"""Defect 6 (issue 15): a loader reachable only through soft (or weak) references is not
leaked. On JDK 11.0.13 (fixed in later updates: JDK-8277072) serialization caches a class's
ObjectStreamClass through a SoftReference, with a serialization constructor generated into a
jdk.internal.reflect.DelegatingClassLoader whose parent is the job's loader. Such loaders
survive forced full collections but are freed before an OutOfMemoryError.

  Serial           a clean job that serializes its own class: must NOT be in `leaks`
  SerialTimer      the same plus a java.util.Timer it never cancels (a real leak): cause
                   `timer` with the timer's path, not a path from the helper loader's class
  Clean            unloaded
Run with --no-tccl (the Timer thread must not reach the loader through its context class
loader, a chain as short as the helper loader's), and again with the context loader set.

Usage: d6_soft.py [--agent SO] [--jdk 11 ...]
"""
import os
import sys

import vtest
from vtest import check

HELPER = ("jdk.internal.reflect.Generated", "jdk.internal.reflect.DelegatingClassLoader")


def main():
    a = vtest.parser(__doc__).parse_args()
    os.makedirs(a.work, exist_ok=True)
    vtest.build(a.work)
    jar = os.path.join(a.work, "plugin.jar")
    for jdk in a.jdk or ["11", "17", "21", "25"]:
        home = vtest.java_home(jdk)
        label = "jdk%d" % vtest.version_of(home)
        for mode, tccl in (("no-tccl", ["--no-tccl"]), ("tccl", [])):
            tag = "[%s] %s" % (label, mode)
            r, doc = vtest.run(home, a.agent, a.work, "d6-%s-%s" % (label, mode), "vt.Host",
                               [jar] + tccl + ["Serial:2", "SerialTimer:1", "Clean:1"])
            if not check(tag + ": JVM exits 0 with a report", r.returncode == 0 and doc,
                         r.stderr[-600:]):
                continue
            for l in vtest.by_name(doc, "vt-Serial-"):
                k = vtest.leak_of(doc, l)
                check(tag + ": clean serializing job %s is not a leak" % l["name"],
                      k is None and not vtest.leaked(doc, l), vtest.path_text(k))
            timer = vtest.by_name(doc, "vt-SerialTimer-")
            k = vtest.leak_of(doc, timer[0]) if timer else None
            check(tag + ": the timer leak is `timer`",
                  k is not None and k.get("cause") == "timer", vtest.path_text(k))
            if k is not None and k.get("path"):
                check(tag + ": the timer's path does not start at a reflection helper",
                      not any((st.get("class") or "").startswith(HELPER) for st in k["path"]),
                      vtest.path_text(k))
            clean = vtest.by_name(doc, "vt-Clean-")
            check(tag + ": the clean loader is not leaked",
                  len(clean) == 1 and not vtest.leaked(doc, clean[0]), clean)
    return vtest.finish()


if __name__ == "__main__":
    sys.exit(main())
