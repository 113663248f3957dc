#!/usr/bin/env bash
# validate_cli.sh - `kizuna validate` end to end: exit codes 0/1/2,
# --strict, --format json, stdin '-', a missing file, a truncated bundle,
# --help, and the real ATT&CK for ICS bundle validating with exit 0.
# Env (from CTest): KIZUNA (binary), KZ_ROOT (repo), KZ_SHARED (shared data).
set -u
KIZUNA=${KIZUNA:?KIZUNA must name the kizuna binary}
ROOT=${KZ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED=${KZ_SHARED:-$ROOT/../shared}
DATA=$ROOT/tests/data/stix
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

# expect_rc WANT DESCRIPTION -- command...
expect_rc() {
    local want=$1 what=$2
    shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: $what: exit $got, want $want" >&2
        sed 's/^/  stdout: /' "$TMP/out" | head -20 >&2
        sed 's/^/  stderr: /' "$TMP/err" | head -20 >&2
        fails=$((fails + 1))
    else
        echo "ok: $what"
    fi
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
    if ! grep -q -- "$1" "$2"; then
        echo "FAIL: $3: no '$1' in $(basename "$2")" >&2
        sed 's/^/  /' "$2" | head -20 >&2
        fails=$((fails + 1))
    fi
}

expect_rc 0 "--help" -- "$KIZUNA" validate --help
expect_grep "usage: kizuna validate" "$TMP/out" "--help prints usage on stdout"
expect_rc 2 "no file is a usage error" -- "$KIZUNA" validate
expect_rc 2 "unknown option" -- "$KIZUNA" validate --bogus "$DATA/valid/indicator.json"
expect_rc 2 "unknown format" -- "$KIZUNA" validate --format xml "$DATA/valid/indicator.json"

expect_rc 0 "valid object" -- "$KIZUNA" validate "$DATA/valid/indicator.json"
expect_grep "indicator.json: 1 object, 0 errors, 0 warnings: valid" "$TMP/out" "summary line"
expect_rc 0 "valid bundle of every type" -- "$KIZUNA" validate "$DATA/valid/bundle-all-sdos.json"
expect_rc 0 "several valid files" -- "$KIZUNA" validate "$DATA/valid/malware.json" "$DATA/valid/file.json"
[ "$(grep -c ': valid$' "$TMP/out")" = 2 ] || { echo "FAIL: one summary per file" >&2; fails=$((fails + 1)); }

expect_rc 1 "invalid timestamp in a bundle" -- "$KIZUNA" validate "$DATA/invalid/timestamp-month-13.json"
expect_grep '$.objects\[0\].valid_from: not an RFC 3339 timestamp ("2024-13-01T00:00:00Z") \[invalid-timestamp\]' \
    "$TMP/out" "problem line names the path"
expect_grep "1 error" "$TMP/out" "summary counts the error"

# Warnings pass, unless --strict.
expect_rc 0 "warning only" -- "$KIZUNA" validate "$DATA/invalid/indicator-type-custom.json"
expect_grep "warning: " "$TMP/out" "warning is shown"
expect_rc 1 "--strict fails on warnings" -- "$KIZUNA" validate --strict "$DATA/invalid/indicator-type-custom.json"

# JSON output parses and carries the problems.
expect_rc 1 "--format json" -- "$KIZUNA" validate --format json "$DATA/invalid/confidence-101.json" "$DATA/valid/tool.json"
if command -v python3 >/dev/null; then
    python3 - "$TMP/out" <<'PY' || { echo "FAIL: json output" >&2; fails=$((fails + 1)); }
import json, sys
d = json.load(open(sys.argv[1]))
f = d["files"]
assert d["valid"] is False and len(f) == 2, d
assert f[0]["errors"] == 1 and f[0]["valid"] is False, f[0]
p = f[0]["problems"][0]
assert p["path"] == "$.confidence" and p["code"] == "out-of-range" and p["severity"] == "error", p
assert f[1]["valid"] is True and f[1]["objects"] == 1 and f[1]["problems"] == [], f[1]
PY
fi

# Standard input.
expect_rc 0 "stdin valid" -- bash -c "'$KIZUNA' validate - < '$DATA/valid/bundle-all-sdos.json'"
expect_grep "<stdin>: " "$TMP/out" "stdin is named <stdin>"
expect_rc 1 "stdin invalid" -- bash -c "'$KIZUNA' validate - < '$DATA/invalid/tool-no-name.json'"

# I/O errors: exit 2 with one line on stderr, even next to a valid file.
expect_rc 2 "missing file" -- "$KIZUNA" validate "$TMP/nope.json"
expect_grep "kizuna: cannot open '$TMP/nope.json': no such file" "$TMP/err" "missing file message"
expect_rc 2 "missing file among valid ones" -- "$KIZUNA" validate "$DATA/valid/tool.json" "$TMP/nope.json"
expect_rc 2 "directory" -- "$KIZUNA" validate "$DATA"
expect_rc 2 "json output with a missing file" -- "$KIZUNA" validate --format json "$TMP/nope.json" "$DATA/valid/tool.json"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$TMP/out" 2>/dev/null ||
    { echo "FAIL: json output stays well-formed when a file is missing" >&2; fails=$((fails + 1)); }

# A truncated bundle is invalid (1), reported at $ with the position.
head -c 2000 "$DATA/valid/bundle-all-sdos.json" >"$TMP/truncated.json"
expect_rc 1 "truncated bundle" -- "$KIZUNA" validate "$TMP/truncated.json"
expect_grep '\[truncated\]' "$TMP/out" "truncation is named"
printf '' >"$TMP/empty.json"
expect_rc 1 "empty file" -- "$KIZUNA" validate "$TMP/empty.json"

# Every invalid case file fails or warns; every valid one passes strictly.
for f in "$DATA"/valid/*.json; do
    "$KIZUNA" validate --strict "$f" >/dev/null 2>&1 || { echo "FAIL: $f should be valid" >&2; fails=$((fails + 1)); }
done
for f in "$DATA"/invalid/*.json; do
    "$KIZUNA" validate --strict "$f" >/dev/null 2>&1
    [ $? = 1 ] || { echo "FAIL: $f should be invalid under --strict" >&2; fails=$((fails + 1)); }
done

# The real ATT&CK for ICS bundle (1,826 objects, custom x-mitre-* types).
ICS=$SHARED/data/stix/ics-attack-18.1.json
if [ -r "$ICS" ]; then
    expect_rc 0 "ATT&CK for ICS bundle" -- "$KIZUNA" validate --strict "$ICS"
    expect_grep "1826 objects, 0 errors, 0 warnings: valid" "$TMP/out" "ATT&CK counts"
else
    echo "skip: $ICS not found"
fi

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "all validate CLI checks passed"
