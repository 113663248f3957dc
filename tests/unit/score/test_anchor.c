/* test_anchor.c - lib/score/anchor.c, list.c and filter.c over a real
 * store: sightings of every collection are read (a partner's sighting in
 * another collection resets the clock, a sighting of another indicator
 * does not), the listing scores the latest version of each indicator, and
 * the store filter leaves out only live indicators below the minimum. */
#include <fcntl.h>
#include <math.h>
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

#include "kizuna/alloc.h"
#include "kizuna/fed.h"
#include "kizuna/fed_publish.h"
#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"

#define DAY_US 86400000000LL

typedef struct fx {
    char dir[64];
    char node[128];
    kz_store *s;
} fx;

static void import(kz_store *s, const char *coll, const char *path)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    kz_store_import_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_import_fd(s, coll, fd, NULL, &r), KZ_OK);
    close(fd);
    assert_false(r.doc_error);
    assert_int_equal(r.invalid, 0);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/kz-score-test-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->node, sizeof f->node, "%s/node", f->dir);
    char err[256];
    if (kz_store_init_dir(f->node, err, sizeof err) ||
        kz_store_open_dir(f->node, false, &f->s, err, sizeof err))
        return -1;
    kz_collection c = {.alias = "intel"};
    kz_collection p = {.alias = "partner"};
    if (kz_store_collection_add(f->s, &c, NULL) || kz_store_collection_add(f->s, &p, NULL))
        return -1;
    import(f->s, "intel", "tests/data/score/node.json");
    import(f->s, "partner", "tests/data/score/partner.json");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    kz_store_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int64_t us_of(const char *ts)
{
    int64_t us = 0;
    assert_int_equal(kz_store_parse_us(ts, &us), KZ_OK);
    return us;
}

static void test_sightings_of_every_collection(void **state)
{
    fx *f = *state;
    kz_score_sightings *sg = kz_score_sightings_new();
    assert_non_null(sg);
    assert_int_equal(kz_score_sightings_load(sg, f->s), KZ_OK);
    assert_int_equal(kz_score_sightings_count(sg), 2); /* indicators 3 and 99 */
    const char *sighted = "indicator--a0000000-0000-4000-8000-000000000003";
    const char *unsighted = "indicator--a0000000-0000-4000-8000-000000000002";
    assert_int_equal(kz_score_sightings_latest(sg, sighted, strlen(sighted)),
                     us_of("2026-09-29T00:00:00Z")); /* last_seen, not first_seen */
    assert_int_equal(kz_score_sightings_latest(sg, unsighted, strlen(unsighted)), 0);
    kz_score_sightings_free(sg);
}

typedef struct got {
    char id[64];
    kz_score_result r;
} got;

typedef struct got_list {
    got g[16];
    size_t n;
} got_list;

static int on_item(void *ctx, const kz_score_item *it)
{
    got_list *l = ctx;
    assert_true(l->n < 16);
    snprintf(l->g[l->n].id, sizeof l->g[l->n].id, "%s", it->id);
    l->g[l->n++].r = it->r;
    return 0;
}

static const kz_score_result *find(const got_list *l, const char *suffix)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->g[i].id, suffix))
            return &l->g[i].r;
    fail_msg("%s not listed", suffix);
    return NULL;
}

static void test_listing_with_partner_sightings(void **state)
{
    fx *f = *state;
    kz_score_params p;
    kz_score_params_defaults(&p);
    kz_score_sightings *sg = kz_score_sightings_new();
    assert_non_null(sg);
    assert_int_equal(kz_score_sightings_load(sg, f->s), KZ_OK);
    got_list l = {0};
    size_t unscored = 9;
    const int64_t now = us_of("2026-09-30T00:00:00Z");
    assert_int_equal(
        kz_score_collection(f->s, "intel", &p, sg, NULL, NULL, now, on_item, &l, &unscored), KZ_OK);
    assert_int_equal(l.n, 5);
    assert_int_equal(unscored, 0);
    /* valid_from 60 days ago, sighted by the partner 1 day ago: 1 day old */
    const kz_score_result *r3 = find(&l, "000000000003");
    assert_int_equal(r3->age_us, DAY_US);
    assert_true(fabs(r3->score - 80 * (1 - pow(1.0 / 47, 1 / 1.65))) < 1e-9);
    /* the same without the sighting: past the 47-day lifetime */
    const kz_score_result *r2 = find(&l, "000000000002");
    assert_int_equal(r2->age_us, 60 * DAY_US);
    assert_true(r2->score == 0 && r2->decayed);
    assert_int_equal(find(&l, "000000000005")->state, KZ_SCORE_REVOKED);
    assert_int_equal(find(&l, "000000000004")->cls, KZ_SCORE_HASH);
    /* without sightings the clock is not reset */
    memset(&l, 0, sizeof l);
    assert_int_equal(
        kz_score_collection(f->s, "intel", &p, NULL, NULL, NULL, now, on_item, &l, NULL), KZ_OK);
    assert_int_equal(find(&l, "000000000003")->age_us, 60 * DAY_US);
    assert_int_equal(kz_score_collection(f->s, "nope", &p, sg, NULL, NULL, now, on_item, &l, NULL),
                     KZ_ENOTFOUND);
    kz_score_sightings_free(sg);
}

static kz_err count_kept(void *ctx, const kz_json *obj)
{
    (void)obj;
    (*(size_t *)ctx)++;
    return KZ_OK;
}

