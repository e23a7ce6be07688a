#!/usr/bin/env bash
# metaleak benchmark suite (issue 7). One run, one machine, configurations alternated.
#
#   bench/run.sh [quick|full|profile]
#
#   quick    (default, a few minutes on 2 cores) and full (more repetitions, bigger workloads):
#     0. startup  JVM start + exit with nothing to do, none | agent: the agent's fixed cost
#     1. define   DefineBench on every JDK, alternating: none | agent | xlog | jfr
#                 -> wall time, process CPU time, in-process µs/class; median and min–max
#     1b. loaders DirLoaderBench: 300 URLClassLoaders x 73 classes each loaded from a directory of
#                 class files, closed and dropped (the per-loader cost, issue 17), none | agent
#                 -> the loop's wall time in the JVM (ratio of medians and paired), whole-JVM wall
#                 and CPU, the agent worker's CPU per loader
#     2. gc       DefineBench with System.gc() per round and loaders + hidden classes kept alive
#                 (tags that every GC processes), none | agent, -Xlog:gc -> sum of pause times
#     3. memory   10 000 live loaders: RSS, NMT malloc and glibc malloc in use, none | agent,
#                 and the agent worker's CPU time while idle with those loaders
#     4. reports  agent with interval=1 and 10 000 live loaders, -Xlog:safepoint: the
#                 safepoint time of each report's per-loader Metaspace measurement
#                 (VM.classloaders + VM.metaspace) and the worker's CPU per report
#     5. report   bench/report_bench: ml_report_render for 10 000 loaders, registry bytes/loader
#   profile: perf record (cpu-clock) of the define workload with the agent on JDK 17, and the
#     share of samples in the agent's ClassPrepare path (also run at the end of `full`).
#
# Environment:
#   JDKS    JDK homes (default: JDK 17 and Temurin 25 under /usr/lib/jvm)
#   OUT     results directory (default /tmp/metaleak-bench-<time>); raw lines in runs.txt,
#           tables in summary.md
#   BUILD   CMake build dir of the agent (default /tmp/bbuild; configured and built if missing)
#   REPS    alternated repetitions per configuration (quick 5, full 7)
#   PHASES  which phases to run (default: "startup define loaders gc memory reports report")
#   LOADERS_REPS  alternations of the loaders phase (default 9; at least 7 for the issue's
#           measure)
#   DEFINE_ARGS GC_ARGS MEM_ARGS MEM_REPS REPORT_SIZES REPORTS_LOADERS STARTUP_REPS
#           override the workloads of a mode
#
# Needs: cmake + ninja + cc, libcjson-dev, libyaml-dev (the agent's own build deps), python3
# (statistics only), GNU time (/usr/bin/time), perf for `profile`.
set -euo pipefail

MODE=${1:-quick}
case "$MODE" in quick | full | profile) ;; *)
    echo "usage: $0 [quick|full|profile]" >&2
    exit 2
    ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
