/* test_account.c - accounts and tokens in a scratch database: add, check
 * (Basic name+token, Bearer token, client-certificate binding), rotate,
 * remove, changes made by another connection, and failure throttling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/auth.h"

typedef struct fx {
    char dir[64];
    char db[128];
    kz_auth *au;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/kz-auth-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/kizuna.db", f->dir);
    char err[256];
    if (kz_auth_open(f->db, &f->au, err, sizeof err) != KZ_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    kz_auth_close(f->au);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static kz_account mk(const char *name, const char *org)
{
    kz_account a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "%s", name);
    snprintf(a.org, sizeof a.org, "%s", org);
    snprintf(a.read, sizeof a.read, "*");
    a.tlp_max = KZ_TLP_RED;
    return a;
}

static void test_add_check(void **state)
{
    fx *f = *state;
    kz_account a = mk("alice", "CERT-A"), got;
    snprintf(a.write, sizeof a.write, "intel,feeds");
    a.partner = true;
    a.tlp_max = KZ_TLP_AMBER;
    char tok[KZ_AUTH_TOKEN_STR], tok2[KZ_AUTH_TOKEN_STR];
    assert_int_equal(kz_auth_account_add(f->au, &a, tok), KZ_OK);
    assert_int_equal(strlen(tok), 46);
    assert_memory_equal(tok, "kz_", 3);
    assert_int_equal(kz_auth_account_add(f->au, &a, tok2), KZ_EEXIST);
    assert_int_equal(kz_auth_check(f->au, "alice", tok, NULL, &got), KZ_OK);
    assert_string_equal(got.org, "CERT-A");
    assert_string_equal(got.write, "intel,feeds");
    assert_true(got.partner);
    assert_int_equal(got.tlp_max, KZ_TLP_AMBER);
    /* Bearer: no name */
    assert_int_equal(kz_auth_check(f->au, NULL, tok, NULL, &got), KZ_OK);
    assert_string_equal(got.name, "alice");
    /* wrong name, wrong token, truncated token */
    assert_int_equal(kz_auth_check(f->au, "bob", tok, NULL, &got), KZ_EAUTH);
    char bad[KZ_AUTH_TOKEN_STR];
    memcpy(bad, tok, sizeof bad);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_int_equal(kz_auth_check(f->au, "alice", bad, NULL, &got), KZ_EAUTH);
    bad[10] = '\0';
    assert_int_equal(kz_auth_check(f->au, "alice", bad, NULL, &got), KZ_EAUTH);
    assert_int_equal(kz_auth_check(f->au, "alice", "", NULL, &got), KZ_EAUTH);
    /* bad names and lists */
    kz_account b = mk("bad name", "X");
    assert_int_equal(kz_auth_account_add(f->au, &b, tok2), KZ_EINVAL);
    b = mk("ok", "");
    assert_int_equal(kz_auth_account_add(f->au, &b, tok2), KZ_EINVAL);
    b = mk("ok", "X");
    snprintf(b.read, sizeof b.read, "a,,b");
    assert_int_equal(kz_auth_account_add(f->au, &b, tok2), KZ_EINVAL);
    snprintf(b.read, sizeof b.read, "a, b");
    assert_int_equal(kz_auth_account_add(f->au, &b, tok2), KZ_EINVAL);
}

static void test_rotate_remove(void **state)
{
    fx *f = *state;
    kz_account a = mk("carol", "CERT-C"), got;
    char tok[KZ_AUTH_TOKEN_STR], tok2[KZ_AUTH_TOKEN_STR];
    assert_int_equal(kz_auth_account_add(f->au, &a, tok), KZ_OK);
    assert_int_equal(kz_auth_account_rotate(f->au, "carol", tok2), KZ_OK);
    assert_string_not_equal(tok, tok2);
    assert_int_equal(kz_auth_check(f->au, "carol", tok, NULL, &got), KZ_EAUTH);
    assert_int_equal(kz_auth_check(f->au, "carol", tok2, NULL, &got), KZ_OK);
    assert_int_equal(kz_auth_account_get(f->au, "carol", &got), KZ_OK);
    assert_int_equal(kz_auth_account_remove(f->au, "carol"), KZ_OK);
    assert_int_equal(kz_auth_check(f->au, "carol", tok2, NULL, &got), KZ_EAUTH);
    assert_int_equal(kz_auth_account_remove(f->au, "carol"), KZ_ENOTFOUND);
    assert_int_equal(kz_auth_account_rotate(f->au, "carol", tok2), KZ_ENOTFOUND);
    assert_int_equal(kz_auth_account_get(f->au, "carol", &got), KZ_ENOTFOUND);
}

