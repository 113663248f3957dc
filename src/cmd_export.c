/* cmd_export.c - `kizuna export`: a collection's objects as one STIX 2.1
 * bundle on stdout, streamed page by page (bounded memory), each object's
 * bytes exactly as they were received. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/fed_sign.h"
#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"
#include "kizuna/uuid.h"

static const char usage_text[] =
    "usage: kizuna export --collection C [--type T]... [--id ID]... [--added-after TS]\n"
    "                     [--version all|first|last|TS] [--spec-version V]\n"
    "                     [--valid-until-from-score]\n"
    "\n"
    "Writes the objects of collection C (alias or id) as one STIX 2.1 bundle\n"
    "on stdout, in the order they were added. By default the last version of\n"
    "each object; --version all gives every version. Filters may be repeated\n"
    "(up to 64 each) and are OR-ed within a kind, AND-ed across kinds.\n"
    "\n"
    "  --valid-until-from-score  indicators without valid_until get one: the time\n"
    "                     their decay score reaches 0 (docs/score.md). This changes\n"
    "                     the exported content under the same id and modified; an\n"
    "                     object signed by this node is signed again, one signed by\n"
    "                     another key is exported unchanged.\n";

#define MAX_FILTER 64
#define PAGE 1000

typedef struct exp_ctx {
    size_t n;
    bool failed;
    /* --valid-until-from-score */
    kz_score_node *score;
    kz_fed_key *key; /* the node key (re-signs what it signed), or NULL */
    kz_arena *a;
    kz_buf b;
    int64_t now;
    size_t set, resigned, kept_signed;
    kz_err rc;
} exp_ctx;

/* The bytes to write for r: its own, or (--valid-until-from-score) a copy
 * of an indicator with valid_until set. */
static kz_err with_valid_until(exp_ctx *e, const kz_store_record *r, const char **json,
                               size_t *len)
{
    kz_json *v = NULL;
    kz_arena_reset(e->a);
    kz_err rc = kz_json_parse(e->a, r->json, r->json_len, NULL, &v, NULL);
    if (rc == KZ_ENOMEM)
        return rc;
    bool changed = false;
    if (!rc && v->type == KZ_JSON_OBJECT)
        rc = kz_score_set_valid_until(e->score, e->a, v, r->version, e->now, &changed);
    if (rc || !changed)
        return rc == KZ_ENOMEM ? rc : KZ_OK;
    /* A kizuna signature covers every value: ours is made again, another
     * node's cannot be, so that object goes out as it came. */
    const kz_json *sig = kz_json_get(kz_json_get(v, "extensions"), KZ_FED_SIG_EXT_ID);
    if (sig) {
        const char *kid = kz_json_get_string(sig, "key");
        if (!e->key || !kid || strcmp(kid, kz_fed_key_id(e->key)) != 0) {
            e->kept_signed++;
            return KZ_OK;
        }
        kz_json *signed_v = NULL;
        rc = kz_fed_sign_object(e->a, v, e->key, &signed_v);
        if (rc)
            return rc;
        v = signed_v;
        e->resigned++;
    }
    kz_buf_reset(&e->b);
    rc = kz_json_write(&e->b, v, 0);
    if (rc)
        return rc;
    e->set++;
    *json = e->b.data;
    *len = e->b.len;
    return KZ_OK;
}

static int write_obj(void *ctx, const kz_store_record *r)
{
    exp_ctx *e = ctx;
    const char *json = r->json;
    size_t len = r->json_len;
    if (e->score && strcmp(r->type, "indicator") == 0) {
        e->rc = with_valid_until(e, r, &json, &len);
        if (e->rc)
            return 1;
    }
    if (fputs(e->n ? ",\n" : "\n", stdout) == EOF || fwrite(json, 1, len, stdout) != len) {
        e->failed = true;
        return 1;
    }
    e->n++;
    return 0;
}

static int add_list(const char **list, size_t *n, const char *v, const char *opt)
{
    if (*n >= MAX_FILTER)
        return kz_cli_usage("export", "more than %d '%s' options", MAX_FILTER, opt);
    list[(*n)++] = v;
    return 0;
}

