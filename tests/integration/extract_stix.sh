#!/usr/bin/env bash
# extract_stix.sh - `kizuna extract --format stix` end to end: a report
# becomes a bundle that `kizuna validate --strict` accepts; an IOC on a
# warninglist is kept as an observable without indicator; ATT&CK names,
# CVE references, TLP and author; json hits carry their warninglists and
# the provider concentration; --publish stores the bundle in a node where
# search and export find it; `kizuna stats` gives the collection's
# provider concentration.
set -u
K=${KIZUNA:?KIZUNA must point at the kizuna binary}
ROOT=${KZ_ROOT:?KZ_ROOT must point at the repository}
D="$ROOT/tests/data/extract/stix"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export KZ_WARNINGLISTS="$ROOT/data/warninglists" KZ_ATTACK="$ROOT/data/attack/techniques.jsonl"
export KZ_EXTRACT_NOW=2026-11-26T09:00:00.000Z
unset KIZUNA_DATA

run() { # run CODE DESCRIPTION -- COMMAND...: output in $tmp/out, $tmp/err
    local want=$1 what=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$what: exit $got, expected $want"
        head -c 600 "$tmp/out" | sed 's/^/  stdout: /'
        sed 's/^/  stderr: /' "$tmp/err"
    fi
}
# py FILE EXPR...: asserts about a bundle with python (b = the bundle, o = its objects)
py() {
    local f=$1
    shift
    python3 - "$f" "$@" <<'PY' || fail "bundle check: ${*}"
import json, sys
b = json.load(open(sys.argv[1]))
o = b.get("objects", [])
def of(t): return [x for x in o if x["type"] == t]
def pat(p): return [x for x in of("indicator") if x["pattern"] == p]
for e in sys.argv[2:]:
    if not eval(e):
        print("  assertion failed:", e, file=sys.stderr)
        sys.exit(1)
PY
}

# ---- a report to a bundle, default format ----
run 0 "stix is the default" -- "$K" extract "$D/report-en.md" --tlp amber --author "Kizuna CERT"
cp "$tmp/out" "$tmp/en.json"
run 0 "bundle valid (strict)" -- "$K" validate --strict "$tmp/en.json"
py "$tmp/en.json" \
    'b["type"] == "bundle"' \
    'len(of("report")) == 1' \
    'of("report")[0]["name"] == "Operation Kizuna: C2 on shared hosting"' \
    'of("report")[0]["published"] == "2026-11-26T09:00:00.000Z"' \
    'set(of("report")[0]["object_refs"]) == set(x["id"] for x in o if x["type"] not in ("report", "identity"))' \
    'pat("[url:value = '"'"'https://evil-c2.xyz/gate.php'"'"']")' \
    'pat("[ipv4-addr:value = '"'"'45.77.65.211'"'"']")' \
    'pat("[file:hashes.'"'"'SHA-256'"'"' = '"'"'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'"'"']")' \
    'pat("[email-addr:value = '"'"'ops@evil-c2.xyz'"'"']")' \
    'all(i["pattern_type"] == "stix" and i["valid_from"] == "2026-11-26T09:00:00.000Z" for i in of("indicator"))'
# warninglisted IOCs: observables without indicators
py "$tmp/en.json" \
    '[x for x in of("ipv4-addr") if x["value"] == "8.8.8.8"]' \
    'not pat("[ipv4-addr:value = '"'"'8.8.8.8'"'"']")' \
    'not pat("[ipv4-addr:value = '"'"'52.95.110.1'"'"']")' \
    'not pat("[ipv4-addr:value = '"'"'104.16.0.1'"'"']")' \
    'not pat("[domain-name:value = '"'"'www.google.com'"'"']")' \
    '[x for x in of("domain-name") if x["value"] == "www.google.com"]' \
    '"8.8.8.8 (public-dns-v4)" in of("report")[0]["description"]'
