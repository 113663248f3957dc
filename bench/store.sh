#!/usr/bin/env bash
# store.sh - the store's import rate, size on disk and page-query latency
# at 1M indicators, next to the raw sqlite3 shell loading the same rows
# into an equivalent table in one transaction, in the same run.
#
#   bench/store.sh BUILD_DIR       (make bench runs it through bench/run.sh)
#
# Environment: KZ_BENCH_OBJECTS (default 1000000), KZ_BENCH_QUERIES (2000),
# KZ_BENCH_DIR (where the node and raw database go; default bench/out),
# KZ_BENCH_BATCH (import --batch; default: the command's default).
# Workload: bench/gen_indicators.c (built here with cc -O2). The page query
# timer is a small C program built here against BUILD_DIR/libkizuna.a.
# Figures go to stdout and to bench/out/store-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
kizuna="$build/kizuna"
out="$root/bench/out"
objects=${KZ_BENCH_OBJECTS:-1000000}
queries=${KZ_BENCH_QUERIES:-2000}
work=${KZ_BENCH_DIR:-$out}
batch=${KZ_BENCH_BATCH:-}
mkdir -p "$out" "$work"
say() { printf 'store.sh: %s\n' "$*" >&2; }
[ -x "$kizuna" ] || { say "no $kizuna (build first)"; exit 2; }

# 1. The workload: a bundle and the same rows as CSV for sqlite3.
gen="$out/gen_indicators"
if [ ! -x "$gen" ] || [ "$root/bench/gen_indicators.c" -nt "$gen" ]; then
  cc -O2 -Wall -Wextra -o "$gen" "$root/bench/gen_indicators.c"
fi
bundle="$out/indicators-$objects.json"
rows="$out/indicators-$objects.csv"
if [ ! -s "$bundle" ] || [ ! -s "$rows" ] || [ "$bundle" -ot "$gen" ]; then
  say "generating $objects indicators"
  "$gen" -n "$objects" -o "$bundle" -c "$rows"
fi
bytes=$(stat -c %s "$bundle")
cat "$bundle" "$rows" >/dev/null # in the page cache for both contenders

