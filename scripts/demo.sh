#!/usr/bin/env bash
# The metaleak demo: a local Flink session cluster (JobManager + TaskManager, Flink 1.20.5 from
# Maven Central module jars, tests/flink/cluster.sh) with the agent on the TaskManager. It
# submits the example jobs of examples/flink-jobs (two that leak a thread, one a JDK static
# cache, one a JDBC driver, one a shutdown hook, and a clean one), stops the TaskManager so the
# agent writes its exit report, and prints `metaleak summary`: what leaked, why (the reference
# path from a GC root), and the fix.
#
#   scripts/demo.sh [--plugin]
#
# --plugin (or no Maven Central): the small plugin-host demo instead (examples/plugin-leak), one
# JVM, no Flink. Installs missing Debian packages when run as root; prints the apt-get line
# otherwise. Environment: FLINK_VERSION (default 1.20.5), DEMO_DIR (default build/demo).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FLINK_VERSION=${FLINK_VERSION:-1.20.5}
out=${DEMO_DIR:-$ROOT/build/demo}

plugin_demo() {
    local ex=examples/plugin-leak
    rm -rf "$out" && mkdir -p "$out/host" "$out/leaky" "$out/clean"
    javac --release 11 -d "$out/host" "$ex/host/demo/PluginHost.java"
    javac --release 11 -d "$out/leaky" "$ex/leaky/demo/leaky/MetricsPlugin.java"
    javac --release 11 -d "$out/clean" "$ex/clean/demo/clean/MetricsPlugin.java"
    jar --create --file "$out/leaky.jar" -C "$out/leaky" .
    jar --create --file "$out/clean.jar" -C "$out/clean" .
    local report="$out/metaleak-demo.json"
    java -agentpath:"$ROOT/build/libmetaleak.so=report=$report" \
        -cp "$out/host" demo.PluginHost \
        "$out/leaky.jar" demo.leaky.MetricsPlugin 3 \
        "$out/clean.jar" demo.clean.MetricsPlugin 2
    echo
    build/bin/metaleak summary "$report"
    echo
    echo "report: $report"
}

# Only what the demo needs: the build packages, Maven (Flink's jars), Python and curl (the
# cluster harness). Tests stay off unless the build directory was configured with them.
scripts/deps.sh demo
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target metaleak metaleak_cli >/dev/null

if [ "${1:-}" = --plugin ]; then
    plugin_demo
    exit 0
fi

cluster=tests/flink/cluster.sh
if ! lib=$("$cluster" fetch "$FLINK_VERSION"); then
    echo "demo: cannot resolve Flink $FLINK_VERSION from Maven Central; running the plugin demo" >&2
    plugin_demo
    exit 0
fi
rm -rf "$out" && mkdir -p "$out"
jobs_jar="$out/flink-jobs.jar"
examples/flink-jobs/build.sh "$lib" "$jobs_jar" >/dev/null
wd="$out/flink"
export METALEAK_FLINK_WORKDIR="$wd"
trap '"$cluster" -w "$wd" stop >/dev/null 2>&1 || true' EXIT
echo "starting a Flink $FLINK_VERSION session cluster with the agent on the TaskManager ($wd)"
"$cluster" start "$FLINK_VERSION" "$wd" "$ROOT/build/libmetaleak.so" "interval=0" >/dev/null
for job in ThreadLeakJob ThreadLeakJob StaticCacheJob JdbcJob HookJob CleanJob; do
    jid=$("$cluster" submit "$jobs_jar" "io.metaleak.flinkjobs.$job")
    state=$("$cluster" wait-finished "$jid" | awk '{print $NF}')
    printf '  %-16s job %s %s\n' "$job" "$jid" "$state"
done
tm_pid=$(cat "$wd/tm.pid")
echo "stopping the TaskManager (the agent proves the leaks and writes its exit report)"
"$cluster" -w "$wd" stop-tm >/dev/null
"$cluster" -w "$wd" stop >/dev/null || true
trap - EXIT
report="$wd/log/metaleak-$tm_pid.json"
echo
build/bin/metaleak summary "$report"
page="$(dirname "$report")/metaleak.html"
build/bin/metaleak html -o "$page" "$report"
echo
echo "report: $report"
echo "page:   $page (open it in a browser: the Metaspace chart and every leak's path)"
