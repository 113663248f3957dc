/* store_fixture.h - what the store's unit tests share: a fresh store in a
 * temporary directory (removed at the end) and STIX objects made to order.
 * Header-only (static) because tests/tests.cmake builds each test_*.c alone. */
#ifndef KZ_TEST_STORE_FIXTURE_H
#define KZ_TEST_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/store.h"

typedef struct fixture {
    char dir[64];
    char db[128];
    kz_store *s;
    kz_arena *a;
} fixture;

static inline int fx_setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/kz-store-test-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->db, sizeof fx->db, "%s/kizuna.db", fx->dir);
    /* Tests do not need fsync: durability is the crash test's business. */
    kz_store_opts o = {.create = true, .sync = KZ_STORE_SYNC_OFF};
    if (kz_store_open(fx->db, &o, &fx->s) != KZ_OK)
        return -1;
    fx->a = kz_arena_new(0);
    *state = fx;
    return 0;
}

static inline int fx_teardown(void **state)
{
    fixture *fx = *state;
    kz_store_close(fx->s);
    kz_arena_free(fx->a);
    static const char *const files[] = {"kizuna.db", "kizuna.db-wal", "kizuna.db-shm",
                                        "kizuna.conf"};
    char p[160];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", fx->dir, files[i]);
        unlink(p);
    }
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* "indicator--00000000-0000-4000-8000-<n as 12 hex digits>" */
static inline void fx_id(char *out, size_t outsz, const char *type, unsigned n)
{
    snprintf(out, outsz, "%s--00000000-0000-4000-8000-%012x", type, n);
}

/* An object of type with id number n and version `modified` (NULL: no
 * modified/created, e.g. an SCO), plus a name. Bytes live in fx->a. */
static inline kz_store_object fx_obj(fixture *fx, const char *type, unsigned n, const char *modified,
                              const char *name)
{
    char id[96];
    fx_id(id, sizeof id, type, n);
    char *json;
    if (modified)
        json = kz_arena_printf(fx->a,
                               "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                               "\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"%s\","
                               "\"name\":\"%s\"}",
                               type, id, modified, name ? name : "x");
    else
        json = kz_arena_printf(fx->a, "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                                      "\"value\":\"%s\"}",
                               type, id, name ? name : "x");
    assert_non_null(json);
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(fx->a, json, strlen(json), NULL, &v, NULL), KZ_OK);
    kz_store_object o;
    char why[128];
    kz_err rc = kz_store_object_from_json(fx->a, v, json, strlen(json), &o, why, sizeof why);
    if (rc)
        fail_msg("%s: %s", json, why);
    return o;
}

static inline void fx_put(fixture *fx, const char *coll, kz_store_object *objs, size_t n,
                   kz_store_put_result *res)
{
    kz_err rc = kz_store_put_batch(fx->s, coll, objs, n, res, NULL);
    if (rc)
        fail_msg("put_batch: %s: %s", kz_errname(rc), kz_store_errmsg(fx->s));
}

static inline void fx_put1(fixture *fx, const char *coll, kz_store_object o, kz_store_put_result expect)
{
    kz_store_put_result r;
    fx_put(fx, coll, &o, 1, &r);
    assert_int_equal(r, expect);
}

static inline void fx_coll(fixture *fx, const char *alias)
{
    kz_collection c = {.alias = alias};
    kz_err rc = kz_store_collection_add(fx->s, &c, NULL);
    if (rc)
        fail_msg("collection_add %s: %s", alias, kz_store_errmsg(fx->s));
}

/* Collects records of a query as "n@d;" where n is the id number and d
 * the day of the version ("2021-01-0dT...": tests version by day), or '*'
 * for a versionless object. */
typedef struct fx_rec {
    char buf[8192];
    size_t len;
    size_t n;
    int64_t last_added;
} fx_rec;

static inline int fx_collect(void *ctx, const kz_store_record *r)
{
    fx_rec *c = ctx;
    size_t il = strlen(r->id);
    unsigned n = il >= 12 ? (unsigned)strtoul(r->id + il - 12, NULL, 16) : 0;
    char d = strncmp(r->version, "2021-01-", 8) == 0 ? r->version[9] : '*';
    int w = snprintf(c->buf + c->len, sizeof c->buf - c->len, "%u@%c;", n, d);
    if (w > 0 && (size_t)w < sizeof c->buf - c->len)
        c->len += (size_t)w;
    c->n++;
    c->last_added = r->date_added_us;
    return 0;
}

/* Version text for day d (1..9). */
static inline const char *fx_day(int d)
{
    static const char *const days[] = {
        "2021-01-01T00:00:00.000Z", "2021-01-01T00:00:00.000Z", "2021-01-02T00:00:00.000Z",
        "2021-01-03T00:00:00.000Z", "2021-01-04T00:00:00.000Z", "2021-01-05T00:00:00.000Z",
        "2021-01-06T00:00:00.000Z", "2021-01-07T00:00:00.000Z", "2021-01-08T00:00:00.000Z",
        "2021-01-09T00:00:00.000Z"};
    return days[d];
}

#endif
