#!/usr/bin/env bash
# The metaleak demo: builds the agent, deploys a leaky plugin three times and its fixed version
# twice in a JVM with the agent loaded, and prints the triage summary of the exit report.
# Installs missing Debian packages when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target metaleak metaleak_cli >/dev/null

ex=examples/plugin-leak
out=build/demo
rm -rf "$out"
mkdir -p "$out/host" "$out/leaky" "$out/clean"
javac --release 11 -d "$out/host" "$ex/host/demo/PluginHost.java"
javac --release 11 -d "$out/leaky" "$ex/leaky/demo/leaky/MetricsPlugin.java"
javac --release 11 -d "$out/clean" "$ex/clean/demo/clean/MetricsPlugin.java"
jar --create --file "$out/leaky.jar" -C "$out/leaky" .
jar --create --file "$out/clean.jar" -C "$out/clean" .

report="$PWD/$out/metaleak-demo.json"
java -agentpath:"$PWD/build/libmetaleak.so=report=$report" \
     -cp "$out/host" demo.PluginHost \
     "$out/leaky.jar" demo.leaky.MetricsPlugin 3 \
     "$out/clean.jar" demo.clean.MetricsPlugin 2

echo
build/bin/metaleak summary "$report"
echo
echo "report: $report"
