/* test_post_hook.c - the TAXII server's publish and on_added hooks (what
 * `kizuna serve` wires to signing and POST provenance), with a stand-in
 * rewrite so that the TAXII module is tested without the fed module: the
 * stored bytes are the hook's, per account; a failing hook fails only its
 * object; unusable rewritten bytes are refused before the transaction; the
 * extra objects come with a rewrite only; on_added sees exactly the
 * versions the store added; out of memory anywhere is a 500, not a leak. */
#include "taxii_fixture.h"

#define OBJ(uuid, name)                                                                            \
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" uuid "\","             \
    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","          \
    "\"name\":\"" name "\",\"pattern_type\":\"stix\",\"pattern\":\"[ipv4-addr:value = "            \
    "'198.51.100.1']\",\"valid_from\":\"2024-01-01T00:00:00Z\"}"
#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"
#define U3 "33333333-3333-4333-8333-333333333333"
#define U4 "44444444-4444-4444-8444-444444444444"
#define EXTRA_ID "identity--55555555-5555-4555-8555-555555555555"

static const char extra_identity[] =
    "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"" EXTRA_ID "\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
    "\"name\":\"extra\",\"identity_class\":\"system\"}";
static const char *const extras[] = {extra_identity};

/* What the hooks saw. */
typedef struct seen {
    int publish_calls;
    int added_calls;
    size_t added_n;
    char added_acct[KZ_AUTH_NAME_MAX + 1];
    char added_ids[8][80];
    char added_vers[8][40];
} seen;
static seen g_seen;

/* The stand-in rewrite: objects posted by a non-peer account get
 * "x_published": true; an object named "fail" makes the hook fail, one
 * named "garbage" is rewritten into bytes the store cannot use. */
static kz_err publish(void *ctx, const kz_account *acct, kz_arena *a, const kz_json *obj,
                      const char **out, size_t *out_len, char *why, size_t why_len)
{
    (void)ctx;
    g_seen.publish_calls++;
    *out = NULL;
    *out_len = 0;
    if (acct->peer)
        return KZ_OK;
    const char *name = kz_json_get_string(obj, "name");
    if (name && strcmp(name, "fail") == 0) {
        snprintf(why, why_len, "the stand-in refuses it");
        return KZ_EINVAL;
    }
    if (name && strcmp(name, "garbage") == 0) {
        *out = "{\"type\":\"indicator\",\"id\":\"not-an-id\"}";
        *out_len = strlen(*out);
        return KZ_OK;
    }
    kz_json *c = kz_json_clone(a, obj);
    if (!c || kz_json_object_set(a, c, "x_published", kz_json_new_bool(a, true)))
        return KZ_ENOMEM;
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_err rc = kz_json_write(&b, c, 0);
    if (!rc) {
        char *s = kz_arena_strndup(a, b.data, b.len);
        *out = s;
        *out_len = b.len;
        if (!s)
            rc = KZ_ENOMEM;
    }
    kz_buf_release(&b);
    return rc;
}

static void added(void *ctx, const kz_account *acct, const char *coll_id, const char *const *ids,
                  const char *const *versions, size_t n)
{
    (void)ctx;
    assert_non_null(coll_id);
    g_seen.added_calls++;
    snprintf(g_seen.added_acct, sizeof g_seen.added_acct, "%s", acct->name);
    for (size_t i = 0; i < n && g_seen.added_n < 8; i++, g_seen.added_n++) {
        snprintf(g_seen.added_ids[g_seen.added_n], 80, "%s", ids[i]);
        snprintf(g_seen.added_vers[g_seen.added_n], 40, "%s", versions[i] ? versions[i] : "-");
    }
}

static char g_peer_token[KZ_AUTH_TOKEN_STR];

/* The fixture's node, re-opened with the hooks, plus a peer node's account. */
static int setup(void **state)
{
    if (fx_setup(state))
        return -1;
    fx *f = *state;
    kz_account p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "peernode");
    snprintf(p.org, sizeof p.org, "CERT-PEER");
    snprintf(p.read, sizeof p.read, "intel");
    snprintf(p.write, sizeof p.write, "intel");
    p.tlp_max = KZ_TLP_RED;
    p.peer = true;
    if (kz_auth_account_add(f->au, &p, g_peer_token))
        return -1;
    kz_taxii_free(f->tx);
    f->tx = NULL;
    char node[96], err[256];
    snprintf(node, sizeof node, "%s/node", f->dir);
    kz_taxii_opts o = {.data_dir = node,
                       .node_org = NODE_ORG,
                       .page_max = 50,
                       .max_objects = 100,
                       .no_cache = true,
                       .publish = publish,
                       .on_added = added,
                       .publish_extra = extras,
                       .n_publish_extra = 1};
    if (kz_taxii_new(&o, f->au, &f->tx, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    memset(&g_seen, 0, sizeof g_seen);
    return 0;
}

static int post_as_peer(fx *f, const char *body)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", g_peer_token);
    fx_opts o = {.authorization = auth};
    return fx_req_opts(f, NULL, "POST", "/api/collections/intel/objects/", body, &o);
}

