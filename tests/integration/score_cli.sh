#!/usr/bin/env bash
# score_cli.sh - indicator scoring on a real node: `kizuna score` at a fixed
# time against a golden file (a partner's sighting in another collection
# resets the clock, a sighting of another indicator does not), --below /
# --above and their exit codes, strict kizuna.conf errors; `match
# --min-score` skipping the decayed indicator (counts checked);
# `export --valid-until-from-score`; and a real `kizuna serve` leaving a
# decayed indicator out of objects/ and manifest/ with taxii.min_score set
# (full pages while paging) and serving it without.
source "$(dirname "$0")/taxii_lib.bash"
DATA="$KZ_ROOT/tests/data/score"
make_node
K() { "$KIZUNA" --data "$NODE" "$@"; }
K collection add partner >/dev/null
K collection add live >/dev/null

echo "== score at a fixed time: golden output"
K import --collection intel "$DATA/node.json" >/dev/null
K import --collection partner "$DATA/partner.json" >/dev/null
K score --at 2026-09-30T00:00:00Z --json >"$T/at.jsonl" || fail "score --json exit $?"
diff -u "$DATA/expected-at-2026-09-30.jsonl" "$T/at.jsonl" || fail "score output differs"
K score --at 2026-09-30T00:00:00Z >"$T/table" || fail "score table"
head -1 "$T/table" | grep -q '^SCORE' || fail "no table header"
[ "$(wc -l <"$T/table")" -eq 6 ] || fail "table: $(cat "$T/table")"
grep 'old ip sighted' "$T/table" | grep -q ' 1.0d ' || fail "the partner's sighting did not reset the clock"

echo "== --below / --above, exit codes"
K score --at 2026-09-30T00:00:00Z --json --below 30 >"$T/below" || fail "--below exit $?"
[ "$(wc -l <"$T/below")" -eq 2 ] || fail "--below 30: $(cat "$T/below")"
grep -q '"state":"revoked"' "$T/below" || fail "revoked not listed below 30"
K score --at 2026-09-30T00:00:00Z --json --above 70 >"$T/above" || fail "--above exit $?"
[ "$(wc -l <"$T/above")" -eq 1 ] && grep -q 'a0000000-0000-4000-8000-000000000003' "$T/above" \
    || fail "--above 70: $(cat "$T/above")"
rc=0; K score --at 2026-09-30T00:00:00Z --above 99 >/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "--above 99 selecting nothing gave $rc, want 1"
rc=0; K score --collection partner >"$T/none" || rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$T/none" ] || fail "a collection without indicators: rc $rc"
rc=0; K score --collection nope 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "no collection 'nope'" "$T/err" || fail "unknown collection: rc $rc"
rc=0; K score --below 101 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "--below 101 gave $rc"
K score --help | grep -q 'usage: kizuna score' || fail "score --help"

echo "== kizuna.conf: reliability per identity, strict keys"
cp "$NODE/kizuna.conf" "$T/conf.orig"
echo "score.reliability.identity--11111111-1111-4111-8111-111111111111 = 50" >>"$NODE/kizuna.conf"
K score --at 2026-09-30T00:00:00Z --json | grep 'a0000000-0000-4000-8000-000000000004' \
    | grep -q '"base":25.00' || fail "identity reliability not applied"
echo "score.ipv4.lifetme = 30d" >>"$NODE/kizuna.conf"
rc=0; K score 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "score.ipv4.lifetme: unknown key" "$T/err" || fail "bad key: rc $rc $(cat "$T/err")"
cp "$T/conf.orig" "$NODE/kizuna.conf"

