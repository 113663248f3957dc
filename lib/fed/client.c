/* client.c - the TAXII 2.1 client over libcurl: TLS verification on by
 * default (a CA file, or --insecure with a warning on every use), client
 * certificates, Bearer or Basic authentication, timeouts, a response size
 * cap, discovery of the API root and of a collection by id or title. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fed_int.h"
#include "kizuna/arena.h"
#include <sodium.h>

#define HDR_MAX (64u << 10)

struct fed_client {
    CURL *curl;
    struct curl_slist *hdrs_get, *hdrs_post;
    kz_buf body;
    kz_buf hdr; /* the last response's header lines */
    bool too_big;
    char *disc_url;
    char api_root[1024];
    char name[KZ_FED_NAME_MAX + 1];
    unsigned char settings[32]; /* hash of the peer settings it was made for */
    /* remote collection (id or title) -> its URL, resolved once */
    struct {
        char *remote, *url;
    } colls[8];
};

static void settings_hash(const kz_fed_peer *p, unsigned char out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    const char *f[] = {p->name, p->url, p->token, p->user, p->ca_file, p->client_cert, p->client_key};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const char *v = f[i] ? f[i] : "";
        crypto_generichash_update(&st, (const unsigned char *)v, strlen(v) + 1);
    }
    unsigned char ins = p->insecure;
    crypto_generichash_update(&st, &ins, 1);
    crypto_generichash_final(&st, out, 32);
}

bool fed_client_matches(const fed_client *c, const kz_fed_peer *p)
{
    unsigned char h[32];
    settings_hash(p, h);
    return memcmp(h, c->settings, 32) == 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    fed_client *c = ud;
    if (kz_buf_append(&c->body, p, sz * n)) {
        c->too_big = true;
        return 0; /* curl aborts the transfer: CURLE_WRITE_ERROR */
    }
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    fed_client *c = ud;
    /* a new response (redirects are off, but 100 Continue may come first) */
    if (sz * n > 5 && strncmp(p, "HTTP/", 5) == 0)
        kz_buf_reset(&c->hdr);
    if (kz_buf_append(&c->hdr, p, sz * n))
        return 0;
    return sz * n;
}

void fed_client_free(fed_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->hdrs_get);
    curl_slist_free_all(c->hdrs_post);
    kz_buf_release(&c->body);
    kz_buf_release(&c->hdr);
    free(c->disc_url);
    for (size_t i = 0; i < sizeof c->colls / sizeof c->colls[0]; i++) {
        free(c->colls[i].remote);
        free(c->colls[i].url);
    }
    free(c);
}

kz_err fed_client_new(const kz_fed_peer *p, fed_client **out, char *why, size_t why_len)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init_once);
    fed_client *c = calloc(1, sizeof *c);
    if (!c)
        return KZ_ENOMEM;
    kz_buf_init(&c->body, KZ_FED_MAX_RESPONSE);
    kz_buf_init(&c->hdr, HDR_MAX);
    snprintf(c->name, sizeof c->name, "%s", p->name);
    settings_hash(p, c->settings);
    c->disc_url = strdup(p->url);
    c->curl = curl_easy_init();
    if (!c->curl || !c->disc_url)
        goto nomem;
    CURL *h = c->curl;
    char auth[1200];
    c->hdrs_get = curl_slist_append(NULL, "Accept: application/taxii+json;version=2.1");
    if (!c->hdrs_get)
        goto nomem;
    if (!p->user) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", p->token);
        struct curl_slist *t = curl_slist_append(c->hdrs_get, auth);
        if (!t)
            goto nomem;
        c->hdrs_get = t;
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, p->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, p->token);
    }
    c->hdrs_post = curl_slist_append(NULL, "Content-Type: application/taxii+json;version=2.1");
    if (!c->hdrs_post)
        goto nomem;
    for (struct curl_slist *s = c->hdrs_get; s; s = s->next) {
        struct curl_slist *t = curl_slist_append(c->hdrs_post, s->data);
        if (!t)
            goto nomem;
        c->hdrs_post = t;
    }
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 120000L);
    /* a stalled peer: under 1 KB/s for 30 s is a failure */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)KZ_FED_MAX_RESPONSE);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (p->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, p->ca_file);
    if (p->insecure) {
        fprintf(stderr, "kizuna: warning: peer '%s': TLS certificate NOT checked (--insecure)\n",
                p->name);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (p->client_cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, p->client_cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, p->client_key);
    }
    *out = c;
    return KZ_OK;
