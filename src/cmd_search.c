/* cmd_search.c - `kizuna search QUERY`: full-text search over names,
 * descriptions, patterns and SCO values of every stored object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/store.h"

static const char usage_text[] =
    "usage: kizuna search [--type T] [--limit N] [--json] QUERY...\n"
    "\n"
    "Finds stored objects whose names, descriptions, patterns or observable\n"
    "values contain every word of QUERY (a word ending in '*' matches as a\n"
    "prefix). Prints one line per matching object version, best first: id, type,\n"
    "version and name (or value); with --json, the objects themselves, one\n"
    "per line.\n"
    "\n"
    "exit status: 0 found, 1 nothing found, 2 error\n";

typedef struct out_ctx {
    bool json;
    kz_arena *a; /* per record, for reading the name */
} out_ctx;

/* The object's name (or value, for observables), tabs and newlines
 * flattened, at most 80 bytes; "" when it has none. */
static void print_name(out_ctx *o, const kz_store_record *r)
{
    kz_arena_reset(o->a);
    kz_json *v = NULL;
    if (kz_json_parse(o->a, r->json, r->json_len, NULL, &v, NULL) != KZ_OK)
        return;
    const char *n = kz_json_get_string(v, "name");
    if (!n)
        n = kz_json_get_string(v, "value");
    for (size_t i = 0; n && n[i] && i < 80; i++)
        putchar(n[i] == '\t' || n[i] == '\n' || n[i] == '\r' ? ' ' : n[i]);
}

static int print_rec(void *ctx, const kz_store_record *r)
{
    out_ctx *o = ctx;
    if (o->json) {
        fwrite(r->json, 1, r->json_len, stdout);
        fputc('\n', stdout);
    } else {
        printf("%s\t%s\t%s\t", r->id, r->type, r->version);
        print_name(o, r);
        putchar('\n');
    }
    return 0;
}

typedef struct count_ctx {
    out_ctx *o;
    size_t n;
} count_ctx;

static int count_rec(void *ctx, const kz_store_record *r)
{
    count_ctx *c = ctx;
    c->n++;
    return print_rec(c->o, r);
}

int cmd_search(kz_cli *cli, int argc, char **argv)
{
    const char *type = NULL;
    size_t limit = 20;
    out_ctx o = {0};
    char query[1100];
    size_t qlen = 0;
    query[0] = '\0';
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        }
        if (strcmp(a, "--type") == 0 && i + 1 < argc) {
            type = argv[++i];
        } else if (strcmp(a, "--limit") == 0 && i + 1 < argc) {
            char *end = NULL;
            errno = 0;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || errno || v == 0 || v > 10000)
                return kz_cli_usage("search", "option '--limit' needs a number in 1..10000");
            limit = v;
        } else if (strcmp(a, "--json") == 0) {
            o.json = true;
        } else if (a[0] == '-' && a[1]) {
            return kz_cli_usage("search", "unknown option or missing value '%s'", a);
        } else {
            int n = snprintf(query + qlen, sizeof query - qlen, "%s%s", qlen ? " " : "", a);
            if (n < 0 || (size_t)n >= sizeof query - qlen)
                return kz_cli_usage("search", "query longer than 1024 bytes");
            qlen += (size_t)n;
        }
    }
    if (!qlen)
        return kz_cli_usage("search", "give a QUERY");
    kz_store *s = NULL;
    char err[512];
    kz_err rc = kz_store_open_dir(cli->data_dir, true, &s, err, sizeof err);
    if (rc)
        return kz_cli_error("search: %s", err);
    count_ctx c = {.o = &o};
    o.a = kz_arena_new(0);
    if (!o.a) {
        kz_store_close(s);
        return kz_cli_error("search: out of memory");
    }
    rc = kz_store_search(s, query, type, limit, true, count_rec, &c);
    kz_arena_free(o.a);
    int ret = KZ_EXIT_OK;
    if (rc)
        ret = kz_cli_error("search: %s", kz_store_errmsg(s));
    else if (!c.n)
        ret = KZ_EXIT_NEGATIVE;
    kz_store_close(s);
    return ret;
}
