#!/usr/bin/env python3
"""taxii_client.py - a TAXII 2.1 client written only from the specification
(OASIS TAXII 2.1, sections 4-5), with nothing but the Python standard
library, walking a server the way a new user's tool would:
discovery -> API root -> collections -> add objects -> poll status ->
page through objects (next, then added_after) -> manifest -> versions ->
delete. Exits non-zero with a message on the first deviation.

usage: taxii_client.py URL CAFILE USER TOKEN N_OBJECTS
"""
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

MEDIA = "application/taxii+json;version=2.1"


class Client:
    def __init__(self, cafile, user, token):
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        cred = base64.b64encode(f"{user}:{token}".encode()).decode()
        self.auth = "Basic " + cred

    def call(self, method, url, body=None, params=None, want=200):
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", MEDIA)
        req.add_header("Authorization", self.auth)
        if data is not None:
            req.add_header("Content-Type", MEDIA)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                status, headers, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, headers, raw = e.code, e.headers, e.read()
        if status != want:
            fail(f"{method} {url}: HTTP {status}, expected {want}: {raw[:300]!r}")
        ctype = headers.get("Content-Type", "")
        if raw and ctype.replace(" ", "") != MEDIA:
            fail(f"{method} {url}: Content-Type {ctype!r}")
        return (json.loads(raw) if raw else None), headers


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def indicator(i, version):
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--" + str(uuid.UUID(int=(0x5EC << 100) | i, version=4)),
        "created": "2025-01-01T00:00:00.000Z",
        "modified": version,
        "name": f"client indicator {i}",
        "pattern": f"[ipv4-addr:value = '203.0.113.{i % 250}']",
        "pattern_type": "stix",
        "valid_from": "2025-01-01T00:00:00Z",
    }


def main():
    base, cafile, user, token, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    c = Client(cafile, user, token)

    # 4.1 Server Discovery
    disc, _ = c.call("GET", base + "/taxii2/")
    check("title" in disc and disc.get("api_roots"), f"discovery: {disc}")
    root = disc.get("default") or disc["api_roots"][0]
    root = urllib.parse.urljoin(base + "/taxii2/", root)
    check(root.endswith("/"), "API root URL must end with /")

    # 4.2 API Root Information
    info, _ = c.call("GET", root)
    check(MEDIA in info["versions"], f"versions: {info}")
    check(isinstance(info["max_content_length"], int) and info["max_content_length"] > 0, "max_content_length")

    # 5.1 Get Collections, 5.2 Get A Collection
    cols, _ = c.call("GET", root + "collections/")
    writable = [x for x in cols.get("collections", []) if x["can_write"] and x["can_read"]]
    check(writable, f"no collection to write to: {cols}")
    col = writable[0]
    for k in ("id", "title", "can_read", "can_write"):
        check(k in col, f"collection lacks {k}")
    one, _ = c.call("GET", root + f"collections/{col['id']}/")
    check(one["id"] == col["id"], "collection by id")
    objects_url = root + f"collections/{col['id']}/objects/"

    # 5.5 Add Objects (two versions of each object, in two envelopes)
    v1, v2 = "2025-01-01T00:00:00.000Z", "2025-06-01T00:00:00.000Z"
    statuses = []
    for version in (v1, v2):
        env = {"objects": [indicator(i, version) for i in range(n)]}
        st, _ = c.call("POST", objects_url, body=env, want=202)
        check(st["total_count"] == n, f"status total_count: {st['total_count']}")
        statuses.append(st)

    # 4.3 Get Status: poll until complete
    for st in statuses:
        for _ in range(100):
            if st["status"] == "complete":
                break
            time.sleep(0.1)
            st, _ = c.call("GET", root + f"status/{st['id']}/")
        check(st["status"] == "complete", "status never completed")
        check(st["success_count"] == n and st["failure_count"] == 0, f"status counts: {st}")
        check(st["success_count"] + st["failure_count"] + st["pending_count"] == st["total_count"], "count sum")
        check(len(st.get("successes", [])) == n, "successes listed")

    # 5.3 Get Objects, paging with next (latest versions only by default)
    seen, pages, params = set(), 0, {"limit": "37", "match[type]": "indicator"}
    while True:
        env, h = c.call("GET", objects_url, params=params)
        objs = env.get("objects", [])
        check(len(objs) <= 37, "page larger than limit")
        for o in objs:
            check(o["modified"] == v2, f"default match[version] must be last: {o['modified']}")
            seen.add(o["id"])
        if objs:
            check(h.get("X-TAXII-Date-Added-First") and h.get("X-TAXII-Date-Added-Last"), "date headers")
        pages += 1
        check(pages < 1000, "paging does not end")
        if not env.get("more"):
            check("next" not in env, "next on the last page")
            break
        params = {"limit": "37", "match[type]": "indicator", "next": env["next"]}
    mine = {indicator(i, v1)["id"] for i in range(n)}
    check(mine <= seen, f"objects missing after paging: {len(mine - seen)}")

    # the same by added_after = X-TAXII-Date-Added-Last
    seen2, after = set(), None
    for _ in range(1000):
        p = {"limit": "50"}
        if after:
            p["added_after"] = after
        env, h = c.call("GET", objects_url, params=p)
        objs = env.get("objects", [])
        if not objs:
            break
        seen2.update(o["id"] for o in objs)
        after = h["X-TAXII-Date-Added-Last"]
    check(mine <= seen2, "added_after paging lost objects")

    # 5.4 Get Object Manifests
    man, _ = c.call("GET", root + f"collections/{col['id']}/manifest/",
                    params={"match[id]": ",".join(sorted(mine)[:5]), "match[version]": "all"})
    check(len(man["objects"]) == 10, f"manifest of 5 ids x 2 versions: {len(man.get('objects', []))}")
    for m in man["objects"]:
        check(m["media_type"].startswith("application/stix+json"), "manifest media_type")
        check(m["version"] in (v1, v2) and m["date_added"].endswith("Z"), f"manifest entry {m}")

    # 5.6 Get An Object, 5.8 Get Object Versions
    oid = sorted(mine)[0]
    env, _ = c.call("GET", objects_url + oid + "/", params={"match[version]": "first"})
    check(env["objects"][0]["modified"] == v1, "match[version]=first")
    vers, _ = c.call("GET", objects_url + oid + "/versions/")
    check(vers["versions"] == [v1, v2], f"versions: {vers}")

    # 5.7 Delete An Object (one version, then the rest)
    c.call("DELETE", objects_url + oid + "/", params={"match[version]": v1})
    vers, _ = c.call("GET", objects_url + oid + "/versions/")
    check(vers["versions"] == [v2], f"after deleting v1: {vers}")
    c.call("DELETE", objects_url + oid + "/")
    c.call("GET", objects_url + oid + "/", want=404)

    # errors are TAXII error messages
    err, _ = c.call("GET", objects_url, params={"limit": "nope"}, want=400)
    check("title" in err and err.get("http_status") == "400", f"error message: {err}")
    print(f"taxii_client: OK ({n} objects x 2 versions, {pages} pages by next)")


if __name__ == "__main__":
    main()
