/* test_state.c - unit tests for lib/fed/db.c: the fed_* tables in a real
 * node directory - peers (validation, cascade on remove), subscriptions,
 * pull checkpoints and push cursors that survive closing and reopening,
 * the cursor never moving back, provenance where the first delivery wins,
 * a page's provenance and checkpoint committed or rolled back with the
 * store's transaction, and the upgrade of version-1 fed_* tables. */
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
#include "kizuna/store.h"

static char base[64], dir[256];

static int setup(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/kz-fed-unit-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    snprintf(base, sizeof base, "%s", tmpl);
    snprintf(dir, sizeof dir, "%s/node", tmpl);
    char err[256];
    if (kz_store_init_dir(dir, err, sizeof err))
        return -1;
    kz_store *s = NULL;
    if (kz_store_open_dir(dir, false, &s, err, sizeof err))
        return -1;
    kz_collection c = {.alias = "intel", .title = "Intel"};
    kz_err rc = kz_store_collection_add(s, &c, NULL);
    kz_store_close(s);
    return rc ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct sub_seen {
    int n;
    kz_fed_sub last;
    char checkpoint[64];
    char pull_checkpoint[64];
} sub_seen;

static int see_sub(void *ctx, const kz_fed_sub *s)
{
    sub_seen *ss = ctx;
    ss->n++;
    ss->last = *s;
    snprintf(ss->checkpoint, sizeof ss->checkpoint, "%s", s->checkpoint ? s->checkpoint : "");
    if (s->dir == KZ_FED_PULL)
        snprintf(ss->pull_checkpoint, sizeof ss->pull_checkpoint, "%s", s->checkpoint);
    ss->last.checkpoint = NULL;
    ss->last.peer = ss->last.local = ss->last.remote = ss->last.types = ss->last.tlp_max = NULL;
    ss->last.last_error = NULL;
    return 0;
}

typedef struct prov_seen {
    int n;
    char peer[64];
    char status[32];
} prov_seen;

static int see_prov(void *ctx, const kz_fed_prov *p)
{
    prov_seen *ps = ctx;
    ps->n++;
    snprintf(ps->peer, sizeof ps->peer, "%s", p->peer);
    snprintf(ps->status, sizeof ps->status, "%s", p->sig_status ? p->sig_status : "");
    return 0;
}

static void test_peers_and_state(void **state)
{
    (void)state;
    kz_fed *f = NULL;
    char err[256];
    assert_int_equal(kz_fed_open(dir, &f, err, sizeof err), KZ_OK);
    kz_fed_peer bad[] = {
        {.name = "has space", .url = "https://x/taxii2/", .token = "t"},
        {.name = "p", .url = "http://example.org/taxii2/", .token = "t"},
        {.name = "p", .url = "https://x/taxii2/", .token = ""},
        {.name = "p", .url = "https://x/taxii2/", .token = "t", .client_cert = "c"},
        {.name = "p", .url = "https://x/taxii2/", .token = "t", .insecure = true, .ca_file = "c"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(kz_fed_peer_add(f, &bad[i]), KZ_EINVAL);
    kz_fed_peer p = {.name = "tokyo", .url = "https://127.0.0.1:1/taxii2/", .token = "t"};
    assert_int_equal(kz_fed_peer_add(f, &p), KZ_OK);
    assert_int_equal(kz_fed_peer_add(f, &p), KZ_EEXIST);

    kz_fed_sub s = {.dir = KZ_FED_PULL, .peer = "tokyo", .local = "intel", .remote = "r"};
    int64_t id = 0;
    assert_int_equal(kz_fed_sub_add(f, &s, &id), KZ_OK);
    kz_fed_sub s2 = s;
    s2.local = "nope";
    assert_int_equal(kz_fed_sub_add(f, &s2, NULL), KZ_ENOTFOUND);
    s2 = s;
    s2.tlp_max = "purple";
    assert_int_equal(kz_fed_sub_add(f, &s2, NULL), KZ_EINVAL);
    kz_fed_sub push = {.dir = KZ_FED_PUSH, .peer = "tokyo", .local = "intel", .remote = "r"};
    int64_t pid = 0;
    assert_int_equal(kz_fed_sub_add(f, &push, &pid), KZ_OK);

    /* checkpoint and cursor, then close and reopen: still there */
    assert_int_equal(fed_sub_set_checkpoint(f, id, "2026-01-01T00:00:00.000001Z"), KZ_OK);
    assert_int_equal(fed_sub_push_done(f, pid, 500), KZ_OK);
    assert_int_equal(fed_sub_push_done(f, pid, 400), KZ_OK); /* never moves back */
    assert_int_equal(fed_sub_push_failed(f, pid, 3, 123, "down"), KZ_OK);
    kz_fed_close(f);
    assert_int_equal(kz_fed_open(dir, &f, err, sizeof err), KZ_OK);
    sub_seen ss = {0};
    assert_int_equal(kz_fed_sub_list(f, "tokyo", see_sub, &ss), KZ_OK);
    assert_int_equal(ss.n, 2);
    assert_int_equal(ss.last.cursor_us, 500);
    assert_int_equal(ss.last.attempts, 3);
    assert_int_equal(ss.last.next_try_us, 123);
    assert_string_equal(ss.pull_checkpoint, "2026-01-01T00:00:00.000001Z");
    assert_string_equal(ss.checkpoint, ""); /* the last listed is the push one */
    assert_int_equal(fed_sub_push_done(f, pid, 600), KZ_OK);
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_int_equal(ss.last.attempts, 0); /* success clears the retry state */

    /* provenance and checkpoint of a pulled page: written through the
     * store's connection, inside its transaction */
    kz_store *st = kz_fed_store(f);
    const char *ids[] = {"indicator--1"}, *vers[] = {"2024-01-01T00:00:00Z"};
    kz_store_put_result added[1] = {KZ_STORE_ADDED}, present[1] = {KZ_STORE_PRESENT},
                        conflict[1] = {KZ_STORE_CONFLICT};
    fed_sig_rec sig[1] = {{.status = "verified", .signer = "tokyo", .key_id = "k1"}};
    prov_seen who = {0};
    assert_int_equal(kz_store_begin(st), KZ_OK);
    assert_int_equal(fed_pull_record(f, ids, vers, 1, added, sig, "tokyo", id,
                                     "2026-02-02T00:00:00Z"),
                     KZ_OK);
    /* not visible to the federation's own connection before the commit */
    assert_int_equal(kz_fed_provenance(f, ids[0], see_prov, &who), KZ_OK);
    assert_int_equal(who.n, 0);
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_string_equal(ss.pull_checkpoint, "2026-01-01T00:00:00.000001Z");
    assert_int_equal(kz_store_commit(st), KZ_OK);
    assert_int_equal(kz_fed_provenance(f, ids[0], see_prov, &who), KZ_OK);
    assert_string_equal(who.peer, "tokyo");
    assert_string_equal(who.status, "verified");
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_string_equal(ss.pull_checkpoint, "2026-02-02T00:00:00Z"); /* with the page */
    /* first delivery wins: canberra adding the same version (into another
     * collection), or finding it present, changes nothing - nor its verdict */
    fed_sig_rec unsigned_sig[1] = {{.status = "unsigned"}};
    assert_int_equal(fed_pull_record(f, ids, vers, 1, added, unsigned_sig, "canberra", id, NULL),
                     KZ_OK);
    assert_int_equal(fed_pull_record(f, ids, vers, 1, present, NULL, "canberra", id, NULL),
                     KZ_OK);
    memset(&who, 0, sizeof who);
    assert_int_equal(kz_fed_provenance(f, ids[0], see_prov, &who), KZ_OK);
    assert_int_equal(who.n, 1);
    assert_string_equal(who.peer, "tokyo");
    assert_string_equal(who.status, "verified");
    assert_true(fed_prov_from(f, ids[0], vers[0], "tokyo"));
    assert_false(fed_prov_from(f, ids[0], vers[0], "canberra"));
    /* a version held before (PRESENT) or refused gets no provenance */
    const char *id4[] = {"indicator--4"}, *id5[] = {"indicator--5"};
    assert_int_equal(fed_pull_record(f, id4, vers, 1, present, sig, "tokyo", id, NULL), KZ_OK);
    assert_int_equal(fed_pull_record(f, id5, vers, 1, conflict, sig, "tokyo", id, NULL), KZ_OK);
    memset(&who, 0, sizeof who);
    kz_fed_provenance(f, id4[0], see_prov, &who);
    kz_fed_provenance(f, id5[0], see_prov, &who);
    assert_int_equal(who.n, 0);
    /* a page committed late by a second puller never moves it back */
    assert_int_equal(fed_pull_record(f, ids, vers, 1, present, NULL, "tokyo", id,
                                     "2026-02-01T00:00:00.5Z"),
                     KZ_OK);
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_string_equal(ss.pull_checkpoint, "2026-02-02T00:00:00Z");
    assert_int_equal(fed_pull_record(f, ids, vers, 1, present, NULL, "tokyo", id,
                                     "2026-02-02T00:00:00.000001Z"),
                     KZ_OK);
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_string_equal(ss.pull_checkpoint, "2026-02-02T00:00:00.000001Z");
    /* a crash (here: a rollback) before the commit leaves neither the
     * provenance nor the checkpoint: the replay starts from scratch */
    const char *id2[] = {"indicator--2"};
    assert_int_equal(kz_store_begin(st), KZ_OK);
    assert_int_equal(fed_pull_record(f, id2, vers, 1, added, sig, "canberra", id,
                                     "2026-03-03T00:00:00Z"),
                     KZ_OK);
    assert_int_equal(kz_store_rollback(st), KZ_OK);
    memset(&who, 0, sizeof who);
    kz_fed_provenance(f, id2[0], see_prov, &who);
    assert_int_equal(who.n, 0);
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_string_equal(ss.pull_checkpoint, "2026-02-02T00:00:00.000001Z");
    assert_int_equal(fed_pull_record(f, id2, vers, 1, added, NULL, "tokyo", id, NULL), KZ_OK);
    kz_fed_provenance(f, id2[0], see_prov, &who);
    assert_string_equal(who.peer, "tokyo");

    /* removing the peer removes its subscriptions and their state */
    assert_int_equal(kz_fed_peer_remove(f, "tokyo"), KZ_OK);
    assert_int_equal(kz_fed_peer_remove(f, "tokyo"), KZ_ENOTFOUND);
    memset(&ss, 0, sizeof ss);
    assert_int_equal(kz_fed_sub_list(f, NULL, see_sub, &ss), KZ_OK);
    assert_int_equal(ss.n, 0);
    assert_int_equal(kz_fed_sub_remove(f, id), KZ_ENOTFOUND);
    kz_fed_close(f);
}

/* The fed_* tables exactly as every kizuna before fed_meta created them
 * (version 1: no version row anywhere). */
static const char old_schema[] =
    "CREATE TABLE fed_peer("
    " name TEXT PRIMARY KEY, url TEXT NOT NULL, token TEXT NOT NULL, user TEXT,"
    " ca_file TEXT, insecure INTEGER NOT NULL DEFAULT 0, client_cert TEXT, client_key TEXT,"
    " last_success_us INTEGER NOT NULL DEFAULT 0, last_attempt_us INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT);"
    "CREATE TABLE fed_sub("
    " id INTEGER PRIMARY KEY, dir INTEGER NOT NULL, peer TEXT NOT NULL,"
    " local TEXT NOT NULL, remote TEXT NOT NULL, types TEXT, tlp_max TEXT,"
    " sig INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(dir, peer, local, remote));"
    "CREATE TABLE fed_checkpoint("
    " sub_id INTEGER PRIMARY KEY, added_after TEXT NOT NULL DEFAULT '',"
    " added_after_us INTEGER NOT NULL DEFAULT 0,"
    " last_success_us INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
    "CREATE TABLE fed_outbox("
    " sub_id INTEGER PRIMARY KEY, cursor_us INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0, next_try_us INTEGER NOT NULL DEFAULT 0,"
    " last_success_us INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
    "CREATE TABLE fed_provenance("
    " id TEXT NOT NULL, version TEXT NOT NULL, peer TEXT NOT NULL, sub_id INTEGER NOT NULL,"
    " at_us INTEGER NOT NULL, pending INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(id, version)) WITHOUT ROWID;"
    "CREATE TABLE fed_verify("
    " id TEXT NOT NULL, version TEXT NOT NULL, status TEXT NOT NULL, signer TEXT,"
    " key_id TEXT, marked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(id, version)) WITHOUT ROWID;"
    /* state as a version-1 node leaves it: a peer, a pull subscription at
     * a checkpoint, one confirmed provenance row and one left pending by
     * a pull that died between its two transactions */
    "INSERT INTO fed_peer(name,url,token) VALUES('tokyo','https://127.0.0.1:1/taxii2/','t');"
    "INSERT INTO fed_sub(id,dir,peer,local,remote) VALUES(7,0,'tokyo','x','r');"
    "INSERT INTO fed_checkpoint(sub_id,added_after,added_after_us)"
    " VALUES(7,'2026-01-01T00:00:00Z',1767225600000000);"
    "INSERT INTO fed_provenance VALUES('indicator--a','v1','tokyo',7,1,0);"
    "INSERT INTO fed_provenance VALUES('indicator--b','v1','tokyo',7,1,1);"
    "INSERT INTO fed_verify VALUES('indicator--a','v1','verified','tokyo','k',0);"
    "INSERT INTO fed_verify VALUES('indicator--b','v1','verified','tokyo','k',0);";

static int64_t one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_schema_upgrade(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/kizuna.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, old_schema, NULL, NULL, NULL), SQLITE_OK);

    kz_fed *f = NULL;
    char err[256] = "";
    assert_int_equal(kz_fed_open(dir, &f, err, sizeof err), KZ_OK);
    assert_int_equal(one_int(f->db, "SELECT version FROM fed_meta"), 2);
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM fed_meta"), 1);
    /* kept: peers, subscriptions, checkpoints, confirmed provenance */
    sub_seen ss = {0};
    assert_int_equal(kz_fed_sub_list(f, "tokyo", see_sub, &ss), KZ_OK);
    assert_int_equal(ss.n, 1);
    assert_string_equal(ss.pull_checkpoint, "2026-01-01T00:00:00Z");
    prov_seen who = {0};
    assert_int_equal(kz_fed_provenance(f, "indicator--a", see_prov, &who), KZ_OK);
    assert_string_equal(who.peer, "tokyo");
    assert_string_equal(who.status, "verified");
    /* dropped: the pending row and its verdict */
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM fed_provenance WHERE id='indicator--b'"),
                     0);
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM fed_verify WHERE id='indicator--b'"), 0);
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM fed_verify"), 1);
    /* the old rows go on working with the new pull path */
    const char *ids[] = {"indicator--b"}, *vers[] = {"v1"};
    kz_store_put_result added[1] = {KZ_STORE_ADDED};
    assert_int_equal(fed_pull_record(f, ids, vers, 1, added, NULL, "tokyo", 7,
                                     "2026-01-02T00:00:00Z"),
                     KZ_OK);
    memset(&who, 0, sizeof who);
    assert_int_equal(kz_fed_provenance(f, "indicator--b", see_prov, &who), KZ_OK);
    assert_int_equal(who.n, 1);
    kz_fed_close(f);

    /* opening again is a no-op */
    assert_int_equal(kz_fed_open(dir, &f, err, sizeof err), KZ_OK);
    assert_int_equal(one_int(f->db, "SELECT count(*) FROM fed_provenance"), 2);
    kz_fed_close(f);

    /* tables newer than this program: refused, untouched */
    assert_int_equal(sqlite3_exec(db, "UPDATE fed_meta SET version = 99", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(kz_fed_open(dir, &f, err, sizeof err), KZ_EVERSION);
    assert_null(f);
    assert_non_null(strstr(err, "version 99"));
    assert_int_equal(one_int(db, "SELECT version FROM fed_meta"), 99);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peers_and_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_upgrade, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
