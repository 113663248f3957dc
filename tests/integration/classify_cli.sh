#!/usr/bin/env bash
# classify_cli.sh - `kizuna classify` through the real binary with the
# committed model (data/models/attack.kzm): obvious technique sentences get
# their technique, a high threshold gives "none", one output line per input
# line whatever the line (empty, CRLF, longer than 64 KiB, not UTF-8),
# --top, --json, --file, kizuna.conf's classify.threshold, and the errors
# (missing or damaged model, bad options: exit 2 and one line).
set -u
K=${KIZUNA:?KIZUNA must point at the kizuna binary}
ROOT=${KZ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
MODEL=$ROOT/data/models/attack.kzm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
unset KIZUNA_DATA KZ_MODEL

# ---- obvious sentences (each > 0.95 with the committed model; asserted >= 0.5) ----
cat >"$tmp/in.txt" <<'EOF'
The attacker ran cmd.exe /c whoami to identify the current user.
The actor sent spearphishing emails with a malicious Word attachment.
The backdoor takes screenshots of the desktop.
The tool dumps credentials from LSASS memory with Mimikatz.
It creates a scheduled task with schtasks to run at logon.
The malware enumerates running processes.
EOF
want="T1033 T1566.001 T1113 T1003.001 T1053.005 T1057"
"$K" classify --model "$MODEL" <"$tmp/in.txt" >"$tmp/out" 2>"$tmp/err" || fail "classify exit $?"
[ -s "$tmp/err" ] && fail "stderr: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" = 6 ] || fail "not one line per sentence: $(cat "$tmp/out")"
got=$(cut -f1 "$tmp/out" | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] || fail "techniques: got '$got', want '$want'"
awk -F'\t' 'NF != 2 || $2 !~ /^[01]\.[0-9][0-9][0-9][0-9]$/ || $2 < 0.5 { bad = 1 } END { exit bad }' \
    "$tmp/out" || fail "format or probability: $(cat "$tmp/out")"
# the default model is found next to the binary's tree (or through KZ_MODEL)
KZ_MODEL=$MODEL "$K" classify <"$tmp/in.txt" >"$tmp/out2" || fail "KZ_MODEL: exit $?"
cmp -s "$tmp/out" "$tmp/out2" || fail "KZ_MODEL gives other output"
# --file reads the same
"$K" classify --model "$MODEL" --file "$tmp/in.txt" >"$tmp/out2" || fail "--file: exit $?"
cmp -s "$tmp/out" "$tmp/out2" || fail "--file gives other output"

# ---- the trained "none" class: its own probability, even at threshold 0 ----
echo 'The group has been active since at least 2014 and targets government organizations.' |
    "$K" classify --model "$MODEL" --threshold 0 --top 2 >"$tmp/out" || fail "none: exit $?"
awk -F'\t' '$1 != "none" || $2 < 0.5 || NF != 4 || $3 == "none" { bad = 1 } END { exit bad }' \
    "$tmp/out" || fail "a sentence about no technique: $(cat "$tmp/out")"

# ---- thresholds ----
# Japanese: the model is English-only, its best class stays far under 0.99
printf '攻撃者はPowerShellを使用した。\nThe backdoor takes screenshots of the desktop.\n' >"$tmp/ja.txt"
"$K" classify --model "$MODEL" --threshold 0.99 <"$tmp/ja.txt" >"$tmp/out" || fail "threshold: exit $?"
line1=$(sed -n 1p "$tmp/out")
case "$line1" in none$'\t'0.*) ;; *) fail "--threshold 0.99 on Japanese: '$line1'" ;; esac
[ "$(sed -n 2p "$tmp/out" | cut -f1)" = T1113 ] || fail "--threshold 0.99 on an obvious sentence: $(sed -n 2p "$tmp/out")"
# threshold 1 (nothing is that sure but a degenerate model): every line none
"$K" classify --model "$MODEL" --threshold 1 <"$tmp/in.txt" | cut -f1 | sort -u >"$tmp/out"
[ "$(cat "$tmp/out")" = none ] || fail "--threshold 1: $(cat "$tmp/out")"
# kizuna.conf's classify.threshold with --data; the flag wins over it
mkdir -p "$tmp/node"
printf 'classify.threshold = 0.99\n' >"$tmp/node/kizuna.conf"
"$K" --data "$tmp/node" classify --model "$MODEL" <"$tmp/ja.txt" | sed -n 1p | cut -f1 >"$tmp/out"
[ "$(cat "$tmp/out")" = none ] || fail "classify.threshold from kizuna.conf: $(cat "$tmp/out")"
"$K" --data "$tmp/node" classify --model "$MODEL" --threshold 0 <"$tmp/ja.txt" | sed -n 1p | cut -f1 >"$tmp/out"
[ "$(cat "$tmp/out")" != none ] || fail "--threshold 0 does not override kizuna.conf"
printf 'classify.threshold = 7\n' >"$tmp/node/kizuna.conf"
"$K" --data "$tmp/node" classify --model "$MODEL" <"$tmp/ja.txt" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q 'kizuna.conf:1' "$tmp/err" ||
    fail "bad classify.threshold: $(cat "$tmp/err")"

