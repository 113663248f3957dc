#!/usr/bin/env bash
# store_crash.sh - the store keeps every batch it reported committed, and
# no partial batch, when the importer is killed with SIGKILL at random
# points (20 rounds). After each kill the database must open, pass
# `kizuna check`, hold every batch the child printed as committed, and for
# every batch hold either all of its objects or none, and every stored
# object is in the full-text index or in its durable queue.
#
# Env (from CTest): KIZUNA = the binary. Runs in well under a minute.
set -u
KIZUNA=${KIZUNA:?set KIZUNA to the kizuna binary}
ROUNDS=${ROUNDS:-20}
PER_ROUND=${PER_ROUND:-8000}
BATCH=${BATCH:-100}

work=$(mktemp -d /tmp/kz-crash-XXXXXX)
trap 'rm -rf "$work"' EXIT
export KIZUNA_DATA=$work/node
fail() { echo "FAIL: $*" >&2; exit 1; }

"$KIZUNA" init "$KIZUNA_DATA" >/dev/null || fail "init"
# every stored object must be one of ours (the counts below match the text
# 'crash'): no signing on publish, which adds the signature's
# extension-definition and identity (fed_publish.sh tests that)
echo "sign_on_publish = false" >>"$KIZUNA_DATA/kizuna.conf"
"$KIZUNA" collection add crash >/dev/null || fail "collection add"

# Round r's objects are indicators numbered r*1000000 + i (written in
# decimal digits, which are valid UUID hex), so the id says
# which round and which batch (i / BATCH) an object belongs to.
gen() {
    awk -v base="$1" -v n="$2" 'BEGIN {
        printf "{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-%012x\",\"objects\":[\n", base
        for (i = 0; i < n; i++) {
            printf "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000000-0000-4000-8000-%012d\",\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"crash test %d\",\"pattern\":\"[ipv4-addr:value = '\''10.%d.%d.%d'\'']\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"}\n", (i ? "," : ""), base + i, i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
        }
        print "]}"
    }'
}

killed=0
for ((r = 1; r <= ROUNDS; r++)); do
    base=$((r * 1000000))
    gen "$base" "$PER_ROUND" > "$work/round.json"
    "$KIZUNA" import -q --collection crash --batch "$BATCH" --report-batches "$work/round.json" \
        > "$work/log" 2> "$work/err" &
    pid=$!
    # a random point between 20 and 500 ms into the import
    sleep "0.$(printf '%03d' $((20 + RANDOM % 480)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # 137 = died of SIGKILL (a child that had already finished exits 0)
    [ $? -eq 137 ] && killed=$((killed + 1))

    out=$("$KIZUNA" check 2>&1) || fail "round $r: check failed after kill: $out"
    [ "$out" = ok ] || fail "round $r: check said: $out"

    # Full text: every stored version is either indexed or still queued for
    # indexing (fts_queue, written in the object's own transaction), never
    # lost and never both. Every body holds the word "crash" (the name).
    if command -v sqlite3 >/dev/null; then
        db="$KIZUNA_DATA/kizuna.db"
        nobj=$(sqlite3 "$db" "SELECT count(*) FROM objects") || fail "round $r: sqlite3"
        nidx=$(sqlite3 "$db" "SELECT count(*) FROM fts WHERE fts MATCH 'crash'") || fail "round $r: sqlite3"
        nq=$(sqlite3 "$db" "SELECT count(*) FROM fts_queue") || fail "round $r: sqlite3"
        [ $((nidx + nq)) -eq "$nobj" ] ||
            fail "round $r: $nobj objects but $nidx indexed + $nq queued for full text"
    fi

    # Which batches did the child report committed?
    reported=$(grep -c '^committed batch' "$work/log" || true)
    # Count this round's objects per batch in the store.
    "$KIZUNA" export --collection crash > "$work/export.json" || fail "round $r: export"
    grep -o "indicator--00000000-0000-4000-8000-[0-9a-f]*" "$work/export.json" |
        awk -v base="$base" -v per="$PER_ROUND" -v batch="$BATCH" -F- '
        { n = $NF + 0 - base; if (n >= 0 && n < per) cnt[int(n / batch)]++ }
        END { for (b = 0; b < per / batch; b++) print b, (b in cnt ? cnt[b] : 0) }' \
        > "$work/counts" || fail "round $r: counting"
    full=0
    while read -r b c; do
        if [ "$c" -ne 0 ] && [ "$c" -ne "$BATCH" ]; then
            fail "round $r: batch $b is partial ($c of $BATCH objects)"
        fi
        if [ "$b" -lt "$reported" ] && [ "$c" -ne "$BATCH" ]; then
            fail "round $r: batch $b was reported committed but holds $c objects"
        fi
        [ "$c" -eq "$BATCH" ] && full=$((full + 1))
    done < "$work/counts"
    # committed batches form a prefix, and at most one more than reported
    # (the child may die between COMMIT and its report line)
    if [ "$full" -lt "$reported" ] || [ "$full" -gt $((reported + 1)) ]; then
        fail "round $r: $full full batches but $reported reported"
    fi
    echo "round $r: reported $reported, stored $full of $((PER_ROUND / BATCH)) batches"
done
# An import that completes indexes whatever killed imports left queued.
if command -v sqlite3 >/dev/null; then
    gen 99000000 1 > "$work/last.json"
    "$KIZUNA" import -q --collection crash "$work/last.json" || fail "final import"
    db="$KIZUNA_DATA/kizuna.db"
    nobj=$(sqlite3 "$db" "SELECT count(*) FROM objects")
    nidx=$(sqlite3 "$db" "SELECT count(*) FROM fts WHERE fts MATCH 'crash'")
    nq=$(sqlite3 "$db" "SELECT count(*) FROM fts_queue")
    [ "$nq" -eq 0 ] && [ "$nidx" -eq "$nobj" ] ||
        fail "after a full import: $nobj objects, $nidx indexed, $nq still queued"
    out=$("$KIZUNA" check 2>&1) || fail "check after the final import: $out"
fi
echo "store_crash: $ROUNDS rounds, $killed killed mid-import, no loss, no partial batch"
[ "$killed" -gt 0 ] || fail "no round was killed mid-import (machine too fast? raise PER_ROUND)"
