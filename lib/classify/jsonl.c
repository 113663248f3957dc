/* jsonl.c - the reader of labelled sentences: JSON lines of
 * {"text": ..., "attack_id": ...} into kz_classify_example records, each
 * line parsed by the core JSON parser and checked, errors naming the line.
 *
 * Limits (all KZ_ETOOBIG, the message naming the line):
 *  - the input: KZ_CLASSIFY_MAX_FILE bytes;
 *  - lines: KZ_CLASSIFY_MAX_LINES, blank ones included;
 *  - one line: JSONL_MAX_LINE bytes (1 MiB: room for a text at its cap
 *    written with escapes, e.g. \u00e9 or \" for many of its bytes);
 *  - "attack_id": at most KZ_CLASSIFY_MAX_LABEL - 1 bytes (it is stored
 *    NUL-terminated in KZ_CLASSIFY_MAX_LABEL);
 *  - "text": at most KZ_CLASSIFY_MAX_TEXT bytes once unescaped. A longer
 *    text is an error, not cut: these files are curated training and test
 *    data, where a 64 KiB "sentence" is a mistake in the file (a document
 *    pasted whole, a missing newline), and silently training or scoring on
 *    its first part would hide it.
 * A label must also be non-empty and hold no NUL byte (it is used as a C
 * string); a text may hold any valid UTF-8, NUL included (it carries its
 * length). A UTF-8 byte order mark before the first line is skipped, CRLF
 * line ends are accepted, lines of white space only are skipped, and
 * members other than "text" and "attack_id" are ignored. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/classify.h"
#include "kizuna/json.h"

#define JSONL_MAX_LINE (1u << 20)

/* Growing heap array of examples; moved into the arena once the whole
 * input has been read so that a failure leaves the caller's arena with
 * no half-made array to explain. */
typedef struct vec {
    kz_classify_example *v;
    size_t n, cap;
} vec;

static kz_err vec_push(vec *x, const kz_classify_example *e)
{
    if (x->n == x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 256;
        kz_classify_example *nv = kz_realloc(x->v, ncap * sizeof *nv);
        if (!nv)
            return KZ_ENOMEM;
        x->v = nv;
        x->cap = ncap;
    }
    x->v[x->n++] = *e;
    return KZ_OK;
}

