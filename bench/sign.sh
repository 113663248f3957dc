#!/usr/bin/env bash
# sign.sh - end-to-end signature throughput: `kizuna sign` and `kizuna
# verify` on the ATT&CK for ICS bundle (objects/s, whole command: read,
# parse, canonicalise, Ed25519, write), next to `kizuna validate` on the same
# file (the cost of reading and checking each object, no crypto) and to raw
# Ed25519 operations on this CPU (`openssl speed ed25519`, no JSON at all).
#
#   bench/sign.sh BUILD_DIR        (make bench runs it through bench/run.sh)
#
# Environment: KZ_BENCH_REPEAT (default 20 passes over the bundle),
# KZ_BENCH_BUNDLE (default the shared ATT&CK ICS 18.1 bundle).
# Figures go to stdout and to bench/out/sign-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
kizuna="$build/kizuna"
out="$root/bench/out"
repeat=${KZ_BENCH_REPEAT:-20}
bundle=${KZ_BENCH_BUNDLE:-$root/../shared/data/stix/ics-attack-18.1.json}
mkdir -p "$out"
say() { printf 'sign.sh: %s\n' "$*" >&2; }

pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi

work=$(mktemp -d /tmp/kz-bench-sign-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$kizuna" init -q "$work/node"
"$kizuna" --data "$work/node" sign "$bundle" -o "$work/signed.json"
cat "$bundle" "$work/signed.json" > /dev/null # page cache
# Objects and how many of them carry a signature (TLP markings stay unsigned).
summary=$("$kizuna" --data "$work/node" verify -q "$work/signed.json" | tail -1)
objects=$(awk '{ print $1 }' <<< "$summary")
signed=$(awk '{ print $3 }' <<< "$summary")
say "bundle: $bundle, $objects objects after signing, $signed signed; $repeat passes"

# Runs "$@" $repeat times; prints the seconds.
passes() {
  local t0 t1
  t0=$(date +%s.%N)
  for ((i = 0; i < repeat; i++)); do "${pin[@]}" "$@" > /dev/null; done
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
rate() { awk -v n="$1" -v r="$repeat" -v s="$2" 'BEGIN { printf "%.0f", n * r / s }'; }

s_sign=$(passes "$kizuna" --data "$work/node" sign "$bundle")
s_verify=$(passes "$kizuna" --data "$work/node" verify -q "$work/signed.json")
s_validate=$(passes "$kizuna" validate "$work/signed.json")
ssl=$(openssl speed -seconds 3 ed25519 2>/dev/null | awk '/^ *253 bits EdDSA/ { print $(NF-1), $NF }')
ssl_sign=${ssl% *}
ssl_verify=${ssl#* }

report="$out/sign-results.md"
{
  echo "| contender (one core, $repeat passes over $objects objects, $signed signed) | seconds | objects/s |"
  echo "| --- | ---: | ---: |"
  echo "| kizuna sign (parse, canonicalise, Ed25519 sign, write) | $s_sign | $(rate "$signed" "$s_sign") signatures/s |"
  echo "| kizuna verify (parse, canonicalise, Ed25519 verify) | $s_verify | $(rate "$signed" "$s_verify") verifications/s |"
  echo "| kizuna validate on the signed bundle (parse and STIX checks, no crypto) | $s_validate | $(rate "$objects" "$s_validate") |"
  echo "| raw Ed25519, no JSON (openssl speed ed25519, 3 s each) | - | ${ssl_sign:-?} sign/s, ${ssl_verify:-?} verify/s |"
  echo
  echo "Command: \`bench/sign.sh ${1:-build}\`; bundle $(basename "$bundle") ($(stat -c %s "$bundle") bytes); load average $(cut -d' ' -f1 /proc/loadavg)."
} | tee "$report"
