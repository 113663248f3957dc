#!/usr/bin/env bash
# fed_pull.sh - two real nodes over TLS: peers, a pull subscription, a
# round that pages through everything (small pages), a second round that
# adds nothing, provenance in `kizuna show`, new objects after the
# checkpoint, TLP and type filters on pull, peer status, usage errors.
source "$(dirname "$0")/fed_lib.bash"
make_node tokyo
make_node washington
start_node tokyo
start_node washington

echo "== usage and errors"
"$KIZUNA" peer --help | grep -q 'usage: kizuna peer' || fail "peer --help"
"$KIZUNA" subscribe --help | grep -q 'usage: kizuna subscribe' || fail "subscribe --help"
"$KIZUNA" sync --help | grep -q 'usage: kizuna sync' || fail "sync --help"
"$KIZUNA" show --help | grep -q 'usage: kizuna show' || fail "show --help"
rc=0; k washington peer add bad --url ftp://x/ --token t 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "ftp url accepted ($rc)"
rc=0; k washington subscribe pull nobody intel --into intel 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "subscription to an unknown peer ($rc)"

echo "== publish on tokyo, pull into washington"
gen_objects aa01 230 none green clear amber >"$T/b1.json"
k tokyo import --collection intel "$T/b1.json" >/dev/null
bundle_versions "$T/b1.json" >"$T/want1"
add_peer washington tokyo
k washington peer list | grep -q '^tokyo' || fail "peer list"
SUB=$(k washington subscribe pull tokyo "Intel tokyo" --into intel)
k washington subscribe list | grep -q "pull" || fail "subscribe list"
k washington sync --page-size 17 >"$T/sync1.out" 2>"$T/sync1.err" || fail "sync: $(cat "$T/sync1.err")"
cat "$T/sync1.out"
expect_versions "$T/want1" washington
echo "== a second round adds nothing"
k washington sync >"$T/sync2.out" 2>&1 || fail "sync 2: $(cat "$T/sync2.out")"
grep -q '^pulled 0 ' "$T/sync2.out" || fail "second round pulled again: $(cat "$T/sync2.out")"
expect_versions "$T/want1" washington

echo "== provenance"
ID=$(head -1 "$T/want1" | cut -d' ' -f1)
k washington show "$ID" >"$T/show.out" || fail "show"
grep -q 'provenance:  peer tokyo' "$T/show.out" || fail "no provenance: $(cat "$T/show.out")"
k tokyo show "$ID" | grep -q 'provenance:  local' || fail "local provenance on tokyo"
rc=0; k washington show indicator--00000000-0000-4000-8000-00000000dead >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "show of a missing object gave $rc"

echo "== new objects after the checkpoint"
gen_objects bb02 40 green >"$T/b2.json"
k tokyo import --collection intel "$T/b2.json" >/dev/null
k washington sync >"$T/sync3.out" 2>&1 || fail "sync 3"
grep -q '^pulled 48 ' "$T/sync3.out" || fail "third round: $(cat "$T/sync3.out")"
cat "$T/want1" <(bundle_versions "$T/b2.json") | sort >"$T/want2"
expect_versions "$T/want2" washington

echo "== filters on pull: --types and --tlp-max"
k washington collection add filtered --tlp green >/dev/null
k washington subscribe pull tokyo "Intel tokyo" --into filtered --tlp-max clear >/dev/null
k washington collection add typed --tlp green >/dev/null
k washington subscribe pull tokyo "Intel tokyo" --into typed --types malware,tool >/dev/null
rc=0; k washington subscribe pull tokyo "Intel tokyo" --into typed 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "a duplicate subscription gave $rc"
k washington sync >/dev/null 2>&1 || fail "sync 4"
n=$(k washington export --collection filtered --version all | python3 -c 'import json,sys; o=json.load(sys.stdin).get("objects",[]); assert all(x["name"].endswith(("-clear","-none")) for x in o), o[:1]; print(len(o))')
# clear and unmarked objects of b1 (unmarked is not above the ceiling on pull: the sender decided)
want=$(bundle_versions "$T/b1.json" clear none | wc -l)
[ "$n" = "$want" ] || fail "filtered pull holds $n, want $want"
n=$(k washington export --collection typed --version all | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("objects",[])))')
[ "$n" = 0 ] || fail "--types malware,tool let $n indicators in"

echo "== peer status"
k washington peer status >"$T/status.out" || fail "peer status"
grep -q "pull" "$T/status.out" || fail "status: $(cat "$T/status.out")"
grep -q 'error -' "$T/status.out" || fail "status shows an error: $(cat "$T/status.out")"

echo "== TLS: an unknown certificate fails; --insecure works and warns on every use"
k washington peer add tokyo-noca --url "https://127.0.0.1:${PORT[tokyo]}/taxii2/" --token "${TOKEN[tokyo]}" >/dev/null
k washington collection add insecure --tlp green >/dev/null
k washington subscribe pull tokyo-noca "Intel tokyo" --into insecure >/dev/null
rc=0; k washington sync --peer tokyo-noca >/dev/null 2>"$T/noca.err" || rc=$?
[ "$rc" -eq 1 ] || fail "unverifiable certificate accepted ($rc)"
grep -qi 'certificate\|SSL\|TLS' "$T/noca.err" || fail "no TLS reason: $(cat "$T/noca.err")"
k washington peer remove tokyo-noca
k washington peer add tokyo-insecure --url "https://127.0.0.1:${PORT[tokyo]}/taxii2/" --token "${TOKEN[tokyo]}" \
    --insecure >/dev/null 2>"$T/insecure.err"
grep -q 'NOT be checked' "$T/insecure.err" || fail "peer add --insecure did not warn"
k washington subscribe pull tokyo-insecure "Intel tokyo" --into insecure >/dev/null
for i in 1 2; do
    k washington sync --peer tokyo-insecure >/dev/null 2>"$T/insecure$i.err" || fail "insecure sync"
    grep -q 'NOT checked (--insecure)' "$T/insecure$i.err" || fail "sync $i with --insecure did not warn"
done
k washington peer show tokyo-insecure | grep -q 'NOT VERIFIED' || fail "peer show hides --insecure"

echo "== an unreachable peer is an error on it, not a crash"
stop_node tokyo
rc=0; k washington sync >/dev/null 2>"$T/sync5.err" || rc=$?
[ "$rc" -eq 1 ] || fail "sync with tokyo down gave $rc"
k washington peer show tokyo | grep -q 'last error:    https' || fail "last error not recorded: $(k washington peer show tokyo)"
echo "PASS"
