#!/usr/bin/env bash
# Builds the release tarballs:
#   dist/metaleak-<version>-linux-x86_64.tar.gz   dist/metaleak-<version>-linux-aarch64.tar.gz
# each with a .sha256 beside it (`sha256sum -c` in dist/). Each holds one directory
# metaleak-<version>-linux-<arch>/ with lib/libmetaleak.so and the libcjson.so.1 it loads from
# its own directory, bin/metaleak, LICENSE, THIRD_PARTY_NOTICES, CHANGELOG.md, README.md, docs/
# and examples/.
#
#   scripts/release.sh [ARCH...]      (default: x86_64 aarch64)
#
# The version is project(VERSION) in CMakeLists.txt. The binaries need no glibc symbol newer
# than 2.17 (RHEL 7/8, Amazon Linux 2, every Flink image): they are built with `zig cc -target
# <arch>-linux-gnu.2.17` (ziglang from PyPI, pinned by version and hash, installed into a venv
# in the cache), against cJSON and libyaml built here for the same target from Debian 12's
# source packages (pinned by sha256 below; Debian's security patches applied). The CLI loads
# the system's libcurl at run time for `metaleak collect` (src/release/curl_dlopen.c).
# Every tarball is checked by tests/release/check_tarball.sh; the script fails on a tarball that
# does not pass (it stays in dist/ for inspection).
#
# Installs missing Debian packages when run as root (scripts/deps.sh release). Cache:
# $METALEAK_RELEASE_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/metaleak/release): the zig
# venv and its compiler cache, the downloaded sources. Work directory: build-release/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${METALEAK_RELEASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metaleak/release}
WORK=$ROOT/build-release
OUT=$ROOT/dist
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 aarch64)

die() { echo "release: $*" >&2; exit 1; }
log() { echo "release: $*" >&2; }

# ziglang 0.14.1 from PyPI: the wheels for the two machines this script runs on.
ZIG_VERSION=0.14.1
ZIG_HASHES=(
    6eb9d4d759b292c83810dbee2e9e8e3fbfbf01d864e6e9811bae711fd74e1c2f # manylinux_2_12_x86_64
    7994b27f3cbfcedea43f9b7552e38b45857bdf0e9a45065474092dd74e7048cf # manylinux_2_17_aarch64
)
# Debian 12 (bookworm) source packages: "<pool path> <sha256>". The .orig tarball is upstream's
# release; the .debian tarball carries Debian's patches (cJSON: the CVE fixes up to
# CVE-2025-57052), applied in the order of debian/patches/series.
DEBIAN_POOL=http://deb.debian.org/debian/pool/main
CJSON_VERSION=1.7.15 CJSON_DEBIAN=1.7.15-1+deb12u4
YAML_VERSION=0.2.5 YAML_DEBIAN=0.2.5-1
SOURCES=(
    "c/cjson/cjson_$CJSON_VERSION.orig.tar.gz 5308fd4bd90cef7aa060558514de6a1a4a0819974a26e6ed13973c5f624c24b2"
    "c/cjson/cjson_$CJSON_DEBIAN.debian.tar.xz afd19a970966cf534ff1e9ec077d710a5e7e78eb4ec9b499c8bdc32e55da12cb"
    "liby/libyaml/libyaml_$YAML_VERSION.orig.tar.gz fa240dbf262be053f3898006d502d514936c818e422afdcf33921c63bed9bf2e"
    "liby/libyaml/libyaml_$YAML_DEBIAN.debian.tar.xz 8730e0510129e516c3c7c1cda7428e02a0a122699e57ed203f835a338a686d1f"
)

for a in "${arches[@]}"; do
    case $a in x86_64|aarch64) ;; *) die "unknown architecture '$a' (x86_64, aarch64)" ;; esac
done

scripts/deps.sh release
t_start=$(date +%s)

