#!/usr/bin/env python3
"""check_bundle.py - checks a bundle written by gen_bundle with nothing but
Python's standard library, so that the benchmark's workload is known to be
valid STIX 2.1 independently of kizuna:

  - it is JSON (the json module) with unique ids;
  - each object has its type's required properties;
  - every SCO id is the deterministic one: UUIDv5 in the STIX namespace of
    the canonical JSON of its id-contributing properties (one hash chosen in
    the order MD5, SHA-1, SHA-256, SHA-512, as the OASIS stix2 library does);
  - timestamps are RFC 3339 UTC and ordered (modified >= created, ...);
  - every reference points at an object earlier in the bundle and every
    object carries a TLP 2.0 marking.

usage: check_bundle.py FILE     exit 0 if all holds, 1 otherwise.
"""
import collections
import datetime
import json
import re
import sys
import uuid

NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
TLP2 = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
ID = re.compile(r"^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HASH_LEN = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128}
COMMON_SDO = ["type", "spec_version", "id", "created", "modified"]
REQUIRED = {
    "marking-definition": ["type", "spec_version", "id", "created"],
    "identity": COMMON_SDO + ["name"],
    "attack-pattern": COMMON_SDO + ["name"],
    "malware": COMMON_SDO + ["is_family"],
    "indicator": COMMON_SDO + ["pattern", "pattern_type", "valid_from"],
    "relationship": COMMON_SDO + ["relationship_type", "source_ref", "target_ref"],
    "report": COMMON_SDO + ["name", "published", "object_refs"],
    "note": COMMON_SDO + ["content", "object_refs"],
    "sighting": COMMON_SDO + ["sighting_of_ref"],
    "observed-data": COMMON_SDO + ["first_observed", "last_observed", "number_observed", "object_refs"],
    "ipv4-addr": ["type", "id", "value"],
    "domain-name": ["type", "id", "value"],
    "url": ["type", "id", "value"],
    "email-addr": ["type", "id", "value"],
    "file": ["type", "id"],
}
ID_CONTRIB = {
    "ipv4-addr": ["value"],
    "domain-name": ["value"],
    "url": ["value"],
    "email-addr": ["value"],
    "file": ["hashes", "name", "extensions", "parent_directory_ref"],
}


def ts(value):
    if not isinstance(value, str) or not TS.match(value):
        raise ValueError("not a STIX timestamp: %r" % (value,))
    # fromisoformat checks the calendar (Feb 30, hour 24, second 60).
    return datetime.datetime.fromisoformat(value[:19])


def one_hash(hashes):
    for k in ("MD5", "SHA-1", "SHA-256", "SHA-512"):
        if k in hashes:
            return {k: hashes[k]}
    k = next(iter(hashes))
    return {k: hashes[k]}


def sco_id(obj):
    contrib = {}
    for p in ID_CONTRIB[obj["type"]]:
        if p in obj:
            contrib[p] = one_hash(obj[p]) if p == "hashes" else obj[p]
    canon = json.dumps(contrib, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "%s--%s" % (obj["type"], uuid.uuid5(NS, canon))


def refs_of(obj):
    for k, v in obj.items():
        if k.endswith("_ref"):
            yield k, v
        elif k.endswith("_refs"):
            for r in v:
                yield k, r


def check(obj, seen, problems):
    t = obj.get("type")
    where = obj.get("id", "?")
    if t not in REQUIRED:
        problems.append("%s: unexpected type %r" % (where, t))
        return
    for p in REQUIRED[t]:
        if p not in obj:
            problems.append("%s: missing required property %s" % (where, p))
    if not ID.match(obj.get("id", "")) or not obj["id"].startswith(t + "--"):
        problems.append("%s: malformed id" % where)
    if obj["id"] in seen:
        problems.append("%s: duplicate id" % where)
    if obj.get("spec_version", "2.1") != "2.1":
        problems.append("%s: spec_version is not 2.1" % where)
    try:
        for k, v in obj.items():
            if k in ("created", "modified", "valid_from", "valid_until", "first_seen", "last_seen",
                     "first_observed", "last_observed", "published", "start_time", "stop_time"):
                ts(v)
        pairs = [("created", "modified"), ("valid_from", "valid_until"),
                 ("start_time", "stop_time"), ("first_seen", "last_seen"),
                 ("first_observed", "last_observed")]
        for a, b in pairs:
            if a in obj and b in obj and obj[b] < obj[a]:
                problems.append("%s: %s before %s" % (where, b, a))
    except ValueError as e:
        problems.append("%s: %s" % (where, e))
    if t in ID_CONTRIB and obj["id"] != sco_id(obj):
        problems.append("%s: not the deterministic id (expected %s)" % (where, sco_id(obj)))
    for name, value in obj.get("hashes", {}).items():
        if len(value) != HASH_LEN.get(name, len(value)) or not re.match("^[0-9a-f]+$", value):
            problems.append("%s: bad %s hash" % (where, name))
    for k, r in refs_of(obj):
        if r not in seen:
            problems.append("%s: %s %s does not point at an earlier object" % (where, k, r))
    if t != "marking-definition":
        marks = obj.get("object_marking_refs", [])
        if not marks or not set(marks) <= TLP2:
            problems.append("%s: no TLP 2.0 marking" % where)
    if t == "indicator" and obj["pattern"].count("[") != obj["pattern"].count("]"):
        problems.append("%s: unbalanced pattern" % where)
    if t == "observed-data" and not 1 <= obj["number_observed"] <= 999999999:
        problems.append("%s: number_observed out of range" % where)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        bundle = json.load(f)
    problems = []
    if bundle.get("type") != "bundle" or not ID.match(bundle.get("id", "")):
        problems.append("not a bundle")
    seen = set()
    types = collections.Counter()
    for obj in bundle.get("objects", []):
        check(obj, seen, problems)
        seen.add(obj.get("id"))
        types[obj.get("type")] += 1
    for p in problems[:20]:
        print("check_bundle: " + p, file=sys.stderr)
    print("check_bundle: %d objects of %d types, %d problems"
          % (sum(types.values()), len(types), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
