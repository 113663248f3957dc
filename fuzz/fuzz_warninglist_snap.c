/* fuzz_warninglist_snap.c - libFuzzer target for compiled warninglist
 * snapshots (warninglist_snap.c). The first byte picks a mode:
 *   0: the rest is a snapshot, loaded as it is;
 *   1: the same with its checksum recomputed first, so that the structural
 *      checks (offsets, indexes, chains, intervals) are what is fuzzed;
 *   2: the rest is a JSON list: the set read from it and the set mapped
 *      from its snapshot give the same answer for every entry and its near
 *      misses, under every value type; the snapshot with one bit flipped
 *      (where the input says) is refused - never a different answer;
 *   3: as 2, but the flipped snapshot gets a valid checksum: it may load
 *      and answer differently, but must not crash.
 * Any snapshot either loads or fails with KZ_ECORRUPT / KZ_EVERSION /
 * KZ_ETOOBIG and a message, leaving the set empty; a loaded one answers
 * lookups without reading out of bounds or looping. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/warninglist_int.h"
#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/ipset.h"
#include "kizuna/json.h"
#include "kizuna/warninglist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_warninglist_snap: %s\n", what);
    abort();
}

typedef struct ids {
    char s[512];
    size_t n;
} ids;

static int add_id(void *ctx, const kz_warninglist_info *l)
{
    ids *h = ctx;
    size_t n = strlen(h->s);
    snprintf(h->s + n, sizeof h->s - n, "%s%s", n ? "," : "", l->id);
    h->n++;
    return 0;
}

static void answer(const kz_warninglist_set *s, kz_ioc_type t, const char *v, size_t len,
                   ids *out, kz_err *rc)
{
    size_t n = 0;
    memset(out, 0, sizeof *out);
    *rc = kz_warninglist_check(s, t, v, len, add_id, out, &n);
    check(n == out->n, "hit count differs from callbacks");
    check(n <= kz_warninglist_count(s), "more hits than lists");
}

/* Lookups of values made from the input and a few fixed ones; with b,
 * a and b must agree. */
static void probe(const kz_warninglist_set *a, const kz_warninglist_set *b, const char *v,
                  size_t len)
{
    for (int t = 0; t <= KZ_IOC__COUNT; t++) {
        ids x, y;
        kz_err rx, ry;
        answer(a, (kz_ioc_type)t, v, len, &x, &rx);
        if (!b)
            continue;
        answer(b, (kz_ioc_type)t, v, len, &y, &ry);
        check(rx == ry && strcmp(x.s, y.s) == 0, "snapshot and JSON: different answer");
    }
}

static void probe_entry(const kz_warninglist_set *a, const kz_warninglist_set *b, const char *v,
                        size_t len)
{
    char buf[KZ_WL_MAX_ENTRY + 16];
    probe(a, b, v, len);
    if (len + 2 <= KZ_WL_MAX_ENTRY) {
        buf[0] = 'x';
        buf[1] = '.';
        memcpy(buf + 2, v, len);
        probe(a, b, buf, len + 2);
    }
    if (len > 1)
        probe(a, b, v + 1, len - 1);
    kz_ipaddr ip;
    if (kz_ip_parse(v, len, &ip, NULL) == KZ_OK) {
        /* the prefix's first address, the one before and the last */
        int bytes = ip.family == 4 ? 4 : 16;
        char t[KZ_IP_TEXT_MAX];
        for (int k = 0; k < 3; k++) {
            kz_ipaddr x = ip;
            x.prefix = (uint8_t)(bytes * 8);
            if (k == 1)
                for (int i = bytes - 1; i >= 0 && x.a[i]-- == 0; i--)
                    ;
            if (k == 2)
                for (int i = ip.prefix; i < bytes * 8; i++)
                    x.a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
            size_t tl = kz_ip_format(&x, t, sizeof t);
            probe(a, b, t, tl);
        }
    }
}

