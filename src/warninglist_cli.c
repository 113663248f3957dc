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

const char kz_wl_cli_help[] =
    "  --warninglists DIR\n"
    "                   also load the MISP warninglists (*.json) of DIR (repeatable;\n"
    "                   kizuna.conf 'warninglists = DIR[:DIR]' too)\n"
    "  --no-default-warninglists\n"
    "                   do not load the built-in lists (data/warninglists,\n"
    "                   $KZ_WARNINGLISTS)\n";

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
    kz_config *conf = NULL;
    kz_config_error ce;
    if (kz_config_load_node(cli->data_dir, &conf, &ce))
        return kz_cli_error("%s: %s/kizuna.conf:%zu: %s", cmd, cli->data_dir, ce.line, ce.msg);
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

void kz_wl_conc_print_text(const kz_warninglist_conc_result *r, FILE *out)
{
    double total = r->hosts ? (double)r->hosts : 1.0;
    fprintf(out,
            "provider concentration: %zu of %zu hosts (%.1f%%) on cloud/CDN provider lists\n",
            r->on_provider, r->hosts, 100.0 * (double)r->on_provider / total);
    for (size_t i = 0; i < r->n_providers; i++)
        fprintf(out, "  %-12s %6zu  %5.1f%%\n", r->providers[i].provider, r->providers[i].hosts,
                100.0 * (double)r->providers[i].hosts / total);
}
