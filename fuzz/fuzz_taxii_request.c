/* fuzz_taxii_request.c - libFuzzer target for TAXII request handling: the
 * input is a synthetic HTTP request ("METHOD /path?query", header lines, a
 * blank line, the body) run through query/path decoding and the whole TAXII
 * handler (routing, auth, media types, filters, envelope parsing) against a
 * scratch node. Properties checked, not only "no crash":
 *  1. a query string that parses re-encodes to one that parses to the same
 *     name/value pairs;
 *  2. every response has a status from the TAXII set (never 500), and every
 *     response but /healthz is application/taxii+json;version=2.1 with a
 *     body that is valid JSON;
 *  3. an error response is a TAXII error message whose http_status equals
 *     the status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kizuna/alloc.h"
#include "kizuna/auth.h"
#include "kizuna/http.h"
#include "kizuna/json.h"
#include "kizuna/store.h"
#include "kizuna/taxii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kz_taxii *g_tx;
static kz_auth *g_au;
static char g_dir[64];
static char g_bearer[128];

static void check(int cond)
{
    if (!cond)
        abort();
}

static void cleanup(void)
{
    kz_taxii_free(g_tx);
    kz_auth_close(g_au);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", g_dir);
}

static void init_node(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/kz-fuzz-taxii-XXXXXX");
    check(mkdtemp(g_dir) != NULL);
    char node[96], err[256], db[128];
    snprintf(node, sizeof node, "%s/node", g_dir);
    check(kz_store_init_dir(node, err, sizeof err) == KZ_OK);
    kz_store *s = NULL;
    check(kz_store_open_dir(node, false, &s, err, sizeof err) == KZ_OK);
    kz_collection c = {
        .id = "11111111-2222-4333-8444-555555555555", .alias = "intel", .title = "Intel"};
    check(kz_store_collection_add(s, &c, NULL) == KZ_OK);
    kz_store_close(s);
    snprintf(db, sizeof db, "%s/kizuna.db", node);
    check(kz_auth_open(db, &g_au, err, sizeof err) == KZ_OK);
    kz_account a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "fuzz");
    snprintf(a.org, sizeof a.org, "ORG");
    snprintf(a.read, sizeof a.read, "*");
    snprintf(a.write, sizeof a.write, "*");
    snprintf(a.red, sizeof a.red, "intel");
    a.tlp_max = KZ_TLP_RED;
    char tok[KZ_AUTH_TOKEN_STR];
    check(kz_auth_account_add(g_au, &a, tok) == KZ_OK);
    snprintf(g_bearer, sizeof g_bearer, "Bearer %s", tok);
    kz_taxii_opts o = {.data_dir = node,
                       .node_org = "ORG",
                       .page_max = 20,
                       .max_objects = 50,
                       .max_content_length = 1 << 16};
    check(kz_taxii_new(&o, g_au, &g_tx, err, sizeof err) == KZ_OK);
    atexit(cleanup);
}

static void pct_encode(kz_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_')
            kz_buf_append_char(b, (char)*p);
        else {
            kz_buf_append_char(b, '%');
            kz_buf_append_char(b, hex[*p >> 4]);
            kz_buf_append_char(b, hex[*p & 15]);
        }
    }
}

/* Property 1. */
static void check_query_roundtrip(kz_arena *a, const kz_http_kv *kv, size_t n)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (i)
            kz_buf_append_char(&b, '&');
        pct_encode(&b, kv[i].name);
        kz_buf_append_char(&b, '=');
        pct_encode(&b, kv[i].value);
    }
    kz_http_kv *kv2 = NULL;
    size_t n2 = 0;
    kz_err rc = kz_http_query_parse(a, b.data ? b.data : "", b.len, 64, &kv2, &n2);
    if (rc != KZ_ENOMEM) {
        check(rc == KZ_OK);
        /* empty names vanish only if the pair was empty, which cannot parse */
        check(n2 == n);
        for (size_t i = 0; i < n; i++)
            check(strcmp(kv[i].name, kv2[i].name) == 0 && strcmp(kv[i].value, kv2[i].value) == 0);
    }
    kz_buf_release(&b);
}

