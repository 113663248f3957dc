/* test_sighting.c - unit tests for lib/match/sighting.c and output.c: hits
 * aggregated per indicator (count, first/last seen, values kept for
 * observed-data), the bundle's objects and references, the node identity's
 * deterministic id, strict STIX validity, the JSON hit line, and
 * out-of-memory sweeps over both. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/diag.h"
#include "kizuna/json.h"
#include "kizuna/match_log.h"
#include "kizuna/stix.h"

static kz_match_set *load_set(void)
{
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(NULL, &b), KZ_OK);
    int fd = open("tests/data/match/logs/indicators.json", O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(kz_match_builder_add_fd(b, fd, NULL, 0), KZ_OK);
    close(fd);
    kz_match_set *m = NULL;
    assert_int_equal(kz_match_builder_finish(b, &m), KZ_OK);
    return m;
}

static kz_time at(int64_t sec)
{
    kz_time t = {sec, 0, 3};
    return t;
}

/* The index of the indicator with this id in the set. */
static uint32_t index_of(const kz_match_set *m, const char *id)
{
    char buf[KZ_MATCH_ID_MAX];
    for (uint32_t i = 0; i < kz_match_indicator_count(m); i++)
        if (kz_match_indicator_id(m, i, buf) && strcmp(buf, id) == 0)
            return i;
    fail_msg("no %s in the set", id);
    return 0;
}

static const kz_json *find(const kz_json *objs, const char *type, const char *key, const char *val)
{
    for (size_t i = 0; i < objs->u.arr.n; i++) {
        const kz_json *o = objs->u.arr.items[i];
        const char *t = kz_json_get_string(o, "type");
        const char *v = key ? kz_json_get_string(o, key) : "";
        if (t && strcmp(t, type) == 0 && v && (!val || strcmp(v, val) == 0))
            return o;
    }
    return NULL;
}

static void test_bundle(void **state)
{
    (void)state;
    kz_match_set *m = load_set();
    uint32_t ip = index_of(m, "indicator--00000000-0000-4000-8000-000000000001");
    uint32_t dom = index_of(m, "indicator--00000000-0000-4000-8000-000000000005");
    kz_match_sightings *s = NULL;
    assert_int_equal(kz_match_sightings_new(&s), KZ_OK);
    kz_time t1 = at(1714557600), t2 = at(1714557700), t0 = at(1714550000);
    assert_int_equal(kz_match_sightings_add(s, ip, &t1, KZ_MATCH_IPV4, "198.51.100.7", 12), KZ_OK);
    assert_int_equal(kz_match_sightings_add(s, ip, &t2, KZ_MATCH_IPV4, "198.51.100.7", 12), KZ_OK);
    assert_int_equal(kz_match_sightings_add(s, ip, &t0, KZ_MATCH_IPV4, "198.51.100.7", 12), KZ_OK);
    assert_int_equal(kz_match_sightings_add(s, dom, &t1, KZ_MATCH_DOMAIN, "evil.example.com", 16),
                     KZ_OK);
    assert_int_equal(kz_match_sightings_count(s), 2);

    kz_match_sighting_opts o = {.identity_name = "SOC Tokyo", .observed_data = true,
                                .now = at(1714600000)};
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_match_sightings_bundle(s, m, &o, &b), KZ_OK);
    kz_arena *a = kz_arena_new(0);
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(a, b.data, b.len, NULL, &v, NULL), KZ_OK);
    const kz_json *objs = kz_json_get(v, "objects");
    assert_non_null(objs);
    /* identity, 2 SCOs, 2 observed-data, 2 sightings */
    assert_int_equal(objs->u.arr.n, 7);
    char ident[64];
    kz_match_identity_id("SOC Tokyo", ident, sizeof ident);
    const kz_json *id = find(objs, "identity", "id", ident);
    assert_non_null(id);
    assert_string_equal(kz_json_get_string(id, "name"), "SOC Tokyo");
    const kz_json *sg = find(objs, "sighting", "sighting_of_ref",
                             "indicator--00000000-0000-4000-8000-000000000001");
    assert_non_null(sg);
    int64_t count = 0;
    assert_true(kz_json_int(kz_json_get(sg, "count"), &count));
    assert_int_equal(count, 3);
    assert_string_equal(kz_json_get_string(sg, "first_seen"), "2024-05-01T07:53:20.000Z");
    assert_string_equal(kz_json_get_string(sg, "last_seen"), "2024-05-01T10:01:40.000Z");
    assert_string_equal(kz_json_get_string(sg, "created"), "2024-05-01T21:46:40.000Z");
    const kz_json *where = kz_json_get(sg, "where_sighted_refs");
    assert_int_equal(where->u.arr.n, 1);
    assert_string_equal(kz_json_string(where->u.arr.items[0]), ident);
    const kz_json *od = kz_json_get(sg, "observed_data_refs");
    assert_non_null(od);
    const kz_json *odo = find(objs, "observed-data", "id", kz_json_string(od->u.arr.items[0]));
    assert_non_null(odo);
    const kz_json *refs = kz_json_get(odo, "object_refs");
    const kz_json *sco = find(objs, "ipv4-addr", "id", kz_json_string(refs->u.arr.items[0]));
    assert_non_null(sco);
    assert_string_equal(kz_json_get_string(sco, "value"), "198.51.100.7");
    /* every object validates strictly */
    kz_stix_opts so = {.strict = true};
    for (size_t i = 0; i < objs->u.arr.n; i++) {
        kz_diag d;
        kz_diag_init(&d, 10);
        assert_int_equal(kz_stix_validate_object(objs->u.arr.items[i], NULL, &so, &d), KZ_OK);
        if (d.n_errors || d.n_warnings)
            fail_msg("object %zu is not strictly valid", i);
        kz_diag_release(&d);
    }
    kz_arena_free(a);
    kz_buf_release(&b);

    /* the same name gives the same identity id; another name another one */
    char again[64], other[64];
    kz_match_identity_id("SOC Tokyo", again, sizeof again);
    kz_match_identity_id("SOC Washington", other, sizeof other);
    assert_string_equal(ident, again);
    assert_string_not_equal(ident, other);
    assert_int_equal(strncmp(ident, "identity--", 10), 0);

    o.identity_name = "";
    assert_int_equal(kz_match_sightings_bundle(s, m, &o, &b), KZ_EINVAL);
    kz_match_sightings_free(s);
    kz_match_set_free(m);
}

