#!/usr/bin/env bash
# validate.sh - throughput and memory of `kizuna validate` on one large bundle,
# next to plain JSON parsing in Python (the json module the OASIS
# stix2-validator builds on) on the same file in the same run.
#
#   bench/validate.sh BUILD_DIR          (make bench runs it through bench/run.sh)
#
# Environment: KZ_BENCH_OBJECTS (default 1000000 objects, about 1.2 GB),
# KZ_BENCH_SEED (default 1), KZ_BENCH_SKIP_PYTHON=1 to skip the baseline.
# The workload comes from bench/gen_bundle.c, built here with cc -O2; a
# 20,000-object sample of it is first checked with bench/check_bundle.py.
# Figures go to stdout and to bench/out/validate-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
kizuna="$build/kizuna"
out="$root/bench/out"
objects=${KZ_BENCH_OBJECTS:-1000000}
seed=${KZ_BENCH_SEED:-1}
mkdir -p "$out"

say() { printf 'validate.sh: %s\n' "$*" >&2; }

# One core, as the target says; taskset when there is one.
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi

# 1. The generator and its output, checked on a sample.
cc -O2 -Wall -Wextra -o "$out/gen_bundle" "$root/bench/gen_bundle.c" -luuid
"$out/gen_bundle" -n 20000 -s "$seed" -o "$out/sample.json" 2>/dev/null
python3 "$root/bench/check_bundle.py" "$out/sample.json" >&2

bundle="$out/bundle-$objects-$seed.json"
if [ ! -s "$bundle" ] || [ "$bundle" -ot "$out/gen_bundle" ]; then
  say "generating $objects objects (seed $seed) into $bundle"
  "$out/gen_bundle" -n "$objects" -s "$seed" -o "$bundle.tmp"
  mv "$bundle.tmp" "$bundle"
fi
bytes=$(stat -c %s "$bundle")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
say "bundle: $objects objects, $bytes bytes ($mb MB)"
cat "$bundle" >/dev/null # in the page cache for both contenders

# Runs "$@" under /usr/bin/time -v; sets secs, rss_mb and status.
measure() {
  local tf="$out/time.$$"
  local t0 t1
  t0=$(date +%s.%N)
  set +e
  /usr/bin/time -v -o "$tf" "$@" >"$out/last.stdout" 2>"$out/last.stderr"
  status=$?
  set -e
  t1=$(date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  rss_mb=$(awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$tf")
  rm -f "$tf"
}

# rate N SECONDS [DECIMALS]
rate() { awk -v n="$1" -v s="$2" -v d="${3:-1}" 'BEGIN { if (s > 0) printf "%.*f", d, n / s; else print "inf" }'; }

host="$(uname -srm); $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); $(nproc) cores"
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# The tree the binary was built from; "-dirty" when it had uncommitted edits.
rev=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
res="$out/validate-results.md"
{
  echo "## validate ($date)"
  echo
  echo "Host: $host. Bundle: $objects objects, $bytes bytes ($mb MB), seed $seed, from bench/gen_bundle.c."
  echo "Command: \`bench/validate.sh $1\` (pinned with \`${pin[*]:-no taskset}\`); source $rev."
  echo
  echo "| contender | seconds | MB/s | objects/s | peak RSS (MB) | exit |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
} >"$res"

k_secs=""
if [ -x "$kizuna" ] && "$kizuna" validate --help >/dev/null 2>&1; then
  measure "${pin[@]}" "$kizuna" validate "$bundle"
  k_secs=$secs
  echo "| kizuna validate | $secs | $(rate "$mb" "$secs") | $(rate "$objects" "$secs" 0) | $rss_mb | $status |" >>"$res"
  if [ "$status" -ne 0 ]; then
    say "kizuna validate exited $status on a bundle that should be valid; its last words:"
    tail -n 5 "$out/last.stderr" >&2 || true
  fi
else
  say "no '$kizuna' with a working 'validate' subcommand: kizuna figures pending"
  echo "| kizuna validate | pending: not built | | | | |" >>"$res"
  status=0
fi
k_status=$status

if [ "${KZ_BENCH_SKIP_PYTHON:-0}" != 1 ]; then
  measure "${pin[@]}" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$bundle"
  p_secs=$secs
  echo "| python3 json.load | $secs | $(rate "$mb" "$secs") | $(rate "$objects" "$secs" 0) | $rss_mb | $status |" >>"$res"
  if [ -n "$k_secs" ]; then
    echo >>"$res"
    echo "kizuna validate is $(awk -v p="$p_secs" -v k="$k_secs" 'BEGIN { printf "%.1f", p / k }')x the speed of plain JSON parsing in Python (which does no STIX validation at all)." >>"$res"
  fi
fi

cat "$res"
[ "$k_status" -eq 0 ]
