#!/usr/bin/env bash
# fed_mtls.sh - federation over mutual TLS: tokyo serves with --client-ca
# and binds washington's partner account to a client certificate; a pull
# from washington works with that certificate (peer add --client-cert
# --client-key) and fails, with a clear error in `peer status` and nothing
# stored, without a certificate, with another trusted one, and with one
# tokyo does not trust at all.
source "$(dirname "$0")/fed_lib.bash"
command -v openssl >/dev/null || { echo "SKIP: no openssl to make client certificates"; exit 0; }
make_node tokyo
make_node washington
# c1: washington's (bound), c2: trusted by tokyo but bound to no one here,
# c3: trusted by nobody
for c in c1 c2 c3; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=fed-$c" -keyout "$T/$c.key" -out "$T/$c.pem" 2>/dev/null ||
        fail "openssl: cannot make $c"
done
cat "$T/c1.pem" "$T/c2.pem" >"$T/client-cas.pem"
BOUND=$(k tokyo account add washington --org FED-washington --partner --read "*" \
    --client-cert "$T/c1.pem" | tail -1)
[ -n "$BOUND" ] || fail "no token for the bound account"
gen_objects 3a11 60 green clear >"$T/objs.json"
k tokyo import --collection intel "$T/objs.json" >/dev/null || fail "import on tokyo"
start_node tokyo --client-ca "$T/client-cas.pem"
versions tokyo >"$T/want"
[ -s "$T/want" ] || fail "tokyo holds nothing to pull"

# peer_as NAME [peer add options...]: washington's peer NAME is tokyo,
# with the bound account's token, and a pull subscription into intel
peer_as() {
    local name=$1
    shift
    k washington peer add "$name" --url "https://127.0.0.1:${PORT[tokyo]}/taxii2/" \
        --token "$BOUND" --ca "$T/tokyo/tls/cert.pem" "$@" >/dev/null || fail "peer add $name"
    k washington subscribe pull "$name" "Intel tokyo" --into intel >/dev/null ||
        fail "subscribe $name"
}

# must_fail NAME WHAT: a sync with peer NAME fails (exit 1), says why on
# stderr, records the reason in peer status, and stores nothing
must_fail() {
    local name=$1 what=$2 rc=0
    k washington sync --peer "$name" >"$T/$name.out" 2>"$T/$name.stderr" || rc=$?
    [ "$rc" -eq 1 ] || fail "$what: sync exit $rc, want 1"
    grep -q "$name" "$T/$name.stderr" || fail "$what: no reason on stderr: $(cat "$T/$name.stderr")"
    k washington peer status "$name" >"$T/$name.status" || fail "$what: peer status"
    grep -Eq "error (HTTP|.*(TLS|SSL|certificate|handshake|401|403|auth))" "$T/$name.status" ||
        fail "$what: peer status shows no clear error: $(cat "$T/$name.status")"
    grep -q "last success never" "$T/$name.status" || fail "$what: a success was recorded"
    [ "$(versions washington | wc -l)" -eq 0 ] || fail "$what: objects were stored"
    echo "   $what: $(grep -o 'error .*' "$T/$name.status" | head -1 | cut -c1-150)"
}

echo "== no client certificate: refused"
peer_as tokyo-nocert
must_fail tokyo-nocert "no certificate"

echo "== another certificate tokyo trusts, not the account's: refused"
peer_as tokyo-other --client-cert "$T/c2.pem" --client-key "$T/c2.key"
must_fail tokyo-other "another certificate"

echo "== a certificate tokyo does not trust: refused"
peer_as tokyo-untrusted --client-cert "$T/c3.pem" --client-key "$T/c3.key"
must_fail tokyo-untrusted "untrusted certificate"

echo "== a certificate without its key, or with the wrong key: refused at peer add or sync"
rc=0
k washington peer add tokyo-nokey --url "https://127.0.0.1:${PORT[tokyo]}/taxii2/" \
    --token "$BOUND" --ca "$T/tokyo/tls/cert.pem" --client-cert "$T/c1.pem" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "--client-cert without --client-key gave $rc, want 2"
peer_as tokyo-wrongkey --client-cert "$T/c1.pem" --client-key "$T/c2.key"
must_fail tokyo-wrongkey "certificate with another key"

echo "== the account's certificate: pulled"
peer_as tokyo --client-cert "$T/c1.pem" --client-key "$T/c1.key"
k washington sync --peer tokyo >"$T/good.out" 2>"$T/good.err" ||
    fail "pull with the right certificate: $(cat "$T/good.err")"
expect_versions "$T/want" washington
k washington peer status tokyo >"$T/good.status"
grep -q "error -" "$T/good.status" || fail "peer status shows an error: $(cat "$T/good.status")"
grep -q "last success never" "$T/good.status" && fail "no success recorded: $(cat "$T/good.status")"
k washington peer show tokyo | grep -q "c1.pem" || fail "peer show does not name the client certificate"

echo "== a second round with the kept settings stores nothing new"
k washington sync --peer tokyo >"$T/again.out" 2>&1 || fail "second pull: $(cat "$T/again.out")"
grep -q "stored 0" "$T/again.out" || fail "second pull stored again: $(cat "$T/again.out")"
expect_versions "$T/want" washington
echo "PASS"
