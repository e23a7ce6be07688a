#!/usr/bin/env bash
# Pauses the reference-path search causes, against a heap dump and a young collection of the same
# heap (issues 3, 7 and 17), and the exit within exit_budget (issue 19).
#
#   bench/paths.sh [OBJECTS...]            (default: 2000000 8000000 30000000)
#
# For each JDK and each heap size, one JVM: bench/paths/PathBench builds OBJECTS small objects,
# leaks LEAKS plugin loaders (four causes: a thread, a static cache in a parent class, a
# ThreadLocal on a pool thread, a JDBC driver), proves them with its own full collections; the
# agent runs with its defaults (max_pause 200 ms) except path_budget (PATH_BUDGET, so that the
# search on request can finish on the biggest heap) and log=debug. Then, in the same JVM:
#   1. automatic: every pause the agent caused so far (-Xlog:safepoint: HeapWalkOperation, and
#      the per-loader Metaspace measurement's ClassLoaderHierarchyOperation and PrintMetadata):
#      the longest and the total; the loaders' path_status;
#   2. young: PathBench allocates garbage; the longest "Pause Young" (-Xlog:gc);
#   3. request: `metaleak attach PID` asks for the search: its wall time (the agent's log), the
#      longest and total pause, walks (and how many with a class filter), loaders with a path;
#   4. dump: `jcmd GC.heap_dump`: the HeapDumper safepoint and jcmd's wall time.
# Then, with EXIT=1, the exit: two more JVMs per JDK on the largest heap, SIGTERM after the
# leaks are proven and their automatic search deferred, with path_budget=600000: once with the
# default exit_budget (10 s), once with exit_budget=3600000 (no bound): wall time from SIGTERM to
# the end of the process.
#
# Environment: JDKS (JDK homes; default JDK 17 and the JDK 21 of scripts/jdks.sh), BUILD (agent
# build dir, default build), OUT (default /tmp/metaleak-paths-<time>), HEAPSIZE (default 3g),
# LEAKS (default 40), KINDS (the leaking plugin classes, comma-separated; default the four
# causes), PATH_BUDGET (default 300000), EXIT=1 (the exit runs), PERF=1 (perf
# record of each JVM; the VM thread's top symbols in OUT/<jdk>-<objects>/perf-vmthread.txt).
# Record `uptime` beside the numbers: a loaded machine walks the heap several times slower.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SIZES=${*:-"2000000 8000000 30000000"}
LEAKS=${LEAKS:-40}
JDK21=$("$ROOT/scripts/jdks.sh" 21 2>/dev/null | head -1 || true)
JDKS=${JDKS:-"/usr/lib/jvm/java-17-openjdk-amd64 $JDK21"}
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-/tmp/metaleak-paths-$(date +%Y%m%d-%H%M%S)}
HEAPSIZE=${HEAPSIZE:-3g}
PATH_BUDGET=${PATH_BUDGET:-300000}
KINDS=${KINDS:-}
LIB=$BUILD/libmetaleak.so
CLI=$BUILD/bin/metaleak
mkdir -p "$OUT"
[ -f "$LIB" ] && [ -x "$CLI" ] || { echo "no agent or CLI in $BUILD (build it first)" >&2; exit 2; }

javac=/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
"$javac" --release 11 -d "$OUT/host" "$ROOT"/tests/agent/java/host/mltest/*.java
"$javac" --release 11 -cp "$OUT/host" -d "$OUT/plugin" "$ROOT"/tests/agent/java/plugin/plug/*.java
/usr/lib/jvm/java-17-openjdk-amd64/bin/jar --create --file "$OUT/plugin.jar" -C "$OUT/plugin" .
"$javac" --release 11 -cp "$OUT/host" -d "$OUT/host" "$HERE/paths/PathBench.java"

# "max_ms total_ms count" of the given VM operations in a -Xlog:safepoint file (Total: the
# threads' whole stop, reaching the safepoint included).
pauses() { # file op...
    local f=$1
    shift
    local re
    re=$(printf '%s|' "$@")
    grep -E "Safepoint \"(${re%|})\"" "$f" | sed 's/.*Total: \([0-9]*\) ns.*/\1/' |
        awk '{if ($1 > m) m = $1; s += $1; n++} END {printf "%.0f %.0f %d", m / 1e6, s / 1e6, n}'
}
AGENT_OPS="HeapWalkOperation ClassLoaderHierarchyOperation PrintMetadata"

