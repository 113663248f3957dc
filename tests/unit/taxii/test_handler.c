/* test_handler.c - the TAXII server logic without sockets: routing, auth
 * and throttling, every status code, media types, filters and paging, the
 * TLP matrix (tests/data/taxii/tlp_matrix.txt) on every read path, POST and
 * status resources, DELETE. */
#include <sqlite3.h>

#include "unit/taxii/taxii_fixture.h"

static const char *const tlp_names[] = {"clear",  "green",  "amber", "amber-strict", "red",
                                        "white1", "amber1", "red1",  "unmarked"};
#define N_TLP 9

static void tlp_id(int i, char *out, size_t n)
{
    snprintf(out, n, "indicator--%08d-0000-4000-8000-%012d", i + 1, i + 1);
}

/* Which tlp_envelope objects a set of ids names: bit i for object i. */
static unsigned ids_mask(const kz_json *arr, const char *key)
{
    unsigned m = 0;
    for (size_t i = 0; arr && i < arr->u.arr.n; i++) {
        const char *id = kz_json_get_string(arr->u.arr.items[i], key);
        for (int k = 0; id && k < N_TLP; k++) {
            char want[64];
            tlp_id(k, want, sizeof want);
            if (strcmp(id, want) == 0)
                m |= 1u << k;
        }
    }
    return m;
}

static unsigned expected_mask(const char *account)
{
    char *txt = fx_read_data("tlp_matrix.txt");
    unsigned m = 0;
    bool found = false;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        if (strcmp(line, account) != 0)
            continue;
        found = true;
        for (char *w = strtok(colon + 1, " "); w; w = strtok(NULL, " "))
            for (int k = 0; k < N_TLP; k++)
                if (strcmp(w, tlp_names[k]) == 0)
                    m |= 1u << k;
        break;
    }
    free(txt);
    if (!found)
        fail_msg("no line for %s in tlp_matrix.txt", account);
    return m;
}

