#!/usr/bin/env bash
# Runs every metaleak test: unit tests (CMocka) and the real-JVM integration tests on each JDK
# found (OpenJDK 17 and the Temurin JDK beside it), the CLI tests, then the unit and CLI tests
# again under AddressSanitizer + UBSan. Installs missing Debian packages when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test
export METALEAK_REQUIRE_SCHEMA=1
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMETALEAK_WERROR=ON \
      -DMETALEAK_TESTS=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j "$jobs"

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMETALEAK_WERROR=ON \
      -DMETALEAK_SANITIZE=ON -DMETALEAK_TESTS=ON >/dev/null
cmake --build build-asan
ctest --test-dir build-asan --output-on-failure -j "$jobs" -L "unit|cli"
