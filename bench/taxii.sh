#!/usr/bin/env bash
# taxii.sh - the TAXII server under load, over TLS on loopback:
#  1. ingest: N indicators POSTed as envelopes of 5000 over HTTPS (2 clients
#     at a time), objects/s end to end (parse, validate, store, fsync);
#  2. read: GET a page of 100 indicators from the collection of N with wrk,
#     64 connections, 15 s; side by side in the same run nginx serving the
#     same response body as a static file with the same certificate and key
#     over TLS, same wrk settings. Prints req/s, p99 and the ratio.
#
#   bench/taxii.sh BUILD_DIR      (make bench runs it through bench/run.sh)
#
# Environment: KZ_BENCH_OBJECTS (default 1000000), KZ_BENCH_SECONDS (15),
# KZ_BENCH_CONNS (64), KZ_BENCH_DIR (default bench/out/taxii).
# Needs wrk and nginx (Debian packages; installed here when missing).
# Figures go to stdout and bench/out/taxii-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
kizuna="$build/kizuna"
objects=${KZ_BENCH_OBJECTS:-1000000}
secs=${KZ_BENCH_SECONDS:-15}
conns=${KZ_BENCH_CONNS:-64}
work=${KZ_BENCH_DIR:-$root/bench/out/taxii}
say() { printf 'taxii.sh: %s\n' "$*" >&2; }
[ -x "$kizuna" ] || { say "no $kizuna (build first)"; exit 2; }
for tool in wrk nginx; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
        say "installing $tool"; apt-get install -y "$tool" >/dev/null; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
rm -rf "$work"
mkdir -p "$work"
node="$work/node"
SERVER_PID="" NGINX_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    [ -n "$NGINX_PID" ] && kill -TERM "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
}
trap cleanup EXIT

# The node: one collection, one account of the node's organisation.
"$kizuna" init "$node" >/dev/null
echo "node.org = BENCH" >>"$node/kizuna.conf"
"$kizuna" --data "$node" collection add bench --tlp green >/dev/null
tok=$("$kizuna" --data "$node" account add bench --org BENCH --read '*' --write '*' | tail -1)

# Workload: envelopes of 5000 TLP:GREEN indicators (python3 stdlib).
say "generating $objects indicators"
python3 - "$objects" "$work/env" <<'PY'
import json, sys
n, prefix = int(sys.argv[1]), sys.argv[2]
green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
per = 5000
for f in range((n + per - 1) // per):
    objs = []
    for i in range(f * per, min(n, (f + 1) * per)):
        objs.append({"type": "indicator", "spec_version": "2.1",
                     "id": "indicator--%08x-%04x-4%03x-8%03x-%012x" % (i, i & 0xffff, i & 0xfff, i & 0xfff, i),
                     "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
                     "name": "bench %d" % i, "indicator_types": ["malicious-activity"],
                     "pattern": "[ipv4-addr:value = '%d.%d.%d.%d']" % (10, i >> 16 & 255, i >> 8 & 255, i & 255),
                     "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z",
                     "object_marking_refs": [green]})
    with open("%s-%05d.json" % (prefix, f), "w") as fp:
        json.dump({"objects": objs}, fp, separators=(",", ":"))
PY

"$kizuna" --data "$node" serve --listen 127.0.0.1:0 --port-file "$work/port" --no-access-log \
    >"$work/serve.out" 2>"$work/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
base="https://127.0.0.1:$port/api/collections/bench/objects/"

# CPU seconds (user + system) a process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
say "ingesting over HTTPS"
c0=$(cpu_s "$SERVER_PID")
t0=$(date +%s.%N)
ls "$work"/env-*.json | xargs -P 2 -I{} curl -sS --cacert "$node/tls/cert.pem" \
    -H "Authorization: Bearer $tok" -H 'Content-Type: application/taxii+json;version=2.1' \
    --data-binary @{} -o /dev/null -w '%{http_code}\n' "$base" >"$work/ingest.codes"
t1=$(date +%s.%N)
c1=$(cpu_s "$SERVER_PID")
ingest_cpu=$(echo "$objects / ($c1 - $c0)" | bc -l)
bad=$(grep -vc '^202$' "$work/ingest.codes" || true)
[ "$bad" = 0 ] || { say "$bad POSTs failed"; exit 1; }
ingest_s=$(echo "$t1 - $t0" | bc -l)
ingest_rate=$(echo "$objects / $ingest_s" | bc -l)

# The page both servers return: the first 100 indicators.
page="$base?limit=100"
curl -sS --cacert "$node/tls/cert.pem" -H "Authorization: Bearer $tok" -o "$work/page.json" "$page"
page_bytes=$(stat -c %s "$work/page.json")

# nginx: the same bytes as a static file, same certificate and key, same
# number of worker processes as kizuna has cores to share.
mkdir -p "$work/nginx/html" "$work/nginx/logs"
cp "$work/page.json" "$work/nginx/html/page.json"
nport=$((port + 1))
cat >"$work/nginx/nginx.conf" <<NG
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nport ssl;
        ssl_certificate $node/tls/cert.pem;
        ssl_certificate_key $node/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $work/nginx/html;
        default_type application/taxii+json;
    }
}
NG
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
NGINX_PID=$!
sleep 1
curl -sk -o /dev/null "https://127.0.0.1:$nport/page.json" || { say "nginx did not start"; exit 1; }

