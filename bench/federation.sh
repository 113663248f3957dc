#!/usr/bin/env bash
# federation.sh - federation between two kizuna nodes on loopback (TLS):
#  1. replication throughput: N indicators published on "src"; a pull
#     subscription on "dst" (`kizuna sync`, pages of 1000) until dst holds
#     all of them - objects/s; then the same N pushed from src to a second
#     collection of dst (`kizuna sync --push`, batches of 500) - objects/s;
#  2. publish-to-visible latency of single publishes (POST of one object to
#     src's TAXII API, then polling dst's TAXII API every 5 ms - objects
#     added in the last seconds, by added_after - until it serves the
#     object), K samples each, p50/p99:
#     a) dst's `kizuna serve` pulling every 1 s (fed.pull_interval = 1);
#     b) src's `kizuna serve` pushing every 50 ms (fed.push_interval = 0.05).
#     While sampling, a background publisher posts 20 objects/s to src
#     (steady load).
#
#   bench/federation.sh BUILD_DIR
#
# Environment: KZ_BENCH_OBJECTS (default 100000; the issue's figure is
# 1000000), KZ_BENCH_SAMPLES (default 100), KZ_BENCH_DIR (bench/out/federation),
# KZ_BENCH_SIGN (default 1: src's import signs every object, as publishing
# does by default, and dst checks each signature on arrival; 0: import
# --no-sign, the workload of the figures before signing became the default).
# KZ_BENCH_PULL_ONLY=1 stops after the pull (no push, no latency): the
# quick before/after run of a pull change. The pull's user and system CPU
# seconds (the `kizuna sync` process, all its threads) are reported too:
# on a shared machine they move less than the wall clock. dst's
# fed_workers (kizuna.conf) is KZ_BENCH_WORKERS when set.
# Figures go to stdout and KZ_BENCH_DIR/results.md; every latency sample
# (time of the POST, POST and visible delays) to KZ_BENCH_DIR/latency-pull.txt
# and latency-push.txt, the nodes' logs (federation rounds that outlast
# their interval are logged with their duration) to src.err and dst.err.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
kizuna="$build/kizuna"
objects=${KZ_BENCH_OBJECTS:-100000}
samples=${KZ_BENCH_SAMPLES:-100}
sign=${KZ_BENCH_SIGN:-1}
work=${KZ_BENCH_DIR:-$root/bench/out/federation}
say() { printf 'federation.sh: %s\n' "$*" >&2; }
[ -x "$kizuna" ] || { say "no $kizuna (build first)"; exit 2; }
rm -rf "$work"
mkdir -p "$work"
declare -A PID PORT TOK
cleanup() {
    for n in "${!PID[@]}"; do
        [ -n "${PID[$n]}" ] && kill -TERM "${PID[$n]}" 2>/dev/null && wait "${PID[$n]}" 2>/dev/null || true
    done
}
trap cleanup EXIT
k() { local n=$1; shift; "$kizuna" --data "$work/$n" "$@"; }
mknode() {
    "$kizuna" init "$work/$1" >/dev/null
    # no background federation while throughput is measured: only the
    # `kizuna sync` under test pulls or pushes
    printf 'node.org = BENCH-%s\nfed.pull_interval = 0\nfed.push_interval = 0\n' "$1" >>"$work/$1/kizuna.conf"
    k "$1" collection add intel --title intel --tlp green >/dev/null
    k "$1" collection add pushed --title pushed --tlp green >/dev/null
    # --peer: the partner node's account, whose pushes are stored as
    # received (an ordinary account's POSTs are published: signed by the
    # node, or refused when they cannot be); the latency probe posts with
    # it too
    TOK[$1]=$(k "$1" account add fed --org "FED-$1" --read '*' --write '*' --peer | tail -1)
}
serve() {
    local n=$1
    rm -f "$work/$n.port"
    "$kizuna" --data "$work/$n" serve --listen 127.0.0.1:${PORT[$n]:-0} --port-file "$work/$n.port" \
        --no-access-log >>"$work/$n.out" 2>>"$work/$n.err" &
    PID[$n]=$!
    for _ in $(seq 1 200); do [ -s "$work/$n.port" ] && break; sleep 0.05; done
    PORT[$n]=$(cat "$work/$n.port")
}
stop() { kill -TERM "${PID[$1]}"; wait "${PID[$1]}" 2>/dev/null || true; PID[$1]=""; }
now() { date +%s.%N; }

