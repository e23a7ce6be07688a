#!/usr/bin/env bash
# Reference-path search versus a heap dump, on the same heap in the same JVM (issue 3's speed
# goal, measured for issue 7).
#
#   bench/paths.sh [OBJECTS] [LEAKS]      (defaults 8000000 and 40)
#
# One JVM per JDK: bench/paths/PathBench builds OBJECTS small objects, leaks LEAKS plugin
# loaders (four causes), proves them with its own full collections; the agent (log=debug)
# searches paths for all of them at once. Then `jcmd GC.heap_dump` dumps the same heap.
# Printed per JDK: the search (wall ms, heap walks, objects tagged, from the agent's log), the
# safepoint time of its heap walks and of the heap dump (-Xlog:safepoint), jcmd's own time.
#
# Environment: JDKS (JDK homes), BUILD (agent build dir, default build), OUT (default
# /tmp/metaleak-paths-<time>), HEAPSIZE (default 3g), PERF=1: run each JVM under
# `perf record` and write the VM thread's top symbols (where the walks and the dump spend
# their time) to OUT/<jdk>/perf-vmthread.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OBJECTS=${1:-8000000}
LEAKS=${2:-40}
JDKS=${JDKS:-"/usr/lib/jvm/java-17-openjdk-amd64 $(ls -d /usr/lib/jvm/temurin-* 2>/dev/null | head -1)"}
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-/tmp/metaleak-paths-$(date +%Y%m%d-%H%M%S)}
HEAPSIZE=${HEAPSIZE:-3g}
LIB=$BUILD/libmetaleak.so
mkdir -p "$OUT"
[ -f "$LIB" ] || { echo "no agent at $LIB (build it first: cmake --build $BUILD)" >&2; exit 2; }

javac=/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
"$javac" --release 11 -d "$OUT/host" "$ROOT"/tests/agent/java/host/mltest/*.java
"$javac" --release 11 -cp "$OUT/host" -d "$OUT/plugin" "$ROOT"/tests/agent/java/plugin/plug/*.java
/usr/lib/jvm/java-17-openjdk-amd64/bin/jar --create --file "$OUT/plugin.jar" -C "$OUT/plugin" .
"$javac" --release 11 -cp "$OUT/host" -d "$OUT/host" "$HERE/paths/PathBench.java"

# Sum of "At safepoint" times (ms) of one VM operation in a -Xlog:safepoint file.
safepoint_ms() {
    grep "Safepoint \"$2\"" "$1" | sed 's/.*At safepoint: \([0-9]*\) ns.*/\1/' |
        awk '{s += $1} END {printf "%.0f", s / 1e6}'
}

for jdk in $JDKS; do
    name=$(basename "$jdk")
    dir="$OUT/$name"
    mkdir -p "$dir"
    rm -f "$dir/dump.hprof"
    perf=()
    [ "${PERF:-0}" = 1 ] && perf=(perf record -q -F 1999 -e cpu-clock -o "$dir/perf.data" --)
    coproc JVM { exec "${perf[@]}" "$jdk/bin/java" -Xms$HEAPSIZE -Xmx$HEAPSIZE -XX:+UseG1GC \
        -Xlog:safepoint:file="$dir/safepoint.log" \
        -agentpath:"$LIB"=report="$dir/report.json",interval=0,log=debug \
        -cp "$OUT/host" PathBench "$OUT/plugin.jar" "$OBJECTS" "$LEAKS" 2>"$dir/stderr"; }
    pid=$JVM_PID
    read -r ready _ <&"${JVM[0]}"
    [ "$ready" = ready ] || { echo "$name: the benchmark JVM did not get ready" >&2; exit 1; }
    t0=$(date +%s%N)
    jvm=$pid
    [ ${#perf[@]} -gt 0 ] && jvm=$(pgrep -P "$pid" -n)  # perf's child is the JVM
    "$jdk/bin/jcmd" "$jvm" GC.heap_dump "$dir/dump.hprof" >"$dir/jcmd.out"
    t1=$(date +%s%N)
    echo >&"${JVM[1]}"
    wait "$pid" || true
    search=$(grep 'path search' "$dir/stderr" | head -1)
    walks_ms=$(safepoint_ms "$dir/safepoint.log" HeapWalkOperation)
    dump_ms=$(safepoint_ms "$dir/safepoint.log" HeapDumper)
    leaked=$(python3 -c "import json,sys; d=json.load(open('$dir/report.json')); \
print(len(d['leaks']), sum(1 for l in d['leaks'] if l.get('path_status') == 'found'))")
    printf '%s: %s objects, leaked/with path: %s\n' "$name" "$OBJECTS" "$leaked"
    printf '  search: %s\n' "${search#metaleak: debug: }"
    printf '  safepoints: heap walks %s ms in all, heap dump %s ms; jcmd GC.heap_dump wall %s ms (%s)\n' \
        "$walks_ms" "$dump_ms" $(((t1 - t0) / 1000000)) "$(grep -o '[0-9.]* secs' "$dir/jcmd.out")"
    rm -f "$dir/dump.hprof"
    if [ -f "$dir/perf.data" ]; then
        perf report -i "$dir/perf.data" --comms "VM Thread" --no-children --sort sym -g none \
            --percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$' >"$dir/perf-vmthread.txt" || true
        printf '  VM thread profile: %s\n' "$dir/perf-vmthread.txt"
    fi
done | tee "$OUT/summary.txt"
