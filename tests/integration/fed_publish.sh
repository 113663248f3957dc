#!/usr/bin/env bash
# fed_publish.sh - what a node publishes is signed by it (issue 6): kizuna
# import signs with the node key (deterministically: a second import adds
# nothing) and a partner that pulls it verifies the signer; a TAXII POST by
# an ordinary account (a local tool) is signed too, one by a peer node's
# account (account add --peer) is stored as received, and the account that
# delivered each POSTed version first is shown by `kizuna show`; --no-sign,
# sign_on_publish = false, and a node without a key (one warning).
source "$(dirname "$0")/fed_lib.bash"

make_node tokyo
make_node washington
# signing on publish is the default: whatever the shared fixture sets
sed -i '/^sign_on_publish/d' "$T/tokyo/kizuna.conf" "$T/washington/kizuna.conf"
k washington trust add tokyo "$(k tokyo trust show)" >/dev/null

# verify_status NODE FILE ID: the verify status of object ID in FILE as NODE sees it
verify_status() {
    k "$1" verify "$2" 2>/dev/null | awk -F'\t' -v id="$3" '$2 == id { print $3 "\t" $4 }'
}
# stored NODE ID: the stored JSON of the latest version of ID
stored() {
    k "$1" show "$2" | sed -n '/^{/,$p'
}
# post NODE USER TOKEN FILE: POST envelope FILE to NODE's intel; prints the status resource
post() {
    curl -sS --fail --cacert "$T/$1/tls/cert.pem" -u "$2:$3" \
        -H 'Accept: application/taxii+json;version=2.1' \
        -H 'Content-Type: application/taxii+json;version=2.1' \
        --data-binary @"$4" "https://127.0.0.1:${PORT[$1]}/api/collections/intel/objects/"
}
# envelope PREFIX N > FILE: a TAXII envelope of gen_objects' objects
envelope() {
    gen_objects "$1" "$2" | python3 -c 'import json,sys; print(json.dumps({"objects": json.load(sys.stdin)["objects"]}))'
}

echo "== import signs with the node key"
gen_objects a1a1 20 green clear >"$T/b1.json"
k tokyo import --collection intel "$T/b1.json" >"$T/imp1.out" 2>"$T/imp1.err" || fail "import: $(cat "$T/imp1.err")"
grep -q '24 objects read: 24 added, .*, 24 signed by this node' "$T/imp1.out" || fail "import summary: $(cat "$T/imp1.out")"
[ ! -s "$T/imp1.err" ] || fail "import said: $(cat "$T/imp1.err")"
k tokyo export --collection intel --version all >"$T/exp1.json"
ID=indicator--a1a10000-0000-4000-8000-000000000003
[ "$(verify_status tokyo "$T/exp1.json" "$ID")" = "verified	self" ] || fail "not signed by tokyo: $(verify_status tokyo "$T/exp1.json" "$ID")"
k tokyo verify -q "$T/exp1.json" >/dev/null || fail "tokyo's own export does not verify"
grep -q '"id":"extension-definition--2ca233b3-cea9-4783-9129-d362e531cbcd"' "$T/exp1.json" || fail "no extension-definition in the collection"
grep -q '"id":"identity--81d82ac9-c179-4cc5-95f9-da410f78bf15"' "$T/exp1.json" || fail "no identity of the extension-definition"

