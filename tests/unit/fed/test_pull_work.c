/* test_pull_work.c - unit tests for lib/fed/pull_work.c: a pulled page
 * judged by 1, 2, 4 and 8 workers gives the same verdicts, report lines
 * and objects to store in the same order (verified, unknown-signer,
 * bad-signature, unsigned, not JSON, invalid STIX, withheld by type and
 * by TLP, the signature's own extension-definition), under the mark and
 * reject policies; a pool is reused across pages; fed_workers of
 * kizuna.conf; an out-of-memory sweep where each item is either judged as
 * without the failure or marked KZ_ENOMEM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fed/fed_int.h"
#include "kizuna/alloc.h"
#include "kizuna/buf.h"

static const uint8_t seed_a[32] = {7, 1, 7};  /* trusted as "tokyo" */
static const uint8_t seed_b[32] = {9, 9, 9};  /* not trusted */

#define RED "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

/* The kinds of element in a page, cycled through. */
enum {
    K_SIGNED_A, K_SIGNED_B, K_TAMPERED, K_UNSIGNED, K_NOT_JSON, K_NO_ID,
    K_WRONG_TYPE, K_RED, K_EXT_DEF, K_COUNT
};

typedef struct fx {
    kz_arena *a;
    kz_buf body;        /* the elements' bytes, one after the other */
    size_t off[1200], len[1200];
    size_t n;
    kz_fed_trust *trust;
} fx;

static void indicator(char *out, size_t cap, size_t i, const char *marking)
{
    snprintf(out, cap,
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
             "\"id\":\"indicator--%08zx-0000-4000-8000-000000000000\","
             "\"created\":\"2025-01-01T00:00:00.000Z\",\"modified\":\"2025-01-0%zuT00:00:00.000Z\","
             "\"name\":\"n\xc3\xa9 %zu\",\"pattern\":\"[ipv4-addr:value = '10.0.0.%zu']\","
             "\"pattern_type\":\"stix\",\"valid_from\":\"2025-01-01T00:00:00Z\","
             "\"object_marking_refs\":[\"%s\"]}",
             i, 1 + i % 9, i, i % 250, marking);
}

static void add(fx *f, const char *s, size_t len)
{
    assert_true(f->n < sizeof f->off / sizeof f->off[0]);
    f->off[f->n] = f->body.len;
    f->len[f->n] = len;
    assert_int_equal(kz_buf_append(&f->body, s, len), KZ_OK);
    f->n++;
}

