/* test_warninglist_snap.c - compiled warninglist snapshots: the set mapped
 * from a snapshot answers exactly as the set read from the JSON lists, for
 * every entry of every built-in list and of the test lists, their near
 * misses (the addresses just outside a prefix, parent and child names,
 * other case, URL and e-mail forms) and every value type; damaged
 * snapshots (truncated, bit-flipped, wrong version) are refused; a stale
 * snapshot (a list changed, added or removed) is not used; the built-in
 * folder gets one on first use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "extract/warninglist_int.h"
#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/file.h"
#include "kizuna/ipset.h"
#include "kizuna/warninglist.h"

#define BUILTIN "data/warninglists"
#define GOOD "tests/data/extract/warninglist/good"

/* The ids of the lists a check reported, in the order reported. */
typedef struct hits {
    char ids[2048];
    size_t n;
} hits;

static int collect(void *ctx, const kz_warninglist_info *l)
{
    hits *h = ctx;
    size_t n = strlen(h->ids);
    snprintf(h->ids + n, sizeof h->ids - n, "%s%s", n ? "," : "", l->id);
    h->n++;
    return 0;
}

static size_t n_compared;

/* a and b give the same answer for v as type t. */
static void same(const kz_warninglist_set *a, const kz_warninglist_set *b, kz_ioc_type t,
                 const char *v, size_t len)
{
    hits ha, hb;
    memset(&ha, 0, sizeof ha);
    memset(&hb, 0, sizeof hb);
    size_t na = 0, nb = 0;
    kz_err ra = kz_warninglist_check(a, t, v, len, collect, &ha, &na);
    kz_err rb = kz_warninglist_check(b, t, v, len, collect, &hb, &nb);
    if (ra != rb || na != nb || strcmp(ha.ids, hb.ids) != 0) {
        fprintf(stderr, "differ: type %d '%.*s': json %s [%s], snapshot %s [%s]\n", (int)t,
                (int)len, v, kz_errname(ra), ha.ids, kz_errname(rb), hb.ids);
        fail();
    }
    n_compared++;
}

static void same_str(const kz_warninglist_set *a, const kz_warninglist_set *b, kz_ioc_type t,
                     const char *v)
{
    same(a, b, t, v, strlen(v));
}

/* The value as its guessed type, untyped, and as the types whose lists
 * look at a host: a domain, a URL's host, an e-mail's domain. */
static void same_forms(const kz_warninglist_set *a, const kz_warninglist_set *b, const char *v,
                       size_t len)
{
    char buf[KZ_WL_MAX_ENTRY + 64];
    if (len > KZ_WL_MAX_ENTRY)
        return;
    same(a, b, kz_warninglist_guess_type(v, len), v, len);
    same(a, b, KZ_IOC__COUNT, v, len);
    same(a, b, KZ_IOC_DOMAIN, v, len);
    int n = snprintf(buf, sizeof buf, "http://%.*s/x", (int)len, v);
    same(a, b, KZ_IOC_URL, buf, (size_t)n);
    n = snprintf(buf, sizeof buf, "a@%.*s", (int)len, v);
    same(a, b, KZ_IOC_EMAIL, buf, (size_t)n);
}

/* An address and its neighbours one below and one above. */
static void same_addr_around(const kz_warninglist_set *a, const kz_warninglist_set *b,
                             const kz_ipaddr *ip, int delta)
{
    kz_ipaddr x = *ip;
    int bytes = x.family == 4 ? 4 : 16;
    x.prefix = (uint8_t)(bytes * 8);
    /* x + delta with carry (delta -1 or +1), wrapping at the ends */
    for (int i = bytes - 1; i >= 0 && delta; i--) {
        int v = x.a[i] + delta;
        x.a[i] = (uint8_t)v;
        if (v >= 0 && v <= 255)
            break;
    }
    char text[KZ_IP_TEXT_MAX];
    size_t n = kz_ip_format(&x, text, sizeof text);
    same(a, b, x.family == 4 ? KZ_IOC_IPV4 : KZ_IOC_IPV6, text, n);
    if (delta)
        return;
    same(a, b, KZ_IOC__COUNT, text, n);
    char url[KZ_IP_TEXT_MAX + 16];
    int ul = snprintf(url, sizeof url, x.family == 4 ? "http://%s/" : "http://[%s]/", text);
    same(a, b, KZ_IOC_URL, url, (size_t)ul);
}

/* A cidr entry: its first and last address and the ones just outside. */
static void same_cidr(const kz_warninglist_set *a, const kz_warninglist_set *b, const char *v,
                      size_t len)
{
    kz_ipaddr p;
    if (kz_ip_parse(v, len, &p, NULL) != KZ_OK)
        return;
    kz_ipaddr last = p;
    int bits = p.family == 4 ? 32 : 128;
    for (int i = p.prefix; i < bits; i++)
        last.a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
    same_addr_around(a, b, &p, 0);
    same_addr_around(a, b, &p, -1);
    same_addr_around(a, b, &last, 0);
    same_addr_around(a, b, &last, 1);
    same(a, b, kz_warninglist_guess_type(v, len), v, len);
}

