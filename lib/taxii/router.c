/* router.c - the TAXII entry point: server state, the routing table
 * (method x path pattern -> handler), authentication (Basic or Bearer,
 * throttled), content negotiation, and the order in which a request's
 * problems are reported (401/429, 404/405, 406, 413, 415, then the handler). */
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "taxii_int.h"

typedef void (*tx_handler)(tx_req *r);

/* Pattern segments: literals, or ":root" (the API root), ":coll",
 * ":obj", ":status" capturing into r->param. */
typedef struct route {
    const char *method;
    const char *segs[6];
    tx_handler fn;
} route;

static const route routes[] = {
    {"GET", {"taxii2"}, tx_discovery},
    {"GET", {":root"}, tx_api_root},
    {"GET", {":root", "status", ":status"}, tx_status_get},
    {"GET", {":root", "collections"}, tx_collections},
    {"GET", {":root", "collections", ":coll"}, tx_collection_get},
    {"GET", {":root", "collections", ":coll", "manifest"}, tx_manifest_get},
    {"GET", {":root", "collections", ":coll", "objects"}, tx_objects_get},
    {"POST", {":root", "collections", ":coll", "objects"}, tx_objects_post},
    {"GET", {":root", "collections", ":coll", "objects", ":obj"}, tx_object_get},
    {"DELETE", {":root", "collections", ":coll", "objects", ":obj"}, tx_object_delete},
    {"GET", {":root", "collections", ":coll", "objects", ":obj", "versions"}, tx_versions_get},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])
#define MAX_SEGS 6

static const struct {
    const char *name;
    int param;
} captures[] = {{":coll", TX_P_COLL}, {":obj", TX_P_OBJ}, {":status", TX_P_STATUS}};

/* Splits path into at most MAX_SEGS segments (arena copies). A trailing
 * slash is optional; an empty segment in the middle ("//") fails. */
static int split_path(kz_arena *a, const char *path, const char **seg)
{
    if (!path || path[0] != '/')
        return -1;
    int n = 0;
    const char *p = path + 1;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || n == MAX_SEGS || len > 512)
            return -1;
        seg[n] = kz_arena_strndup(a, p, len);
        if (!seg[n])
            return -1;
        n++;
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

static bool match_route(tx_req *r, const route *rt, const char **seg, int n)
{
    int k = 0;
    for (; k < MAX_SEGS && rt->segs[k]; k++) {
        if (k >= n)
            return false;
        const char *pat = rt->segs[k];
        if (strcmp(pat, ":root") == 0) {
            if (strcmp(seg[k], r->t->api_root) != 0)
                return false;
        } else if (pat[0] == ':') {
            for (size_t c = 0; c < sizeof captures / sizeof captures[0]; c++)
                if (strcmp(pat, captures[c].name) == 0)
                    r->param[captures[c].param] = seg[k];
        } else if (strcmp(pat, seg[k]) != 0) {
            return false;
        }
    }
    return k == n;
}

static void unauthorized(tx_req *r, const char *why)
{
    tx_error(r, 401, "authentication required", why);
    kz_http_response_header(r->resp, "WWW-Authenticate",
                            "Basic realm=\"kizuna\", charset=\"UTF-8\"");
}

/* Checks the credentials; answers 401/429 itself and returns false. */
static bool authenticate(tx_req *r)
{
    kz_taxii *t = r->t;
    char name[KZ_AUTH_NAME_MAX + 1], token[KZ_AUTH_TOKEN_STR + 16];
    const char *h = kz_http_header(r->req, "Authorization");
    if (!h) {
        unauthorized(r, "send HTTP Basic (account name and token) or a Bearer token");
        return false;
    }
    kz_err rc = kz_auth_parse_authorization(h, name, token);
    const char *ip = r->req->remote_ip;
    unsigned wait = kz_auth_throttle_wait(t->auth, ip, rc ? NULL : name);
    if (wait) {
        char *secs = kz_arena_printf(r->a, "%u", wait);
        tx_error(r, 429, "too many failed authentications", "wait before trying again");
        if (secs)
            kz_http_response_header(r->resp, "Retry-After", secs);
        return false;
    }
    if (!rc)
        rc = kz_auth_check(t->auth, name, token, r->req->client_cert_sha256, &r->acct);
    if (rc == KZ_EAUTH) {
        kz_auth_throttle_failed(t->auth, ip, name);
        unauthorized(r, "unknown account or token");
        return false;
    }
    if (rc) {
        tx_error(r, 500, "cannot check credentials", kz_strerror(rc));
        return false;
    }
    kz_auth_throttle_ok(t->auth, ip, r->acct.name);
    snprintf(r->resp->who, sizeof r->resp->who, "%s", r->acct.name);
    return true;
}