echo "== signing is deterministic: importing again stores nothing new"
k tokyo import --collection intel "$T/b1.json" >"$T/imp2.out" || fail "second import"
grep -q '24 objects read: 0 added, 24 already present, 0 rejected (0 conflicts)' "$T/imp2.out" || fail "second import: $(cat "$T/imp2.out")"
# the same objects re-formatted (other member order, spacing) are the same signed bytes
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["objects"]=[dict(reversed(list(o.items()))) for o in d["objects"]]; print(json.dumps(d, indent=3))' "$T/b1.json" >"$T/b1r.json"
k tokyo import --collection intel "$T/b1r.json" >"$T/imp3.out" || fail "re-formatted import"
grep -q '0 added, 24 already present, 0 rejected (0 conflicts)' "$T/imp3.out" || fail "re-formatted import: $(cat "$T/imp3.out")"
k tokyo export --collection intel --version all >"$T/exp2.json"
python3 - "$T/exp1.json" "$T/exp2.json" <<'PY' || fail "stored bytes changed"
import json, sys
a, b = (sorted(json.dumps(o, sort_keys=True) for o in json.load(open(f))["objects"]) for f in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY

echo "== an already signed object keeps its signature (never re-signed)"
gen_objects c3c3 3 >"$T/b3.json"
k washington sign --no-definition "$T/b3.json" -o "$T/b3w.json" || fail "sign on washington"
k tokyo import --collection intel "$T/b3w.json" >"$T/imp4.out" || fail "import of washington's objects"
grep -q ', 0 signed by this node' "$T/imp4.out" || fail "partner objects re-signed: $(cat "$T/imp4.out")"
WID=indicator--c3c30000-0000-4000-8000-000000000001
WKEY=$(k washington trust show)
stored tokyo "$WID" | grep -qF "\"key\":\"$WKEY\"" || fail "washington's signature not kept: $(stored tokyo "$WID")"

echo "== pulled by washington: verified, signed by tokyo"
start_node tokyo
add_peer washington tokyo
k washington subscribe pull tokyo "Intel tokyo" --into intel --signatures mark >/dev/null
k washington sync >"$T/sync1.out" 2>"$T/sync1.err" || fail "sync: $(cat "$T/sync1.err")"
k washington show "$ID" >"$T/show1.out" || fail "show on washington"
grep -q 'provenance:  peer tokyo' "$T/show1.out" || fail "provenance: $(cat "$T/show1.out")"
grep -q 'signature:   verified on arrival, signed by tokyo' "$T/show1.out" || fail "not verified: $(cat "$T/show1.out")"

echo "== --signatures reject keeps what tokyo published, and the extension-definition and its identity"
k washington collection add strict >/dev/null
k washington subscribe pull tokyo "Intel tokyo" --into strict --signatures reject >/dev/null
k washington sync >"$T/sync2.out" 2>"$T/sync2.err" || fail "reject sync: $(cat "$T/sync2.err")"
grep -q 'rejected 0,' "$T/sync2.out" || fail "reject sync rejected something: $(cat "$T/sync2.out" "$T/sync2.err")"
k washington show extension-definition--2ca233b3-cea9-4783-9129-d362e531cbcd >/dev/null || fail "extension-definition not stored under reject"
k washington show identity--81d82ac9-c179-4cc5-95f9-da410f78bf15 >/dev/null || fail "its identity not stored under reject"

echo "== TAXII POST by an ordinary account (a local tool): signed by tokyo"
TOOL=$(k tokyo account add misp --org CERT-tokyo --read intel --write intel | tail -1)
envelope d4d4 3 >"$T/e1.json"
post tokyo misp "$TOOL" "$T/e1.json" >"$T/post1.out" || fail "POST by misp"
grep -q '"success_count":4' "$T/post1.out" || fail "POST status: $(cat "$T/post1.out")"
PID1=indicator--d4d40000-0000-4000-8000-000000000001
k tokyo show "$PID1" >"$T/show2.out" || fail "show of a POSTed object"
grep -q 'provenance:  delivered first by account misp via TAXII POST at 20' "$T/show2.out" || fail "POST provenance: $(cat "$T/show2.out")"
stored tokyo "$PID1" >"$T/p1.json"
[ "$(verify_status tokyo "$T/p1.json" "$PID1")" = "verified	self" ] || fail "POSTed object not signed: $(cat "$T/p1.json")"
echo "-- posting it again stores the same bytes (present)"
post tokyo misp "$TOOL" "$T/e1.json" >"$T/post2.out" || fail "second POST"
grep -q '"success_count":4' "$T/post2.out" || fail "second POST: $(cat "$T/post2.out")"
[ "$(k tokyo show --all "$PID1" | grep -c '^version:')" -eq 1 ] || fail "versions of $PID1"

echo "== TAXII POST by a peer node's account: stored as received, provenance of that account"
PEER=$(k tokyo account add canberra --org CERT-canberra --peer --read intel --write intel | tail -1)
k tokyo account list | grep -q "^canberra	.*	peer" || fail "account list: $(k tokyo account list)"
k tokyo account list | grep "^misp	" | grep -qv "	peer" || fail "misp listed as peer"
envelope e5e5 2 >"$T/e2.json"
post tokyo canberra "$PEER" "$T/e2.json" >"$T/post3.out" || fail "POST by canberra"
grep -q '"success_count":3' "$T/post3.out" || fail "POST status: $(cat "$T/post3.out")"
PID2=indicator--e5e50000-0000-4000-8000-000000000001
stored tokyo "$PID2" >"$T/p2.json"
[ "$(verify_status tokyo "$T/p2.json" "$PID2" | cut -f1)" = "unsigned" ] || fail "a peer's object was signed by tokyo: $(cat "$T/p2.json")"
python3 - "$T/e2.json" "$T/p2.json" "$PID2" <<'PY' || fail "a peer's object was changed"
import json, sys
sent = [o for o in json.load(open(sys.argv[1]))["objects"] if o["id"] == sys.argv[3]][-1]
got = json.loads(open(sys.argv[2]).read())
sys.exit(0 if sent == got else 1)
PY
k tokyo show "$PID2" | grep -q 'provenance:  delivered first by account canberra via TAXII POST' || fail "peer POST provenance: $(k tokyo show "$PID2")"
echo "-- first delivery wins: misp posting the same version later does not replace it"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d))' "$T/e2.json" >"$T/e2b.json"
post tokyo misp "$TOOL" "$T/e2b.json" >"$T/post4.out" || true
k tokyo show "$PID2" | grep -q 'account canberra' || fail "provenance replaced: $(k tokyo show "$PID2")"

