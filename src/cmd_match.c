/* cmd_match.c - `kizuna match`: compile indicators (a bundle file or a
 * node's collections) and match values against them; --explain says how
 * the indicators compiled. Input today is --values FILE (TYPE<TAB>VALUE
 * lines); the log formats plug in through match_log.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/match.h"
#include "kizuna/score.h"
#include "kizuna/store.h"
#include "match_run.h"

static const char usage_text[] =
    "usage: kizuna match (--indicators FILE | --collection C)... [--explain]\n"
    "                    [--subdomains] [--include-revoked] [--include-expired]\n"
    "                    [--min-score N]\n"
    "                    [--values FILE] [log options] [LOG...]\n"
    "\n"
    "Compiles STIX indicators (pattern_type stix) from bundle files and/or\n"
    "collections of the node (--data DIR), then matches the values of FILE\n"
    "('-' for stdin), one 'TYPE<TAB>VALUE' per line (TYPE: ipv4-addr,\n"
    "ipv6-addr, domain-name, url, email-addr, md5, sha1, sha256, sha512, or a\n"
    "STIX path such as file:hashes.'SHA-256'), printing one JSON line per hit.\n"
    "Exit 0 when something hit, 1 when nothing did, 2 on error.\n"
    "\n"
    "  --explain          how the indicators compiled (on stdout without --values,\n"
    "                     else on stderr)\n"
    "  --subdomains       a domain indicator also hits its subdomains\n"
    "  --include-revoked  do not skip revoked indicators\n"
    "  --include-expired  do not skip indicators whose valid_until has passed\n"
    "  --min-score N      skip indicators whose decay score is below N (0..100;\n"
    "                     default: match.min_score in kizuna.conf, else off);\n"
    "                     from a file the score ignores sightings (docs/score.md)\n";

#define MAX_SOURCES 64
#define MAX_VALUE_LINE (1u << 20)
#define EXPLAIN_NOTES 20

typedef struct out_ctx {
    const kz_match_set *m;
    uint64_t line;
    size_t hits;
    kz_buf b;
    bool failed;
} out_ctx;

static int on_hit(void *ctx, const kz_match_hit *h)
{
    out_ctx *o = ctx;
    char id[KZ_MATCH_ID_MAX];
    size_t idn = kz_match_indicator_id(o->m, h->indicator, id);
    size_t nn = 0;
    const char *name = kz_match_indicator_name(o->m, h->indicator, &nn);
    const char *field = h->complex ? "record" : kz_match_kind_name(h->kind);
    kz_buf_reset(&o->b);
    kz_err rc = kz_buf_printf(&o->b, "{\"line\":%llu,\"field\":", (unsigned long long)o->line);
    if (!rc)
        rc = kz_json_write_string(&o->b, field, strlen(field), 0);
    if (!rc)
        rc = kz_buf_append_str(&o->b, ",\"value\":");
    if (!rc)
        rc = kz_json_write_string(&o->b, h->value, h->value_len, 0);
    if (!rc)
        rc = kz_buf_append_str(&o->b, ",\"indicator\":");
    if (!rc)
        rc = kz_json_write_string(&o->b, id, idn, 0);
    if (!rc)
        rc = kz_buf_append_str(&o->b, ",\"name\":");
    if (!rc)
        rc = kz_json_write_string(&o->b, name, nn, 0);
    if (!rc)
        rc = kz_buf_append_str(&o->b, "}\n");
    if (rc || fwrite(o->b.data, 1, o->b.len, stdout) != o->b.len) {
        o->failed = true;
        return 1;
    }
    o->hits++;
    return 0;
}

static void explain(const kz_match_set *m, FILE *f)
{
    kz_match_stats st;
    kz_match_set_stats(m, &st);
    fprintf(f, "objects read               %zu\n", st.objects);
    fprintf(f, "indicators read            %zu\n", st.indicators);
    fprintf(f, "  simple                   %zu\n", st.simple);
    fprintf(f, "  complex                  %zu\n", st.complex);
    fprintf(f, "  unsupported              %zu\n", st.unsupported);
    fprintf(f, "  invalid                  %zu\n", st.invalid);
    fprintf(f, "  skipped revoked          %zu\n", st.skipped_revoked);
    fprintf(f, "  skipped expired          %zu\n", st.skipped_expired);
    fprintf(f, "  skipped not stix         %zu\n", st.skipped_pattern_type);
    fprintf(f, "  duplicate ids            %zu\n", st.duplicates);
    fprintf(f, "distinct values\n");
    fprintf(f, "  ip addresses             %zu\n", st.ip_addresses);
    fprintf(f, "  ip prefixes              %zu\n", st.ip_prefixes);
    for (unsigned k = 0; k < KZ_MATCH_OTHER; k++) {
        if (k == KZ_MATCH_IPV4 || k == KZ_MATCH_IPV6)
            continue;
        fprintf(f, "  %-24s %zu\n", kz_match_kind_name((kz_match_kind)k), st.values[k]);
    }
    fprintf(f, "postings                   %zu\n", st.postings);
    fprintf(f, "bytes                      %zu (string maps %zu, ip set %zu, postings %zu, "
               "indicators %zu, complex ~%zu)\n",
            st.bytes_total, st.bytes_strmaps, st.bytes_ipset, st.bytes_postings,
            st.bytes_indicators, st.bytes_complex);
    if (st.simple)
        fprintf(f, "bytes per simple           %.1f (lookup structures, postings and ids)\n",
                (double)(st.bytes_total - st.bytes_complex) / (double)st.simple);
    size_t nn = kz_match_note_count(m);
    for (size_t i = 0; i < nn && i < EXPLAIN_NOTES; i++) {
        kz_match_note n;
        if (kz_match_note_get(m, i, &n))
            fprintf(f, "note: %s: %s\n", n.id[0] ? n.id : "(no id)", n.reason);
    }
    if (nn > EXPLAIN_NOTES)
        fprintf(f, "note: ... %zu more\n", nn - EXPLAIN_NOTES);
}

/* --min-score: the parameters, the threshold (-1: off) and what it left out. */
typedef struct score_opt {
    kz_score_params p;
    int min;
    int64_t now;
    kz_score_filter_stats st;
} score_opt;

