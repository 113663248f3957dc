/* match_run.c - the log side of `kizuna match`: reads each LOG with the
 * log readers (match_log.h), matches every record against the compiled
 * indicator set, and prints hits (JSON lines), a count, or only an exit
 * status; writes the hits as STIX sightings and posts them to a collection. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kizuna/buf.h"
#include "kizuna/config.h"
#include "kizuna/strmap.h"
#include "match_run.h"

const char match_run_usage[] =
    "\n"
    "Logs (LOG...: files, globs, gzip, '-' for stdin):\n"
    "  --format F         zeek | zeek-json | eve | text (default: detected per file)\n"
    "  --count            print only the number of matching lines\n"
    "  --quiet, -q        print nothing: exit 0 if something hit, 1 if not\n"
    "  --follow           keep reading LOG as it grows, across rotation and\n"
    "                     truncation (tail -F); one LOG; stop with Ctrl-C\n"
    "  --poll-ms N        --follow: how often to look for new data (default 250)\n"
    "  --idle-exit S      --follow: stop after S seconds without new data\n"
    "  --max-line BYTES   longer lines are counted bad and skipped (default 1048576)\n"
    "  --stats            at the end, on stderr: lines, bytes, CPU time and MB/s of\n"
    "                     reading and matching the logs (compiling not included)\n"
    "  --sightings OUT    write a STIX bundle of sightings, one per indicator hit\n"
    "  --with-observed-data  add observed-data objects (and the values' SCOs)\n"
    "  --identity NAME    the node's identity in sightings (default: node.name or\n"
    "                     node.org of kizuna.conf)\n"
    "  --post C           store the sightings in collection C of the node (--data),\n"
    "                     as 'kizuna import' does (signed), for federation\n"
    "Each hit is one JSON line: file, line, time (if the log has one), field,\n"
    "type, value, indicator, name. Bad lines are counted and the first ones\n"
    "reported on stderr; they never stop the run.\n";

#define MAX_BAD_SHOWN 5
#define REC_DEDUP 64 /* indicators remembered per record for sighting counts */

#define MAX_LOGS 65536 /* LOG operands (a shell glob can be long) */
static const char *log_list[MAX_LOGS];

void match_run_init(match_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->logs = log_list;
}

bool match_run_wanted(const match_run_opts *o)
{
    return o->n_logs > 0;
}

static int number(const char *opt, const char *v, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || errno || x > max)
        return kz_cli_usage("match", "option '%s' needs a number up to %llu", opt, max), -1;
    *out = x;
    return 0;
}

int match_run_option(match_run_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    bool has = *i + 1 < argc;
    unsigned long long n;
    if (strcmp(a, "--format") == 0 && has) {
        if (kz_logfmt_parse(argv[++*i], &o->format) || o->format == KZ_LOG_AUTO) {
            kz_cli_usage("match", "unknown log format '%s' (zeek, zeek-json, eve, text)", argv[*i]);
            return -1;
        }
    } else if (strcmp(a, "--stats") == 0) {
        o->stats = true;
    } else if (strcmp(a, "--count") == 0) {
        o->count = true;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
        o->quiet = true;
    } else if (strcmp(a, "--follow") == 0 || strcmp(a, "-F") == 0) {
        o->follow = true;
    } else if (strcmp(a, "--poll-ms") == 0 && has) {
        if (number(a, argv[++*i], 60000, &n))
            return -1;
        o->poll_ms = (unsigned)(n ? n : 1);
    } else if (strcmp(a, "--idle-exit") == 0 && has) {
        if (number(a, argv[++*i], 86400, &n))
            return -1;
        o->idle_exit_ms = (unsigned)(n * 1000);
    } else if (strcmp(a, "--max-line") == 0 && has) {
        if (number(a, argv[++*i], 64u << 20, &n) || n < 64) {
            if (n < 64)
                kz_cli_usage("match", "option '--max-line' needs at least 64");
            return -1;
        }
        o->max_line = (size_t)n;
    } else if (strcmp(a, "--sightings") == 0 && has) {
        o->sightings = argv[++*i];
    } else if (strcmp(a, "--with-observed-data") == 0) {
        o->observed_data = true;
    } else if (strcmp(a, "--identity") == 0 && has) {
        o->identity = argv[++*i];
    } else if (strcmp(a, "--post") == 0 && has) {
        o->post = argv[++*i];
    } else if (strcmp(a, "-") == 0 || a[0] != '-') {
        if (o->n_logs >= MAX_LOGS) {
            kz_cli_usage("match", "more than %d LOG operands (give a quoted glob)", MAX_LOGS);
            return -1;
        }
        o->logs[o->n_logs++] = a;
    } else {
        return 0;
    }
    return 1;
}

