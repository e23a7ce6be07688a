#!/usr/bin/env bash
# The metaleak demo: builds the agent, deploys a leaky plugin three times and its fixed version
# twice in a JVM with the agent loaded, and prints what the exit report says.
# Installs missing Debian packages when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target metaleak >/dev/null

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

python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
print()
print("metaleak report %s (%s, trigger %s)" % (sys.argv[1], r["schema"], r["trigger"]))
print("  loaders: %d live, %d leaked, %d unloaded; classes live: %d"
      % (s["loaders_live"], s["leaked_loaders"], s["loaders_unloaded"], s["classes_live"]))
for leak in r["leaks"]:
    print("  LEAKED loader %d %s@%s: %d classes, urls %s, closed at %d ms, alive after %d full GC(s)"
          % (leak["loader_id"], leak["class"], leak["identity_hash"], leak["classes_live"],
             ",".join(leak["urls"]), leak["closed_ms"], leak["gcs_since_close"]))
for l in r["loaders"]:
    if l["state"] == "unloaded":
        print("  unloaded loader %d %s (%s)" % (l["id"], l["class"], ",".join(l["urls"])))
PY
