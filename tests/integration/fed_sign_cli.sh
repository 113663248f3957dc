#!/usr/bin/env bash
# fed_sign_cli.sh - end-to-end signatures between two real nodes: init makes
# each node's key, partners exchange keys with trust show/add, tokyo signs a
# bundle, washington verifies it (also after a relay re-serialises it), and
# every kind of tampering (a property, the signature, the key id) is
# rejected; single objects and arrays; trust list/remove/keygen, --help
# and the usage errors.
set -u
KIZUNA=${KIZUNA:?set KIZUNA to the kizuna binary}
SHARED=${KZ_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}

work=$(mktemp -d /tmp/kz-fedsign-XXXXXX)
trap 'rm -rf "$work"' EXIT
unset KIZUNA_DATA
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect() {
    local want=$1; shift
    "$@" > "$work/out" 2> "$work/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want: $(head -c 300 "$work/err")"
}
tokyo=$work/tokyo
wash=$work/washington

# ---- keys ----
expect 0 "$KIZUNA" init -q "$tokyo"
expect 0 "$KIZUNA" init -q "$wash"
[ "$(stat -c %a "$tokyo/keys")" = 700 ] || fail "keys/ is not 0700"
[ "$(stat -c %a "$tokyo/keys/ed25519.key")" = 600 ] || fail "ed25519.key is not 0600"
expect 0 "$KIZUNA" --data "$tokyo" trust show
tokyo_key=$(cat "$work/out")
[[ $tokyo_key =~ ^ed25519:[A-Za-z0-9_-]{43}$ ]] || fail "trust show printed '$tokyo_key'"
[ "$tokyo_key" = "$(cat "$tokyo/keys/ed25519.pub")" ] || fail "ed25519.pub differs from trust show"
expect 0 "$KIZUNA" --data "$wash" trust show
wash_key=$(cat "$work/out")
[ "$tokyo_key" != "$wash_key" ] || fail "two nodes got the same key"

# ---- trust ----
expect 0 "$KIZUNA" --data "$wash" trust add tokyo "$tokyo_key"
expect 2 "$KIZUNA" --data "$wash" trust add tokyo "$wash_key"
grep -q "already trusted" "$work/err" || fail "duplicate name: $(cat "$work/err")"
expect 2 "$KIZUNA" --data "$wash" trust add other "$tokyo_key"
expect 2 "$KIZUNA" --data "$wash" trust add 'bad name' "$tokyo_key"
expect 2 "$KIZUNA" --data "$wash" trust add self "$tokyo_key"
expect 2 "$KIZUNA" --data "$wash" trust add x ed25519:nope
grep -q "is not a key" "$work/err" || fail "bad key: $(cat "$work/err")"
# its own key may also be trusted under a name (then it is listed under that name, not self)
expect 0 "$KIZUNA" --data "$wash" trust add canberra "$wash_key"
expect 0 "$KIZUNA" --data "$wash" trust list
grep -q "^tokyo	$tokyo_key\$" "$work/out" || fail "trust list: $(cat "$work/out")"
expect 0 "$KIZUNA" --data "$wash" trust remove canberra
expect 2 "$KIZUNA" --data "$wash" trust remove canberra
grep -q "is not trusted" "$work/err" || fail "remove twice: $(cat "$work/err")"
expect 2 "$KIZUNA" trust list
expect 2 "$KIZUNA" --data "$work/none" trust list
grep -q "no node in" "$work/err" || fail "no node: $(cat "$work/err")"
for c in trust sign verify; do
    expect 0 "$KIZUNA" $c --help
    grep -q "^usage: kizuna $c" "$work/out" || fail "$c --help"
done
expect 2 "$KIZUNA" --data "$wash" trust frobnicate