static void add_signed(fx *f, const char *text, const kz_fed_key *k, bool tamper)
{
    kz_json *v = NULL, *sv = NULL;
    assert_int_equal(kz_json_parse(f->a, text, strlen(text), NULL, &v, NULL), KZ_OK);
    assert_int_equal(kz_fed_sign_object(f->a, v, k, &sv), KZ_OK);
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    assert_int_equal(kz_json_write(&b, sv, 0), KZ_OK);
    if (tamper) {
        char *p = strstr(b.data, "10.0.0.");
        assert_non_null(p);
        p[7] = p[7] == '9' ? '8' : '9';
    }
    add(f, b.data, b.len);
    kz_buf_release(&b);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->a = kz_arena_new(0);
    kz_buf_init(&f->body, 1 << 26);
    kz_fed_key *ka = NULL, *kb = NULL;
    assert_int_equal(kz_fed_key_from_seed(seed_a, &ka), KZ_OK);
    assert_int_equal(kz_fed_key_from_seed(seed_b, &kb), KZ_OK);
    f->trust = kz_fed_trust_new();
    assert_non_null(f->trust);
    assert_int_equal(kz_fed_trust_put(f->trust, "tokyo", kz_fed_key_id(ka)), KZ_OK);
    kz_json *ext = NULL;
    assert_int_equal(kz_fed_sign_ext_objects(f->a, &ext, NULL), KZ_OK);
    kz_buf eb;
    kz_buf_init(&eb, 1 << 20);
    assert_int_equal(kz_json_write(&eb, ext, 0), KZ_OK);
    char text[1024];
    for (size_t i = 0; i < 600; i++) {
        switch (i % K_COUNT) {
        case K_SIGNED_A:
            indicator(text, sizeof text, i, GREEN);
            add_signed(f, text, ka, false);
            break;
        case K_SIGNED_B:
            indicator(text, sizeof text, i, GREEN);
            add_signed(f, text, kb, false);
            break;
        case K_TAMPERED:
            indicator(text, sizeof text, i, GREEN);
            add_signed(f, text, ka, true);
            break;
        case K_UNSIGNED:
            indicator(text, sizeof text, i, GREEN);
            add(f, text, strlen(text));
            break;
        case K_NOT_JSON:
            add(f, "[1,2,3]", 7);
            break;
        case K_NO_ID:
            add(f, "{\"type\":\"indicator\",\"spec_version\":\"2.1\"}", 41);
            break;
        case K_WRONG_TYPE:
            snprintf(text, sizeof text,
                     "{\"type\":\"malware\",\"spec_version\":\"2.1\","
                     "\"id\":\"malware--%08zx-0000-4000-8000-000000000000\","
                     "\"created\":\"2025-01-01T00:00:00.000Z\","
                     "\"modified\":\"2025-01-01T00:00:00.000Z\",\"name\":\"m\","
                     "\"is_family\":false}",
                     i);
            add(f, text, strlen(text));
            break;
        case K_RED:
            indicator(text, sizeof text, i, RED);
            add_signed(f, text, ka, false);
            break;
        case K_EXT_DEF:
            add(f, eb.data, eb.len);
            break;
        }
    }
    kz_buf_release(&eb);
    kz_fed_key_free(ka);
    kz_fed_key_free(kb);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    kz_fed_trust_free(f->trust);
    kz_buf_release(&f->body);
    kz_arena_free(f->a);
    free(f);
    return 0;
}

static fed_page_item *page_items(const fx *f)
{
    fed_page_item *it = calloc(f->n, sizeof *it);
    assert_non_null(it);
    for (size_t i = 0; i < f->n; i++)
        it[i] = (fed_page_item){.data = f->body.data + f->off[i], .len = f->len[i], .index = i};
    return it;
}

static void judge(const fx *f, const kz_fed_sub *s, size_t workers, fed_page_item **out)
{
    fed_pool *p = NULL;
    assert_int_equal(fed_pool_new(workers, &p), KZ_OK);
    assert_int_equal(fed_pool_size(p), workers);
    fed_page_item *it = page_items(f);
    /* twice on the same pool: the second run resets the first's arenas */
    assert_int_equal(fed_pool_run(p, s, f->trust, it, f->n), KZ_OK);
    assert_int_equal(fed_pool_run(p, s, f->trust, it, f->n), KZ_OK);
    /* the verdicts' strings live in the pool: copy what is compared */
    for (size_t i = 0; i < f->n; i++) {
        it[i].msg = it[i].msg ? strdup(it[i].msg) : NULL;
        it[i].ver = it[i].ver ? strdup(it[i].ver) : NULL;
        it[i].so.id = it[i].so.id ? strdup(it[i].so.id) : NULL;
        it[i].so.tlp = it[i].so.tlp ? strdup(it[i].so.tlp) : NULL;
        it[i].sig.signer = it[i].sig.signer ? strdup(it[i].sig.signer) : NULL;
        it[i].sig.key_id = it[i].sig.key_id ? strdup(it[i].sig.key_id) : NULL;
    }
    fed_pool_free(p);
    *out = it;
}

static void items_free(fed_page_item *it, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((void *)it[i].msg);
        free((void *)it[i].ver);
        free((void *)it[i].so.id);
        free((void *)it[i].so.tlp);
        free((void *)it[i].sig.signer);
        free((void *)it[i].sig.key_id);
    }
    free(it);
}

static void assert_str_same(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_same_item(const fed_page_item *a, const fed_page_item *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->verified, b->verified);
    assert_str_same(a->msg, b->msg);
    assert_str_same(a->ver, b->ver);
    assert_str_same(a->so.id, b->so.id);
    assert_str_same(a->so.tlp, b->so.tlp);
    assert_ptr_equal(a->so.json, b->so.json); /* the element's own bytes */
    assert_int_equal(a->so.json_len, b->so.json_len);
    assert_str_same(a->sig.status, b->sig.status);
    assert_str_same(a->sig.signer, b->sig.signer);
    assert_str_same(a->sig.key_id, b->sig.key_id);
    assert_int_equal(a->sig.marked, b->sig.marked);
}