# ---- the pinned sources ----
mkdir -p "$CACHE/src"
for entry in "${SOURCES[@]}"; do
    read -r path sum <<< "$entry"
    file="$CACHE/src/$(basename "$path")"
    if [ ! -f "$file" ] || ! echo "$sum  $file" | sha256sum -c --status; then
        log "downloading $DEBIAN_POOL/$path"
        curl -fsSL --retry 3 -o "$file.part" "$DEBIAN_POOL/$path" \
            || die "cannot download $DEBIAN_POOL/$path (a newer Debian update replaced it? pin the new version and sha256 in scripts/release.sh)"
        mv "$file.part" "$file"
    fi
    echo "$sum  $file" | sha256sum -c --status \
        || die "$file: sha256 is not the pinned $sum (pin the new file deliberately, or delete it to download again)"
done

# ---- zig ----
venv="$CACHE/zig-$ZIG_VERSION"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m ziglang version >/dev/null 2>&1; then
    log "installing ziglang==$ZIG_VERSION into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    req="$CACHE/ziglang-requirements.txt"
    { printf 'ziglang==%s' "$ZIG_VERSION"; printf ' --hash=sha256:%s' "${ZIG_HASHES[@]}"; echo; } > "$req"
    "$venv/bin/pip" install -q --disable-pip-version-check --require-hashes --only-binary=:all: \
        -r "$req" || die "pip could not install ziglang==$ZIG_VERSION"
fi
[ "$("$venv/bin/python" -m ziglang version)" = "$ZIG_VERSION" ] || die "zig in $venv is not $ZIG_VERSION"
export ZIG_GLOBAL_CACHE_DIR="$CACHE/zig-cache" ZIG_LOCAL_CACHE_DIR="$CACHE/zig-cache"

# The JDK whose jni.h/jvmti.h the agent compiles against (headers only; jni_md.h is the same
# for every Linux architecture): the one CMake finds for a source build.
mkdir -p "$WORK"
cmake -S . -B "$WORK/host" -G Ninja -DMETALEAK_TESTS=OFF >/dev/null
# knowngen (data/known-leaks.yaml -> C) runs during the build: the cross builds use this one.
cmake --build "$WORK/host" --target knowngen >/dev/null || die "could not build knowngen for this machine"
jvmti_include=$(sed -n 's/^JVMTI_INCLUDE_DIR:PATH=//p' "$WORK/host/CMakeCache.txt")
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$WORK/host/CMakeCache.txt")
[ -f "$jvmti_include/jvmti.h" ] || die "no jvmti.h in '$jvmti_include'"
[ -n "$version" ] || die "cannot read the project version from $WORK/host/CMakeCache.txt"
# libcurl's headers (architecture-independent) for the dlopen shim: copied, since the directory
# Debian puts them in also holds the host's glibc headers.
curl_h=$(echo '#include <curl/curl.h>' | cc -M -x c - 2>/dev/null | tr ' \\' '\n\n' | grep '/curl/curl.h$' | sed -n 1p)
[ -n "$curl_h" ] || die "no curl/curl.h (libcurl4-openssl-dev)"

# Reproducible: file times from the last commit, paths relative to the tree.
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH=$epoch

