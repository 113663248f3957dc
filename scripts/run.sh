#!/usr/bin/env bash
# run.sh - what `make run` does:
# initialise ./var if missing (SQLite, TLS key and self-signed certificate,
# an admin account whose token is printed once, a "sample" collection holding
# samples/sample-bundle.json), then serve it on https://127.0.0.1:8443 and
# print a curl line that works.
#
#   scripts/run.sh [BIN [DIR]]     (defaults: build/kizuna, var)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/kizuna}
dir=${2:-var}
listen=${KZ_LISTEN:-127.0.0.1:8443}
if [ ! -f "$dir/kizuna.db" ]; then
    "$bin" init "$dir" >/dev/null
    printf '\n# The organisation running this node (reads TLP:AMBER+STRICT).\nnode.org = local\n' \
        >>"$dir/kizuna.conf"
    "$bin" --data "$dir" collection add sample --title "Sample collection" >/dev/null
    "$bin" --data "$dir" import --collection sample samples/sample-bundle.json >/dev/null
    token=$("$bin" --data "$dir" account add admin --org local --read '*' --write '*' --red '*' | tail -1)
    echo "kizuna: initialised '$dir' with an admin account; its token (shown only now):" >&2
    echo "$token"
else
    token='TOKEN'
    echo "kizuna: using '$dir' (lost the admin token? kizuna --data $dir account rotate admin)" >&2
fi
echo "try:  curl --cacert $dir/tls/cert.pem -u admin:$token https://$listen/taxii2/" >&2
echo "      curl --cacert $dir/tls/cert.pem -u admin:$token 'https://$listen/api/collections/sample/objects/?limit=5'" >&2
exec "$bin" --data "$dir" serve --listen "$listen"