# vulnerabilities, techniques, TLP, author
py "$tmp/en.json" \
    'of("vulnerability")[0]["name"] == "CVE-2024-3400"' \
    'of("vulnerability")[0]["external_references"] == [{"source_name": "cve", "external_id": "CVE-2024-3400"}]' \
    'sorted(x["name"] for x in of("attack-pattern") if x["external_references"][0]["external_id"] not in [e["attack_id"] for e in of("report")[0].get("x_kizuna_classified_techniques", [])]) == ["Phishing", "PowerShell"]' \
    '{"source_name": "mitre-attack", "external_id": "T1059.001", "url": "https://attack.mitre.org/techniques/T1059/001/"} in [r for x in of("attack-pattern") for r in x["external_references"]]' \
    'all(x.get("object_marking_refs") == ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"] for x in o)' \
    'of("identity")[0]["name"] == "Kizuna CERT"' \
    'all(x.get("created_by_ref") == of("identity")[0]["id"] for x in o if x["type"] in ("indicator", "report", "vulnerability", "attack-pattern"))'
# SCO ids are deterministic: the same in a second run
run 0 "second run" -- "$K" extract "$D/report-en.md"
py "$tmp/out" 'sorted(x["id"] for x in o if x["type"] in ("ipv4-addr", "url", "file")) == sorted(x["id"] for x in json.load(open("'"$tmp/en.json"'"))["objects"] if x["type"] in ("ipv4-addr", "url", "file"))' \
    '"object_marking_refs" not in of("report")[0] and not of("identity")'

# ---- Japanese HTML: title from <h1>, full-width IP ----
run 0 "japanese html" -- "$K" extract "$D/report-ja.html" --tlp clear
cp "$tmp/out" "$tmp/ja.json"
run 0 "japanese bundle valid" -- "$K" validate --strict "$tmp/ja.json"
py "$tmp/ja.json" 'of("report")[0]["name"] == "標的型攻撃に関する注意喚起 & 対策"' \
    'pat("[url:value = '"'"'http://malware-drop.jp/payload.exe'"'"']")' \
    'pat("[file:hashes.MD5 = '"'"'d41d8cd98f00b204e9800998ecf8427e'"'"']")'
# --name, stdin and the file name fallback
echo "beacon to 45.77.65.211" >"$tmp/plain.txt"
run 0 "name from file" -- "$K" extract "$tmp/plain.txt"
py "$tmp/out" 'of("report")[0]["name"] == "plain.txt"'
run 0 "--name" -- "$K" extract --name "My title" "$tmp/plain.txt"
py "$tmp/out" 'of("report")[0]["name"] == "My title"'
# nothing found: an empty bundle, exit 1
echo "nothing to see" | "$K" extract - >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "no IOC: exit 1"
py "$tmp/out" '"objects" not in b'
# usage errors
run 2 "bad tlp" -- "$K" extract --tlp purple "$tmp/plain.txt"
grep -q "unknown TLP level 'purple'" "$tmp/err" || fail "bad tlp message"
run 2 "tlp needs stix" -- "$K" extract --format tsv --tlp red "$tmp/plain.txt"
run 2 "publish needs collection" -- "$K" extract --publish "$tmp/plain.txt"
run 2 "bad format" -- "$K" extract --format xml "$tmp/plain.txt"
# --no-warninglists: every IOC gets an indicator
run 0 "no warninglists" -- "$K" extract --no-warninglists "$D/report-en.md"
py "$tmp/out" 'pat("[ipv4-addr:value = '"'"'8.8.8.8'"'"']")'
# a user list takes 45.77.65.211 off the indicators
mkdir -p "$tmp/lists"
echo '{"name": "Ours", "description": "d", "type": "cidr", "version": 1, "list": ["45.77.65.0/24"]}' >"$tmp/lists/ours.json"
run 0 "user list" -- "$K" extract --warninglists "$tmp/lists" "$D/report-en.md"
py "$tmp/out" 'not pat("[ipv4-addr:value = '"'"'45.77.65.211'"'"']")'