# ---- one architecture ----
build_arch() {
    local arch=$1 w="$WORK/$1" p="$WORK/$1/prefix" target="$1-linux-gnu.2.17"
    rm -rf "$w" && mkdir -p "$w/bin" "$p/include/cjson" "$p/lib" "$w/src"
    # Compiler wrappers: CMake and the dependency builds call these like a cross gcc.
    # zig's linker front end refuses -Wl,--exclude-libs,ALL; the agent's version script
    # (src/agent/exports.map) already makes every symbol but the three entry points local, which
    # tests/release/check_tarball.sh verifies.
    cat > "$w/bin/cc" <<EOF
#!/bin/sh
for a in "\$@"; do
    shift
    [ "\$a" = "-Wl,--exclude-libs,ALL" ] || set -- "\$@" "\$a"
done
exec "$venv/bin/python" -m ziglang cc -target $target "\$@"
EOF
    printf '#!/bin/sh\nexec "%s" -m ziglang %s "$@"\n' "$venv/bin/python" ar > "$w/bin/ar"
    printf '#!/bin/sh\nexec "%s" -m ziglang %s "$@"\n' "$venv/bin/python" ranlib > "$w/bin/ranlib"
    chmod +x "$w/bin/cc" "$w/bin/ar" "$w/bin/ranlib"
    local cc="$w/bin/cc" cflags=(-O2 -g0 -fPIC "-ffile-prefix-map=$w=." "-ffile-prefix-map=$ROOT=.")

    # cJSON: libcjson.so.1 (shipped beside the agent, as in a source build's dist/lib), only
    # its API exported (upstream's ENABLE_PUBLIC_SYMBOLS).
    tar -xzf "$CACHE/src/cjson_$CJSON_VERSION.orig.tar.gz" -C "$w/src"
    local cj="$w/src/cJSON-$CJSON_VERSION"
    tar -xJf "$CACHE/src/cjson_$CJSON_DEBIAN.debian.tar.xz" -C "$cj"
    apply_series "$cj"
    "$cc" "${cflags[@]}" -std=c89 -fvisibility=hidden -DCJSON_API_VISIBILITY -shared \
        -Wl,-soname,libcjson.so.1 -o "$p/lib/libcjson.so.1" "$cj/cJSON.c" -lm
    cp "$cj/cJSON.h" "$p/include/cjson/"

    # libyaml: a static archive, linked into the agent and the CLI (as in a source build).
    tar -xzf "$CACHE/src/libyaml_$YAML_VERSION.orig.tar.gz" -C "$w/src"
    local ym="$w/src/libyaml-$YAML_VERSION" o
    tar -xJf "$CACHE/src/libyaml_$YAML_DEBIAN.debian.tar.xz" -C "$ym"
    apply_series "$ym"
    printf '#define YAML_VERSION_MAJOR %s\n#define YAML_VERSION_MINOR %s\n#define YAML_VERSION_PATCH %s\n#define YAML_VERSION_STRING "%s"\n' \
        ${YAML_VERSION//./ } "$YAML_VERSION" > "$ym/src/config.h"
    for o in api dumper emitter loader parser reader scanner writer; do
        "$cc" "${cflags[@]}" -fvisibility=hidden -DHAVE_CONFIG_H=1 -DYAML_DECLARE_STATIC -I"$ym/include" \
            -I"$ym/src" -c "$ym/src/$o.c" -o "$w/src/yaml-$o.o"
    done
    "$w/bin/ar" rcs "$p/lib/libyaml.a" "$w"/src/yaml-*.o
    cp "$ym/include/yaml.h" "$p/include/"

    # libcurl through dlopen (src/release/curl_dlopen.c), given to CMake as "the" libcurl.
    mkdir -p "$p/include/curl"
    cp "$(dirname "$curl_h")"/*.h "$p/include/curl/"
    "$cc" "${cflags[@]}" -std=c11 -Wall -Wextra -Werror -fvisibility=hidden -I"$p/include" \
        -c src/release/curl_dlopen.c -o "$w/src/curl_dlopen.o"
    "$w/bin/ar" rcs "$p/lib/libmetaleak_curl.a" "$w/src/curl_dlopen.o"

    cat > "$w/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR $arch)
set(CMAKE_C_COMPILER "$w/bin/cc")
set(CMAKE_AR "$w/bin/ar" CACHE FILEPATH "")
set(CMAKE_RANLIB "$w/bin/ranlib" CACHE FILEPATH "")
EOF
    # -ldl: dlopen lives in libdl.so.2 before glibc 2.34. -s: no symbol tables or debug info.
    cmake -S . -B "$w/build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$w/toolchain.cmake" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMETALEAK_WERROR=ON -DMETALEAK_TESTS=OFF \
        -DCMAKE_C_FLAGS="-ffile-prefix-map=$ROOT=. -ffile-prefix-map=$w=. -Wno-error=format-nonliteral" \
        -DCMAKE_EXE_LINKER_FLAGS="-ldl -s" -DCMAKE_SHARED_LINKER_FLAGS="-s" \
        -DJVMTI_INCLUDE_DIR="$jvmti_include" -DJNI_MD_INCLUDE_DIR="$jvmti_include/linux" \
        -DCJSON_INCLUDE_DIR="$p/include" -DCJSON_LIBRARY="$p/lib/libcjson.so.1" \
        -DYAML_INCLUDE_DIR="$p/include" -DYAML_STATIC_LIBRARY="$p/lib/libyaml.a" \
        -DYAML_SHARED_LIBRARY="$p/lib/libyaml.a" \
        -DCURL_INCLUDE_DIR="$p/include" -DCURL_LIBRARY="$p/lib/libmetaleak_curl.a" \
        -DCURL_NO_CURL_CMAKE=ON -DML_KNOWNGEN="$WORK/host/knowngen" >"$w/configure.log" || { cat "$w/configure.log" >&2; die "configure failed ($arch)"; }
    cmake --build "$w/build" --target metaleak metaleak_cli >"$w/build.log" 2>&1 \
        || { tail -40 "$w/build.log" >&2; die "build failed ($arch), see $w/build.log"; }
    cmake --install "$w/build" --prefix "$w/install" >/dev/null

    local name="metaleak-$version-linux-$arch" s="$w/stage/metaleak-$version-linux-$arch"
    mkdir -p "$s/lib" "$s/bin"
    cp "$w/install/lib/libmetaleak.so" "$w/install/lib/libcjson.so.1" "$s/lib/"
    cp "$w/install/bin/metaleak" "$s/bin/"
    cp LICENSE THIRD_PARTY_NOTICES CHANGELOG.md README.md "$s/"
    copy_tree docs "$s" && copy_tree examples "$s"
    mkdir -p "$OUT"
    rm -f "$OUT/$name.tar.gz" "$OUT/$name.tar.gz.sha256"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
        --mode='u+rwX,go+rX,go-w' -C "$w/stage" -cf - "$name" | gzip -n -9 > "$OUT/$name.tar.gz.part"
    mv "$OUT/$name.tar.gz.part" "$OUT/$name.tar.gz"
    (cd "$OUT" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
    tests/release/check_tarball.sh "$OUT/$name.tar.gz" >&2 \
        || die "$OUT/$name.tar.gz failed its checks (kept for inspection)"
}

# apply_series DIR: Debian's quilt patches of an unpacked source package, in order.
apply_series() {
    local dir=$1 patch
    [ -f "$dir/debian/patches/series" ] || return 0
    while read -r patch _; do
        case $patch in ''|'#'*) continue ;; esac
        patch -s -p1 -d "$dir" < "$dir/debian/patches/$patch" || die "$patch does not apply in $dir"
    done < "$dir/debian/patches/series"
}

# copy_tree DIR DEST: the files of DIR that git tracks (all of DIR outside a git checkout).
copy_tree() {
    local dir=$1 dest=$2
    if git rev-parse --git-dir >/dev/null 2>&1; then
        git ls-files -z -- "$dir" | (cd "$ROOT" && xargs -0 cp --parents -t "$dest")
    else
        cp -R "$dir" "$dest/"
    fi
}

# The notices must carry the very license texts of the sources built here.
notices_has() { # FILE: every line of it appears, in order, in THIRD_PARTY_NOTICES
    python3 - "$1" THIRD_PARTY_NOTICES <<'PY' || die "THIRD_PARTY_NOTICES lacks the text of $1"
import sys
want = [l.rstrip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
have = [l.rstrip() for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
text = "\n".join(have)
sys.exit(0 if "\n".join(want) in text else 1)
PY
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$CACHE/src/cjson_$CJSON_VERSION.orig.tar.gz" -C "$tmp" "cJSON-$CJSON_VERSION/LICENSE"
tar -xzf "$CACHE/src/libyaml_$YAML_VERSION.orig.tar.gz" -C "$tmp" "libyaml-$YAML_VERSION/License"
notices_has "$tmp/cJSON-$CJSON_VERSION/LICENSE"
notices_has "$tmp/libyaml-$YAML_VERSION/License"

for arch in "${arches[@]}"; do
    t0=$(date +%s)
    log "building metaleak $version for $arch (glibc 2.17)"
    build_arch "$arch"
    log "dist/metaleak-$version-linux-$arch.tar.gz in $(( $(date +%s) - t0 )) s"
done
log "done in $(( $(date +%s) - t_start )) s:"
for arch in "${arches[@]}"; do
    cat "$OUT/metaleak-$version-linux-$arch.tar.gz.sha256"
done