static void test_hit_json(void **state)
{
    (void)state;
    kz_match_field f = {.kind = KZ_MATCH_DOMAIN, .value = "EVIL.example.com", .len = 16};
    const char *names[] = {"dns.rrname"};
    kz_logrec r = {.source = "a\"b.json", .line = 7, .has_time = true, .time = at(1714557600),
                   .fields = &f, .names = names, .n_fields = 1};
    kz_match_hit h = {.indicator = 0, .field = 0, .kind = KZ_MATCH_DOMAIN,
                      .value = "evil.example.com", .value_len = 16};
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_match_hit_json(&b, &r, &h, "indicator--x", 12, "n\n", 2), KZ_OK);
    assert_string_equal(b.data, "{\"file\":\"a\\\"b.json\",\"line\":7,\"time\":\"2024-05-01T10:00:00.000Z\","
                                "\"field\":\"dns.rrname\",\"type\":\"domain-name\",\"value\":"
                                "\"evil.example.com\",\"indicator\":\"indicator--x\",\"name\":\"n\\n\"}\n");
    kz_buf_reset(&b);
    r.has_time = false;
    h.field = KZ_MATCH_FIELD_RECORD;
    h.kind = KZ_MATCH_OTHER;
    assert_int_equal(kz_match_hit_json(&b, &r, &h, "indicator--x", 12, NULL, 0), KZ_OK);
    assert_string_equal(b.data, "{\"file\":\"a\\\"b.json\",\"line\":7,\"field\":\"record\",\"type\":"
                                "\"record\",\"indicator\":\"indicator--x\",\"name\":\"\"}\n");
    kz_buf_release(&b);
}

static void test_oom(void **state)
{
    (void)state;
    kz_match_set *m = load_set();
    kz_match_sighting_opts o = {.identity_name = "n", .observed_data = true};
    for (long i = 1; i < 200; i++) {
        kz_alloc_fail_after(i, 0);
        kz_match_sightings *s = NULL;
        kz_err rc = kz_match_sightings_new(&s);
        kz_time t = at(1);
        for (uint32_t k = 0; !rc && k < 3; k++)
            rc = kz_match_sightings_add(s, k, &t, KZ_MATCH_IPV4, "192.0.2.1", 9);
        kz_buf b;
        kz_buf_init(&b, 0);
        if (!rc)
            rc = kz_match_sightings_bundle(s, m, &o, &b);
        kz_alloc_fail_after(0, 0);
        assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
        kz_buf_release(&b);
        kz_match_sightings_free(s);
    }
    kz_match_set_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_hit_json),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
