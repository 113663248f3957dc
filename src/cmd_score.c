/* cmd_score.c - `kizuna score`: the current decay score of every indicator
 * of a node (or of one collection), lowest first, as a table or JSON lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"
#include "kizuna/strmap.h"

static const char usage_text[] =
    "usage: kizuna score [--collection C] [--below N] [--above N] [--json] [--at TIME]\n"
    "\n"
    "Lists the latest version of every indicator of the node (or of collection\n"
    "C) with its score from 0 to 100: confidence x source reliability, decayed\n"
    "with the time since valid_from or the latest sighting of it in any\n"
    "collection, whichever is later (docs/score.md; parameters in kizuna.conf).\n"
    "Lowest score first. Exit 0; 1 when --below or --above selects nothing.\n"
    "\n"
    "  --collection C  only this collection (alias or id)\n"
    "  --below N       only indicators scoring below N (0..100)\n"
    "  --above N       only indicators scoring N or more\n"
    "  --json          one JSON object per line instead of a table\n"
    "  --at TIME       score at this RFC 3339 time instead of now\n";

#define SHOWN_MAX 60 /* characters of a name or pattern in the table */

typedef struct row {
    char *id, *version, *label; /* heap */
    int64_t version_us;
    kz_score_result r;
} row;

typedef struct list_ctx {
    row *rows;
    size_t n, cap;
    kz_strmap *seen; /* id -> row index: one row per indicator across collections */
    double below, above;
    kz_err rc;
} list_ctx;

static void row_free(row *r)
{
    kz_free(r->id);
    kz_free(r->version);
    kz_free(r->label);
}

static int keep(void *ctx, const kz_score_item *it)
{
    list_ctx *l = ctx;
    int64_t vus = 0;
    (void)kz_store_parse_us(it->version, &vus);
    uint32_t idx;
    row *dst = NULL;
    if (kz_strmap_get(l->seen, it->id, strlen(it->id), &idx)) {
        if (vus <= l->rows[idx].version_us)
            return 0; /* an older version of an indicator met in another collection */
        dst = &l->rows[idx];
        row_free(dst);
    } else {
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 256;
            row *p = kz_realloc(l->rows, cap * sizeof *p);
            if (!p)
                goto oom;
            l->rows = p;
            l->cap = cap;
        }
        if (kz_strmap_put(l->seen, it->id, strlen(it->id), (uint32_t)l->n, NULL))
            goto oom;
        dst = &l->rows[l->n++];
    }
    memset(dst, 0, sizeof *dst);
    dst->id = kz_strdup(it->id);
    dst->version = kz_strdup(it->version);
    dst->label = kz_strdup(it->name ? it->name : it->pattern);
    dst->version_us = vus;
    dst->r = it->r;
    if (!dst->id || !dst->version || !dst->label)
        goto oom;
    return 0;
oom:
    l->rc = KZ_ENOMEM;
    return 1;
}

static int by_score(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->r.score != y->r.score)
        return x->r.score < y->r.score ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void fmt_us(int64_t us, char out[KZ_TIME_MAX])
{
    /* whole seconds: the listing is for people and scripts, not paging */
    kz_store_format_us(us - us % 1000000, out);
    char *dot = strchr(out, '.');
    if (dot)
        memcpy(dot, "Z", 2);
}

static const char *state_name(const kz_score_result *r)
{
    static const char *const names[] = {"live", "revoked", "expired"};
    return names[r->state];
}

static bool print_json(const row *w, kz_buf *b)
{
    char anchor[KZ_TIME_MAX], zero[KZ_TIME_MAX];
    fmt_us(w->r.anchor_us, anchor);
    fmt_us(w->r.zero_us, zero);
    kz_buf_reset(b);
    kz_err rc =
        kz_buf_printf(b,
                      "{\"id\":\"%s\",\"score\":%.2f,\"base\":%.2f,\"confidence\":%d,"
                      "\"reliability\":%d,\"class\":\"%s\",\"state\":\"%s\","
                      "\"decayed\":%s,\"anchor\":\"%s\",\"age_days\":%.2f,"
                      "\"zero\":\"%s\",\"version\":",
                      w->id, w->r.score, w->r.base, w->r.confidence, w->r.reliability,
                      kz_score_class_name(w->r.cls), state_name(&w->r),
                      w->r.decayed ? "true" : "false", anchor, (double)w->r.age_us / 86400e6, zero);
    if (!rc)
        rc = kz_json_write_string(b, w->version, strlen(w->version), 0);
    if (!rc)
        rc = kz_buf_append_str(b, ",\"label\":");
    if (!rc)
        rc = kz_json_write_string(b, w->label, strlen(w->label), 0);
    if (!rc)
        rc = kz_buf_append_str(b, "}\n");
    return !rc && fwrite(b->data, 1, b->len, stdout) == b->len;
}

static bool print_row(const row *w)
{
    char anchor[KZ_TIME_MAX], zero[KZ_TIME_MAX];
    fmt_us(w->r.anchor_us, anchor);
    fmt_us(w->r.zero_us, zero);
    char score[16];
    if (w->r.state == KZ_SCORE_LIVE)
        snprintf(score, sizeof score, "%.1f", w->r.score);
    else
        snprintf(score, sizeof score, "0 %.7s", state_name(&w->r));
    /* labels are cut at a character boundary (UTF-8 continuation bytes) */
    size_t n = strlen(w->label);
    bool cut = n > SHOWN_MAX;
    if (cut) {
        n = SHOWN_MAX;
        while (n > 0 && ((unsigned char)w->label[n] & 0xC0) == 0x80)
            n--;
    }
    return printf("%-11s %5.1f  %-6s  %-20s  %7.1fd  %-20s  %s  %.*s%s\n", score, w->r.base,
                  kz_score_class_name(w->r.cls), anchor, (double)w->r.age_us / 86400e6, zero, w->id,
                  (int)n, w->label, cut ? "..." : "") >= 0;
}

