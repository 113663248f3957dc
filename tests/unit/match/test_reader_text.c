/* test_reader_text.c - unit tests for the plain-text log reader's fast
 * path (lib/match/reader_text.c, text_masks.c): the byte-class bitmaps
 * (SSE2 and the scalar table agree with the class definitions for every
 * byte value at every position), and the fields of lines cut from
 * bitmaps (lines up to 4096 bytes) equal those of the byte-by-byte path
 * (the same line padded past 4096 bytes with blanks) for tokens at the
 * line's ends and across 16- and 64-byte boundaries, lines of 0..80 bytes
 * around a candidate, and pseudo-random lines. tests/data/match/text/
 * holds lines with their expected fields (KZ_REGEN=1 rewrites them). A
 * value marked canonical by the reader must be canonical for the matcher
 * (mc_is_canonical), an IPv4 address it parsed must be what the matcher
 * makes of its text (mc_ip4_parse32). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/file.h"
#include "kizuna/match_log.h"
#include "match/match_int.h"
#include "match/text_int.h"

#define DATA "tests/data/match/text/"

static const char *const kind_names[KZ_MATCH_KIND_COUNT] = {
    "ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256",
    "sha512", "sha3-256", "sha3-512", "ssdeep", "tlsh", "other",
};

/* "line kind[*] value" per field; '*' when the reader says canonical. */
static int on_rec(void *ctx, const kz_logrec *r)
{
    kz_buf *out = ctx;
    for (size_t i = 0; i < r->n_fields; i++) {
        const kz_match_field *f = &r->fields[i];
        if (f->normalized)
            assert_true(mc_is_canonical(f->kind, f->value, f->len));
        if (f->kind == KZ_MATCH_IPV4) {
            /* a plain dotted quad is parsed by the reader, and as the
             * matcher would parse its text; anything else is left to it */
            uint32_t a = 0;
            bool plain = mc_ip4_parse32(f->value, f->len, &a);
            assert_int_equal(f->has_ip4, plain);
            if (plain)
                assert_int_equal(a, f->ip4);
        } else {
            assert_false(f->has_ip4);
        }
        kz_buf_printf(out, "%llu %s%s %.*s\n", (unsigned long long)r->line,
                      kind_names[f->kind], f->normalized ? "*" : "", (int)f->len, f->value);
    }
    return 0;
}

static kz_logreader *reader(void)
{
    kz_logreader_opts o = {.format = KZ_LOG_TEXT, .max_line = 16384};
    kz_logreader *r = kz_logreader_new(&o);
    assert_non_null(r);
    return r;
}

/* ---- the bitmaps ---- */

static unsigned want_bits(unsigned c)
{
    bool delim = c <= ' ' || strchr("\"'`<>(),;|{}=[]\\", (int)c) != NULL || c == 127;
    if (c == 0)
        delim = true;
    bool digit = c >= '0' && c <= '9', lower = c >= 'a' && c <= 'z';
    bool upper = (c >= 'A' && c <= 'Z') || c == '_';
    unsigned v = 0;
    v |= (unsigned)delim << TB_DELIM;
    v |= (unsigned)(c == '.') << TB_DOT;
    v |= (unsigned)(c == ':') << TB_COLON;
    v |= (unsigned)(c == '@') << TB_AT;
    v |= (unsigned)digit << TB_DIGIT;
    v |= (unsigned)lower << TB_LOWER;
    v |= (unsigned)upper << TB_UPPER;
    v |= (unsigned)!(digit || lower || upper || c == '-' || c == '.') << TB_NOTHOST;
    return v;
}

static void check_bits(const kz_text_bits *b, const unsigned char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned want = want_bits(line[i]);
        for (unsigned k = 0; k < TB__COUNT; k++) {
            unsigned got = (unsigned)(kz_tb_at(b, k, i) & 1);
            if (got != ((want >> k) & 1))
                fail_msg("byte 0x%02x at %zu of %zu: class %u is %u", line[i], i, len, k, got);
        }
    }
    /* past the end: delimiters only, up to the padding word */
    size_t nw = (len + 63) / 64;
    for (size_t i = len; i < 64 * (nw + 1); i++) {
        assert_int_equal(kz_tb_word(b, TB_DELIM, i >> 6) >> (i & 63) & 1, 1);
        for (unsigned k = 1; k < TB__COUNT; k++)
            assert_int_equal(kz_tb_word(b, k, i >> 6) >> (i & 63) & 1, 0);
    }
}