# ---- json: warninglists per hit, provider concentration last ----
run 0 "json" -- "$K" extract --format json "$D/report-en.md"
python3 - "$tmp/out" <<'PY' || fail "json output"
import json, sys
a = json.load(open(sys.argv[1]))
hits, summary = a[:-1], a[-1]
by = {h["value"]: h for h in hits}
assert by["8.8.8.8"]["warninglists"] == ["public-dns-v4"], by["8.8.8.8"]
assert by["52.95.110.1"]["warninglists"] == ["amazon-aws"]
assert by["45.77.65.211"]["warninglists"] == []
assert summary["type"] == "provider-concentration", summary
prov = {p["provider"]: p["iocs"] for p in summary["providers"]}
assert prov.get("Amazon") == 1 and prov.get("Cloudflare") == 1 and prov.get("Google") == 1, summary
assert summary["on_provider"] == 3 and summary["iocs"] == 7, summary  # distinct hosts
PY
run 0 "tsv with the warninglist column" -- "$K" extract --format tsv "$D/report-en.md"
grep -q "^ipv4-addr	8.8.8.8	warninglist:public-dns-v4$" "$tmp/out" || fail "tsv line: $(grep 8.8.8.8 "$tmp/out")"

# ---- --publish into a node ----
node="$tmp/node"
run 0 "init" -- "$K" init "$node"
run 0 "collection" -- "$K" --data "$node" collection add reports
run 0 "publish" -- "$K" --data "$node" extract "$D/report-en.md" --tlp green --author "Kizuna CERT" --publish --collection reports
grep -q "^published to 'reports': " "$tmp/out" || fail "publish summary: $(cat "$tmp/out")"
run 0 "search finds the indicator" -- "$K" --data "$node" search 45.77.65.211
grep -q "^indicator--" "$tmp/out" || fail "search: $(cat "$tmp/out")"
run 0 "export" -- "$K" --data "$node" export --collection reports
cp "$tmp/out" "$tmp/exported.json"
py "$tmp/exported.json" 'len(of("report")) == 1' 'pat("[ipv4-addr:value = '"'"'45.77.65.211'"'"']")' \
    'not pat("[ipv4-addr:value = '"'"'8.8.8.8'"'"']")'
run 0 "exported bundle valid" -- "$K" validate "$tmp/exported.json"
run 2 "publish to a missing collection" -- "$K" --data "$node" extract "$D/report-en.md" --publish --collection nope
grep -q "no collection 'nope'" "$tmp/err" || fail "missing collection message: $(cat "$tmp/err")"
# stats: the provider concentration of the collection
run 0 "stats" -- "$K" --data "$node" stats --collection reports
grep -q "^provider concentration: 3 of " "$tmp/out" || fail "stats: $(cat "$tmp/out")"
run 0 "stats json" -- "$K" --data "$node" stats --collection reports --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["on_provider"] == 3 and {p["provider"] for p in d["providers"]} == {"Amazon","Cloudflare","Google"}, d' "$tmp/out" || fail "stats json"

# ---- the ATT&CK classifier (data/models/attack.kzm): techniques from sentences ----
cat >"$tmp/ttp.md" <<'EOF'
# Operation Ledger

The actor sent spearphishing emails with a malicious Word attachment to the
finance team. Once opened, the macro ran cmd.exe /c whoami to identify the
current user. The implant takes screenshots of the desktop every minute.
It beaconed to 45.77.65.212 over HTTPS (T1071.001).
EOF
export KZ_MODEL="$ROOT/data/models/attack.kzm"
run 0 "classified json" -- "$K" extract --format json "$tmp/ttp.md"
[ -s "$tmp/err" ] && fail "classified json: stderr $(cat "$tmp/err")"
cp "$tmp/out" "$tmp/ttp-json.json"
python3 - "$tmp/out" <<'PY' || fail "classified json output"
import json, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))
assert a[-1]["type"] == "provider-concentration"
cl = {h["value"]: h for h in a if h.get("classified")}
assert set(cl) >= {"T1566.001", "T1033", "T1113"}, cl
assert cl["T1566.001"]["sentence"] == ("The actor sent spearphishing emails with a malicious Word "
                                       "attachment to the finance team."), cl["T1566.001"]
