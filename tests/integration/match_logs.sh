#!/usr/bin/env bash
# match_logs.sh - `kizuna match` on logs through the real binary: every
# case of tests/data/match/logs/cases.tsv (Zeek TSV, merged and gzip,
# Zeek JSON, EVE, plain text, globs, --format, --count, --quiet,
# --max-line, a missing file) against its expected stdout, stderr and exit
# status; stdin; sightings that pass `kizuna validate --strict` (with
# and without observed-data); --post into a node's collection; --follow
# across rotation and truncation with no line lost or read twice.
set -u
K=${KIZUNA:?KIZUNA must point at the kizuna binary}
ROOT=${KZ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
D=$ROOT/tests/data/match/logs
tmp=$(mktemp -d)
bg=
trap '[ -n "$bg" ] && kill "$bg" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- cases as files ----
while IFS=$'\t' read -r name code args; do
    case $name in '#'* | '') continue ;; esac
    set -f # the glob case hands its pattern to kizuna unexpanded
    # shellcheck disable=SC2086
    (cd "$D" && "$K" match --indicators indicators.json $args >"$tmp/out" 2>"$tmp/err")
    got=$?
    set +f
    [ "$got" = "$code" ] || fail "$name: exit $got, expected $code"
    cmp -s "$tmp/out" "$D/expected/$name.out" || { fail "$name: stdout differs"; diff "$D/expected/$name.out" "$tmp/out" | head -10; }
    cmp -s "$tmp/err" "$D/expected/$name.err" || { fail "$name: stderr differs"; diff "$D/expected/$name.err" "$tmp/err" | head -10; }
done <"$D/cases.tsv"

# ---- help, usage ----
"$K" match --help >"$tmp/out" 2>&1 || fail "help exit status"
grep -q -- "--sightings OUT" "$tmp/out" || fail "help does not list --sightings"
"$K" match --indicators "$D/indicators.json" --format csv x.log 2>"$tmp/err"
[ $? = 2 ] || fail "unknown format: exit status"
grep -q "unknown log format 'csv'" "$tmp/err" || fail "unknown format message: $(cat "$tmp/err")"
"$K" match --indicators "$D/indicators.json" --follow a.log b.log 2>/dev/null
[ $? = 2 ] || fail "--follow with two logs is a usage error"

# ---- stdin, also gzip on stdin ----
"$K" match --indicators "$D/indicators.json" - <"$D/eve.json" >"$tmp/out" 2>/dev/null || fail "stdin: exit status"
sed 's/"file":"eve.json"/"file":"-"/' "$D/expected/eve.out" | cmp -s - "$tmp/out" || fail "stdin output differs from the file's"
"$K" match --indicators "$D/indicators.json" --count - <"$D/merged.log.gz" >"$tmp/out" 2>/dev/null
[ "$(cat "$tmp/out")" = 5 ] || fail "gzip on stdin: count $(cat "$tmp/out"), expected 5"

# gzip magic split across two reads of a pipe
(printf '\x1f'; sleep 0.3; tail -c +2 "$D/merged.log.gz") |
    "$K" match --indicators "$D/indicators.json" --count - >"$tmp/out" 2>/dev/null
[ "$(cat "$tmp/out")" = 5 ] || fail "gzip magic split on a pipe: count $(cat "$tmp/out"), expected 5"

# ---- sightings ----
"$K" match --indicators "$D/indicators.json" --count --sightings "$tmp/s.json" --identity "SOC Washington" \
    "$D/conn.log" "$D/eve.json" "$D/syslog.log" >/dev/null 2>&1 || fail "sightings: exit status"
"$K" validate --strict "$tmp/s.json" >"$tmp/v" 2>&1 || { fail "sightings bundle is not strictly valid"; cat "$tmp/v"; }
python3 - "$tmp/s.json" <<'PY' || fail "sightings content"
import json, sys
b = json.load(open(sys.argv[1]))
objs = b["objects"]
ids = [o for o in objs if o["type"] == "identity"]
assert len(ids) == 1 and ids[0]["name"] == "SOC Washington", ids
s = {o["sighting_of_ref"]: o for o in objs if o["type"] == "sighting"}
ip = s["indicator--00000000-0000-4000-8000-000000000001"]   # 198.51.100.7
# conn line 9, eve lines 8 and 13, syslog line 1 (no time: the run's time)
assert ip["count"] == 4, ip
assert ip["first_seen"] == "2024-05-01T10:00:00.123Z", ip
assert ip["where_sighted_refs"] == [ids[0]["id"]], ip
ev = s["indicator--00000000-0000-4000-8000-000000000005"]   # evil.example.com: eve 1, 3; syslog 5
assert ev["count"] == 3, ev
assert "indicator--00000000-0000-4000-8000-000000000012" not in s  # revoked
assert len(s) == 11, sorted(s)
PY
"$K" match --indicators "$D/indicators.json" --quiet --sightings "$tmp/s2.json" --with-observed-data \
    --identity "SOC Washington" "$D/eve.json" 2>/dev/null || fail "observed-data: exit status"