/* Every byte value at every position of lines of 1..70 bytes and some
 * up to 140 (two 64-byte words and a part), with
 * every builder (AVX-512 VBMI, AVX and SSSE3 where the CPU has them,
 * SSE2, the scalar table; the tail of a line that is not a whole 16-byte
 * block is read as the line's last 16 bytes, shifted, or by a masked
 * 64-byte load). */
static void test_bits_every_byte(void **state)
{
    (void)state;
    static kz_text_bits b;
    unsigned char line[144];
    for (int mode = 0; mode < KZ_TEXT__MODES; mode++) {
        kz_text_simd = mode;
        for (size_t len = 1; len <= 140; len += len < 70 ? 1 : 7) {
            for (unsigned c = 0; c < 256; c += len <= 70 ? 1 : 5) {
                for (size_t i = 0; i < len; i++)
                    line[i] = (unsigned char)((c + i * 7) & 0xff);
                line[len / 2] = (unsigned char)c;
                line[len - 1] = (unsigned char)(255 - c);
                assert_int_equal(kz_text_bits_build(&b, (const char *)line, len), (len + 63) / 64);
                check_bits(&b, line, len);
            }
        }
    }
    kz_text_simd = KZ_TEXT_BEST;
}

/* ---- bitmap path == byte-by-byte path ---- */

static char big[KZ_TEXT_BITMAP_LINE + 400];

/* The fields of line[0..len) by both paths; they must be equal. */
static void same_both_ways(kz_logreader *r, const char *line, size_t len)
{
    kz_buf a, l;
    kz_buf_init(&a, 0);
    kz_buf_init(&l, 0);
    assert_true(len <= KZ_TEXT_BITMAP_LINE);
    assert_int_equal(kz_logreader_line(r, line, len, 1, on_rec, &a), KZ_OK);
    if (len >= 3 && memcmp(line + len - 3, "://", 3) == 0) {
        /* "http://" ending the line is no URL (nothing after the scheme);
         * padded with blanks it would be one: no comparison */
        kz_buf_release(&a);
        return;
    }
    memcpy(big, line, len);
    memset(big + len, ' ', sizeof big - len);
    assert_int_equal(kz_logreader_line(r, big, sizeof big, 1, on_rec, &l), KZ_OK);
    if (a.len != l.len || (a.len && memcmp(a.data, l.data, a.len) != 0)) {
        /* the canonical mark is the bitmap path's alone: compare without it */
        size_t xl = 0, yl = 0, j = 0;
        char *x = kz_buf_detach(&a, &xl), *y = kz_buf_detach(&l, &yl);
        for (size_t i = 0; x && i < xl; i++)
            if (x[i] != '*')
                x[j++] = x[i];
        if (j != yl || (j && memcmp(x, y, j) != 0))
            fail_msg("line '%.*s':\nbitmaps:\n%.*s\nbytes:\n%.*s", (int)len, line, (int)j,
                     x ? x : "", (int)yl, y ? y : "");
        free(x);
        free(y);
        return;
    }
    kz_buf_release(&a);
    kz_buf_release(&l);
}

static const char *const toks[] = {
    "evil.com", "10.1.2.3", "http://x.example/p?q=1", "user@mail.example", "[2001:db8::1]:80",
    "d41d8cd98f00b204e9800998ecf8427e", "host.example:8080", "a:b", "TCP_MISS/200", "1.2.3.4.",
    "x", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "Evil.COM", "12:34:56", "2001:db8::1",
    "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "a@b@c.com", "a/b@c.com", "Bob@Corp.Example",
    "ex!a.com", "x.y?", "evil.com.", "evil.com:", "a.b:80x", "host.example:", ".lead.example",
    "_srv.example", "A_B.C", "1-2.3", "D41D8CD98F00B204E9800998ECF8427E.", "a@b.co:25",
    "fe80::1%eth0", "ftp://a.example/", "HTTPS://A.EXAMPLE/x", "hxxp://a.example", "9.8.7.6:53",
    "user@[1.2.3.4]", "v1.2.3", "exa\xc3\xa9mple.com",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb.example",
    "1:2:3:4:5:6:7:8:", "a:b:c:d:e:f:a:b!", "http://localhost/x", "00:11:22:33:44:55",
    "1111:2222:3333:4444:5555:6666:7777:8888", "ab::", "1:2:3:4:5:6:7:8::", "a::b:",
};

/* Tokens whose only candidates are colons (the reader drops most such
 * colons by counting them per 32-byte half): at every offset up to 140,
 * after a filler with colons of its own, both paths agree. */