echo "== match --min-score (times relative to now)"
ago() { date -u -d "-$1" +%Y-%m-%dT%H:%M:%SZ; }
ind() { # ind N IP VALID_FROM
    printf '{"type":"indicator","spec_version":"2.1","id":"indicator--c0000000-0000-4000-8000-00000000000%s","created":"%s","modified":"%s","name":"r%s","pattern":"[ipv4-addr:value = '"'"'%s'"'"']","pattern_type":"stix","valid_from":"%s","confidence":80}' \
        "$1" "$3" "$3" "$1" "$2" "$3"
}
D1=$(ago '1 day'); D40=$(ago '40 days')
{
    echo '{"type":"bundle","id":"bundle--c0000000-0000-4000-8000-000000000000","objects":['
    ind 1 203.0.113.1 "$D1"; echo ,
    ind 2 203.0.113.2 "$D40"; echo ,
    ind 3 203.0.113.3 "$D40"
    echo ']}'
} >"$T/live.json"
cat >"$T/seen.json" <<EOF
{"type":"bundle","id":"bundle--d0000000-0000-4000-8000-000000000000","objects":[
{"type":"sighting","spec_version":"2.1","id":"sighting--d0000000-0000-4000-8000-000000000001","created":"$D1","modified":"$D1","sighting_of_ref":"indicator--c0000000-0000-4000-8000-000000000003","last_seen":"$D1"}]}
EOF
K import --collection live "$T/live.json" >/dev/null
K import --collection partner "$T/seen.json" >/dev/null
printf 'ipv4-addr\t203.0.113.1\nipv4-addr\t203.0.113.2\nipv4-addr\t203.0.113.3\n' >"$T/values"
K match --collection live --values "$T/values" >"$T/all" || fail "match without --min-score"
[ "$(wc -l <"$T/all")" -eq 3 ] || fail "match without --min-score: $(cat "$T/all")"
K match --collection live --values "$T/values" --min-score 30 --stats >"$T/hits" 2>"$T/stats" \
    || fail "match --min-score exit $?"
[ "$(wc -l <"$T/hits")" -eq 2 ] || fail "match --min-score 30: $(cat "$T/hits")"
grep -q '203.0.113.2' "$T/hits" && fail "the decayed indicator hit"
grep -q '1 of 3 indicators skipped' "$T/stats" || fail "stats: $(cat "$T/stats")"
# from a file there are no sightings: the sighted one decays too
K match --indicators "$T/live.json" --values "$T/values" --min-score 30 --stats >"$T/hits" 2>"$T/stats" \
    || fail "match --indicators --min-score exit $?"
[ "$(wc -l <"$T/hits")" -eq 1 ] && grep -q '203.0.113.1' "$T/hits" || fail "file: $(cat "$T/hits")"
grep -q '2 of 3 indicators skipped' "$T/stats" || fail "file stats: $(cat "$T/stats")"
echo "match.min_score = 30" >>"$NODE/kizuna.conf"
K match --collection live --values "$T/values" >"$T/hits" || fail "match.min_score exit $?"
[ "$(wc -l <"$T/hits")" -eq 2 ] || fail "match.min_score in kizuna.conf: $(cat "$T/hits")"
K match --collection live --values "$T/values" --min-score 0 >"$T/hits" || fail "--min-score 0"
[ "$(wc -l <"$T/hits")" -eq 3 ] || fail "--min-score 0 overrides kizuna.conf: $(cat "$T/hits")"
cp "$T/conf.orig" "$NODE/kizuna.conf"

echo "== export --valid-until-from-score"
K export --collection live --valid-until-from-score >"$T/exp.json" 2>"$T/err" || fail "export exit $?"
grep -q 'valid_until set on 3 indicator' "$T/err" || fail "export summary: $(cat "$T/err")"
python3 - "$T/exp.json" "$D1" "$D40" <<'EOF' || fail "export valid_until"
import json, sys, datetime
b = json.load(open(sys.argv[1]))
p = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
d1, d40 = p(sys.argv[2]), p(sys.argv[3])
want = {"1": d1, "2": d40, "3": d1}  # 3: anchored on the partner's sighting
vu = {o["name"][1:]: p(o["valid_until"]) for o in b["objects"] if o["type"] == "indicator"}
for k, anchor in want.items():
    assert vu[k] == anchor + datetime.timedelta(days=47), (k, vu[k], anchor)
EOF
K validate "$T/exp.json" >/dev/null || fail "the exported bundle does not validate"
K export --collection live >"$T/plain.json"
grep -q valid_until "$T/plain.json" && fail "plain export changed"

