#!/usr/bin/env bash
# metaleak at scale (issue 8's bound): one JVM defines LOADERS loaders of CLASSES classes each
# (default 100 000 x 10 = 1 000 000 classes) and keeps them alive; once they are defined and
# described, `metaleak attach <pid>` asks the running agent for a report (trigger request), which
# then lists every live loader. Measured: the define time with and without the agent (one run
# each, the same machine, one after the other), the agent's timing of that report (log=debug:
# measure and scan, render with the registry locked, write), its size, the loaders in it, and
# the worker's CPU while idle. Needs about 9 GB of RAM at the default size (Metaspace).
#
#   bench/scale.sh [LOADERS] [CLASSES]      (JDK: $JAVA_HOME or /usr/lib/jvm/java-17-openjdk-amd64)
set -euo pipefail
LOADERS=${1:-100000}
CLASSES=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-/tmp/metaleak-scale-$(date +%Y%m%d-%H%M%S)}
LIB=$BUILD/libmetaleak.so
CLI=$BUILD/bin/metaleak
[ -f "$LIB" ] && [ -x "$CLI" ] || { echo "build the agent and the CLI first (cmake --build $BUILD)" >&2; exit 2; }
mkdir -p "$OUT/classes"
"$JDK/bin/javac" -d "$OUT/classes" "$HERE"/java/*.java
ARGS="mode=memory loaders=$LOADERS classes=$CLASSES settle=5000 idle=${IDLE:-60000}"
HEAP="-Xms2g -Xmx2g -XX:MaxMetaspaceSize=16g"

run() { # cfg
    local cfg=$1 flags="" pid
    [ "$cfg" = agent ] && flags="-agentpath:$LIB=report=$OUT/r-%p.json,interval=0,log=debug,max_loaders=$((LOADERS * 2))"
    # shellcheck disable=SC2086
    (cd "$OUT/classes" && exec "$JDK/bin/java" $HEAP $flags -cp . DefineBench $ARGS) \
        >"$OUT/$cfg.out" 2>"$OUT/$cfg.err" &
    pid=$!
    if [ "$cfg" = agent ]; then
        until grep -q '^defined ' "$OUT/$cfg.out" 2>/dev/null; do
            kill -0 $pid 2>/dev/null || break
            sleep 1
        done
        sleep 10 # settle: the worker describes the new loaders
        local t0 t1
        t0=$(date +%s%N)
        "$CLI" attach --agent "$LIB" "$pid" >"$OUT/attach.out" 2>&1 || true
        until grep -q 'trigger request' "$OUT/$cfg.out" "$OUT/$cfg.err" 2>/dev/null; do sleep 0.1; done
        t1=$(date +%s%N)
        echo "request report: $(( (t1 - t0) / 1000000 )) ms from attach to written" >"$OUT/request.txt"
        cp "$OUT/r-$pid.json" "$OUT/request-report.json"
    fi
    wait $pid
}

echo "scale: $ARGS, $("$JDK/bin/java" -version 2>&1 | sed -n 2p); results in $OUT" >&2
run none
run agent
python3 - "$OUT" <<'PY'
import json, os, re, sys
out = sys.argv[1]
def result(cfg):
    line = [l for l in open(os.path.join(out, cfg + ".out")) if l.startswith("RESULT ")][0]
    return dict(kv.split("=", 1) for kv in line.split()[1:])
n, a = result("none"), result("agent")
print("define ms: none %s, agent %s, ratio %.3f" % (n["define_ms"], a["define_ms"],
      float(a["define_ms"]) / float(n["define_ms"])))
print("RSS growth KB: none %d, agent %d" % (int(n["rss_after_kb"]) - int(n["rss_before_kb"]),
      int(a["rss_after_kb"]) - int(a["rss_before_kb"])))
print("worker CPU over %s s idle: %s ms" % (a["idle_s"], a["worker_cpu_ms"]))
err = open(os.path.join(out, "agent.err")).read() + open(os.path.join(out, "agent.out")).read()
for l in err.splitlines():
    if "report (trigger request)" in l or "report (trigger exit)" in l:
        print(l)
print(open(os.path.join(out, "request.txt")).read().strip())
path = os.path.join(out, "request-report.json")
d = json.load(open(path))
s = d["summary"]
print("request report: %.1f MB, %d loaders listed, loaders_live %d, classes_live %d, dropped %s"
      % (os.path.getsize(path) / 1e6, len(d["loaders"]), s["loaders_live"], s["classes_live"],
         json.dumps(d["dropped"])))
PY
