/* test_post_atomic.c - a POST's objects and its status resource are one
 * commit (lib/taxii/post.c: save_status): when the status cannot be
 * written nothing of the request is stored and the client is told so
 * (never "stored but 500"), when the write lock stays taken past the busy
 * timeout the answer is 503 with Retry-After and nothing stored, and either
 * way the same request succeeds once the obstacle is gone. Regression test
 * for the federation benchmark's HTTP 500 "objects stored but the status
 * resource could not be saved" (the concurrent form is
 * tests/integration/taxii_post_concurrent.sh). */
#include <sqlite3.h>

#include "taxii_fixture.h"

#define ENVELOPE                                                                                   \
    "{\"objects\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\","                              \
    "\"id\":\"indicator--77777777-7777-4777-8777-777777777777\","                                  \
    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","          \
    "\"pattern_type\":\"stix\",\"pattern\":\"[ipv4-addr:value = '198.51.100.7']\","                \
    "\"valid_from\":\"2024-01-01T00:00:00Z\"}]}"
#define OBJ_PATH "/api/collections/intel/objects/indicator--77777777-7777-4777-8777-777777777777/"
#define COLL_OBJECTS "/api/collections/intel/objects/"

static sqlite3 *open_db(const fx *f)
{
    char db[128];
    snprintf(db, sizeof db, "%s/node/kizuna.db", f->dir);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    return h;
}

static void sql(sqlite3 *h, const char *text)
{
    char *err = NULL;
    if (sqlite3_exec(h, text, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", text, err ? err : "?");
}

static void expect_success_and_status(fx *f)
{
    assert_int_equal(fx_req(f, "own", "POST", COLL_OBJECTS, ENVELOPE), 202);
    const kz_json *s = fx_json(f);
    int64_t n = -1;
    assert_true(kz_json_int(kz_json_get(s, "success_count"), &n));
    assert_int_equal(n, 1);
    char path[128];
    snprintf(path, sizeof path, "/api/status/%s/", kz_json_get_string(s, "id"));
    char *posted = strdup(f->body);
    assert_int_equal(fx_req(f, "own", "GET", path, NULL), 200);
    assert_string_equal(f->body, posted);
    free(posted);
    assert_int_equal(fx_req(f, "own", "GET", OBJ_PATH, NULL), 200);
}

/* The status INSERT fails inside the transaction (a trigger stands in for
 * any database error there): the objects are rolled back with it. */
static void test_status_failure_stores_nothing(void **state)
{
    fx *f = *state;
    sqlite3 *h = open_db(f);
    sql(h, "CREATE TRIGGER no_status BEFORE INSERT ON taxii_status"
           " BEGIN SELECT RAISE(ABORT, 'status refused'); END");
    assert_int_equal(fx_req(f, "own", "POST", COLL_OBJECTS, ENVELOPE), 500);
    assert_null(strstr(f->body, "stored but"));
    assert_non_null(strstr(f->body, "could not be stored"));
    assert_int_equal(fx_req(f, "own", "GET", OBJ_PATH, NULL), 404);
    sql(h, "DROP TRIGGER no_status");
    sqlite3_close(h);
    expect_success_and_status(f);
}

/* Replaces the busy timeout the store handles are opened with, and
 * reopens the TAXII state so that its pooled handles use it. */
static void set_busy_timeout(fx *f, const char *ms)
{
    char conf[128];
    snprintf(conf, sizeof conf, "%s/node/kizuna.conf", f->dir);
    FILE *fp = fopen(conf, "rb");
    assert_non_null(fp);
    static char buf[1 << 14], out[1 << 14];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    const char *key = "store.busy_timeout_ms = 10000\n";
    char *at = strstr(buf, key);
    assert_non_null(at);
    *at = '\0';
    int len = snprintf(out, sizeof out, "%sstore.busy_timeout_ms = %s\n%s", buf, ms,
                       at + strlen(key));
    assert_true(len > 0 && (size_t)len < sizeof out);
    fp = fopen(conf, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(out, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    char node[96], err[256];
    snprintf(node, sizeof node, "%s/node", f->dir);
    kz_taxii_free(f->tx);
    f->tx = NULL;
    kz_taxii_opts o = {.data_dir = node, .node_org = NODE_ORG, .page_max = 50, .max_objects = 100};
    if (kz_taxii_new(&o, f->au, &f->tx, err, sizeof err))
        fail_msg("%s", err);
}

/* Another writer keeps the write lock past the busy timeout: 503 with
 * Retry-After, nothing stored; reading a status still works meanwhile. */
static void test_busy_is_503_nothing_stored(void **state)
{
    fx *f = *state;
    set_busy_timeout(f, "100");
    assert_int_equal(fx_req(f, "own", "POST", COLL_OBJECTS, "{\"objects\":[]}"), 202);
    char path[128];
    snprintf(path, sizeof path, "/api/status/%s/", kz_json_get_string(fx_json(f), "id"));
    sqlite3 *h = open_db(f);
    sql(h, "BEGIN IMMEDIATE");
    assert_int_equal(fx_req(f, "own", "POST", COLL_OBJECTS, ENVELOPE), 503);
    assert_string_equal(f->hdr_extra, "Retry-After: 1");
    assert_non_null(strstr(f->body, "could not be stored"));
    assert_int_equal(fx_req(f, "own", "GET", path, NULL), 200);
    sql(h, "ROLLBACK");
    sqlite3_close(h);
    assert_int_equal(fx_req(f, "own", "GET", OBJ_PATH, NULL), 404);
    expect_success_and_status(f);
}

/* A status is readable only through the account that POSTed, and an id
 * that is not a UUID or not stored is 404 (the read path moved to the
 * request's store handle). */
static void test_status_read_path(void **state)
{
    fx *f = *state;
    expect_success_and_status(f);
    assert_int_equal(fx_req(f, "own", "POST", COLL_OBJECTS, ENVELOPE), 202);
    char path[128];
    snprintf(path, sizeof path, "/api/status/%s/", kz_json_get_string(fx_json(f), "id"));
    assert_int_equal(fx_req(f, "writer", "GET", path, NULL), 404);
    assert_int_equal(fx_req(f, "own", "GET", "/api/status/x'%20OR%201=1/", NULL), 404);
    assert_int_equal(
        fx_req(f, "own", "GET", "/api/status/11111111-2222-4333-8444-555555555555/", NULL), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_failure_stores_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_busy_is_503_nothing_stored, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_status_read_path, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