/* ---- one run ---- */

typedef struct run {
    const kz_match_set *m;
    const match_run_opts *o;
    kz_match_scratch *scratch;
    kz_match_sightings *sight;
    const kz_logrec *rec;
    kz_buf out;
    uint64_t matched_lines, hits;
    bool rec_hit;
    uint32_t rec_inds[REC_DEDUP];
    size_t n_rec_inds;
    struct {
        const char *name;
        uint32_t indicator;
        uint64_t vhash;
    } rec_out[REC_DEDUP]; /* hit lines printed for this record */
    size_t n_rec_out;
    bool complex;      /* the set has complex indicators: records need their time */
    bool have_time;    /* rec_time is set for this record */
    kz_time rec_time;  /* its time, or the matching time when it has none */
    kz_err err;  /* fatal: stops the run */
    bool write_failed;
} run;

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* Whether this record printed the same (field name, indicator, value)
 * already: an array field (EVE dns.answers[].rrname) often repeats a value,
 * and one line says it. Remembers the hit otherwise. */
static bool printed_before(run *R, const kz_match_hit *h)
{
    const char *name = h->field < R->rec->n_fields ? R->rec->names[h->field] : "record";
    uint64_t vh = kz_hash64(h->value, h->value_len, 0);
    for (size_t i = 0; i < R->n_rec_out; i++)
        if (R->rec_out[i].indicator == h->indicator && R->rec_out[i].vhash == vh &&
            strcmp(R->rec_out[i].name, name) == 0)
            return true;
    if (R->n_rec_out < REC_DEDUP) {
        R->rec_out[R->n_rec_out].name = name;
        R->rec_out[R->n_rec_out].indicator = h->indicator;
        R->rec_out[R->n_rec_out].vhash = vh;
        R->n_rec_out++;
    }
    return false;
}

static int on_hit(void *ctx, const kz_match_hit *h)
{
    run *R = ctx;
    R->rec_hit = true;
    R->hits++;
    if (!R->o->count && !R->o->quiet && !printed_before(R, h)) {
        char id[KZ_MATCH_ID_MAX];
        size_t idn = kz_match_indicator_id(R->m, h->indicator, id);
        size_t nn = 0;
        const char *name = kz_match_indicator_name(R->m, h->indicator, &nn);
        kz_buf_reset(&R->out);
        kz_err rc = kz_match_hit_json(&R->out, R->rec, h, id, idn, name, nn);
        if (rc) {
            R->err = rc;
            return 1;
        }
        if (fwrite(R->out.data, 1, R->out.len, stdout) != R->out.len) {
            R->write_failed = true;
            return 1;
        }
    }
    if (R->sight) {
        /* one sighting count per record and indicator, however many fields hit */
        for (size_t i = 0; i < R->n_rec_inds; i++)
            if (R->rec_inds[i] == h->indicator)
                return 0;
        if (R->n_rec_inds < REC_DEDUP)
            R->rec_inds[R->n_rec_inds++] = h->indicator;
        if (!R->have_time) { /* parsed for records that hit only */
            if (!kz_logrec_time(R->rec, &R->rec_time))
                R->rec_time = kz_time_now();
            R->have_time = true;
        }
        const kz_time *t = &R->rec_time;
        kz_err rc = kz_match_sightings_add(R->sight, h->indicator, t, h->kind, h->value,
                                           h->value_len);
        if (rc) {
            R->err = rc;
            return 1;
        }
    }
    return 0;
}

