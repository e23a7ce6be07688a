#!/usr/bin/env bash
# Makes sure the Debian packages metaleak builds and tests with are installed.
# As root it installs what is missing; otherwise it prints the exact command and fails.
# Usage: scripts/deps.sh [build|demo|test|release|fresh]
#   build    the agent and the CLI (tests off): what README.md lists for building by hand
#   demo     build + what scripts/demo.sh runs the Flink cluster with (Maven, Python, curl)
#   test     demo + what the test suite needs (CMocka, jsonschema, PyYAML, clang and its runtimes)
#   release  build + what scripts/release.sh and tests/release need (venv for zig, qemu, objdump)
#   fresh    build + what tests/fresh needs (debootstrap, git)
set -euo pipefail

profile=${1:-build}
want=(cmake ninja-build gcc libc6-dev openjdk-17-jdk-headless libcjson-dev libyaml-dev libcurl4-openssl-dev)
case $profile in
    build) ;;
    demo) want+=(maven python3 curl) ;;
    test) want+=(maven python3 curl libcmocka-dev python3-jsonschema python3-yaml openssl clang chromium) ;;
    release) want+=(python3 python3-venv curl ca-certificates xz-utils patch binutils
                    binutils-aarch64-linux-gnu qemu-user-static) ;;
    fresh) want+=(debootstrap git ca-certificates) ;;
    *) echo "usage: scripts/deps.sh [build|demo|test|release|fresh] (unknown profile '$profile')" >&2
       exit 2 ;;
esac

# install PKG...: installs the packages of the list that are missing (as root), or prints the
# apt-get line and fails.
install() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "metaleak: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "metaleak: missing Debian packages; run:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

install "${want[@]}"

# The fuzz targets need clang's runtime libraries (libFuzzer, ASan), which Debian ships apart
# from clang, in libclang-rt-<major>-dev (not pulled in with --no-install-recommends).
if [ "$profile" = test ]; then
    major=$(clang --version | sed -n 's/.*clang version \([0-9]*\)\..*/\1/p' | head -1)
    [ -n "$major" ] || { echo "metaleak: cannot tell clang's version" >&2; exit 1; }
    install "libclang-rt-$major-dev"
fi
