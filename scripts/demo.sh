#!/usr/bin/env bash
# demo.sh - installs what is missing, builds loadtape and runs its demo on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
exec ./build/cli/loadtape demo