nomem:
    snprintf(why, why_len, "out of memory");
    fed_client_free(c);
    return KZ_ENOMEM;
}

static kz_err perform(fed_client *c, const char *url, long *status, char *why, size_t why_len)
{
    kz_buf_reset(&c->body);
    kz_buf_reset(&c->hdr);
    c->too_big = false;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    CURLcode cc = curl_easy_perform(c->curl);
    *status = 0;
    if (c->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(why, why_len, "%s: response larger than %u bytes", url, KZ_FED_MAX_RESPONSE);
        return KZ_ETOOBIG;
    }
    if (cc != CURLE_OK) {
        snprintf(why, why_len, "%s: %s", url, curl_easy_strerror(cc));
        if (cc == CURLE_OPERATION_TIMEDOUT)
            return KZ_ETIMEOUT;
        if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
            cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM)
            return KZ_ETLS;
        return KZ_ENET;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
    /* NUL-terminate for the JSON parser's callers and for messages */
    if (kz_buf_append_char(&c->body, '\0'))
        return KZ_ENOMEM;
    c->body.len--;
    return KZ_OK;
}

/* A short excerpt of an error body for messages. */
static void http_error(fed_client *c, const char *url, long status, char *why, size_t why_len)
{
    size_t n = c->body.len < 120 ? c->body.len : 120;
    char ex[121];
    for (size_t i = 0; i < n; i++)
        ex[i] = (c->body.data[i] >= 32 && c->body.data[i] < 127) ? c->body.data[i] : ' ';
    ex[n] = 0;
    snprintf(why, why_len, "%s: HTTP %ld %s", url, status, ex);
}

kz_err fed_client_get(fed_client *c, const char *url, long *status, char *why, size_t why_len)
{
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdrs_get);
    kz_err rc = perform(c, url, status, why, why_len);
    if (!rc && *status != 200) {
        http_error(c, url, *status, why, why_len);
        rc = *status == 401 || *status == 403 ? KZ_EAUTH : *status == 404 ? KZ_ENOTFOUND : KZ_ENET;
    }
    return rc;
}

kz_err fed_client_post(fed_client *c, const char *url, const char *body, size_t len, long *status,
                       char *why, size_t why_len)
{
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdrs_post);
    kz_err rc = perform(c, url, status, why, why_len);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
    if (!rc && *status != 202 && *status != 200) {
        http_error(c, url, *status, why, why_len);
        rc = *status == 401 || *status == 403 ? KZ_EAUTH : KZ_ENET;
    }
    return rc;
}

const char *fed_client_body(const fed_client *c, size_t *len)
{
    *len = c->body.len;
    return c->body.data ? c->body.data : "";
}

const char *fed_client_header(const fed_client *c, const char *name)
{
    static __thread char val[256];
    size_t nl = strlen(name);
    const char *p = c->hdr.data, *end = p ? p + c->hdr.len : NULL;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            size_t n = (size_t)(eol - v);
            while (n && (v[n - 1] == '\r' || v[n - 1] == ' '))
                n--;
            if (n >= sizeof val)
                return NULL;
            memcpy(val, v, n);
            val[n] = 0;
            return val;
        }
        p = eol + 1;
    }
    return NULL;
}

const char *fed_client_api_root(const fed_client *c)
{
    return c->api_root;
}

/* Makes ref absolute against base (scheme://host[:port] of base for "/x"). */
static void join_url(const char *base, const char *ref, char *out, size_t n)
{
    if (strstr(ref, "://")) {
        snprintf(out, n, "%s", ref);
    } else if (ref[0] == '/') {
        const char *h = strstr(base, "://");
        const char *slash = h ? strchr(h + 3, '/') : NULL;
        int hl = slash ? (int)(slash - base) : (int)strlen(base);
        snprintf(out, n, "%.*s%s", hl, base, ref);
    } else {
        snprintf(out, n, "%s%s%s", base, base[0] && base[strlen(base) - 1] == '/' ? "" : "/", ref);
    }
    size_t l = strlen(out);
    if (l && l + 1 < n && out[l - 1] != '/') {
        out[l] = '/';
        out[l + 1] = 0;
    }
}