JDKS=${JDKS:-"/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64"}
BUILD=$(realpath -m "${BUILD:-/tmp/bbuild}")  # absolute: the JVMs run in $OUT/classes
OUT=${OUT:-/tmp/metaleak-bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/tmp"
RUNS="$OUT/runs.txt"
: >"$RUNS"
LIB="$BUILD/libmetaleak.so"

if [ "$MODE" = full ]; then
    REPS=${REPS:-7}
    DEFINE_ARGS=${DEFINE_ARGS:-"loaders=50 classes=100 warmup=5 rounds=12 gc=round"}
    GC_ARGS=${GC_ARGS:-"loaders=200 classes=10 hidden=10 live=2000 warmup=2 rounds=12 gc=round"}
    MEM_REPS=${MEM_REPS:-3}
    MEM_ARGS=${MEM_ARGS:-"mode=memory loaders=10000 classes=1 settle=2000 idle=5000"}
    REPORT_SIZES=${REPORT_SIZES:-"1000 10000 100000"}
    REPORTS_LOADERS=${REPORTS_LOADERS:-"1000 10000"}
    STARTUP_REPS=${STARTUP_REPS:-15}
else
    REPS=${REPS:-5}
    DEFINE_ARGS=${DEFINE_ARGS:-"loaders=40 classes=50 warmup=4 rounds=8 gc=round"}
    GC_ARGS=${GC_ARGS:-"loaders=100 classes=10 hidden=10 live=1000 warmup=2 rounds=8 gc=round"}
    MEM_REPS=${MEM_REPS:-2}
    MEM_ARGS=${MEM_ARGS:-"mode=memory loaders=10000 classes=1 settle=1500 idle=3000"}
    REPORT_SIZES=${REPORT_SIZES:-"10000"}
    REPORTS_LOADERS=${REPORTS_LOADERS:-"10000"}
    STARTUP_REPS=${STARTUP_REPS:-9}
fi
HEAP="-Xms512m -Xmx512m -XX:+UseG1GC"

PHASES=${PHASES:-"startup define loaders gc memory reports report"}
LOADERS_REPS=${LOADERS_REPS:-9}
LOADERS_ARGS=${LOADERS_ARGS:-"loaders=300 classes=73 warmup=30"}
want() { [[ " $PHASES " == *" $1 "* ]]; }

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- build: the agent, the Java workload, the malloc probe, report_bench ----
build() {
    if [ ! -f "$LIB" ] || [ ! -f "$BUILD/libmetaleak_core.a" ]; then
        log "building the agent in $BUILD"
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$OUT/build.log"
    fi
    cmake --build "$BUILD" --target metaleak metaleak_core >>"$OUT/build.log"
    local javac=/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
    [ -x "$javac" ] || javac=$(set -- $JDKS && echo "$1")/bin/javac
    rm -rf "$OUT/classes"
    # inline string concatenation: no invokedynamic bootstrap per template class
    "$javac" --release 17 -XDstringConcat=inline -d "$OUT/classes" "$HERE"/java/*.java
    # 73 small classes (fields, a static initializer, methods, each linking the one before) as
    # class files in a directory, for DirLoaderBench
    rm -rf "$OUT/dirsrc" "$OUT/dirclasses"
    mkdir -p "$OUT/dirsrc/p"
    for ((k = 0; k < 73; k++)); do
        local prev=Object
        [ $k -gt 0 ] && prev=C$((k - 1))
        cat >"$OUT/dirsrc/p/C$k.java" <<JAVA
package p;
public class C$k {
    static final java.util.List<String> NAMES = new java.util.ArrayList<>();
    static { NAMES.add("c$k"); }
    private int a; private long b; private String s = "v$k"; private $prev link;
    public C$k() { a = $k; b = ${k}L * 31; }
    public int compute(int x) { int r = x; for (int i = 0; i < 4; i++) { r = r * 31 + a + (int) b; } return r ^ s.length(); }
    public String describe() { return "C$k:" + a + ":" + b + ":" + s; }
    public $prev link() { return link; }
    public void setLink($prev l) { link = l; }
    @Override public int hashCode() { return compute(a); }
    @Override public boolean equals(Object o) { return o instanceof C$k && ((C$k) o).a == a; }
    @Override public String toString() { return describe(); }
}
JAVA
    done
    "$javac" --release 17 -XDstringConcat=inline -d "$OUT/dirclasses" "$OUT"/dirsrc/p/*.java
    cc -O2 -Wall -shared -fPIC -o "$OUT/mallinfo_probe.so" "$HERE/c/mallinfo_probe.c" -lpthread
    cc -O2 -g -Wall -Wextra -std=c11 -I"$ROOT/include" -o "$OUT/report_bench" \
        "$HERE/report_bench.c" "$BUILD/libmetaleak_core.a" -lcjson -l:libyaml.a -lm
}

# busy ticks (all CPUs) from /proc/stat: user nice system irq softirq steal
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }

jdk_name() { "$1/bin/java" -version 2>&1 | sed -n 2p | sed 's/.*(build \(.*\))/\1/'; }

cfg_flags() { # cfg tmpdir
    case "$1" in
    none) ;;
    agent) echo "-agentpath:$LIB=report=$2/r.json,interval=0,log=quiet" ;;
    agent_i1) echo "-agentpath:$LIB=report=$2/r.json,interval=1,log=quiet" ;;
    xlog) echo "-Xlog:class+load,class+unload:file=$2/cl.log" ;;
    jfr) echo "-XX:StartFlightRecording:settings=default,class-loading=true,filename=$2/r.jfr" ;;
    *) echo "unknown configuration $1" >&2; return 1 ;;
    esac
}

# run_one PHASE JDK CFG REP EXTRA_JVM_FLAGS -- DefineBench args...
# Appends one line of key=value pairs to runs.txt.
run_one() {
    local phase=$1 jdk=$2 cfg=$3 rep=$4 extra=$5
    shift 5
    local tmp="$OUT/tmp/$phase-$(basename "$jdk")-$cfg-$rep"
    rm -rf "$tmp" && mkdir -p "$tmp"
    local flags
    flags="$(cfg_flags "$cfg" "$tmp") ${extra//@TMP@/$tmp}"
    local b0 b1 t0 t1 rc=0
    b0=$(busy_ticks)
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    local preload=
    [ "$phase" = memory ] && preload="$OUT/mallinfo_probe.so"
    (cd "$OUT/classes" && LD_PRELOAD=$preload ML_MALLINFO_TRIGGER="$tmp/mallinfo" /usr/bin/time -f "%U %S" -o "$tmp/time" \
        "$jdk/bin/java" $HEAP $flags -cp . ${MAIN:-DefineBench} "$@" >"$tmp/stdout" 2>"$tmp/stderr") || rc=$?
    t1=$(date +%s%N)
    b1=$(busy_ticks)
    if [ $rc -ne 0 ] || ! grep -q '^RESULT ' "$tmp/stdout"; then
        log "FAILED: $phase $cfg $(basename "$jdk") rep $rep (exit $rc), see $tmp"
        tail -5 "$tmp/stderr" >&2
        return 1
    fi
    if [[ "$cfg" == agent* ]] && ! grep -q '"schema"' "$tmp/r.json" 2>/dev/null; then
        log "FAILED: the agent wrote no report in $tmp"
        return 1
    fi
    local cpu wall foreign pause full
    cpu=$(awk '{printf "%.2f", $1+$2}' "$tmp/time")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
    foreign=$(awk -v a="$b0" -v b="$b1" -v c="$cpu" 'BEGIN{f=(b-a)/100-c; if(f<0)f=0; printf "%.2f", f}')
    pause=""
    if [ -f "$tmp/gc.log" ]; then
        # every "Pause ..." line ends in its duration: young, remark, cleanup, full
        pause=$(awk '/ Pause /{v=$NF; sub(/ms$/,"",v); s+=v; if(/Pause Full/)f+=v; n++}
                 END{printf "gc_pause_ms=%.2f gc_full_ms=%.2f gc_pauses=%d", s, f, n}' "$tmp/gc.log")
    fi
    local sp=""
    if [ -f "$tmp/sp.log" ]; then
        # the two diagnostic commands behind per-loader Metaspace bytes, each a VM operation
        sp=$(sed -nE 's/.*Safepoint "(ClassLoaderHierarchyOperation|PrintMetadata)".*At safepoint: ([0-9]+) ns.*/\1 \2/p' "$tmp/sp.log" |
            awk '{n[$1]++; if ($2 > m[$1]) m[$1] = $2; s[$1] += $2}
                 END{printf "sp_tree_n=%d sp_tree_max_ms=%.2f sp_meta_n=%d sp_meta_max_ms=%.2f",
                     n["ClassLoaderHierarchyOperation"], m["ClassLoaderHierarchyOperation"]/1e6,
                     n["PrintMetadata"], m["PrintMetadata"]/1e6}')
    fi
    echo "phase=$phase jdk=$(basename "$jdk") cfg=$cfg rep=$rep wall_s=$wall cpu_s=$cpu" \
        "foreign_cpu_s=$foreign $pause $sp $(grep '^RESULT ' "$tmp/stdout" | sed 's/^RESULT //')" >>"$RUNS"
}

# alternate CFGS over REPS repetitions; repetition r starts at configuration r mod n, so no
# configuration always runs first or always follows the same one
alternate() { # phase reps "cfgs" "extra flags" -- args
    local phase=$1 reps=$2 cfgs=($3) extra=$4
    shift 4
    local n=${#cfgs[@]} r i jdk
    for jdk in $JDKS; do
        log "$phase: $(jdk_name "$jdk"), $reps x (${cfgs[*]})"
        for ((r = 0; r < reps; r++)); do
            for ((i = 0; i < n; i++)); do
                run_one "$phase" "$jdk" "${cfgs[$(((r + i) % n))]}" "$r" "$extra" "$@"
            done
        done
    done
}

profile() {
    local jdk=/usr/lib/jvm/java-17-openjdk-amd64 data="$OUT/perf-agent.data"
    command -v perf >/dev/null || { log "perf not found: no profile"; return 0; }
    log "profile: perf record (cpu-clock, 2 kHz) of DefineBench with the agent, $(jdk_name "$jdk")"
    # shellcheck disable=SC2086
    (cd "$OUT/classes" && perf record -q -F 2000 -e cpu-clock -g -o "$data" \
        "$jdk/bin/java" $HEAP -XX:+PreserveFramePointer \
        "-agentpath:$LIB=report=$OUT/tmp/perf-r.json,interval=0,log=quiet" \
        -cp . DefineBench loaders=50 classes=100 warmup=3 rounds=10 gc=round >"$OUT/perf-stdout" 2>&1)
    perf report -i "$data" --children --sort sym -g none --percent-limit 0.05 2>/dev/null \
        | grep -v '^#' | grep -v '^$' >"$OUT/perf-children.txt" || true
    perf report -i "$data" --no-children --sort dso -g none 2>/dev/null \
        | grep -v '^#' | grep -v '^$' >"$OUT/perf-dso.txt" || true
    perf report -i "$data" --no-children --dsos libmetaleak.so --sort sym -g none 2>/dev/null \
        | grep -v '^#' | grep -v '^$' >"$OUT/perf-agent-self.txt" || true
    local events loaded
    events=$(perf report -i "$data" --stdio --sort comm -g none 2>/dev/null | sed -n 's/^# Event count (approx.): //p')
    loaded=$(sed -n 's/.* loaded=\([0-9]*\).*/\1/p' "$OUT/perf-stdout")
    {
        echo "## Profile: DefineBench + agent, $(jdk_name "$jdk"), perf cpu-clock"
        echo
        echo "$events ns of CPU sampled, $loaded classes loaded."
        echo "Agent path per class = (ml_events_count_class inclusive + JvmtiExport::post_class_prepare self)"
        echo "x sampled CPU / classes:"
        awk -v ev="$events" -v n="$loaded" '
            $NF == "ml_events_count_class" { gsub("%", "", $1); inc = $1 }
            $NF == "JvmtiExport::post_class_prepare" { gsub("%", "", $2); self = $2 }
            END { printf "  ml_events_count_class %.2f%% -> %.3f us/class; post_class_prepare self %.2f%% -> %.3f us/class; total %.3f us/class\n",
                  inc, inc / 100 * ev / 1000 / n, self, self / 100 * ev / 1000 / n, (inc + self) / 100 * ev / 1000 / n }' \
            "$OUT/perf-children.txt"
        echo
        echo "share of all samples (children = inclusive):"
        echo '```'
        grep -E 'on_class_prepare|ml_replay_class_prepare|count_class|ml_track_loader_of|ml_track_class|ml_track_register|JvmtiExport::post_class_prepare|JvmtiTagMap::get_tag|jvmti_GetClassSignature|jvmti_GetTag|jvmti_GetClassLoader|jvmti_Deallocate|ml_metaspace_measure|ml_mspace_parse_metaspace|ml_report_render|factory_list|ml_mgmt_init|ml_inspect_closed|Java_java_lang_ClassLoader_defineClass1|InstanceKlass::link_class_impl' \
            "$OUT/perf-children.txt" | head -30
        echo '```'
        echo
        echo "self samples by shared object:"
        echo '```'
        head -12 "$OUT/perf-dso.txt"
        echo '```'
    } >"$OUT/profile.md"
    cat "$OUT/profile.md"
}

summarize() {
    python3 - "$RUNS" "$OUT" "$JDKS" <<'PY'
import statistics as st, sys, os, subprocess
runs, out, jdks = sys.argv[1], sys.argv[2], sys.argv[3].split()
rows = []
for line in open(runs):
    d = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    rows.append(d)
def vals(phase, jdk, cfg, key):
    return [float(r[key]) for r in rows if r["phase"] == phase and r["jdk"] == jdk
            and r["cfg"] == cfg and key in r and float(r[key]) >= 0]
def med(v): return st.median(v) if v else float("nan")
def spread(v): return f"{min(v):.2f}–{max(v):.2f}" if v else "-"
lines = []
p = lines.append
names = {}
for j in jdks:
    try:
        v = subprocess.run([j + "/bin/java", "-version"], capture_output=True, text=True).stderr.splitlines()[1]
    except Exception:
        v = j
    names[os.path.basename(j)] = v
cpu = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": \t")
p(f"machine: {os.cpu_count()} CPUs, {cpu}")
for k, v in names.items(): p(f"- {k}: {v}")
p("")
if any(r["phase"] == "startup" for r in rows):
    p("### startup: JVM start + exit doing nothing (the agent's fixed cost per JVM)")
    p("")
    p("| JDK | config | runs | wall s median (min–max) | Δ wall ms | CPU s median (min–max) | Δ CPU ms |")
    p("|---|---|---|---|---|---|---|")
    for j in names:
        bw, bc = med(vals("startup", j, "none", "wall_s")), med(vals("startup", j, "none", "cpu_s"))
        for c in ["none", "agent"]:
            w, cp = vals("startup", j, c, "wall_s"), vals("startup", j, c, "cpu_s")
            if not w: continue
            p(f"| {j} | {c} | {len(w)} | {med(w):.3f} ({spread(w)}) | {(med(w)-bw)*1e3:+.0f} | "
              f"{med(cp):.2f} ({spread(cp)}) | {(med(cp)-bc)*1e3:+.0f} |")
    p("")
if any(r["phase"] == "define" for r in rows):
    p("### define: wall and CPU per JVM run, µs/class inside the JVM (measured rounds)")
    p("")
    p("| JDK | config | runs | wall s median (min–max) | wall ratio | CPU s median (min–max) | CPU ratio | µs/class median (min–max) | Δ µs/class vs none | foreign CPU s (median) |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for j in names:
        base_w = med(vals("define", j, "none", "wall_s"))
        base_c = med(vals("define", j, "none", "cpu_s"))
        base_u = med(vals("define", j, "none", "us_per_class_median"))
        for c in ["none", "agent", "xlog", "jfr"]:
            w = vals("define", j, c, "wall_s")
            if not w: continue
            cp = vals("define", j, c, "cpu_s")
            u = vals("define", j, c, "us_per_class_median")
            f = vals("define", j, c, "foreign_cpu_s")
            p(f"| {j} | {c} | {len(w)} | {med(w):.2f} ({spread(w)}) | {med(w)/base_w:.3f} | "
              f"{med(cp):.2f} ({spread(cp)}) | {med(cp)/base_c:.3f} | {med(u):.1f} ({spread(u)}) | "
              f"{med(u)-base_u:+.2f} | {med(f):.2f} |")
    p("")
    # The issue's measure: wall time of the define loop itself (the measured rounds, timed inside
    # the JVM: no JVM start or exit). Paired: configuration c of repetition r against `none` of
    # the same repetition (neighbours in time), so slow phases of the machine cancel out.
    p("loop (measured rounds, timed in the JVM): median ms, ratio of medians, and the paired ratios "
      "(each repetition against `none` of the same repetition): median (min–max)")
    p("")
    p("| JDK | config | loop ms median (min–max) | ratio of medians | paired ratio median (min–max) |")
    p("|---|---|---|---|---|")
    for j in names:
        base = {r["rep"]: float(r["measured_ms"]) for r in rows if r["phase"] == "define" and
                r["jdk"] == j and r["cfg"] == "none" and "measured_ms" in r}
        for c in ["none", "agent", "xlog", "jfr"]:
            m = {r["rep"]: float(r["measured_ms"]) for r in rows if r["phase"] == "define" and
                 r["jdk"] == j and r["cfg"] == c and "measured_ms" in r}
            if not m or not base: continue
            pr = [m[k] / base[k] for k in m if k in base]
            p(f"| {j} | {c} | {med(list(m.values())):.0f} ({min(m.values()):.0f}–{max(m.values()):.0f}) | "
              f"{med(list(m.values()))/med(list(base.values())):.3f} | "
              f"{med(pr):.3f} ({min(pr):.3f}–{max(pr):.3f}) |")
    p("")
    for j in names:
        w = vals("define", j, "agent", "worker_cpu_measured_ms")
        rs = [r for r in rows if r["phase"] == "define" and r["jdk"] == j and r["cfg"] == "agent"]
        if w and rs:
            n = float(rs[0]["classes_per_round"]) * float(rs[0]["rounds"])
            p(f"- {j}: the agent's worker thread used {med(w):.1f} ms CPU (median; {spread(w)}) during the measured rounds "
              f"= {med(w)*1e3/n:.2f} µs per class defined, on another thread")
    p("")
    # per-class overhead from wall time: total classes defined in a run
    p("agent overhead per class from whole-run medians (wall and CPU difference / classes defined in the run):")
    for j in names:
        n = [float(r["loaded"]) for r in rows if r["phase"] == "define" and r["jdk"] == j and r["cfg"] == "agent"]
        if not n: continue
        dw = med(vals("define", j, "agent", "wall_s")) - med(vals("define", j, "none", "wall_s"))
        dc = med(vals("define", j, "agent", "cpu_s")) - med(vals("define", j, "none", "cpu_s"))
        line = f"- {j}: {med(n):.0f} classes per run; wall {dw*1e6/med(n):+.2f} µs/class, CPU {dc*1e6/med(n):+.2f} µs/class"
        sw, sc = vals("startup", j, "agent", "wall_s"), vals("startup", j, "agent", "cpu_s")
        if sw and vals("startup", j, "none", "wall_s"):
            fw = med(sw) - med(vals("startup", j, "none", "wall_s"))
            fc = med(sc) - med(vals("startup", j, "none", "cpu_s"))
            line += (f"; without the fixed per-JVM cost of the startup phase: wall {(dw-fw)*1e6/med(n):+.2f} µs/class, "
                     f"CPU {(dc-fc)*1e6/med(n):+.2f} µs/class")
        p(line)
    p("")
if any(r["phase"] == "loaders" for r in rows):
    p("### loaders: 300 URLClassLoaders x 73 classes from a directory, closed and dropped (DirLoaderBench)")
    p("")
    p("The loop is timed inside the JVM (no start or exit); paired: each repetition's agent run "
      "against the `none` run of the same repetition.")
    p("")
    p("| JDK | runs | loop ms none, median (min–max) | loop ms agent | ratio of medians | paired ratio median (min–max) | whole JVM wall ratio | CPU ratio | worker µs per loader: second half of the loop, median (min–max) | whole loop | foreign CPU s (median) |")
    p("|---|---|---|---|---|---|---|---|---|---|---|")
    for j in names:
        base = {r["rep"]: float(r["loop_ms"]) for r in rows if r["phase"] == "loaders" and
                r["jdk"] == j and r["cfg"] == "none" and "loop_ms" in r}
        ag = {r["rep"]: float(r["loop_ms"]) for r in rows if r["phase"] == "loaders" and
              r["jdk"] == j and r["cfg"] == "agent" and "loop_ms" in r}
        if not base or not ag: continue
        pr = [ag[k] / base[k] for k in ag if k in base]
        wl = [float(r["worker_cpu_late_ms"]) * 1e3 / float(r["late_loaders"]) for r in rows
              if r["phase"] == "loaders" and r["jdk"] == j and r["cfg"] == "agent"]
        wa = [float(r["worker_cpu_ms"]) * 1e3 / float(r["loaders"]) for r in rows
              if r["phase"] == "loaders" and r["jdk"] == j and r["cfg"] == "agent"]
        bv, av = list(base.values()), list(ag.values())
        f = vals("loaders", j, "none", "foreign_cpu_s") + vals("loaders", j, "agent", "foreign_cpu_s")
        p(f"| {j} | {len(av)} | {med(bv):.0f} ({min(bv):.0f}–{max(bv):.0f}) | {med(av):.0f} ({min(av):.0f}–{max(av):.0f}) | "
          f"{med(av)/med(bv):.3f} | {med(pr):.3f} ({min(pr):.3f}–{max(pr):.3f}) | "
          f"{med(vals('loaders', j, 'agent', 'wall_s'))/med(vals('loaders', j, 'none', 'wall_s')):.3f} | "
          f"{med(vals('loaders', j, 'agent', 'cpu_s'))/med(vals('loaders', j, 'none', 'cpu_s')):.3f} | "
          f"{med(wl):.1f} ({min(wl):.1f}–{max(wl):.1f}) | {med(wa):.1f} | {med(f):.2f} |")
    p("")
if any(r["phase"] == "gc" for r in rows):
    p("### gc: GC pause time per run (-Xlog:gc, all 'Pause' lines), GarbageCollectorMXBean time")
    p("")
    p("| JDK | config | runs | pauses (median) | sum of pauses ms median (min–max) | full GC pauses ms median (min–max) | MXBean GC ms median | ratio (sum) |")
    p("|---|---|---|---|---|---|---|---|")
    for j in names:
        b = med(vals("gc", j, "none", "gc_pause_ms"))
        for c in ["none", "agent"]:
            s = vals("gc", j, c, "gc_pause_ms")
            if not s: continue
            p(f"| {j} | {c} | {len(s)} | {med(vals('gc', j, c, 'gc_pauses')):.0f} | {med(s):.1f} ({spread(s)}) | "
              f"{med(vals('gc', j, c, 'gc_full_ms')):.1f} ({spread(vals('gc', j, c, 'gc_full_ms'))}) | "
              f"{med(vals('gc', j, c, 'gc_time_ms')):.0f} | {med(s)/b:.3f} |")
    p("")
if any(r["phase"] == "memory" for r in rows):
    p("### memory: 10 000 live loaders (1 class each), growth from before defining them to after (KB)")
    p("")
    p("| JDK | config | runs | RSS growth KB | NMT malloc growth KB | glibc in-use growth KB | non-JVM malloc growth KB (glibc − NMT − NMT headers) | worker CPU ms per s idle |")
    p("|---|---|---|---|---|---|---|---|")
    agg = {}
    for j in names:
        for c in ["none", "agent"]:
            rs = [r for r in rows if r["phase"] == "memory" and r["jdk"] == j and r["cfg"] == c]
            if not rs: continue
            rss = [float(r["rss_after_kb"]) - float(r["rss_before_kb"]) for r in rs]
            nmt = [float(r["nmt_malloc_after_kb"]) - float(r["nmt_malloc_before_kb"]) for r in rs]
            ovh = [float(r["nmt_overhead_after_kb"]) - float(r["nmt_overhead_before_kb"]) for r in rs]
            gl = [(float(r["glibc_inuse_after"]) - float(r["glibc_inuse_before"])) / 1024 for r in rs]
            other = [g - n - o for g, n, o in zip(gl, nmt, ovh)]
            w = [float(r["worker_cpu_ms"]) / float(r["idle_s"]) for r in rs if float(r["worker_cpu_ms"]) >= 0]
            agg[(j, c)] = (med(rss), med(nmt), med(gl), med(other), int(rs[0]["loaders"]))
            p(f"| {j} | {c} | {len(rs)} | {med(rss):.0f} ({spread(rss)}) | {med(nmt):.0f} | {med(gl):.0f} | "
              f"{med(other):.0f} ({spread(other)}) | {('%.2f' % med(w)) if w else '-'} |")
    p("")
    for j in names:
        if (j, "none") in agg and (j, "agent") in agg:
            a, b = agg[(j, "agent")], agg[(j, "none")]
            n = a[4]
            p(f"- {j}: agent − none per loader: RSS {(a[0]-b[0])*1024/n:+.0f} B, NMT malloc (JVM-side: tags, weak refs, JVMTI) "
              f"{(a[1]-b[1])*1024/n:+.0f} B, non-JVM malloc (the agent's registry and strings) {(a[3]-b[3])*1024/n:+.0f} B")
    p("")
rs = [r for r in rows if r["phase"] == "reports"]
if rs:
    p("### reports: agent with interval=1 and N live loaders (-Xlog:safepoint)")
    p("")
    p("| JDK | live loaders | VM.classloaders safepoints (n, max ms) | VM.metaspace safepoints (n, max ms) | worker CPU ms per s (1 report/s) |")
    p("|---|---|---|---|---|")
    for r in rs:
        p(f"| {r['jdk']} | {r['loaders']} | {r.get('sp_tree_n','-')}, {float(r.get('sp_tree_max_ms','nan')):.1f} | "
          f"{r.get('sp_meta_n','-')}, {float(r.get('sp_meta_max_ms','nan')):.1f} | "
          f"{float(r['worker_cpu_ms'])/float(r['idle_s']):.0f} |")
    p("")
rep = [r for r in rows if r["phase"] == "report"]
def fmt(v): return "not run" if float(v) < 0 else f"{float(v):.1f}"
if rep:
    p("### report: ml_report_render (bench/report_bench)")
    p("")
    p("| loaders | render ms median (min–max) | write ms | JSON bytes | registry bytes/loader | sizeof(struct ml_loader) | parse VM.metaspace ms | parse VM.classloaders ms |")
    p("|---|---|---|---|---|---|---|---|")
    for r in rep:
        p(f"| {r['loaders']} | {float(r['render_ms_median']):.1f} ({float(r['render_ms_min']):.1f}–{float(r['render_ms_max']):.1f}) | "
          f"{float(r['write_ms']):.1f} | {r['json_bytes']} | {float(r['bytes_per_loader']):.0f} | {r['sizeof_ml_loader']} | "
          f"{fmt(r['parse_metaspace_ms'])} | {fmt(r['parse_tree_ms'])} |")
    p("")
text = "\n".join(lines)
open(os.path.join(out, "summary.md"), "w").write(text + "\n")
print(text)
PY
}

START=$(date +%s)
log "results in $OUT"
build
echo "$(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT/machine.txt"

if [ "$MODE" = profile ]; then
    profile
    exit 0
fi

want startup && alternate startup "$STARTUP_REPS" "none agent" "" mode=startup
want define && alternate define "$REPS" "none agent xlog jfr" "" $DEFINE_ARGS
want loaders && MAIN=DirLoaderBench alternate loaders "$LOADERS_REPS" "none agent" "" \
    "$OUT/dirclasses" $LOADERS_ARGS
want gc && alternate gc "$REPS" "none agent" "-Xlog:gc:file=@TMP@/gc.log" $GC_ARGS
want memory && alternate memory "$MEM_REPS" "none agent" \
    "-XX:+AlwaysPreTouch -XX:NativeMemoryTracking=summary -XX:TieredStopAtLevel=1" $MEM_ARGS
want reports || REPORTS_LOADERS=
want report || REPORT_SIZES=
for n in $REPORTS_LOADERS; do
    alternate reports 1 "agent_i1" "-Xlog:safepoint:file=@TMP@/sp.log" \
        mode=memory loaders=$n classes=1 settle=1500 idle=4000
done
for n in $REPORT_SIZES; do
    log "report: $n loaders"
    # parsing VM.metaspace output is quadratic today: not at 100 000 loaders (minutes)
    echo "phase=report jdk=- cfg=- rep=0 $("$OUT/report_bench" loaders=$n reps=15 parse=$((n <= 20000)) \
        out="$OUT/tmp/report-$n.json" |
        grep '^RESULT ' | sed 's/^RESULT //')" >>"$RUNS"
done
[ "$MODE" = full ] && profile

echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg); elapsed $(($(date +%s) - START)) s" >>"$OUT/machine.txt"
summarize
cat "$OUT/machine.txt"