static void test_discovery_and_auth(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_req(f, NULL, "GET", "/healthz", NULL), 200);
    assert_int_equal(fx_req(f, NULL, "GET", "/taxii2/", NULL), 401);
    assert_non_null(strstr(f->hdr_extra, "WWW-Authenticate: Basic"));
    assert_non_null(strstr(f->body, "\"http_status\":\"401\""));
    assert_int_equal(fx_req(f, "own", "GET", "/taxii2/", NULL), 200);
    const kz_json *d = fx_json(f);
    assert_string_equal(kz_json_get_string(d, "title"), "kizuna");
    assert_string_equal(kz_json_get_string(d, "default"), "https://127.0.0.1:8443/api/");
    assert_int_equal(fx_req(f, "own", "GET", "/api/", NULL), 200);
    d = fx_json(f);
    int64_t mcl = 0;
    assert_true(kz_json_int(kz_json_get(d, "max_content_length"), &mcl));
    assert_int_equal(mcl, 10 << 20);
    assert_string_equal(kz_json_string(kz_json_get(d, "versions")->u.arr.items[0]), KZ_TAXII_MEDIA);
    /* Basic with name + token works too; a wrong pair does not */
    char basic[300], raw[120];
    snprintf(raw, sizeof raw, "own:%s", fx_token(f, "own"));
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(raw), o = 0;
    char enc[200];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)raw[i] << 16 |
                     (i + 1 < n ? (unsigned char)raw[i + 1] << 8 : 0) |
                     (i + 2 < n ? (unsigned char)raw[i + 2] : 0);
        enc[o++] = b64[(v >> 18) & 63];
        enc[o++] = b64[(v >> 12) & 63];
        enc[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        enc[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    enc[o] = '\0';
    snprintf(basic, sizeof basic, "Basic %s", enc);
    fx_opts op = {.authorization = basic};
    assert_int_equal(fx_req_opts(f, NULL, "GET", "/taxii2/", NULL, &op), 200);
    op.authorization = "Bearer kz_wrong";
    assert_int_equal(fx_req_opts(f, NULL, "GET", "/taxii2/", NULL, &op), 401);
}

static void test_collections(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_req(f, "own", "GET", "/api/collections/", NULL), 200);
    const kz_json *cs = kz_json_get(fx_json(f), "collections");
    assert_int_equal(cs->u.arr.n, 1);
    const kz_json *c = cs->u.arr.items[0];
    assert_string_equal(kz_json_get_string(c, "id"), f->intel_id);
    assert_string_equal(kz_json_get_string(c, "alias"), "intel");
    assert_int_equal(kz_json_get(c, "can_read")->type, KZ_JSON_TRUE);
    assert_int_equal(kz_json_get(c, "can_write")->type, KZ_JSON_TRUE);
    assert_int_equal(fx_req(f, "redown", "GET", "/api/collections/", NULL), 200);
    assert_int_equal(kz_json_get(fx_json(f), "collections")->u.arr.n, 2);
    assert_int_equal(fx_req(f, "partner", "GET", "/api/collections/intel/", NULL), 200);
    assert_int_equal(kz_json_get(fx_json(f), "can_write")->type, KZ_JSON_FALSE);
    char path[128];
    snprintf(path, sizeof path, "/api/collections/%s/", f->intel_id);
    assert_int_equal(fx_req(f, "own", "GET", path, NULL), 200);
    /* invisible and unknown collections are the same 404 */
    assert_int_equal(fx_req(f, "stranger", "GET", "/api/collections/intel/", NULL), 404);
    assert_int_equal(fx_req(f, "stranger", "GET", "/api/collections/intel/objects/", NULL), 404);
    assert_int_equal(fx_req(f, "own", "GET", "/api/collections/nope/", NULL), 404);
    assert_int_equal(fx_req(f, "own", "GET", "/api/collections/nope/objects/", NULL), 404);
    /* visible but not readable: 403 */
    assert_int_equal(fx_req(f, "writer", "GET", "/api/collections/intel/objects/", NULL), 403);
    assert_int_equal(fx_req(f, "writer", "GET", "/api/collections/intel/manifest/", NULL), 403);
    assert_int_equal(
        fx_req(f, "partner", "POST", "/api/collections/intel/objects/", "{\"objects\":[]}"), 403);
}

