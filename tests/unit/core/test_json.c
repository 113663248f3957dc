/* test_json.c - the JSON parser, builder and writer: accept/reject cases
 * from tests/data/json (y_* must parse, n_* must fail), error positions,
 * round trips, RFC 8785 canonical output, and out-of-memory sweeps. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/json.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static kz_err parse_str(kz_arena *a, const char *s, kz_json **out, kz_json_error *err)
{
    return kz_json_parse(a, s, strlen(s), NULL, out, err);
}

static void test_case_files(void **state)
{
    (void)state;
    DIR *d = opendir("tests/data/json");
    assert_non_null(d);
    struct dirent *e;
    int yes = 0, no = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != 'y' && e->d_name[0] != 'n')
            continue;
        char path[512];
        snprintf(path, sizeof path, "tests/data/json/%s", e->d_name);
        size_t len = 0;
        char *buf = slurp(path, &len);
        assert_non_null(buf);
        kz_arena *a = kz_arena_new(0);
        kz_json *v;
        kz_json_error err;
        kz_err rc = kz_json_parse(a, buf, len, NULL, &v, &err);
        if (e->d_name[0] == 'y') {
            if (rc != KZ_OK)
                fail_msg("%s should parse: %s at %zu", e->d_name, err.msg, err.offset);
            /* round trip: write, parse again, compare */
            kz_buf b;
            kz_buf_init(&b, 0);
            assert_int_equal(kz_json_write(&b, v, 0), KZ_OK);
            kz_json *v2;
            assert_int_equal(kz_json_parse(a, b.data, b.len, NULL, &v2, NULL), KZ_OK);
            assert_true(kz_json_equal(v, v2));
            kz_buf_release(&b);
            yes++;
        } else {
            if (rc == KZ_OK)
                fail_msg("%s should be rejected", e->d_name);
            assert_true(err.msg[0] != '\0');
            assert_true(err.offset <= len);
            no++;
        }
        kz_arena_free(a);
        free(buf);
    }
    closedir(d);
    assert_true(yes >= 10);
    assert_true(no >= 25);
}

static void test_error_position(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *v;
    kz_json_error err;
    assert_int_equal(parse_str(a, "{\n  \"a\": 1,\n  \"b\": tru\n}", &v, &err), KZ_EPARSE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 8);
    assert_int_equal(err.offset, 19);
    assert_int_equal(parse_str(a, "{\"a\":1,\"a\":2}", &v, &err), KZ_EPARSE);
    assert_non_null(strstr(err.msg, "duplicate"));
    kz_arena_free(a);
}

static void test_limits(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *v;
    kz_json_error err;
    kz_json_limits lim = {.max_depth = 3, .max_string = 4, .max_members = 2};
    const char *deep = "[[[[1]]]]";
    assert_int_equal(kz_json_parse(a, deep, strlen(deep), &lim, &v, &err), KZ_EDEPTH);
    const char *longs = "[\"abcde\"]";
    assert_int_equal(kz_json_parse(a, longs, strlen(longs), &lim, &v, &err), KZ_ETOOBIG);
    const char *many = "[1,2,3]";
    assert_int_equal(kz_json_parse(a, many, strlen(many), &lim, &v, &err), KZ_ETOOBIG);
    const char *ok = "[[1,2]]";
    assert_int_equal(kz_json_parse(a, ok, strlen(ok), &lim, &v, &err), KZ_OK);
    kz_arena_free(a);
}

static void test_access(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *v;
    assert_int_equal(parse_str(a, "{\"type\":\"indicator\",\"confidence\":85,\"x\":1.5,\"big\":1e3,"
                                  "\"s\":\"a\\u0000b\"}", &v, NULL), KZ_OK);
    assert_string_equal(kz_json_get_string(v, "type"), "indicator");
    int64_t i;
    assert_true(kz_json_int(kz_json_get(v, "confidence"), &i));
    assert_int_equal(i, 85);
    assert_false(kz_json_int(kz_json_get(v, "x"), &i));
    assert_false(kz_json_int(kz_json_get(v, "big"), &i)); /* written with an exponent */
    assert_null(kz_json_get(v, "missing"));
    assert_int_equal(kz_json_get(v, "s")->u.str.len, 3); /* embedded NUL kept */
    assert_string_equal(kz_json_type_name(kz_json_get(v, "x")), "number");
    kz_arena_free(a);
}

static char *write_str(const kz_json *v, int flags)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_json_write(&b, v, flags), KZ_OK);
    return kz_buf_detach(&b, NULL);
}

static void test_canonical(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *v;
    /* RFC 8785 appendix-style cases: key order by UTF-16 units, ES6 numbers, minimal escapes. */
    assert_int_equal(parse_str(a, "{\"b\":2,\"a\":1,\"\\u20ac\":3,\"\\ud83d\\ude00\":4,\"\\ufb33\":5,"
                                  "\"n\":[1.0,1e21,1e-7,0.000001,-0,123.456,1E2,5e-324],"
                                  "\"s\":\"\\u00e9\\n\\u001f/\"}", &v, NULL), KZ_OK);
    char *out = write_str(v, KZ_JSON_CANONICAL);
    assert_string_equal(out, "{\"a\":1,\"b\":2,\"n\":[1,1e+21,1e-7,0.000001,0,123.456,100,5e-324],"
                             "\"s\":\"\xc3\xa9\\n\\u001f/\",\"\xe2\x82\xac\":3,"
                             "\"\xf0\x9f\x98\x80\":4,\"\xef\xac\xb3\":5}");
    free(out);
    kz_arena_free(a);
}

