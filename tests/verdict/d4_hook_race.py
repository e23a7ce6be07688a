#!/usr/bin/env python3
"""Defect 4 (issue 15): three identical shutdown-hook leaks in one JVM must get the same cause,
whatever hook threads the JVM had started when the path search ran, and each hook step must
name its thread (read from the Thread object, started or not).

The race is made likely: the hook leaks are proven during the run (System.gc()), shortly after
another leak's search (vplug.HandlerChain), so their search is rate-limited and runs at the
shutdown checkpoint at once, while ApplicationShutdownHooks.runHooks() is still starting the
hooks. Repeated --runs times per JDK, with Runnable hooks (vplug.RunnableHook) and Thread
subclass hooks (vplug.ThreadHook).

Usage: d4_hook_race.py [--agent SO] [--jdk 17 --jdk 21 ...] [--runs N]
"""
import os
import sys

import vtest
from vtest import check


def main():
    ap = vtest.parser(__doc__)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    vtest.build(a.work)
    jar = os.path.join(a.work, "plugin.jar")
    for jdk in a.jdk or ["11", "17", "21", "25"]:
        home = vtest.java_home(jdk)
        label = "jdk%d" % vtest.version_of(home)
        for kind, prefix in (("RunnableHook", "vt-hook-"), ("ThreadHook", "vt-thook-")):
            for run in range(a.runs):
                tag = "[%s] %s run %d" % (label, kind, run)
                r, doc = vtest.run(home, a.agent, a.work, "d4-%s-%s" % (label, kind), "vt.Host",
                                   [jar, "--no-tccl", "HandlerChain:1", "gc", kind + ":3", "gc"])
                if not check(tag + ": JVM exits 0 with a report", r.returncode == 0 and doc,
                             r.stderr[-600:]):
                    continue
                hooks = vtest.by_name(doc, "vt-%s-" % kind)
                leaks = [vtest.leak_of(doc, l) for l in hooks]
                causes = [k.get("cause") if k else None for k in leaks]
                check(tag + ": all three hook leaks are `shutdown-hook`",
                      len(hooks) == 3 and causes == ["shutdown-hook"] * 3,
                      "; ".join(vtest.path_text(k) for k in leaks))
                unnamed = [k for k in leaks if k and k.get("path") and
                           not any((st.get("thread") or "").startswith(prefix)
                                   for st in k["path"] if st.get("shutdown_hook"))]
                check(tag + ": every hook step names its thread", not unnamed,
                      "; ".join(vtest.path_text(k) for k in unnamed))
    return vtest.finish()


if __name__ == "__main__":
    sys.exit(main())
