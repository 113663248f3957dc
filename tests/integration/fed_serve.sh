#!/usr/bin/env bash
# fed_serve.sh - `kizuna serve` runs federation continuously next to the
# API (fed.pull_interval / fed.push_interval in kizuna.conf): objects
# published on one node appear on the other without any `kizuna sync`, in
# both directions; subscriptions added while serving are picked up; a bad
# interval is refused; SIGTERM stops cleanly.
source "$(dirname "$0")/fed_lib.bash"
make_node tokyo
make_node washington
echo "fed.pull_interval = soon" >>"$T/washington/kizuna.conf"
rc=0; k washington serve --listen 127.0.0.1:0 >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" -eq 2 ] || fail "bad fed.pull_interval gave $rc"
grep -q 'fed.pull_interval' "$T/bad.err" || fail "message: $(cat "$T/bad.err")"
sed -i 's/^fed.pull_interval = soon$/fed.pull_interval = 0.3\nfed.push_interval = 0.3/' "$T/washington/kizuna.conf"
start_node tokyo
start_node washington
add_peer washington tokyo
k washington subscribe pull tokyo "Intel tokyo" --into intel >/dev/null
k washington subscribe push intel --to tokyo "Intel tokyo" >/dev/null

# wait_for NODE FILE: until NODE holds exactly FILE's versions (<= 30 s)
wait_for() {
    for _ in $(seq 1 150); do
        versions "$1" >"$T/now.$1"
        cmp -s "$T/now.$1" "$2" && return 0
        sleep 0.2
    done
    expect_versions "$2" "$1"
}

echo "== published on tokyo, visible on washington (pulled by serve)"
gen_objects 5e01 50 green >"$T/t.json"
k tokyo import --collection intel "$T/t.json" >/dev/null
bundle_versions "$T/t.json" >"$T/want1"
wait_for washington "$T/want1"

echo "== published on washington, visible on tokyo (pushed by serve)"
gen_objects 5e02 30 green clear >"$T/w.json"
k washington import --collection intel "$T/w.json" >/dev/null
bundle_versions "$T/w.json" | cat - "$T/want1" | sort >"$T/want2"
wait_for tokyo "$T/want2"
wait_for washington "$T/want2"
k washington peer status | grep -q 'outbox 0' || fail "outbox: $(k washington peer status)"

echo "== SIGTERM stops serve and federation cleanly"
kill -TERM "${PID[washington]}"
rc=0; wait "${PID[washington]}" || rc=$?
PID[washington]=""
[ "$rc" -eq 0 ] || fail "serve exited with $rc"
echo "PASS"
