# fed_lib.bash - shared by the fed_*.sh integration tests (sourced; the
# .bash suffix keeps CTest from running it): several real kizuna nodes on
# 127.0.0.1 over TLS, each with a collection "intel" and a federation
# account "fed" for its partners (partner: no AMBER+STRICT or RED reads); objects made by gen_objects; version sets
# compared by (id, modified).
set -euo pipefail

: "${KIZUNA:?KIZUNA must point at the kizuna binary}"
: "${KZ_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T=$(mktemp -d /tmp/kz-fed-it-XXXXXX)
declare -A PID PORT TOKEN

cleanup() {
    for n in "${!PID[@]}"; do
        local p=${PID[$n]}
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null || true
            wait "$p" 2>/dev/null || true
        fi
    done
    rm -rf "$T"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    for f in "$T"/*.err; do
        [ -f "$f" ] || continue
        echo "--- $f (tail)" >&2
        tail -15 "$f" >&2
    done
    exit 1
}

k() { # k NODE ARGS...: kizuna on node NODE
    local n=$1
    shift
    "$KIZUNA" --data "$T/$n" "$@"
}

# make_node NAME [TLP]: a node with collection intel (default TLP green
# unless given) and account fed (partner org, read+write intel).
make_node() {
    local n=$1 tlp=${2:-green}
    "$KIZUNA" init "$T/$n" >/dev/null
    echo "node.org = CERT-$n" >>"$T/$n/kizuna.conf"
    # these tests count and compare the exact objects they publish: no
    # signing on publish (fed_publish.sh tests it)
    echo "sign_on_publish = false" >>"$T/$n/kizuna.conf"
    k "$n" collection add intel --title "Intel $n" --tlp "$tlp" >/dev/null
    TOKEN[$n]=$(k "$n" account add fed --org "FED-$n" --partner --read "*" --write "*" | tail -1)
}

# start_node NAME [serve options...]: serve on a free port, wait for it.
start_node() {
    local n=$1
    shift
    rm -f "$T/$n.port"
    "$KIZUNA" --data "$T/$n" serve --listen 127.0.0.1:${PORT[$n]:-0} --port-file "$T/$n.port" "$@" \
        >>"$T/$n.out" 2>>"$T/$n.err" &
    PID[$n]=$!
    for _ in $(seq 1 300); do
        [ -s "$T/$n.port" ] && break
        kill -0 "${PID[$n]}" 2>/dev/null || fail "node $n exited at start"
        sleep 0.1
    done
    [ -s "$T/$n.port" ] || fail "node $n did not start"
    PORT[$n]=$(cat "$T/$n.port")
}

stop_node() {
    local n=$1
    kill -TERM "${PID[$n]}" 2>/dev/null || true
    wait "${PID[$n]}" 2>/dev/null || true
    PID[$n]=""
}

kill9_node() {
    local n=$1
    kill -KILL "${PID[$n]}" 2>/dev/null || true
    wait "${PID[$n]}" 2>/dev/null || true
    PID[$n]=""
}

# add_peer ON NAME: node ON knows node NAME as a peer (TLS verified
# against NAME's self-signed certificate).
add_peer() {
    k "$1" peer add "$2" --url "https://127.0.0.1:${PORT[$2]}/taxii2/" --token "${TOKEN[$2]}" \
        --ca "$T/$2/tls/cert.pem" >/dev/null
}

# gen_objects PREFIX N [TLP...]: a bundle of N indicators on stdout with
# ids derived from PREFIX (hex), TLP markings cycling through the list
# ("none" = unmarked); two versions of every fifth object.
gen_objects() {
    python3 - "$@" <<'PY'
import json, sys
prefix, n = sys.argv[1], int(sys.argv[2])
tlps = sys.argv[3:] or ["none"]
ids = {"clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
       "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
       "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
       "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
       "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}
objs = []
for i in range(n):
    t = tlps[i % len(tlps)]
    uid = "%s-0000-4000-8000-%012x" % (prefix.ljust(8, "0")[:8], i)
    for v in range(2 if i % 5 == 0 else 1):
        o = {"type": "indicator", "spec_version": "2.1", "id": "indicator--" + uid,
             "created": "2024-01-01T00:00:00.000Z",
             "modified": "2024-01-0%dT00:00:00.000Z" % (v + 1),
             "name": "%s-%d-%s" % (prefix, i, t), "pattern_type": "stix",
             "pattern": "[ipv4-addr:value = '198.51.%d.%d']" % (i // 250 % 250, i % 250),
             "valid_from": "2024-01-01T00:00:00Z"}
        if t != "none":
            o["object_marking_refs"] = [ids[t]]
        objs.append(o)
print(json.dumps({"type": "bundle", "id": "bundle--%s-0000-4000-8000-000000000000" % prefix.ljust(8, "0")[:8], "objects": objs}, indent=1))
PY
}

# versions NODE: the sorted (id, modified) pairs of every version in intel.
versions() {
    k "$1" export --collection intel --version all |
        python3 -c 'import json,sys; [print(o["id"], o.get("modified","-")) for o in sorted(json.load(sys.stdin).get("objects",[]), key=lambda o:(o["id"],o.get("modified","")))]'
}

# expect_same_versions FILE NODE: NODE holds exactly the versions in FILE
# (no loss, no duplicates: export lists every stored version once).
expect_versions() {
    local want=$1 n=$2
    versions "$n" >"$T/got.$n"
    if ! diff -q "$want" "$T/got.$n" >/dev/null; then
        diff "$want" "$T/got.$n" | head -10 >&2
        fail "node $n: $(wc -l <"$T/got.$n") versions, want $(wc -l <"$want")"
    fi
    local d
    d=$(sort "$T/got.$n" | uniq -d | wc -l)
    [ "$d" -eq 0 ] || fail "node $n holds duplicate versions"
}

# filter_versions TLP_LIST < versions of a gen_objects bundle file... (python)
bundle_versions() { # bundle_versions FILE [ALLOWED_NAME_SUFFIX...]: pairs of objects whose name ends with an allowed TLP
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); allow = sys.argv[2:]
out = sorted({(o["id"], o["modified"]) for o in d["objects"]
              if not allow or o["name"].rsplit("-", 1)[-1] in allow or o["name"].endswith("amber+strict") and "amber+strict" in allow})
for i, m in out: print(i, m)
PY
}