static void test_errors(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_req(f, "own", "GET", "/nope/", NULL), 404);
    assert_non_null(strstr(f->body, "API root"));
    assert_int_equal(fx_req(f, "own", "GET", "/api/extra/", NULL), 404);
    assert_int_equal(fx_req(f, "own", "GET", "//", NULL), 404);
    assert_int_equal(fx_req(f, "own", "PUT", "/api/collections/intel/objects/", NULL), 405);
    assert_string_equal(f->hdr_extra, "Allow: GET, POST");
    assert_int_equal(fx_req(f, "own", "POST", "/taxii2/", NULL), 405);
    fx_opts o = {.accept = "text/html"};
    assert_int_equal(fx_req_opts(f, "own", "GET", "/taxii2/", NULL, &o), 406);
    o.accept = "application/taxii+json;version=2.0";
    assert_int_equal(fx_req_opts(f, "own", "GET", "/taxii2/", NULL, &o), 406);
    o.accept = "application/taxii+json;version=2.1;q=0";
    assert_int_equal(fx_req_opts(f, "own", "GET", "/taxii2/", NULL, &o), 406);
    static const char *const ok_accept[] = {"application/taxii+json",
                                            "application/taxii+json; version=2.1",
                                            "*/*",
                                            "text/html, application/taxii+json;version=2.1;q=0.5",
                                            "application/*",
                                            "APPLICATION/TAXII+JSON;VERSION=2.1"};
    for (size_t i = 0; i < sizeof ok_accept / sizeof ok_accept[0]; i++) {
        o.accept = ok_accept[i];
        if (fx_req_opts(f, "own", "GET", "/taxii2/", NULL, &o) != 200)
            fail_msg("Accept '%s' refused", ok_accept[i]);
    }
    fx_opts ct = {.content_type = "application/json"};
    assert_int_equal(
        fx_req_opts(f, "own", "POST", "/api/collections/intel/objects/", "{\"objects\":[]}", &ct),
        415);
    ct.content_type = "application/taxii+json;version=2.0";
    assert_int_equal(
        fx_req_opts(f, "own", "POST", "/api/collections/intel/objects/", "{\"objects\":[]}", &ct),
        415);
    ct.content_type = "application/taxii+json";
    assert_int_equal(
        fx_req_opts(f, "own", "POST", "/api/collections/intel/objects/", "{\"objects\":[]}", &ct),
        202);
    fx_opts big = {.too_big = true};
    assert_int_equal(fx_req_opts(f, "own", "POST", "/api/collections/intel/objects/", NULL, &big),
                     413);
    static const char *const bad_bodies[] = {
        "", "{", "[1,2]", "{\"objects\":[1,", "nope", "{\"objects\":{}}"};
    for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++) {
        int st = fx_req(f, "own", "POST", "/api/collections/intel/objects/", bad_bodies[i]);
        if (st != 400)
            fail_msg("body '%s': %d %s", bad_bodies[i], st, f->body);
    }
    /* more objects than the server takes in one envelope (fixture: 100) */
    char *many = malloc(200 * 8 + 32);
    size_t n = (size_t)snprintf(many, 32, "{\"objects\":[");
    for (int i = 0; i < 101; i++)
        n += (size_t)snprintf(many + n, 16, "%s{}", i ? "," : "");
    snprintf(many + n, 8, "]}");
    assert_int_equal(fx_req(f, "own", "POST", "/api/collections/intel/objects/", many), 413);
    free(many);
    static const char *const bad_q[] = {"limit=0",
                                        "limit=-1",
                                        "limit=abc",
                                        "limit=1&limit=2",
                                        "added_after=yesterday",
                                        "added_after=2024-13-01T00:00:00Z",
                                        "match[version]=newest",
                                        "match[id]=nope",
                                        "match[type]=Bad_Type",
                                        "match[spec_version]=two",
                                        "next=bogus",
                                        "match[type]=",
                                        "match[type]=indicator,,malware"};
    for (size_t i = 0; i < sizeof bad_q / sizeof bad_q[0]; i++) {
        char path[200];
        snprintf(path, sizeof path, "/api/collections/intel/objects/?%s", bad_q[i]);
        int st = fx_req(f, "own", "GET", path, NULL);
        if (st != 400)
            fail_msg("query '%s': %d %s", bad_q[i], st, f->body);
        assert_non_null(strstr(f->body, "\"http_status\":\"400\""));
    }
    /* unknown parameters are ignored; huge limits are capped */
    assert_int_equal(
        fx_req(f, "own", "GET", "/api/collections/intel/objects/?foo=bar&limit=99999", NULL), 200);
    assert_int_equal(fx_req(f, "own", "GET", "/api/status/not-a-uuid/", NULL), 404);
    assert_int_equal(
        fx_req(f, "own", "GET", "/api/status/11111111-2222-4333-8444-555555555555/", NULL), 404);
    assert_int_equal(
        fx_req(f, "own", "GET",
               "/api/collections/intel/objects/indicator--11111111-2222-4333-8444-555555555555/",
               NULL),
        404);
}

