/* cmd_show.c - `kizuna show ID`: every stored version of one object (from
 * whichever collections hold it) and, for each, where it came from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kizuna/fed.h"
#include "kizuna/fed_publish.h"

static const char usage_text[] =
    "usage: kizuna show [--all] ID\n"
    "\n"
    "Prints the latest version of the object ID as stored (with --all, every\n"
    "version), the collections that hold it, and its provenance: for each\n"
    "version, the peer that delivered it first and when, or the account that\n"
    "first POSTed it over TAXII and when, or 'local' if it was published on\n"
    "this node otherwise (kizuna import).\n"
    "\n"
    "exit status: 0 found, 1 not found, 2 error\n";

#define MAX_COLLS 4096

typedef struct ver {
    char *version;
    char *json;
    char colls[512];
} ver;

typedef struct show_ctx {
    kz_store *s;
    const char *id;
    char *coll_ids[MAX_COLLS];
    char *coll_alias[MAX_COLLS];
    size_t n_colls;
    ver *v;
    size_t n, cap;
    size_t cur_coll;
    bool oom;
} show_ctx;

static int add_coll(void *ctx, const kz_collection *c)
{
    show_ctx *sc = ctx;
    if (sc->n_colls >= MAX_COLLS)
        return 1;
    sc->coll_ids[sc->n_colls] = strdup(c->id);
    sc->coll_alias[sc->n_colls] = strdup(c->alias ? c->alias : c->id);
    if (!sc->coll_ids[sc->n_colls] || !sc->coll_alias[sc->n_colls])
        sc->oom = true;
    sc->n_colls++;
    return sc->oom;
}

static int add_rec(void *ctx, const kz_store_record *r)
{
    show_ctx *sc = ctx;
    const char *alias = sc->coll_alias[sc->cur_coll];
    for (size_t i = 0; i < sc->n; i++) {
        if (strcmp(sc->v[i].version, r->version) == 0) {
            size_t l = strlen(sc->v[i].colls);
            snprintf(sc->v[i].colls + l, sizeof sc->v[i].colls - l, ", %s", alias);
            return 0;
        }
    }
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 8;
        ver *nv = realloc(sc->v, cap * sizeof *nv);
        if (!nv) {
            sc->oom = true;
            return 1;
        }
        sc->v = nv;
        sc->cap = cap;
    }
    ver *v = &sc->v[sc->n];
    v->version = strdup(r->version);
    v->json = strndup(r->json, r->json_len);
    snprintf(v->colls, sizeof v->colls, "%s", alias);
    if (!v->version || !v->json) {
        free(v->version);
        free(v->json);
        sc->oom = true;
        return 1;
    }
    sc->n++;
    return 0;
}

static int cmp_ver(const void *a, const void *b)
{
    return strcmp(((const ver *)a)->version, ((const ver *)b)->version);
}

typedef struct prov_ctx {
    const char *version; /* print only this version's provenance */
    bool printed;
} prov_ctx;

static int print_prov(void *ctx, const kz_fed_prov *p)
{
    prov_ctx *pc = ctx;
    if (strcmp(p->version, pc->version) != 0)
        return 0;
    char t[KZ_TIME_MAX];
    kz_store_format_us(p->at_us, t);
    printf("provenance:  peer %s (subscription %lld), first delivered %s\n", p->peer,
           (long long)p->sub_id, t);
    if (p->sig_status && strcmp(p->sig_status, "verified") == 0)
        printf("signature:   verified on arrival, signed by %s\n", p->signer ? p->signer : "?");
    else if (p->sig_status)
        printf("signature:   %s on arrival%s\n", p->sig_status,
               p->marked ? " (marked unverified by the subscription)" : "");
    pc->printed = true;
    return 0;
}

static int print_post_prov(void *ctx, const kz_fed_post_prov *p)
{
    prov_ctx *pc = ctx;
    if (strcmp(p->version, pc->version) != 0)
        return 0;
    char t[KZ_TIME_MAX];
    kz_store_format_us(p->at_us, t);
    printf("provenance:  delivered first by account %s via TAXII POST at %s\n", p->account, t);
    pc->printed = true;
    return 0;
}

int cmd_show(kz_cli *cli, int argc, char **argv)
{
    bool all = false;
    const char *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (kz_cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        } else if (strcmp(argv[i], "--all") == 0) {
            all = true;
        } else if (argv[i][0] == '-' || id) {
            return kz_cli_usage("show", "unexpected argument '%s'", argv[i]);
        } else {
            id = argv[i];
        }
    }
    if (!id)
        return kz_cli_usage("show", "show needs an object ID");
    kz_fed *f = NULL;
    char err[256] = "";
    if (kz_fed_open(cli->data_dir, &f, err, sizeof err))
        return kz_cli_error("show: %s", err[0] ? err : "cannot open the node");
    /* POST provenance; without it (an error opening it) show still works */
    kz_fed_postlog *pl = NULL;
    if (kz_fed_postlog_open(cli->data_dir, &pl, err, sizeof err))
        pl = NULL;
    show_ctx sc = {.s = kz_fed_store(f), .id = id};
    int ex = KZ_EXIT_OK;
    kz_err rc = kz_store_collection_list(sc.s, add_coll, &sc);
    for (size_t c = 0; !rc && !sc.oom && c < sc.n_colls; c++) {
        const char *ids[1] = {id};
        kz_store_filter flt = {
            .collection = sc.coll_ids[c],
            .ids = ids,
            .n_ids = 1,
            .versions = KZ_STORE_V_ALL,
            .spec_versions = kz_fed_all_specs,
            .n_spec_versions = 2,
            .want_json = true,
        };
        sc.cur_coll = c;
        rc = kz_store_query(sc.s, &flt, add_rec, &sc, NULL);
    }
    if (!rc && sc.oom)
        rc = KZ_ENOMEM;
    if (rc) {
        ex = kz_cli_error("show: %s", kz_store_errmsg(sc.s));
    } else if (sc.n == 0) {
        fprintf(stderr, "kizuna: show: no object '%s'\n", id);
        ex = KZ_EXIT_NEGATIVE;
    } else {
        qsort(sc.v, sc.n, sizeof *sc.v, cmp_ver);
        for (size_t i = all ? 0 : sc.n - 1; i < sc.n; i++) {
            printf("version:     %s\ncollections: %s\n", sc.v[i].version, sc.v[i].colls);
            prov_ctx pc = {sc.v[i].version, false};
            kz_err prc = kz_fed_provenance(f, id, print_prov, &pc);
            if (prc == KZ_OK && !pc.printed && pl)
                prc = kz_fed_postlog_get(pl, id, print_post_prov, &pc);
            if (prc == KZ_OK && !pc.printed)
                printf("provenance:  local (not received through federation or TAXII POST)\n");
            printf("%s\n", sc.v[i].json);
        }
    }
    for (size_t i = 0; i < sc.n; i++) {
        free(sc.v[i].version);
        free(sc.v[i].json);
    }
    free(sc.v);
    for (size_t c = 0; c < sc.n_colls; c++) {
        free(sc.coll_ids[c]);
        free(sc.coll_alias[c]);
    }
    kz_fed_postlog_close(pl);
    kz_fed_close(f);
    return ex;
}