static int on_rec(void *ctx, const kz_logrec *r)
{
    run *R = ctx;
    R->rec = r;
    R->rec_hit = false;
    R->n_rec_inds = 0;
    R->n_rec_out = 0;
    R->have_time = false;
    kz_match_record mr = {.fields = r->fields, .n_fields = r->n_fields};
    if (R->complex)
        mr.has_time = kz_logrec_time(r, &mr.time);
    kz_err rc = kz_match_record_run(R->m, R->scratch, &mr, on_hit, R);
    if (rc)
        R->err = rc;
    if (R->rec_hit)
        R->matched_lines++;
    if (R->err || R->write_failed)
        return 1;
    /* --quiet: the first hit answers the question (unless sightings are wanted) */
    return R->o->quiet && R->rec_hit && !R->sight && !R->o->post;
}

static void on_bad(void *ctx, const char *source, uint64_t line, const char *why)
{
    const run *R = ctx;
    if (!R->o->quiet)
        fprintf(stderr, "kizuna: match: '%s' line %llu: %s (skipped)\n", source,
                (unsigned long long)line, why);
}

typedef struct each_ctx {
    run *R;
    kz_logreader *rd;
    kz_logsrc_opts so;
    int errors;
} each_ctx;

static int read_one(void *ctx, const char *path)
{
    each_ctx *e = ctx;
    char err[512];
    kz_err rc = kz_logsrc_read(e->rd, path, &e->so, on_rec, e->R, err, sizeof err);
    if (e->R->err || e->R->write_failed)
        return 1;
    if (rc == KZ_ENOMEM) {
        e->R->err = rc;
        return 1;
    }
    if (rc) {
        kz_cli_error("match: %s", err[0] ? err : kz_strerror(rc));
        e->errors++;
    }
    /* --quiet found its answer: no need to read further */
    return e->R->o->quiet && e->R->matched_lines && !e->R->sight && !e->R->o->post;
}

/* The node's name for sightings: --identity, else kizuna.conf. */
static const char *identity_name(kz_cli *cli, const match_run_opts *o, kz_config **conf)
{
    if (o->identity)
        return o->identity;
    if (!cli->data_dir)
        return NULL;
    if (kz_config_load_node(cli->data_dir, conf, NULL))
        return NULL;
    const char *n = kz_config_get(*conf, "node.name");
    return n && *n ? n : kz_config_get(*conf, "node.org");
}

static int write_file(const char *path, const kz_buf *b)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
    if (!f)
        return kz_cli_error("match: cannot create '%s': %s", path, strerror(errno));
    bool ok = fwrite(b->data, 1, b->len, f) == b->len;
    if (f != stdout)
        ok = fclose(f) == 0 && ok;
    else
        ok = fflush(f) == 0 && ok;
    return ok ? 0 : kz_cli_error("match: cannot write '%s'", path);
}

/* --post: the bundle goes through `kizuna import` itself, so that the
 * sightings are validated, signed and stored exactly as any publication. */
static int post(kz_cli *cli, const char *coll, const kz_buf *b)
{
    if (!kz_cli_need_data(cli, "match"))
        return KZ_EXIT_ERROR;
    char tmp[] = "/tmp/kizuna-sightings-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return kz_cli_error("match: cannot create a temporary file: %s", strerror(errno));
    bool ok = write(fd, b->data, b->len) == (ssize_t)b->len;
    ok = close(fd) == 0 && ok;
    int ret = ok ? 0 : kz_cli_error("match: cannot write a temporary file");
    if (!ret) {
        char *args[] = {"import", "--collection", (char *)coll, "--quiet", tmp, NULL};
        bool q = cli->quiet;
        ret = cmd_import(cli, 5, args);
        cli->quiet = q;
        if (ret)
            ret = kz_cli_error("match: posting the sightings to '%s' failed", coll);
    }
    unlink(tmp);
    return ret;
}