int cmd_export(kz_cli *cli, int argc, char **argv)
{
    const char *types[MAX_FILTER], *ids[MAX_FILTER], *specs[MAX_FILTER], *vts[MAX_FILTER];
    kz_store_filter f = {.types = types, .ids = ids, .spec_versions = specs, .version_ts = vts,
                         .want_json = true};
    bool from_score = false;
    static const struct {
        const char *name;
        unsigned bit;
    } vnames[] = {{"all", KZ_STORE_V_ALL}, {"first", KZ_STORE_V_FIRST}, {"last", KZ_STORE_V_LAST}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        }
        bool has = i + 1 < argc;
        if ((strcmp(a, "--collection") == 0 || strcmp(a, "-c") == 0) && has) {
            f.collection = argv[++i];
        } else if (strcmp(a, "--type") == 0 && has) {
            if (add_list(types, &f.n_types, argv[++i], a))
                return KZ_EXIT_ERROR;
        } else if (strcmp(a, "--id") == 0 && has) {
            if (add_list(ids, &f.n_ids, argv[++i], a))
                return KZ_EXIT_ERROR;
        } else if (strcmp(a, "--spec-version") == 0 && has) {
            if (add_list(specs, &f.n_spec_versions, argv[++i], a))
                return KZ_EXIT_ERROR;
        } else if (strcmp(a, "--added-after") == 0 && has) {
            const char *ts = argv[++i];
            if (kz_store_parse_us(ts, &f.added_after_us))
                return kz_cli_usage("export", "'%s' is not an RFC 3339 timestamp", ts);
            f.has_added_after = true;
        } else if (strcmp(a, "--version") == 0 && has) {
            const char *v = argv[++i];
            size_t k = 0, nv = sizeof vnames / sizeof vnames[0];
            while (k < nv && strcmp(v, vnames[k].name) != 0)
                k++;
            if (k < nv) {
                f.versions |= vnames[k].bit;
            } else {
                int64_t us;
                if (kz_store_parse_us(v, &us))
                    return kz_cli_usage("export", "--version takes all, first, last or a "
                                                  "timestamp, not '%s'", v);
                if (add_list(vts, &f.n_version_ts, v, "--version"))
                    return KZ_EXIT_ERROR;
            }
        } else if (strcmp(a, "--valid-until-from-score") == 0) {
            from_score = true;
        } else {
            return kz_cli_usage("export", "unknown option or missing value '%s'", a);
        }
    }
    if (!f.collection)
        return kz_cli_usage("export", "give the collection with --collection");
    kz_store *s = NULL;
    char err[512];
    kz_err rc = kz_store_open_dir(cli->data_dir, true, &s, err, sizeof err);
    if (rc)
        return kz_cli_error("export: %s", err);
    /* Resolve the collection before writing anything, so that a wrong name
     * gives an error and no half bundle. */
    kz_store_filter probe = {.collection = f.collection, .limit = 1, .versions = KZ_STORE_V_ALL};
    rc = kz_store_query(s, &probe, NULL, NULL, NULL);
    if (rc) {
        int ret = kz_cli_error("export: %s", kz_store_errmsg(s));
        kz_store_close(s);
        return ret;
    }
    exp_ctx e = {0};
    if (from_score) {
        e.now = kz_score_now_us();
        e.a = kz_arena_new(0);
        kz_buf_init(&e.b, 0);
        rc = e.a ? kz_score_node_open(cli->data_dir, s, &e.score, err, sizeof err) : KZ_ENOMEM;
        if (!rc) {
            kz_err krc = kz_fed_key_load_dir(cli->data_dir, &e.key);
            if (krc && krc != KZ_ENOTFOUND)
                rc = krc;
        }
        if (rc) {
            kz_score_node_free(e.score);
            kz_arena_free(e.a);
            kz_store_close(s);
            return kz_cli_error("export: %s", rc == KZ_ENOMEM ? kz_strerror(rc) : err);
        }
    }
    kz_uuid u;
    char bid[KZ_UUID_STR];
    rc = kz_uuid_v4(&u);
    if (rc) {
        kz_store_close(s);
        return kz_cli_error("export: cannot make a bundle id: %s", kz_strerror(rc));
    }
    kz_uuid_format(&u, bid);
    printf("{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", bid);
    int ret = KZ_EXIT_OK;
    rc = kz_store_walk(s, &f, PAGE, write_obj, &e);
    if (!rc)
        rc = e.rc;
    if (rc)
        ret = kz_cli_error("export: %s", rc == e.rc ? kz_strerror(rc) : kz_store_errmsg(s));
    else if (e.failed)
        ret = kz_cli_error("export: cannot write to standard output");
    else
        printf("%s]}\n", e.n ? "\n" : "");
    if (fflush(stdout) != 0 && ret == KZ_EXIT_OK)
        ret = kz_cli_error("export: cannot write to standard output");
    if (from_score && ret == KZ_EXIT_OK && !cli->quiet)
        fprintf(stderr, "kizuna: export: valid_until set on %zu indicator(s) (%zu signed again); "
                        "%zu signed by another key left unchanged\n",
                e.set, e.resigned, e.kept_signed);
    kz_fed_key_free(e.key);
    kz_score_node_free(e.score);
    kz_arena_free(e.a);
    if (from_score)
        kz_buf_release(&e.b);
    kz_store_close(s);
    return ret;
}