assert cl["T1566.001"]["line"] == 3 and cl["T1566.001"]["offset"] == 20, cl["T1566.001"]
assert cl["T1033"]["sentence"].startswith("Once opened, the macro ran cmd.exe /c whoami"), cl["T1033"]
assert all(h["type"] == "attack-pattern" and 0.5 <= h["probability"] <= 1 for h in cl.values())
# an id written in the text stays a hit and is not added again
assert "T1071.001" not in cl
assert [h["value"] for h in a if h.get("type") == "attack-pattern" and not h.get("classified")] == ["T1071.001"]
PY
run 0 "classified stix" -- "$K" extract "$tmp/ttp.md"
cp "$tmp/out" "$tmp/ttp.json"
run 0 "classified bundle valid (strict)" -- "$K" validate --strict "$tmp/ttp.json"
py "$tmp/ttp.json" \
    '{"T1566.001", "T1033", "T1113", "T1071.001"} <= {x["external_references"][0]["external_id"] for x in of("attack-pattern")}' \
    'len(of("attack-pattern")) == len({x["external_references"][0]["external_id"] for x in of("attack-pattern")})' \
    'set(x["id"] for x in of("attack-pattern")) <= set(of("report")[0]["object_refs"])' \
    '[x["name"] for x in of("attack-pattern") if x["external_references"][0]["external_id"] == "T1113"] == ["Screen Capture"]' \
    '{e["attack_id"] for e in of("report")[0]["x_kizuna_classified_techniques"]} >= {"T1566.001", "T1033", "T1113"}' \
    '"T1071.001" not in {e["attack_id"] for e in of("report")[0]["x_kizuna_classified_techniques"]}' \
    'all(set(e) == {"attack_id", "sentence", "probability"} for e in of("report")[0]["x_kizuna_classified_techniques"])' \
    'all("sentence" not in x and not any(k.startswith("x_") for k in x) for x in of("attack-pattern"))'
# --no-classify: the scanner's findings alone, as before the classifier
run 0 "no-classify json" -- "$K" extract --format json --no-classify "$tmp/ttp.md"
grep -q '"classified"' "$tmp/out" && fail "--no-classify json still classifies"
cp "$tmp/out" "$tmp/nocl.json"
run 0 "no-classify stix" -- "$K" extract --no-classify "$tmp/ttp.md"
py "$tmp/out" '[x["external_references"][0]["external_id"] for x in of("attack-pattern")] == ["T1071.001"]' \
    '"x_kizuna_classified_techniques" not in of("report")[0]'
# a threshold nothing reaches, from the flag or kizuna.conf, gives the same bytes
run 0 "threshold 1" -- "$K" extract --format json --classify-threshold 1 "$tmp/ttp.md"
cmp -s "$tmp/out" "$tmp/nocl.json" || fail "--classify-threshold 1 differs from --no-classify"
mkdir -p "$tmp/cnode"
printf 'extract.classify_threshold = 1\n' >"$tmp/cnode/kizuna.conf"
run 0 "threshold from kizuna.conf" -- "$K" --data "$tmp/cnode" extract --format json "$tmp/ttp.md"
cmp -s "$tmp/out" "$tmp/nocl.json" || fail "extract.classify_threshold = 1 differs from --no-classify"
run 0 "flag over kizuna.conf" -- "$K" --data "$tmp/cnode" extract --format json --classify-threshold 0.5 "$tmp/ttp.md"
cmp -s "$tmp/out" "$tmp/ttp-json.json" || fail "--classify-threshold 0.5 does not override kizuna.conf"
run 2 "bad threshold" -- "$K" extract --classify-threshold 1.5 "$tmp/ttp.md"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "bad threshold: not one line"
# a missing model: one warning, extraction goes on without the classifier
KZ_MODEL="$tmp/none.kzm" "$K" extract --format json "$tmp/ttp.md" >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] || fail "missing model: exit $?"
cmp -s "$tmp/out" "$tmp/nocl.json" || fail "missing model: output differs from --no-classify"
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "warning: no classifier model" "$tmp/err" ||
    fail "missing model warning: $(cat "$tmp/err")"