int match_run(kz_cli *cli, const kz_match_set *m, const match_run_opts *o)
{
    if (o->follow && (o->n_logs != 1 || strcmp(o->logs[0], "-") == 0))
        return kz_cli_usage("match", "--follow reads exactly one LOG file");
    if (o->observed_data && !o->sightings && !o->post)
        return kz_cli_usage("match", "--with-observed-data goes with --sightings or --post");
    run R = {.m = m, .o = o};
    kz_buf_init(&R.out, 0);
    kz_config *conf = NULL;
    const char *ident = NULL;
    int ret = KZ_EXIT_ERROR;
    kz_logreader *rd = NULL;
    if (o->sightings || o->post) {
        ident = identity_name(cli, o, &conf);
        if (!ident || !*ident) {
            kz_cli_usage("match", "sightings need the node's name: --identity NAME, or node.name "
                                  "in kizuna.conf");
            goto out;
        }
        if (kz_match_sightings_new(&R.sight)) {
            kz_cli_error("match: out of memory");
            goto out;
        }
    }
    if (kz_match_scratch_new(m, &R.scratch)) {
        kz_cli_error("match: out of memory");
        goto out;
    }
    kz_match_stats mst;
    kz_match_set_stats(m, &mst);
    R.complex = mst.complex != 0;
    /* without complex indicators nothing looks at ports: the reader skips them */
    kz_logreader_opts ro = {.format = o->format, .max_line = o->max_line, .on_bad = on_bad,
                            .bad_ctx = &R, .max_bad_reported = MAX_BAD_SHOWN,
                            .typed_only = !R.complex};
    rd = kz_logreader_new(&ro);
    if (!rd) {
        kz_cli_error("match: out of memory");
        goto out;
    }
    each_ctx e = {.R = &R, .rd = rd,
                  .so = {.follow = o->follow, .poll_ms = o->poll_ms,
                         .idle_exit_ms = o->idle_exit_ms, .stop = &stop_flag}};
    if (o->follow) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal; /* no SA_RESTART: the poll sleep ends at once */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    for (size_t i = 0; i < o->n_logs; i++)
        if (kz_logsrc_glob(o->logs[i], read_one, &e))
            break;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    if (R.err) {
        kz_cli_error("match: %s", kz_strerror(R.err));
        goto out;
    }
    if (R.write_failed || fflush(stdout)) {
        kz_cli_error("match: cannot write the output");
        goto out;
    }
    const kz_logstats *st = kz_logreader_stats(rd);
    if (st->bad_lines && !o->quiet)
        fprintf(stderr, "kizuna: match: %llu bad line%s skipped of %llu\n",
                (unsigned long long)st->bad_lines, st->bad_lines == 1 ? "" : "s",
                (unsigned long long)st->lines);
    if (o->stats) {
        double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
        fprintf(stderr,
                "kizuna: match: stats: %llu lines, %.1f MB, %.3f s CPU, %.0f MB/s, %llu records, "
                "%llu fields, %llu matching lines, %llu hits, %llu bad lines\n",
                (unsigned long long)st->lines, (double)st->bytes / 1e6, cpu,
                cpu > 0 ? (double)st->bytes / 1e6 / cpu : 0.0, (unsigned long long)st->records,
                (unsigned long long)st->values, (unsigned long long)R.matched_lines,
                (unsigned long long)R.hits, (unsigned long long)st->bad_lines);
    }
    if (o->count && !o->quiet)
        printf("%llu\n", (unsigned long long)R.matched_lines);
    if (R.sight) {
        kz_match_sighting_opts so = {.identity_name = ident, .observed_data = o->observed_data};
        kz_buf b;
        kz_buf_init(&b, 0);
        kz_err rc = kz_match_sightings_bundle(R.sight, m, &so, &b);
        if (rc) {
            kz_buf_release(&b);
            kz_cli_error("match: sightings: %s", kz_strerror(rc));
            goto out;
        }
        int r2 = o->sightings ? write_file(o->sightings, &b) : 0;
        if (!r2 && o->post && kz_match_sightings_count(R.sight))
            r2 = post(cli, o->post, &b);
        kz_buf_release(&b);
        if (r2)
            goto out;
    }
    if (fflush(stdout)) {
        kz_cli_error("match: cannot write the output");
        goto out;
    }
    ret = e.errors ? KZ_EXIT_ERROR : R.matched_lines ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
out:
    kz_logreader_free(rd);
    kz_match_scratch_free(R.scratch);
    kz_match_sightings_free(R.sight);
    kz_config_free(conf);
    kz_buf_release(&R.out);
    return ret;
}