static int parse_pct(const char *opt, const char *v, double *out)
{
    char *end = NULL;
    double d = strtod(v, &end);
    if (!*v || *end || !(d >= 0 && d <= 100))
        return kz_cli_usage("score", "%s takes a number from 0 to 100, not '%s'", opt, v);
    *out = d;
    return 0;
}

/* Scores every collection in cs (or all) into l. */
static int collect(kz_store *s, kz_score_node *node, const char *coll, int64_t now, list_ctx *l,
                   size_t *unscored)
{
    char (*ids)[KZ_UUID_STR] = NULL;
    size_t nc = 1;
    kz_err rc = coll ? KZ_OK : kz_store_collection_ids(s, &ids, &nc);
    for (size_t i = 0; !rc && i < nc; i++) {
        size_t u = 0;
        rc = kz_score_collection(s, coll ? coll : ids[i], kz_score_node_params(node),
                                 kz_score_node_sightings(node), kz_score_node_peer, node, now, keep,
                                 l, &u);
        if (!rc)
            rc = l->rc;
        *unscored += u;
    }
    kz_free(ids);
    if (rc == KZ_ENOTFOUND)
        return kz_cli_error("score: no collection '%s'", coll);
    if (rc)
        return kz_cli_error("score: %s", rc == KZ_EDB ? kz_store_errmsg(s) : kz_strerror(rc));
    return 0;
}

int cmd_score(kz_cli *cli, int argc, char **argv)
{
    const char *coll = NULL;
    bool json = false, has_below = false, has_above = false;
    list_ctx l = {.below = 0, .above = 0};
    int64_t now = kz_score_now_us();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (kz_cli_is_help(a)) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        } else if ((strcmp(a, "--collection") == 0 || strcmp(a, "-c") == 0) && has) {
            coll = argv[++i];
        } else if (strcmp(a, "--below") == 0 && has) {
            if (parse_pct(a, argv[++i], &l.below))
                return KZ_EXIT_ERROR;
            has_below = true;
        } else if (strcmp(a, "--above") == 0 && has) {
            if (parse_pct(a, argv[++i], &l.above))
                return KZ_EXIT_ERROR;
            has_above = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--at") == 0 && has) {
            const char *t = argv[++i];
            if (kz_store_parse_us(t, &now))
                return kz_cli_usage("score", "--at takes an RFC 3339 time, not '%s'", t);
        } else {
            return kz_cli_usage("score", "unknown option or missing value '%s'", a);
        }
    }
    const char *dir = kz_cli_need_data(cli, "score");
    if (!dir)
        return KZ_EXIT_ERROR;
    kz_store *s = NULL;
    char err[512] = "";
    kz_err rc = kz_store_open_dir(dir, true, &s, err, sizeof err);
    if (rc)
        return kz_cli_error("score: %s", err[0] ? err : kz_strerror(rc));
    kz_score_node *node = NULL;
    rc = kz_score_node_open(dir, s, &node, err, sizeof err);
    if (rc) {
        kz_store_close(s);
        return kz_cli_error("score: %s", err[0] ? err : kz_strerror(rc));
    }
    l.seen = kz_strmap_new(0);
    size_t unscored = 0;
    int ret = l.seen ? collect(s, node, coll, now, &l, &unscored)
                     : kz_cli_error("score: %s", kz_strerror(KZ_ENOMEM));
    size_t shown = 0;
    if (!ret) {
        if (l.n)
            qsort(l.rows, l.n, sizeof *l.rows, by_score);
        kz_buf b;
        kz_buf_init(&b, 0);
        bool ok = true;
        if (!json && l.n)
            ok = printf("%-11s %5s  %-6s  %-20s  %8s  %-20s  %s\n", "SCORE", "BASE", "CLASS",
                        "ANCHOR", "AGE", "ZERO", "ID  NAME/PATTERN") >= 0;
        for (size_t i = 0; ok && i < l.n; i++) {
            const row *w = &l.rows[i];
            if ((has_below && !(w->r.score < l.below)) || (has_above && !(w->r.score >= l.above)))
                continue;
            shown++;
            ok = json ? print_json(w, &b) : print_row(w);
        }
        kz_buf_release(&b);
        if (!ok || fflush(stdout))
            ret = kz_cli_error("score: cannot write the output");
    }
    if (!ret && unscored)
        fprintf(stderr,
                "kizuna: score: %zu indicator(s) without a pattern or a valid "
                "valid_from were not scored\n",
                unscored);
    for (size_t i = 0; i < l.n; i++)
        row_free(&l.rows[i]);
    kz_free(l.rows);
    kz_strmap_free(l.seen);
    kz_score_node_free(node);
    kz_store_close(s);
    if (ret)
        return ret;
    return (has_below || has_above) && shown == 0 ? KZ_EXIT_NEGATIVE : KZ_EXIT_OK;
}