static const int allowed[] = {200, 202, 400, 401, 403, 404, 405, 406, 413, 415, 429};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_tx)
        init_node();
    if (size > (1 << 16))
        return 0;
    kz_arena *a = kz_arena_new(0);
    if (!a)
        return 0;
    char *in = kz_arena_strndup(a, (const char *)data, size);
    if (!in || memchr(data, '\0', size)) {
        kz_arena_free(a);
        return 0;
    }
    /* request line */
    char *eol = strchr(in, '\n');
    char *line = in, *rest = eol ? eol + 1 : in + size;
    if (eol)
        *eol = '\0';
    char *sp = strchr(line, ' ');
    const char *method = "GET";
    char *target = line;
    if (sp) {
        *sp = '\0';
        method = line;
        target = sp + 1;
    }
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    char *path = NULL;
    kz_http_kv *query = NULL;
    size_t nq = 0;
    if (kz_http_path_decode(a, target, strlen(target), &path) != KZ_OK || path[0] != '/' ||
        (q && kz_http_query_parse(a, q, strlen(q), 64, &query, &nq) != KZ_OK)) {
        kz_arena_free(a);
        return 0;
    }
    check_query_roundtrip(a, query, nq);
    /* headers until a blank line, then the body */
    kz_http_kv h[16];
    size_t nh = 0;
    bool has_auth = false;
    while (rest && *rest && *rest != '\n' && nh < 15) {
        char *e = strchr(rest, '\n');
        if (e)
            *e = '\0';
        char *colon = strchr(rest, ':');
        if (colon) {
            *colon = '\0';
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            h[nh++] = (kz_http_kv){rest, v};
            if (strcasecmp(rest, "Authorization") == 0)
                has_auth = true;
        }
        rest = e ? e + 1 : NULL;
    }
    if (!has_auth)
        h[nh++] = (kz_http_kv){"Authorization", g_bearer};
    const char *body = rest && *rest == '\n' ? rest + 1 : NULL;
    /* spread throttling over addresses so that the fuzzer is not locked out */
    char ip[32];
    snprintf(ip, sizeof ip, "10.0.%u.%u", (unsigned)(size & 255), (unsigned)(data[0] & 255));
    kz_http_request req = {
        .method = method,
        .path = path,
        .query = query,
        .n_query = nq,
        .headers = h,
        .n_headers = nh,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .remote_ip = ip,
        .arena = a,
    };
    kz_http_response resp;
    memset(&resp, 0, sizeof resp);
    kz_buf_init(&resp.body, 0);
    kz_taxii_handle(g_tx, &req, &resp);
    /* properties 2 and 3 */
    bool ok = false;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        ok = ok || resp.status == allowed[i];
    if (!ok)
        fprintf(stderr, "status %d: %.*s\n", resp.status, (int)resp.body.len,
                resp.body.data ? resp.body.data : "");
    check(ok);
    if (strcmp(path, "/healthz") != 0) {
        check(resp.content_type && strcmp(resp.content_type, KZ_TAXII_MEDIA) == 0);
        kz_json *v = NULL;
        kz_err rc =
            resp.body.len ? kz_json_parse(a, resp.body.data, resp.body.len, NULL, &v, NULL) : KZ_OK;
        check(rc == KZ_OK || rc == KZ_ENOMEM);
        if (rc == KZ_OK && resp.status >= 400) {
            char want[16];
            snprintf(want, sizeof want, "%d", resp.status);
            check(kz_json_get_string(v, "title") != NULL);
            const char *hs = kz_json_get_string(v, "http_status");
            check(hs && strcmp(hs, want) == 0);
        }
    }
    kz_buf_release(&resp.body);
    kz_arena_free(a);
    return 0;
}
