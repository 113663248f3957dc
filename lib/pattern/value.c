/* value.c - pattern literals (decoding of strings, numbers, h'' / b'' /
 * t'' constants), the compiled regular expressions behind LIKE and MATCHES
 * (PCRE2), and Unicode NFC normalisation for them.
 *
 * NFC: libunistring's u8_normalize (Debian libunistring-dev; already a
 * dependency of libpsl through libidn2), linked like any other library so
 * that normalisation can never silently degrade. ASCII text, the common
 * case, is NFC already and skips it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

#include "kizuna/alloc.h"
#include "kizuna/codec.h"
#include "pattern_int.h"

struct pat_regex {
    struct pat_regex *next;
    pcre2_code *utf;   /* for string values */
    pcre2_code *bytes; /* for binary values; NULL when the regex has code points > 255 */
};

/* ---- literals ---- */

kz_err pat_lit_decode(kz_arena *a, pat_lit *lit, pat_tok t, const char *text, size_t len)
{
    memset(lit, 0, sizeof *lit);
    lit->text = kz_arena_strndup(a, text, len);
    lit->text_len = len;
    if (!lit->text)
        return KZ_ENOMEM;
    switch (t) {
    case T_INT_POS:
    case T_INT_NEG: {
        lit->kind = L_INT;
        size_t i = text[0] == '+' || text[0] == '-' ? 1 : 0;
        uint64_t v = 0;
        bool over = false;
        for (; i < len; i++) {
            unsigned dgt = (unsigned)(text[i] - '0');
            if (v > (UINT64_MAX - dgt) / 10)
                over = true;
            else
                v = v * 10 + dgt;
        }
        bool neg = text[0] == '-';
        if (!over && (neg ? v <= (uint64_t)INT64_MAX + 1 : v <= (uint64_t)INT64_MAX)) {
            lit->i = neg ? (int64_t)(0 - v) : (int64_t)v;
            lit->int_exact = true;
        }
        lit->d = strtod(lit->text, NULL);
        return KZ_OK;
    }
    case T_FLOAT_POS:
    case T_FLOAT_NEG:
        lit->kind = L_FLOAT;
        lit->d = strtod(lit->text, NULL);
        return KZ_OK;
    case T_BOOL:
        lit->kind = L_BOOL;
        lit->i = len == 4;
        return KZ_OK;
    case T_STRING: {
        lit->kind = L_STRING;
        char *out = kz_arena_alloc(a, len);
        if (!out)
            return KZ_ENOMEM;
        size_t n = 0;
        for (size_t i = 1; i + 1 < len; i++) {
            if (text[i] == '\\')
                i++;
            out[n++] = text[i];
        }
        out[n] = '\0';
        lit->str = out;
        lit->str_len = n;
        return KZ_OK;
    }
    case T_HEX: {
        lit->kind = L_HEX;
        size_t n = (len - 3) / 2;
        char *out = kz_arena_alloc(a, n + 1);
        if (!out)
            return KZ_ENOMEM;
        for (size_t i = 0; i < n; i++)
            out[i] = (char)(kz_hex_value(text[2 + 2 * i]) << 4 | kz_hex_value(text[3 + 2 * i]));
        out[n] = '\0';
        lit->str = out;
        lit->str_len = n;
        return KZ_OK;
    }
    case T_BINARY: {
        lit->kind = L_BINARY;
        const char *s = text + 2;
        size_t n = len - 3;
        char *out = kz_arena_alloc(a, n / 4 * 3 + 1);
        if (!out)
            return KZ_ENOMEM;
        size_t o = 0;
        for (size_t i = 0; i + 3 < n; i += 4) {
            int v[4];
            for (int k = 0; k < 4; k++)
                v[k] = s[i + k] == '=' ? 0 : kz_base64_value((unsigned char)s[i + k], false);
            uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
            out[o++] = (char)(w >> 16);
            if (s[i + 2] != '=')
                out[o++] = (char)(w >> 8 & 0xff);
            if (s[i + 3] != '=')
                out[o++] = (char)(w & 0xff);
        }
        out[o] = '\0';
        lit->str = out;
        lit->str_len = o;
        return KZ_OK;
    }
    case T_TIMESTAMP:
        lit->kind = L_TIMESTAMP;
        lit->str = lit->text + 2;
        lit->str_len = len - 3;
        lit->ts_ok = kz_time_parse(lit->str, lit->str_len, KZ_TIME_STRICT, &lit->ts) == KZ_OK;
        return KZ_OK;
    default:
        return KZ_EINVAL;
    }
}

/* ---- NFC through libunistring ---- */

/* *out is malloc'd by libunistring (free() it), or NULL when s is ASCII. */
kz_err pat_nfc(const char *s, size_t len, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    size_t i = 0;
    while (i < len && (unsigned char)s[i] < 0x80)
        i++;
    if (i == len)
        return KZ_OK; /* ASCII is NFC */
    size_t n = 0;
    uint8_t *r = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL, &n);
    if (!r)
        return KZ_ENOMEM; /* also EILSEQ on invalid UTF-8: treat as resource failure */
    *out = (char *)r;
    *out_len = n;
    return KZ_OK;
}