echo "== sign_on_publish = false turns signing off (import and POST)"
stop_node tokyo
echo "sign_on_publish = false" >>"$T/tokyo/kizuna.conf"
gen_objects f6f6 2 >"$T/b6.json"
k tokyo import --collection intel "$T/b6.json" >"$T/imp6.out" || fail "import with signing off"
grep -q 'signed by this node' "$T/imp6.out" && fail "signed with sign_on_publish = false: $(cat "$T/imp6.out")"
stored tokyo indicator--f6f60000-0000-4000-8000-000000000001 >"$T/p6.json"
[ "$(verify_status tokyo "$T/p6.json" indicator--f6f60000-0000-4000-8000-000000000001 | cut -f1)" = "unsigned" ] || fail "signed with signing off"
start_node tokyo
envelope a7a7 1 >"$T/e7.json"
post tokyo misp "$TOOL" "$T/e7.json" >/dev/null || fail "POST with signing off"
stored tokyo indicator--a7a70000-0000-4000-8000-000000000000 >"$T/p7.json"
[ "$(verify_status tokyo "$T/p7.json" indicator--a7a70000-0000-4000-8000-000000000000 | cut -f1)" = "unsigned" ] || fail "POST signed with signing off"
echo "sign_on_publish = maybe" >>"$T/tokyo/kizuna.conf"
rc=0; k tokyo import --collection intel "$T/b6.json" >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'sign_on_publish' "$T/bad.err" || fail "bad sign_on_publish gave $rc: $(cat "$T/bad.err")"

echo "== --no-sign"
gen_objects b8b8 2 >"$T/b8.json"
k washington import --no-sign --collection intel "$T/b8.json" >"$T/imp8.out" || fail "import --no-sign"
stored washington indicator--b8b80000-0000-4000-8000-000000000001 >"$T/p8.json"
[ "$(verify_status washington "$T/p8.json" indicator--b8b80000-0000-4000-8000-000000000001 | cut -f1)" = "unsigned" ] || fail "--no-sign signed"
k washington import --help | grep -q -- '--no-sign' || fail "import --help"
echo "-- an object that cannot be signed (no canonical form) is rejected, unless --no-sign"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["objects"][1]; o["id"]=o["id"][:-1]+"9"; s=json.dumps(o); print(s[:-1]+", \"x_big\": 1e999}")' "$T/b8.json" >"$T/big.json"
rc=0; k washington import --collection intel "$T/big.json" >/dev/null 2>"$T/big.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'cannot be signed: it has a number without an RFC 8785 form' "$T/big.err" || fail "unsignable object gave $rc: $(cat "$T/big.err")"
k washington import --no-sign --collection intel "$T/big.json" >/dev/null || fail "unsignable object with --no-sign"

echo "== a node without a key: import works, one warning"
"$KIZUNA" init "$T/nokey" >/dev/null
k nokey collection add intel >/dev/null
rm -rf "$T/nokey/keys"
gen_objects c9c9 30 >"$T/b9.json"
k nokey import --batch 7 --collection intel "$T/b9.json" >"$T/imp9.out" 2>"$T/imp9.err" || fail "import without a key"
[ "$(grep -c 'warning: no node key' "$T/imp9.err")" -eq 1 ] || fail "warnings: $(cat "$T/imp9.err")"
grep -q '36 objects read: 36 added' "$T/imp9.out" || fail "import without a key: $(cat "$T/imp9.out")"
k nokey export --collection intel >"$T/exp9.json"
grep -q 'extension-definition--' "$T/exp9.json" && fail "unsigned import added the extension-definition"

echo "OK fed_publish"
