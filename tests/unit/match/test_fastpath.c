/* test_fastpath.c - the matcher's shortcuts against the general code they
 * stand in for: mc_ip4_parse32 (the readers' dotted-quad parser) against
 * kz_ip_parse on every short string over the characters that matter and
 * on random ones; a record whose IPv4 field comes pre-parsed (has_ip4)
 * against the same record as text; the Zeek reader's whole-line bitmap
 * path against its column-by-column path; the lazy record time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/match.h"
#include "kizuna/match_log.h"
#include "match/match_int.h"
#include "match/reader_int.h"

/* mc_ip4_parse32 accepts exactly what kz_ip_parse accepts as a plain
 * address (no '/', no ':'), with the same address. */
static void check_ip4(const char *s, size_t n)
{
    uint32_t a = 0;
    bool fast = mc_ip4_parse32(s, n, &a);
    kz_ipaddr ip;
    bool slow = !memchr(s, '/', n) && !memchr(s, ':', n) && kz_ip_parse(s, n, &ip, NULL) == KZ_OK;
    if (fast != slow)
        fail_msg("'%.*s': mc_ip4_parse32 %d, kz_ip_parse %d", (int)n, s, fast, slow);
    /* the branch-free parser on an exact-size copy (ASan sees any read
     * past the value): the same verdict and address */
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, s, n);
    uint32_t b = 0;
    bool swar = mc_ip4_parse32_swar(copy, n, &b);
    free(copy);
    if (swar != fast || (fast && a != b))
        fail_msg("'%.*s': mc_ip4_parse32 %d (%08x), mc_ip4_parse32_swar %d (%08x)", (int)n, s,
                 fast, a, swar, b);
    if (fast) {
        kz_ipaddr mine;
        mc_ip4_addr(a, &mine);
        assert_int_equal(ip.family, 4);
        assert_int_equal(ip.prefix, 32);
        assert_memory_equal(ip.a, mine.a, 16);
        assert_int_equal(mine.family, 4);
        assert_int_equal(mine.prefix, 32);
    }
}

static void test_ip4_parse(void **state)
{
    (void)state;
    /* every string of up to 8 bytes over a small alphabet, plus random ones */
    static const char alpha[] = "0125.9a";
    const size_t na = sizeof alpha - 1;
    char s[32];
    for (size_t len = 0; len <= 8; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= na;
        if (total > 10000000)
            break;
        for (size_t code = 0; code < total; code++) {
            size_t c = code;
            for (size_t i = 0; i < len; i++) {
                s[i] = alpha[c % na];
                c /= na;
            }
            check_ip4(s, len);
        }
    }
    static const char alpha2[] = "0123456789.";
    unsigned long seed = 12345;
    for (int k = 0; k < 300000; k++) {
        seed = seed * 6364136223846793005ul + 1442695040888963407ul;
        size_t len = 5 + (seed >> 33) % 14;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 6364136223846793005ul + 1442695040888963407ul;
            s[i] = alpha2[(seed >> 33) % 11];
        }
        check_ip4(s, len);
    }
    /* near-addresses: four parts of 0..4 digits (leading zeros, values
     * over 255), sometimes a dot too many or too few */
    for (int k = 0; k < 300000; k++) {
        size_t len = 0;
        for (int part = 0; part < 4; part++) {
            seed = seed * 6364136223846793005ul + 1442695040888963407ul;
            unsigned nd = (unsigned)(seed >> 33) % 5, first = (unsigned)(seed >> 40) % 4;
            for (unsigned i = 0; i < nd; i++)
                s[len++] = (char)('0' + (i == 0 ? (first == 0 ? 0 : first == 1 ? 2 : (seed >> 45) % 10)
                                                : (seed >> (45 + 4 * i)) % 10));
            unsigned odd = (unsigned)(seed >> 60);
            if (part < 3 && odd != 0)
                s[len++] = '.';
            if (odd == 1)
                s[len++] = '.';
        }
        check_ip4(s, len);
    }
    static const char *const cases[] = {"0.0.0.0",         "255.255.255.255", "256.1.1.1",
                                        "1.2.3.04",        "1.2.3.4.",        ".1.2.3.4",
                                        "1.2.3.4 ",        "1..2.3",          "1.2.3.1000",
                                        "01.2.3.4",        "100.200.250.255", "1.2.3"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_ip4(cases[i], strlen(cases[i]));
}

typedef struct hits {
    kz_buf b;
} hits;

static int on_hit(void *ctx, const kz_match_hit *h)
{
    hits *x = ctx;
    kz_buf_printf(&x->b, "%u %zu %.*s\n", h->indicator, h->field, (int)h->value_len, h->value);
    return 0;
}