/* A name entry and its near misses: the entry in every form, and as a
 * domain a subdomain, with a trailing dot, in upper case, one byte short
 * at each end, and its parent. */
static void same_name(const kz_warninglist_set *a, const kz_warninglist_set *b, const char *v,
                      size_t len)
{
    char buf[KZ_WL_MAX_ENTRY + 8];
    if (len + 4 > KZ_WL_MAX_ENTRY)
        return;
    same_forms(a, b, v, len);
    int n = snprintf(buf, sizeof buf, "x.%.*s", (int)len, v);
    same(a, b, KZ_IOC_DOMAIN, buf, (size_t)n);
    n = snprintf(buf, sizeof buf, "%.*s.", (int)len, v);
    same(a, b, KZ_IOC_DOMAIN, buf, (size_t)n);
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)(v[i] >= 'a' && v[i] <= 'z' ? v[i] - 32 : v[i]);
    same(a, b, KZ_IOC_DOMAIN, buf, len);
    same(a, b, KZ_IOC__COUNT, buf, len);
    if (len > 1) {
        same(a, b, KZ_IOC_DOMAIN, v + 1, len - 1);
        same(a, b, KZ_IOC_DOMAIN, v, len - 1);
    }
    const char *dot = memchr(v, '.', len);
    if (dot && dot + 1 < v + len)
        same(a, b, KZ_IOC_DOMAIN, dot + 1, (size_t)(v + len - dot - 1));
}

/* Every entry of every list file of dir, with its near misses. */
static void same_entries(const kz_warninglist_set *a, const kz_warninglist_set *b,
                         const char *dir)
{
    for (size_t i = 0; i < kz_warninglist_count(a); i++) {
        const kz_warninglist_info *l = kz_warninglist_get(a, i);
        if (strncmp(l->file, dir, strlen(dir)) != 0)
            continue;
        char *buf = NULL, why[256];
        size_t len = 0;
        assert_int_equal(kz_file_read(l->file, KZ_WL_MAX_FILE, &buf, &len, why, sizeof why),
                         KZ_OK);
        kz_json *doc = NULL;
        kz_arena *ar = kz_arena_new(0);
        assert_int_equal(kz_json_parse(ar, buf, len, NULL, &doc, NULL), KZ_OK);
        const kz_json *list = kz_json_get(doc, "list");
        assert_non_null(list);
        for (size_t k = 0; k < list->u.arr.n; k++) {
            const char *v = list->u.arr.items[k]->u.str.ptr;
            size_t vl = list->u.arr.items[k]->u.str.len;
            if (l->type == KZ_WL_CIDR)
                same_cidr(a, b, v, vl);
            else
                same_name(a, b, v, vl);
        }
        kz_arena_free(ar);
        kz_free(buf);
    }
}

static void same_infos(const kz_warninglist_set *a, const kz_warninglist_set *b)
{
    assert_int_equal(kz_warninglist_count(a), kz_warninglist_count(b));
    assert_int_equal(kz_warninglist_entries(a), kz_warninglist_entries(b));
    for (size_t i = 0; i < kz_warninglist_count(a); i++) {
        const kz_warninglist_info *x = kz_warninglist_get(a, i), *y = kz_warninglist_get(b, i);
        assert_string_equal(x->id, y->id);
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->description, y->description);
        assert_string_equal(x->file, y->file);
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->entries, y->entries);
        assert_int_equal(x->version, y->version);
        assert_true(x->provider == y->provider);
    }
}

static kz_warninglist_set *json_set(const char *dir)
{
    kz_warninglist_set *s = kz_warninglist_set_new();
    kz_warninglist_error err;
    assert_non_null(s);
    wl_snap_disabled = true;
    kz_err rc = kz_warninglist_load_dir(s, dir, NULL, &err);
    wl_snap_disabled = false;
    if (rc)
        fprintf(stderr, "%s: %s: %s\n", err.file, err.path, err.msg);
    assert_int_equal(rc, KZ_OK);
    assert_int_equal(kz_warninglist_snapshot_lists(s), 0);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    return s;
}

static char tmpdir[64];

