/* warninglist_cli.c - the warninglist options every command shares
 * (--warninglists DIR, --no-default-warninglists, `warninglists = DIR` in
 * kizuna.conf), loading the set with one clear error line, and the
 * provider-concentration figures of extract and stats. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_stix.h"
#include "kizuna/config.h"
#include "kizuna/strmap.h"

const char kz_wl_cli_help[] =
    "  --warninglists DIR   also load the MISP warninglists (*.json) of DIR\n"
    "                       (repeatable; kizuna.conf 'warninglists = DIR[:DIR]' too)\n"
    "  --no-default-warninglists\n"
    "                       do not load the built-in lists (data/warninglists,\n"
    "                       $KZ_WARNINGLISTS)\n";

int kz_wl_cli_option(kz_wl_cli *o, const char *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *dir = NULL;
    if (strcmp(a, "--no-default-warninglists") == 0) {
        o->no_default = true;
        return 1;
    }
    if (strcmp(a, "--warninglists") == 0) {
        if (*i + 1 >= argc) {
            kz_cli_usage(cmd, "option '--warninglists' needs a directory");
            return -1;
        }
        dir = argv[++*i];
    } else if (strncmp(a, "--warninglists=", 15) == 0) {
        dir = a + 15;
    } else {
        return 0;
    }
    if (o->n_dirs == KZ_WL_CLI_MAX_DIRS) {
        kz_cli_usage(cmd, "at most %d --warninglists options", KZ_WL_CLI_MAX_DIRS);
        return -1;
    }
    o->dirs[o->n_dirs++] = dir;
    return 1;
}

static int load_err(const char *cmd, kz_err rc, const kz_warninglist_error *e)
{
    if (rc == KZ_ENOMEM)
        return kz_cli_error("%s: out of memory loading warninglists", cmd);
    if (e->path[0])
        return kz_cli_error("%s: warninglist '%s': %s: %s", cmd, e->file, e->path, e->msg);
    return kz_cli_error("%s: warninglist '%s': %s", cmd, e->file, e->msg);
}

static int load_one_dir(kz_warninglist_set *s, const char *cmd, const char *dir)
{
    kz_warninglist_error e;
    size_t skipped = 0;
    memset(&e, 0, sizeof e);
    kz_err rc = kz_warninglist_load_dir(s, dir, &skipped, &e);
    if (rc)
        return load_err(cmd, rc, &e);
    if (skipped)
        fprintf(stderr,
                "kizuna: %s: warning: %zu lists of '%s' skipped: a list of the same name is "
                "loaded already\n",
                cmd, skipped, dir);
    return 0;
}

/* `warninglists = DIR[:DIR...]` of the node's kizuna.conf, if any. */
static int load_conf_dirs(kz_cli *cli, kz_warninglist_set *s, const char *cmd)
{
    if (!cli->data_dir || !*cli->data_dir)
        return 0;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/kizuna.conf", cli->data_dir) >= sizeof path)
        return kz_cli_error("%s: data directory path too long", cmd);
    kz_config *conf = NULL;
    kz_config_error ce;
    kz_err rc = kz_config_load(path, &conf, &ce);
    if (rc == KZ_ENOTFOUND)
        return 0;
    if (rc)
        return kz_cli_error("%s: %s:%zu: %s", cmd, path, ce.line, ce.msg);
    const char *v = kz_config_get(conf, "warninglists");
    int ret = 0;
    if (v && *v) {
        char *copy = strdup(v);
        if (!copy) {
            kz_config_free(conf);
            return kz_cli_error("%s: out of memory", cmd);
        }
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d && !ret; d = strtok_r(NULL, ":", &save))
            ret = load_one_dir(s, cmd, d);
        free(copy);
    }
    kz_config_free(conf);
    return ret;
}

int kz_wl_cli_load(kz_cli *cli, const char *cmd, const kz_wl_cli *o, kz_warninglist_set **out)
{
    *out = NULL;
    kz_warninglist_set *s = kz_warninglist_set_new();
    if (!s)
        return kz_cli_error("%s: out of memory", cmd);
    int ret = 0;
    if (!o->no_default) {
        char dir[PATH_MAX];
        kz_err rc = kz_warninglist_default_dir(dir, sizeof dir);
        if (rc == KZ_ENOTFOUND) {
            const char *env = getenv("KZ_WARNINGLISTS");
            if (env && *env)
                ret = kz_cli_error("%s: KZ_WARNINGLISTS '%s' is not a directory", cmd, env);
            else
                fprintf(stderr,
                        "kizuna: %s: warning: no built-in warninglists found (set "
                        "KZ_WARNINGLISTS or install data/warninglists)\n",
                        cmd);
        } else if (rc) {
            ret = kz_cli_error("%s: warninglist folder path too long", cmd);
        } else {
            ret = load_one_dir(s, cmd, dir);
        }
    }
    if (!ret)
        ret = load_conf_dirs(cli, s, cmd);
    for (size_t i = 0; !ret && i < o->n_dirs; i++)
        ret = load_one_dir(s, cmd, o->dirs[i]);
    if (!ret) {
        kz_warninglist_error e;
        memset(&e, 0, sizeof e);
        kz_err rc = kz_warninglist_set_compile(s, &e);
        if (rc)
            ret = load_err(cmd, rc, &e);
    }
    if (ret) {
        kz_warninglist_set_free(s);
        return ret;
    }
    *out = s;
    return 0;
}

/* ---- provider concentration ---- */

typedef struct conc_hit {
    const char *names[32];
    size_t n;
} conc_hit;