# a damaged one named by --model is an error
printf 'not a model\n' >"$tmp/bad.kzm"
run 2 "damaged model" -- "$K" extract --model "$tmp/bad.kzm" "$tmp/ttp.md"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "damaged model: not one line"
# tsv never classifies (bench/extract.sh compares it with a scanner that does not)
"$K" extract --format tsv "$tmp/ttp.md" >"$tmp/a.tsv" 2>"$tmp/err" || fail "tsv: exit $?"
"$K" extract --format tsv --no-classify "$tmp/ttp.md" >"$tmp/b.tsv" || fail "tsv --no-classify: exit $?"
cmp -s "$tmp/a.tsv" "$tmp/b.tsv" && [ ! -s "$tmp/err" ] || fail "tsv changed by the classifier"
# --types without attack-pattern: no classifier
run 0 "types" -- "$K" extract --format json --types ipv4-addr "$tmp/ttp.md"
grep -q '"classified"' "$tmp/out" && fail "--types ipv4-addr classified"
# a line of bare indicators is no sentence about behaviour (the model alone
# would call a URL T1071.001)
printf 'hxxp://evil-c2[.]xyz/gate.php\nhttp://192.0.2.44/shell.php (see https://example.com/page)\n' >"$tmp/urls.txt"
run 0 "bare indicators" -- "$K" extract --format json "$tmp/urls.txt"
grep -q '"classified"' "$tmp/out" && fail "bare indicators classified: $(grep classified "$tmp/out")"
# only technique sentences, no IOC at all: found (exit 0), bundle valid
printf 'The backdoor takes screenshots of the desktop.\n' >"$tmp/only.txt"
run 0 "techniques only" -- "$K" extract "$tmp/only.txt"
cp "$tmp/out" "$tmp/only.json"
py "$tmp/only.json" '[x["external_references"][0]["external_id"] for x in of("attack-pattern")] == ["T1113"]'
run 0 "techniques only valid" -- "$K" validate --strict "$tmp/only.json"
# HTML: tags stripped, the sentence is read as words; a block element ends one
printf '<html><body><h1>T</h1><p>The backdoor <b>takes screenshots</b> of the desktop.</p></body></html>\n' >"$tmp/t.html"
run 0 "html classified" -- "$K" extract --format json "$tmp/t.html"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); c=[h for h in a if h.get("classified")]; assert [h["value"] for h in c] == ["T1113"] and c[0]["sentence"] == "The backdoor takes screenshots of the desktop.", c' "$tmp/out" ||
    fail "html classified: $(cat "$tmp/out")"
# headings are titles, not sentences about behaviour (Markdown # and ===, HTML h1-h6, title)
printf '# The actor sent spearphishing emails with a malicious attachment\n\nThe backdoor takes screenshots of the desktop\n======\n' >"$tmp/h.md"
printf '<html><head><title>The backdoor takes screenshots of the desktop</title></head><h2 class="x">The actor sent spearphishing emails with a malicious attachment</h2><p>ok</p></html>\n' >"$tmp/h.html"
for f in h.md h.html; do
    "$K" extract --format json "$tmp/$f" >"$tmp/out" 2>"$tmp/err"
    grep -q '"classified"' "$tmp/out" && fail "heading classified ($f): $(grep classified "$tmp/out")"
done
# publishing a classified report: the store takes the custom property
run 0 "publish classified" -- "$K" --data "$node" extract "$tmp/ttp.md" --publish --collection reports
unset KZ_MODEL

if [ "$fails" != 0 ]; then
    echo "$fails failures"
    exit 1
fi
echo "extract_stix: ok"
