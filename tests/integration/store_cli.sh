#!/usr/bin/env bash
# store_cli.sh - the store's commands end to end: init, collection
# add/list/show/remove, import (files, stdin, idempotence), export (filters,
# versions, a valid bundle), search, check, and the bad-input cases of
# tests/data/store/bad/ (each: the exit code, the message, the store
# unchanged), plus a 10 MB string made on the fly.
set -u
KIZUNA=${KIZUNA:?set KIZUNA to the kizuna binary}
ROOT=${KZ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=$ROOT/tests/data/store

work=$(mktemp -d /tmp/kz-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
node=$work/node
unset KIZUNA_DATA
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# expect CODE CMD... : runs the command, checks its exit status
expect() {
    local want=$1; shift
    "$@" > "$work/out" 2> "$work/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want: $(head -c 300 "$work/err")"
}
# objects in an exported bundle (one per line after the first)
count_objects() { grep -c '"type"' "$1" | awk '{ print $1 - 1 }'; }

# ---- init ----
expect 0 "$KIZUNA" init "$node"
[ -f "$node/kizuna.db" ] && [ -f "$node/kizuna.conf" ] || fail "init did not create db and conf"
expect 2 "$KIZUNA" init "$node"
grep -q 'already holds a node' "$work/err" || fail "second init: $(cat "$work/err")"
# the exact bytes imported are compared: no signing on publish (fed_publish.sh)
echo "sign_on_publish = false" >>"$node/kizuna.conf"
expect 2 "$KIZUNA" collection list
grep -q 'no data directory' "$work/err" || fail "no --data: $(cat "$work/err")"
expect 2 "$KIZUNA" --data "$work/none" collection list
grep -q "no node in" "$work/err" || fail "missing node: $(cat "$work/err")"
export KIZUNA_DATA=$node

# ---- --help everywhere ----
for c in init collection import export search check; do
    expect 0 "$KIZUNA" "$c" --help
    grep -q "usage: kizuna $c" "$work/out" || fail "$c --help"
done

# ---- collections ----
expect 0 "$KIZUNA" collection add intel --title "Shared intel" --tlp amber --description "d"
intel_id=$(cat "$work/out")
[[ "$intel_id" =~ ^[0-9a-f-]{36}$ ]] || fail "collection add printed '$intel_id'"
expect 0 "$KIZUNA" collection add other
expect 2 "$KIZUNA" collection add intel
expect 2 "$KIZUNA" collection add x --tlp purple
grep -q "unknown TLP" "$work/err" || fail "bad tlp message: $(cat "$work/err")"
expect 0 "$KIZUNA" collection list
[ "$(wc -l < "$work/out")" -eq 2 ] || fail "collection list: $(cat "$work/out")"
expect 0 "$KIZUNA" collection show "$intel_id"
grep -q "alias: *intel" "$work/out" && grep -q "default TLP: *amber" "$work/out" ||
    fail "collection show by id: $(cat "$work/out")"
expect 0 "$KIZUNA" collection remove other
expect 2 "$KIZUNA" collection show other
expect 2 "$KIZUNA" collection frobnicate

# ---- import ----
expect 0 "$KIZUNA" import --collection intel "$DATA/good.json"
grep -q "4 added" "$work/out" || fail "import: $(cat "$work/out")"
expect 0 "$KIZUNA" import --collection "$intel_id" "$DATA/good.json"
grep -q "0 added, 4 already present" "$work/out" || fail "second import: $(cat "$work/out")"
"$KIZUNA" import --collection intel - < "$DATA/good.json" > "$work/out" 2>&1 ||
    fail "import from stdin"
grep -q "0 added, 4 already present" "$work/out" || fail "stdin import: $(cat "$work/out")"
expect 2 "$KIZUNA" import --collection nope "$DATA/good.json"
grep -q "no collection 'nope'" "$work/err" || fail "unknown collection: $(cat "$work/err")"
expect 2 "$KIZUNA" import --collection intel "$work/missing.json"
expect 2 "$KIZUNA" import "$DATA/good.json"

# ---- export ----
expect 0 "$KIZUNA" export --collection intel
cp "$work/out" "$work/all-last.json"
[ "$(count_objects "$work/all-last.json")" -eq 3 ] || fail "export (last versions): $(cat "$work/out")"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["type"]=="bundle" and len(d["objects"])==3' \
        "$work/all-last.json" || fail "export is not a valid bundle"
fi
expect 0 "$KIZUNA" export --collection intel --version all
[ "$(count_objects "$work/out")" -eq 4 ] || fail "export --version all"
expect 0 "$KIZUNA" export --collection intel --version first --type indicator
grep -q '"Sandworm C2 address"' "$work/out" && ! grep -q 'revised' "$work/out" ||
    fail "export --version first"
expect 0 "$KIZUNA" export --collection intel --type malware --type ipv4-addr
[ "$(count_objects "$work/out")" -eq 2 ] || fail "export --type x2"
expect 0 "$KIZUNA" export --collection intel --added-after 2999-01-01T00:00:00Z
[ "$(count_objects "$work/out")" -eq 0 ] || fail "export --added-after future"
expect 2 "$KIZUNA" export --collection intel --added-after yesterday
expect 2 "$KIZUNA" export --collection nope
[ ! -s "$work/out" ] || fail "export of an unknown collection wrote output"
# the export is a valid bundle for kizuna's own validator too
if "$KIZUNA" validate --help >/dev/null 2>&1; then
    expect 0 "$KIZUNA" validate "$work/all-last.json"
fi
# round trip: the export imported into another collection exports the same objects
expect 0 "$KIZUNA" collection add copy
expect 0 "$KIZUNA" import --collection copy "$work/all-last.json"
grep -q "3 added" "$work/out" || fail "re-import of the export: $(cat "$work/out")"
expect 0 "$KIZUNA" export --collection copy
cmp -s <(tail -n +2 "$work/all-last.json") <(tail -n +2 "$work/out") || fail "export -> import -> export differs"
expect 0 "$KIZUNA" collection remove copy
# exact bytes: the pretty-printed malware object comes back as written
grep -q '^      "name": "Industroyer2",$' "$work/all-last.json" || fail "export changed the bytes"

# ---- search ----
expect 0 "$KIZUNA" search sandworm
grep -q "^indicator--8e2e2d2b" "$work/out" || fail "search sandworm: $(cat "$work/out")"
expect 0 "$KIZUNA" search 198.51.100.23 --type ipv4-addr
grep -q "^ipv4-addr--" "$work/out" || fail "search ip: $(cat "$work/out")"
expect 0 "$KIZUNA" search indus* --json
grep -q '"Industroyer2"' "$work/out" || fail "search --json"
expect 1 "$KIZUNA" search nothingmatchesthis

# ---- check ----
expect 0 "$KIZUNA" check
[ "$(cat "$work/out")" = ok ] || fail "check: $(cat "$work/out")"

# ---- bad input: a clear error, the store unchanged ----
snapshot() { "$KIZUNA" export --collection intel --version all | tail -n +2 > "$1"; }
for f in "$DATA"/bad/*.json; do
    name=$(basename "$f" .json)
    spec=${f%.json}.expect
    want=$(sed -n 's/^exit=//p' "$spec")
    msg=$(sed -n 's/^stderr=//p' "$spec")
    args=$(sed -n 's/^args=//p' "$spec")
    snapshot "$work/before"
    # shellcheck disable=SC2086
    expect "$want" "$KIZUNA" import --collection intel $args "$f"
    grep -qF -- "$msg" "$work/err" || fail "$name: message '$msg' not in: $(cat "$work/err")"
    [ "$(wc -l < "$work/err")" -le 3 ] || fail "$name: too chatty: $(cat "$work/err")"
    snapshot "$work/after"
    cmp -s "$work/before" "$work/after" || fail "$name: the store changed"
done
# a 10 MB string
snapshot "$work/before"
{
    printf '{"type":"bundle","id":"bundle--6a1c4f1e-25b0-4b8a-9f0e-1d7a3f0e2b20","objects":[{"type":"malware","spec_version":"2.1","id":"malware--1a2b3c4d-8b9c-4d2e-9f1a-0b2c3d4e5f60","created":"2024-03-01T10:00:00.000Z","modified":"2024-03-01T10:00:00.000Z","is_family":false,"name":"big","description":"'
    head -c 10485760 /dev/zero | tr '\0' 'a'
    printf '"}]}\n'
} > "$work/big.json"
expect 1 "$KIZUNA" import --collection intel "$work/big.json"
grep -q "exceeds the limit of 4194304 bytes" "$work/err" || fail "10 MB string: $(cat "$work/err")"
snapshot "$work/after"
cmp -s "$work/before" "$work/after" || fail "10 MB string: the store changed"
expect 0 "$KIZUNA" check

# ---- --atomic over several batches: a bad object at the end keeps nothing ----
{
    printf '{"type":"bundle","id":"bundle--6a1c4f1e-25b0-4b8a-9f0e-1d7a3f0e2b21","objects":['
    for i in 1 2 3 4 5; do
        printf '{"type":"malware","spec_version":"2.1","id":"malware--00000000-0000-4000-8000-00000000000%d","created":"2024-03-01T10:00:00.000Z","modified":"2024-03-01T10:00:00.000Z","is_family":false,"name":"m%d"},' "$i" "$i"
    done
    printf '{"type":"malware","id":"bad"}]}'
} > "$work/atomic.json"
snapshot "$work/before"
expect 1 "$KIZUNA" import --collection intel --atomic --batch 2 "$work/atomic.json"
snapshot "$work/after"
cmp -s "$work/before" "$work/after" || fail "--atomic: the store changed"
# without --atomic the valid five are kept, the bad one reported
expect 1 "$KIZUNA" import --collection intel --batch 2 "$work/atomic.json"
grep -q "5 added" "$work/out" && grep -q "object 5 rejected" "$work/err" ||
    fail "batched import with one bad object: $(cat "$work/out" "$work/err")"

# ---- --data after the subcommand ----
unset KIZUNA_DATA
expect 0 "$KIZUNA" collection list --data "$node"

if [ "$failures" -ne 0 ]; then
    echo "store_cli: $failures failures" >&2
    exit 1
fi
echo "store_cli: all passed"