static void check_tlp(fx *f, const char *who)
{
    unsigned want = expected_mask(who);
    bool reads = strcmp(who, "writer") != 0;
    int st = fx_req(f, who, "GET", "/api/collections/intel/objects/", NULL);
    assert_int_equal(st, reads ? 200 : 403);
    if (reads) {
        unsigned got = ids_mask(kz_json_get(fx_json(f), "objects"), "id");
        if (got != want)
            fail_msg("%s objects: got %#x want %#x", who, got, want);
    }
    st = fx_req(f, who, "GET", "/api/collections/intel/manifest/", NULL);
    assert_int_equal(st, reads ? 200 : 403);
    if (reads) {
        unsigned got = ids_mask(kz_json_get(fx_json(f), "objects"), "id");
        if (got != want)
            fail_msg("%s manifest: got %#x want %#x", who, got, want);
    }
    for (int k = 0; k < N_TLP; k++) {
        char id[64], path[200];
        tlp_id(k, id, sizeof id);
        int expect = !reads ? 403 : (want >> k & 1) ? 200 : 404;
        snprintf(path, sizeof path, "/api/collections/intel/objects/%s/", id);
        st = fx_req(f, who, "GET", path, NULL);
        if (st != expect)
            fail_msg("%s object %s: %d, want %d", who, tlp_names[k], st, expect);
        snprintf(path, sizeof path, "/api/collections/intel/objects/%s/versions/", id);
        st = fx_req(f, who, "GET", path, NULL);
        if (st != expect)
            fail_msg("%s versions %s: %d, want %d", who, tlp_names[k], st, expect);
        if (st == 200)
            assert_int_equal(kz_json_get(fx_json(f), "versions")->u.arr.n, 1);
    }
}

static void test_tlp_matrix(void **state)
{
    fx *f = *state;
    fx_post_file(f, "own", "tlp_envelope.json");
    static const char *const who[] = {"own",    "partner", "other", "redother",
                                      "redown", "capped",  "writer"};
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++)
        check_tlp(f, who[i]);
}