static void probe_fixed(const kz_warninglist_set *a, const kz_warninglist_set *b)
{
    static const char *const fixed[] = {"10.0.0.1", "0.0.0.0", "255.255.255.255", "::", "::1",
                                        "example.com", "a.b.example.com", "http://1.2.3.4/"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        probe(a, b, fixed[i], strlen(fixed[i]));
}

/* A heap copy (8-aligned, as a mapping is) that the set will own. */
static uint8_t *copy_of(const uint8_t *p, size_t n)
{
    uint8_t *c = kz_malloc(n ? n : 1);
    if (c && n)
        memcpy(c, p, n);
    return c;
}

static void fix_sum(uint8_t *p, size_t n)
{
    if (n < sizeof(wl_snap_hdr))
        return;
    uint64_t sum = wl_snap_checksum(p, n);
    memcpy(p + offsetof(wl_snap_hdr, checksum), &sum, sizeof sum);
}

/* Modes 0 and 1: any bytes as a snapshot. */
static void raw(const uint8_t *data, size_t size, bool fix)
{
    uint8_t *buf = copy_of(data, size);
    if (!buf)
        return;
    if (fix)
        fix_sum(buf, size);
    kz_warninglist_set *s = kz_warninglist_set_new();
    if (!s) {
        kz_free(buf);
        return;
    }
    kz_warninglist_error err;
    memset(&err, 0, sizeof err);
    kz_err rc = wl_snap_attach(s, "fuzz", buf, size, false, false, &err);
    if (rc) {
        check(rc == KZ_ECORRUPT || rc == KZ_EVERSION || rc == KZ_ETOOBIG || rc == KZ_ENOMEM,
              "unexpected error code");
        check(err.msg[0] != '\0', "no error message");
        check(kz_warninglist_count(s) == 0, "a refused snapshot left lists");
        kz_warninglist_set_free(s);
        return;
    }
    if (kz_warninglist_set_compile(s, NULL) == KZ_OK) {
        probe_fixed(s, NULL);
        /* values cut from the input itself */
        for (size_t off = 0; off + 4 <= size && off < 4096; off += 61)
            probe(s, NULL, (const char *)data + off, size - off < 40 ? size - off : 40);
    }
    kz_warninglist_set_free(s);
}

/* Modes 2 and 3: a JSON list, its snapshot, and a damaged copy. */
static void roundtrip(const uint8_t *data, size_t size, bool refix)
{
    kz_warninglist_set *a = kz_warninglist_set_new();
    kz_buf snap;
    kz_buf_init(&snap, 0);
    if (!a)
        return;
    a->no_snap = true;
    a->rec_ip = true;
    kz_warninglist_error err;
    if (kz_warninglist_load_mem(a, "fuzz", "fuzz/fuzz.json", (const char *)data, size, &err) ||
        kz_warninglist_set_compile(a, NULL)) {
        kz_warninglist_set_free(a);
        return;
    }
    wl_snap_stamp stamp;
    memset(&stamp, 0, sizeof stamp);
    const char *name = "fuzz.json";
    kz_err rc = wl_snap_build(a, &stamp, &name, 1, &snap, &err);
    if (rc) {
        check(rc == KZ_ENOMEM || rc == KZ_ETOOBIG, "a loaded list cannot be written");
        goto done;
    }
    kz_warninglist_set *b = kz_warninglist_set_new();
    uint8_t *buf = copy_of((const uint8_t *)snap.data, snap.len);
    if (!b || !buf) {
        kz_free(buf);
        kz_warninglist_set_free(b);
        goto done;
    }
    rc = wl_snap_attach(b, "fuzz", buf, snap.len, false, false, &err);
    check(rc == KZ_OK || rc == KZ_ENOMEM, "a fresh snapshot is refused");
    if (!rc && kz_warninglist_set_compile(b, NULL) == KZ_OK) {
        const kz_warninglist_info *x = kz_warninglist_get(a, 0), *y = kz_warninglist_get(b, 0);
        check(kz_warninglist_count(b) == 1 && strcmp(x->id, y->id) == 0 &&
                  strcmp(x->file, y->file) == 0 && strcmp(x->name, y->name) == 0 &&
                  strcmp(x->description, y->description) == 0 && x->type == y->type &&
                  x->entries == y->entries && x->version == y->version,
              "snapshot and JSON: different list");
        probe_fixed(a, b);
        kz_arena *ar = kz_arena_new(0);
        kz_json *doc = NULL;
        if (ar && kz_json_parse(ar, (const char *)data, size, NULL, &doc, NULL) == KZ_OK) {
            const kz_json *list = kz_json_get(doc, "list");
            for (size_t i = 0; list && i < list->u.arr.n && i < 200; i++)
                probe_entry(a, b, list->u.arr.items[i]->u.str.ptr,
                            list->u.arr.items[i]->u.str.len);
        }
        kz_arena_free(ar);
    }
    kz_warninglist_set_free(b);

    /* one bit flipped where the input's hash says */
    uint8_t *bad = copy_of((const uint8_t *)snap.data, snap.len);
    kz_warninglist_set *c = kz_warninglist_set_new();
    if (bad && c) {
        uint64_t bit = kz_hash64(data, size, 7) % ((uint64_t)snap.len * 8);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (refix)
            fix_sum(bad, snap.len);
        rc = wl_snap_attach(c, "fuzz", bad, snap.len, false, false, &err);
        bad = NULL; /* the set owns it now, also on error */
        if (!refix)
            check(rc != KZ_OK, "a damaged snapshot was accepted");
        if (rc == KZ_OK && kz_warninglist_set_compile(c, NULL) == KZ_OK)
            probe_fixed(c, NULL);
    }
    kz_free(bad);
    kz_warninglist_set_free(c);
done:
    kz_buf_release(&snap);
    kz_warninglist_set_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size || size > 65536)
        return 0;
    switch (data[0] & 3) {
    case 0: raw(data + 1, size - 1, false); break;
    case 1: raw(data + 1, size - 1, true); break;
    case 2: roundtrip(data + 1, size - 1, false); break;
    default: roundtrip(data + 1, size - 1, true); break;
    }
    return 0;
}
