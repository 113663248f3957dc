#!/usr/bin/env bash
# taxii_mtls.sh - client-certificate binding (mutual TLS) against a real
# `kizuna serve --client-ca`: a bound account needs its token AND its
# certificate; other accounts are unaffected.
source "$(dirname "$0")/taxii_lib.bash"
command -v openssl >/dev/null || { echo "SKIP: no openssl to make client certificates"; exit 0; }
make_node
for c in c1 c2; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=$c" -keyout "$T/$c.key" -out "$T/$c.pem" 2>/dev/null
done
cat "$T/c1.pem" "$T/c2.pem" >"$T/cas.pem"
BOUND=$("$KIZUNA" --data "$NODE" account add bound --org CERT-B --read intel --client-cert "$T/c1.pem" | tail -1)
rc=0; "$KIZUNA" --data "$NODE" account add badcert --org X --client-cert "$T/nope.pem" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "missing certificate file gave $rc"
rc=0; "$KIZUNA" --data "$NODE" account add badcert --org X --client-cert "$T/c1.key" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "a key file as certificate gave $rc"
"$KIZUNA" --data "$NODE" account list | grep -q '^bound.*client-cert' || fail "list does not show the binding"
start_server --client-ca "$T/cas.pem"
echo "== bound account: token without certificate, with another certificate, with its own"
expect_status 401 "$BOUND" "$BASE/taxii2/"
expect_status 401 "$BOUND" --cert "$T/c2.pem" --key "$T/c2.key" "$BASE/taxii2/"
expect_status 200 "$BOUND" --cert "$T/c1.pem" --key "$T/c1.key" "$BASE/taxii2/"
expect_status 200 "$BOUND" --cert "$T/c1.pem" --key "$T/c1.key" "$BASE/api/collections/intel/objects/"
echo "== unbound accounts need no certificate, and may present one"
expect_status 200 "$ADMIN" "$BASE/taxii2/"
expect_status 200 "$ADMIN" --cert "$T/c2.pem" --key "$T/c2.key" "$BASE/taxii2/"
stop_server
echo "PASS"
