#!/usr/bin/env bash
# leak-gate.sh: run a Flink job N times on a local session cluster with metaleak in the
# TaskManager, stop the TaskManager so that the agent writes its exit report, and gate on
# `metaleak check`. An EXAMPLE for a CI pipeline (see metaleak-gate.yml beside it); this
# project's own CI does not run it.
#
#   leak-gate.sh [-n RUNS] [-m MAX_LEAKED] [-b BASELINE.yaml] FLINK_HOME METALEAK_DIST JOB_JAR MAIN_CLASS [JOB_ARGS...]
#
#   FLINK_HOME     an unpacked Flink binary distribution (flink-<version>-bin-scala_2.12.tgz), 1.x or 2.x
#   METALEAK_DIST  an unpacked metaleak release tarball (or a source build's build/dist):
#                  lib/libmetaleak.so, lib/libcjson.so.1, bin/metaleak
#   JOB_JAR        the job, run RUNS times (default 5) with `bin/flink run` (attached: each run
#                  waits for the job to finish, so the job must be bounded)
#   -m N           leaked loaders tolerated (default 0)
#   -b FILE        accepted leaks (metaleak check --baseline, docs/cli.md)
#
# Exit status: 0 no leak over the limit; 1 `metaleak check` failed the gate; 2 the cluster or a
# job failed, no report was written, or the report cannot decide (`metaleak check` exit 2:
# released loaders without a verdict, dropped loaders). The Flink configuration and logs are
# copied to and written into a fresh work directory ($LEAK_GATE_WORKDIR, default mktemp -d),
# with metaleak.html (`metaleak html`) beside the report in its log/; FLINK_HOME/conf is not
# changed.
set -euo pipefail

runs=5 max=0 baseline=""
while getopts n:m:b: opt; do
    case $opt in
        n) runs=$OPTARG ;;
        m) max=$OPTARG ;;
        b) baseline=$OPTARG ;;
        *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 4 ] || { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
flink_home=$(cd "$1" && pwd) dist=$(cd "$2" && pwd) jar=$3 main=$4
shift 4

die() { echo "leak-gate: $*" >&2; exit 2; }
[ -x "$flink_home/bin/flink" ] || die "$flink_home is not a Flink distribution (no bin/flink)"
[ -f "$dist/lib/libmetaleak.so" ] || die "no $dist/lib/libmetaleak.so (an unpacked release tarball or build/dist)"
[ -f "$jar" ] || die "no such job jar: $jar"
metaleak="$dist/bin/metaleak"

work=${LEAK_GATE_WORKDIR:-$(mktemp -d)}
mkdir -p "$work"
rm -rf "$work/conf" "$work/log"
cp -R "$flink_home/conf" "$work/conf"
mkdir -p "$work/log"
# Flink's scripts take the configuration and log directories from these (bin/config.sh).
export FLINK_CONF_DIR="$work/conf" FLINK_LOG_DIR="$work/log"

# Flink 1.x reads flink-conf.yaml (1.19/1.20: when it exists), Flink 2.x only config.yaml.
conf="$work/conf/config.yaml"
[ -f "$work/conf/flink-conf.yaml" ] && conf="$work/conf/flink-conf.yaml"
[ -f "$conf" ] || die "no flink-conf.yaml or config.yaml in $flink_home/conf"
# Does the file set env.java.opts.taskmanager already, flat or nested (env: java: opts: ...)?
# Appending the key again would duplicate it (an error for config.yaml's YAML 1.2 parser).
sets_tm_opts() {
    awk '/^[[:space:]]*(#|$)/ { next }
         { match($0, /^ */); ind = RLENGTH; line = substr($0, ind + 1)
           if (line !~ /^[^:#]+:/) next
           key = line; sub(/[[:space:]]*:.*/, "", key)
           while (n > 0 && ind <= indent[n]) n--
           n++; indent[n] = ind; k[n] = key
           path = k[1]; for (i = 2; i <= n; i++) path = path "." k[i]
           if (path == "env.java.opts.taskmanager") found = 1 }
         END { exit found ? 0 : 1 }' "$1"
}
if sets_tm_opts "$conf"; then
    die "$conf already sets env.java.opts.taskmanager: add -agentpath:$dist/lib/libmetaleak.so to it"
fi
# A plain value: the legacy flink-conf.yaml parser would keep quotes as part of the value.
# No report=: the agent writes metaleak-<pid>.json into the log directory (from -Dlog.file).
echo "env.java.opts.taskmanager: -agentpath:$dist/lib/libmetaleak.so=interval=0" >> "$conf"

stop_cluster() { "$flink_home/bin/stop-cluster.sh" >/dev/null 2>&1 || true; }
trap stop_cluster EXIT
"$flink_home/bin/start-cluster.sh"

rest=$(sed -n 's/^[[:space:]]*rest\.port[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$conf" | tail -n 1)
url="http://localhost:${rest:-8081}"
ov=""
for _ in $(seq 1 120); do
    ov=$(curl -sf "$url/overview" || true)   # no pipe into grep -q: SIGPIPE + pipefail
    case $ov in *'"taskmanagers":'[1-9]*) break ;; esac
    sleep 1
done
case $ov in *'"taskmanagers":'[1-9]*) ;; *) die "no TaskManager registered at $url ($ov)" ;; esac

for i in $(seq 1 "$runs"); do
    echo "leak-gate: run $i of $runs: $main"
    "$flink_home/bin/flink" run -c "$main" "$jar" "$@" || die "run $i of $main failed"
done

# The TaskManager releases (closes) a job's class loader once the job's last slot is freed;
# it logs "Close JobManager connection for job <id>" then.
tmlog() { cat "$FLINK_LOG_DIR"/flink-*-taskexecutor-*.log 2>/dev/null || true; }
for _ in $(seq 1 120); do
    [ "$(tmlog | grep -c 'Close JobManager connection for job')" -ge "$runs" ] && break
    sleep 1
done

# SIGTERM the TaskManager: the agent forces the collections that decide every closed loader and
# writes its exit report.
"$flink_home/bin/taskmanager.sh" stop
report=""
for _ in $(seq 1 60); do
    for f in "$FLINK_LOG_DIR"/metaleak-*.json; do
        [ -f "$f" ] && grep -q '"trigger": *"exit"' "$f" && report=$f
    done
    [ -n "$report" ] && break
    sleep 1
done
[ -n "$report" ] || die "no metaleak exit report in $FLINK_LOG_DIR (agent not loaded? see the TaskManager's .out file)"

"$metaleak" summary "$report" || true
# One page for the artifact store: the Metaspace chart and each leak's path (not the gate).
"$metaleak" html -o "$FLINK_LOG_DIR/metaleak.html" "$report" &&
    echo "leak-gate: page $FLINK_LOG_DIR/metaleak.html" || true
args=(check --max-leaked-loaders "$max")
[ -n "$baseline" ] && args+=(--baseline "$baseline")
"$metaleak" "${args[@]}" "$report"
