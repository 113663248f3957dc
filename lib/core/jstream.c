/* jstream.c - splits a huge JSON document (a STIX bundle, a TAXII envelope,
 * or a top-level array) into its elements, reading from a file descriptor
 * in chunks, so that memory is bounded by the largest element rather than
 * by the document (see include/kizuna/json.h).
 *
 * The splitter only tracks strings and bracket nesting to find where each
 * element ends; every element is then parsed strictly by kz_json_parse. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json_int.h"
#include "kizuna/alloc.h"

#define CHUNK (1u << 20)
#define DEFAULT_MAX_ELEMENT (64u * 1024 * 1024)
#define MAX_NEST 256
#define MAX_HEADER_VALUE (1u << 20)

/* ST_MEMBERS: a member name is next; ST_MEMBER_SEP: ',' or '}' is next;
 * ST_ELEM: an array element is next; ST_AFTER_ELEM: ',' or ']' is next. */
typedef enum { ST_START, ST_MEMBERS, ST_MEMBER_SEP, ST_ELEM, ST_AFTER_ELEM, ST_DONE, ST_ERROR } state;

struct kz_jstream {
    int fd;          /* -1 for memory */
    char *buf;       /* fd mode: owned; memory mode: the caller's bytes */
    size_t len;      /* bytes available in buf */
    size_t cap;
    size_t pos;      /* scan position in buf */
    size_t keep;     /* bytes before keep may be discarded on refill */
    uint64_t base;   /* document offset of buf[0] */
    bool eof;
    size_t max_element;

    size_t line;     /* line number at buf[line_pos] */
    size_t line_pos;

    state st;
    kz_jstream_kind kind;
    bool top_is_object;
    size_t index;
    kz_arena *hdr_arena;
    kz_json *header;
    kz_json_error err;
    kz_err rc; /* the error that ended the stream */
};

static kz_jstream *jstream_alloc(size_t max_element)
{
    kz_jstream *s = kz_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->max_element = max_element ? max_element : DEFAULT_MAX_ELEMENT;
    s->line = 1;
    s->hdr_arena = kz_arena_new(4096);
    s->header = s->hdr_arena ? kz_json_new_object(s->hdr_arena) : NULL;
    if (!s->header) {
        kz_arena_free(s->hdr_arena);
        kz_free(s);
        return NULL;
    }
    return s;
}

kz_jstream *kz_jstream_new_fd(int fd, size_t max_element)
{
    kz_jstream *s = jstream_alloc(max_element);
    if (!s)
        return NULL;
    s->fd = fd;
    s->cap = CHUNK;
    s->buf = kz_malloc(s->cap);
    if (!s->buf) {
        kz_jstream_free(s);
        return NULL;
    }
    return s;
}

kz_jstream *kz_jstream_new_mem(const char *buf, size_t len, size_t max_element)
{
    kz_jstream *s = jstream_alloc(max_element);
    if (!s)
        return NULL;
    s->fd = -1;
    s->buf = (char *)buf; /* never written in memory mode */
    s->len = len;
    s->eof = true;
    return s;
}

void kz_jstream_free(kz_jstream *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        kz_free(s->buf);
    kz_arena_free(s->hdr_arena);
    kz_free(s);
}

kz_jstream_kind kz_jstream_get_kind(const kz_jstream *s)
{
    return s->kind;
}

const kz_json *kz_jstream_header(const kz_jstream *s)
{
    return s->kind == KZ_JSTREAM_CONTAINER ? s->header : NULL;
}

const kz_json_error *kz_jstream_error(const kz_jstream *s)
{
    return &s->err;
}

uint64_t kz_jstream_bytes_read(const kz_jstream *s)
{
    return s->base + s->pos;
}

static void count_lines(kz_jstream *s, size_t upto)
{
    if (upto <= s->line_pos)
        return;
    const char *p = s->buf + s->line_pos, *end = s->buf + upto;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        s->line++;
        p++;
    }
    s->line_pos = upto;
}

static kz_err set_error(kz_jstream *s, size_t at, kz_err rc, const char *msg)
{
    if (at > s->len)
        at = s->len;
    count_lines(s, at < s->line_pos ? s->line_pos : at);
    /* column: distance back to the previous newline within the buffer */
    size_t col = 1;
    for (size_t i = at; i > 0 && s->buf[i - 1] != '\n'; i--)
        col++;
    s->err.offset = (size_t)(s->base + at);
    s->err.line = s->line;
    s->err.column = col;
    snprintf(s->err.msg, sizeof s->err.msg, "%s", msg);
    s->st = ST_ERROR;
    s->rc = rc;
    return rc;
}