void kz_taxii_handle(void *ctx, const kz_http_request *req, kz_http_response *resp)
{
    tx_req r;
    memset(&r, 0, sizeof r);
    r.t = ctx;
    r.req = req;
    r.resp = resp;
    r.a = req->arena;
    /* Liveness for load balancers and supervisors: no credentials, no store. */
    if (req->path && strcmp(req->path, "/healthz") == 0) {
        kz_buf_append_str(&resp->body, "{\"status\":\"ok\"}");
        resp->status = 200;
        resp->content_type = "application/json";
        return;
    }
    if (!authenticate(&r))
        goto done;
    const char *seg[MAX_SEGS];
    int n = split_path(r.a, req->path, seg);
    const route *hit = NULL;
    bool path_known = false;
    for (size_t i = 0; n >= 0 && i < N_ROUTES && !hit; i++) {
        if (!match_route(&r, &routes[i], seg, n))
            continue;
        path_known = true;
        if (strcmp(routes[i].method, req->method) == 0)
            hit = &routes[i];
    }
    if (!path_known) {
        tx_error(&r, 404,
                 n > 0 && strcmp(seg[0], "taxii2") != 0 && strcmp(seg[0], r.t->api_root) != 0
                     ? "no such API root"
                     : "no such resource",
                 NULL);
        goto done;
    }
    if (!hit) {
        tx_error(&r, 405, "method not allowed", NULL);
        /* Allow lists the methods of the path, as HTTP requires with 405. */
        const char *allow = "GET";
        if (r.param[TX_P_OBJ])
            allow = "GET, DELETE";
        else if (r.param[TX_P_COLL] && n == 4 && strcmp(seg[3], "objects") == 0)
            allow = "GET, POST";
        kz_http_response_header(resp, "Allow", allow);
        goto done;
    }
    if (!kz_taxii_accept_ok(kz_http_header(req, "Accept"))) {
        tx_error(&r, 406, "not acceptable", "this server answers " KZ_TAXII_MEDIA);
        goto done;
    }
    if (strcmp(req->method, "POST") == 0) {
        if (req->body_too_big) {
            char *d = kz_arena_printf(r.a, "the limit is %zu bytes", r.t->o.max_content_length);
            tx_error(&r, 413, "request too large", d);
            goto done;
        }
        if (!kz_taxii_content_type_ok(kz_http_header(req, "Content-Type"))) {
            tx_error(&r, 415, "unsupported media type", "send " KZ_TAXII_MEDIA);
            goto done;
        }
    }
    hit->fn(&r);
done:
    tx_store_release(r.t, r.store);
}

static char *dup_or(const char *s, const char *def)
{
    return kz_strdup(s ? s : def);
}

kz_err kz_taxii_new(const kz_taxii_opts *o, kz_auth *au, kz_taxii **out, char *errbuf,
                    size_t errlen)
{
    *out = NULL;
    kz_taxii *t = kz_calloc(1, sizeof *t);
    if (!t)
        return KZ_ENOMEM;
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_init(&t->score_lock, NULL);
    t->o = *o;
    t->auth = au;
    if (!t->o.max_content_length)
        t->o.max_content_length = 10u << 20;
    if (!t->o.max_objects)
        t->o.max_objects = 10000;
    if (!t->o.page_max)
        t->o.page_max = 1000;
    if (!t->o.page_default)
        t->o.page_default = 100;
    if (t->o.page_default > t->o.page_max)
        t->o.page_default = t->o.page_max;
    if (!t->o.max_filter_values)
        t->o.max_filter_values = 100;
    if (!t->o.status_days)
        t->o.status_days = 7;
    t->data_dir = dup_or(o->data_dir, ".");
    t->node_org = dup_or(o->node_org, "");
    t->title = dup_or(o->title, "kizuna");
    t->description = o->description ? kz_strdup(o->description) : NULL;
    t->contact = o->contact ? kz_strdup(o->contact) : NULL;
    t->api_root = dup_or(o->api_root, "api");
    kz_err rc = KZ_ENOMEM;
    if (!t->data_dir || !t->node_org || !t->title || !t->api_root ||
        (o->description && !t->description) || (o->contact && !t->contact))
        goto fail;
    /* Open one store handle now: a broken data directory fails at start,
     * not on the first request. */
    kz_store *s = NULL;
    rc = kz_store_open_dir(t->data_dir, false, &s, errbuf, errlen);
    if (rc)
        goto fail;
    t->pool[t->n_pool++] = s;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/kizuna.db", t->data_dir) >= sizeof path) {
        rc = KZ_ETOOBIG;
        goto fail;
    }
    rc = tx_status_open(t, path, errbuf, errlen);
    if (rc)
        goto fail;
    rc = tx_cache_open(t);
    if (rc)
        goto fail;
    t->cache_off = o->no_cache;
    rc = tx_score_open(t, s, errbuf, errlen);
    if (rc)
        goto fail;
    *out = t;
    return KZ_OK;
fail:
    kz_taxii_free(t);
    return rc;
}

void kz_taxii_free(kz_taxii *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_pool; i++)
        kz_store_close(t->pool[i]);
    tx_cache_close(t);
    tx_score_close(t);
    pthread_mutex_destroy(&t->score_lock);
    sqlite3_close(t->sdb);
    kz_free(t->data_dir);
    kz_free(t->node_org);
    kz_free(t->title);
    kz_free(t->description);
    kz_free(t->contact);
    kz_free(t->api_root);
    pthread_mutex_destroy(&t->lock);
    kz_free(t);
}
