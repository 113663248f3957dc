#!/usr/bin/env bash
# run.sh - runs every benchmark bench/*.sh with the build folder as $1
# (`make bench` calls `bench/run.sh build`). Stops at the first failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: bench/run.sh BUILD_DIR}
for b in "$here"/*.sh; do
  [ "$(basename "$b")" = run.sh ] && continue
  echo "== $(basename "$b" .sh)"
  bash "$b" "$build"
done
