#!/usr/bin/env bash
# pattern_cli.sh - exit codes and messages of `kizuna pattern check|match`
# (0 valid / matched, 1 invalid / no match, 2 usage or runtime error).
set -u
K=${KIZUNA:?KIZUNA must point at the kizuna binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

expect() { # expect CODE DESCRIPTION -- COMMAND...
    local want=$1 what=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: $what: exit $got, expected $want"
        sed 's/^/  stdout: /' "$tmp/out"
        sed 's/^/  stderr: /' "$tmp/err"
        fails=$((fails + 1))
    fi
}

expect 0 "help" -- "$K" pattern --help
grep -q "usage: kizuna pattern check" "$tmp/out" || { echo "FAIL: help text"; fails=$((fails + 1)); }
expect 2 "no subcommand" -- "$K" pattern
expect 2 "unknown subcommand" -- "$K" pattern frob x
expect 2 "bad version" -- "$K" pattern check --stix-version 3.0 "[a:b = 1]"
expect 2 "missing pattern" -- "$K" pattern check
expect 0 "valid pattern" -- "$K" pattern check "[file:name = 'a.exe']"
[ -s "$tmp/err" ] && { echo "FAIL: valid pattern printed to stderr"; fails=$((fails + 1)); }
expect 1 "invalid pattern" -- "$K" pattern check "[file:name = 'a.exe'"
grep -q "^kizuna: pattern:1:21: expected ']'" "$tmp/err" || { echo "FAIL: error position: $(cat "$tmp/err")"; fails=$((fails + 1)); }
[ "$(wc -l <"$tmp/err")" = 1 ] || { echo "FAIL: error is not one line"; fails=$((fails + 1)); }
expect 1 "semantic error" -- "$K" pattern check "[a:b = 1] WITHIN 0 SECONDS"
expect 1 "2.1 rejects doubled qualifiers" -- "$K" pattern check "[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES"
expect 0 "2.0 accepts doubled qualifiers" -- "$K" pattern check --stix-version 2.0 "[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES"
expect 1 "EXISTS is 2.1 only" -- "$K" pattern check --stix-version=2.0 "[EXISTS a:b]"

cat >"$tmp/bundle.json" <<'JSON'
{"type": "bundle", "id": "bundle--6ee3b8d4-8b4e-4e38-a8e3-4c5f8c0e0b11", "objects": [
 {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
  "created": "2016-04-06T19:58:16.000Z", "modified": "2016-04-06T19:58:16.000Z",
  "first_observed": "2015-12-21T19:00:00Z", "last_observed": "2015-12-21T19:00:00Z", "number_observed": 1,
  "object_refs": ["ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8", "domain-name--ecb120bf-2694-4902-a737-62b74539a41b"]},
 {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8", "value": "198.51.100.3"},
 {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--ecb120bf-2694-4902-a737-62b74539a41b",
  "value": "example.com", "resolves_to_refs": ["ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8"]}
]}
JSON
expect 0 "match" -- "$K" pattern match "[domain-name:resolves_to_refs[*].value ISSUBSET '198.51.100.0/24']" "$tmp/bundle.json"
[ "$(cat "$tmp/out")" = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf" ] || { echo "FAIL: matched ids: $(cat "$tmp/out")"; fails=$((fails + 1)); }
expect 1 "no match" -- "$K" pattern match "[domain-name:value = 'example.org']" "$tmp/bundle.json"
[ -s "$tmp/out" ] && { echo "FAIL: no match printed ids"; fails=$((fails + 1)); }
expect 0 "match from stdin" -- bash -c "'$K' pattern match \"[ipv4-addr:value = '198.51.100.3']\" - <'$tmp/bundle.json'"
expect 2 "invalid pattern in match" -- "$K" pattern match "[a:b = " "$tmp/bundle.json"
expect 2 "missing file" -- "$K" pattern match "[a:b = 1]" "$tmp/none.json"
grep -q "cannot read '$tmp/none.json'" "$tmp/err" || { echo "FAIL: missing file message"; fails=$((fails + 1)); }
echo '{"type": "bundle", "objects": [' >"$tmp/broken.json"
expect 2 "malformed JSON" -- "$K" pattern match "[a:b = 1]" "$tmp/broken.json"
expect 2 "evaluation error" -- "$K" pattern match "[domain-name:value = t'2020-01-01T00:00:00Z']" "$tmp/bundle.json"

# Many patterns at once through the index: one per line, LINE<Tab>ID per hit.
cat >"$tmp/patterns.txt" <<'PAT'
# indicators
[ipv4-addr:value = '198.51.100.3']

[domain-name:value = 'example.org']
[ipv4-addr:value ISSUBSET '198.51.0.0/16'] AND [domain-name:value LIKE '%.com']
[domain-name:value = 'nothing'] OR [domain-name:resolves_to_refs[*].value = '198.51.100.3']
PAT
expect 0 "match --patterns" -- "$K" pattern match --patterns "$tmp/patterns.txt" "$tmp/bundle.json"
printf '2\tobserved-data--b67d30ff-02ac-498a-92f9-32f845f448cf\n6\tobserved-data--b67d30ff-02ac-498a-92f9-32f845f448cf\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" || { echo "FAIL: --patterns output: $(cat "$tmp/out")"; fails=$((fails + 1)); }
echo "[domain-name:value = 'example.org']" >"$tmp/none.txt"
expect 1 "match --patterns, no hit" -- "$K" pattern match --patterns "$tmp/none.txt" "$tmp/bundle.json"
printf "[a:b = 1]\n[a:b = ]\n" >"$tmp/bad.txt"
expect 2 "match --patterns, invalid line" -- "$K" pattern match --patterns "$tmp/bad.txt" "$tmp/bundle.json"
grep -q "bad.txt':2: pattern:1:8:" "$tmp/err" || { echo "FAIL: --patterns error position: $(cat "$tmp/err")"; fails=$((fails + 1)); }
expect 2 "--patterns with check" -- "$K" pattern check --patterns "$tmp/bad.txt" "[a:b = 1]"

# The shared conformance data, end to end through the binary (a sample: the
# unit test runs all of it through the library).
if [ -n "${KZ_SHARED:-}" ] && [ -f "$KZ_SHARED/data/pattern/match-cases.jsonl" ] && command -v python3 >/dev/null; then
    python3 - "$K" "$KZ_SHARED/data/pattern" "$tmp" <<'PY' || fails=$((fails + 1))
import json, subprocess, sys
k, d, tmp = sys.argv[1:4]
bad = 0
for name in ("match-cases.jsonl", "error-cases.jsonl"):
    for i, line in enumerate(open(f"{d}/{name}")):
        if i % 7:
            continue
        c = json.loads(line)
        path = f"{tmp}/case.json"
        json.dump(c["observed_data"], open(path, "w"))
        rc = subprocess.run([k, "pattern", "match", c["pattern"], path], capture_output=True).returncode
        want = {True: 0, False: 1, "error": 2}[c["expected"]]
        if rc != want:
            print(f"FAIL: {name}:{i + 1}: {c['pattern']}: exit {rc}, expected {want}")
            bad += 1
sys.exit(1 if bad else 0)
PY
fi

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "pattern_cli: all passed"