static kz_err add_scored(void *ctx, const kz_json *obj)
{
    return kz_match_builder_add_object(ctx, obj);
}

static int load_file(kz_match_builder *b, const char *path, score_opt *so)
{
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kz_cli_error("cannot open '%s': %s", path, strerror(errno));
    char msg[300];
    kz_err rc = so->min < 0 ? kz_match_builder_add_fd(b, fd, msg, sizeof msg)
                            : kz_score_filter_fd(&so->p, fd, 0, so->min, so->now, add_scored, b,
                                                 &so->st, msg, sizeof msg);
    if (fd != 0)
        close(fd);
    if (rc == KZ_EPARSE)
        return kz_cli_error("'%s': not a STIX document %s", path, msg);
    if (rc)
        return kz_cli_error("'%s': %s", path, kz_strerror(rc));
    return 0;
}

static int load_collections(kz_cli *cli, kz_match_builder *b, const char **colls, size_t n,
                            score_opt *so)
{
    const char *dir = kz_cli_need_data(cli, "match");
    if (!dir)
        return KZ_EXIT_ERROR;
    kz_store *s = NULL;
    char err[256] = "";
    kz_err rc = kz_store_open_dir(dir, true, &s, err, sizeof err);
    if (rc)
        return kz_cli_error("cannot open the node in '%s': %s", dir, err[0] ? err : kz_strerror(rc));
    int ret = 0;
    kz_score_node *node = NULL;
    if (so->min >= 0) {
        rc = kz_score_node_open(dir, s, &node, err, sizeof err);
        if (rc)
            ret = kz_cli_error("match: %s", err[0] ? err : kz_strerror(rc));
    }
    for (size_t i = 0; i < n && !ret; i++) {
        rc = node ? kz_score_filter_store(node, s, colls[i], so->min, so->now, add_scored, b,
                                          &so->st)
                  : kz_match_builder_add_store(b, s, colls[i]);
        if (rc == KZ_ENOTFOUND)
            ret = kz_cli_error("no collection '%s'", colls[i]);
        else if (rc)
            ret = kz_cli_error("collection '%s': %s", colls[i],
                               rc == KZ_EDB ? kz_store_errmsg(s) : kz_strerror(rc));
    }
    kz_score_node_free(node);
    kz_store_close(s);
    return ret;
}

/* Reads TYPE<TAB>VALUE lines and matches each value. */
static int match_values(const kz_match_set *m, const char *path, out_ctx *o)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
    if (!f)
        return kz_cli_error("cannot open '%s': %s", path, strerror(errno));
    kz_match_scratch *s = NULL;
    kz_err rc = kz_match_scratch_new(m, &s);
    int ret = 0;
    char *line = NULL;
    size_t cap = 0, bad = 0;
    ssize_t n;
    while (!rc && !o->failed && (n = getline(&line, &cap, f)) >= 0) {
        o->line++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0 || line[0] == '#')
            continue;
        char *tab = memchr(line, '\t', len);
        kz_match_kind k;
        if (len > MAX_VALUE_LINE || !tab || kz_match_kind_parse(line, (size_t)(tab - line), &k)) {
            if (bad++ < 5)
                fprintf(stderr, "kizuna: '%s' line %llu: expected TYPE<TAB>VALUE with a known type\n",
                        path, (unsigned long long)o->line);
            continue;
        }
        const char *v = tab + 1;
        size_t vl = len - (size_t)(v - line);
        if (k == KZ_MATCH_OTHER)
            continue;
        kz_match_field fld = {.kind = k, .value = v, .len = vl};
        kz_match_record rec = {.fields = &fld, .n_fields = 1};
        rc = kz_match_record_run(m, s, &rec, on_hit, o);
    }
    if (rc)
        ret = kz_cli_error("matching '%s': %s", path, kz_strerror(rc));
    else if (o->failed)
        ret = kz_cli_error("cannot write the output");
    else if (ferror(f))
        ret = kz_cli_error("cannot read '%s'", path);
    free(line);
    kz_match_scratch_free(s);
    if (f != stdin)
        fclose(f);
    return ret;
}