/* A pre-parsed IPv4 field hits exactly like its text. */
static void test_preparsed_ip4(void **state)
{
    (void)state;
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(NULL, &b), KZ_OK);
    static const char ind[] =
        "[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000000-0000-4000-"
        "8000-000000000001\",\"created\":\"2024-01-01T00:00:00Z\",\"modified\":\"2024-01-01T00:00:"
        "00Z\",\"pattern\":\"[ipv4-addr:value = '10.1.2.3']\",\"pattern_type\":\"stix\","
        "\"valid_from\":\"2024-01-01T00:00:00Z\"},"
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000000-0000-4000-"
        "8000-000000000002\",\"created\":\"2024-01-01T00:00:00Z\",\"modified\":\"2024-01-01T00:00:"
        "00Z\",\"pattern\":\"[ipv4-addr:value ISSUBSET '10.1.0.0/16']\",\"pattern_type\":\"stix\","
        "\"valid_from\":\"2024-01-01T00:00:00Z\"}]";
    kz_arena *ar = kz_arena_new(0);
    assert_non_null(ar);
    kz_json *arr = NULL;
    assert_int_equal(kz_json_parse(ar, ind, sizeof ind - 1, NULL, &arr, NULL), KZ_OK);
    assert_int_equal(arr->type, KZ_JSON_ARRAY);
    for (size_t i = 0; i < arr->u.arr.n; i++)
        assert_int_equal(kz_match_builder_add_object(b, arr->u.arr.items[i]), KZ_OK);
    kz_arena_free(ar);
    kz_match_set *m = NULL;
    assert_int_equal(kz_match_builder_finish(b, &m), KZ_OK);
    kz_match_scratch *s = NULL;
    assert_int_equal(kz_match_scratch_new(m, &s), KZ_OK);
    static const char *const addrs[] = {"10.1.2.3", "10.1.9.9", "10.2.0.1", "1.2.3.4"};
    for (size_t i = 0; i < 4; i++) {
        uint32_t a;
        assert_true(mc_ip4_parse32(addrs[i], strlen(addrs[i]), &a));
        kz_match_field text = {.kind = KZ_MATCH_IPV4, .value = addrs[i], .len = strlen(addrs[i])};
        kz_match_field bin = text;
        bin.has_ip4 = true;
        bin.ip4 = a;
        hits x, y;
        kz_buf_init(&x.b, 0);
        kz_buf_init(&y.b, 0);
        kz_match_record rx = {.fields = &text, .n_fields = 1};
        kz_match_record ry = {.fields = &bin, .n_fields = 1};
        assert_int_equal(kz_match_record_run(m, s, &rx, on_hit, &x), KZ_OK);
        assert_int_equal(kz_match_record_run(m, s, &ry, on_hit, &y), KZ_OK);
        assert_int_equal(x.b.len, y.b.len);
        if (x.b.len)
            assert_memory_equal(x.b.data, y.b.data, x.b.len);
        assert_true(i < 2 ? x.b.len > 0 : i == 2 ? x.b.len == 0 : true);
        kz_buf_release(&x.b);
        kz_buf_release(&y.b);
    }
    kz_match_scratch_free(s);
    kz_match_set_free(m);
}

static int dump_rec(void *ctx, const kz_logrec *r)
{
    kz_buf *b = ctx;
    kz_time t;
    if (kz_logrec_time(r, &t))
        kz_buf_printf(b, "%llu t %lld %d\n", (unsigned long long)r->line, (long long)t.sec,
                      (int)t.nsec);
    for (size_t i = 0; i < r->n_fields; i++)
        kz_buf_printf(b, "%llu %s %d %d %.*s\n", (unsigned long long)r->line, r->names[i],
                      (int)r->fields[i].kind, (int)r->fields[i].has_ip4, (int)r->fields[i].len,
                      r->fields[i].value);
    return 0;
}

static void read_zeek(const char *log, bool fast, bool typed_only, kz_buf *out, kz_logstats *st)
{
    size_t saved = kz_reader_zeek_fast_max;
    kz_reader_zeek_fast_max = fast ? saved : 0;
    kz_logreader_opts o = {.format = KZ_LOG_ZEEK, .typed_only = typed_only};
    kz_logreader *r = kz_logreader_new(&o);
    assert_non_null(r);
    kz_logreader_begin(r, "t");
    const char *p = log;
    uint64_t ln = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *copy = malloc(len + 1); /* exactly the line: ASan sees any over-read */
        assert_non_null(copy);
        memcpy(copy, p, len);
        assert_int_equal(kz_logreader_line(r, copy, len, ++ln, dump_rec, out), KZ_OK);
        free(copy);
        p += len + (nl ? 1 : 0);
    }
    *st = *kz_logreader_stats(r);
    kz_logreader_free(r);
    kz_reader_zeek_fast_max = saved;
}

/* Lines of every length around the 16- and 64-byte steps, escapes,
 * sets, too many and too few columns, a separator change: both paths
 * give the same fields, times and counts. */
