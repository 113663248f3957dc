/* test_state.c - unit tests for lib/fed/db.c: the fed_* tables in a real
 * node directory - peers (validation, cascade on remove), subscriptions,
 * pull checkpoints and push cursors that survive closing and reopening,
 * the cursor never moving back, provenance where the first delivery wins. */
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

static int count_prov(void *ctx, const kz_fed_prov *p)
{
    char *peer = ctx;
    snprintf(peer, 64, "%s", p->peer);
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

    /* provenance: the first delivery wins */
    const char *ids[] = {"indicator--1"}, *vers[] = {"2024-01-01T00:00:00Z"};
    bool ins[1];
    kz_store_put_result added[1] = {KZ_STORE_ADDED}, present[1] = {KZ_STORE_PRESENT};
    char who[64] = "";
    assert_int_equal(fed_prov_stage(f, ids, vers, 1, "tokyo", id, NULL, ins), KZ_OK);
    assert_true(ins[0]);
    /* pending rows are not provenance yet */
    assert_int_equal(kz_fed_provenance(f, ids[0], count_prov, who), KZ_OK);
    assert_string_equal(who, "");
    assert_int_equal(fed_prov_settle(f, ids, vers, 1, added, ins, "tokyo", id, id,
                                     "2026-02-02T00:00:00Z"),
                     KZ_OK);
    assert_int_equal(kz_fed_provenance(f, ids[0], count_prov, who), KZ_OK);
    assert_string_equal(who, "tokyo");
    /* a later delivery by someone else changes nothing */
    assert_int_equal(fed_prov_stage(f, ids, vers, 1, "canberra", id, NULL, ins), KZ_OK);
    assert_false(ins[0]);
    assert_int_equal(fed_prov_settle(f, ids, vers, 1, present, ins, "canberra", id, id, NULL),
                     KZ_OK);
    assert_int_equal(kz_fed_provenance(f, ids[0], count_prov, who), KZ_OK);
    assert_string_equal(who, "tokyo");
    assert_true(fed_prov_from(f, ids[0], vers[0], "tokyo"));
    assert_false(fed_prov_from(f, ids[0], vers[0], "canberra"));
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_string_equal(ss.pull_checkpoint, "2026-02-02T00:00:00Z"); /* settled with it */
    /* a page settled late by a second puller never moves it back */
    assert_int_equal(fed_prov_settle(f, ids, vers, 1, present, ins, "tokyo", id, id,
                                     "2026-02-01T00:00:00.5Z"),
                     KZ_OK);
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_string_equal(ss.pull_checkpoint, "2026-02-02T00:00:00Z");
    assert_int_equal(fed_prov_settle(f, ids, vers, 1, present, ins, "tokyo", id, id,
                                     "2026-02-02T00:00:00.000001Z"),
                     KZ_OK);
    memset(&ss, 0, sizeof ss);
    kz_fed_sub_list(f, NULL, see_sub, &ss);
    assert_string_equal(ss.pull_checkpoint, "2026-02-02T00:00:00.000001Z");

    /* crash after the store committed, before settle: the replay finds the
     * version PRESENT and the row pending - it is confirmed */
    const char *id2[] = {"indicator--2"};
    assert_int_equal(fed_prov_stage(f, id2, vers, 1, "tokyo", id, NULL, ins), KZ_OK);
    assert_int_equal(fed_prov_stage(f, id2, vers, 1, "tokyo", id, NULL, ins), KZ_OK);
    assert_false(ins[0]);
    assert_int_equal(fed_prov_settle(f, id2, vers, 1, present, ins, "tokyo", id, id, NULL), KZ_OK);
    who[0] = 0;
    kz_fed_provenance(f, id2[0], count_prov, who);
    assert_string_equal(who, "tokyo");
    /* crash before the store committed (canberra's attempt), then tokyo
     * stores it: tokyo delivered it first */
    const char *id3[] = {"indicator--3"};
    assert_int_equal(fed_prov_stage(f, id3, vers, 1, "canberra", id, NULL, ins), KZ_OK);
    assert_int_equal(fed_prov_stage(f, id3, vers, 1, "tokyo", id, NULL, ins), KZ_OK);
    assert_int_equal(fed_prov_settle(f, id3, vers, 1, added, ins, "tokyo", id, id, NULL), KZ_OK);
    who[0] = 0;
    kz_fed_provenance(f, id3[0], count_prov, who);
    assert_string_equal(who, "tokyo");
    /* held before (published locally): the fresh row is dropped */
    const char *id4[] = {"indicator--4"};
    assert_int_equal(fed_prov_stage(f, id4, vers, 1, "tokyo", id, NULL, ins), KZ_OK);
    assert_int_equal(fed_prov_settle(f, id4, vers, 1, present, ins, "tokyo", id, id, NULL), KZ_OK);
    who[0] = 0;
    kz_fed_provenance(f, id4[0], count_prov, who);
    assert_string_equal(who, "");

    /* removing the peer removes its subscriptions and their state */
    assert_int_equal(kz_fed_peer_remove(f, "tokyo"), KZ_OK);
    assert_int_equal(kz_fed_peer_remove(f, "tokyo"), KZ_ENOTFOUND);
    memset(&ss, 0, sizeof ss);
    assert_int_equal(kz_fed_sub_list(f, NULL, see_sub, &ss), KZ_OK);
    assert_int_equal(ss.n, 0);
    assert_int_equal(kz_fed_sub_remove(f, id), KZ_ENOTFOUND);
    kz_fed_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peers_and_state, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
