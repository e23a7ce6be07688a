#!/usr/bin/env bash
# Overhead of the agent on a real Flink TaskManager (issue 7): TaskManager start plus N job
# submissions, with and without the agent, alternated in one run on this machine.
#
#   bench/flink.sh [SUBMISSIONS] [REPS]          (defaults 20 and 3)
#
# Each repetition starts a session cluster (tests/flink/cluster.sh, Flink $FLINK_VERSION from
# Maven Central module jars) once without the agent and once with it (interval=0, the
# defaults otherwise), submits SUBMISSIONS CleanJob jobs one after the other (each waits until
# the TaskManager released the job's loader), then stops the cluster. Per run: cluster start
# wall time, submissions wall time, and the TaskManager's CPU time (utime+stime from /proc)
# when the last job is done. Printed: medians per configuration and the agent/none ratios.
#
# Environment: FLINK_VERSION (default 1.20.5), BUILD (default build), OUT (default
# /tmp/metaleak-flinkbench-<time>).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=${1:-20}
REPS=${2:-3}
FLINK_VERSION=${FLINK_VERSION:-1.20.5}
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-/tmp/metaleak-flinkbench-$(date +%Y%m%d-%H%M%S)}
CLUSTER=$ROOT/tests/flink/cluster.sh
mkdir -p "$OUT"
lib=$("$CLUSTER" fetch "$FLINK_VERSION")
"$ROOT/examples/flink-jobs/build.sh" "$lib" "$OUT/jobs.jar" >/dev/null
tck=$(getconf CLK_TCK)
runs="$OUT/runs.txt"
: >"$runs"
for rep in $(seq 1 "$REPS"); do
    for cfg in none agent; do
        wd="$OUT/$cfg-$rep"
        agent=none
        [ "$cfg" = agent ] && agent="$BUILD/libmetaleak.so"
        t0=$(date +%s%N)
        METALEAK_FLINK_WORKDIR="$wd" "$CLUSTER" start "$FLINK_VERSION" "$wd" "$agent" interval=0 >/dev/null
        t1=$(date +%s%N)
        for i in $(seq 1 "$N"); do
            jid=$(METALEAK_FLINK_WORKDIR="$wd" "$CLUSTER" submit "$OUT/jobs.jar" io.metaleak.flinkjobs.CleanJob)
            METALEAK_FLINK_WORKDIR="$wd" "$CLUSTER" wait-finished "$jid" >/dev/null
        done
        t2=$(date +%s%N)
        tm=$(cat "$wd/tm.pid")
        cpu=$(awk -v t="$tck" '{printf "%.2f", ($14 + $15) / t}' "/proc/$tm/stat")
        "$CLUSTER" -w "$wd" stop >/dev/null 2>&1 || true
        printf 'cfg=%s rep=%s start_s=%.2f submissions_s=%.2f tm_cpu_s=%s\n' "$cfg" "$rep" \
            "$(echo "($t1 - $t0) / 1000000000" | bc -l)" "$(echo "($t2 - $t1) / 1000000000" | bc -l)" \
            "$cpu" | tee -a "$runs"
        rm -rf "$wd/work"
    done
done
python3 - "$runs" "$N" <<'PY' | tee "$OUT/summary.txt"
import statistics, sys
rows = [dict(kv.split("=") for kv in line.split()) for line in open(sys.argv[1])]
def med(cfg, key):
    return statistics.median(float(r[key]) for r in rows if r["cfg"] == cfg)
print("%s submissions, %d repetitions (medians):" % (sys.argv[2], len(rows) // 2))
for key in ("start_s", "submissions_s", "tm_cpu_s"):
    a, n = med("agent", key), med("none", key)
    print("  %-14s none %7.2f  agent %7.2f  ratio %.3f" % (key, n, a, a / n))
PY