/* ---- regular expressions ---- */

/* LIKE to a regex the way the reference does it: anchored, % is .*, _ is .,
 * everything else literal. */
static kz_err like_to_regex(const char *s, size_t n, kz_buf *b)
{
    kz_err rc = kz_buf_append_char(b, '^');
    for (size_t i = 0; !rc && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%')
            rc = kz_buf_append(b, ".*", 2);
        else if (c == '_')
            rc = kz_buf_append_char(b, '.');
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c >= 0x80)
            rc = kz_buf_append_char(b, (char)c);
        else if (c == 0)
            rc = kz_buf_append(b, "\\x{0}", 5);
        else {
            rc = kz_buf_append_char(b, '\\');
            if (!rc)
                rc = kz_buf_append_char(b, (char)c);
        }
    }
    if (!rc)
        rc = kz_buf_append_char(b, '$');
    return rc;
}

/* UTF-8 text to Latin-1 bytes when every code point is below 256. */
static bool to_latin1(const char *s, size_t n, kz_buf *out)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (kz_buf_append_char(out, (char)c))
                return false;
            i++;
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < n) {
            if (kz_buf_append_char(out, (char)(((c & 0x1f) << 6) | (s[i + 1] & 0x3f))))
                return false;
            i += 2;
        } else {
            return false;
        }
    }
    return true;
}

kz_err pat_regex_compile(kz_pattern *p, pat_cmp *c, char *msg, size_t msg_size)
{
    char *nfc = NULL;
    size_t nfc_len = 0;
    kz_buf src, lat;
    kz_buf_init(&src, 0);
    kz_buf_init(&lat, 0);
    struct pat_regex *re = kz_calloc(1, sizeof *re);
    kz_err rc = re ? pat_nfc(c->lit.str, c->lit.str_len, &nfc, &nfc_len) : KZ_ENOMEM;
    if (rc)
        goto fail;
    const char *s = nfc ? nfc : c->lit.str;
    size_t n = nfc ? nfc_len : c->lit.str_len;
    rc = c->op == OP_LIKE ? like_to_regex(s, n, &src) : kz_buf_append(&src, s, n);
    if (rc)
        goto fail;
    int ecode;
    PCRE2_SIZE eoff;
    re->utf = pcre2_compile((PCRE2_SPTR)(src.data ? src.data : ""), src.len, PCRE2_UTF | PCRE2_UCP,
                            &ecode, &eoff, NULL);
    if (!re->utf) {
        char pmsg[96];
        pcre2_get_error_message(ecode, (PCRE2_UCHAR *)pmsg, sizeof pmsg);
        snprintf(msg, msg_size, "invalid regular expression: %s at offset %zu", pmsg, (size_t)eoff);
        rc = KZ_EINVALID;
        goto fail;
    }
    pcre2_jit_compile(re->utf, PCRE2_JIT_COMPLETE); /* best effort */
    if (to_latin1(src.data ? src.data : "", src.len, &lat)) {
        re->bytes = pcre2_compile((PCRE2_SPTR)(lat.data ? lat.data : ""), lat.len, 0, &ecode, &eoff, NULL);
        if (re->bytes)
            pcre2_jit_compile(re->bytes, PCRE2_JIT_COMPLETE);
    }
    free(nfc);
    kz_buf_release(&src);
    kz_buf_release(&lat);
    re->next = p->regexes;
    p->regexes = re;
    c->re = re;
    return KZ_OK;
fail:
    if (rc == KZ_ENOMEM)
        snprintf(msg, msg_size, "out of memory");
    free(nfc);
    kz_buf_release(&src);
    kz_buf_release(&lat);
    kz_free(re);
    return rc;
}

void pat_regex_free_all(kz_pattern *p)
{
    struct pat_regex *re = p->regexes;
    while (re) {
        struct pat_regex *nx = re->next;
        pcre2_code_free(re->utf);
        pcre2_code_free(re->bytes);
        kz_free(re);
        re = nx;
    }
    p->regexes = NULL;
}

int pat_regex_match(const struct pat_regex *re, void **md, const char *s, size_t len, bool bytes)
{
    const pcre2_code *code = bytes ? re->bytes : re->utf;
    if (!code)
        return 0; /* a regex with code points > 255 never matches binary data */
    if (!*md) {
        *md = pcre2_match_data_create(4, NULL);
        if (!*md)
            return -1;
    }
    int r = pcre2_match(code, (PCRE2_SPTR)s, len, 0, bytes ? 0 : PCRE2_NO_UTF_CHECK, *md, NULL);
    if (r >= 0)
        return 1;
    if (r == PCRE2_ERROR_NOMATCH)
        return 0;
    return -1;
}

void pat_regex_md_free(void *md)
{
    pcre2_match_data_free(md);
}
