#!/usr/bin/env bash
# fed_flaky.sh - a peer that answers HTTP 500 or closes the connection on a
# fixed share of requests (fed_flaky.py, plain HTTP on 127.0.0.1): pull and
# push are retried round after round until complete; the node ends with
# exactly the peer's versions and the peer with exactly ours, each once.
source "$(dirname "$0")/fed_lib.bash"
make_node tokyo
gen_objects f1a0 300 green >"$T/remote.json"
bundle_versions "$T/remote.json" >"$T/want_pull"
python3 "$(dirname "$0")/fed_flaky.py" "$T/remote.json" "$T/flaky.port" "$T/received" \
    2>"$T/flaky.err" &
PID[flaky]=$!
for _ in $(seq 1 100); do [ -s "$T/flaky.port" ] && break; sleep 0.1; done
[ -s "$T/flaky.port" ] || fail "fake server did not start"
k tokyo peer add flaky --url "http://127.0.0.1:$(cat "$T/flaky.port")/taxii2/" --token x >/dev/null
k tokyo subscribe pull flaky Flaky --into intel >/dev/null
gen_objects f2b0 200 green >"$T/local.json"
k tokyo collection add outgoing --tlp green >/dev/null
k tokyo import --collection outgoing "$T/local.json" >/dev/null
k tokyo subscribe push outgoing --to flaky Flaky >/dev/null

echo "== rounds until both directions are complete (bounded)"
ok=0
for round in $(seq 1 40); do
    if k tokyo sync --page-size 25 >"$T/round.out" 2>&1; then
        ok=$((ok + 1))
        [ $ok -ge 2 ] && break
    fi
done
[ $ok -ge 2 ] || fail "never completed: $(cat "$T/round.out")"
echo "   complete after $round rounds"
[ "$round" -gt 2 ] || fail "no injected fault was met"
expect_versions "$T/want_pull" tokyo
bundle_versions "$T/local.json" >"$T/want_push"
diff -q "$T/want_push" "$T/received" >/dev/null || fail "the peer received $(wc -l <"$T/received") of $(wc -l <"$T/want_push")"
echo "PASS"