mknode src
mknode dst
say "generating and importing $objects indicators on src"
python3 - "$objects" "$work/bundle.json" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
with open(path, "w") as fp:
    fp.write('{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[')
    for i in range(n):
        o = {"type": "indicator", "spec_version": "2.1",
             "id": "indicator--%08x-%04x-4%03x-8%03x-%012x" % (i, i & 0xffff, i & 0xfff, i & 0xfff, i),
             "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
             "name": "bench %d" % i, "indicator_types": ["malicious-activity"],
             "pattern": "[ipv4-addr:value = '%d.%d.%d.%d']" % (10, i >> 16 & 255, i >> 8 & 255, i & 255),
             "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z",
             "object_marking_refs": [green]}
        fp.write(("," if i else "") + json.dumps(o, separators=(",", ":")))
    fp.write("]}")
PY
if [ "$sign" = 0 ]; then
    k src import --no-sign --collection intel "$work/bundle.json" >/dev/null
else
    k src import --collection intel "$work/bundle.json" >/dev/null
fi
serve src
serve dst
k dst peer add src --url "https://127.0.0.1:${PORT[src]}/taxii2/" --token "${TOK[src]}" --ca "$work/src/tls/cert.pem" >/dev/null
k src peer add dst --url "https://127.0.0.1:${PORT[dst]}/taxii2/" --token "${TOK[dst]}" --ca "$work/dst/tls/cert.pem" >/dev/null

# what src holds: the objects, and with signing the signature's
# extension-definition and the node's identity
want=$(k src collection list | awk '$2 == "intel" {print $3}')
say "pull: dst pulls $want objects from src"
k dst subscribe pull src intel --into intel >/dev/null
[ -n "${KZ_BENCH_WORKERS:-}" ] && printf 'fed_workers = %s\n' "$KZ_BENCH_WORKERS" >>"$work/dst/kizuna.conf"
t0=$(now)
# user and system CPU of the sync process (bash's time: children's rusage)
TIMEFORMAT='%U %S'
{ time k dst sync --pull --page-size 1000 >"$work/pull.out" 2>"$work/pull.err"; } 2>"$work/pull.cpu"
t1=$(now)
read -r pull_user pull_sys <"$work/pull.cpu"
held=$(k dst collection list | awk '$2 == "intel" {print $3}')
pull_s=$(echo "$t1 - $t0" | bc -l)
pull_rate=$(echo "$objects / $pull_s" | bc -l)
say "$(cat "$work/pull.out")"
[ "$held" = "$want" ] || say "WARNING: dst holds $held of $want"
pull_u100k=$(echo "$pull_user * 100000 / $objects" | bc -l)
pull_s100k=$(echo "$pull_sys * 100000 / $objects" | bc -l)
if [ "${KZ_BENCH_PULL_ONLY:-0}" = 1 ]; then
    {
        echo "## federation pull only ($(date -u +%Y-%m-%d), $(nproc) cores, $objects objects, $([ "$sign" = 0 ] && echo unsigned || echo signed), fed_workers ${KZ_BENCH_WORKERS:-default})"
        echo
        echo "| measure | value |"
        echo "| --- | --- |"
        printf '| pull replication (dst sync, pages of 1000) | %.0f objects/s (%.1f s) |\n' "$pull_rate" "$pull_s"
        printf '| pull CPU of dst sync per 100k objects | user %.2f s, sys %.2f s |\n' "$pull_u100k" "$pull_s100k"
    } | tee "$work/results.md"
    exit 0
fi

say "push: src pushes $objects objects to dst"
k src subscribe push intel --to dst pushed --tlp-max green >/dev/null
t0=$(now)
k src sync --push >"$work/push.out"
t1=$(now)
push_s=$(echo "$t1 - $t0" | bc -l)
push_rate=$(echo "$objects / $push_s" | bc -l)
held2=$(k dst collection list | awk '$2 == "pushed" {print $3}')
say "$(cat "$work/push.out")"
[ "$held2" = "$want" ] || say "WARNING: dst/pushed holds $held2 of $want"