/* Reads more input, first discarding bytes before s->keep.
 * Returns 1 if bytes were added, 0 at end of input, or -1 (error set). */
static int refill(kz_jstream *s)
{
    if (s->eof)
        return 0;
    if (s->keep > 0) {
        count_lines(s, s->keep > s->line_pos ? s->keep : s->line_pos);
        size_t drop = s->keep;
        memmove(s->buf, s->buf + drop, s->len - drop);
        s->len -= drop;
        s->pos -= drop;
        s->line_pos -= drop;
        s->base += drop;
        s->keep = 0;
    }
    if (s->cap - s->len < CHUNK / 2) {
        if (s->len > s->max_element + CHUNK) {
            set_error(s, s->pos, KZ_ETOOBIG, "element larger than the configured limit");
            return -1;
        }
        size_t ncap = s->cap * 2;
        char *nb = kz_realloc(s->buf, ncap);
        if (!nb) {
            set_error(s, s->pos, KZ_ENOMEM, "out of memory");
            return -1;
        }
        s->buf = nb;
        s->cap = ncap;
    }
    for (;;) {
        ssize_t n = read(s->fd, s->buf + s->len, s->cap - s->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_error(s, s->pos, KZ_EIO, strerror(errno));
            return -1;
        }
        if (n == 0) {
            s->eof = true;
            return 0;
        }
        s->len += (size_t)n;
        return 1;
    }
}

/* Ensures buf[pos] exists. 1 yes, 0 end of input, -1 error. */
static int have(kz_jstream *s)
{
    while (s->pos >= s->len) {
        int r = refill(s);
        if (r <= 0)
            return r;
    }
    return 1;
}