# ---- sign on tokyo, verify on washington ----
bundle=$work/b.json
cat > "$bundle" <<'JSON'
{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
  {"type": "indicator", "spec_version": "2.1",
   "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
   "created": "2026-11-26T09:00:00.000Z", "modified": "2026-11-26T09:00:00.000Z",
   "name": "東京 C2 server", "pattern": "[ipv4-addr:value = '198.51.100.7']",
   "pattern_type": "stix", "valid_from": "2026-11-26T09:00:00Z", "confidence": 85,
   "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
  {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.7"},
  {"type": "marking-definition", "spec_version": "2.1",
   "id": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
   "created": "2022-10-01T00:00:00.000Z", "name": "TLP:GREEN",
   "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                  {"extension_type": "property-extension", "tlp_2_0": "green"}}}
]}
JSON
expect 0 "$KIZUNA" --data "$tokyo" sign "$bundle" -o "$work/signed.json"
expect 0 "$KIZUNA" validate "$work/signed.json"
[ "$(grep -c '"sig":' "$work/signed.json")" -eq 2 ] || fail "expected 2 signed objects"
grep -q '"id":"extension-definition--2ca233b3-cea9-4783-9129-d362e531cbcd"' "$work/signed.json" ||
    fail "extension-definition not appended"
expect 0 "$KIZUNA" --data "$wash" verify "$work/signed.json"
grep -q "2 verified, 3 unsigned, 0 bad signature, 0 unknown signer" "$work/out" ||
    fail "verify summary: $(tail -1 "$work/out")"
grep -q "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f	verified	tokyo" "$work/out" ||
    fail "indicator not verified as tokyo: $(cat "$work/out")"
# stdin, and the key given as a file
expect 0 "$KIZUNA" sign --key "$tokyo/keys/ed25519.key" - < "$bundle"
cp "$work/out" "$work/signed2.json"
expect 0 "$KIZUNA" --data "$wash" verify - < "$work/signed2.json"
# tokyo verifies its own signatures as self
expect 0 "$KIZUNA" --data "$tokyo" verify "$work/signed.json"
grep -q "verified	self" "$work/out" || fail "tokyo does not see itself: $(cat "$work/out")"
# signing a signed bundle again is idempotent (same signatures, no second definition)
expect 0 "$KIZUNA" --data "$tokyo" sign "$work/signed.json" -o "$work/resigned.json"
cmp -s "$work/signed.json" "$work/resigned.json" || fail "re-signing changed the bundle"

# ---- a relay re-serialises: pretty-printed, members reordered, still verifies ----
if command -v python3 > /dev/null; then
    python3 -c 'import json,sys
b = json.load(open(sys.argv[1]))
b["objects"] = [dict(reversed(list(o.items()))) for o in b["objects"]]
json.dump(b, open(sys.argv[2], "w"), indent=4, ensure_ascii=True)' "$work/signed.json" "$work/relayed.json"
    expect 0 "$KIZUNA" --data "$wash" verify "$work/relayed.json"
fi

# ---- through a node's store: import on washington, export, still verified ----
expect 0 "$KIZUNA" --data "$wash" collection add intel
expect 0 "$KIZUNA" --data "$wash" import --collection intel "$work/signed.json"
"$KIZUNA" --data "$wash" export --collection intel > "$work/exported.json" 2> "$work/err" ||
    fail "export: $(cat "$work/err")"
expect 0 "$KIZUNA" --data "$wash" verify "$work/exported.json"
grep -q "2 verified" "$work/out" || fail "after the store: $(tail -1 "$work/out")"

# ---- tampering ----
sed 's/東京 C2 server/東京 C2 server (benign)/' "$work/signed.json" > "$work/t1.json"
expect 1 "$KIZUNA" --data "$wash" verify "$work/t1.json"
grep -q "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f	bad-signature" "$work/out" ||
    fail "tampered name not caught: $(cat "$work/out")"
grep -q "1 bad signature" "$work/out" || fail "summary: $(tail -1 "$work/out")"
sed 's/198\.51\.100\.7/203.0.113.9/g' "$work/signed.json" > "$work/t2.json"
expect 1 "$KIZUNA" --data "$wash" verify -q "$work/t2.json"
grep -q "2 bad signature" "$work/out" || fail "tampered value: $(cat "$work/out")"
# one character of the first signature (not its last: that one carries padding bits)
sig=$(grep -o '"sig":"[^"]*"' "$work/signed.json" | head -1 | cut -d'"' -f4)
if [ "${sig:10:1}" = A ]; then c=B; else c=A; fi
sed "s/$sig/${sig:0:10}$c${sig:11}/" "$work/signed.json" > "$work/t3.json"
cmp -s "$work/signed.json" "$work/t3.json" && fail "sed did not change the signature"
expect 1 "$KIZUNA" --data "$wash" verify "$work/t3.json"
sed "s/$tokyo_key/$wash_key/" "$work/signed.json" > "$work/t4.json"
expect 1 "$KIZUNA" --data "$wash" verify "$work/t4.json"
grep -q "bad-signature" "$work/out" || fail "swapped key id: $(cat "$work/out")"
# an untrusted signer
expect 0 "$KIZUNA" --data "$wash" trust remove tokyo
expect 1 "$KIZUNA" --data "$wash" verify "$work/signed.json"
grep -q "unknown-signer" "$work/out" || fail "untrusted signer: $(cat "$work/out")"

# ---- other document shapes: one object, a JSON array ----
sed -n '2,7p' "$bundle" | sed 's/},$/}/' > "$work/one.json"
expect 0 "$KIZUNA" --data "$tokyo" sign "$work/one.json" -o "$work/one.signed.json"
[ "$(head -c 1 "$work/one.signed.json")" = "{" ] || fail "single object: $(head -c 80 "$work/one.signed.json")"
grep -q '"type":"extension-definition"' "$work/one.signed.json" && fail "definition added to a single object"
expect 0 "$KIZUNA" trust add tokyo "$tokyo_key" --data "$wash"
expect 0 "$KIZUNA" --data "$wash" verify "$work/one.signed.json"
grep -q '^\$	indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f	verified	tokyo' "$work/out" ||
    fail "single object verify: $(cat "$work/out")"
printf '[{"type":"x-a","n":1},\n{"type":"x-b","s":"\\u00e9"}]' > "$work/arr.json"
expect 0 "$KIZUNA" --data "$tokyo" sign "$work/arr.json" -o "$work/arr.signed.json"
expect 0 "$KIZUNA" --data "$wash" verify "$work/arr.signed.json"
grep -q '^\$\[1\]	-	verified	tokyo' "$work/out" || fail "array verify: $(cat "$work/out")"
grep -q "4 objects: 2 verified, 2 unsigned" "$work/out" || fail "array: $(tail -1 "$work/out")"
expect 0 "$KIZUNA" --data "$wash" trust remove tokyo

# ---- keygen: a node made before signatures gets a key, an existing key is kept ----
mv "$tokyo/keys" "$work/keys.saved"
expect 2 "$KIZUNA" --data "$tokyo" trust show
grep -q "trust keygen" "$work/err" || fail "show without key: $(cat "$work/err")"
expect 0 "$KIZUNA" --data "$tokyo" trust keygen
[ "$(cat "$work/out")" != "$tokyo_key" ] || fail "keygen reused the old key"
new_key=$(cat "$work/out")
expect 0 "$KIZUNA" --data "$tokyo" trust keygen
[ "$(cat "$work/out")" = "$new_key" ] || fail "second keygen replaced the key"
grep -q "already has a key" "$work/err" || fail "keygen twice: $(cat "$work/err")"
rm -rf "$tokyo/keys" && mv "$work/keys.saved" "$tokyo/keys"

# ---- errors ----
expect 2 "$KIZUNA" --data "$wash" verify "$work/missing.json"
grep -q "cannot open" "$work/err" || fail "missing file: $(cat "$work/err")"
printf '{"type":"bundle","objects":[{"a":' > "$work/cut.json"
expect 2 "$KIZUNA" --data "$tokyo" sign "$work/cut.json"
expect 2 "$KIZUNA" --data "$wash" verify "$work/cut.json"
expect 2 "$KIZUNA" sign "$bundle"
grep -q "no data directory" "$work/err" || fail "sign without a key: $(cat "$work/err")"
expect 2 "$KIZUNA" sign --key "$bundle" "$bundle"
grep -q "not an Ed25519 key file" "$work/err" || fail "bad key file: $(cat "$work/err")"

# ---- a real bundle: every object signs, validates and verifies ----
ics=$SHARED/data/stix/ics-attack-18.1.json
if [ -f "$ics" ]; then
    expect 0 "$KIZUNA" --data "$tokyo" sign "$ics" -o "$work/ics.json"
    expect 0 "$KIZUNA" validate "$work/ics.json"
    expect 0 "$KIZUNA" --data "$tokyo" verify -q "$work/ics.json"
    grep -q " 0 bad signature, 0 unknown signer" "$work/out" || fail "ics: $(tail -1 "$work/out")"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "fed_sign_cli: ok"
