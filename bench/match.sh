#!/usr/bin/env bash
# match.sh - `kizuna match` on logs at 100k and 1M indicators, side by side
# with `grep -F -c -f values.txt` and `rg -F -c -f values.txt` on the same
# files, pinned to one core (taskset -c 0).
#
#   bench/match.sh BUILD_DIR            # BUILD_DIR/kizuna, a RelWithDebInfo build
#   KZ_BENCH_MATCH_N="10000 100000" bench/match.sh build   # indicator counts
#   KZ_BENCH_LOG_MB=1000 bench/match.sh build              # 1 GB logs (default 100)
#   KZ_BENCH_1G=1 bench/match.sh build                     # same as KZ_BENCH_LOG_MB=1000
#   KZ_BENCH_GREP_TIMEOUT=120 ...                           # seconds grep / rg may run
#
# Workload: bench/gen_match.c (indicator bundle + TYPE<TAB>VALUE list) and
# bench/gen_logs.c (Zeek TSV, EVE, syslog of the given size with 0.1 % hit
# lines planted as clean tokens, ground truth beside). kizuna's count must
# equal the ground truth (exact + CIDR hits; the script fails otherwise).
# grep and rg see the non-CIDR values only: they can find the exact hits,
# never the CIDR ones. kizuna's scan rate is (log bytes) / (CPU time of
# reading and matching the log, from `kizuna match --stats`), i.e. without
# compiling the indicators, which is reported on its own line (the same
# command on an empty log) with the peak RSS. Times are CPU time (user +
# system) of the one pinned process, not wall time: other work on a shared
# machine inflates wall time but not the work done. grep and rg are bounded
# by a timeout (wall time) at 1M values.
set -eu
BUILD=${1:?usage: bench/match.sh BUILD_DIR}
K=$(cd "$BUILD" && pwd)/kizuna
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/out/match
mkdir -p "$OUT"
NS=${KZ_BENCH_MATCH_N:-"100000 1000000"}
MB=${KZ_BENCH_LOG_MB:-100}
[ "${KZ_BENCH_1G:-0}" = 1 ] && MB=1000
GT=${KZ_BENCH_GREP_TIMEOUT:-120}
BYTES=$((MB * 1000000))
PIN="taskset -c 0"
command -v taskset >/dev/null || PIN=""
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench/match.sh: needs /usr/bin/time (scripts/deps.sh --bench)"; exit 2; }
have_rg=1
command -v rg >/dev/null || { have_rg=0; echo "note: rg not installed (scripts/deps.sh --bench)"; }

cc -O2 -o "$OUT/gen_match" "$ROOT/bench/gen_match.c"
cc -O2 -o "$OUT/gen_logs" "$ROOT/bench/gen_logs.c"

# CPU seconds (user + system: the machine is shared, and the targets are
# per core) and peak RSS (KiB) of a command: "SECS RSS"; its stdout to $1
timed() {
    local out=$1
    shift
    $TIME -f '%U %S %M' -o "$OUT/time.txt" "$@" >"$out" 2>"$OUT/last.stderr" || true
    tail -1 "$OUT/time.txt" | awk '{ printf "%.2f %s\n", $1 + $2, $3 }'

}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) print "inf"; else printf "%.0f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || b == "-" || b <= 0 || a == "inf") print "-"; else printf "%.1f", a / b }'; }
# kizuna / a tool whose rate may be an upper bound ("<8": it timed out):
# then the ratio is a lower bound (">32.1")
vs() {
    local r
    r=$(ratio "$1" "${2#<}")
    [ "$2" != "${2#<}" ] && [ "$r" != "-" ] && r=">$r"
    echo "$r"
}