# ---- odd lines: one output line each ----
{
    printf '\n'                                              # empty
    printf 'The backdoor takes screenshots of the desktop.\r\n' # CRLF
    printf '\xff\xfe\x80 caf\xc3 \xe9t\xe9 \x00 zero\n'      # not UTF-8, a NUL
    head -c 200000 /dev/zero | tr '\0' 'a'                   # 200 KB line ...
    printf ' cmd.exe\n'                                      # ... ends here
    printf 'The malware enumerates running processes.\n'     # after the long line
    printf '   \t  \n'                                       # blanks only
    printf 'The tool dumps credentials from LSASS memory with Mimikatz.' # no newline
} >"$tmp/odd.txt"
"$K" classify --model "$MODEL" <"$tmp/odd.txt" >"$tmp/out" 2>"$tmp/err" || fail "odd lines: exit $?"
[ "$(wc -l <"$tmp/out")" = 7 ] || fail "odd lines: $(wc -l <"$tmp/out") output lines, want 7"
[ "$(sed -n 1p "$tmp/out")" = "none	0.0000" ] || fail "empty line: '$(sed -n 1p "$tmp/out")'"
[ "$(sed -n 2p "$tmp/out" | cut -f1)" = T1113 ] || fail "CRLF line: $(sed -n 2p "$tmp/out")"
sed -n 3p "$tmp/out" | grep -qE '^(T[0-9]{4}(\.[0-9]{3})?|none)	[01]\.[0-9]{4}$' ||
    fail "non-UTF-8 line: $(sed -n 3p "$tmp/out")"
sed -n 4p "$tmp/out" | grep -qE '^(T[0-9]{4}(\.[0-9]{3})?|none)	[01]\.[0-9]{4}$' ||
    fail "long line: $(sed -n 4p "$tmp/out")"
[ "$(sed -n 5p "$tmp/out" | cut -f1)" = T1057 ] || fail "line after the long one: $(sed -n 5p "$tmp/out")"
[ "$(sed -n 6p "$tmp/out")" = "none	0.0000" ] || fail "blank line: '$(sed -n 6p "$tmp/out")'"
[ "$(sed -n 7p "$tmp/out" | cut -f1)" = T1003.001 ] || fail "last line without newline: $(sed -n 7p "$tmp/out")"
"$K" classify --model "$MODEL" </dev/null >"$tmp/out" || fail "empty input: exit $?"
[ -s "$tmp/out" ] && fail "empty input printed something"

# ---- --top and --json ----
"$K" classify --model "$MODEL" --top 3 <"$tmp/in.txt" >"$tmp/out" || fail "--top: exit $?"
awk -F'\t' 'NF < 2 || NF > 6 || NF % 2 { bad = 1 } END { exit bad }' "$tmp/out" ||
    fail "--top 3 fields: $(head -2 "$tmp/out")"
[ "$(cut -f1 "$tmp/out" | tr '\n' ' ' | sed 's/ $//')" = "$want" ] || fail "--top best class"
"$K" classify --model "$MODEL" --json --top 2 <"$tmp/in.txt" >"$tmp/out" || fail "--json: exit $?"
python3 - "$tmp/out" "$want" <<'PY' || fail "--json output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
want = sys.argv[2].split()
assert [r["attack_id"] for r in rows] == want, rows
assert [r["line"] for r in rows] == list(range(1, len(want) + 1))
for r in rows:
    assert 0.5 <= r["probability"] <= 1
    assert 1 <= len(r["top"]) <= 2 and r["top"][0]["attack_id"] == r["attack_id"]
    assert all(a["probability"] >= b["probability"] for a, b in zip(r["top"], r["top"][1:]))
PY

# ---- errors: exit 2, one line on stderr, nothing on stdout ----
err2() { # err2 DESCRIPTION PATTERN -- COMMAND...
    local what=$1 pat=$2
    shift 3
    "$@" <"$tmp/in.txt" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc = 2 ] || fail "$what: exit $rc, want 2"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$what: stderr not one line: $(cat "$tmp/err")"
    grep -q -- "$pat" "$tmp/err" || fail "$what: message '$(cat "$tmp/err")' lacks '$pat'"
    [ -s "$tmp/out" ] && fail "$what: printed on stdout"
}
err2 "missing model" "no model file '$tmp/none.kzm'" -- "$K" classify --model "$tmp/none.kzm"
err2 "missing default model" "no model file" -- env KZ_MODEL="$tmp/none.kzm" "$K" classify
printf 'KZCM not really a model\n' >"$tmp/bad.kzm"
err2 "damaged model" "model '$tmp/bad.kzm'" -- "$K" classify --model "$tmp/bad.kzm"
head -c 100000 "$MODEL" >"$tmp/cut.kzm"
err2 "truncated model" "model '$tmp/cut.kzm'" -- "$K" classify --model "$tmp/cut.kzm"
err2 "threshold > 1" "probability" -- "$K" classify --model "$MODEL" --threshold 2
err2 "threshold not a number" "probability" -- "$K" classify --model "$MODEL" --threshold x
err2 "top 0" "--top" -- "$K" classify --model "$MODEL" --top 0
err2 "unknown option" "unknown argument" -- "$K" classify --frob
err2 "missing file" "cannot open" -- "$K" classify --model "$MODEL" --file "$tmp/nofile"

"$K" classify --help >"$tmp/out" 2>&1 || fail "--help exit $?"
grep -q "^usage: kizuna classify" "$tmp/out" || fail "--help text"
"$K" help classify | grep -q "^usage: kizuna classify" || fail "kizuna help classify"

if [ "$fails" -gt 0 ]; then
    echo "classify_cli: $fails failures"
    exit 1
fi
echo "classify_cli: ok"
