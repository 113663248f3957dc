/* test_policy.c - the TLP 2.0 read policy as a table (every level x every
 * kind of account), collection lists, TLP names and Authorization parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "kizuna/auth.h"

#define NODE "CERT-NODE"
#define COLL_ID "11111111-2222-4333-8444-555555555555"
#define COLL "intel"

static kz_account acct(const char *org, bool partner, const char *read, const char *red, kz_tlp cap)
{
    kz_account a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "t");
    snprintf(a.org, sizeof a.org, "%s", org);
    a.partner = partner;
    snprintf(a.read, sizeof a.read, "%s", read);
    snprintf(a.red, sizeof a.red, "%s", red);
    a.tlp_max = cap;
    return a;
}

/* Columns: CLEAR GREEN AMBER AMBER+STRICT RED. */
static const struct {
    const char *kind;
    const char *org;
    bool partner;
    const char *read, *red;
    kz_tlp cap;
    bool may[5];
} matrix[] = {
    {"own org", NODE, false, COLL, "", KZ_TLP_RED, {1, 1, 1, 1, 0}},
    {"own org, RED here", NODE, false, COLL, COLL, KZ_TLP_RED, {1, 1, 1, 1, 1}},
    {"own org, RED elsewhere", NODE, false, COLL, "other", KZ_TLP_RED, {1, 1, 1, 1, 0}},
    {"own org, RED by id", NODE, false, "*", COLL_ID, KZ_TLP_RED, {1, 1, 1, 1, 1}},
    {"partner", "PARTNER", true, COLL, "", KZ_TLP_RED, {1, 1, 1, 0, 0}},
    {"partner, RED here", "PARTNER", true, COLL, COLL, KZ_TLP_RED, {1, 1, 1, 0, 1}},
    {"other org", "OTHER", false, COLL, "", KZ_TLP_RED, {1, 1, 0, 0, 0}},
    {"other org, RED *", "OTHER", false, COLL, "*", KZ_TLP_RED, {1, 1, 0, 0, 1}},
    {"own org capped green", NODE, false, COLL, COLL, KZ_TLP_GREEN, {1, 1, 0, 0, 0}},
    {"own org capped amber", NODE, false, COLL, COLL, KZ_TLP_AMBER, {1, 1, 1, 0, 0}},
    {"own org capped clear", NODE, false, COLL, "", KZ_TLP_CLEAR, {1, 0, 0, 0, 0}},
    {"partner capped a+s", "PARTNER", true, COLL, COLL, KZ_TLP_AMBER_STRICT, {1, 1, 1, 0, 0}},
    {"own org, no read right", NODE, false, "other", COLL, KZ_TLP_RED, {0, 0, 0, 0, 0}},
    {"partner, no read right", "PARTNER", true, "", "", KZ_TLP_RED, {0, 0, 0, 0, 0}},
};

static void test_matrix(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof matrix / sizeof matrix[0]; i++) {
        kz_account a =
            acct(matrix[i].org, matrix[i].partner, matrix[i].read, matrix[i].red, matrix[i].cap);
        for (int t = KZ_TLP_CLEAR; t <= KZ_TLP_RED; t++) {
            bool got = kz_auth_may_read(&a, NODE, COLL_ID, COLL, (kz_tlp)t);
            if (got != matrix[i].may[t])
                fail_msg("%s reading %s: got %d, want %d", matrix[i].kind,
                         kz_stix_tlp_name((kz_tlp)t), got, matrix[i].may[t]);
        }
        /* An unknown level is treated as the strictest (RED). */
        assert_int_equal(kz_auth_may_read(&a, NODE, COLL_ID, COLL, KZ_TLP_NONE),
                         matrix[i].may[KZ_TLP_RED]);
    }
}

