#!/usr/bin/env bash
# Build the example Flink jobs into one jar with javac + jar, against a Flink classpath.
#   examples/flink-jobs/build.sh <flink-lib-dir> <out.jar>
# <flink-lib-dir> is the cluster classpath resolved by tests/flink/cluster.sh fetch
# (e.g. ~/.cache/metaleak/flink-1.20.5/lib).  Flink classes are NOT put in the jar
# (they are "provided" by the cluster, and org.apache.flink.* is parent-first anyway).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lib=${1:?usage: build.sh <flink-lib-dir> <out.jar>}
out=${2:?usage: build.sh <flink-lib-dir> <out.jar>}
[ -d "$lib" ] || { echo "build.sh: no such directory: $lib" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/classes" "$(dirname "$out")"
# --release 11: Flink 2.x needs Java 11+, Flink 1.20 runs on 11/17.
javac --release 11 -nowarn -encoding UTF-8 -cp "$lib/*" -d "$tmp/classes" \
    $(find "$here/src" -name '*.java' | sort)
jar --create --file "$out.tmp" -C "$tmp/classes" .
mv -f "$out.tmp" "$out"
echo "$out"
