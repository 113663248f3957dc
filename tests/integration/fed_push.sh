#!/usr/bin/env bash
# fed_push.sh - push subscriptions between two real nodes over TLS: the
# sharing policy (nothing without a subscription; the TLP ceiling, green by
# default; AMBER+STRICT and RED never leave, whatever the ceiling; unmarked
# objects take the collection default; --types), the outbox drained once
# and never resent, outbox depth in peer status, and a partner down for
# the first half of the run receiving everything when it is back.
source "$(dirname "$0")/fed_lib.bash"
make_node tokyo green
make_node washington
k washington collection add dflt --tlp green >/dev/null
k washington collection add typed --tlp green >/dev/null
start_node washington
add_peer tokyo washington

gen_objects cc03 120 none clear green amber amber+strict red >"$T/b1.json"
k tokyo import --collection intel "$T/b1.json" >/dev/null

echo "== nothing is pushed without a subscription"
k tokyo sync >"$T/s0.out" 2>&1 || fail "sync without subscriptions: $(cat "$T/s0.out")"
[ "$(versions washington | wc -l)" = 0 ] || fail "something was pushed without a subscription"

echo "== push with ceiling amber: AMBER+STRICT and RED stay home"
k tokyo subscribe push intel --to washington "Intel washington" --tlp-max red >/dev/null 2>&1 &&
    true # a ceiling of red is accepted, but red still never leaves
k tokyo subscribe list | grep -q push || fail "no push subscription"
k tokyo peer status >"$T/st0.out"
grep -q 'outbox 144' "$T/st0.out" || fail "outbox depth before sync: $(cat "$T/st0.out")"
k tokyo sync >"$T/s1.out" 2>&1 || fail "push: $(cat "$T/s1.out")"
cat "$T/s1.out"
bundle_versions "$T/b1.json" none clear green amber >"$T/want1"
expect_versions "$T/want1" washington
k tokyo peer status >"$T/st1.out"
grep -q 'outbox 0' "$T/st1.out" || fail "outbox not drained: $(cat "$T/st1.out")"

echo "== default ceiling (green) and --types"
k tokyo subscribe push intel --to washington dflt >/dev/null
k tokyo subscribe push intel --to washington typed --types malware --tlp-max amber >/dev/null
k tokyo sync >"$T/s2.out" 2>&1 || fail "push 2: $(cat "$T/s2.out")"
n=$(k washington export --collection dflt --version all | python3 -c '
import json,sys; o=json.load(sys.stdin).get("objects",[])
bad=[x["name"] for x in o if not x["name"].endswith(("-clear","-green","-none"))]
assert not bad, bad[:3]; print(len(o))') || fail "default ceiling let more than green out"
[ "$n" = "$(bundle_versions "$T/b1.json" none clear green | wc -l)" ] || fail "default ceiling: $n"
n=$(k washington export --collection typed --version all | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("objects",[])))')
[ "$n" = 0 ] || fail "--types malware pushed $n indicators"

echo "== nothing is pushed twice"
k tokyo sync >"$T/s3.out" 2>&1 || fail "push 3"
grep -q 'pushed 0 ' "$T/s3.out" || fail "pushed again: $(cat "$T/s3.out")"

echo "== a partner down for the first half of the run"
stop_node washington
for i in 1 2 3; do
    gen_objects "dd0$i" 30 green amber red >"$T/d$i.json"
    k tokyo import --collection intel "$T/d$i.json" >/dev/null
    rc=0; k tokyo sync >/dev/null 2>"$T/down$i.err" || rc=$?
    [ "$rc" -eq 1 ] || fail "sync to a down partner gave $rc"
done
k tokyo peer status | grep -q 'retry #3' || fail "retries not counted: $(k tokyo peer status)"
k tokyo peer status | grep 'Intel washington' | grep -q 'outbox 108' || fail "outbox depth while down: $(k tokyo peer status)"
start_node washington
k tokyo sync >"$T/s4.out" 2>&1 || fail "push after the partner returned: $(cat "$T/s4.out")"
for i in 1 2 3; do bundle_versions "$T/d$i.json" green amber; done | cat - "$T/want1" | sort >"$T/want2"
expect_versions "$T/want2" washington
k tokyo peer status | grep 'Intel washington' | grep -q 'error -' || fail "error not cleared"
echo "PASS"
