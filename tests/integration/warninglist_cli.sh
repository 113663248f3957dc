#!/usr/bin/env bash
# warninglist_cli.sh - `kizuna warninglist check|list`: the built-in lists
# (found next to the binary and through KZ_WARNINGLISTS), user folders from
# --warninglists and kizuna.conf, output lines, exit codes (0 on a list,
# 1 on none, 2 error) and one-line errors naming the file and JSON path.
set -u
K=${KIZUNA:?KIZUNA must point at the kizuna binary}
ROOT=${KZ_ROOT:?KZ_ROOT must point at the repository}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

expect() { # expect CODE DESCRIPTION -- COMMAND...
    local want=$1 what=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$what: exit $got, expected $want"
        sed 's/^/  stdout: /' "$tmp/out"
        sed 's/^/  stderr: /' "$tmp/err"
    fi
}
has() { grep -qF -- "$1" "$tmp/out" || fail "$2: no line '$1' in: $(head -5 "$tmp/out")"; }

# the built-in lists, found relative to the binary or through KZ_WARNINGLISTS
export KZ_WARNINGLISTS="$ROOT/data/warninglists"
expect 0 "help" -- "$K" warninglist --help
grep -q "usage: kizuna warninglist check" "$tmp/out" || fail "help text"
expect 2 "no subcommand" -- "$K" warninglist
expect 2 "unknown subcommand" -- "$K" warninglist frob
expect 2 "check without values" -- "$K" warninglist check
expect 2 "unknown option" -- "$K" warninglist check --frob 1.2.3.4

expect 0 "resolver" -- "$K" warninglist check 8.8.8.8
has "8.8.8.8	ipv4-addr	public-dns-v4	List of known IPv4 public DNS resolvers" "resolver"
expect 0 "private range" -- "$K" warninglist check 192.168.10.1
has "192.168.10.1	ipv4-addr	rfc1918	" "rfc1918"
expect 0 "cidr edge inside" -- "$K" warninglist check 172.31.255.255
expect 1 "cidr edge outside" -- "$K" warninglist check 172.32.0.0
has "172.32.0.0	ipv4-addr	-" "no list"
expect 0 "subdomain of a hostname list" -- "$K" warninglist check deep.sub.github.com
has "deep.sub.github.com	domain-name	tranco10k	" "tranco subdomain"
expect 0 "URL by its host" -- "$K" warninglist check "https://www.google.com/search?q=x"
has "https://www.google.com/search?q=x	url	google	" "url host"
expect 0 "e-mail by its domain" -- "$K" warninglist check "someone@mail.google.com"
has "someone@mail.google.com	email-addr	google	" "email domain"
expect 0 "aws range" -- "$K" warninglist check 52.95.110.1
has "52.95.110.1	ipv4-addr	amazon-aws	" "aws"
expect 1 "not listed" -- "$K" warninglist check kizuna-test-c2.xyz 45.77.65.211
[ "$(wc -l <"$tmp/out")" = 2 ] || fail "one line per unlisted value"
expect 0 "any value listed" -- "$K" warninglist check kizuna-test-c2.xyz 10.0.0.1
expect 0 "json" -- "$K" warninglist check --json 10.0.0.1
python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); assert d["value"]=="10.0.0.1" and "rfc1918" in [w["id"] for w in d["warninglists"]], d' "$tmp/out" || fail "json output"

# values from standard input, one a line, with blank lines and CRs
printf '8.8.8.8\r\n\n  kizuna-test-c2.xyz  \n' >"$tmp/values"
expect 0 "stdin" -- "$K" warninglist check - <"$tmp/values"
[ "$(cut -f1,3 "$tmp/out" | tr '\t' ' ')" = "$(printf '8.8.8.8 public-dns-v4\nkizuna-test-c2.xyz -')" ] || fail "stdin lines: $(cat "$tmp/out")"
expect 0 "list" -- "$K" warninglist list
has "amazon-aws	cidr	3847	Amazon	List of known Amazon AWS IP address ranges" "list line"
[ "$(wc -l <"$tmp/out")" -ge 28 ] || fail "every list listed"
expect 0 "list json" -- "$K" warninglist list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) >= 28 and any(x["provider"] == "Google" for x in d)' "$tmp/out" || fail "list json"

# user lists: --warninglists, kizuna.conf
mkdir -p "$tmp/mine" "$tmp/conf" "$tmp/node"
cat >"$tmp/mine/partner-sinkholes.json" <<'JSON'
{"name": "Partner sinkholes", "description": "sinkholes run by partners", "type": "cidr",
 "version": 1, "matching_attributes": ["ip-dst"], "list": ["185.220.101.0/24"]}
JSON
cat >"$tmp/conf/internal.json" <<'JSON'
{"name": "Internal domains", "description": "ours", "type": "hostname", "version": 1,
 "list": ["corp.example"]}
JSON
expect 1 "user list not loaded" -- "$K" warninglist check 185.220.101.7
expect 0 "user list" -- "$K" warninglist check --warninglists "$tmp/mine" 185.220.101.7
has "185.220.101.7	ipv4-addr	partner-sinkholes	Partner sinkholes" "user list hit"
echo "warninglists = $tmp/conf" >"$tmp/node/kizuna.conf"
expect 0 "kizuna.conf list" -- "$K" --data "$tmp/node" warninglist check mail.corp.example
has "mail.corp.example	domain-name	internal	Internal domains" "conf list hit"
expect 1 "no built-in lists" -- "$K" warninglist check --no-default-warninglists 8.8.8.8
expect 0 "only user lists" -- "$K" warninglist list --no-default-warninglists --warninglists "$tmp/mine"
[ "$(wc -l <"$tmp/out")" = 1 ] || fail "only the user list: $(cat "$tmp/out")"

# bad user lists: one line naming the file and the JSON path
cat >"$tmp/mine/broken.json" <<'JSON'
{"name": "Broken", "description": "d", "type": "cidr", "version": 1, "list": ["10.0.0.0/8", "300.1.1.1"]}
JSON
expect 2 "bad list" -- "$K" warninglist check --warninglists "$tmp/mine" 1.2.3.4
grep -q "^kizuna: warninglist: warninglist '.*/broken.json': \$.list\[1\]: '300.1.1.1' is not an IP address or CIDR prefix$" "$tmp/err" || fail "bad list message: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "error is not one line"
expect 2 "missing folder" -- "$K" warninglist check --warninglists "$tmp/nope" 1.2.3.4
grep -q "no such directory" "$tmp/err" || fail "missing folder message"
KZ_WARNINGLISTS="$tmp/nope" expect 2 "KZ_WARNINGLISTS not a folder" -- "$K" warninglist list

# without KZ_WARNINGLISTS the binary finds data/warninglists from its build folder
unset KZ_WARNINGLISTS
case "$K" in "$ROOT"/*)
    expect 0 "lists found next to the binary" -- "$K" warninglist check 8.8.8.8 ;;
esac

if [ "$fails" != 0 ]; then
    echo "$fails failures"
    exit 1
fi
echo "warninglist_cli: ok"
