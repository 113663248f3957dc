/* test_account_peer.c - the peer attribute of accounts (a partner node's
 * account, whose POSTed objects are stored as received): stored and read
 * back, and added by migration to an auth_account table made before the
 * column existed, keeping the old accounts (as non-peers) and their tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kizuna/auth.h"

typedef struct fx {
    char dir[64];
    char db[128];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/kz-authpeer-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/kizuna.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static kz_account mk(const char *name, bool peer)
{
    kz_account a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "%s", name);
    snprintf(a.org, sizeof a.org, "CERT-X");
    snprintf(a.write, sizeof a.write, "intel");
    a.tlp_max = KZ_TLP_RED;
    a.peer = peer;
    return a;
}

static void test_peer_round_trip(void **state)
{
    fx *f = *state;
    kz_auth *au = NULL;
    char err[256], tok_peer[KZ_AUTH_TOKEN_STR], tok_tool[KZ_AUTH_TOKEN_STR];
    assert_int_equal(kz_auth_open(f->db, &au, err, sizeof err), KZ_OK);
    kz_account p = mk("canberra", true), t = mk("misp", false);
    assert_int_equal(kz_auth_account_add(au, &p, tok_peer), KZ_OK);
    assert_int_equal(kz_auth_account_add(au, &t, tok_tool), KZ_OK);
    kz_account got;
    assert_int_equal(kz_auth_account_get(au, "canberra", &got), KZ_OK);
    assert_true(got.peer);
    assert_int_equal(kz_auth_account_get(au, "misp", &got), KZ_OK);
    assert_false(got.peer);
    /* what a request sees (the cached copy) carries it too */
    assert_int_equal(kz_auth_check(au, NULL, tok_peer, NULL, &got), KZ_OK);
    assert_string_equal(got.name, "canberra");
    assert_true(got.peer);
    assert_int_equal(kz_auth_check(au, "misp", tok_tool, NULL, &got), KZ_OK);
    assert_false(got.peer);
    kz_auth_close(au);
}

/* The auth_account table as the first release made it (no peer column),
 * with one account whose token is "kz_old" hashed with an all-zero key. */
static const char old_schema[] =
    "CREATE TABLE auth_meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE auth_account("
    " name TEXT PRIMARY KEY, org TEXT NOT NULL, partner INTEGER NOT NULL DEFAULT 0,"
    " read TEXT NOT NULL DEFAULT '', write TEXT NOT NULL DEFAULT '',"
    " red TEXT NOT NULL DEFAULT '', tlp_max TEXT NOT NULL DEFAULT 'red',"
    " cert_sha256 TEXT NOT NULL DEFAULT '', token_hash BLOB NOT NULL,"
    " created_us INTEGER NOT NULL);"
    "INSERT INTO auth_account(name, org, partner, read, token_hash, created_us)"
    " VALUES('old', 'CERT-OLD', 1, 'intel', zeroblob(32), 1700000000000000);";

static int columns(const char *db_path, const char *col)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = 0;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('auth_account')", -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        n += strcmp((const char *)sqlite3_column_text(st, 0), col) == 0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_migration_adds_peer(void **state)
{
    fx *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, old_schema, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(columns(f->db, "peer"), 0);

    kz_auth *au = NULL;
    char err[256];
    assert_int_equal(kz_auth_open(f->db, &au, err, sizeof err), KZ_OK);
    assert_int_equal(columns(f->db, "peer"), 1);
    kz_account got;
    assert_int_equal(kz_auth_account_get(au, "old", &got), KZ_OK);
    assert_false(got.peer); /* the default keeps an old account's meaning */
    assert_true(got.partner);
    assert_string_equal(got.org, "CERT-OLD");
    assert_string_equal(got.read, "intel");
    /* a rotated token works on the migrated row */
    char tok[KZ_AUTH_TOKEN_STR];
    assert_int_equal(kz_auth_account_rotate(au, "old", tok), KZ_OK);
    assert_int_equal(kz_auth_check(au, "old", tok, NULL, &got), KZ_OK);
    kz_account p = mk("newpeer", true);
    assert_int_equal(kz_auth_account_add(au, &p, tok), KZ_OK);
    kz_auth_close(au);

    /* opening again (and a second handle at the same time) changes nothing */
    kz_auth *a2 = NULL, *a3 = NULL;
    assert_int_equal(kz_auth_open(f->db, &a2, err, sizeof err), KZ_OK);
    assert_int_equal(kz_auth_open(f->db, &a3, err, sizeof err), KZ_OK);
    assert_int_equal(columns(f->db, "peer"), 1);
    assert_int_equal(kz_auth_account_get(a3, "newpeer", &got), KZ_OK);
    assert_true(got.peer);
    assert_int_equal(kz_auth_account_get(a2, "old", &got), KZ_OK);
    assert_false(got.peer);
    kz_auth_close(a2);
    kz_auth_close(a3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peer_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_adds_peer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