# latency: python3 stdlib client (one POST, then GET until visible)
latency() { # latency LABEL
    python3 - "$1" "${PORT[src]}" "${TOK[src]}" "$work/src/tls/cert.pem" "${PORT[dst]}" "${TOK[dst]}" \
        "$work/dst/tls/cert.pem" "$samples" "$2" "$work/latency-$1.txt" <<'PY'
import json, ssl, sys, threading, time, urllib.parse, urllib.request, uuid
label, sp, st, sca, dp, dt, dca, n, coll, log = sys.argv[1:11]
log = open(log, "w")
n = int(n)
sctx = ssl.create_default_context(cafile=sca); dctx = ssl.create_default_context(cafile=dca)
H = "application/taxii+json;version=2.1"
def obj(tag):
    return {"type": "indicator", "spec_version": "2.1", "id": "indicator--" + str(uuid.uuid4()),
            "created": "2025-02-01T00:00:00.000Z", "modified": "2025-02-01T00:00:00.000Z",
            "name": tag, "pattern": "[ipv4-addr:value = '192.0.2.1']", "pattern_type": "stix",
            "valid_from": "2025-01-01T00:00:00Z",
            "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
def post(o):
    r = urllib.request.Request("https://127.0.0.1:%s/api/collections/intel/objects/" % sp,
        data=json.dumps({"objects": [o]}).encode(), method="POST",
        headers={"Authorization": "Bearer " + st, "Content-Type": H, "Accept": H})
    urllib.request.urlopen(r, context=sctx).read()
def visible(oid, since):
    # by date_added (indexed), not by id: on a collection of 1M a lookup
    # by id costs the server ~0.4 s here, which would be measured instead
    # of federation
    nxt = None
    while True:
        q = "added_after=%s&limit=1000&match%%5Bversion%%5D=all" % since
        if nxt:
            q += "&next=" + urllib.parse.quote(nxt)
        r = urllib.request.Request("https://127.0.0.1:%s/api/collections/%s/objects/?%s" % (dp, coll, q),
            headers={"Authorization": "Bearer " + dt, "Accept": H})
        body = json.loads(urllib.request.urlopen(r, context=dctx).read() or b"{}")
        if any(o.get("id") == oid for o in body.get("objects", [])):
            return True
        nxt = body.get("next")
        if not body.get("more") or not nxt:
            return False
stop = False
def load():   # steady background load: 20 objects/s
    while not stop:
        post(obj("background")); time.sleep(0.05)
th = threading.Thread(target=load, daemon=True); th.start()
lat = []
for i in range(n):
    o = obj("sample")
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1)) + ".000000Z"
    w0 = time.time(); t0 = time.monotonic(); post(o); t1 = time.monotonic()
    while not visible(o["id"], since):
        time.sleep(0.005)
        if time.monotonic() - t0 > 30:
            raise SystemExit("%s: %s not visible after 30 s (added_after %s)" % (label, o["id"], since))
    lat.append(time.monotonic() - t0)
    # one line per sample (UTC wall clock of the POST, its duration, the
    # delay until visible) to match a slow one against the nodes' logs
    log.write("%s.%03dZ %s post_ms=%.0f visible_ms=%.0f\n" % (
        time.strftime("%H:%M:%S", time.gmtime(w0)), int(w0 % 1 * 1000), o["id"],
        (t1 - t0) * 1000, lat[-1] * 1000))
    log.flush()
    time.sleep(0.1 + (i % 7) * 0.037)   # decorrelate from the poll period
stop = True
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
print("%s %.0f %.0f %.0f" % (label, p(0.50), p(0.99), lat[-1] * 1000))
PY
}

say "latency with pull every 1 s ($samples samples)"
stop dst
sed -i '/^fed\./d' "$work/dst/kizuna.conf"
printf 'fed.pull_interval = 1\nfed.push_interval = 0\n' >>"$work/dst/kizuna.conf"
serve dst
lat_pull=$(latency pull intel)
stop dst
sed -i '/^fed\./d' "$work/dst/kizuna.conf"
printf 'fed.pull_interval = 0\nfed.push_interval = 0\n' >>"$work/dst/kizuna.conf"
serve dst
say "latency with push every 50 ms ($samples samples)"
stop src
sed -i '/^fed\./d' "$work/src/kizuna.conf"
printf 'fed.pull_interval = 0\nfed.push_interval = 0.05\n' >>"$work/src/kizuna.conf"
serve src
lat_push=$(latency push pushed)

{
    echo "## federation ($(date -u +%Y-%m-%d), $(nproc) cores, $objects objects, $([ "$sign" = 0 ] && echo unsigned || echo signed))"
    echo
    echo "| measure | value |"
    echo "| --- | --- |"
    printf '| pull replication (dst sync, pages of 1000) | %.0f objects/s (%.1f s) |\n' "$pull_rate" "$pull_s"
    printf '| pull CPU of dst sync per 100k objects | user %.2f s, sys %.2f s |\n' "$pull_u100k" "$pull_s100k"
    printf '| push replication (src sync --push, batches of 500) | %.0f objects/s (%.1f s) |\n' "$push_rate" "$push_s"
    set -- $lat_pull
    echo "| publish-to-visible, pull every 1 s | p50 $2 ms, p99 $3 ms, max $4 ms |"
    set -- $lat_push
    echo "| publish-to-visible, push every 50 ms | p50 $2 ms, p99 $3 ms, max $4 ms |"
} | tee "$work/results.md"
