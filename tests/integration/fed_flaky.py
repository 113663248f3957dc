#!/usr/bin/env python3
"""fed_flaky.py - a tiny, deliberately unreliable TAXII 2.1 server (python3
stdlib, plain HTTP on 127.0.0.1) for fed_flaky.sh: one collection served
from a bundle file with paging by added_after/next, POST accepted into
memory (status resource pending, then complete); every request is answered
with HTTP 500 or a closed connection according to a fixed cycle, so that
the client's retries are exercised deterministically.

usage: fed_flaky.py BUNDLE PORT_FILE RECEIVED_FILE
"""
import json
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

BUNDLE, PORT_FILE, RECEIVED = sys.argv[1:4]
OBJS = json.load(open(BUNDLE))["objects"]
# date_added of object i: a fixed second plus i microseconds
ADDED = ["2025-01-01T00:00:00.%06dZ" % i for i in range(len(OBJS))]
CID = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
COUNT = [0]
LOCK = threading.Lock()
RECV = {}
STATUS = {}
# the fault cycle: of every 7 requests, one 500 and one closed connection
CYCLE = ["ok", "500", "ok", "ok", "close", "ok", "ok"]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def fault(self):
        with LOCK:
            COUNT[0] += 1
            kind = CYCLE[COUNT[0] % len(CYCLE)]
        if kind == "500":
            self.send(500, {"title": "injected failure", "http_status": "500"})
            return True
        if kind == "close":
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return True
        return False

    def send(self, code, body, headers=()):
        b = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/taxii+json;version=2.1")
        self.send_header("Content-Length", str(len(b)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        if self.fault():
            return
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path == "/taxii2/":
            return self.send(200, {"title": "flaky", "api_roots": ["/api/"]})
        if u.path == "/api/collections/":
            return self.send(200, {"collections": [{"id": CID, "title": "Flaky", "can_read": True,
                                                    "can_write": True}]})
        if u.path.startswith("/api/status/"):
            sid = u.path.split("/")[3]
            st = STATUS.get(sid)
            if not st:
                return self.send(404, {"title": "no such status"})
            st["polls"] += 1
            body = dict(st["body"])
            if st["polls"] < 2:
                body.update(status="pending", success_count=0, pending_count=body["total_count"])
            return self.send(200, body)
        if u.path == "/api/collections/%s/objects/" % CID:
            after = q.get("added_after", [""])[0]
            start = int(q.get("next", ["0"])[0])
            limit = int(q.get("limit", ["100"])[0])
            idx = [i for i in range(len(OBJS)) if ADDED[i] > after][start:]
            page = idx[:limit]
            body = {"more": len(idx) > limit, "objects": [OBJS[i] for i in page]}
            if body["more"]:
                body["next"] = str(start + limit)
            hdrs = []
            if page:
                hdrs = [("X-TAXII-Date-Added-First", ADDED[page[0]]),
                        ("X-TAXII-Date-Added-Last", ADDED[page[-1]])]
            return self.send(200, body, hdrs)
        self.send(404, {"title": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        if self.fault():
            return
        env = json.loads(data)
        with LOCK:
            for o in env.get("objects", []):
                RECV[(o["id"], o.get("modified", "-"))] = RECV.get((o["id"], o.get("modified", "-")), 0) + 1
            with open(RECEIVED, "w") as f:
                for (i, m) in sorted(RECV):
                    f.write("%s %s\n" % (i, m))
            sid = "%08d-0000-4000-8000-000000000000" % len(STATUS)
            total = len(env.get("objects", []))
            STATUS[sid] = {"polls": 0, "body": {"id": sid, "status": "complete", "total_count": total,
                                                "success_count": total, "failure_count": 0,
                                                "pending_count": 0}}
        self.send(202, dict(STATUS[sid]["body"], status="pending", success_count=0, pending_count=total))


class S(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


srv = S(("127.0.0.1", 0), H)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(PORT_FILE + ".tmp", PORT_FILE)
srv.serve_forever()