static void test_colon_tokens(void **state)
{
    (void)state;
    static const char *const ctoks[] = {
        "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:", "a:b:c:d:e:f:a:b!", "1:2:3:4:5:6:7",
        "::1", "http://localhost/x", "ftp://h/", "10:00:00", "0:1:2:3:4:5:6:7:8:9",
    };
    static const char fill[] = "t 1:2 x:y:z a b:: c d:e f g h:i:j k l m n o p:q r s:t:u v w ";
    kz_logreader *r = reader();
    char line[256];
    for (size_t t = 0; t < sizeof ctoks / sizeof ctoks[0]; t++) {
        size_t tl = strlen(ctoks[t]);
        for (size_t p = 0; p <= 140; p++) {
            for (size_t k = 0; k < p; k++)
                line[k] = fill[(k + t) % (sizeof fill - 1)];
            if (p)
                line[p - 1] = ' ';
            memcpy(line + p, ctoks[t], tl);
            size_t n = p + tl;
            memcpy(line + n, " 1:2:3 end", 10);
            same_both_ways(r, line, n + 10);
            same_both_ways(r, line, n);
        }
    }
    kz_logreader_free(r);
}

/* Each token alone and between fillers of 0..40 bytes before and 0..20
 * after: line lengths 0..80 around it, the token crossing every 16-byte
 * boundary and touching the line's start and end. */
static void test_token_positions(void **state)
{
    (void)state;
    static const char fill[] = "ab c. de:f g_ h@ i- jk lm no pq rs tu vw xy z0 12 34 56 78 90";
    kz_logreader *r = reader();
    char line[256];
    /* the builders' bitmaps are equal (test_bits_every_byte): the best
     * one, and the scalar table for the scalar hash check */
    for (int mode = KZ_TEXT_BEST; mode <= KZ_TEXT_SCALAR; mode += KZ_TEXT_SCALAR) {
        kz_text_simd = mode;
        for (size_t t = 0; t < sizeof toks / sizeof toks[0]; t++) {
            size_t tl = strlen(toks[t]);
            for (size_t p = 0; p <= 40; p++) {
                for (size_t s = 0; s <= 20; s++) {
                    size_t n = 0;
                    memcpy(line, fill + (t % 7), p);
                    if (p)
                        line[p - 1] = (p % 3) ? ' ' : '(';
                    n = p;
                    memcpy(line + n, toks[t], tl);
                    n += tl;
                    if (s) {
                        line[n] = (s % 4) ? ' ' : ')';
                        memcpy(line + n + 1, fill + (s % 5), s - 1);
                        n += s;
                    }
                    same_both_ways(r, line, n);
                }
            }
        }
    }
    kz_text_simd = KZ_TEXT_BEST;
    kz_logreader_free(r);
}

/* Pseudo-random lines of 1..200 bytes built from pieces of values and
 * odd bytes: whatever they hold, both paths agree. */
static void test_random_lines(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        ".", ":", "@", "/", "!", "?", "-", "_", " ", "[", "]", "(", ")", "\"", "'", "=", ",",
        "<", ">", "\t", "\xc3\xa9", "\x7f", "a", "B", "z", "0", "9", "f", "F", "com", "example",
        "http://", "https://", "ftp://", "::", "10", "255", "1.2.3.4", "#", "%", "\\", "`",
        "0123456789abcdef", "deadbeefDEADBEEF", "www.", "mail@", "..",
    };
    kz_logreader *r = reader();
    uint64_t x = 0x9e3779b97f4a7c15ull;
    char line[256];
    for (int iter = 0; iter < 30000; iter++) {
        kz_text_simd = (iter & 7) < KZ_TEXT__MODES ? (int)(iter & 7) : KZ_TEXT_BEST;
        size_t want = 1 + (size_t)(x % 200), n = 0;
        while (n < want) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const char *p = pieces[(x >> 20) % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(p);
            if (n + pl > want)
                break;
            memcpy(line + n, p, pl);
            n += pl;
        }
        same_both_ways(r, line, n);
    }
    kz_text_simd = KZ_TEXT_BEST;
    kz_logreader_free(r);
}

/* Lines of nearly 4096 bytes (the longest cut from bitmaps, whose last
 * words and padding are then at the end of their arrays) with values
 * ending exactly at the line's end. */
