/* cmd_stats.c - `kizuna stats --collection C`: the provider concentration
 * of a node collection - the share of its IPs, domains and URLs (from
 * observables and from the equality comparisons of indicator patterns)
 * that lie on the cloud and CDN providers' warninglists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_stix.h"
#include "kizuna/json.h"
#include "kizuna/store.h"

static const char usage_text[] =
    "usage: kizuna stats --collection C [--json] [warninglist options]\n"
    "\n"
    "Provider concentration of collection C: of the distinct hosts (IP\n"
    "addresses, domain names, the hosts of URLs) its observables and indicator\n"
    "patterns name, how many fall on the warninglists of the large cloud and CDN\n"
    "providers (Amazon, Google, Microsoft, Cloudflare, Akamai, Fastly, Oracle,\n"
    "GitHub, Apple), in all and per provider.\n"
    "\n"
    "options:\n"
    "  -c, --collection C\n"
    "                   the collection (alias or id; required)\n"
    "  --json           one JSON object instead of text lines\n";

static const char usage_tail[] = "\nexit status: 0, 2 error\n";

#define PAGE 1000

typedef struct sctx {
    kz_warninglist_conc *conc;
    kz_arena *a;
    kz_err rc;
} sctx;

static int on_record(void *ctx, const kz_store_record *r)
{
    sctx *c = ctx;
    kz_arena_reset(c->a);
    kz_json *v = NULL;
    if (kz_json_parse(c->a, r->json, r->json_len, NULL, &v, NULL) != KZ_OK)
        return 0; /* the store validated it; a surprise is not worth failing over */
    c->rc = kz_warninglist_conc_add_object(c->conc, v);
    return c->rc != KZ_OK;
}

int cmd_stats(kz_cli *cli, int argc, char **argv)
{
    kz_wl_cli wo;
    memset(&wo, 0, sizeof wo);
    const char *coll = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            fputs(usage_text, stdout);
            fputs(kz_wl_cli_help, stdout);
            fputs(usage_tail, stdout);
            return KZ_EXIT_OK;
        }
        int r = kz_wl_cli_option(&wo, "stats", argc, argv, &i);
        if (r < 0)
            return KZ_EXIT_ERROR;
        if (r > 0)
            continue;
        if ((strcmp(a, "--collection") == 0 || strcmp(a, "-c") == 0) && i + 1 < argc)
            coll = argv[++i];
        else if (strncmp(a, "--collection=", 13) == 0)
            coll = a + 13;
        else if (strcmp(a, "--json") == 0)
            json = true;
        else
            return kz_cli_usage("stats", "unknown option or missing value '%s'", a);
    }
    if (!coll)
        return kz_cli_usage("stats", "give the collection with --collection");
    sctx c;
    memset(&c, 0, sizeof c);
    kz_warninglist_set *set = NULL;
    kz_store *s = NULL;
    int ret = kz_wl_cli_load(cli, "stats", &wo, &set);
    if (ret)
        return ret;
    c.conc = kz_warninglist_conc_new(set);
    c.a = kz_arena_new(0);
    char err[512];
    kz_err rc = KZ_ENOMEM;
    if (!c.a || !c.conc) {
        ret = kz_cli_error("stats: out of memory");
        goto done;
    }
    rc = kz_store_open_dir(cli->data_dir, true, &s, err, sizeof err);
    if (rc) {
        ret = kz_cli_error("stats: %s", err);
        goto done;
    }
    static const char *const types[] = {"indicator", "ipv4-addr", "ipv6-addr", "domain-name",
                                        "url"};
    kz_store_page page;
    char next[KZ_STORE_CURSOR_MAX] = "";
    do {
        kz_store_filter f = {.collection = coll, .types = types,
                             .n_types = sizeof types / sizeof types[0], .limit = PAGE,
                             .next = next[0] ? next : NULL, .want_json = true};
        memset(&page, 0, sizeof page);
        rc = kz_store_query(s, &f, on_record, &c, &page);
        if (!rc)
            rc = c.rc;
        if (rc)
            break;
        memcpy(next, page.next, sizeof next);
    } while (page.more);
    if (rc == KZ_ENOTFOUND) {
        ret = kz_cli_error("stats: no collection '%s'", coll);
        goto done;
    }
    if (rc) {
        ret = kz_cli_error("stats: %s", rc == KZ_ENOMEM ? "out of memory" : kz_store_errmsg(s));
        goto done;
    }
    if (json) {
        kz_buf b;
        kz_buf_init(&b, 0);
        rc = kz_warninglist_conc_json(kz_warninglist_conc_get(c.conc), &b);
        if (!rc)
            printf("%s\n", b.data);
        kz_buf_release(&b);
        if (rc) {
            ret = kz_cli_error("stats: out of memory");
            goto done;
        }
    } else {
        kz_wl_conc_print_text(kz_warninglist_conc_get(c.conc), stdout);
    }
    ret = KZ_EXIT_OK;
done:
    kz_arena_free(c.a);
    kz_warninglist_conc_free(c.conc);
    kz_store_close(s);
    kz_warninglist_set_free(set);
    return ret;
}