res=$OUT/../match-results.md
{
    echo "host: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ), kizuna $(cd "$ROOT" && git rev-parse --short HEAD), logs ${MB} MB each"
    echo
} | tee "$res"
: >"$OUT/compile.md"
table=$OUT/table.md
echo "| indicators | log | MB | truth (exact+cidr) | kizuna count | kizuna scan MB/s (CPU s) | kizuna total CPU s | grep -F count | grep MB/s | rg -F count | rg MB/s | kizuna/grep | kizuna/rg |" >"$table"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|" >>"$table"
status=0
for n in $NS; do
    ind=$OUT/ind-$n.json vals=$OUT/val-$n.tsv gv=$OUT/grep-$n.txt
    [ -s "$ind" ] || "$OUT/gen_match" -n "$n" -s 1 -o "$ind" -v "$vals"
    : >"$OUT/empty.log"
    # compile only: the same command on an empty log
    read -r t0 rss0 < <(timed "$OUT/k.out" $PIN "$K" match --indicators "$ind" --count "$OUT/empty.log")
    echo "compile $n indicators: ${t0} s, peak RSS $((rss0 / 1024)) MiB ($(awk -v r="$rss0" -v n="$n" 'BEGIN { printf "%.0f", r * 1024 / n }') bytes per indicator incl. the process)" | tee -a "$OUT/compile.md"
    for fmt in zeek eve syslog; do
        log=$OUT/$fmt-$n-${MB}M.log truth=$OUT/$fmt-$n-${MB}M.truth
        [ -s "$log" ] || "$OUT/gen_logs" -f "$fmt" -v "$vals" -b "$BYTES" -s 1 -o "$log" -t "$truth" -g "$gv"
        [ -s "$gv" ] || "$OUT/gen_logs" -f "$fmt" -v "$vals" -b 1000 -s 1 -o /dev/null -t /dev/null -g "$gv"
        size=$(stat -c %s "$log")
        want=$(wc -l <"$truth")
        exact=$(grep -c $'\texact\t' "$truth" || true)
        cat "$log" >/dev/null # page cache: every tool reads from memory
        read -r tk rssk < <(timed "$OUT/k.out" $PIN "$K" match --indicators "$ind" --count --stats "$log")
        got=$(tail -1 "$OUT/k.out")
        # reading + matching only, as measured inside kizuna (CPU time, compile excluded)
        scan=$(grep -o '[0-9.]* s CPU' "$OUT/last.stderr" | awk '{ print $1 }')
        ok=ok
        if [ "$got" != "$want" ]; then
            ok="MISMATCH"
            status=1
        fi
        kmb=$(mbps "$size" "$scan")
        read -r tg _ < <(timed "$OUT/g.out" $PIN timeout "$GT" grep -F -c -f "$gv" "$log")
        gc=$(cat "$OUT/g.out")
        if [ -z "$gc" ]; then
            gc="timeout >${GT}s"
            gmb="<$(mbps "$size" "$GT")"
        else
            gmb=$(mbps "$size" "$tg")
        fi
        rc="-" rmb="-"
        if [ "$have_rg" = 1 ]; then
            read -r tr _ < <(timed "$OUT/r.out" $PIN timeout "$GT" rg -F -c -f "$gv" "$log")
            rc=$(cat "$OUT/r.out")
            if [ -z "$rc" ]; then
                rc="timeout >${GT}s"
                rmb="<$(mbps "$size" "$GT")"
            else
                rmb=$(mbps "$size" "$tr")
            fi
        fi
        echo "| $n | $fmt | $((size / 1000000)) | $want ($exact+$((want - exact))) | $got $ok | $kmb ($scan) | $tk | $gc | $gmb | $rc | $rmb | $(vs "$kmb" "$gmb") | $(vs "$kmb" "$rmb") |" | tee -a "$table"
    done
done
cat0=$( { $TIME -f '%U %S' cat "$OUT"/*-${MB}M.log >/dev/null; } 2>&1 | tail -1 | awk '{ print $1 + $2 }')
total=$(cat "$OUT"/*-${MB}M.log | wc -c)
{
    echo
    cat "$OUT/compile.md"
    echo
    cat "$table"
    echo
    echo "cat of all logs to /dev/null: $(mbps "$total" "$cat0") MB/s (the ceiling)"
} >>"$res"
echo
cat "$res"
exit $status
