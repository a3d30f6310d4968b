#!/usr/bin/env bash
# test.sh - installs what is missing, builds with -Werror and runs every test; then
# checks the README and the package on a fresh Debian 12 root (debootstrap); then builds
# again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the tests again.
# This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test

echo "== format check (clang-format)"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
clang-format --dry-run -Werror $files

jobs=$(nproc)
run_suite() {
    local dir=$1; shift
    cmake -S . -B "$dir" -DLT_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$jobs" >/dev/null
    (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

echo "== build and test (gcc, -Werror)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== a fresh Debian 12 root: the README's first command, then the .deb (debootstrap)"
bash tests/integration/fresh/fresh_root.sh build || {
    rc=$?
    [ $rc = 77 ] || exit $rc # 77: no mirror reachable (a failure under LOADTAPE_REQUIRE_ALL=1)
}
echo "== build and test (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LT_SANITIZED=1 run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DLT_SANITIZE=ON
echo "== fuzz smoke (libFuzzer, a few seconds per target)"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} bash scripts/fuzz-smoke.sh