static void test_long_lines(void **state)
{
    (void)state;
    static const char *const tails[] = {
        " 1.2.3.4", " evil.example", " http://x.example/a", " a@b.example",
        " e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        " d41d8cd98f00b204e9800998ecf8427e", " 2001:db8::1", " x.example:",
    };
    static const char fill[] = "lorem ipsum dolor sit amet x1.example consectetur adipiscing ";
    static char line[KZ_TEXT_BITMAP_LINE];
    static const size_t lens[] = {4000, 4031, 4032, 4033, 4064, 4080, 4090, 4095, 4096};
    kz_logreader *r = reader();
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
            size_t len = lens[k], tl = strlen(tails[t]);
            for (size_t i = 0; i < len; i++)
                line[i] = fill[i % (sizeof fill - 1)];
            memcpy(line + len - tl, tails[t], tl);
            same_both_ways(r, line, len);
            /* the tail's value is found (the fill's values stay far
             * below the 256 fields a record keeps) */
            kz_buf out;
            kz_buf_init(&out, 0);
            assert_int_equal(kz_logreader_line(r, line, len, 1, on_rec, &out), KZ_OK);
            char want[80];
            size_t wl = tl - 1 - (tails[t][tl - 1] == ':');
            memcpy(want, tails[t] + 1, wl);
            want[wl] = 0;
            assert_non_null(out.data);
            assert_non_null(strstr(out.data, want));
            kz_buf_release(&out);
        }
    }
    kz_logreader_free(r);
}

/* Dotted quads of every combination of part lengths (1 to 3 digits) with
 * parts that are fine, too big or have a leading zero, in the middle of
 * a line (the SSSE3 parser, which reads 16 bytes) and at its end (the
 * scalar one), in each mode: every one is handed out as an IPv4 field,
 * parsed exactly when mc_ip4_parse32 parses it, to the same address
 * (on_rec checks that). */
static void test_ip4_parts(void **state)
{
    (void)state;
    static const char *const parts[3][5] = {
        {"0", "7", "9", "1", "5"},
        {"10", "99", "05", "00", "42"},
        {"255", "256", "100", "099", "999"},
    };
    kz_logreader *r = reader();
    char line[128];
    for (int mode = 0; mode < KZ_TEXT__MODES; mode++) {
        kz_text_simd = mode;
        for (unsigned combo = 0; combo < 81; combo++) {
            unsigned len[4] = {combo / 27, combo / 9 % 3, combo / 3 % 3, combo % 3};
            for (unsigned pick = 0; pick < 25; pick++) {
                char ip[20];
                size_t n = 0;
                for (unsigned k = 0; k < 4; k++) {
                    const char *p = parts[len[k]][(pick + k * (pick / 5 + 1)) % 5];
                    memcpy(ip + n, p, len[k] + 1);
                    n += len[k] + 1;
                    ip[n++] = '.';
                }
                n--;
                for (int at_end = 0; at_end < 2; at_end++) {
                    size_t l = 0;
                    memcpy(line, "from ", 5);
                    l = 5;
                    memcpy(line + l, ip, n);
                    l += n;
                    if (!at_end) {
                        memcpy(line + l, " port 22 and some more text", 27);
                        l += 27;
                    }
                    kz_buf out;
                    kz_buf_init(&out, 0);
                    assert_int_equal(kz_logreader_line(r, line, l, 1, on_rec, &out), KZ_OK);
                    assert_non_null(out.data);
                    assert_non_null(strstr(out.data, "ipv4"));
                    kz_buf_release(&out);
                }
            }
        }
    }
    kz_text_simd = KZ_TEXT_BEST;
    kz_logreader_free(r);
}

/* ---- data cases ---- */

static void test_data_edges(void **state)
{
    (void)state;
    size_t len = 0, wl = 0;
    char *log = NULL, *want = NULL;
    assert_int_equal(kz_file_read(DATA "edges.log", 1 << 20, &log, &len, NULL, 0), KZ_OK);
    kz_logreader *r = reader();
    kz_buf out;
    kz_buf_init(&out, 0);
    const char *p = log, *end = log + len;
    uint64_t ln = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        assert_int_equal(kz_logreader_line(r, p, n, ++ln, on_rec, &out), KZ_OK);
        same_both_ways(r, p, n);
        p += n + 1;
    }
    kz_logreader_free(r);
    size_t ol = 0;
    char *got = kz_buf_detach(&out, &ol);
    if (getenv("KZ_REGEN")) {
        FILE *f = fopen(DATA "edges.fields", "wb");
        assert_non_null(f);
        fwrite(got ? got : "", 1, ol, f);
        fclose(f);
    }
    assert_int_equal(kz_file_read(DATA "edges.fields", 1 << 20, &want, &wl, NULL, 0), KZ_OK);
    if (wl != ol || (ol && memcmp(want, got, ol) != 0))
        fail_msg("edges.log: got\n%.*s\nwant\n%.*s", (int)ol, got ? got : "", (int)wl, want);
    free(got);
    kz_free(want);
    kz_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bits_every_byte),
        cmocka_unit_test(test_token_positions),
        cmocka_unit_test(test_random_lines),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_ip4_parts),
        cmocka_unit_test(test_colon_tokens),
        cmocka_unit_test(test_data_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