"$K" validate --strict "$tmp/s2.json" >"$tmp/v" 2>&1 || { fail "observed-data bundle is not strictly valid"; cat "$tmp/v"; }
grep -q '"type":"observed-data"' "$tmp/s2.json" || fail "no observed-data objects"
grep -q '"type":"ipv6-addr"' "$tmp/s2.json" || fail "no SCO for the IPv6 hit"
# the same node name gives the same identity id in every run
id1=$(grep -o '"identity--[0-9a-f-]*"' "$tmp/s.json" | head -1)
id2=$(grep -o '"identity--[0-9a-f-]*"' "$tmp/s2.json" | head -1)
[ "$id1" = "$id2" ] || fail "identity id differs between runs: $id1 $id2"
"$K" match --indicators "$D/indicators.json" --sightings "$tmp/s3.json" "$D/eve.json" >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "sightings without a node name: exit status"
grep -q -- "--identity" "$tmp/err" || fail "sightings without a node name: message"

# ---- --post into a node ----
N=$tmp/node
"$K" init -q "$N" >/dev/null 2>&1 || fail "init"
"$K" --data "$N" collection add sightings --title Sightings >/dev/null 2>&1 || fail "collection add"
printf 'node.name = SOC Washington\n' >>"$N/kizuna.conf"
"$K" --data "$N" match --indicators "$D/indicators.json" --quiet --post sightings "$D/eve.json" 2>"$tmp/err" ||
    { fail "--post: exit status"; cat "$tmp/err"; }
"$K" --data "$N" export --collection sightings >"$tmp/exp.json" 2>/dev/null || fail "export"
n=$(grep -o '"type":"sighting"' "$tmp/exp.json" | wc -l)
[ "$n" = 10 ] || fail "--post stored $n sightings, expected 10"
grep -q "\"where_sighted_refs\":\[$id1\]" "$tmp/exp.json" || fail "posted sightings: identity from node.name"

# ---- --follow: rotation and truncation ----
L=$tmp/live.log
: >"$L"
"$K" match --indicators "$D/indicators.json" --count --follow --poll-ms 50 --idle-exit 3 "$L" \
    >"$tmp/follow.out" 2>"$tmp/follow.err" &
bg=$!
hit() { echo "May  1 10:00:00 fw SRC=198.51.100.7 seq=$1"; }
# rotate only once kizuna holds the file open (compiling may take a while on a busy machine)
for _ in $(seq 100); do
    ls -l "/proc/$bg/fd" 2>/dev/null | grep -q "live.log" && break
    sleep 0.1
done
for i in 1 2 3; do hit "$i" >>"$L"; done
sleep 1
exec 9>>"$L"               # the writer keeps the old file open
mv "$L" "$L.1"             # rotated
for i in 4 5; do hit "$i" >&9; done # written to the old file after the rename
printf 'partial line no newline SRC=198.51.100.7' >&9
sleep 1
exec 9>&-
for i in 6 7 8; do hit "$i" >>"$L"; done # the new file
sleep 1
: >"$L"                    # truncated in place
sleep 1
for i in 9 10; do hit "$i" >>"$L"; done
wait "$bg"
rc=$?
bg=
[ "$rc" = 0 ] || fail "--follow: exit $rc ($(cat "$tmp/follow.err"))"
# 10 lines and the unterminated one (finished at rotation): 11, none doubled
[ "$(cat "$tmp/follow.out")" = 11 ] || fail "--follow counted $(cat "$tmp/follow.out") lines, expected 11"

if [ "$fails" -ne 0 ]; then
    echo "match_logs: $fails failure(s)"
    exit 1
fi
echo "match_logs: all passed"
