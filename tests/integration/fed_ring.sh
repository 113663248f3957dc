#!/usr/bin/env bash
# fed_ring.sh - three real nodes: a push ring A->B->C->A and the same ring
# by pull (A<-B<-C<-A) at once, each node publishing its own objects (with
# new versions of some of another's); after a few rounds every node holds
# exactly the union of versions, nothing twice, and further rounds move
# nothing (loop-free, idempotent). Then a star through a hub.
source "$(dirname "$0")/fed_lib.bash"
for n in a b c; do make_node $n; done
for n in a b c; do start_node $n; done
add_peer a b; add_peer b c; add_peer c a   # push ring
add_peer b a; add_peer c b; add_peer a c   # pull ring (peers both ways now)
k a subscribe push intel --to b "Intel b" --tlp-max amber >/dev/null
k b subscribe push intel --to c "Intel c" --tlp-max amber >/dev/null
k c subscribe push intel --to a "Intel a" --tlp-max amber >/dev/null
k a subscribe pull c "Intel c" --into intel >/dev/null
k b subscribe pull a "Intel a" --into intel >/dev/null
k c subscribe pull b "Intel b" --into intel >/dev/null

gen_objects a0a0 60 green amber clear >"$T/a.json"
gen_objects b0b0 50 none green >"$T/b.json"
gen_objects c0c0 40 amber >"$T/c.json"
k a import --collection intel "$T/a.json" >/dev/null
k b import --collection intel "$T/b.json" >/dev/null
k c import --collection intel "$T/c.json" >/dev/null
for f in a b c; do bundle_versions "$T/$f.json"; done | sort >"$T/want"

echo "== rounds until converged"
for round in 1 2 3 4; do
    for n in a b c; do
        k $n sync >"$T/r$round$n.out" 2>&1 || fail "round $round on $n: $(cat "$T/r$round$n.out")"
    done
done
for n in a b c; do expect_versions "$T/want" $n; done
echo "== further rounds move nothing"
for n in a b c; do
    k $n sync >"$T/idle$n.out" 2>&1 || fail "idle round on $n"
    grep -q '^pulled [0-9]* (stored 0,' "$T/idle$n.out" || fail "idle round stored on $n: $(cat "$T/idle$n.out")"
    grep -q 'pushed 0 ' "$T/idle$n.out" || fail "idle round pushed on $n: $(cat "$T/idle$n.out")"
done

echo "== a new version travels the ring once"
python3 - "$T/a.json" >"$T/a2.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["objects"][0]
o["modified"] = "2024-02-01T00:00:00.000Z"; o["name"] += "-v2"
print(json.dumps({"type": "bundle", "id": "bundle--a0a0ffff-0000-4000-8000-000000000000", "objects": [o]}))
PY
k a import --collection intel "$T/a2.json" >/dev/null
bundle_versions "$T/a2.json" | cat - "$T/want" | sort >"$T/want2"
for round in 1 2; do for n in a b c; do k $n sync >/dev/null 2>&1 || fail "round v2"; done; done
for n in a b c; do expect_versions "$T/want2" $n; done

echo "== star: d and e through hub a"
for n in d e; do make_node $n; start_node $n; done
for n in d e; do add_peer $n a; k $n subscribe pull a "Intel a" --into intel >/dev/null; done
for n in d e; do k $n subscribe push intel --to a "Intel a" --tlp-max amber >/dev/null; done
gen_objects d0d0 20 green >"$T/d.json"; k d import --collection intel "$T/d.json" >/dev/null
gen_objects e0e0 20 green >"$T/e.json"; k e import --collection intel "$T/e.json" >/dev/null
for f in d e; do bundle_versions "$T/$f.json"; done | cat - "$T/want2" | sort >"$T/want3"
for round in 1 2; do for n in d e; do k $n sync >/dev/null 2>&1 || fail "star round"; done; done
for n in a d e; do expect_versions "$T/want3" $n; done
echo "PASS"