/* dir's snapshot, written to a temporary file and read back (heap). */
static uint8_t *snapshot_of(const char *dir, size_t *len)
{
    char out[128], *buf = NULL, why[256];
    kz_warninglist_error err;
    memset(&err, 0, sizeof err);
    snprintf(out, sizeof out, "%s/snap.kzwl", tmpdir);
    kz_err rc = kz_warninglist_snapshot_write(dir, out, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
    assert_int_equal(rc, KZ_OK);
    assert_int_equal(kz_file_read(out, 1u << 30, &buf, len, why, sizeof why), KZ_OK);
    unlink(out);
    return (uint8_t *)buf;
}

/* A set holding dir's lists from the snapshot buf (the set takes it). */
static kz_warninglist_set *snap_set(const char *dir, uint8_t *buf, size_t len)
{
    kz_warninglist_set *s = kz_warninglist_set_new();
    kz_warninglist_error err;
    assert_non_null(s);
    memset(&err, 0, sizeof err);
    kz_err rc = wl_snap_attach(s, dir, buf, len, false, false, &err);
    if (rc)
        fprintf(stderr, "attach: %s\n", err.msg);
    assert_int_equal(rc, KZ_OK);
    assert_int_equal(kz_warninglist_snapshot_lists(s), kz_warninglist_count(s));
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    return s;
}

static void compare_dir(const char *dir)
{
    kz_warninglist_set *a = json_set(dir);
    size_t len = 0;
    uint8_t *buf = snapshot_of(dir, &len);
    kz_warninglist_set *b = snap_set(dir, buf, len);
    same_infos(a, b);
    n_compared = 0;
    same_entries(a, b, dir);
    /* the whole address space's edges and a few fixed values */
    static const char *const extra[] = {"0.0.0.0", "255.255.255.255", "::", "ffff::1",
                                        "::ffff:8.8.8.8", "8.8.8.8", "2001:4860:4860::8888",
                                        "example.com", "", "com", "."};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        for (int t = 0; t <= KZ_IOC__COUNT; t++)
            same_str(a, b, (kz_ioc_type)t, extra[i]);
    /* pseudo-random IPv4 addresses all over the space */
    uint32_t x = 2463534242u;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        char ip[16];
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", x >> 24, x >> 16 & 255, x >> 8 & 255, x & 255);
        same_str(a, b, KZ_IOC_IPV4, ip);
    }
    assert_true(n_compared > 20000);
    kz_warninglist_set_free(a);
    kz_warninglist_set_free(b);
}

static void test_builtin_same(void **state)
{
    (void)state;
    compare_dir(BUILTIN);
}

static void test_good_same(void **state)
{
    (void)state;
    compare_dir(GOOD);
}

/* Damage: every truncation point class, bit flips all over the file, a
 * wrong version; all refused with KZ_ECORRUPT / KZ_EVERSION. */
static void test_damaged(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *good = snapshot_of(GOOD, &len);
    kz_warninglist_error err;
    static const size_t cuts[] = {0, 1, 8, sizeof(wl_snap_hdr) - 1, sizeof(wl_snap_hdr), 1000};
    for (size_t i = 0; i <= sizeof cuts / sizeof cuts[0]; i++) {
        size_t cl = i < sizeof cuts / sizeof cuts[0] ? cuts[i] : len - 8;
        if (cl >= len)
            continue;
        uint8_t *b = kz_malloc(cl ? cl : 1);
        memcpy(b, good, cl);
        kz_warninglist_set *s = kz_warninglist_set_new();
        assert_int_equal(wl_snap_attach(s, GOOD, b, cl, false, false, &err), KZ_ECORRUPT);
        assert_int_equal(kz_warninglist_count(s), 0);
        kz_warninglist_set_free(s);
    }
    for (size_t bit = 0; bit < len * 8; bit += 1 + bit / 64) {
        uint8_t *b = kz_malloc(len);
        memcpy(b, good, len);
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        kz_warninglist_set *s = kz_warninglist_set_new();
        kz_err rc = wl_snap_attach(s, GOOD, b, len, false, false, &err);
        assert_true(rc == KZ_ECORRUPT || rc == KZ_EVERSION);
        assert_int_equal(kz_warninglist_count(s), 0);
        kz_warninglist_set_free(s);
    }
    /* another format version */
    uint8_t *b = kz_malloc(len);
    memcpy(b, good, len);
    wl_snap_hdr h;
    memcpy(&h, b, sizeof h);
    h.version++;
    memcpy(b, &h, sizeof h);
    kz_warninglist_set *s = kz_warninglist_set_new();
    assert_int_equal(wl_snap_attach(s, GOOD, b, len, false, true, &err), KZ_EVERSION);
    kz_warninglist_set_free(s);
    kz_free(good);
}

/* ---- stale snapshots, in a copy of the test lists ---- */

static void copy_file(const char *from, const char *to)
{
    char *buf = NULL, why[256];
    size_t len = 0;
    assert_int_equal(kz_file_read(from, 1u << 20, &buf, &len, why, sizeof why), KZ_OK);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    kz_free(buf);
}

static char copydir[96];