static void test_post_status(void **state)
{
    fx *f = *state;
    fx_post_file(f, "own", "mixed_envelope.json");
    const kz_json *s = fx_json(f);
    int64_t n;
    assert_string_equal(kz_json_get_string(s, "status"), "complete");
    assert_true(kz_json_int(kz_json_get(s, "total_count"), &n));
    assert_int_equal(n, 4);
    assert_true(kz_json_int(kz_json_get(s, "success_count"), &n));
    assert_int_equal(n, 2);
    assert_true(kz_json_int(kz_json_get(s, "failure_count"), &n));
    assert_int_equal(n, 2);
    assert_true(kz_json_int(kz_json_get(s, "pending_count"), &n));
    assert_int_equal(n, 0);
    const kz_json *fl = kz_json_get(s, "failures");
    assert_int_equal(fl->u.arr.n, 2);
    assert_string_equal(kz_json_get_string(fl->u.arr.items[0], "id"),
                        "indicator--bbbbbbbb-0000-4000-8000-000000000003");
    assert_non_null(strstr(kz_json_get_string(fl->u.arr.items[0], "message"), "modified"));
    assert_non_null(strstr(kz_json_get_string(fl->u.arr.items[1], "message"), "pattern"));
    char path[128];
    snprintf(path, sizeof path, "/api/status/%s/", kz_json_get_string(s, "id"));
    char *first = strdup(f->body);
    assert_int_equal(fx_req(f, "own", "GET", path, NULL), 200);
    assert_string_equal(f->body, first);
    free(first);
    /* another account does not see it */
    assert_int_equal(fx_req(f, "redown", "GET", path, NULL), 404);
    /* the same objects again: idempotent successes */
    fx_post_file(f, "own", "mixed_envelope.json");
    s = fx_json(f);
    assert_true(kz_json_int(kz_json_get(s, "success_count"), &n));
    assert_int_equal(n, 2);
    /* the stored ones are readable */
    assert_int_equal(
        fx_req(f, "own", "GET",
               "/api/collections/intel/objects/indicator--bbbbbbbb-0000-4000-8000-000000000001/",
               NULL),
        200);
    /* statuses past the retention period (7 days) go when new ones come */
    char db[128];
    snprintf(db, sizeof db, "%s/node/kizuna.db", f->dir);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_exec(h, "UPDATE taxii_status SET created_us = 1000", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(fx_req(f, "own", "GET", path, NULL), 200);
    fx_post_file(f, "own", "mixed_envelope.json");
    assert_int_equal(fx_req(f, "own", "GET", path, NULL), 404);
}

static size_t page_all(fx *f, const char *who, const char *base, size_t limit)
{
    char path[512];
    char next[128] = "";
    size_t total = 0, pages = 0;
    for (;;) {
        if (next[0])
            snprintf(path, sizeof path, "%s?limit=%zu&next=%s", base, limit, next);
        else
            snprintf(path, sizeof path, "%s?limit=%zu", base, limit);
        assert_int_equal(fx_req(f, who, "GET", path, NULL), 200);
        const kz_json *e = fx_json(f);
        const kz_json *objs = kz_json_get(e, "objects");
        size_t n = objs ? objs->u.arr.n : 0;
        assert_true(n <= limit);
        total += n;
        if (n)
            assert_true(f->hdr_first[0] && f->hdr_last[0]);
        pages++;
        assert_true(pages < 100);
        if (kz_json_get(e, "more")->type != KZ_JSON_TRUE) {
            assert_null(kz_json_get(e, "next"));
            break;
        }
        snprintf(next, sizeof next, "%s", kz_json_get_string(e, "next"));
    }
    return total;
}

static void test_paging_and_filters(void **state)
{
    fx *f = *state;
    fx_post_file(f, "own", "tlp_envelope.json");
    fx_post_file(f, "own", "versions_envelope.json");
    /* redown sees all 9 + the latest version of the versioned one */
    assert_int_equal(page_all(f, "redown", "/api/collections/intel/objects/", 2), 10);
    assert_int_equal(page_all(f, "redown", "/api/collections/intel/objects/", 3), 10);
    assert_int_equal(page_all(f, "redown", "/api/collections/intel/manifest/", 4), 10);
    /* a reader who sees little still pages correctly: other sees 3 + 1 */
    assert_int_equal(page_all(f, "other", "/api/collections/intel/objects/", 1), 4);
    /* added_after paging with the headers */
    char path[256], last[64] = "";
    size_t total = 0;
    for (int i = 0; i < 20; i++) {
        if (last[0])
            snprintf(path, sizeof path, "/api/collections/intel/objects/?limit=4&added_after=%s",
                     last);
        else
            snprintf(path, sizeof path, "/api/collections/intel/objects/?limit=4");
        assert_int_equal(fx_req(f, "redown", "GET", path, NULL), 200);
        const kz_json *objs = kz_json_get(fx_json(f), "objects");
        if (!objs) {
            assert_string_equal(f->hdr_first, "");
            break;
        }
        total += objs->u.arr.n;
        snprintf(last, sizeof last, "%s", f->hdr_last);
    }
    assert_int_equal(total, 10);
    /* versions */
    const char *vid = "indicator--aaaaaaaa-0000-4000-8000-000000000001";
    snprintf(path, sizeof path, "/api/collections/intel/objects/%s/versions/", vid);
    assert_int_equal(fx_req(f, "other", "GET", path, NULL), 200);
    const kz_json *v = kz_json_get(fx_json(f), "versions");
    assert_int_equal(v->u.arr.n, 3);
    assert_string_equal(kz_json_string(v->u.arr.items[0]), "2024-01-01T00:00:00.000Z");
    assert_string_equal(kz_json_string(v->u.arr.items[2]), "2024-03-01T00:00:00.000Z");
    static const struct {
        const char *q;
        size_t n;
        const char *first_name;
    } vq[] = {
        {"", 1, "v3"},
        {"?match[version]=last", 1, "v3"},
        {"?match[version]=first", 1, "v1"},
        {"?match[version]=all", 3, "v1"},
        {"?match[version]=first,last", 2, "v1"},
        {"?match[version]=2024-02-01T00:00:00.000Z", 1, "v2"},
        {"?match[spec_version]=2.1", 1, "v3"},
    };
    for (size_t i = 0; i < sizeof vq / sizeof vq[0]; i++) {
        snprintf(path, sizeof path, "/api/collections/intel/objects/%s/%s", vid, vq[i].q);
        assert_int_equal(fx_req(f, "other", "GET", path, NULL), 200);
        const kz_json *objs = kz_json_get(fx_json(f), "objects");
        if (!objs || objs->u.arr.n != vq[i].n)
            fail_msg("%s: %s", vq[i].q, f->body);
        assert_string_equal(kz_json_get_string(objs->u.arr.items[0], "name"), vq[i].first_name);
    }
    snprintf(path, sizeof path, "/api/collections/intel/objects/%s/?match[spec_version]=2.0", vid);
    assert_int_equal(fx_req(f, "other", "GET", path, NULL), 404);
    /* match[type] and match[id] on the objects endpoint */
    assert_int_equal(
        fx_req(f, "redown", "GET", "/api/collections/intel/objects/?match[type]=malware", NULL),
        200);
    assert_null(kz_json_get(fx_json(f), "objects"));
    assert_string_equal(f->hdr_first, "");
    assert_int_equal(fx_req(f, "redown", "GET",
                            "/api/collections/intel/objects/?match[type]=malware,indicator", NULL),
                     200);
    assert_int_equal(kz_json_get(fx_json(f), "objects")->u.arr.n, 10);
    assert_int_equal(fx_req(f, "redown", "GET",
                            "/api/collections/intel/objects/"
                            "?match[id]=indicator--00000001-0000-4000-8000-000000000001,"
                            "indicator--00000005-0000-4000-8000-000000000005",
                            NULL),
                     200);
    assert_int_equal(ids_mask(kz_json_get(fx_json(f), "objects"), "id"), 0x11);
    /* other is not cleared for #5 (red) */
    assert_int_equal(fx_req(f, "other", "GET",
                            "/api/collections/intel/objects/"
                            "?match[id]=indicator--00000001-0000-4000-8000-000000000001,"
                            "indicator--00000005-0000-4000-8000-000000000005",
                            NULL),
                     200);
    assert_int_equal(ids_mask(kz_json_get(fx_json(f), "objects"), "id"), 0x1);
    /* a next from another query is refused */
    assert_int_equal(fx_req(f, "redown", "GET", "/api/collections/intel/objects/?limit=1", NULL),
                     200);
    char next[128];
    snprintf(next, sizeof next, "%s", kz_json_get_string(fx_json(f), "next"));
    snprintf(path, sizeof path, "/api/collections/intel/objects/?match[type]=indicator&next=%s",
             next);
    assert_int_equal(fx_req(f, "redown", "GET", path, NULL), 400);
}

static void test_delete(void **state)
{
    fx *f = *state;
    fx_post_file(f, "own", "versions_envelope.json");
    const char *base =
        "/api/collections/intel/objects/indicator--aaaaaaaa-0000-4000-8000-000000000001/";
    char path[256];
    assert_int_equal(fx_req(f, "partner", "DELETE", base, NULL), 403);
    assert_int_equal(fx_req(f, "writer", "DELETE", base, NULL), 403);
    snprintf(path, sizeof path, "%s?match[version]=first", base);
    assert_int_equal(fx_req(f, "own", "DELETE", path, NULL), 200);
    snprintf(path, sizeof path, "%sversions/", base);
    assert_int_equal(fx_req(f, "own", "GET", path, NULL), 200);
    assert_int_equal(kz_json_get(fx_json(f), "versions")->u.arr.n, 2);
    assert_int_equal(fx_req(f, "own", "DELETE", base, NULL), 200);
    assert_int_equal(fx_req(f, "own", "GET", base, NULL), 404);
    assert_int_equal(fx_req(f, "own", "DELETE", base, NULL), 404);
    /* own may not delete what it cannot read (RED, no grant) */
    fx_post_file(f, "redown", "tlp_envelope.json");
    assert_int_equal(
        fx_req(f, "own", "DELETE",
               "/api/collections/intel/objects/indicator--00000005-0000-4000-8000-000000000005/",
               NULL),
        404);
}

static size_t count_objects(fx *f, const char *who)
{
    assert_int_equal(fx_req(f, who, "GET", "/api/collections/intel/objects/?limit=50", NULL), 200);
    const kz_json *o = kz_json_get(fx_json(f), "objects");
    return o ? o->u.arr.n : 0;
}

static void test_cache_follows_writes(void **state)
{
    fx *f = *state;
    /* Read responses are cached until the database changes: a POST, a
     * DELETE, or a write by another connection (kizuna import) must show
     * at once, and accounts that read different TLP levels never share. */
    assert_int_equal(count_objects(f, "redown"), 0);
    fx_post_file(f, "own", "tlp_envelope.json");
    assert_int_equal(count_objects(f, "redown"), 9);
    assert_int_equal(count_objects(f, "redown"), 9); /* from the cache */
    assert_int_equal(count_objects(f, "other"), 3);
    assert_int_equal(count_objects(f, "partner"), 6);
    char dir[128], err[256];
    snprintf(dir, sizeof dir, "%s/node", f->dir);
    kz_store *s = NULL;
    assert_int_equal(kz_store_open_dir(dir, false, &s, err, sizeof err), KZ_OK);
    char *env = fx_read_data("versions_envelope.json");
    kz_arena *a = kz_arena_new(0);
    kz_jstream *js = kz_jstream_new_mem(env, strlen(env), 0);
    kz_jstream_element el;
    kz_store_object objs[3];
    size_t n = 0;
    while (kz_jstream_next(js, &el) == KZ_OK && n < 3) {
        char *bytes = kz_arena_strndup(a, el.data, el.len);
        kz_json *v = NULL;
        assert_int_equal(kz_json_parse(a, bytes, el.len, NULL, &v, NULL), KZ_OK);
        char why[128];
        assert_int_equal(
            kz_store_object_from_json(a, v, bytes, el.len, &objs[n++], why, sizeof why), KZ_OK);
    }
    assert_int_equal(kz_store_put_batch(s, "intel", objs, n, NULL, NULL), KZ_OK);
    kz_jstream_free(js);
    kz_arena_free(a);
    free(env);
    kz_store_close(s);
    assert_int_equal(count_objects(f, "redown"), 10);
    assert_int_equal(count_objects(f, "other"), 4);
    assert_int_equal(
        fx_req(f, "own", "DELETE",
               "/api/collections/intel/objects/indicator--aaaaaaaa-0000-4000-8000-000000000001/",
               NULL),
        200);
    assert_int_equal(count_objects(f, "other"), 3);
}

static void test_throttle(void **state)
{
    fx *f = *state;
    fx_opts o = {.authorization = "Bearer kz_guess", .ip = "192.0.2.7"};
    for (int i = 0; i < KZ_AUTH_FREE_FAILURES; i++)
        assert_int_equal(fx_req_opts(f, NULL, "GET", "/taxii2/", NULL, &o), 401);
    assert_int_equal(fx_req_opts(f, NULL, "GET", "/taxii2/", NULL, &o), 429);
    assert_non_null(strstr(f->hdr_extra, "Retry-After: "));
    /* even the right token waits while the address is locked out */
    char good[128];
    snprintf(good, sizeof good, "Bearer %s", fx_token(f, "own"));
    o.authorization = good;
    assert_int_equal(fx_req_opts(f, NULL, "GET", "/taxii2/", NULL, &o), 429);
    /* other addresses are not affected */
    o.ip = "192.0.2.8";
    assert_int_equal(fx_req_opts(f, NULL, "GET", "/taxii2/", NULL, &o), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_discovery_and_auth, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_collections, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_errors, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_tlp_matrix, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_status, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_paging_and_filters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_delete, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cache_follows_writes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_throttle, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
