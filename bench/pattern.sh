#!/usr/bin/env bash
# pattern.sh - STIX Patterning benchmark (bench/pattern.c): builds it with
# -O2 against libkizuna.a from the build folder given as $1 (a release
# build: `make build` or `cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo`) and runs it
# pinned to one core.
#
#   bench/pattern.sh BUILD_DIR [-n OBSERVATIONS] [-s SEED]
#
# Figures go to stdout and to bench/out/pattern-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: bench/pattern.sh BUILD_DIR [-n OBSERVATIONS] [-s SEED]}
shift
case "$build" in /*) ;; *) build="$root/$build" ;; esac
lib="$build/libkizuna.a"
if [ ! -f "$lib" ]; then
    cmake --build "$build" --target kizuna_lib >&2
fi
out="$root/bench/out"
mkdir -p "$out"
cc=${CC:-cc}
# The link line of libkizuna's dependencies (CMakeLists.txt's pkg-config list).
deps=$(pkg-config --libs sqlite3 libsodium uuid libpcre2-8 libmicrohttpd libcurl gnutls libpsl libhs libpq)
"$cc" -O2 -std=gnu11 -D_GNU_SOURCE -I"$root/include" "$root/bench/pattern.c" "$lib" $deps -lpthread -lm \
    -o "$out/pattern"
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
{
    echo "host: $(uname -srm), $(nproc) cores, $("$cc" --version | head -1)"
    echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "command: bench/pattern.sh $build $*"
    echo
    "${pin[@]}" "$out/pattern" "$@"
} | tee "$out/pattern-results.md"
