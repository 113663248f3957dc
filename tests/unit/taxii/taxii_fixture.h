/* taxii_fixture.h - a scratch node (store, collections, accounts) and a
 * socket-free request helper for the TAXII handler tests. */
#ifndef KZ_TEST_TAXII_FIXTURE_H
#define KZ_TEST_TAXII_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/auth.h"
#include "kizuna/http.h"
#include "kizuna/json.h"
#include "kizuna/store.h"
#include "kizuna/taxii.h"

#define NODE_ORG "CERT-NODE"

/* Accounts of every kind the TLP policy distinguishes. */
typedef struct fx_acct {
    const char *name, *org, *read, *write, *red;
    bool partner;
    kz_tlp cap;
} fx_acct;

static const fx_acct fx_accounts[] = {
    {"own", NODE_ORG, "intel", "intel", "", false, KZ_TLP_RED},
    {"partner", "CERT-P", "intel", "", "", true, KZ_TLP_RED},
    {"other", "CERT-O", "intel", "", "", false, KZ_TLP_RED},
    {"redother", "CERT-O", "intel", "", "intel", false, KZ_TLP_RED},
    {"redown", NODE_ORG, "*", "intel", "intel", false, KZ_TLP_RED},
    {"capped", NODE_ORG, "intel", "", "intel", false, KZ_TLP_GREEN},
    {"writer", NODE_ORG, "", "intel", "", false, KZ_TLP_RED},
    {"stranger", "CERT-S", "empty", "", "", false, KZ_TLP_RED},
};
#define FX_N_ACCOUNTS (sizeof fx_accounts / sizeof fx_accounts[0])

typedef struct fx {
    char dir[64];
    kz_auth *au;
    kz_taxii *tx;
    char tokens[FX_N_ACCOUNTS][KZ_AUTH_TOKEN_STR];
    char intel_id[KZ_UUID_STR];
    /* last response */
    int status;
    char *body;
    size_t body_len;
    char hdr_first[64], hdr_last[64], hdr_extra[256];
    kz_arena *a; /* for parsing responses */
} fx;

