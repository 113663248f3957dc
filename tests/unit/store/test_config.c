/* test_config.c - unit tests for lib/core/config.c (kizuna.conf): the
 * accepted forms, every error with its line, limits, the typed getters and
 * the write -> parse round trip. Lives with the store's tests because the
 * store owns kizuna.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/config.h"

static kz_config *parse_ok(const char *text)
{
    kz_config *c = NULL;
    kz_config_error e;
    kz_err rc = kz_config_parse(text, strlen(text), &c, &e);
    if (rc)
        fail_msg("'%s': line %zu: %s", text, e.line, e.msg);
    return c;
}

static void test_forms(void **state)
{
    (void)state;
    kz_config *c = parse_ok("# comment\n"
                            "\n"
                            "a = 1\n"
                            "  b.c-d_e=two words  \n"
                            "q = \"  spaced \\\"x\\\" \\\\ \"  # trailing comment\n"
                            "empty =\n"
                            "hash = a # not a comment\r\n"
                            "last = no newline");
    assert_int_equal(kz_config_count(c), 6);
    assert_string_equal(kz_config_get(c, "a"), "1");
    assert_string_equal(kz_config_get(c, "b.c-d_e"), "two words");
    assert_string_equal(kz_config_get(c, "q"), "  spaced \"x\" \\ ");
    assert_string_equal(kz_config_get(c, "empty"), "");
    assert_string_equal(kz_config_get(c, "hash"), "a # not a comment");
    assert_string_equal(kz_config_get(c, "last"), "no newline");
    assert_null(kz_config_get(c, "nope"));
    assert_int_equal(kz_config_line(c, "b.c-d_e"), 4);
    assert_string_equal(kz_config_key_at(c, 0), "a");
    assert_null(kz_config_key_at(c, 6));
    kz_config_free(c);
    kz_config_free(NULL);
}

/* Bad inputs: the error code and the line it names. */
static const struct {
    const char *text;
    kz_err rc;
    size_t line;
} bad[] = {
    {"a = 1\nnot a pair\n", KZ_EPARSE, 2},
    {"= 1\n", KZ_EPARSE, 1},
    {"a b = 1\n", KZ_EPARSE, 1},
    {"a = 1\n\n# x\na = 2\n", KZ_EEXIST, 4},
    {"a = \"open\n", KZ_EPARSE, 1},
    {"a = \"x\" y\n", KZ_EPARSE, 1},
    {"a = \"\\n\"\n", KZ_EPARSE, 1},
    {"k\xc3\xa9y = 1\n", KZ_EPARSE, 1},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1", KZ_ETOOBIG, 1},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kz_config *c = (kz_config *)1;
        kz_config_error e;
        kz_err rc = kz_config_parse(bad[i].text, strlen(bad[i].text), &c, &e);
        if (rc != bad[i].rc || e.line != bad[i].line)
            fail_msg("case %zu: got %s line %zu (%s)", i, kz_errname(rc), e.line, e.msg);
        assert_null(c);
        assert_true(e.msg[0] != '\0');
    }
    /* NUL byte inside a value */
    kz_config *c = NULL;
    kz_config_error e;
    assert_int_equal(kz_config_parse("a = x\0y\n", 8, &c, &e), KZ_EPARSE);
    assert_int_equal(e.line, 1);
}

static void test_limits(void **state)
{
    (void)state;
    /* a value of 1025 bytes */
    char *big = malloc(2000);
    assert_non_null(big);
    memcpy(big, "a = ", 4);
    memset(big + 4, 'x', 1025);
    big[4 + 1025] = '\0';
    kz_config *c = NULL;
    kz_config_error e;
    assert_int_equal(kz_config_parse(big, strlen(big), &c, &e), KZ_ETOOBIG);
    free(big);
    /* 1025 keys */
    size_t cap = 1025 * 16;
    char *many = malloc(cap);
    assert_non_null(many);
    size_t len = 0;
    for (int i = 0; i < 1025; i++)
        len += (size_t)snprintf(many + len, cap - len, "k%d = %d\n", i, i);
    assert_int_equal(kz_config_parse(many, len, &c, &e), KZ_ETOOBIG);
    assert_int_equal(e.line, 1025);
    free(many);
    /* more than 1 MiB */
    assert_int_equal(kz_config_parse("", KZ_CONFIG_MAX_BYTES + 1, &c, &e), KZ_ETOOBIG);
}