/* What one worker decides for each kind under policy pol. */
static void expect_verdicts(const fed_page_item *it, size_t n, kz_fed_sigpolicy pol)
{
    for (size_t i = 0; i < n; i++) {
        const fed_page_item *x = &it[i];
        assert_int_equal(x->rc, KZ_OK);
        assert_int_equal(x->index, i);
        switch (i % K_COUNT) {
        case K_SIGNED_A:
            assert_int_equal(x->kind, FED_ITEM_KEEP);
            assert_true(x->verified);
            assert_string_equal(x->sig.status, "verified");
            assert_string_equal(x->sig.signer, "tokyo");
            break;
        case K_SIGNED_B:
            assert_false(x->verified);
            if (pol == KZ_FED_SIG_REJECT) {
                assert_int_equal(x->kind, FED_ITEM_REJECTED);
                assert_non_null(strstr(x->msg, "unknown-signer"));
            } else {
                assert_int_equal(x->kind, FED_ITEM_KEEP);
                assert_string_equal(x->sig.status, "unknown-signer");
                assert_true(x->sig.marked);
            }
            break;
        case K_TAMPERED:
            assert_int_equal(x->kind, FED_ITEM_REJECTED);
            assert_non_null(strstr(x->msg, "bad-signature"));
            break;
        case K_UNSIGNED:
            assert_int_equal(x->kind,
                             pol == KZ_FED_SIG_REJECT ? FED_ITEM_REJECTED : FED_ITEM_KEEP);
            break;
        case K_NOT_JSON:
            assert_int_equal(x->kind, FED_ITEM_INVALID);
            assert_non_null(strstr(x->msg, "not a JSON object"));
            break;
        case K_NO_ID:
            assert_int_equal(x->kind, FED_ITEM_INVALID);
            assert_non_null(strstr(x->msg, "invalid, skipped"));
            break;
        case K_WRONG_TYPE:
        case K_RED:
            assert_int_equal(x->kind, FED_ITEM_WITHHELD);
            assert_null(x->msg);
            break;
        case K_EXT_DEF:
            assert_int_equal(x->kind, FED_ITEM_KEEP);
            assert_string_equal(x->sig.status, "unsigned");
            break;
        }
        if (x->msg) {
            char path[64];
            snprintf(path, sizeof path, "$.objects[%zu]", i);
            assert_memory_equal(x->msg, path, strlen(path));
        }
    }
}

static void same_for_every_pool_size(void **state, kz_fed_sigpolicy pol)
{
    fx *f = *state;
    kz_fed_sub s = {.peer = "src", .local = "intel", .remote = "intel",
                    .types = "indicator,extension-definition", .tlp_max = "amber", .sig = pol};
    fed_page_item *one = NULL;
    judge(f, &s, 1, &one);
    expect_verdicts(one, f->n, pol);
    static const size_t sizes[] = {2, 4, 8};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        fed_page_item *many = NULL;
        judge(f, &s, sizes[k], &many);
        for (size_t i = 0; i < f->n; i++)
            assert_same_item(&one[i], &many[i]);
        items_free(many, f->n);
    }
    items_free(one, f->n);
}

static void test_same_verdicts_mark(void **state)
{
    same_for_every_pool_size(state, KZ_FED_SIG_MARK);
}

static void test_same_verdicts_reject(void **state)
{
    same_for_every_pool_size(state, KZ_FED_SIG_REJECT);
}