static kz_err parse_body(fed_client *c, kz_arena *a, kz_json **v, char *why, size_t why_len)
{
    kz_json_error je;
    kz_err rc = kz_json_parse(a, c->body.data ? c->body.data : "", c->body.len, NULL, v, &je);
    if (rc) {
        snprintf(why, why_len, "peer '%s': response is not JSON (%s)", c->name, je.msg);
        return rc;
    }
    return KZ_OK;
}

static kz_err resolve_root(fed_client *c, kz_arena *a, char *why, size_t why_len)
{
    if (c->api_root[0])
        return KZ_OK;
    long st;
    kz_err rc = fed_client_get(c, c->disc_url, &st, why, why_len);
    if (rc)
        return rc;
    kz_json *v = NULL;
    rc = parse_body(c, a, &v, why, why_len);
    if (rc)
        return rc;
    const char *root = kz_json_get_string(v, "default");
    const kz_json *roots = kz_json_get(v, "api_roots");
    if (!root && roots && roots->type == KZ_JSON_ARRAY && roots->u.arr.n > 0)
        root = kz_json_string(roots->u.arr.items[0]);
    if (!root) {
        snprintf(why, why_len, "peer '%s': discovery lists no API root", c->name);
        return KZ_EINVALID;
    }
    join_url(c->disc_url, root, c->api_root, sizeof c->api_root);
    return KZ_OK;
}

kz_err fed_client_collection(fed_client *c, const char *remote, char *url, size_t url_len,
                             char *why, size_t why_len)
{
    size_t slots = sizeof c->colls / sizeof c->colls[0];
    for (size_t i = 0; i < slots; i++)
        if (c->colls[i].remote && strcmp(c->colls[i].remote, remote) == 0) {
            snprintf(url, url_len, "%s", c->colls[i].url);
            return KZ_OK;
        }
    kz_arena *a = kz_arena_new(0);
    if (!a)
        return KZ_ENOMEM;
    kz_err rc = resolve_root(c, a, why, why_len);
    if (rc)
        goto out;
    char curl_s[1200];
    snprintf(curl_s, sizeof curl_s, "%scollections/", c->api_root);
    long st;
    rc = fed_client_get(c, curl_s, &st, why, why_len);
    if (rc)
        goto out;
    kz_json *v = NULL;
    rc = parse_body(c, a, &v, why, why_len);
    if (rc)
        goto out;
    const kz_json *cols = kz_json_get(v, "collections");
    const char *found = NULL;
    for (size_t i = 0; cols && cols->type == KZ_JSON_ARRAY && i < cols->u.arr.n && !found; i++) {
        const kz_json *e = cols->u.arr.items[i];
        const char *id = kz_json_get_string(e, "id"), *title = kz_json_get_string(e, "title");
        if (id && (strcmp(id, remote) == 0 || (title && strcmp(title, remote) == 0)))
            found = id;
    }
    if (!found) {
        /* not listed (a server may hide collections it lists to no one):
         * address it by the given name as an id */
        for (const char *p = remote; *p; p++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", *p)) {
                snprintf(why, why_len, "peer '%s' has no collection '%s'", c->name, remote);
                rc = KZ_ENOTFOUND;
                goto out;
            }
        found = remote;
    }
    snprintf(url, url_len, "%scollections/%s/", c->api_root, found);
    for (size_t i = 0; i < slots; i++) {
        if (c->colls[i].remote)
            continue;
        c->colls[i].remote = strdup(remote);
        c->colls[i].url = strdup(url);
        if (!c->colls[i].remote || !c->colls[i].url) {
            free(c->colls[i].remote);
            free(c->colls[i].url);
            c->colls[i].remote = c->colls[i].url = NULL;
        }
        break;
    }
out:
    kz_arena_free(a);
    return rc;
}