/* Skips white space; returns the next byte, or -1 at end of input / error. */
static int peek_nonws(kz_jstream *s)
{
    for (;;) {
        int r = have(s);
        if (r <= 0)
            return -1;
        char c = s->buf[s->pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return (unsigned char)c;
        s->pos++;
        if (s->keep < s->pos && s->st != ST_START && !(s->top_is_object && s->kind == KZ_JSTREAM_UNKNOWN))
            s->keep = s->pos;
    }
}

/* Scans one JSON value starting at s->pos and leaves s->pos after it.
 * *start receives the buffer index where it began (the buffer may move
 * during the scan, but s->keep pins the start, so indexes stay valid). */
static kz_err scan_value(kz_jstream *s, size_t *start, size_t limit)
{
    size_t begin = s->pos;
    if (s->keep > begin)
        s->keep = begin;
    unsigned char stack[MAX_NEST];
    size_t depth = 0;
    bool in_str = false;
    for (;;) {
        if (s->pos >= s->len) {
            size_t rel_begin = begin - s->keep; /* refill shifts by keep */
            int r = refill(s);
            begin = rel_begin + s->keep; /* keep is 0 after a shift */
            if (r < 0)
                return s->rc;
            if (r == 0) {
                if (depth || in_str)
                    return set_error(s, s->len, KZ_EPARSE, "unexpected end of input inside a value");
                break; /* a scalar running to the end of input */
            }
            continue;
        }
        if (s->pos - begin > limit)
            return set_error(s, begin, KZ_ETOOBIG, "element larger than the configured limit");
        const char *p = s->buf + s->pos, *end = s->buf + s->len;
        if (in_str) {
            while (p < end && *p != '"' && *p != '\\')
                p++;
            if (p >= end) {
                s->pos = s->len;
                continue;
            }
            if (*p == '\\') {
                if (p + 1 >= end) {
                    s->pos = (size_t)(p - s->buf);
                    size_t rel_begin = begin - s->keep;
                    int r = refill(s);
                    begin = rel_begin + s->keep;
                    if (r < 0)
                        return s->rc;
                    if (r == 0)
                        return set_error(s, s->len, KZ_EPARSE, "unexpected end of input inside a string");
                    continue;
                }
                s->pos = (size_t)(p - s->buf) + 2;
                continue;
            }
            in_str = false;
            s->pos = (size_t)(p - s->buf) + 1;
            if (depth == 0)
                break;
            continue;
        }
        char c = *p;
        if (c == '"') {
            in_str = true;
            s->pos++;
        } else if (c == '{' || c == '[') {
            if (depth >= MAX_NEST)
                return set_error(s, s->pos, KZ_EDEPTH, "nesting too deep");
            stack[depth++] = (unsigned char)c;
            s->pos++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                break; /* ends a scalar; belongs to the container */
            unsigned char want = c == '}' ? '{' : '[';
            if (stack[depth - 1] != want)
                return set_error(s, s->pos, KZ_EPARSE, "mismatched bracket");
            depth--;
            s->pos++;
            if (depth == 0)
                break;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
            break; /* end of a top-level scalar */
        } else {
            s->pos++;
        }
    }
    if (s->pos == begin)
        return set_error(s, begin, KZ_EPARSE, "expected a JSON value");
    *start = begin;
    return KZ_OK;
}

static kz_err parse_header_value(kz_jstream *s, const char *key, size_t start)
{
    kz_json *v;
    kz_json_error jerr;
    kz_err rc = kz_json_parse(s->hdr_arena, s->buf + start, s->pos - start, NULL, &v, &jerr);
    if (rc)
        return set_error(s, start + jerr.offset, rc, jerr.msg);
    if (kz_json_get(s->header, key))
        return set_error(s, start, KZ_EPARSE, "duplicate member name at top level");
    rc = kz_json_object_set(s->hdr_arena, s->header, key, v);
    if (rc)
        return set_error(s, start, rc, "out of memory");
    return KZ_OK;
}

/* Reads a top-level member name (pos at its opening quote) into key. */
static kz_err read_key(kz_jstream *s, char *key, size_t keycap)
{
    size_t start;
    kz_err rc = scan_value(s, &start, 4096);
    if (rc)
        return rc;
    kz_json *v;
    kz_json_error jerr;
    kz_arena *tmp = kz_arena_new(1024);
    if (!tmp)
        return set_error(s, start, KZ_ENOMEM, "out of memory");
    rc = kz_json_parse(tmp, s->buf + start, s->pos - start, NULL, &v, &jerr);
    if (rc == KZ_OK && v->type != KZ_JSON_STRING)
        rc = KZ_EPARSE;
    if (rc) {
        kz_arena_free(tmp);
        return set_error(s, start, KZ_EPARSE, "expected a member name (a string)");
    }
    snprintf(key, keycap, "%s", v->u.str.ptr);
    kz_arena_free(tmp);
    return KZ_OK;
}

/* The stream's error if one is set, else a parse error at pos with msg. */
static kz_err fail_at(kz_jstream *s, const char *msg)
{
    if (s->st == ST_ERROR)
        return s->rc;
    return set_error(s, s->pos, KZ_EPARSE, msg);
}

static kz_err expect(kz_jstream *s, char want, const char *msg)
{
    int c = peek_nonws(s);
    if (c != want)
        return fail_at(s, msg);
    s->pos++;
    return KZ_OK;
}

static void fill_element(kz_jstream *s, size_t start, kz_jstream_element *el)
{
    count_lines(s, start);
    el->data = s->buf + start;
    el->len = s->pos - start;
    el->index = s->index++;
    el->offset = (size_t)(s->base + start);
    el->line = s->line;
}

static kz_err finish_document(kz_jstream *s)
{
    int c = peek_nonws(s);
    if (c >= 0)
        return set_error(s, s->pos, KZ_EPARSE, "unexpected data after the JSON document");
    if (s->st == ST_ERROR)
        return s->rc;
    s->st = ST_DONE;
    return KZ_EOF;
}

/* A top-level object with no "objects" array is one element: the bytes from
 * its '{' (pinned at s->keep, which refills move to 0 but never past) to pos. */
static kz_err finish_single(kz_jstream *s, kz_jstream_element *el)
{
    size_t len = s->pos - s->keep;
    if (len > s->max_element)
        return set_error(s, s->keep, KZ_ETOOBIG, "element larger than the configured limit");
    count_lines(s, s->keep);
    el->line = s->line;
    el->offset = (size_t)(s->base + s->keep);
    el->index = s->index++;
    kz_err rc = finish_document(s);
    if (rc != KZ_EOF)
        return rc;
    el->data = s->buf + s->keep;
    el->len = len;
    s->kind = KZ_JSTREAM_SINGLE;
    return KZ_OK;
}

kz_err kz_jstream_next(kz_jstream *s, kz_jstream_element *el)
{
    kz_err rc;
    char key[256];
    int c;
    memset(el, 0, sizeof *el);
    if (s->st == ST_DONE)
        return KZ_EOF;
    if (s->st == ST_ERROR)
        return s->rc;

    if (s->st == ST_START) {
        c = peek_nonws(s);
        if (c == '[') {
            s->kind = KZ_JSTREAM_ARRAY;
            s->pos++;
            s->keep = s->pos;
            s->st = ST_ELEM;
            if (peek_nonws(s) == ']') {
                s->pos++;
                return finish_document(s);
            }
        } else if (c == '{') {
            s->top_is_object = true;
            s->keep = s->pos; /* keep the whole object until we know its kind */
            s->pos++;
            s->st = ST_MEMBERS;
            if (peek_nonws(s) == '}') {
                s->pos++;
                return finish_single(s, el);
            }
        } else {
            return fail_at(s, c < 0 ? "empty document" : "expected a JSON object or array");
        }
    }

    for (;;) {
        switch (s->st) {
        case ST_ELEM: {
            if (peek_nonws(s) < 0)
                return fail_at(s, "unexpected end of input in array");
            size_t start;
            rc = scan_value(s, &start, s->max_element);
            if (rc)
                return rc;
            fill_element(s, start, el);
            s->st = ST_AFTER_ELEM; /* the separator is consumed on the next call */
            return KZ_OK;
        }
        case ST_AFTER_ELEM:
            s->keep = s->pos;
            c = peek_nonws(s);
            if (c == ',') {
                s->pos++;
                s->st = ST_ELEM;
                continue;
            }
            if (c != ']')
                return fail_at(s, "expected ',' or ']' after array element");
            s->pos++;
            if (s->kind == KZ_JSTREAM_ARRAY)
                return finish_document(s);
            s->st = ST_MEMBER_SEP;
            continue;
        case ST_MEMBER_SEP:
            c = peek_nonws(s);
            if (c == ',') {
                s->pos++;
                s->st = ST_MEMBERS;
                continue;
            }
            if (c != '}')
                return fail_at(s, "expected ',' or '}' in object");
            s->pos++;
            if (s->kind == KZ_JSTREAM_CONTAINER)
                return finish_document(s);
            return finish_single(s, el);
        case ST_MEMBERS: {
            if (peek_nonws(s) != '"')
                return fail_at(s, "expected a member name (a string)");
            rc = read_key(s, key, sizeof key);
            if (rc)
                return rc;
            rc = expect(s, ':', "expected ':' after member name");
            if (rc)
                return rc;
            c = peek_nonws(s);
            if (c < 0)
                return fail_at(s, "unexpected end of input");
            if (strcmp(key, "objects") == 0 && c == '[') {
                if (s->kind == KZ_JSTREAM_CONTAINER)
                    return set_error(s, s->pos, KZ_EPARSE, "duplicate member name \"objects\"");
                /* A bundle or envelope: members before this one are already
                 * in the header, so the kept prefix can go. */
                s->kind = KZ_JSTREAM_CONTAINER;
                s->pos++;
                s->keep = s->pos;
                s->st = ST_ELEM;
                if (peek_nonws(s) == ']') {
                    s->pos++;
                    s->st = ST_MEMBER_SEP;
                }
                continue;
            }
            size_t start;
            rc = scan_value(s, &start, s->kind == KZ_JSTREAM_CONTAINER ? MAX_HEADER_VALUE : s->max_element);
            if (rc)
                return rc;
            /* Header members are parsed as they pass: we do not yet know
             * whether this object is a container, and they are small. */
            if (s->pos - start <= MAX_HEADER_VALUE) {
                rc = parse_header_value(s, key, start);
                if (rc)
                    return rc;
            }
            if (s->kind == KZ_JSTREAM_CONTAINER)
                s->keep = s->pos;
            s->st = ST_MEMBER_SEP;
            continue;
        }
        default:
            return set_error(s, s->pos, KZ_EINTERNAL, "internal state error");
        }
    }
}

kz_err kz_jstream_each_fd(int fd, size_t max_element,
                          kz_err (*fn)(void *ctx, const char *data, size_t len), void *ctx,
                          char *msg, size_t msg_len)
{
    if (msg && msg_len)
        msg[0] = '\0';
    kz_jstream *js = kz_jstream_new_fd(fd, max_element);
    if (!js)
        return KZ_ENOMEM;
    kz_err rc;
    for (;;) {
        kz_jstream_element el;
        rc = kz_jstream_next(js, &el);
        if (rc == KZ_EOF) {
            rc = KZ_OK;
            break;
        }
        if (rc) {
            const kz_json_error *je = kz_jstream_error(js);
            if (msg && msg_len)
                snprintf(msg, msg_len, "at byte %zu: %s", je ? je->offset : 0,
                         je && je->msg[0] ? je->msg : kz_strerror(rc));
            /* the caller's input is broken, whichever bound it broke */
            if (rc == KZ_ETOOBIG)
                rc = KZ_EPARSE;
            break;
        }
        rc = fn(ctx, el.data, el.len);
        if (rc)
            break;
    }
    kz_jstream_free(js);
    return rc;
}
