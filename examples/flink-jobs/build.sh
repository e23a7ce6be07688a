#!/usr/bin/env bash
# Build the example Flink jobs into one jar with javac + jar, against a Flink classpath.
#   examples/flink-jobs/build.sh <flink-lib-dir> <out.jar> [h2.jar]
# <flink-lib-dir> is the cluster classpath resolved by tests/flink/cluster.sh fetch
# (e.g. ~/.cache/metaleak/flink-1.20.5/lib).  Flink classes are NOT put in the jar
# (they are "provided" by the cluster, and org.apache.flink.* is parent-first anyway).
#
# The H2 JDBC driver (com.h2database:h2, for JdbcJob / JdbcFixedJob) IS put in the jar, unpacked
# the way maven-shade-plugin bundles a dependency (not relocated: a driver's package stays what
# JDBC URLs and parent-first patterns name).  [h2.jar] or $H2_JAR names the driver jar; without
# either it is resolved once from Maven Central with mvn into
# ${METALEAK_FLINK_CACHE:-~/.cache/metaleak}/jars/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lib=${1:?usage: build.sh <flink-lib-dir> <out.jar> [h2.jar]}
out=${2:?usage: build.sh <flink-lib-dir> <out.jar> [h2.jar]}
h2=${3:-${H2_JAR:-}}
H2_VERSION=2.5.252
[ -d "$lib" ] || { echo "build.sh: no such directory: $lib" >&2; exit 2; }
if [ -z "$h2" ]; then
    cache=${METALEAK_FLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metaleak}/jars
    h2="$cache/h2-$H2_VERSION.jar"
    if [ ! -f "$h2" ]; then
        command -v mvn >/dev/null || { echo "build.sh: mvn not found (needed once to fetch the H2 driver; or pass h2.jar)" >&2; exit 2; }
        mkdir -p "$cache"
        mvn -q -B dependency:copy -Dartifact="com.h2database:h2:$H2_VERSION:jar" -DoutputDirectory="$cache" >&2 \
            || { echo "build.sh: could not fetch com.h2database:h2:$H2_VERSION" >&2; exit 2; }
    fi
fi
[ -f "$h2" ] || { echo "build.sh: no such file: $h2" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/classes" "$(dirname "$out")"
# --release 11: Flink 2.x needs Java 11+, Flink 1.20 runs on 11/17.
javac --release 11 -nowarn -encoding UTF-8 -cp "$lib/*" -d "$tmp/classes" \
    $(find "$here/src" -name '*.java' | sort)
# Shade H2 in: its classes, META-INF/services/java.sql.Driver and the Java 21 class under
# META-INF/versions (hence Multi-Release below); not its manifest or signature files.
h2=$(cd "$(dirname "$h2")" && pwd)/$(basename "$h2")
(cd "$tmp/classes" && jar xf "$h2" && rm -f META-INF/MANIFEST.MF META-INF/*.SF META-INF/*.RSA META-INF/*.DSA META-INF/*.EC)
printf 'Multi-Release: true\n' > "$tmp/manifest.txt"
jar --create --file "$out.tmp" --manifest "$tmp/manifest.txt" -C "$tmp/classes" .
mv -f "$out.tmp" "$out"
echo "$out"
