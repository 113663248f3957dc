/* test_uuid.c - unit tests for lib/core/uuid.c. The v5 expectations were
 * computed independently with util-linux's uuidgen, e.g.
 *   uuidgen --sha1 --namespace 00abedb4-aa42-466c-9c01-fed23315a9b7 \
 *           --name '{"value":"example.com"}'
 * and cross-checked with Python's uuid.uuid5; the first one is also the
 * published STIX 2.1 example id domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/uuid.h"

static void test_namespace_constant(void **state)
{
    (void)state;
    char buf[KZ_UUID_STR];
    kz_uuid_format(&KZ_UUID_STIX_NAMESPACE, buf);
    assert_string_equal(buf, "00abedb4-aa42-466c-9c01-fed23315a9b7");
    assert_int_equal(kz_uuid_version(&KZ_UUID_STIX_NAMESPACE), 4);
    assert_true(kz_uuid_is_rfc4122(&KZ_UUID_STIX_NAMESPACE));
}

static const struct {
    const char *name;
    const char *expect;
} v5_cases[] = {
    {"{\"value\":\"example.com\"}", "bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
    {"{\"value\":\"control.example.com\"}", "427e3664-0043-5865-b454-97df26649bde"},
    {"{\"value\":\"198.51.100.8\"}", "6c83081b-13af-5e30-ba30-6f401772a083"},
    {"{\"value\":\"127.0.0.1\"}", "679c6c82-b4be-52e2-9c7a-198689f6f77b"},
    {"{\"value\":\"\xe4\xbe\x8b\xe3\x81\x88.jp\"}", "23e4afa5-dfcd-52bd-87a6-10a971d48a94"},
    {"{\"hashes\":{\"SHA-256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
     "\"}}",
     "22f8ff52-8f62-5f03-a53a-6f50f54fd74c"},
    {"", "541cb4a8-fbf0-5832-816e-d17fd10b36c4"},
};

static void test_v5_oracle(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof v5_cases / sizeof v5_cases[0]; i++) {
        kz_uuid u;
        char buf[KZ_UUID_STR];
        kz_uuid_v5(&KZ_UUID_STIX_NAMESPACE, v5_cases[i].name, strlen(v5_cases[i].name), &u);
        kz_uuid_format(&u, buf);
        assert_string_equal(buf, v5_cases[i].expect);
        assert_int_equal(kz_uuid_version(&u), 5);
        assert_true(kz_uuid_is_rfc4122(&u));
    }
}

/* RFC 4122's own DNS namespace example, uuid5(NAMESPACE_DNS, "python.org"):
 * the namespace is an argument, not hard-wired. */