static void test_zeek_paths(void **state)
{
    (void)state;
    kz_buf log;
    kz_buf_init(&log, 0);
    kz_buf_append_str(&log, "#separator \\x09\n#set_separator\t,\n#fields\tts\tuid\tid.orig_h\t"
                            "id.orig_p\tid.resp_h\tid.resp_p\tquery\tanswers\tx\n#types\ttime\t"
                            "string\taddr\tport\taddr\tport\tstring\tvector[string]\tstring\n");
    for (int i = 0; i < 300; i++) {
        char pad[300];
        memset(pad, 'p', (size_t)i);
        pad[i] = 0;
        kz_buf_printf(&log, "1714557600.%06d\tC%s\t10.0.%d.%d\t%d\t192.0.2.%d\t80\t"
                            "ev%sil.example\t1.2.3.%d,a.b.c,-\t%s\n",
                      i, pad + (i % 7), i % 256, i % 100, i, i % 256, (i % 3) ? "" : "\\x41",
                      i % 256, pad + (300 - i > 290 ? 0 : 0));
        if (i % 17 == 0)
            kz_buf_printf(&log, "1\t2\t3\n"); /* too few */
        if (i % 19 == 0)
            kz_buf_printf(&log, "1\t2\t3\t4\t5\t6\t7\t8\t9\t10\n"); /* too many */
        if (i % 23 == 0)
            kz_buf_printf(&log, "x\t-\t(empty)\t-\t0.0.0.0\t-\t-\t(empty)\t%s\\\n", pad);
    }
    kz_buf_append_str(&log, "#separator |\n#fields|ts|id.orig_h|host|uri\n"
                            "1.5|10.9.9.9|h.example|/a\\x7cb\n2|1.1.1.1|h|/p|x\n");
    kz_buf_append_char(&log, '\0');
    for (int typed = 0; typed < 2; typed++) {
        kz_buf a, b;
        kz_buf_init(&a, 0);
        kz_buf_init(&b, 0);
        kz_logstats sa, sb;
        read_zeek(log.data, true, typed, &a, &sa);
        read_zeek(log.data, false, typed, &b, &sb);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        assert_int_equal(sa.bad_lines, sb.bad_lines);
        assert_int_equal(sa.records, sb.records);
        assert_int_equal(sa.values, sb.values);
        /* the bitmap path's compilation for any CPU gives the same too
         * (the default above is the POPCNT one where the CPU has it) */
        kz_buf c;
        kz_buf_init(&c, 0);
        kz_logstats sc;
        int saved = kz_reader_zeek_popcnt;
        kz_reader_zeek_popcnt = 0;
        read_zeek(log.data, true, typed, &c, &sc);
        kz_reader_zeek_popcnt = saved;
        assert_int_equal(a.len, c.len);
        assert_memory_equal(a.data, c.data, a.len);
        assert_int_equal(sa.bad_lines, sc.bad_lines);
        assert_int_equal(sa.records, sc.records);
        kz_buf_release(&c);
        assert_true(sa.bad_lines > 30);
        assert_true(sa.records >= 300);
        char want[64];
        snprintf(want, sizeof want, " id.orig_h %d 1 10.0.5.5\n", (int)KZ_MATCH_IPV4);
        assert_non_null(strstr(a.data, want));                      /* pre-parsed */
        assert_non_null(strstr(a.data, " t 1714557600 5000\n"));    /* lazy time */
        assert_true((strstr(a.data, "id.orig_p") != NULL) == !typed);
        kz_buf_release(&a);
        kz_buf_release(&b);
    }
    kz_buf_release(&log);
}

/* The first value that parses is the record's time, as when every value
 * was parsed at once: a bad first one gives way to the next. */
static void test_lazy_time(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "{\"timestamp\":\"bad\",\"timestamp\":\"2024-05-21T10:00:00.5+0000\",\"src_ip\":\"1.2.3.4\"}",
        ("{\"timestamp\":\"2024-05-21T10:00:01Z\",\"timestamp\":\"2024-05-21T10:00:02Z\","
         "\"timestamp\":\"x\",\"src_ip\":\"1.2.3.4\"}"),
        "{\"timestamp\":\"bad\",\"src_ip\":\"1.2.3.4\"}",
        "{\"timestamp\":\"x\",\"timestamp\":\"y\",\"timestamp\":1714557600.25,\"src_ip\":\"1.2.3.4\"}",
    };
    static const char *const want[] = {"1716285600 500000000", "1716285601 0", "", "1714557600 250000000"};
    for (size_t i = 0; i < 4; i++) {
        kz_logreader_opts o = {.format = KZ_LOG_EVE};
        kz_logreader *r = kz_logreader_new(&o);
        assert_non_null(r);
        kz_buf b;
        kz_buf_init(&b, 0);
        assert_int_equal(kz_logreader_line(r, lines[i], strlen(lines[i]), 1, dump_rec, &b), KZ_OK);
        kz_buf_append_char(&b, '\0');
        char exp[64] = "";
        if (*want[i])
            snprintf(exp, sizeof exp, "1 t %s\n", want[i]);
        if (*exp)
            assert_non_null(strstr(b.data, exp));
        else
            assert_null(strstr(b.data, " t "));
        kz_buf_release(&b);
        kz_logreader_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip4_parse),
        cmocka_unit_test(test_preparsed_ip4),
        cmocka_unit_test(test_zeek_paths),
        cmocka_unit_test(test_lazy_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
