/* test_peer_cases.c - runs kz_extract_scan over every case of
 * $KZ_SHARED/data/extract/peer-cases.jsonl (converted from the test suites
 * of iocextract, ioc-finder and ioc-extractor) and compares the set of
 * TYPE<TAB>VALUE pairs with `expected` after the scorer's formatting-only
 * canonicalisation (POLICY.md, end). Every failing case is listed; cases
 * tagged :hard-linewrap are aspirational and listed apart, not failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/extract.h"
#include "kizuna/ipset.h"
#include "kizuna/json.h"

#define MAX_PAIRS 512

typedef struct pairs {
    char *v[MAX_PAIRS]; /* "type\tvalue", canonical, heap */
    size_t n;
} pairs;

static void lower(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] + 32);
}

static void upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 32);
}

/* RFC 5952 text of an IPv6 address, or the input unchanged. */
static void v6canon(kz_buf *b, const char *s, size_t n)
{
    kz_ipaddr ip;
    char t[KZ_IP_TEXT_MAX];
    if (!kz_ip_parse(s, n, &ip, NULL) && ip.family == 6) {
        kz_buf_append(b, t, kz_ip_format(&ip, t, sizeof t));
        return;
    }
    kz_buf_append(b, s, n);
}

/* The scorer's canonicalisation: domain case and trailing dot, IPv6
 * compression, hash case, CVE/T-id case, URL scheme (hxxp) and host case,
 * IPv6 URL hosts. Returns a heap string "type\tvalue". */
static char *canon(const char *type, const char *value)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_buf_append_str(&b, type);
    kz_buf_append_char(&b, '\t');
    size_t start = b.len, n = strlen(value);
    if (!strcmp(type, "ipv6-addr")) {
        v6canon(&b, value, n);
    } else if (!strcmp(type, "url")) {
        const char *sep = strstr(value, "://");
        if (!sep) {
            kz_buf_append_str(&b, value);
        } else {
            size_t sl = (size_t)(sep - value);
            char scheme[16];
            snprintf(scheme, sizeof scheme, "%.*s", (int)(sl < 15 ? sl : 15), value);
            lower(scheme, strlen(scheme));
            if (!strncmp(scheme, "hxxp", 4))
                memcpy(scheme, "http", 4);
            kz_buf_append_str(&b, scheme);
            kz_buf_append_str(&b, "://");
            const char *h = sep + 3;
            size_t hl = strcspn(h, "/?#");
            if (h[0] == '[') {
                const char *close = memchr(h, ']', hl);
                if (close) {
                    kz_buf_append_char(&b, '[');
                    v6canon(&b, h + 1, (size_t)(close - h - 1));
                    kz_buf_append(&b, close, hl - (size_t)(close - h));
                } else {
                    kz_buf_append(&b, h, hl);
                }
            } else {
                size_t hs = b.len;
                kz_buf_append(&b, h, hl);
                lower(b.data + hs, hl);
            }
            kz_buf_append_str(&b, h + hl);
        }
    } else {
        kz_buf_append_str(&b, value);
        if (!strcmp(type, "domain-name")) {
            lower(b.data + start, b.len - start);
            while (b.len > start && b.data[b.len - 1] == '.')
                b.data[--b.len] = 0;
        } else if (!strncmp(type, "file:", 5)) {
            lower(b.data + start, b.len - start);
        } else if (!strcmp(type, "vulnerability") || !strcmp(type, "attack-pattern")) {
            upper(b.data + start);
        }
    }
    return kz_buf_detach(&b, NULL);
}

static bool has(const pairs *p, const char *s)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i], s))
            return true;
    return false;
}

static void add(pairs *p, char *s)
{
    if (has(p, s) || p->n == MAX_PAIRS) {
        free(s);
        return;
    }
    p->v[p->n++] = s;
}

static void clear(pairs *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    p->n = 0;
}

static int collect(void *ctx, const kz_ioc_hit *h)
{
    add(ctx, canon(kz_ioc_type_name(h->type), h->value));
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    kz_buf b;
    kz_buf_init(&b, 0);
    char tmp[65536];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        kz_buf_append(&b, tmp, r);
    fclose(f);
    return kz_buf_detach(&b, len);
}

static void test_peer_cases(void **state)
{
    (void)state;
    const char *shared = getenv("KZ_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/extract/peer-cases.jsonl", shared ? shared : "../shared");
    size_t len;
    char *all = slurp(path, &len);
    if (!all) {
        print_message("skipped: %s not found (set KZ_SHARED)\n", path);
        skip();
    }
    size_t total = 0, passed = 0, wrap_total = 0, wrap_passed = 0, lineno = 0;
    kz_arena *a = kz_arena_new(0);
    assert_non_null(a);
    pairs got = {0}, want = {0};
    for (char *line = all, *next; line < all + len; line = next) {
        char *nl = memchr(line, '\n', (size_t)(all + len - line));
        next = nl ? nl + 1 : all + len;
        lineno++;
        if (next - line <= 1)
            continue;
        kz_json *v;
        kz_arena_reset(a);
        assert_int_equal(kz_json_parse(a, line, (size_t)(next - line), NULL, &v, NULL), KZ_OK);
        const kz_json *text = kz_json_get(v, "text"), *exp = kz_json_get(v, "expected");
        const char *source = kz_json_get_string(v, "source");
        assert_non_null(text);
        assert_non_null(exp);
        const kz_json *tags = kz_json_get(v, "tags");
        bool wrap = (source && strstr(source, "hard-linewrap")) ||
                    (tags && tags->type == KZ_JSON_ARRAY && tags->u.arr.n &&
                     strstr(kz_json_string(tags->u.arr.items[0]) ? kz_json_string(tags->u.arr.items[0]) : "", "linewrap"));
        for (size_t i = 0; i < exp->u.arr.n; i++) {
            const kz_json *pair = exp->u.arr.items[i];
            add(&want, canon(kz_json_string(pair->u.arr.items[0]), kz_json_string(pair->u.arr.items[1])));
        }
        assert_int_equal(kz_extract_scan(text->u.str.ptr, text->u.str.len, NULL, collect, &got), KZ_OK);
        bool ok = got.n == want.n;
        for (size_t i = 0; ok && i < want.n; i++)
            ok = has(&got, want.v[i]);
        if (wrap) {
            wrap_total++;
            wrap_passed += ok;
        } else {
            total++;
            passed += ok;
        }
        if (!ok) {
            print_message("%s case line %zu (%s):\n", wrap ? "aspirational" : "FAILED", lineno,
                          source ? source : "?");
            for (size_t i = 0; i < want.n; i++)
                if (!has(&got, want.v[i]))
                    print_message("  missing %s\n", want.v[i]);
            for (size_t i = 0; i < got.n; i++)
                if (!has(&want, got.v[i]))
                    print_message("  extra   %s\n", got.v[i]);
        }
        clear(&got);
        clear(&want);
    }
    print_message("peer cases: %zu/%zu pass; hard-linewrap (aspirational): %zu/%zu\n", passed,
                  total, wrap_passed, wrap_total);
    kz_arena_free(a);
    free(all);
    assert_true(total > 0);
    assert_int_equal(passed, total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