static void test_v5_other_namespace(void **state)
{
    (void)state;
    kz_uuid dns, u;
    char buf[KZ_UUID_STR];
    assert_int_equal(kz_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8", 36, &dns), KZ_OK);
    kz_uuid_v5(&dns, "python.org", 10, &u);
    kz_uuid_format(&u, buf);
    assert_string_equal(buf, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    /* Name bytes count, not a C string: an embedded NUL changes the id. */
    kz_uuid a, b;
    kz_uuid_v5(&KZ_UUID_STIX_NAMESPACE, "a\0b", 3, &a);
    kz_uuid_v5(&KZ_UUID_STIX_NAMESPACE, "a", 1, &b);
    assert_memory_not_equal(a.b, b.b, 16);
}

static void test_v4(void **state)
{
    (void)state;
    kz_uuid prev = {{0}};
    unsigned ones[128] = {0};
    const int rounds = 256;
    for (int i = 0; i < rounds; i++) {
        kz_uuid u;
        assert_int_equal(kz_uuid_v4(&u), KZ_OK);
        assert_int_equal(u.b[6] >> 4, 4);
        assert_int_equal(kz_uuid_version(&u), 4);
        assert_int_equal(u.b[8] & 0xc0, 0x80);
        assert_true(kz_uuid_is_rfc4122(&u));
        assert_memory_not_equal(u.b, prev.b, 16);
        prev = u;
        for (int bit = 0; bit < 128; bit++)
            ones[bit] += (u.b[bit / 8] >> (7 - bit % 8)) & 1;
        char buf[KZ_UUID_STR];
        kz_uuid back;
        kz_uuid_format(&u, buf);
        assert_int_equal(kz_uuid_parse(buf, 36, &back), KZ_OK);
        assert_memory_equal(back.b, u.b, 16);
    }
    /* Every one of the 122 random bits takes both values over 256 draws
     * (the chance that an honest bit does not is 2^-255). */
    for (int bit = 0; bit < 128; bit++) {
        int fixed = (bit >= 48 && bit < 52) || bit == 64 || bit == 65;
        if (!fixed) {
            assert_true(ones[bit] > 0);
            assert_true(ones[bit] < (unsigned)rounds);
        }
    }
}

static void test_parse_format(void **state)
{
    (void)state;
    kz_uuid u;
    char buf[KZ_UUID_STR];
    assert_int_equal(kz_uuid_parse("BEDB4899-D24B-5401-BC86-8F6B4CC18EC7", 36, &u), KZ_OK);
    kz_uuid_format(&u, buf);
    assert_string_equal(buf, "bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
    assert_int_equal(strlen(buf), 36);
    assert_int_equal(u.b[0], 0xbe);
    assert_int_equal(u.b[15], 0xc7);
    assert_int_equal(kz_uuid_parse("00000000-0000-0000-0000-000000000000", 36, &u), KZ_OK);
    assert_int_equal(kz_uuid_version(&u), 0);
    assert_false(kz_uuid_is_rfc4122(&u));
    assert_int_equal(kz_uuid_parse("ffffffff-ffff-ffff-ffff-ffffffffffff", 36, &u), KZ_OK);
    assert_false(kz_uuid_is_rfc4122(&u)); /* variant 111 */
    assert_int_equal(kz_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8", 36, &u), KZ_OK);
    assert_int_equal(kz_uuid_version(&u), 1);
    assert_true(kz_uuid_is_rfc4122(&u));
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "bedb4899-d24b-5401-bc86-8f6b4cc18ec",    /* 35 */
        "bedb4899-d24b-5401-bc86-8f6b4cc18ec77",  /* 37 */
        "bedb4899d24b-5401-bc86-8f6b4cc18ec7a",   /* hyphen moved */
        "bedb4899-d24b-5401-bc86_8f6b4cc18ec7",
        "bedb4899-d24b-5401-bc86-8f6b4cc18ecg",
        "{edb4899-d24b-5401-bc86-8f6b4cc18ec7",
        "bedb4899-d24b-54 1-bc86-8f6b4cc18ec7",
        "bedb4899-d24b-5401-bc86-8f6b4cc18ec\xc7",
        "bedb4899d24b5401bc868f6b4cc18ec7",       /* no hyphens */
        "{bedb4899-d24b-5401-bc86-8f6b4cc18ec7}",
        "-bedb489-d24b-5401-bc86-8f6b4cc18ec7",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_uuid u = {{0xaa}};
        kz_err rc = kz_uuid_parse(cases[i], strlen(cases[i]), &u);
        if (rc != KZ_EPARSE)
            fail_msg("'%s': expected KZ_EPARSE, got %s", cases[i], kz_errname(rc));
        assert_int_equal(u.b[0], 0xaa); /* untouched */
    }
    kz_uuid u;
    assert_int_equal(kz_uuid_parse(NULL, 36, &u), KZ_EPARSE);
    /* The length given is what counts, not a NUL. */
    assert_int_equal(kz_uuid_parse("bedb4899-d24b-5401-bc86-8f6b4cc18ec7xyz", 36, &u), KZ_OK);
    assert_int_equal(kz_uuid_parse("bedb4899-d24b-5401-bc86-8f6b4cc18ec7", 35, &u), KZ_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namespace_constant), cmocka_unit_test(test_v5_oracle),
        cmocka_unit_test(test_v5_other_namespace), cmocka_unit_test(test_v4),
        cmocka_unit_test(test_parse_format),       cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
