/* test_request.c - lib/http's socket-free half: query-string and path
 * decoding (with bad escapes and caps), header and argument lookups,
 * response headers; and the self-signed certificate maker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/file.h"
#include "kizuna/http.h"

static void test_query(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_http_kv *kv;
    size_t n;
    const char *q = "match%5Btype%5D=indicator,malware&limit=10&&flag&x=a+b%20c&added_after=";
    assert_int_equal(kz_http_query_parse(a, q, strlen(q), 16, &kv, &n), KZ_OK);
    assert_int_equal(n, 5);
    assert_string_equal(kv[0].name, "match[type]");
    assert_string_equal(kv[0].value, "indicator,malware");
    assert_string_equal(kv[1].name, "limit");
    assert_string_equal(kv[2].name, "flag");
    assert_string_equal(kv[2].value, "");
    assert_string_equal(kv[3].value, "a b c");
    assert_string_equal(kv[4].value, "");
    kz_http_request r = {.query = kv, .n_query = n};
    size_t count;
    assert_string_equal(kz_http_query_get(&r, "limit", &count), "10");
    assert_int_equal(count, 1);
    assert_null(kz_http_query_get(&r, "next", &count));
    assert_int_equal(count, 0);
    /* bad escapes, decoded NUL, too many pairs */
    static const char *const bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "%=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(kz_http_query_parse(a, bad[i], strlen(bad[i]), 16, &kv, &n), KZ_EPARSE);
    assert_int_equal(kz_http_query_parse(a, "a&b&c", 5, 2, &kv, &n), KZ_ETOOBIG);
    assert_int_equal(kz_http_query_parse(a, "", 0, 2, &kv, &n), KZ_OK);
    assert_int_equal(n, 0);
    char *p;
    assert_int_equal(kz_http_path_decode(a, "/a%2Fb+c/", 9, &p), KZ_OK);
    assert_string_equal(p, "/a/b+c/");
    kz_arena_free(a);
}

static void test_headers(void **state)
{
    (void)state;
    kz_http_kv h[] = {{"Accept", "x"}, {"content-type", "y"}, {"ACCEPT", "z"}};
    kz_http_request r = {.headers = h, .n_headers = 3};
    assert_string_equal(kz_http_header(&r, "accept"), "x");
    assert_string_equal(kz_http_header(&r, "Content-Type"), "y");
    assert_null(kz_http_header(&r, "Authorization"));
    kz_http_response resp;
    memset(&resp, 0, sizeof resp);
    for (int i = 0; i < KZ_HTTP_RESP_HEADERS; i++)
        assert_int_equal(kz_http_response_header(&resp, "X", "y"), KZ_OK);
    assert_int_equal(kz_http_response_header(&resp, "X", "y"), KZ_ETOOBIG);
}

static void test_cert(void **state)
{
    (void)state;
    char dir[] = "/tmp/kz-http-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cert[64], key[64];
    snprintf(cert, sizeof cert, "%s/c.pem", dir);
    snprintf(key, sizeof key, "%s/k.pem", dir);
    assert_int_equal(kz_http_tls_make_cert(cert, key, "node.example", "node.example", 30), KZ_OK);
    assert_int_equal(kz_http_tls_make_cert(cert, key, "x", NULL, 30), KZ_EEXIST);
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 077, 0); /* the key is private */
    char *pem = NULL;
    size_t len = 0;
    assert_int_equal(kz_file_read(cert, 1 << 20, &pem, &len, NULL, 0), KZ_OK);
    char fp[KZ_HTTP_FPR_HEX], fp2[KZ_HTTP_FPR_HEX];
    assert_int_equal(kz_http_tls_fingerprint_pem(pem, len, fp), KZ_OK);
    assert_int_equal(strlen(fp), 64);
    assert_int_equal(kz_http_tls_fingerprint_pem(pem, len, fp2), KZ_OK);
    assert_string_equal(fp, fp2);
    assert_int_equal(kz_http_tls_fingerprint_pem("junk", 4, fp), KZ_EPARSE);
    kz_free(pem);
    assert_int_equal(kz_file_read(cert, 10, &pem, &len, NULL, 0), KZ_ETOOBIG);
    assert_int_equal(kz_file_read("/nonexistent/x", 10, &pem, &len, NULL, 0), KZ_ENOTFOUND);
    unlink(cert);
    unlink(key);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_cert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