static kz_err fail_msg(char *errbuf, size_t cap, kz_err rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static kz_err fail_msg(char *errbuf, size_t cap, kz_err rc, const char *fmt, ...)
{
    if (errbuf && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, cap, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int is_blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    }
    return 1;
}

/* Checks one non-blank line and appends its example (strings copied into
 * arena a). scratch holds the parsed JSON and is reset by the caller. */
static kz_err read_line(const char *s, size_t n, size_t lineno, kz_arena *scratch, kz_arena *a,
                        vec *out, char *errbuf, size_t cap)
{
    kz_json_limits lim = {.max_depth = 64, .max_string = JSONL_MAX_LINE, .max_members = 4096};
    kz_json_error jerr;
    kz_json *v = NULL;
    kz_err rc = kz_json_parse(scratch, s, n, &lim, &v, &jerr);
    if (rc == KZ_ENOMEM)
        return fail_msg(errbuf, cap, rc, "line %zu: out of memory", lineno);
    if (rc == KZ_EPARSE)
        return fail_msg(errbuf, cap, rc, "line %zu: invalid JSON at column %zu: %s", lineno,
                        jerr.column, jerr.msg);
    if (rc)
        return fail_msg(errbuf, cap, KZ_EPARSE, "line %zu: invalid JSON: %s", lineno,
                        kz_strerror(rc));
    if (v->type != KZ_JSON_OBJECT)
        return fail_msg(errbuf, cap, KZ_EPARSE, "line %zu: not a JSON object", lineno);

    const kz_json *text = kz_json_get(v, "text");
    const kz_json *label = kz_json_get(v, "attack_id");
    if (!text)
        return fail_msg(errbuf, cap, KZ_EPARSE, "line %zu: missing \"text\"", lineno);
    if (text->type != KZ_JSON_STRING)
        return fail_msg(errbuf, cap, KZ_EPARSE, "line %zu: \"text\" is not a string", lineno);
    if (!label)
        return fail_msg(errbuf, cap, KZ_EPARSE, "line %zu: missing \"attack_id\"", lineno);
    if (label->type != KZ_JSON_STRING)
        return fail_msg(errbuf, cap, KZ_EPARSE, "line %zu: \"attack_id\" is not a string", lineno);
    if (text->u.str.len > KZ_CLASSIFY_MAX_TEXT)
        return fail_msg(errbuf, cap, KZ_ETOOBIG, "line %zu: \"text\" longer than %d bytes", lineno,
                        KZ_CLASSIFY_MAX_TEXT);
    if (label->u.str.len == 0)
        return fail_msg(errbuf, cap, KZ_EPARSE, "line %zu: \"attack_id\" is empty", lineno);
    if (label->u.str.len >= KZ_CLASSIFY_MAX_LABEL)
        return fail_msg(errbuf, cap, KZ_ETOOBIG, "line %zu: \"attack_id\" longer than %d bytes",
                        lineno, KZ_CLASSIFY_MAX_LABEL - 1);
    if (memchr(label->u.str.ptr, '\0', label->u.str.len))
        return fail_msg(errbuf, cap, KZ_EPARSE, "line %zu: \"attack_id\" holds a NUL byte", lineno);

    kz_classify_example e = {0};
    e.text = kz_arena_strndup(a, text->u.str.ptr, text->u.str.len);
    e.len = text->u.str.len;
    e.label = kz_arena_strndup(a, label->u.str.ptr, label->u.str.len);
    e.weight = 1.0f;
    if (!e.text || !e.label)
        return fail_msg(errbuf, cap, KZ_ENOMEM, "line %zu: out of memory", lineno);
    rc = vec_push(out, &e);
    if (rc)
        return fail_msg(errbuf, cap, rc, "line %zu: out of memory", lineno);
    return KZ_OK;
}

kz_err kz_classify_read_jsonl(const char *buf, size_t len, kz_arena *a, kz_classify_example **ex,
                              size_t *n, char *errbuf, size_t cap)
{
    kz_err rc = KZ_OK;
    vec out = {0};
    kz_arena *scratch = NULL;
    if (errbuf && cap)
        errbuf[0] = '\0';
    if (!a || !ex || !n || (len && !buf))
        return fail_msg(errbuf, cap, KZ_EINVAL, "invalid argument");
    if (len > KZ_CLASSIFY_MAX_FILE)
        return fail_msg(errbuf, cap, KZ_ETOOBIG, "input larger than %u bytes",
                        KZ_CLASSIFY_MAX_FILE);
    scratch = kz_arena_new(0);
    if (!scratch)
        return fail_msg(errbuf, cap, KZ_ENOMEM, "out of memory");

    size_t pos = 0, lineno = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        lineno++;
        if (lineno > KZ_CLASSIFY_MAX_LINES) {
            rc = fail_msg(errbuf, cap, KZ_ETOOBIG, "line %zu: more than %d lines", lineno,
                          KZ_CLASSIFY_MAX_LINES);
            goto fail;
        }
        if (end - pos > JSONL_MAX_LINE) {
            rc = fail_msg(errbuf, cap, KZ_ETOOBIG, "line %zu: longer than %u bytes", lineno,
                          JSONL_MAX_LINE);
            goto fail;
        }
        if (!is_blank_line(buf + pos, end - pos)) {
            rc = read_line(buf + pos, end - pos, lineno, scratch, a, &out, errbuf, cap);
            if (rc)
                goto fail;
            kz_arena_reset(scratch);
        }
        pos = end + 1;
    }

    kz_classify_example *arr = NULL;
    if (out.n) {
        arr = kz_arena_alloc(a, out.n * sizeof *arr);
        if (!arr) {
            rc = fail_msg(errbuf, cap, KZ_ENOMEM, "out of memory");
            goto fail;
        }
        memcpy(arr, out.v, out.n * sizeof *arr);
    }
    *ex = arr;
    *n = out.n;
    kz_free(out.v);
    kz_arena_free(scratch);
    return KZ_OK;
fail:
    kz_free(out.v);
    kz_arena_free(scratch);
    return rc;
}