echo "== TAXII: taxii.min_score leaves the decayed indicator out"
ids_of() { json_get '" ".join(sorted(o["id"][-1:] for o in j.get("objects", [])))'; }
start_server
expect_status 200 "$ADMIN" "$BASE/api/collections/live/objects/"
[ "$(ids_of <<<"$BODY")" = "1 2 3" ] || fail "without taxii.min_score: $BODY"
expect_status 200 "$ADMIN" "$BASE/api/collections/live/manifest/"
[ "$(ids_of <<<"$BODY")" = "1 2 3" ] || fail "manifest without taxii.min_score: $BODY"
stop_server
echo "taxii.min_score = 30" >>"$NODE/kizuna.conf"
start_server
expect_status 200 "$ADMIN" "$BASE/api/collections/live/objects/"
[ "$(ids_of <<<"$BODY")" = "1 3" ] || fail "with taxii.min_score: $BODY"
expect_status 200 "$ADMIN" "$BASE/api/collections/live/manifest/"
[ "$(ids_of <<<"$BODY")" = "1 3" ] || fail "manifest with taxii.min_score: $BODY"
expect_status 404 "$ADMIN" "$BASE/api/collections/live/objects/indicator--c0000000-0000-4000-8000-000000000002/"
# paging one by one: full pages, the decayed one skipped, next stays right
seen=""; url="$BASE/api/collections/live/objects/?limit=1"
for _ in 1 2 3 4; do
    expect_status 200 "$ADMIN" "$url"
    [ "$(json_get 'len(j.get("objects", []))' <<<"$BODY")" = 1 ] || fail "short page: $BODY"
    seen="$seen$(ids_of <<<"$BODY")"
    [ "$(json_get 'j["more"]' <<<"$BODY")" = True ] || break
    url="$BASE/api/collections/live/objects/?limit=1&next=$(json_get 'j["next"]' <<<"$BODY")"
done
[ "$seen" = "13" ] || fail "paging gave '$seen'"
# a new sighting of the decayed one brings it back (sightings are re-read)
cat >"$T/seen2.json" <<EOF
{"type":"bundle","id":"bundle--e0000000-0000-4000-8000-000000000000","objects":[
{"type":"sighting","spec_version":"2.1","id":"sighting--e0000000-0000-4000-8000-000000000002","created":"$D1","modified":"$D1","sighting_of_ref":"indicator--c0000000-0000-4000-8000-000000000002","last_seen":"$D1"}]}
EOF
K import --collection partner "$T/seen2.json" >/dev/null
expect_status 200 "$ADMIN" "$BASE/api/collections/live/objects/"
[ "$(ids_of <<<"$BODY")" = "1 2 3" ] || fail "after the new sighting: $BODY"
# readers in parallel while sightings keep arriving (snapshots swapped
# under them; ASan would catch a use after free): every answer is a 200
# with the three indicators
readers=()
for i in 1 2 3 4 5 6; do
    (for j in 1 2 3 4 5; do
        kcurl "$ADMIN" "$BASE/api/collections/live/manifest/" >"$T/par.$i.$j" || echo fail >"$T/par.$i.$j"
    done) &
    readers+=($!)
done
for j in 1 2 3 4 5; do
    sed "s/e0000000-0000-4000-8000-000000000002/e0000000-0000-4000-8000-00000000010$j/" \
        "$T/seen2.json" >"$T/seen3.json"
    K import --collection partner "$T/seen3.json" >/dev/null
done
wait "${readers[@]}" # not a bare wait: the server is a child too
for f in "$T"/par.*; do
    [ "$(tail -1 "$f")" = 200 ] || fail "a parallel reader got: $(cat "$f")"
    [ "$(sed '$d' "$f" | ids_of)" = "1 2 3" ] || fail "a parallel reader saw: $(cat "$f")"
done
stop_server
cp "$T/conf.orig" "$NODE/kizuna.conf"
echo "taxii.min_score = 300" >>"$NODE/kizuna.conf"
rc=0; timeout 20 "$KIZUNA" --data "$NODE" serve --listen 127.0.0.1:0 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'taxii.min_score' "$T/err" || fail "bad taxii.min_score: rc $rc $(cat "$T/err")"
echo "OK"