static void make_copy(void)
{
    static const char *const names[] = {"special-cidr.json", "test-hosts.json",
                                        "test-regex.json", "test-strings.json",
                                        "test-substrings.json"};
    snprintf(copydir, sizeof copydir, "%s/lists", tmpdir);
    mkdir(copydir, 0755);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char from[256], to[256];
        snprintf(from, sizeof from, "%s/%s", GOOD, names[i]);
        snprintf(to, sizeof to, "%s/%s", copydir, names[i]);
        copy_file(from, to);
    }
}

/* How many lists of copydir a fresh set took from the snapshot. */
static size_t from_snapshot(size_t *count)
{
    kz_warninglist_set *s = kz_warninglist_set_new();
    kz_warninglist_error err;
    assert_int_equal(kz_warninglist_load_dir(s, copydir, NULL, &err), KZ_OK);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    size_t n = kz_warninglist_snapshot_lists(s);
    if (count)
        *count = kz_warninglist_count(s);
    kz_warninglist_set_free(s);
    return n;
}

static void test_stale(void **state)
{
    (void)state;
    kz_warninglist_error err;
    size_t count = 0;
    make_copy();
    assert_int_equal(from_snapshot(&count), 0); /* none yet: not the built-in folder */
    assert_int_equal(count, 5);
    assert_int_equal(kz_warninglist_snapshot_write(copydir, NULL, &err), KZ_OK);
    assert_int_equal(from_snapshot(&count), 5);
    assert_int_equal(count, 5);
    setenv("KZ_WL_SNAPSHOT", "off", 1);
    assert_int_equal(from_snapshot(NULL), 0);
    unsetenv("KZ_WL_SNAPSHOT");

    /* a list rewritten with the same bytes: its ctime and mtime move */
    char p[256], q[256];
    snprintf(p, sizeof p, "%s/test-hosts.json", copydir);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    copy_file(GOOD "/test-hosts.json", p);
    assert_int_equal(from_snapshot(NULL), 0);
    assert_int_equal(kz_warninglist_snapshot_write(copydir, NULL, &err), KZ_OK);
    assert_int_equal(from_snapshot(NULL), 5);

    /* a list added, then removed */
    snprintf(q, sizeof q, "%s/extra.json", copydir);
    copy_file(GOOD "/test-strings.json", q);
    assert_int_equal(from_snapshot(&count), 0);
    assert_int_equal(count, 6);
    unlink(q);
    assert_int_equal(from_snapshot(&count), 5);

    /* a list removed */
    assert_int_equal(rename(p, q), 0);
    nanosleep(&pause, NULL);
    assert_int_equal(from_snapshot(NULL), 0);
    assert_int_equal(rename(q, p), 0);

    /* ids already in the set: the snapshot is not used, the JSON load
     * skips them as before */
    kz_warninglist_set *s = kz_warninglist_set_new();
    size_t skipped = 0;
    wl_snap_disabled = true;
    assert_int_equal(kz_warninglist_load_dir(s, GOOD, NULL, &err), KZ_OK);
    wl_snap_disabled = false;
    assert_int_equal(kz_warninglist_snapshot_write(copydir, NULL, &err), KZ_OK);
    assert_int_equal(kz_warninglist_load_dir(s, copydir, &skipped, &err), KZ_OK);
    assert_int_equal(skipped, 5);
    assert_int_equal(kz_warninglist_snapshot_lists(s), 0);
    kz_warninglist_set_free(s);

    /* a damaged snapshot file: the JSON is read */
    char sp[256];
    snprintf(sp, sizeof sp, "%s/%s", copydir, KZ_WL_SNAPSHOT_NAME);
    FILE *f = fopen(sp, "r+b");
    assert_non_null(f);
    fseek(f, 300, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
    assert_int_equal(from_snapshot(&count), 0);
    assert_int_equal(count, 5);
}

/* The built-in folder ($KZ_WARNINGLISTS) gets its snapshot on first use. */
static void test_first_use(void **state)
{
    (void)state;
    char sp[256];
    kz_warninglist_error err;
    make_copy();
    snprintf(sp, sizeof sp, "%s/%s", copydir, KZ_WL_SNAPSHOT_NAME);
    unlink(sp);
    setenv("KZ_WARNINGLISTS", copydir, 1);
    kz_warninglist_set *s = kz_warninglist_set_new();
    assert_int_equal(kz_warninglist_load_dir(s, copydir, NULL, &err), KZ_OK);
    assert_int_equal(kz_warninglist_snapshot_lists(s), 0);
    kz_warninglist_set_free(s);
    assert_int_equal(access(sp, R_OK), 0);
    assert_int_equal(from_snapshot(NULL), 5);
    unsetenv("KZ_WARNINGLISTS");
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kz-wlsnap-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_same), cmocka_unit_test(test_good_same),
        cmocka_unit_test(test_damaged),      cmocka_unit_test(test_stale),
        cmocka_unit_test(test_first_use),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