static void test_getters(void **state)
{
    (void)state;
    kz_config *c = parse_ok("n = 42\nneg = -5\nbad = 4x\nb1 = Yes\nb2 = off\nb3 = maybe\n");
    int64_t v = 0;
    assert_int_equal(kz_config_get_int(c, "n", 0, 100, 7, &v), KZ_OK);
    assert_int_equal(v, 42);
    assert_int_equal(kz_config_get_int(c, "absent", 0, 100, 7, &v), KZ_OK);
    assert_int_equal(v, 7);
    assert_int_equal(kz_config_get_int(c, "neg", 0, 100, 7, &v), KZ_ERANGE);
    assert_int_equal(kz_config_get_int(c, "bad", 0, 100, 7, &v), KZ_EPARSE);
    bool b = false;
    assert_int_equal(kz_config_get_bool(c, "b1", false, &b), KZ_OK);
    assert_true(b);
    assert_int_equal(kz_config_get_bool(c, "b2", true, &b), KZ_OK);
    assert_false(b);
    assert_int_equal(kz_config_get_bool(c, "b3", true, &b), KZ_EPARSE);
    assert_int_equal(kz_config_set(c, "n", "43"), KZ_OK);
    assert_string_equal(kz_config_get(c, "n"), "43");
    assert_int_equal(kz_config_set(c, "bad key", "1"), KZ_EINVAL);
    assert_int_equal(kz_config_set(c, "k", "two\nlines"), KZ_EINVAL);
    kz_config_free(c);
}

static void test_roundtrip(void **state)
{
    (void)state;
    kz_config *c = parse_ok("a = plain\nb = \" lead\"\nc = \"#hash\"\nd = \"\\\"q\"\ne =\n");
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_config_write(c, &b), KZ_OK);
    kz_config *d = parse_ok(b.data);
    assert_int_equal(kz_config_count(c), kz_config_count(d));
    for (size_t i = 0; i < kz_config_count(c); i++) {
        assert_string_equal(kz_config_key_at(c, i), kz_config_key_at(d, i));
        assert_string_equal(kz_config_value_at(c, i), kz_config_value_at(d, i));
    }
    kz_buf_release(&b);
    kz_config_free(c);
    kz_config_free(d);
}

static void test_oom(void **state)
{
    (void)state;
    const char *text = "a = 1\nb = 2\nc = 3\nd = 4\n";
    /* every allocation failing in turn: an error, never a crash or leak */
    for (long n = 1; n < 20; n++) {
        kz_alloc_fail_after(n, 0);
        kz_config *c = NULL;
        kz_config_error e;
        kz_err rc = kz_config_parse(text, strlen(text), &c, &e);
        kz_alloc_fail_after(0, 0);
        if (rc == KZ_OK) {
            assert_int_equal(kz_config_count(c), 4);
            kz_config_free(c);
        } else {
            assert_int_equal(rc, KZ_ENOMEM);
            assert_null(c);
        }
    }
}

static void test_load(void **state)
{
    (void)state;
    kz_config *c = NULL;
    kz_config_error e;
    assert_int_equal(kz_config_load("/nonexistent/kizuna.conf", &c, &e), KZ_ENOTFOUND);
    char path[] = "/tmp/kz-config-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "store.synchronous = normal\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(kz_config_load(path, &c, &e), KZ_OK);
    assert_string_equal(kz_config_get(c, "store.synchronous"), "normal");
    kz_config_free(c);
    unlink(path);
}

/* A node directory: its kizuna.conf, an empty configuration without one,
 * and the line of a broken one. */
static void test_load_node(void **state)
{
    (void)state;
    char dir[] = "/tmp/kz-config-node-XXXXXX";
    assert_non_null(mkdtemp(dir));
    kz_config *c = NULL;
    kz_config_error e;
    assert_int_equal(kz_config_load_node(dir, &c, &e), KZ_OK);
    assert_non_null(c);
    assert_int_equal(kz_config_count(c), 0);
    kz_config_free(c);

    char path[128];
    snprintf(path, sizeof path, "%s/kizuna.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("node.name = tokyo\nbroken line\n", f);
    fclose(f);
    assert_int_equal(kz_config_load_node(dir, &c, &e), KZ_EPARSE);
    assert_null(c);
    assert_int_equal(e.line, 2);

    f = fopen(path, "w");
    assert_non_null(f);
    fputs("node.name = tokyo\n", f);
    fclose(f);
    assert_int_equal(kz_config_load_node(dir, &c, &e), KZ_OK);
    assert_string_equal(kz_config_get(c, "node.name"), "tokyo");
    kz_config_free(c);

    char longdir[5000];
    memset(longdir, 'a', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = '\0';
    assert_int_equal(kz_config_load_node(longdir, &c, &e), KZ_ETOOBIG);
    assert_null(c);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),  cmocka_unit_test(test_getters),
        cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_oom),
        cmocka_unit_test(test_load),    cmocka_unit_test(test_load_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
