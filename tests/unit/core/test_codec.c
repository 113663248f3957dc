/* test_codec.c - hex digit values and base64/base64url against RFC 4648's
 * test vectors, strictness on bad input, and encode/decode round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/codec.h"

static void test_hex(void **state)
{
    (void)state;
    assert_int_equal(kz_hex_value('0'), 0);
    assert_int_equal(kz_hex_value('9'), 9);
    assert_int_equal(kz_hex_value('a'), 10);
    assert_int_equal(kz_hex_value('F'), 15);
    assert_int_equal(kz_hex_value('g'), -1);
    assert_int_equal(kz_hex_value('/'), -1);
    assert_int_equal(kz_hex_value(0), -1);
}

/* RFC 4648 section 10. */
static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const b64[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

static void test_rfc4648(void **state)
{
    (void)state;
    for (size_t i = 0; i < 7; i++) {
        char enc[32];
        size_t n = kz_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), false, true, enc,
                                    sizeof enc);
        assert_int_equal(n, strlen(b64[i]));
        assert_string_equal(enc, b64[i]);
        uint8_t dec[32];
        size_t m = 99;
        assert_int_equal(kz_base64_decode(b64[i], strlen(b64[i]), false, true, dec, sizeof dec, &m),
                         KZ_OK);
        assert_int_equal(m, strlen(plain[i]));
        assert_memory_equal(dec, plain[i], m);
        /* unpadded base64url of the same bytes */
        n = kz_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), true, false, enc, sizeof enc);
        assert_int_equal(kz_base64_decode(enc, n, true, false, dec, sizeof dec, &m), KZ_OK);
        assert_int_equal(m, strlen(plain[i]));
    }
}

static void test_strict(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    static const char *const bad[] = {"Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm 9v", "Zm9v====",
                                      "-_==", "Zg=a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (kz_base64_decode(bad[i], strlen(bad[i]), false, true, out, sizeof out, &n) == KZ_OK)
            fail_msg("'%s' should be rejected", bad[i]);
    assert_int_equal(kz_base64_decode("-_8", 3, true, false, out, sizeof out, &n), KZ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0xfb);
    assert_int_equal(out[1], 0xff);
    assert_int_equal(kz_base64_decode("Z", 1, true, false, out, sizeof out, &n), KZ_EPARSE);
    assert_int_equal(kz_base64_decode("Zm9vYmFy", 8, false, true, out, 5, &n), KZ_ETOOBIG);
    char small[4];
    assert_int_equal(kz_base64_encode((const uint8_t *)"foo", 3, false, true, small, sizeof small), 0);
}

static void test_roundtrip(void **state)
{
    (void)state;
    uint8_t in[256], out[256];
    char enc[400];
    for (size_t len = 0; len < sizeof in; len++) {
        for (size_t i = 0; i < len; i++)
            in[i] = (uint8_t)(i * 37 + len);
        for (int v = 0; v < 4; v++) {
            bool url = v & 1, pad = v & 2;
            size_t n = kz_base64_encode(in, len, url, pad, enc, sizeof enc);
            size_t m;
            assert_int_equal(kz_base64_decode(enc, n, url, pad, out, sizeof out, &m), KZ_OK);
            assert_int_equal(m, len);
            assert_memory_equal(in, out, len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_rfc4648),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