int cmd_match(kz_cli *cli, int argc, char **argv)
{
    const char *files[MAX_SOURCES], *colls[MAX_SOURCES];
    size_t nf = 0, nc = 0;
    const char *values = NULL;
    bool want_explain = false;
    kz_match_opts mo = {0};
    match_run_opts ro;
    match_run_init(&ro);
    score_opt so = {.min = -1, .now = kz_score_now_us()};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (kz_cli_is_help(a)) {
            fputs(usage_text, stdout);
            fputs(match_run_usage, stdout);
            return KZ_EXIT_OK;
        } else if (strcmp(a, "--indicators") == 0 && has) {
            if (nf >= MAX_SOURCES)
                return kz_cli_usage("match", "more than %d indicator files", MAX_SOURCES);
            files[nf++] = argv[++i];
        } else if ((strcmp(a, "--collection") == 0 || strcmp(a, "-c") == 0) && has) {
            if (nc >= MAX_SOURCES)
                return kz_cli_usage("match", "more than %d collections", MAX_SOURCES);
            colls[nc++] = argv[++i];
        } else if (strcmp(a, "--values") == 0 && has) {
            values = argv[++i];
        } else if (strcmp(a, "--explain") == 0) {
            want_explain = true;
        } else if (strcmp(a, "--subdomains") == 0) {
            mo.subdomains = true;
        } else if (strcmp(a, "--include-revoked") == 0) {
            mo.include_revoked = true;
        } else if (strcmp(a, "--include-expired") == 0) {
            mo.include_expired = true;
        } else if (strcmp(a, "--min-score") == 0 && has) {
            char *end = NULL;
            long v = strtol(argv[++i], &end, 10);
            if (!*argv[i] || *end || v < 0 || v > 100)
                return kz_cli_usage("match", "--min-score takes an integer from 0 to 100, not '%s'",
                                    argv[i]);
            so.min = (int)v;
        } else {
            int t = match_run_option(&ro, argc, argv, &i); /* logs: match_run.c */
            if (t < 0)
                return KZ_EXIT_ERROR;
            if (t == 0)
                return kz_cli_usage("match", "unknown option '%s'", a);
        }
    }
    if (!nf && !nc)
        return kz_cli_usage("match", "give --indicators FILE or --collection C");
    bool logs = match_run_wanted(&ro);
    if (!values && !want_explain && !logs)
        return kz_cli_usage("match", "nothing to match: give --values FILE (or --explain)");
    /* kizuna.conf: the scoring parameters, and match.min_score unless
     * --min-score said otherwise */
    kz_score_params_defaults(&so.p);
    if (cli->data_dir && *cli->data_dir) {
        char err[300] = "";
        if (kz_score_params_load_node(&so.p, cli->data_dir, err, sizeof err))
            return kz_cli_error("match: %s", err);
        if (so.min < 0) /* --min-score was not given (it takes 0..100 only) */
            so.min = so.p.match_min_score;
    }
    kz_match_builder *b = NULL;
    kz_err rc = kz_match_builder_new(&mo, &b);
    if (rc)
        return kz_cli_error("%s", kz_strerror(rc));
    int ret = 0;
    for (size_t i = 0; i < nf && !ret; i++)
        ret = load_file(b, files[i], &so);
    if (!ret && nc)
        ret = load_collections(cli, b, colls, nc, &so);
    if (!ret && so.min >= 0 && (ro.stats || want_explain))
        fprintf(stderr, "kizuna: match: min-score %d: %zu of %zu indicators skipped (score below "
                        "%d), %zu not scorable\n",
                so.min, so.st.skipped, so.st.indicators, so.min, so.st.unscored);
    if (ret) {
        kz_match_builder_free(b);
        return KZ_EXIT_ERROR;
    }
    kz_match_set *m = NULL;
    rc = kz_match_builder_finish(b, &m);
    if (rc)
        return kz_cli_error("compiling the indicators: %s", kz_strerror(rc));
    if (want_explain)
        explain(m, values ? stderr : stdout);
    out_ctx o = {.m = m};
    kz_buf_init(&o.b, 0);
    if (values)
        ret = match_values(m, values, &o);
    int lret = logs && !ret ? match_run(cli, m, &ro) : -1;
    kz_buf_release(&o.b);
    kz_match_set_free(m);
    if (ret)
        return KZ_EXIT_ERROR;
    if (fflush(stdout))
        return kz_cli_error("cannot write the output");
    if (lret >= 0)
        return lret == KZ_EXIT_NEGATIVE && o.hits ? KZ_EXIT_OK : lret;
    if (!values)
        return KZ_EXIT_OK;
    return o.hits ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
}
