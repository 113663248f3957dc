#!/usr/bin/env bash
# demo.sh - two allied nodes on loopback: "tokyo" publishes a signed report,
# "washington" (pulling from tokyo every second, accepting only objects
# signed by a key it trusts) receives it and shows it verified, with its
# provenance. Run by `make demo`; or: scripts/demo.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
kizuna=${KIZUNA:-$build/kizuna}
[ -x "$kizuna" ] || { echo "demo.sh: no $kizuna (build first: make)" >&2; exit 2; }
work=$(mktemp -d /tmp/kizuna-demo-XXXXXX)
declare -A PID PORT TOK
cleanup() {
    for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null && wait "${PID[$n]}" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ kizuna'; printf ' %q' "$@"; echo; "$kizuna" "$@"; }
node() {
    "$kizuna" init "$work/$1" >/dev/null
    echo "node.org = CERT-$1" >>"$work/$1/kizuna.conf"
    "$kizuna" --data "$work/$1" collection add intel --title "Intel $1" --tlp green >/dev/null
    TOK[$1]=$("$kizuna" --data "$work/$1" account add partners --org "PARTNERS" --partner --read '*' | tail -1)
}
serve() {
    "$kizuna" --data "$work/$1" serve --listen 127.0.0.1:0 --port-file "$work/$1.port" \
        >"$work/$1.out" 2>"$work/$1.err" &
    PID[$1]=$!
    for _ in $(seq 1 100); do [ -s "$work/$1.port" ] && break; sleep 0.1; done
    PORT[$1]=$(cat "$work/$1.port")
    echo "$1 serves TAXII 2.1 on https://127.0.0.1:${PORT[$1]}/taxii2/"
}

step "two nodes: tokyo and washington"
node tokyo
node washington
echo "fed.pull_interval = 1" >>"$work/washington/kizuna.conf"
serve tokyo
serve washington

step "washington trusts tokyo's signing key and subscribes to tokyo's intel"
KEY=$("$kizuna" --data "$work/tokyo" trust show | grep -o 'ed25519:[A-Za-z0-9_-]*' | head -1)
run --data "$work/washington" trust add tokyo "$KEY"
run --data "$work/washington" peer add tokyo --url "https://127.0.0.1:${PORT[tokyo]}/taxii2/" \
    --token "${TOK[tokyo]}" --ca "$work/tokyo/tls/cert.pem"
run --data "$work/washington" subscribe pull tokyo "Intel tokyo" --into intel --signatures reject

step "tokyo publishes a signed report"
cat >"$work/report.json" <<'JSON'
{"type": "bundle", "id": "bundle--6f1f2c3e-1d0e-4c55-9a3c-2c7f6a7e1b01", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0b7d3c8e-2a61-4f3e-8b1c-5d6e7f809a12",
  "created": "2026-11-26T09:00:00.000Z", "modified": "2026-11-26T09:00:00.000Z",
  "name": "C2 server of the phishing wave", "pattern_type": "stix",
  "pattern": "[ipv4-addr:value = '203.0.113.77']", "valid_from": "2026-11-26T09:00:00Z",
  "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
 {"type": "report", "spec_version": "2.1", "id": "report--5a0c1e2f-3b4d-4e6f-9a8b-7c6d5e4f3a21",
  "created": "2026-11-26T09:00:00.000Z", "modified": "2026-11-26T09:00:00.000Z",
  "name": "Phishing wave against ministries (Tokyo CERT)", "published": "2026-11-26T09:00:00Z",
  "report_types": ["campaign"],
  "object_refs": ["indicator--0b7d3c8e-2a61-4f3e-8b1c-5d6e7f809a12"],
  "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]}
JSON
# import signs each object with tokyo's key on the way in (sign_on_publish)
run --data "$work/tokyo" import --collection intel "$work/report.json"

step "washington's serve pulls it within a second or two"
for _ in $(seq 1 100); do
    "$kizuna" --data "$work/washington" show report--5a0c1e2f-3b4d-4e6f-9a8b-7c6d5e4f3a21 >/dev/null 2>&1 && break
    sleep 0.2
done
run --data "$work/washington" show report--5a0c1e2f-3b4d-4e6f-9a8b-7c6d5e4f3a21 | cut -c1-160
run --data "$work/washington" peer status
echo
echo "demo: done (nodes stopped, $work removed)"
