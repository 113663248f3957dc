#!/usr/bin/env bash
# extract_cli.sh - `kizuna extract` through the real binary: every case of
# tests/data/extract/cases/ (NAME.txt|.md|.html input, NAME.tsv the exact
# expected `--format tsv --no-warninglists` output - the scanner's findings
# alone - empty when nothing is to be found), then the command's options,
# exit codes, the warninglist column and JSON offsets.
set -u
K=${KIZUNA:?KIZUNA must point at the kizuna binary}
ROOT=${KZ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cases=$ROOT/tests/data/extract/cases
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for want in "$cases"/*.tsv; do
    base=${want%.tsv}
    input=
    for ext in txt md html; do
        [ -f "$base.$ext" ] && input=$base.$ext
    done
    [ -n "$input" ] || { fail "$(basename "$want"): no input file"; continue; }
    n=$((n + 1))
    "$K" extract --format tsv --no-warninglists "$input" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ -s "$want" ]; then code=0; else code=1; fi
    if [ "$rc" != "$code" ] || ! cmp -s "$want" "$tmp/out" || [ -s "$tmp/err" ]; then
        fail "$(basename "$input"): exit $rc (expected $code)"
        diff "$want" "$tmp/out" | sed 's/^/  /'
        sed 's/^/  stderr: /' "$tmp/err"
    fi
done
[ "$n" -ge 150 ] || fail "only $n cases"

# options and exit codes
"$K" extract --help >"$tmp/out" 2>&1 || fail "--help exit $?"
grep -q "usage: kizuna extract" "$tmp/out" || fail "--help text"
"$K" extract --format tsv --frob x 2>"$tmp/err" >/dev/null
[ $? = 2 ] || fail "unknown option: not exit 2"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "unknown option: error not one line"
"$K" extract --format tsv "$tmp/missing.txt" 2>"$tmp/err" >/dev/null
[ $? = 2 ] || fail "missing file: not exit 2"
grep -q "^kizuna: cannot open '$tmp/missing.txt'" "$tmp/err" || fail "missing file message: $(cat "$tmp/err")"
"$K" extract --format tsv --types ipv5-addr - </dev/null 2>/dev/null >/dev/null
[ $? = 2 ] || fail "unknown type: not exit 2"

printf 'hxxp://evil[.]com/a 192.0.2.1 CVE-2021-44228\n' >"$tmp/in.txt"
out=$("$K" extract --format tsv - <"$tmp/in.txt")
[ "$out" = "$(printf 'url\thttp://evil.com/a\ndomain-name\tevil.com\nipv4-addr\t192.0.2.1\twarninglist:rfc5735\nvulnerability\tCVE-2021-44228')" ] || fail "stdin: $out"
# a value on a warninglist gets a third column naming the lists; the first
# two stay TYPE<TAB>VALUE, and --no-warninglists drops the column
printf 'resolver 8.8.8.8 and c2 203.0.113.9 and hxxps://google[.]com/x\n' >"$tmp/wl.txt"
out=$("$K" extract --format tsv "$tmp/wl.txt")
[ "$out" = "$(printf 'ipv4-addr\t8.8.8.8\twarninglist:public-dns-v4\nipv4-addr\t203.0.113.9\twarninglist:rfc5735\nurl\thttps://google.com/x\twarninglist:tranco10k\ndomain-name\tgoogle.com\twarninglist:google,tranco10k')" ] || fail "warninglist column: $out"
out=$("$K" extract --format tsv --no-warninglists "$tmp/wl.txt" | cut -f3 | tr -d '\n')
[ -z "$out" ] || fail "--no-warninglists still prints a third column: $out"
out=$("$K" extract --format tsv --no-warninglists --types ipv4-addr,vulnerability "$tmp/in.txt")
[ "$out" = "$(printf 'ipv4-addr\t192.0.2.1\nvulnerability\tCVE-2021-44228')" ] || fail "--types: $out"

# --html forces HTML on a .txt name; a .html name is detected
printf '<p>evil&#46;com</p>\n' >"$tmp/page.txt"
[ "$("$K" extract --format tsv --html "$tmp/page.txt")" = "$(printf 'domain-name\tevil.com')" ] || fail "--html"

# JSON: every hit's text is the input slice at its offset, lines count from 1
printf 'IP １９２．０．２．１\nmail a[at]example.jp and hxxps://x[.]example.com/p\n' >"$tmp/j.txt"
"$K" extract --format json "$tmp/j.txt" >"$tmp/j.json" || fail "json exit $?"
python3 - "$tmp/j.txt" "$tmp/j.json" <<'PY' || fail "json offsets"
import json, sys
data = open(sys.argv[1], 'rb').read()
hits = [h for h in json.load(open(sys.argv[2])) if 'offset' in h]
assert len(hits) == 5, hits
for h in hits:
    assert data[h['offset']:h['offset'] + len(h['text'].encode())].decode() == h['text'], h
    assert h['line'] == data[:h['offset']].count(b'\n') + 1, h
assert [h['defanged'] for h in hits] == [False, True, False, True, True], hits
PY

# --stats: one line on stderr, the output unchanged
"$K" extract --format tsv --stats "$tmp/in.txt" >"$tmp/out" 2>"$tmp/err" || fail "--stats exit $?"
"$K" extract --format tsv "$tmp/in.txt" | cmp -s - "$tmp/out" || fail "--stats changes the output"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "--stats: not one line: $(cat "$tmp/err")"
grep -Eq '^kizuna: extract: stats: 45 bytes, 1 lines, 4 hits, 4 distinct, scan [0-9.]+ s CPU, [0-9]+ MB/s, total [0-9.]+ s CPU, [0-9]+ MB/s$' "$tmp/err" ||
    fail "--stats line: $(cat "$tmp/err")"
"$K" extract --format json --stats "$tmp/j.txt" 2>"$tmp/err" >/dev/null
grep -q ', 2 lines, 5 hits, 5 distinct, ' "$tmp/err" || fail "--stats json: $(cat "$tmp/err")"

# A big input (mapped, not read: 1 MiB and more) with more hits than one
# batch and values repeated across batches: the same output as through a
# pipe, and the TSV is the JSON's hits de-duplicated in order of first
# appearance with their warninglists
python3 - "$tmp/big.txt" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    for i in range(24000):
        f.write(f'line {i}: c2 198.51.{i % 7}.{i % 250} and hxxp://h{i % 3000}[.]example[.]com/p '
                f'resolver 8.8.8.8 mail x{i % 500}@evil.jp {"x" * 10}\n')
PY
[ "$(stat -c %s "$tmp/big.txt")" -gt 1048576 ] || fail "big input is not big"
for f in tsv json; do
    "$K" extract --format $f "$tmp/big.txt" >"$tmp/big.$f" || fail "big $f exit $?"
    cat "$tmp/big.txt" | "$K" extract --format $f - | cmp -s - "$tmp/big.$f" || fail "big $f: file and pipe differ"
done
python3 - "$tmp/big.json" "$tmp/big.tsv" <<'PY' || fail "big: tsv is not the json de-duplicated"
import json, sys
hits = [h for h in json.load(open(sys.argv[1])) if 'offset' in h]
assert len(hits) > 3 * 4096, len(hits)
seen, lines = set(), []
for h in hits:
    if (h['type'], h['value']) in seen:
        continue
    seen.add((h['type'], h['value']))
    wl = '\twarninglist:' + ','.join(h['warninglists']) if h['warninglists'] else ''
    lines.append(f"{h['type']}\t{h['value']}{wl}\n")
got = open(sys.argv[2]).read()
assert got == ''.join(lines), (len(got), len(''.join(lines)))
PY

# more than the 4 GiB input bound (a sparse file: nothing is written) is
# refused before it is mapped or read
truncate -s 4294967297 "$tmp/huge.txt"
err=$("$K" extract --format tsv "$tmp/huge.txt" 2>&1 >/dev/null)
[ $? = 2 ] || fail "4 GiB + 1 input: not exit 2"
case "$err" in *"larger than 4 GiB"*) ;; *) fail "4 GiB + 1 input: '$err'" ;; esac
rm -f "$tmp/huge.txt"

echo "extract_cli: $n cases, $fails failures"
[ "$fails" = 0 ]