static void test_filter_fd(void **state)
{
    (void)state;
    kz_score_params p;
    kz_score_params_defaults(&p);
    int fd = open("tests/data/score/node.json", O_RDONLY);
    assert_true(fd >= 0);
    size_t kept = 0;
    kz_score_filter_stats st = {0};
    char msg[200];
    /* at 2026-09-30 from the file alone: 1 (68.2) and 4 (44.8) pass 30;
     * 2 (0) and 3 (0: no sightings from a file) are left out; 5 is
     * revoked and handed on; the identity is not an indicator */
    assert_int_equal(kz_score_filter_fd(&p, fd, 0, 30, us_of("2026-09-30T00:00:00Z"), count_kept,
                                        &kept, &st, msg, sizeof msg),
                     KZ_OK);
    close(fd);
    assert_int_equal(st.indicators, 5);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(kept, 4);
}

/* Reliability by the federation peer that delivered a version (its
 * provenance row), overridden by the author's identity. */
static void test_peer_reliability(void **state)
{
    fx *f = *state;
    kz_fed *fed = NULL;
    char err[256];
    assert_int_equal(kz_fed_open(f->node, &fed, err, sizeof err), KZ_OK);
    kz_fed_close(fed);
    char db[200];
    snprintf(db, sizeof db, "%s/kizuna.db", f->node);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
                                  "INSERT INTO fed_provenance(id, version, peer, sub_id, at_us)"
                                  " VALUES('indicator--a0000000-0000-4000-8000-000000000001',"
                                  " '2026-09-01T00:00:00Z', 'cert-jp', 1, 0),"
                                  " ('indicator--a0000000-0000-4000-8000-000000000004',"
                                  " '2026-08-01T00:00:00Z', 'cert-jp', 1, 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    /* indicator 2 was POSTed over TAXII by a partner's account */
    kz_fed_postlog *pl = NULL;
    assert_int_equal(kz_fed_postlog_open(f->node, &pl, err, sizeof err), KZ_OK);
    const char *ids[] = {"indicator--a0000000-0000-4000-8000-000000000002"};
    const char *versions[] = {"2026-08-01T00:00:00Z"};
    assert_int_equal(kz_fed_postlog_record(pl, "partner-acct", ids, versions, 1), KZ_OK);
    kz_fed_postlog_close(pl);
    char conf[200];
    snprintf(conf, sizeof conf, "%s/kizuna.conf", f->node);
    FILE *c = fopen(conf, "a");
    assert_non_null(c);
    fputs("score.reliability.cert-jp = 40\nscore.reliability.partner-acct = 70\n"
          "score.reliability.identity--11111111-1111-4111-8111-111111111111 = 90\n",
          c);
    fclose(c);
    kz_score_node *n = NULL;
    assert_int_equal(kz_score_node_open(f->node, f->s, &n, err, sizeof err), KZ_OK);
    got_list l = {0};
    const int64_t now = us_of("2026-09-30T00:00:00Z");
    assert_int_equal(kz_score_collection(f->s, "intel", kz_score_node_params(n),
                                         kz_score_node_sightings(n), kz_score_node_peer, n, now,
                                         on_item, &l, NULL),
                     KZ_OK);
    assert_int_equal(find(&l, "000000000001")->reliability, 40); /* the peer's */
    assert_true(fabs(find(&l, "000000000001")->base - 32) < 1e-9);
    assert_int_equal(find(&l, "000000000004")->reliability, 90);  /* the author's wins */
    assert_int_equal(find(&l, "000000000002")->reliability, 70);  /* the POSTing account's */
    assert_int_equal(find(&l, "000000000003")->reliability, 100); /* local: the default */
    kz_score_node_free(n);
}

/* Out of memory at every allocation of loading and listing: KZ_ENOMEM or
 * success, nothing leaked (LeakSanitizer), never a crash. */
static void test_oom_sweep(void **state)
{
    fx *f = *state;
    kz_score_params p;
    kz_score_params_defaults(&p);
    const int64_t now = us_of("2026-09-30T00:00:00Z");
    bool finished = false;
    for (long i = 1; i < 5000 && !finished; i++) {
        kz_alloc_fail_after(i, 1);
        kz_err rc = KZ_ENOMEM;
        kz_score_sightings *sg = kz_score_sightings_new();
        if (sg)
            rc = kz_score_sightings_load(sg, f->s);
        got_list l = {0};
        if (!rc)
            rc = kz_score_collection(f->s, "intel", &p, sg, NULL, NULL, now, on_item, &l, NULL);
        long failures = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        kz_score_sightings_free(sg);
        if (rc != KZ_OK && rc != KZ_ENOMEM && rc != KZ_EDB)
            fail_msg("allocation %ld: %s", i, kz_errname(rc));
        if (!rc) {
            assert_int_equal(l.n, 5);
            finished = failures == 0;
        }
    }
    assert_true(finished);
    /* a map that ran out of memory while growing keeps what it had */
    kz_score_sightings *sg = kz_score_sightings_new();
    assert_non_null(sg);
    char id[64];
    size_t added = 0;
    kz_alloc_fail_after(3, 1);
    for (int i = 0; i < 2000; i++) {
        snprintf(id, sizeof id, "indicator--%036d", i);
        if (kz_score_sightings_add(sg, id, strlen(id), 1000 + i))
            break;
        added++;
    }
    kz_alloc_fail_after(0, 0);
    assert_true(added < 2000);
    for (size_t i = 0; i < added; i++) {
        snprintf(id, sizeof id, "indicator--%036zu", i);
        assert_int_equal(kz_score_sightings_latest(sg, id, strlen(id)), 1000 + (int64_t)i);
    }
    kz_score_sightings_free(sg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sightings_of_every_collection),
        cmocka_unit_test(test_listing_with_partner_sightings),
        cmocka_unit_test(test_filter_fd),
        cmocka_unit_test(test_oom_sweep),
        cmocka_unit_test(test_peer_reliability),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
