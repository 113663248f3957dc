#!/usr/bin/env bash
# taxii_client.sh - the spec-only Python client (taxii_client.py, standard
# library only) against a real `kizuna serve` over TLS on 127.0.0.1.
source "$(dirname "$0")/taxii_lib.bash"
make_node
start_server
timeout 120 python3 "$KZ_ROOT/tests/integration/taxii_client.py" "$BASE" "$NODE/tls/cert.pem" \
    admin "$ADMIN" 250 || fail "spec client"
stop_server
echo "PASS"
