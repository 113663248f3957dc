#!/usr/bin/env python3
"""Split MITRE TRAM's labelled sentences into the part kizuna trains on and
the part it is evaluated on (never trained on).

Deterministic: a sentence goes to the held-out part when the SHA-256 of its
normalised text (lower case, blanks collapsed) falls in the lowest fifth for
its technique, so repeated sentences always land on the same side and every
technique keeps about a fifth of its sentences for evaluation. Run from the
repository root:  python3 scripts/split-tram.py ../shared/data/attack/tram-train.jsonl data/attack
"""
import collections, hashlib, json, re, sys

def key(text):
    norm = re.sub(r"\s+", " ", text.lower()).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()

def main():
    src, outdir = sys.argv[1], sys.argv[2]
    rows = [json.loads(l) for l in open(src, encoding="utf-8") if l.strip()]
    by_class = collections.defaultdict(list)
    for r in rows:
        by_class[r["attack_id"]].append(key(r["text"]))
    held = set()
    for cls, keys in by_class.items():
        distinct = sorted(set(keys))
        take = max(1, round(len(distinct) * 0.2)) if len(distinct) >= 3 else 0
        held.update((cls, k) for k in distinct[:take])
    # a text labelled with two techniques is held out for both or neither
    held_keys = {k for _, k in held}
    train = open(f"{outdir}/tram-train.jsonl", "w", encoding="utf-8")
    test = open(f"{outdir}/tram-heldout.jsonl", "w", encoding="utf-8")
    n = [0, 0]
    for r in rows:
        out = {"text": r["text"], "attack_id": r["attack_id"]}
        side = 1 if key(r["text"]) in held_keys else 0
        (test if side else train).write(json.dumps(out, ensure_ascii=False) + "\n")
        n[side] += 1
    print(f"train {n[0]} held-out {n[1]}")

main()
