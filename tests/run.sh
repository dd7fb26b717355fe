#!/usr/bin/env bash
# The test command: installs missing Debian packages, builds, and runs every test with ctest.
#   tests/run.sh                 Release build in build/, all tests
#   tests/run.sh asan            ASan+UBSan build in build-asan/, every test but the Python ones
#   tests/run.sh tsan            TSan build in build-tsan/, the concurrency and crash tests
#   tests/run.sh fuzz [SECONDS]  libFuzzer build (clang-16) in build-fuzz/, each target for SECONDS
#   tests/run.sh thread-safety   clang-16 build in build-tsa/ of the engine and the library with the
#                                thread-safety analysis as errors (engine/thread_annotations.h); no tests
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-release}
jobs=$(nproc)
werror=-DSTRATA_WERROR=$([[ "${CI:-}" == true ]] && echo ON || echo OFF)
# A compiler cache where the machine has one (optional, not installed here): paths relative to the
# clone, so that a fresh clone reuses what another clone compiled.
if command -v ccache >/dev/null; then
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
fi
case "$mode" in
  release)
    .ci/install-deps
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$werror" >/dev/null
    cmake --build build -j "$jobs"
    ctest --test-dir build -j "$jobs" --output-on-failure --timeout 600
    ;;
  asan)
    .ci/install-deps
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=address,undefined "$werror" >/dev/null
    cmake --build build-asan -j "$jobs"
    # /usr/bin/python3 is not built with ASan, so it cannot load an ASan-built libstrata.so: the
    # Python tests run in the release configuration; the C++ SQL and ABI tests cover that code here.
    # The same holds for the Go and Node.js bindings' tests, and for the tests that load the
    # library into Python's sqlite3 (readme.blocks; cli_issue_20 compares the CLI with SQL).
    ctest --test-dir build-asan -j "$jobs" --output-on-failure --timeout 900 \
      -E '^(python\.|sql\.python|go\.|node\.|readme\.|cli_issue_20$)'
    ;;
  tsan)
    .ci/install-deps
    cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=thread "$werror" >/dev/null
    cmake --build build-tsan -j "$jobs"
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
      ctest --test-dir build-tsan -j "$jobs" --output-on-failure --timeout 900 -L 'concurrency|crash'
    ;;
  thread-safety)
    .ci/install-deps --fuzz
    # The analysis needs no optimiser: -O0 without debug info compiles fastest.
    CC=clang-16 CXX=clang++-16 cmake -S . -B build-tsa -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS_DEBUG=-O0 -DCMAKE_CXX_FLAGS_DEBUG=-O0 \
      -DSTRATA_THREAD_SAFETY=ON -DSTRATA_BUILD_TESTS=OFF "$werror" >/dev/null
    cmake --build build-tsa -j "$jobs" --target strata_engine strata
    ;;
  fuzz)
    .ci/install-deps --fuzz
    seconds=${2:-30}
    CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSTRATA_BUILD_FUZZERS=ON -DSTRATA_SANITIZE=address,undefined >/dev/null
    targets=$(ninja -C build-fuzz -t targets all | sed -n 's/^\([a-z0-9_]*_fuzz\): .*/\1/p' | sort -u)
    cmake --build build-fuzz -j "$jobs" --target $targets
    for f in build-fuzz/tests/fuzz/*_fuzz; do
      name=$(basename "$f" _fuzz)
      work=$(mktemp -d)
      cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
      echo "fuzzing $name for ${seconds}s" >&2
      "$f" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 "$work" 2>&1 | tail -4 \
        || { echo "fuzzer $name found a failure" >&2; exit 1; }
      rm -rf "$work"
    done
    ;;
  *) echo "unknown mode: $mode" >&2; exit 2 ;;
esac
