#!/usr/bin/env bash
# taxii_post_concurrent.sh - POSTs under concurrent writes (regression test
# for the federation benchmark's HTTP 500 "objects stored but the status
# resource could not be saved"): 4 clients x 50 POSTs of 50 objects, each
# followed by a GET of its status like a TAXII client (the federation push
# does this), while four readers poll statuses, two read objects and
# `kizuna import` writes to the same node in small transactions. Every POST must be 202 with a status that is complete and
# readable, every object stored exactly once, no 500 anywhere. Then the
# same POST streams against a server killed with SIGKILL mid-stream: after
# a restart every acknowledged (202) request's objects and status are there.
source "$(dirname "$0")/taxii_lib.bash"
make_node
CLIENTS=4
POSTS=50
PER=50

# post_streams OUT TAG N_POSTS [until-error]: CLIENTS threads, each POSTing
# N_POSTS envelopes of PER fresh indicators (ids derived from TAG, client
# and sequence) and reading back each status. One JSON line per request in
# OUT, flushed at once (the SIGKILL phase reads what was acknowledged).
post_streams() {
    python3 - "$1" "$2" "$3" "${4:-}" "$BASE" "$ADMIN" "$NODE/tls/cert.pem" "$CLIENTS" "$PER" <<'EOF'
import http.client, json, ssl, sys, threading, uuid
out, tag, n_posts, until_error, base, token, ca, clients, per = sys.argv[1:10]
n_posts, clients, per = int(n_posts), int(clients), int(per)
host, port = base.split("//")[1].split(":")
ctx = ssl.create_default_context(cafile=ca)
lock = threading.Lock()
log = open(out, "a")

def record(d):
    with lock:
        log.write(json.dumps(d) + "\n")
        log.flush()

def oid(c, i, k):
    return "indicator--" + str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%d/%d/%d" % (tag, c, i, k)))

def client(c):
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
    hdr = {"Authorization": "Bearer " + token,
           "Content-Type": "application/taxii+json;version=2.1",
           "Accept": "application/taxii+json;version=2.1"}
    for i in range(n_posts):
        ids = [oid(c, i, k) for k in range(per)]
        objs = [{"type": "indicator", "spec_version": "2.1", "id": x,
                 "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                 "pattern": "[ipv4-addr:value = '10.%d.%d.%d']" % (c, i, k),
                 "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}
                for k, x in enumerate(ids)]
        try:
            conn.request("POST", "/api/collections/intel/objects/", json.dumps({"objects": objs}), hdr)
            r = conn.getresponse()
            body = r.read().decode()
            d = {"client": c, "seq": i, "ids": ids, "code": r.status, "body": body}
            if r.status == 202:
                sid = json.loads(body)["id"]
                conn.request("GET", "/api/status/%s/" % sid, headers=hdr)
                g = conn.getresponse()
                d["status_code"] = g.status
                d["status_body"] = g.read().decode()
                with lock:
                    last_sid.append(sid)
        except Exception as e:
            # a request without an answer was not acknowledged
            record({"client": c, "seq": i, "ids": ids, "code": 0, "body": repr(e)})
            if until_error:
                return
            conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
            continue
        record(d)

# Readers alongside, as partners poll statuses and pull: every read takes
# the status connection (status GET) or the response cache's data_version.
done = threading.Event()
last_sid = []

def reader(kind):
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
    hdr = {"Authorization": "Bearer " + token, "Accept": "application/taxii+json;version=2.1"}
    while not done.is_set():
        path = "/api/collections/intel/objects/?limit=1"
        if kind == "status":
            with lock:
                sid = last_sid[-1] if last_sid else "00000000-0000-4000-8000-000000000000"
            path = "/api/status/%s/" % sid
        try:
            conn.request("GET", path, headers=hdr)
            r = conn.getresponse()
            r.read()
            if r.status >= 500:
                record({"client": -1, "seq": 0, "ids": [], "code": r.status, "body": "GET " + path})
        except Exception:
            return

ts = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
rs = [threading.Thread(target=reader, args=(k,)) for k in ("status",) * 4 + ("objects",) * 2]
for t in ts + rs:
    t.start()
for t in ts:
    t.join()
done.set()
for t in rs:
    t.join()
EOF
}

# an import of 10000 indicators in transactions of 100, running alongside
python3 - "$T/import.json" <<'EOF'
import json, sys, uuid
objs = [{"type": "indicator", "spec_version": "2.1",
         "id": "indicator--" + str(uuid.uuid5(uuid.NAMESPACE_URL, "import/%d" % i)),
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
         "pattern": "[ipv4-addr:value = '172.16.%d.%d']" % (i // 256, i % 256),
         "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"} for i in range(10000)]
json.dump({"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": objs}, open(sys.argv[1], "w"))
EOF

start_server --threads 4
echo "== $CLIENTS clients x $POSTS POSTs x $PER objects, each status read back, with an import alongside"
"$KIZUNA" --data "$NODE" import --collection intel --no-sign --batch 100 -q "$T/import.json" \
    >"$T/import.out" 2>"$T/import.err" &
IMPORT_PID=$!
post_streams "$T/posts.jsonl" run "$POSTS"
wait "$IMPORT_PID" || fail "import failed: $(cat "$T/import.err")"

# check RESULTS EXPECTED_POSTS: every POST 202 + complete status (50/50),
# the status readable and identical to the POST's answer.
python3 - "$T/posts.jsonl" $((CLIENTS * POSTS)) "$PER" >"$T/acked.txt" <<'EOF' || fail "POST outcomes (above)"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want, per = int(sys.argv[2]), int(sys.argv[3])
bad = []
for d in rows:
    if d["code"] != 202:
        bad.append("POST %d/%d: HTTP %d %s" % (d["client"], d["seq"], d["code"], d["body"][:300]))
        continue
    s = json.loads(d["body"])
    if s["status"] != "complete" or s["success_count"] != per or s["failure_count"] != 0 \
            or s["pending_count"] != 0:
        bad.append("POST %d/%d: status %s" % (d["client"], d["seq"], d["body"][:300]))
    if d.get("status_code") != 200 or json.loads(d["status_body"]) != s:
        bad.append("GET status %d/%d: HTTP %s" % (d["client"], d["seq"], d.get("status_code")))
    for x in d["ids"]:
        print(x)
if len(rows) != want:
    bad.append("%d requests recorded, %d expected" % (len(rows), want))
for b in bad[:20]:
    print(b, file=sys.stderr)
print("%d requests, %d problems" % (len(rows), len(bad)), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
! grep -q 'status=5[0-9][0-9]' "$T/server.err" || fail "a 5xx in the access log: $(grep 'status=5' "$T/server.err" | head -3)"

# stored_ids FILE: every id in the collection, once per stored version, via
# the manifest paged with next (admin reads everything)
stored_ids() {
    python3 - "$BASE" "$ADMIN" "$NODE/tls/cert.pem" >"$1" <<'EOF'
import http.client, json, ssl, sys, urllib.parse
base, token, ca = sys.argv[1:4]
host, port = base.split("//")[1].split(":")
conn = http.client.HTTPSConnection(host, int(port), context=ssl.create_default_context(cafile=ca))
hdr = {"Authorization": "Bearer " + token, "Accept": "application/taxii+json;version=2.1"}
nxt = None
while True:
    q = "?limit=1000&match[version]=all" + ("&next=" + urllib.parse.quote(nxt) if nxt else "")
    conn.request("GET", "/api/collections/intel/manifest/" + q, headers=hdr)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("manifest: HTTP %d %s" % (r.status, body[:200]))
    j = json.loads(body)
    for o in j.get("objects", []):
        print(o["id"])
    if not j.get("more"):
        break
    nxt = j["next"]
EOF
}

echo "== every object stored exactly once (POSTed and imported)"
stored_ids "$T/stored.txt" || fail "manifest"
python3 -c "
import json, uuid
for i in range(10000):
    print('indicator--' + str(uuid.uuid5(uuid.NAMESPACE_URL, 'import/%d' % i)))" >>"$T/acked.txt"
[ "$(sort "$T/stored.txt" | uniq -d | wc -l)" = 0 ] || fail "duplicates: $(sort "$T/stored.txt" | uniq -d | head -3)"
sort -u "$T/acked.txt" >"$T/want.sorted"
sort "$T/stored.txt" >"$T/got.sorted"
cmp -s "$T/want.sorted" "$T/got.sorted" ||
    fail "stored != posted + imported: $(comm -3 "$T/want.sorted" "$T/got.sorted" | head -3) ($(wc -l <"$T/want.sorted") wanted, $(wc -l <"$T/got.sorted") stored)"
echo "   $(wc -l <"$T/got.sorted") objects"

echo "== SIGKILL mid-stream: every acknowledged POST's objects and status survive a restart"
post_streams "$T/kill.jsonl" kill 1000 until-error &
STREAMS_PID=$!
# wait for 20 acknowledgements, then kill the server while POSTs are in flight
for _ in $(seq 1 600); do
    [ -f "$T/kill.jsonl" ] && [ "$(grep -c '"code": 202' "$T/kill.jsonl")" -ge 20 ] && break
    sleep 0.05
done
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
wait "$STREAMS_PID" || fail "post streams"
ACKED=$(grep -c '"code": 202' "$T/kill.jsonl" || true)
[ "$ACKED" -ge 20 ] || fail "only $ACKED POSTs acknowledged before the kill"
grep -v '"code": 202' "$T/kill.jsonl" | grep -v '"code": 0' && fail "an answer other than 202 before the kill"
start_server --threads 4
stored_ids "$T/stored2.txt" || fail "manifest after restart"
python3 - "$T/kill.jsonl" "$T/stored2.txt" "$BASE" "$ADMIN" "$NODE/tls/cert.pem" <<'EOF' || fail "after SIGKILL (above)"
import http.client, json, ssl, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
stored = set(l.strip() for l in open(sys.argv[2]))
base, token, ca = sys.argv[3:6]
host, port = base.split("//")[1].split(":")
conn = http.client.HTTPSConnection(host, int(port), context=ssl.create_default_context(cafile=ca))
hdr = {"Authorization": "Bearer " + token, "Accept": "application/taxii+json;version=2.1"}
bad, acked = [], 0
for d in rows:
    if d["code"] != 202:
        continue
    acked += 1
    missing = [x for x in d["ids"] if x not in stored]
    if missing:
        bad.append("acknowledged POST %d/%d lost %d objects" % (d["client"], d["seq"], len(missing)))
    sid = json.loads(d["body"])["id"]
    conn.request("GET", "/api/status/%s/" % sid, headers=hdr)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200 or json.loads(body) != json.loads(d["body"]):
        bad.append("status %s after restart: HTTP %d" % (sid, r.status))
for b in bad[:20]:
    print(b, file=sys.stderr)
print("   %d acknowledged POSTs before SIGKILL, %d problems" % (acked, len(bad)))
sys.exit(1 if bad else 0)
EOF
stop_server
echo "PASS"