static int on_provider(void *ctx, const kz_warninglist_info *l)
{
    conc_hit *h = ctx;
    if (!l->provider)
        return 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->names[i] == l->provider || strcmp(h->names[i], l->provider) == 0)
            return 0;
    if (h->n < 32)
        h->names[h->n++] = l->provider;
    return 0;
}

/* One IOC, on the lists of these providers (none: not on provider
 * infrastructure). An IOC on two providers' lists (GitHub lives in Azure)
 * counts for both. */
static void conc_count(kz_wl_conc *c, const char *const *names, size_t n)
{
    c->total++;
    if (n)
        c->on_provider++;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < c->n_names && strcmp(c->names[j], names[i]) != 0)
            j++;
        if (j == c->n_names) {
            if (c->n_names == 32)
                continue;
            c->names[c->n_names] = names[i];
            c->counts[c->n_names++] = 0;
        }
        c->counts[j]++;
    }
}

bool kz_wl_url_host(const char *url, size_t len, const char **host, size_t *host_len,
                    kz_ioc_type *type)
{
    const char *p = memmem(url, len, "://", 3);
    *host = NULL;
    *host_len = 0;
    if (!p)
        return false;
    p += 3;
    const char *end = url + len, *e = p;
    while (e < end && *e != '/' && *e != '?' && *e != '#' && *e != '\\')
        e++;
    const char *at = NULL;
    for (const char *q = p; q < e; q++)
        if (*q == '@')
            at = q;
    if (at)
        p = at + 1;
    if (p < e && *p == '[') {
        const char *rb = memchr(p, ']', (size_t)(e - p));
        if (!rb)
            return false;
        *host = p + 1;
        *host_len = (size_t)(rb - p - 1);
    } else {
        const char *colon = memchr(p, ':', (size_t)(e - p));
        *host = p;
        *host_len = (size_t)((colon ? colon : e) - p);
    }
    if (!*host_len)
        return false;
    kz_ioc_type g = kz_warninglist_guess_type(*host, *host_len);
    *type = g == KZ_IOC_IPV4 || g == KZ_IOC_IPV6 ? g : KZ_IOC_DOMAIN;
    return true;
}

kz_err kz_wl_conc_add(kz_wl_conc *c, const kz_warninglist_set *s, kz_ioc_type t,
                      const char *value, size_t len)
{
    if (t == KZ_IOC_URL && !kz_wl_url_host(value, len, &value, &len, &t))
        return KZ_OK;
    if (t != KZ_IOC_IPV4 && t != KZ_IOC_IPV6 && t != KZ_IOC_DOMAIN)
        return KZ_OK;
    /* one host, one count: a URL's host is usually also reported as a domain */
    char key[KZ_WL_MAX_ENTRY];
    while (len && value[len - 1] == '.')
        len--;
    if (!len || len > sizeof key)
        return KZ_OK;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)value[i];
        key[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    if (!c->seen && !(c->seen = kz_strmap_new(0)))
        return KZ_ENOMEM;
    kz_err rc = kz_strmap_put(c->seen, key, len, 0, NULL);
    if (rc == KZ_EEXIST)
        return KZ_OK;
    if (rc)
        return rc;
    conc_hit h = {.n = 0};
    rc = kz_warninglist_check(s, t, key, len, on_provider, &h, NULL);
    if (rc)
        return rc;
    conc_count(c, h.names, h.n);
    return KZ_OK;
}

void kz_wl_conc_release(kz_wl_conc *c)
{
    kz_strmap_free(c->seen);
    c->seen = NULL;
}

static double share(size_t n, size_t total)
{
    return total ? (double)n / (double)total : 0.0;
}

/* Providers by count, most first (ties by name), as an index order. */
static void order(const kz_wl_conc *c, size_t *idx)
{
    for (size_t i = 0; i < c->n_names; i++)
        idx[i] = i;
    for (size_t i = 1; i < c->n_names; i++) {
        size_t k = idx[i], j = i;
        while (j > 0 && (c->counts[idx[j - 1]] < c->counts[k] ||
                         (c->counts[idx[j - 1]] == c->counts[k] &&
                          strcmp(c->names[idx[j - 1]], c->names[k]) > 0))) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = k;
    }
}

kz_err kz_wl_conc_json(const kz_wl_conc *c, kz_buf *out)
{
    size_t idx[32];
    order(c, idx);
    kz_err rc = kz_buf_printf(out,
                              "{\"type\": \"provider-concentration\", \"iocs\": %zu, "
                              "\"on_provider\": %zu, \"share\": %.4f, \"providers\": [",
                              c->total, c->on_provider, share(c->on_provider, c->total));
    for (size_t i = 0; !rc && i < c->n_names; i++) {
        size_t k = idx[i];
        /* provider names come from a fixed table of plain words: no escaping needed */
        rc = kz_buf_printf(out, "%s{\"provider\": \"%s\", \"iocs\": %zu, \"share\": %.4f}",
                           i ? ", " : "", c->names[k], c->counts[k],
                           share(c->counts[k], c->total));
    }
    if (!rc)
        rc = kz_buf_append_str(out, "]}");
    return rc;
}

void kz_wl_conc_print_text(const kz_wl_conc *c, FILE *out)
{
    size_t idx[32];
    order(c, idx);
    fprintf(out, "provider concentration: %zu of %zu IOCs (%.1f%%) on cloud/CDN provider lists\n",
            c->on_provider, c->total, 100.0 * share(c->on_provider, c->total));
    for (size_t i = 0; i < c->n_names; i++) {
        size_t k = idx[i];
        fprintf(out, "  %-12s %6zu  %5.1f%%\n", c->names[k], c->counts[k],
                100.0 * share(c->counts[k], c->total));
    }
}
