#!/usr/bin/env bash
# The agent's per-class ClassPrepare path, A/B: two builds of the agent profiled alternately on
# the same class-definition workload (perf cpu-clock with call graphs, JDK 17).
#
#   bench/classprepare_ab.sh OLD_LIB NEW_LIB [REPS]     (REPS alternations, default 2)
#
# Build the old one from a commit with, e.g.:
#   git archive <commit> | tar -x -C /tmp/old && cmake -S /tmp/old -B /tmp/oldbuild -G Ninja \
#       -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build /tmp/oldbuild
# Per class = (ml_events_count_class inclusive + JvmtiExport::post_class_prepare self) x sampled
# CPU / classes defined; also as a share of the JVM's own Java_java_lang_ClassLoader_defineClass1.
set -euo pipefail
OLD=${1:?OLD_LIB}
NEW=${2:?NEW_LIB}
REPS=${3:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
OUT=${OUT:-/tmp/metaleak-cp-ab-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/classes"
"$JDK/bin/javac" -d "$OUT/classes" "$HERE"/java/*.java
command -v perf >/dev/null || { echo "needs perf (apt-get install linux-perf)" >&2; exit 2; }
pct() { # perf.data children|no-children symbol
    perf report -i "$1" "--$2" --sort sym -g none 2>/dev/null | grep -E " $3\$" | awk '{print $1}' | tr -d % | head -1
}
for ((rep = 1; rep <= REPS; rep++)); do
    for v in old new; do
        lib=$OLD; [ $v = new ] && lib=$NEW
        d="$OUT/$v-$rep.data"
        (cd "$OUT/classes" && perf record -q -F 2000 -g -e cpu-clock -o "$d" -- "$JDK/bin/java" \
            -XX:+PreserveFramePointer -Xms512m -Xmx512m -XX:+UseG1GC \
            "-agentpath:$lib=report=$OUT/r.json,interval=0,log=quiet" -cp . DefineBench \
            loaders=50 classes=100 warmup=3 rounds=40 gc=round >"$OUT/$v-$rep.out" 2>&1)
        total=$(perf report -i "$d" --stdio --sort comm -g none 2>/dev/null | sed -n 's/^# Event count (approx.): //p')
        n=$(sed -n 's/.* loaded=\([0-9]*\).*/\1/p' "$OUT/$v-$rep.out")
        cc=$(pct "$d" children ml_events_count_class)
        pc=$(pct "$d" no-children 'JvmtiExport::post_class_prepare')
        dc=$(pct "$d" children Java_java_lang_ClassLoader_defineClass1)
        python3 -c "import sys; cc, pc, dc, t, n = map(float, sys.argv[1:]); \
print('%s rep %d: %d classes, %.3f us/class in the agent path (%.2f %% of defineClass1)' % \
('$v', $rep, n, (cc + pc) / 100 * t / 1e3 / n, (cc + pc) / dc * 100))" "${cc:-0}" "${pc:-0}" "${dc:-1}" "$total" "$n"
    done
done
