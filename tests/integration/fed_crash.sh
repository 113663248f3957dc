#!/usr/bin/env bash
# fed_crash.sh - kill -9 in the middle of federation, repeatedly: the
# receiving `kizuna sync` mid-pull, the sending `kizuna sync` mid-push, and
# the receiving server mid-push; after recovery every node holds exactly
# the expected versions, nothing lost, nothing twice.
source "$(dirname "$0")/fed_lib.bash"
make_node tokyo
make_node washington
make_node canberra
start_node tokyo
start_node washington
start_node canberra
gen_objects ee05 2500 green clear amber >"$T/big.json"
k tokyo import --collection intel "$T/big.json" >/dev/null
# the expected sets are what the sending node holds (import may add objects
# of its own, e.g. the node's identity when it signs what it publishes)
versions tokyo >"$T/want"
[ "$(wc -l <"$T/want")" -ge 3000 ] || fail "tokyo holds $(wc -l <"$T/want") versions, want >= 3000"

# kill_during SECONDS CMD...: runs CMD in the background, kill -9 after SECONDS
kill_during() {
    local s=$1
    shift
    "$@" >/dev/null 2>&1 &
    local p=$!
    sleep "$s"
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}

echo "== kill -9 the receiving sync mid-pull, five times"
add_peer washington tokyo
k washington subscribe pull tokyo "Intel tokyo" --into intel >/dev/null
# page_consistent: a page, the provenance of what it added and the
# checkpoint commit in one transaction, so after any kill every stored
# version has exactly one provenance row (none more: no rows staged for a
# page that was never stored, no "pending" rows at all), and the checkpoint
# is set exactly when something was stored
page_consistent() {
    command -v sqlite3 >/dev/null || return 0
    local db="$T/washington/kizuna.db" nv np npend ncp
    nv=$(versions washington | wc -l)
    np=$(sqlite3 "$db" "SELECT count(*) FROM fed_provenance") || fail "sqlite3"
    npend=$(sqlite3 "$db" "SELECT count(*) FROM fed_provenance WHERE pending <> 0")
    ncp=$(sqlite3 "$db" "SELECT count(*) FROM fed_checkpoint WHERE added_after <> ''")
    [ "$np" -eq "$nv" ] || fail "after kill $1: $nv versions stored but $np provenance rows"
    [ "$npend" -eq 0 ] || fail "after kill $1: $npend pending provenance rows"
    if [ "$nv" -gt 0 ]; then
        [ "$ncp" -eq 1 ] || fail "after kill $1: $nv versions stored, no checkpoint"
    else
        [ "$ncp" -eq 0 ] || fail "after kill $1: a checkpoint without a stored page"
    fi
}
n=0
for d in 0.3 0.5 0.2 0.7 0.4; do
    kill_during "$d" "$KIZUNA" --data "$T/washington" sync --page-size 40
    n=$((n + 1))
    page_consistent "$n"
done
got=$(versions washington | wc -l)
echo "   after the kills washington holds $got of $(wc -l <"$T/want")"
k washington sync --page-size 40 >/dev/null 2>&1 || fail "final pull"
expect_versions "$T/want" washington
page_consistent final
k washington check >/dev/null || fail "washington database check"

echo "== kill -9 the sending sync mid-push, five times"
add_peer washington canberra
k washington subscribe push intel --to canberra "Intel canberra" --tlp-max amber >/dev/null
for d in 0.3 0.6 0.2 0.5 0.4; do
    kill_during "$d" "$KIZUNA" --data "$T/washington" sync --push
done
echo "   after the kills canberra holds $(versions canberra | wc -l) of $(wc -l <"$T/want")"
k washington sync --push >/dev/null 2>&1 || fail "final push"
expect_versions "$T/want" canberra

echo "== kill -9 the receiving server mid-push, three times"
gen_objects ff06 1500 green >"$T/more.json"
k washington import --collection intel "$T/more.json" >/dev/null
versions washington >"$T/want2"
[ "$(wc -l <"$T/want2")" -ge 4500 ] || fail "washington holds $(wc -l <"$T/want2"), want >= 4500"
for d in 0.3 0.6 0.4; do
    "$KIZUNA" --data "$T/washington" sync --push >/dev/null 2>&1 &
    p=$!
    sleep "$d"
    kill9_node canberra
    wait "$p" 2>/dev/null || true
    start_node canberra
done
echo "   after the kills canberra holds $(versions canberra | wc -l) of $(wc -l <"$T/want2")"
k washington sync --push >/dev/null 2>&1 || fail "final push after server kills"
expect_versions "$T/want2" canberra
k canberra check >/dev/null || fail "canberra database check"
echo "PASS"