static void test_no_node_org(void **state)
{
    (void)state;
    /* With no node organisation configured nobody is "own org": an empty
     * org must not match an empty node org. */
    kz_account a = acct("", false, COLL, "", KZ_TLP_RED);
    assert_false(kz_auth_may_read(&a, "", COLL_ID, COLL, KZ_TLP_AMBER_STRICT));
    assert_false(kz_auth_may_read(&a, NULL, COLL_ID, COLL, KZ_TLP_AMBER));
    assert_true(kz_auth_may_read(&a, NULL, COLL_ID, COLL, KZ_TLP_GREEN));
}

static void test_lists(void **state)
{
    (void)state;
    assert_true(kz_auth_list_has("*", COLL_ID, COLL));
    assert_true(kz_auth_list_has("a,intel,b", COLL_ID, COLL));
    assert_true(kz_auth_list_has("11111111-2222-4333-8444-555555555555", COLL_ID, COLL));
    assert_true(kz_auth_list_has("11111111-2222-4333-8444-555555555555", COLL_ID, NULL));
    assert_false(kz_auth_list_has("intel2,inte", COLL_ID, COLL));
    assert_false(kz_auth_list_has("", COLL_ID, COLL));
    assert_false(kz_auth_list_has(NULL, COLL_ID, COLL));
    assert_false(kz_auth_list_has("**", COLL_ID, COLL));
    kz_account a = acct(NODE, false, "intel", "", KZ_TLP_RED);
    snprintf(a.write, sizeof a.write, "other");
    assert_true(kz_auth_can_read(&a, COLL_ID, COLL));
    assert_false(kz_auth_can_write(&a, COLL_ID, COLL));
    assert_false(kz_auth_can_read(NULL, COLL_ID, COLL));
}

static void test_tlp_names(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        kz_tlp t;
    } cases[] = {
        {"clear", KZ_TLP_CLEAR},
        {"WHITE", KZ_TLP_CLEAR},
        {"green", KZ_TLP_GREEN},
        {"amber", KZ_TLP_AMBER},
        {"Amber+Strict", KZ_TLP_AMBER_STRICT},
        {"red", KZ_TLP_RED},
        {"purple", KZ_TLP_NONE},
        {"", KZ_TLP_NONE},
        {NULL, KZ_TLP_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(kz_auth_tlp_parse(cases[i].s), cases[i].t);
}

static void test_authorization(void **state)
{
    (void)state;
    char name[KZ_AUTH_NAME_MAX + 1], token[KZ_AUTH_TOKEN_STR + 16];
    /* "alice:kz_secret" */
    assert_int_equal(kz_auth_parse_authorization("Basic YWxpY2U6a3pfc2VjcmV0", name, token), KZ_OK);
    assert_string_equal(name, "alice");
    assert_string_equal(token, "kz_secret");
    assert_int_equal(kz_auth_parse_authorization("basic   YWxpY2U6a3pfc2VjcmV0  ", name, token),
                     KZ_OK);
    assert_int_equal(kz_auth_parse_authorization("Bearer kz_abc", name, token), KZ_OK);
    assert_string_equal(name, "");
    assert_string_equal(token, "kz_abc");
    static const char *const bad[] = {
        NULL,
        "",
        "Basic",
        "Basic !!!!",
        "Basic YWxpY2U=" /* no colon */,
        "Basic OmF" /* ":a" bad padding */,
        "Digest abc",
        "Bearer ",
        "Basic Omt6X3NlY3JldA==" /* empty name */,
        "Basic YWxpY2U6" /* empty token */,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(kz_auth_parse_authorization(bad[i], name, token), KZ_EAUTH);
    char longh[400];
    memset(longh, 'a', sizeof longh - 1);
    longh[sizeof longh - 1] = '\0';
    memcpy(longh, "Bearer ", 7);
    assert_int_equal(kz_auth_parse_authorization(longh, name, token), KZ_EAUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),        cmocka_unit_test(test_no_node_org),
        cmocka_unit_test(test_lists),         cmocka_unit_test(test_tlp_names),
        cmocka_unit_test(test_authorization),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
