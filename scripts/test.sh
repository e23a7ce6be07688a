#!/usr/bin/env bash
# Runs every metaleak test: the include-cycle and file-size check of src/, unit tests (CMocka),
# the real-JVM integration, stress, Metaspace and CLI tests on each JDK found (JAVA_HOME,
# javac/java on PATH, every JDK in /usr/lib/jvm; or the JAVA_HOMEs listed in METALEAK_TEST_JDKS,
# ';'-separated), a real Flink session cluster (1.20 and 2.x, jars from Maven
# Central), a short fuzzing run, then the unit and CLI tests again under AddressSanitizer +
# UBSan. Installs missing Debian packages when run as root.
# (CI also runs tests/fresh/run.sh and tests/release/run.sh: see .ci/run.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test
# No include cycle between modules (X.c + X.h), no source file over 600 lines.
python3 scripts/check_includes.py
export METALEAK_REQUIRE_SCHEMA=1
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMETALEAK_WERROR=ON \
      -DMETALEAK_TESTS=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j "$jobs" -LE flink
# A real Flink session cluster (two JVMs) on its own, so that load does not skew its timings.
ctest --test-dir build --output-on-failure -L flink

# Fuzzing, short: each libFuzzer target for a few seconds from the checked-in corpus
# (a long run is recorded in docs/reliability.md).
if command -v clang >/dev/null 2>&1; then
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DMETALEAK_FUZZ=ON \
          -DMETALEAK_TESTS=OFF >/dev/null
    cmake --build build-fuzz --target fuzz_options fuzz_config fuzz_report fuzz_known
    for target in options config report known; do
        corpus=$(mktemp -d)
        cp tests/fuzz/corpus/$target/* "$corpus"/
        status=0
        build-fuzz/tests/fuzz/fuzz_$target -max_total_time="${METALEAK_FUZZ_SECONDS:-30}" \
            "$corpus" >"$corpus.log" 2>&1 || status=$?
        grep -E "^Done|ERROR|SUMMARY" "$corpus.log" | sed "s/^/fuzz_$target: /" || true
        rm -rf "$corpus" "$corpus.log"
        if [ "$status" -ne 0 ]; then
            echo "fuzz_$target failed (exit $status): a crash or a refusal without message" >&2
            exit 1
        fi
    done
fi

# Last: the unit and CLI tests under AddressSanitizer + UBSan.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMETALEAK_WERROR=ON \
      -DMETALEAK_SANITIZE=ON -DMETALEAK_TESTS=ON >/dev/null
cmake --build build-asan
ctest --test-dir build-asan --output-on-failure -j "$jobs" -L "unit|cli"
