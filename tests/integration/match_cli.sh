#!/usr/bin/env bash
# match_cli.sh - `kizuna match` end to end: usage and exit codes, --explain
# counts, every case of tests/data/match/values.tsv through --values (the
# hits printed must be exactly the expected ones), --subdomains, and the
# same indicators compiled from a node's collection (--data, --collection).
set -u
K=${KIZUNA:?KIZUNA must point at the kizuna binary}
ROOT=${KZ_ROOT:-.}
DATA=$ROOT/tests/data/match
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

expect() { # expect CODE DESCRIPTION -- COMMAND...
    local want=$1 what=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$what: exit $got, expected $want"
        sed 's/^/  stdout: /' "$tmp/out" | head -5
        sed 's/^/  stderr: /' "$tmp/err" | head -5
    fi
}

# ---- usage ----
expect 0 "help" -- "$K" match --help
grep -q "usage: kizuna match" "$tmp/out" || fail "help text"
expect 2 "no indicators" -- "$K" match --values /dev/null
grep -q "^kizuna: give --indicators" "$tmp/err" || fail "no-indicators message: $(cat "$tmp/err")"
expect 2 "nothing to match" -- "$K" match --indicators "$DATA/indicators.json"
expect 2 "unknown option" -- "$K" match --frob
expect 2 "missing file" -- "$K" match --indicators "$tmp/none.json" --explain
grep -q "cannot open '$tmp/none.json'" "$tmp/err" || fail "missing file message: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "error is not one line"
printf '{"type":"bundle","objects":[{"type":"indicator"},' >"$tmp/broken.json"
expect 2 "truncated bundle" -- "$K" match --indicators "$tmp/broken.json" --explain
grep -q "not a STIX document at byte" "$tmp/err" || fail "truncated bundle message: $(cat "$tmp/err")"

# ---- --explain ----
expect 0 "explain" -- "$K" match --indicators "$DATA/indicators.json" --explain
for want in "indicators read *30" "simple *16" "complex *6" "unsupported *3" "invalid *1" \
            "skipped revoked *1" "skipped expired *1" "skipped not stix *1" "duplicate ids *1" \
            "ip prefixes *3" "domain-name:value *4" \
            "note: indicator--00000000-0000-4000-8000-000000000030: unsupported: FOLLOWEDBY"; do
    grep -q "$want" "$tmp/out" || fail "explain lacks '$want'"
done
cp "$tmp/out" "$tmp/explain-file"
expect 0 "include revoked and expired" -- "$K" match --indicators "$DATA/indicators.json" --explain \
    --include-revoked --include-expired
grep -q "simple *18" "$tmp/out" || fail "--include-*: $(grep simple "$tmp/out")"

# ---- --values: exactly the expected hits ----
grep -v '^#' "$DATA/values.tsv" | grep . >"$tmp/cases.tsv"
cut -f1,2 "$tmp/cases.tsv" >"$tmp/values.tsv"
expect 0 "values" -- "$K" match --indicators "$DATA/indicators.json" --values "$tmp/values.tsv"
python3 - "$tmp/cases.tsv" "$tmp/out" <<'PY' || fails=$((fails + 1))
import json, sys
want = set()
for n, line in enumerate(open(sys.argv[1]), 1):
    t, v, exp = line.rstrip("\n").split("\t")
    if exp != "-":
        want |= {(n, int(i)) for i in exp.split(",")}
got = set()
for line in open(sys.argv[2]):
    h = json.loads(line)
    got.add((h["line"], int(h["indicator"][-12:])))
    assert h["indicator"].startswith("indicator--") and "name" in h and "value" in h, line
if got != want:
    print("FAIL: values hits: missing", sorted(want - got), "unexpected", sorted(got - want))
    sys.exit(1)
PY
printf 'domain-name\tnotevil.com\nipv4-addr\t11.98.51.100\nbogus\tx\n' >"$tmp/none.tsv"
expect 1 "no hit" -- "$K" match --indicators "$DATA/indicators.json" --values "$tmp/none.tsv"
[ -s "$tmp/out" ] && fail "no hit printed something"
grep -q "line 3: expected TYPE<TAB>VALUE" "$tmp/err" || fail "bad line message: $(cat "$tmp/err")"
printf 'domain-name\twww.evil.com\n' >"$tmp/sub.tsv"
expect 1 "subdomain off by default" -- "$K" match --indicators "$DATA/indicators.json" --values "$tmp/sub.tsv"
expect 0 "--subdomains" -- "$K" match --indicators "$DATA/indicators.json" --values - --subdomains <"$tmp/sub.tsv"
grep -q '"indicator":"indicator--00000000-0000-4000-8000-000000000007"' "$tmp/out" || fail "--subdomains: $(cat "$tmp/out")"

# ---- a node's collection ----
node=$tmp/node
expect 0 "init" -- "$K" init "$node"
expect 0 "collection add" -- "$K" --data "$node" collection add intel
"$K" --data "$node" import --collection intel "$DATA/indicators.json" >/dev/null 2>&1
expect 0 "explain from a collection" -- "$K" --data "$node" match --collection intel --explain
grep -q "simple *16" "$tmp/out" || fail "collection simple count: $(grep -E 'simple|indicators read' "$tmp/out")"
expect 0 "values from a collection" -- "$K" match --data "$node" --collection intel --values "$tmp/sub.tsv" --subdomains
expect 2 "unknown collection" -- "$K" --data "$node" match --collection nope --explain
grep -q "no collection 'nope'" "$tmp/err" || fail "unknown collection message: $(cat "$tmp/err")"

if [ "$fails" -gt 0 ]; then
    echo "match_cli: $fails failure(s)"
    exit 1
fi
echo "match_cli: ok"