/* A page smaller than one chunk, and an empty one. */
static void test_small_pages(void **state)
{
    fx *f = *state;
    kz_fed_sub s = {.peer = "src", .local = "intel", .remote = "intel", .sig = KZ_FED_SIG_ACCEPT};
    fed_pool *p = NULL;
    assert_int_equal(fed_pool_new(4, &p), KZ_OK);
    fed_page_item *it = page_items(f);
    assert_int_equal(fed_pool_run(p, &s, f->trust, it, 0), KZ_OK);
    assert_int_equal(fed_pool_run(p, &s, f->trust, it, 3), KZ_OK);
    assert_int_equal(it[0].kind, FED_ITEM_KEEP);
    assert_true(it[0].verified);
    assert_int_equal(it[1].kind, FED_ITEM_KEEP);
    assert_int_equal(it[2].kind, FED_ITEM_REJECTED);
    free(it);
    fed_pool_free(p);
    fed_pool_free(NULL);
}

static void write_conf(const char *dir, const char *text)
{
    char path[300];
    snprintf(path, sizeof path, "%s/kizuna.conf", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_workers_config(void **state)
{
    (void)state;
    char dir[] = "/tmp/kz-pullwork-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char why[256] = "";
    size_t n = 0;
    size_t def = fed_workers_default();
    assert_true(def >= 1 && def <= FED_WORKERS_DEFAULT_MAX);
    assert_int_equal(fed_workers_config(dir, &n, why, sizeof why), KZ_OK); /* no file */
    assert_int_equal(n, def);
    write_conf(dir, "node.org = X\n");
    assert_int_equal(fed_workers_config(dir, &n, why, sizeof why), KZ_OK);
    assert_int_equal(n, def);
    write_conf(dir, "node.org = X\nfed_workers = 3\n");
    assert_int_equal(fed_workers_config(dir, &n, why, sizeof why), KZ_OK);
    assert_int_equal(n, 3);
    write_conf(dir, "fed_workers = 0\n");
    assert_int_not_equal(fed_workers_config(dir, &n, why, sizeof why), KZ_OK);
    assert_string_equal(why, "kizuna.conf:1: fed_workers must be 1..64");
    write_conf(dir, "\nfed_workers = many\n");
    assert_int_not_equal(fed_workers_config(dir, &n, why, sizeof why), KZ_OK);
    assert_string_equal(why, "kizuna.conf:2: fed_workers must be 1..64");
    char path[300];
    snprintf(path, sizeof path, "%s/kizuna.conf", dir);
    unlink(path);
    rmdir(dir);
}

/* Out of memory anywhere in a 4-worker run: no crash or leak, and every
 * item is either KZ_ENOMEM or judged exactly as without the failure. */
static void test_oom_sweep(void **state)
{
    fx *f = *state;
    kz_fed_sub s = {.peer = "src", .local = "intel", .remote = "intel",
                    .types = "indicator,extension-definition", .tlp_max = "amber",
                    .sig = KZ_FED_SIG_MARK};
    size_t n = 2 * K_COUNT; /* every kind, twice */
    fed_page_item *ref = NULL;
    judge(f, &s, 1, &ref);
    bool done = false;
    for (long k = 1; k < 100000 && !done; k += 1 + k / 8) {
        fed_pool *p = NULL;
        fed_page_item *it = page_items(f);
        kz_alloc_fail_after(k, 1);
        kz_err rc = fed_pool_new(4, &p);
        if (!rc)
            rc = fed_pool_run(p, &s, f->trust, it, n);
        long failed = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        if (!rc) {
            for (size_t i = 0; i < n; i++) {
                if (it[i].rc) {
                    assert_int_equal(it[i].rc, KZ_ENOMEM);
                    continue;
                }
                assert_int_equal(it[i].kind, ref[i].kind);
                assert_int_equal(it[i].verified, ref[i].verified);
                assert_str_same(it[i].ver, ref[i].ver);
                assert_str_same(it[i].so.id, ref[i].so.id);
                assert_str_same(it[i].msg, ref[i].msg);
            }
        } else {
            assert_int_equal(rc, KZ_ENOMEM);
            assert_null(p);
        }
        done = failed == 0;
        fed_pool_free(p);
        free(it);
    }
    assert_true(done);
    items_free(ref, f->n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_verdicts_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_verdicts_reject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_pages, setup, teardown),
        cmocka_unit_test(test_workers_config),
        cmocka_unit_test_setup_teardown(test_oom_sweep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