static void test_build_and_pretty(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *o = kz_json_new_object(a);
    kz_json *arr = kz_json_new_array(a);
    for (int i = 0; i < 20; i++)
        assert_int_equal(kz_json_array_push(a, arr, kz_json_new_int(a, i)), KZ_OK);
    for (int i = 0; i < 20; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(kz_json_object_set(a, o, k, kz_json_new_bool(a, i % 2)), KZ_OK);
    }
    assert_int_equal(kz_json_object_set(a, o, "arr", arr), KZ_OK);
    assert_int_equal(kz_json_object_set(a, o, "k3", kz_json_new_string(a, "replaced")), KZ_OK);
    assert_true(kz_json_object_remove(o, "k0"));
    assert_false(kz_json_object_remove(o, "k0"));
    assert_int_equal(o->u.obj.n, 20);
    assert_string_equal(kz_json_get_string(o, "k3"), "replaced");
    char *compact = write_str(o, 0);
    char *pretty = write_str(o, KZ_JSON_PRETTY);
    kz_json *p1, *p2;
    assert_int_equal(parse_str(a, compact, &p1, NULL), KZ_OK);
    assert_int_equal(parse_str(a, pretty, &p2, NULL), KZ_OK);
    assert_true(kz_json_equal(p1, p2));
    assert_true(kz_json_equal(p1, o));
    kz_json *c = kz_json_clone(a, p1);
    assert_true(kz_json_equal(c, p1));
    assert_int_equal(kz_json_object_set(a, c, "new", kz_json_new_null(a)), KZ_OK);
    assert_false(kz_json_equal(c, p1));
    free(compact);
    free(pretty);
    kz_arena_free(a);
}

static void test_ascii_output(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *v;
    assert_int_equal(parse_str(a, "[\"\xe6\x97\xa5\xf0\x9f\x98\x80\"]", &v, NULL), KZ_OK);
    char *out = write_str(v, KZ_JSON_ASCII);
    assert_string_equal(out, "[\"\\u65e5\\ud83d\\ude00\"]");
    free(out);
    kz_arena_free(a);
}

static void test_buffer_cap(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *v;
    assert_int_equal(parse_str(a, "[\"0123456789012345678901234567890123456789\"]", &v, NULL), KZ_OK);
    kz_buf b;
    kz_buf_init(&b, 16);
    assert_int_equal(kz_buf_append_str(&b, "ab"), KZ_OK);
    assert_int_equal(kz_json_write(&b, v, 0), KZ_ETOOBIG);
    assert_int_equal(b.len, 2); /* left as it was */
    assert_string_equal(b.data, "ab");
    kz_buf_release(&b);
    kz_arena_free(a);
}

static void test_buf_uint(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_buf_append_uint(&b, 0), KZ_OK);
    assert_int_equal(kz_buf_append_char(&b, ' '), KZ_OK);
    assert_int_equal(kz_buf_append_uint(&b, 1234567890), KZ_OK);
    assert_int_equal(kz_buf_append_char(&b, ' '), KZ_OK);
    assert_int_equal(kz_buf_append_uint(&b, UINT64_MAX), KZ_OK);
    assert_string_equal(b.data, "0 1234567890 18446744073709551615");
    kz_buf_release(&b);
    kz_buf_init(&b, 4); /* a capped buffer is left as it was */
    assert_int_equal(kz_buf_append_str(&b, "ab"), KZ_OK);
    assert_int_equal(kz_buf_append_uint(&b, 123), KZ_ETOOBIG);
    assert_string_equal(b.data, "ab");
    kz_buf_release(&b);
}

/* Out of memory is an error, never a crash: fail the Nth allocation for
 * every N until the parse succeeds. */
static void test_oom_sweep(void **state)
{
    (void)state;
    const char *doc = "{\"objects\":[{\"type\":\"indicator\",\"name\":\"x\",\"labels\":[\"a\",\"b\"],"
                      "\"n\":1.5}],\"k\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
                      "23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,"
                      "49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66]}";
    int succeeded = 0;
    for (long n = 1; n < 200 && !succeeded; n++) {
        kz_arena *a = kz_arena_new(256);
        if (!a)
            continue;
        kz_alloc_fail_after(n, 1);
        kz_json *v;
        kz_err rc = kz_json_parse(a, doc, strlen(doc), NULL, &v, NULL);
        kz_alloc_fail_after(0, 0);
        if (rc == KZ_OK)
            succeeded = 1;
        else
            assert_int_equal(rc, KZ_ENOMEM);
        kz_arena_free(a);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_files),   cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_limits),       cmocka_unit_test(test_access),
        cmocka_unit_test(test_canonical),    cmocka_unit_test(test_build_and_pretty),
        cmocka_unit_test(test_ascii_output), cmocka_unit_test(test_buffer_cap),
        cmocka_unit_test(test_buf_uint),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
