#!/usr/bin/env bash
# fed_workers.sh - a pull judged by 1 worker thread and by 4 (kizuna.conf
# fed_workers) stores exactly the same versions with the same bytes and
# reports the same lines in the same order: signed objects from a trusted
# key, from an untrusted one, tampered ones (bad-signature), unsigned ones,
# AMBER objects above the subscription's ceiling, in pages of 100, under
# --signatures mark and reject; a bad fed_workers value fails the pull with
# the line of kizuna.conf.
source "$(dirname "$0")/fed_lib.bash"
make_node src amber
make_node other
for n in one four; do make_node $n; done
echo "fed_workers = 1" >>"$T/one/kizuna.conf"
echo "fed_workers = 4" >>"$T/four/kizuna.conf"
start_node src
SRC_KEY=$(k src trust show | grep -o 'ed25519:[A-Za-z0-9_-]*' | head -1)
[ -n "$SRC_KEY" ] || fail "no key on src: $(k src trust show)"

gen_objects 3b01 400 green amber clear >"$T/a.json"
k src sign "$T/a.json" >"$T/a.signed.json" || fail "sign a"
gen_objects 3b02 150 green >"$T/b.json"
k other sign "$T/b.json" >"$T/b.signed.json" || fail "sign b (other key)"
gen_objects 3b03 120 green none >"$T/c.json"
# every seventh signed object altered after signing: bad-signature
python3 - "$T/a.signed.json" >"$T/t.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
out = []
for i, o in enumerate(x for x in d["objects"] if x["type"] == "indicator"):
    if i % 7 == 0:
        o = dict(o, id=o["id"].replace("3b01", "3b04"), name="altered")
        out.append(o)
print(json.dumps({"type": "bundle", "id": "bundle--3b040000-0000-4000-8000-000000000000", "objects": out}))
PY
# interleaved on src: the kinds alternate within every page
for f in a.signed b.signed c t; do
    k src import --collection intel "$T/$f.json" >/dev/null || fail "import $f"
done

for n in one four; do
    k $n trust add src "$SRC_KEY" >/dev/null
    k $n collection add strict --tlp green >/dev/null
    add_peer $n src
    k $n subscribe pull src "Intel src" --into intel --tlp-max green --signatures mark >/dev/null
    k $n subscribe pull src "Intel src" --into strict --tlp-max green --signatures reject >/dev/null
    rc=0
    k $n sync --pull --page-size 100 >"$T/$n.sync" 2>"$T/$n.report" || rc=$?
    [ "$rc" -eq 0 ] || fail "$n sync: $rc $(cat "$T/$n.report")"
done
cat "$T/four.sync"
grep -q 'bad-signature' "$T/four.report" || fail "no bad-signature reported: $(head "$T/four.report")"
grep -q 'unsigned, rejected' "$T/four.report" || fail "no unsigned rejected: $(head "$T/four.report")"
grep -q 'unknown-signer' "$T/four.report" || fail "no unknown-signer rejected: $(head "$T/four.report")"
grep -q 'withheld [1-9]' "$T/four.sync" || fail "nothing withheld: $(cat "$T/four.sync")"
grep -q 'signature verified [1-9]' "$T/four.sync" || fail "nothing verified: $(cat "$T/four.sync")"
diff "$T/one.sync" "$T/four.sync" >&2 || fail "counts differ between 1 and 4 workers"
diff "$T/one.report" "$T/four.report" >&2 || fail "reports differ between 1 and 4 workers"
# the stored objects, in the store's order (the bundle's own id is random)
objects() { python3 -c 'import json,sys; [print(json.dumps(o, sort_keys=True)) for o in json.load(sys.stdin)["objects"]]'; }
for c in intel strict; do
    k one export --collection $c --version all | objects >"$T/one.$c.json"
    k four export --collection $c --version all | objects >"$T/four.$c.json"
    [ -s "$T/one.$c.json" ] || fail "nothing stored in $c"
    cmp -s "$T/one.$c.json" "$T/four.$c.json" || fail "collection $c differs between 1 and 4 workers"
done
# the signature verdicts recorded with the versions
for id in $(python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in list(open(sys.argv[1]))[::97]]' "$T/one.intel.json"); do
    [ "$(k one show "$id" | grep -i signature)" = "$(k four show "$id" | grep -i signature)" ] ||
        fail "signature record of $id differs"
done

echo "== a bad fed_workers value fails the pull with its line"
echo "fed_workers = 0" >>"$T/other/kizuna.conf"
add_peer other src
k other subscribe pull src "Intel src" --into intel >/dev/null
rc=0; k other sync --pull >/dev/null 2>"$T/other.err" || rc=$?
grep -q 'fed_workers must be 1..64' "$T/other.err" || fail "bad fed_workers: rc $rc $(cat "$T/other.err")"
echo "PASS"