wait_for() { # file pattern seconds
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

run_one() { # jdk objects
    local jdk=$1 n=$2 name dir pid perf=() jvm
    name=$(basename "$jdk")
    dir="$OUT/$name-$n"
    mkdir -p "$dir"
    [ "${PERF:-0}" = 1 ] && perf=(perf record -q -F 999 -e cpu-clock -o "$dir/perf.data" --)
    coproc JVM { exec "${perf[@]}" "$jdk/bin/java" -Xms$HEAPSIZE -Xmx$HEAPSIZE -XX:+UseG1GC \
        -XX:+EnableDynamicAgentLoading -XX:+IgnoreUnrecognizedVMOptions \
        -Xlog:safepoint:file="$dir/safepoint.log" -Xlog:gc:file="$dir/gc.log" \
        -agentpath:"$LIB"=report="$dir/report.json",interval=0,log=debug,path_budget=$PATH_BUDGET \
        -cp "$OUT/host" PathBench "$OUT/plugin.jar" "$n" "$LEAKS" $KINDS 2>"$dir/stderr"; }
    pid=$JVM_PID
    read -r ready _ <&"${JVM[0]}"
    [ "$ready" = ready ] || { echo "$name $n: the benchmark JVM did not get ready" >&2; return 1; }
    jvm=$pid
    [ ${#perf[@]} -gt 0 ] && jvm=$(pgrep -P "$pid" -n)
    local up auto young req t0 t1 dump statuses
    up=$(cut -d' ' -f1-3 /proc/loadavg)
    cp "$dir/safepoint.log" "$dir/safepoint-auto.log"
    auto=$(pauses "$dir/safepoint-auto.log" $AGENT_OPS)
    statuses=$(python3 -c "import json,collections; d=json.load(open('$dir/report.json')); \
print(dict(collections.Counter(l['path_status'] for l in d['leaks'])))")
    # young collections of this heap
    local g0
    g0=$(wc -l <"$dir/gc.log")
    echo young >&"${JVM[1]}"
    read -r _ _ <&"${JVM[0]}"
    young=$(tail -n +$((g0 + 1)) "$dir/gc.log" | grep 'Pause Young' | sed 's/.* \([0-9.]*\)ms$/\1/' |
        awk '{if ($1 > m) m = $1; n++} END {printf "%.0f (%d collections)", m, n}')
    # the search on request
    local s0
    s0=$(wc -l <"$dir/safepoint.log")
    t0=$(date +%s%N)
    "$CLI" attach --timeout 120 --agent "$LIB" "$jvm" >"$dir/attach.out" 2>&1 || true
    # The request searches only what the automatic search left without a chain: when it found
    # every one, no search runs on request and there is nothing to wait for.
    if python3 -c "import json,sys; d=json.load(open('$dir/report.json')); \
sys.exit(0 if all(l['path_status'] == 'found' for l in d['leaks']) else 1)"; then
        echo "$name $n: every leak found without a request; no search on request" >&2
    else
        wait_for "$dir/stderr" "path search (request)" 600 || echo "$name $n: no search on request" >&2
    fi
    t1=$(date +%s%N)
    tail -n +$((s0 + 1)) "$dir/safepoint.log" >"$dir/safepoint-request.log"
    req=$(pauses "$dir/safepoint-request.log" HeapWalkOperation)
    # the heap dump
    rm -f "$dir/dump.hprof"
    s0=$(wc -l <"$dir/safepoint.log")
    local d0 d1
    d0=$(date +%s%N)
    "$jdk/bin/jcmd" "$jvm" GC.heap_dump "$dir/dump.hprof" >"$dir/jcmd.out" 2>&1 ||
        echo "(no jcmd in $jdk)" >"$dir/jcmd.out"
    d1=$(date +%s%N)
    dump=$(tail -n +$((s0 + 1)) "$dir/safepoint.log" | grep 'Safepoint "HeapDumper"' |
        sed 's/.*Total: \([0-9]*\) ns.*/\1/' | awk '{s += $1} END {printf "%.0f", s / 1e6}')
    rm -f "$dir/dump.hprof"
    echo exit >&"${JVM[1]}"
    wait "$pid" || true
    printf '%s, %s objects (load %s)\n' "$name" "$n" "$up"
    printf '  automatic (defaults): agent pauses max/total/count %s ms; path_status %s\n' \
        "$(echo $auto | awk '{print $1 " / " $2 " / " $3}')" "$statuses"
    grep -m1 'path search deferred' "$dir/stderr" | cut -c1-240 | sed 's/^/    /' || true
    printf '  young collection: longest %s ms\n' "$young"
    printf '  on request: %s; heap walks max/total/count %s ms; attach to done %s ms\n' \
        "$(grep 'path search (request)' "$dir/stderr" | head -1 | sed 's/.*(request): //')" \
        "$(echo $req | awk '{print $1 " / " $2 " / " $3}')" $(((t1 - t0) / 1000000))
    printf '  GC.heap_dump: HeapDumper safepoint %s ms; jcmd wall %s ms (%s)\n' "$dump" \
        $(((d1 - d0) / 1000000)) "$(grep -o '[0-9.]* secs' "$dir/jcmd.out" || true)"
    if [ -f "$dir/perf.data" ]; then
        perf report -i "$dir/perf.data" --comms "VM Thread" --no-children --sort sym -g none \
            --percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$' >"$dir/perf-vmthread.txt" || true
    fi
}

exit_one() { # jdk objects exit_budget
    local jdk=$1 n=$2 eb=$3 name dir pid t0 t1
    name=$(basename "$jdk")
    dir="$OUT/exit-$name-$n-$eb"
    mkdir -p "$dir"
    coproc EJVM { exec "$jdk/bin/java" -Xms$HEAPSIZE -Xmx$HEAPSIZE -XX:+UseG1GC \
        -agentpath:"$LIB"=report="$dir/report.json",interval=0,log=debug,path_budget=600000,exit_budget=$eb \
        -cp "$OUT/host" PathBench "$OUT/plugin.jar" "$n" "$LEAKS" 2>"$dir/stderr"; }
    pid=$EJVM_PID
    read -r ready _ <&"${EJVM[0]}"
    [ "$ready" = ready ] || { echo "exit $name $n: not ready" >&2; return 1; }
    local up
    up=$(cut -d' ' -f1-3 /proc/loadavg)
    t0=$(date +%s%N)
    kill -TERM "$pid"
    wait "$pid" || true
    t1=$(date +%s%N)
    printf 'exit, %s, %s objects, path_budget=600000, exit_budget=%s (load %s): SIGTERM to exit %s ms; %s\n' \
        "$name" "$n" "$eb" "$up" $(((t1 - t0) / 1000000)) \
        "$(python3 -c "import json,collections; d=json.load(open('$dir/report.json')); \
print(d['trigger'], dict(collections.Counter(l['path_status'] for l in d['leaks'])), \
'walks', d['paths']['heap_walks'])" 2>/dev/null || echo 'no report')"
}

{
    echo "uptime at start: $(uptime)"
    for jdk in $JDKS; do
        for n in $SIZES; do
            run_one "$jdk" "$n"
        done
    done
    if [ "${EXIT:-0}" = 1 ]; then
        big=$(echo $SIZES | tr ' ' '\n' | sort -n | tail -1)
        for jdk in $JDKS; do
            exit_one "$jdk" "$big" 10000
            exit_one "$jdk" "$big" 3600000
        done
    fi
    echo "uptime at end: $(uptime)"
} 2>&1 | tee "$OUT/summary.txt"