static inline int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/kz-taxii-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char node[96], err[256], db[128];
    snprintf(node, sizeof node, "%s/node", f->dir);
    if (kz_store_init_dir(node, err, sizeof err))
        return -1;
    kz_store *s = NULL;
    if (kz_store_open_dir(node, false, &s, err, sizeof err))
        return -1;
    kz_collection c = {.alias = "intel", .title = "Intel", .default_tlp = "amber"};
    kz_collection e = {.alias = "empty", .title = "Empty"};
    if (kz_store_collection_add(s, &c, f->intel_id) || kz_store_collection_add(s, &e, NULL))
        return -1;
    kz_store_close(s);
    snprintf(db, sizeof db, "%s/kizuna.db", node);
    if (kz_auth_open(db, &f->au, err, sizeof err))
        return -1;
    for (size_t i = 0; i < FX_N_ACCOUNTS; i++) {
        kz_account a;
        memset(&a, 0, sizeof a);
        snprintf(a.name, sizeof a.name, "%s", fx_accounts[i].name);
        snprintf(a.org, sizeof a.org, "%s", fx_accounts[i].org);
        snprintf(a.read, sizeof a.read, "%s", fx_accounts[i].read);
        snprintf(a.write, sizeof a.write, "%s", fx_accounts[i].write);
        snprintf(a.red, sizeof a.red, "%s", fx_accounts[i].red);
        a.partner = fx_accounts[i].partner;
        a.tlp_max = fx_accounts[i].cap;
        if (kz_auth_account_add(f->au, &a, f->tokens[i]))
            return -1;
    }
    kz_taxii_opts o = {.data_dir = node, .node_org = NODE_ORG, .page_max = 50, .max_objects = 100};
    if (kz_taxii_new(&o, f->au, &f->tx, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    f->a = kz_arena_new(0);
    *state = f;
    return 0;
}

static inline int fx_teardown(void **state)
{
    fx *f = *state;
    kz_taxii_free(f->tx);
    kz_auth_close(f->au);
    kz_free(f->body);
    kz_arena_free(f->a);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static inline const char *fx_token(const fx *f, const char *name)
{
    for (size_t i = 0; i < FX_N_ACCOUNTS; i++)
        if (strcmp(fx_accounts[i].name, name) == 0)
            return f->tokens[i];
    return "kz_none";
}

/* Out-of-memory sweeps (test_oom.c): when nonzero, the fx_fail_at-th
 * allocation inside kz_taxii_handle fails (and every one after it);
 * fx_failures gets how many did. */
static long fx_fail_at;
static long fx_failures;

typedef struct fx_opts {
    const char *accept, *content_type, *authorization, *ip;
    bool too_big;
} fx_opts;

/* Sends one request as account `who` (NULL: no credentials) and keeps the
 * response in f. Returns the status. */
static inline int fx_req_opts(fx *f, const char *who, const char *method, const char *target,
                              const char *body, const fx_opts *o)
{
    kz_arena *a = kz_arena_new(0);
    const char *q = strchr(target, '?');
    char *path = kz_arena_strndup(a, target, q ? (size_t)(q - target) : strlen(target));
    kz_http_kv *query = NULL;
    size_t nq = 0;
    if (q)
        assert_int_equal(kz_http_query_parse(a, q + 1, strlen(q + 1), 64, &query, &nq), KZ_OK);
    kz_http_kv h[8];
    size_t nh = 0;
    char auth[256];
    if (o && o->authorization) {
        h[nh++] = (kz_http_kv){"Authorization", o->authorization};
    } else if (who) {
        snprintf(auth, sizeof auth, "Bearer %s", fx_token(f, who));
        h[nh++] = (kz_http_kv){"Authorization", auth};
    }
    if (o && o->accept)
        h[nh++] = (kz_http_kv){"Accept", o->accept};
    h[nh++] = (kz_http_kv){"Content-Type", o && o->content_type ? o->content_type : KZ_TAXII_MEDIA};
    h[nh++] = (kz_http_kv){"Host", "127.0.0.1:8443"};
    kz_http_request req = {
        .method = method,
        .path = path,
        .query = query,
        .n_query = nq,
        .headers = h,
        .n_headers = nh,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .body_too_big = o && o->too_big,
        .remote_ip = o && o->ip ? o->ip : "127.0.0.1",
        .arena = a,
    };
    kz_http_response resp;
    memset(&resp, 0, sizeof resp);
    kz_buf_init(&resp.body, 0);
    if (fx_fail_at)
        kz_alloc_fail_after(fx_fail_at, 1);
    kz_taxii_handle(f->tx, &req, &resp);
    if (fx_fail_at) {
        fx_failures = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
    }
    f->status = resp.status;
    kz_free(f->body);
    f->body = kz_buf_detach(&resp.body, &f->body_len);
    f->hdr_first[0] = f->hdr_last[0] = f->hdr_extra[0] = '\0';
    for (size_t i = 0; i < resp.n_headers; i++) {
        const char *n = resp.headers[i].name, *v = resp.headers[i].value;
        if (strcmp(n, "X-TAXII-Date-Added-First") == 0)
            snprintf(f->hdr_first, sizeof f->hdr_first, "%s", v);
        else if (strcmp(n, "X-TAXII-Date-Added-Last") == 0)
            snprintf(f->hdr_last, sizeof f->hdr_last, "%s", v);
        else
            snprintf(f->hdr_extra, sizeof f->hdr_extra, "%s: %s", n, v);
    }
    /* Every response but /healthz is a TAXII resource. */
    if (strcmp(path, "/healthz") != 0)
        assert_string_equal(resp.content_type, KZ_TAXII_MEDIA);
    kz_arena_free(a);
    return f->status;
}

static inline int fx_req(fx *f, const char *who, const char *method, const char *target,
                         const char *body)
{
    return fx_req_opts(f, who, method, target, body, NULL);
}

/* The last response body as JSON (in f->a). */
static inline const kz_json *fx_json(fx *f)
{
    kz_json *v = NULL;
    kz_json_error e;
    if (kz_json_parse(f->a, f->body, f->body_len, NULL, &v, &e) != KZ_OK)
        fail_msg("response is not JSON: %s (%s)", e.msg, f->body);
    return v;
}

static inline char *fx_read_data(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/taxii/%s", name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    char *copy = malloc(n + 1);
    memcpy(copy, buf, n + 1);
    return copy;
}

static inline void fx_post_file(fx *f, const char *who, const char *name)
{
    char *body = fx_read_data(name);
    int st = fx_req(f, who, "POST", "/api/collections/intel/objects/", body);
    free(body);
    if (st != 202)
        fail_msg("POST %s: %d %s", name, st, f->body);
}

#endif
