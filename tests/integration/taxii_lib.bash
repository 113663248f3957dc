# taxii_lib.bash - shared by the taxii_*.sh integration tests (sourced; the
# .bash suffix keeps CTest from running it as a test): a scratch node with
# accounts, and starting/stopping a real `kizuna serve` on 127.0.0.1 with a
# random free port and TLS.
set -euo pipefail

: "${KIZUNA:?KIZUNA must point at the kizuna binary}"
: "${KZ_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T=$(mktemp -d /tmp/kz-taxii-it-XXXXXX)
NODE="$T/node"
SERVER_PID=""
PORT=""

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    if [ -f "$T/server.err" ]; then
        echo "--- server log (tail)" >&2
        tail -20 "$T/server.err" >&2
    fi
    exit 1
}

# make_node: a node with collection "intel" (default TLP amber) and accounts
# admin (node org, everything, RED), partner, other (read intel only).
make_node() {
    "$KIZUNA" init "$NODE" >/dev/null
    echo "node.org = CERT-NODE" >>"$NODE/kizuna.conf"
    # the exact bytes posted are compared: no signing on publish (fed_publish.sh)
    echo "sign_on_publish = false" >>"$NODE/kizuna.conf"
    "$KIZUNA" --data "$NODE" collection add intel --title "Intel" --tlp amber >/dev/null
    ADMIN=$("$KIZUNA" --data "$NODE" account add admin --org CERT-NODE --read '*' --write '*' --red '*' | tail -1)
    PARTNER=$("$KIZUNA" --data "$NODE" account add partner --org CERT-P --partner --read intel | tail -1)
    OTHER=$("$KIZUNA" --data "$NODE" account add other --org CERT-O --read intel | tail -1)
    export ADMIN PARTNER OTHER
}

# start_server [extra serve options...]: starts it and waits (<= 20 s) for the port.
start_server() {
    rm -f "$T/port"
    "$KIZUNA" --data "$NODE" serve --listen 127.0.0.1:0 --port-file "$T/port" "$@" \
        >>"$T/server.out" 2>>"$T/server.err" &
    SERVER_PID=$!
    for _ in $(seq 1 200); do
        [ -s "$T/port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited at start"
        sleep 0.1
    done
    [ -s "$T/port" ] || fail "server did not start"
    PORT=$(cat "$T/port")
    BASE="https://127.0.0.1:$PORT"
    export PORT BASE
}

# stop_server: SIGTERM, waits (<= 20 s); the exit status must be 0.
stop_server() {
    kill -TERM "$SERVER_PID"
    local rc=0
    for _ in $(seq 1 200); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=""
    [ "$rc" -eq 0 ] || fail "server exited with $rc after SIGTERM"
}

# kcurl TOKEN ARGS...: curl over TLS verified against the node's certificate;
# prints the body then a last line with the status code.
kcurl() {
    local tok=$1
    shift
    curl -g -sS --max-time 30 --cacert "$NODE/tls/cert.pem" ${tok:+-H "Authorization: Bearer $tok"} \
        -w '\n%{http_code}' "$@"
}

# expect_status WANT TOKEN ARGS...
expect_status() {
    local want=$1
    shift
    local out code
    out=$(kcurl "$@") || fail "curl failed: $*"
    code=${out##*$'\n'}
    [ "$code" = "$want" ] || fail "got $code, want $want: $* -> ${out%$'\n'*}"
    BODY=${out%$'\n'*}
}

json_get() { # json_get EXPR (python expression over j) < body
    python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}