# Runs "$@" under /usr/bin/time -v; sets secs and rss_mb.
measure() {
  local tf="$out/time.$$" t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$tf" "$@" >"$out/last.stdout" 2>"$out/last.stderr" ||
    { say "failed: $*"; cat "$out/last.stderr" >&2; exit 1; }
  t1=$(date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  rss_mb=$(awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$tf")
  rm -f "$tf"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# 2. kizuna import (defaults: synchronous=full, WAL, batches of the default
# size), without signing, so that it compares with the raw baseline, which
# does not sign either; the signed import (the default) is measured after.
node="$work/store-node"
rm -rf "$node"
"$kizuna" init -q "$node"
"$kizuna" --data "$node" collection add bench >/dev/null
say "kizuna import of $objects indicators"
measure "$kizuna" --data "$node" -q import --no-sign --collection bench ${batch:+--batch "$batch"} "$bundle"
k_secs=$secs k_rss=$rss_mb
k_rate=$(rate "$objects" "$k_secs")
db_bytes=$(du -cb "$node"/kizuna.db* | awk 'END { print $1 }')
per_obj=$(awk -v b="$db_bytes" -v n="$objects" 'BEGIN { printf "%.0f", b / n }')
snode="$work/store-node-signed"
rm -rf "$snode"
"$kizuna" init -q "$snode"
"$kizuna" --data "$snode" collection add bench >/dev/null
say "kizuna import of $objects indicators, signed with the node key (the default)"
measure "$kizuna" --data "$snode" -q import --collection bench ${batch:+--batch "$batch"} "$bundle"
s_secs=$secs s_rss=$rss_mb
s_rate=$(rate "$objects" "$s_secs")
rm -rf "$snode"
json_per_obj=$(awk -v b="$bytes" -v n="$objects" 'BEGIN { printf "%.0f", b / n }')

# 3. Raw baseline: the sqlite3 shell, same rows, the store's objects table
# as of schema 3 (same columns, same index objects_by_id on id_hash), with
# the store's pragmas (WAL, synchronous=FULL, 64 MiB page cache), one
# transaction. Only the objects table: no collection membership, no FTS.
raw="$work/store-raw.db"
rm -f "$raw" "$raw-wal" "$raw-shm"
cat >"$out/raw.sql" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA cache_size = -65536;
CREATE TABLE objects(okey INTEGER PRIMARY KEY, id_hash INTEGER NOT NULL, id TEXT NOT NULL,
  vkey TEXT NOT NULL, type TEXT NOT NULL, version TEXT NOT NULL, spec_version TEXT NOT NULL,
  versionless INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0, tlp TEXT,
  hash INTEGER NOT NULL, stored_us INTEGER NOT NULL, json BLOB NOT NULL);
CREATE INDEX objects_by_id ON objects(id_hash);
BEGIN;
.import --csv $rows objects
COMMIT;
SQL
say "sqlite3 shell load of the same rows"
measure sqlite3 "$raw" ".read $out/raw.sql"
r_secs=$secs r_rss=$rss_mb
r_rate=$(rate "$objects" "$r_secs")
raw_bytes=$(du -cb "$raw"* | awk 'END { print $1 }')
# Both contenders must hold the same rows: same id and id_hash per okey
# (gen_indicators.c's copy of kz_store_id_hash must match the store's).
differ=$(sqlite3 "$raw" "ATTACH '$node/kizuna.db' AS k; SELECT count(*) FROM objects r
  LEFT JOIN k.objects o ON o.okey = r.okey WHERE o.id IS NOT r.id OR o.id_hash IS NOT r.id_hash;")
[ "$differ" = 0 ] || { say "raw and kizuna rows differ ($differ rows): id_hash out of step?"; exit 1; }
ratio=$(awk -v a="$k_rate" -v b="$r_rate" 'BEGIN { printf "%.0f", 100 * a / b }')

# 4. Page query: 100 indicators after a random added_after, as the TAXII
# objects endpoint asks (objects with their JSON, version=last), timed
# in-process over many queries; plus the newest page (added_after near the end).
cat >"$out/store_query.c" <<'C'
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kizuna/store.h"
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static int cb(void *ctx, const kz_store_record *r) { *(size_t *)ctx += r->json_len; return 0; }
int main(int argc, char **argv)
{
    const char *dir = argv[1]; int n = atoi(argv[2]);
    char db[4096]; snprintf(db, sizeof db, "%s/kizuna.db", dir);
    sqlite3 *q; sqlite3_stmt *st; long long lo = 0, hi = 0;
    sqlite3_open_v2(db, &q, SQLITE_OPEN_READONLY, NULL);
    sqlite3_prepare_v2(q, "SELECT min(added_us), max(added_us) FROM members", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW) { lo = sqlite3_column_int64(st, 0); hi = sqlite3_column_int64(st, 1); }
    sqlite3_finalize(st); sqlite3_close(q);
    kz_store *s; char err[256];
    if (kz_store_open_dir(dir, true, &s, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 2; }
    const char *types[1] = {"indicator"};
    double *t = malloc(sizeof(double) * (size_t)n * 2); size_t bytes = 0; srand(1);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            long long after = pass == 0 ? lo + (long long)((double)rand() / RAND_MAX * (double)(hi - lo) * 0.999)
                                        : hi - 150 - rand() % 50;
            kz_store_filter f = {.collection = "bench", .has_added_after = 1, .added_after_us = after,
                                 .types = types, .n_types = 1, .limit = 100, .want_json = 1};
            kz_store_page p; double t0 = now();
            if (kz_store_query(s, &f, cb, &bytes, &p)) { fprintf(stderr, "query: %s\n", kz_store_errmsg(s)); return 2; }
            t[pass * n + i] = (now() - t0) * 1000;
            if (pass == 0 && p.n != 100) { fprintf(stderr, "short page: %zu\n", p.n); return 2; }
        }
        qsort(t + pass * n, (size_t)n, sizeof *t, cmp);
        printf("%s %.3f %.3f %.3f\n", pass ? "newest" : "random", t[pass * n + n / 2], t[pass * n + (int)(n * 0.99)], t[pass * n + n - 1]);
    }
    kz_store_close(s); free(t); return 0;
}
C
libs=$(pkg-config --libs sqlite3 libsodium uuid libpcre2-8 libmicrohttpd libcurl gnutls libpsl libhs libpq)
cc -O2 -I"$root/include" -o "$out/store_query" "$out/store_query.c" "$build/libkizuna.a" $libs -lstdc++ -lpthread -lm
say "page queries ($queries random + $queries newest)"
load_before=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/time -v -o "$out/query.time" "$out/store_query" "$node" "$queries" >"$out/query.txt"
preempt=$(awk -F: '/Involuntary context switches/ { gsub(/ /, "", $2); print $2 }' "$out/query.time")
read -r _ q50 q99 qmax < <(grep '^random' "$out/query.txt")
read -r _ n50 n99 nmax < <(grep '^newest' "$out/query.txt")

host="$(uname -srm); $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); $(nproc) cores"
fs=$(df -T "$work" | awk 'NR == 2 { print $2 }')
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
rev=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
res="$out/store-results.md"
{
  echo "## store ($date)"
  echo
  echo "Host: $host; databases on $fs ($work). Workload: $objects indicators from"
  echo "bench/gen_indicators.c, $bytes bytes of JSON ($json_per_obj bytes/object)."
  echo "Command: \`bench/store.sh $1\`${batch:+ with KZ_BENCH_BATCH=$batch}; source $rev."
  echo
  echo "| contender | seconds | objects/s | peak RSS (MB) | bytes on disk / object |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  echo "| kizuna import --no-sign (validate, versions, collection, FTS5; synchronous=full) | $k_secs | $k_rate | $k_rss | $per_obj |"
  echo "| kizuna import, signing each object with the node key (the default) | $s_secs | $s_rate | $s_rss | |"
  echo "| sqlite3 shell .import, objects table (same columns and index) only, one transaction | $r_secs | $r_rate | $r_rss | $(awk -v b="$raw_bytes" -v n="$objects" 'BEGIN { printf "%.0f", b / n }') |"
  echo
  echo "kizuna / raw sqlite3 rate: **$ratio %** (target >= 50 %; absolute target >= 100,000 objects/s)."
  echo
  echo "Page query (100 indicators with their JSON after added_after, version=last, $queries queries each):"
  echo
  echo "| added_after | p50 (ms) | p99 (ms) | max (ms) |"
  echo "| --- | ---: | ---: | ---: |"
  echo "| random point in the collection | $q50 | $q99 | $qmax |"
  echo "| just before the newest 100 | $n50 | $n99 | $nmax |"
  echo
  echo "(target p99 < 2 ms). Load average when the queries started: $load_before on $(nproc) cores;"
  echo "the query process was preempted $preempt times in $((2 * queries)) queries (a preemption"
  echo "costs about one scheduler slice, ~4 ms, so p99 is only meaningful on an idle machine)."
} >"$res"
cat "$res"