/* The stored JSON of id (latest version), or NULL. */
static const kz_json *stored(fx *f, const char *id)
{
    char target[200];
    snprintf(target, sizeof target, "/api/collections/intel/objects/%s/", id);
    if (fx_req(f, "own", "GET", target, NULL) != 200)
        return NULL;
    const kz_json *objs = kz_json_get(fx_json(f), "objects");
    if (!objs || objs->type != KZ_JSON_ARRAY || objs->u.arr.n != 1)
        return NULL;
    return objs->u.arr.items[0];
}

static bool has_member(const kz_json *o, const char *k)
{
    return o && kz_json_get(o, k) != NULL;
}

static void test_rewrite_per_account(void **state)
{
    fx *f = *state;
    const char *body = "{\"objects\":[" OBJ(U1, "a") "]}";
    assert_int_equal(fx_req(f, "own", "POST", "/api/collections/intel/objects/", body), 202);
    assert_int_equal(g_seen.publish_calls, 1);
    assert_true(has_member(stored(f, "indicator--" U1), "x_published"));
    /* a peer node's object is stored as received */
    assert_int_equal(post_as_peer(f, "{\"objects\":[" OBJ(U2, "b") "]}"), 202);
    const kz_json *p = stored(f, "indicator--" U2);
    assert_non_null(p);
    assert_false(has_member(p, "x_published"));
}

static void test_extra_only_with_a_rewrite(void **state)
{
    fx *f = *state;
    assert_int_equal(post_as_peer(f, "{\"objects\":[" OBJ(U2, "b") "]}"), 202);
    assert_null(stored(f, EXTRA_ID)); /* nothing was rewritten */
    const char *body = "{\"objects\":[" OBJ(U1, "a") "]}";
    assert_int_equal(fx_req(f, "own", "POST", "/api/collections/intel/objects/", body), 202);
    /* not in the request's status... */
    assert_null(strstr(f->body, EXTRA_ID));
    /* ...but in the collection */
    assert_non_null(stored(f, EXTRA_ID));
    /* and once: a second request leaves it present */
    body = "{\"objects\":[" OBJ(U3, "c") "]}";
    assert_int_equal(fx_req(f, "own", "POST", "/api/collections/intel/objects/", body), 202);
    assert_non_null(stored(f, EXTRA_ID));
}

static void test_failing_hook_fails_one_object(void **state)
{
    fx *f = *state;
    const char *body =
        "{\"objects\":[" OBJ(U1, "a") "," OBJ(U2, "fail") "," OBJ(U3, "garbage") "]}";
    assert_int_equal(fx_req(f, "own", "POST", "/api/collections/intel/objects/", body), 202);
    const kz_json *st = fx_json(f);
    int64_t ok = -1, bad = -1;
    assert_true(kz_json_int(kz_json_get(st, "success_count"), &ok));
    assert_true(kz_json_int(kz_json_get(st, "failure_count"), &bad));
    assert_int_equal(ok, 1);
    assert_int_equal(bad, 2);
    assert_non_null(strstr(f->body, "cannot be published: the stand-in refuses it"));
    assert_non_null(strstr(f->body, "the published form is not storable"));
    assert_non_null(stored(f, "indicator--" U1));
    assert_null(stored(f, "indicator--" U2));
    assert_null(stored(f, "indicator--" U3));
}

static void test_on_added_sees_added_versions(void **state)
{
    fx *f = *state;
    const char *body = "{\"objects\":[" OBJ(U1, "a") "," OBJ(U4, "d") "]}";
    assert_int_equal(post_as_peer(f, body), 202);
    assert_int_equal(g_seen.added_calls, 1);
    assert_string_equal(g_seen.added_acct, "peernode");
    assert_int_equal(g_seen.added_n, 2);
    assert_string_equal(g_seen.added_ids[0], "indicator--" U1);
    assert_string_equal(g_seen.added_vers[0], "2024-01-01T00:00:00.000Z");
    assert_string_equal(g_seen.added_ids[1], "indicator--" U4);
    /* the same again: present, nothing added, no call */
    assert_int_equal(post_as_peer(f, body), 202);
    assert_int_equal(g_seen.added_calls, 1);
    /* a request whose every object fails: no call either */
    assert_int_equal(fx_req(f, "own", "POST", "/api/collections/intel/objects/",
                            "{\"objects\":[" OBJ(U2, "fail") "]}"),
                     202);
    assert_int_equal(g_seen.added_calls, 1);
}

/* Out of memory anywhere in a POST that the hook rewrites (the hook's own
 * allocations included) is a 500 or a success, never a crash or a leak. */
static void test_oom_with_hooks(void **state)
{
    fx *f = *state;
    const char *body = "{\"objects\":[" OBJ(U1, "a") "," OBJ(U2, "b") "]}";
    long n;
    for (n = 1; n < 100000; n++) {
        fx_fail_at = n;
        int st = fx_req(f, "own", "POST", "/api/collections/intel/objects/", body);
        fx_fail_at = 0;
        if (st != 202 && st != 500)
            fail_msg("allocation %ld failing: status %d", n, st);
        if (fx_failures == 0)
            break;
    }
    assert_true(n > 1);
    assert_true(has_member(stored(f, "indicator--" U1), "x_published"));
    assert_non_null(stored(f, EXTRA_ID));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rewrite_per_account, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_extra_only_with_a_rewrite, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failing_hook_fails_one_object, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_on_added_sees_added_versions, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_oom_with_hooks, setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
