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
    "  -c, --collection C   the collection (alias or id; required)\n"
    "  --json               one JSON object instead of text lines\n";

static const char usage_tail[] = "\nexit status: 0, 2 error\n";

#define PAGE 1000

/* The observable types counted, their pattern paths and IOC types. */
static const struct {
    const char *sco;
    const char *path; /* "ipv4-addr:value = '" */
    kz_ioc_type t;
} kinds[] = {
    {"ipv4-addr", "ipv4-addr:value", KZ_IOC_IPV4},
    {"ipv6-addr", "ipv6-addr:value", KZ_IOC_IPV6},
    {"domain-name", "domain-name:value", KZ_IOC_DOMAIN},
    {"url", "url:value", KZ_IOC_URL},
};

typedef struct sctx {
    const kz_warninglist_set *set;
    kz_wl_conc conc;
    kz_arena *a;
    kz_err rc;
} sctx;

static void count(sctx *c, kz_ioc_type t, const char *v, size_t len)
{
    if (!c->rc)
        c->rc = kz_wl_conc_add(&c->conc, c->set, t, v, len);
}

/* The values compared with '=' to the counted paths of a STIX pattern:
 * "[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'x.org']". */
static void from_pattern(sctx *c, const char *p)
{
    char val[KZ_WL_MAX_ENTRY];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t pl = strlen(kinds[k].path);
        for (const char *q = strstr(p, kinds[k].path); q; q = strstr(q + pl, kinds[k].path)) {
            /* the path must start a token: "x-ipv4-addr:value" is another type */
            if (q > p && (q[-1] == '-' || q[-1] == '_' || (q[-1] >= 'a' && q[-1] <= 'z')))
                continue;
            const char *s = q + pl;
            while (*s == ' ')
                s++;
            if (*s != '=')
                continue;
            s++;
            while (*s == ' ')
                s++;
            if (*s != '\'')
                continue;
            size_t n = 0;
            for (s++; *s && *s != '\'' && n < sizeof val; s++) {
                if (*s == '\\' && s[1])
                    s++;
                val[n++] = *s;
            }
            if (*s == '\'')
                count(c, kinds[k].t, val, n);
        }
    }
}

static int on_record(void *ctx, const kz_store_record *r)
{
    sctx *c = ctx;
    if (c->rc)
        return 1;
    kz_arena_reset(c->a);
    kz_json *v = NULL;
    if (kz_json_parse(c->a, r->json, r->json_len, NULL, &v, NULL) != KZ_OK)
        return 0; /* the store validated it; a surprise is not worth failing over */
    if (strcmp(r->type, "indicator") == 0) {
        const char *pt = kz_json_get_string(v, "pattern_type");
        const char *p = kz_json_get_string(v, "pattern");
        if (p && pt && strcmp(pt, "stix") == 0)
            from_pattern(c, p);
        return c->rc != KZ_OK;
    }
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (strcmp(r->type, kinds[k].sco) != 0)
            continue;
        const kz_json *val = kz_json_get(v, "value");
        if (val && val->type == KZ_JSON_STRING)
            count(c, kinds[k].t, val->u.str.ptr, val->u.str.len);
    }
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
    c.set = set;
    c.a = kz_arena_new(0);
    char err[512];
    kz_err rc = KZ_ENOMEM;
    if (!c.a) {
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
        rc = kz_wl_conc_json(&c.conc, &b);
        if (!rc)
            printf("%s\n", b.data);
        kz_buf_release(&b);
        if (rc) {
            ret = kz_cli_error("stats: out of memory");
            goto done;
        }
    } else {
        kz_wl_conc_print_text(&c.conc, stdout);
    }
    ret = KZ_EXIT_OK;
done:
    kz_arena_free(c.a);
    kz_wl_conc_release(&c.conc);
    kz_store_close(s);
    kz_warninglist_set_free(set);
    return ret;
}