static void test_other_connection(void **state)
{
    fx *f = *state;
    /* `kizuna account add` runs in another process while the server holds
     * its cache: the new account must work on the next request. */
    kz_account got;
    char tok[KZ_AUTH_TOKEN_STR], err[128];
    kz_auth *other = NULL;
    assert_int_equal(kz_auth_open(f->db, &other, err, sizeof err), KZ_OK);
    kz_account a = mk("dave", "CERT-D");
    assert_int_equal(kz_auth_check(f->au, "dave", "kz_nothing", NULL, &got), KZ_EAUTH);
    assert_int_equal(kz_auth_account_add(other, &a, tok), KZ_OK);
    usleep(30000);
    assert_int_equal(kz_auth_check(f->au, "dave", tok, NULL, &got), KZ_OK);
    assert_int_equal(kz_auth_account_remove(other, "dave"), KZ_OK);
    usleep(250000);
    assert_int_equal(kz_auth_check(f->au, "dave", tok, NULL, &got), KZ_EAUTH);
    kz_auth_close(other);
}

static void test_client_cert(void **state)
{
    fx *f = *state;
    kz_account a = mk("erin", "CERT-E"), got;
    memset(a.cert_sha256, 'a', 64);
    char tok[KZ_AUTH_TOKEN_STR];
    assert_int_equal(kz_auth_account_add(f->au, &a, tok), KZ_OK);
    char fp[65];
    memset(fp, 'a', 64);
    fp[64] = '\0';
    assert_int_equal(kz_auth_check(f->au, "erin", tok, fp, &got), KZ_OK);
    assert_int_equal(kz_auth_check(f->au, "erin", tok, NULL, &got), KZ_EAUTH);
    fp[63] = 'b';
    assert_int_equal(kz_auth_check(f->au, "erin", tok, fp, &got), KZ_EAUTH);
}

static int count(void *ctx, const kz_account *a)
{
    (void)a;
    (*(int *)ctx)++;
    return 0;
}

static void test_list(void **state)
{
    fx *f = *state;
    char tok[KZ_AUTH_TOKEN_STR];
    kz_account a = mk("x1", "O"), b = mk("x2", "O");
    assert_int_equal(kz_auth_account_add(f->au, &a, tok), KZ_OK);
    assert_int_equal(kz_auth_account_add(f->au, &b, tok), KZ_OK);
    int n = 0;
    assert_int_equal(kz_auth_account_list(f->au, count, &n), KZ_OK);
    assert_int_equal(n, 2);
}

static void test_throttle(void **state)
{
    fx *f = *state;
    for (int i = 0; i < KZ_AUTH_FREE_FAILURES - 1; i++) {
        kz_auth_throttle_failed(f->au, "192.0.2.1", "mallory");
        assert_int_equal(kz_auth_throttle_wait(f->au, "192.0.2.1", NULL), 0);
    }
    kz_auth_throttle_failed(f->au, "192.0.2.1", "mallory");
    assert_true(kz_auth_throttle_wait(f->au, "192.0.2.1", NULL) >= 1);
    /* the account name is locked from any address */
    assert_true(kz_auth_throttle_wait(f->au, "192.0.2.9", "mallory") >= 1);
    /* another address and name are not */
    assert_int_equal(kz_auth_throttle_wait(f->au, "192.0.2.2", "trent"), 0);
    /* the delay grows */
    for (int i = 0; i < 4; i++)
        kz_auth_throttle_failed(f->au, "192.0.2.1", NULL);
    assert_true(kz_auth_throttle_wait(f->au, "192.0.2.1", NULL) >= 8);
    kz_auth_throttle_ok(f->au, "192.0.2.1", "mallory");
    assert_int_equal(kz_auth_throttle_wait(f->au, "192.0.2.1", "mallory"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_cert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
