#!/usr/bin/env bash
# demo.sh - installs what is missing, builds loadtape and runs its demo on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
# Tests and benchmarks are off: their packages (cmocka, nginx, ...) are test.sh's to install.
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLT_TESTS=OFF -DLT_BENCH=OFF >/dev/null
cmake --build build-demo -j "$(nproc)" >/dev/null
exec ./build-demo/cli/loadtape demo