run_wrk() { # URL NAME
    wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $tok" "$1" >"$work/wrk-$2.txt"
    local rps p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-$2.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk-$2.txt")
    echo "$rps $p99"
}
say "wrk: kizuna"
read -r k_rps k_p99 < <(run_wrk "$page" kizuna)
# The same server without its response cache: every request runs the query.
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true
rm -f "$work/port"
"$kizuna" --data "$node" serve --listen 127.0.0.1:0 --port-file "$work/port" --no-access-log \
    --no-response-cache >>"$work/serve.out" 2>>"$work/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port2=$(cat "$work/port")
say "wrk: kizuna --no-response-cache"
read -r u_rps u_p99 < <(run_wrk "https://127.0.0.1:$port2/api/collections/bench/objects/?limit=100" nocache)
say "wrk: nginx"
read -r n_rps n_p99 < <(run_wrk "https://127.0.0.1:$nport/page.json" nginx)
errors=$(grep -hE 'Non-2xx|Socket errors' "$work/wrk-kizuna.txt" "$work/wrk-nocache.txt" || true)
ratio=$(echo "100 * $k_rps / $n_rps" | bc -l)

host="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
{
    echo "### taxii ($(date -u +%Y-%m-%dT%H:%MZ), $host)"
    echo
    echo "Command: \`KZ_BENCH_OBJECTS=$objects bench/taxii.sh ${1:-build}\` (wrk -t2 -c$conns -d${secs}s --latency, TLS on loopback)"
    echo
    echo "| measure | kizuna | kizuna --no-response-cache | nginx static (same body, same cert) |"
    echo "| --- | --- | --- | --- |"
    echo "| GET page of 100 indicators ($page_bytes bytes) from $objects, req/s | $k_rps | $u_rps | $n_rps |"
    echo "| p99 latency | $k_p99 | $u_p99 | $n_p99 |"
    echo "| throughput / nginx | $(printf '%.1f' "$ratio") % | $(printf '%.1f' "$(echo "100 * $u_rps / $n_rps" | bc -l)") % | |"
    echo "| POST ingest over HTTPS, objects/s (5000 per envelope, 2 clients, fsync per envelope) | $(printf '%.0f' "$ingest_rate") | | |"
    echo "| ingest per CPU-second of the server process (objects) | $(printf '%.0f' "$ingest_cpu") | | |"
    echo
    [ -n "$errors" ] && echo "wrk reported for kizuna: $errors" && echo
    echo "Targets: >= 50 % of nginx's throughput; p99 < 10 ms; ingest >= 50k objects/s."
} | tee "$root/bench/out/taxii-results.md"
