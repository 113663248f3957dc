/* reader_core.c - the log reader object: the table of formats, format
 * detection, per-line dispatch, and the helpers every format uses to turn
 * a field of a log into a typed value for the matcher. */
#include <string.h>

#include "kizuna/alloc.h"
#include "match/match_int.h"
#include "match/reader_int.h"

typedef kz_err (*line_fn)(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                          kz_logrec_fn fn, void *ctx);

static const struct {
    const char *name;
    line_fn line;
} formats[KZ_LOG__COUNT] = {
    [KZ_LOG_AUTO] = {"auto", NULL},
    [KZ_LOG_ZEEK] = {"zeek", kz_reader_zeek_line},
    [KZ_LOG_ZEEK_JSON] = {"zeek-json", kz_reader_json_line},
    [KZ_LOG_EVE] = {"eve", kz_reader_json_line},
    [KZ_LOG_TEXT] = {"text", kz_reader_text_line},
};

const char *kz_logfmt_name(kz_logfmt f)
{
    return (unsigned)f < KZ_LOG__COUNT ? formats[f].name : NULL;
}

kz_err kz_logfmt_parse(const char *name, kz_logfmt *out)
{
    for (unsigned i = 0; i < KZ_LOG__COUNT; i++) {
        if (name && strcmp(name, formats[i].name) == 0) {
            *out = (kz_logfmt)i;
            return KZ_OK;
        }
    }
    return KZ_EINVAL;
}

static bool has(const char *p, size_t n, const char *needle)
{
    return memmem(p, n, needle, strlen(needle)) != NULL;
}

/* Looks at the first non-empty line only: a Zeek file opens with its
 * headers, and JSON logs have one kind of object per file. */
kz_logfmt kz_logfmt_detect(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == ' ' || buf[i] == '\t'))
        i++;
    const char *p = buf + i;
    const char *nl = memchr(p, '\n', len - i);
    size_t n = nl ? (size_t)(nl - p) : len - i;
    if (n >= 7 && (memcmp(p, "#separa", 7) == 0 || memcmp(p, "#fields", 7) == 0 ||
                   memcmp(p, "#path\t", 6) == 0))
        return KZ_LOG_ZEEK;
    if (n > 0 && p[0] == '{') {
        if (has(p, n, "\"event_type\""))
            return KZ_LOG_EVE;
        if (has(p, n, "\"ts\"") || has(p, n, "\"uid\"") || has(p, n, "\"id.orig_h\""))
            return KZ_LOG_ZEEK_JSON;
    }
    return KZ_LOG_TEXT;
}

kz_logreader *kz_logreader_new(const kz_logreader_opts *o)
{
    kz_logreader *r = kz_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (o)
        r->o = *o;
    if (!r->o.max_line)
        r->o.max_line = 1u << 20;
    if (!r->o.max_bad_reported)
        r->o.max_bad_reported = 10;
    /* Unescaped values are never longer than the line; composed URLs add
     * a scheme to a host and a path of the same line: twice the line and
     * some slack covers every case. */
    r->scratch_cap = 2 * r->o.max_line + 64;
    r->scratch = kz_malloc(r->scratch_cap);
    if (!r->scratch) {
        kz_free(r);
        return NULL;
    }
    r->cur = r->o.format;
    r->source = "-";
    kz_reader_zeek_reset(r);
    return r;
}

void kz_logreader_free(kz_logreader *r)
{
    if (!r)
        return;
    kz_free(r->scratch);
    kz_free(r);
}

const kz_logstats *kz_logreader_stats(const kz_logreader *r)
{
    return &r->st;
}

void kz_logreader_begin(kz_logreader *r, const char *source)
{
    r->source = source ? source : "-";
    r->cur = r->o.format;
    kz_reader_zeek_reset(r);
}

void kz_logreader_detect(kz_logreader *r, const char *buf, size_t len)
{
    if (r->cur == KZ_LOG_AUTO)
        r->cur = kz_logfmt_detect(buf, len);
}

kz_logfmt kz_logreader_format(const kz_logreader *r)
{
    return r->cur;
}

kz_err kz_logreader_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                         kz_logrec_fn fn, void *ctx)
{
    r->st.lines++;
    r->st.bytes += len + 1;
    if (len && line[len - 1] == '\r')
        len--;
    if (r->cur == KZ_LOG_AUTO)
        r->cur = kz_logfmt_detect(line, len);
    if (len > r->o.max_line)
        return kz_reader_bad(r, lineno, "line too long");
    if (len == 0)
        return KZ_OK;
    kz_reader_line_begin(r);
    return formats[r->cur].line(r, line, len, lineno, fn, ctx);
}

kz_err kz_reader_bad(kz_logreader *r, uint64_t lineno, const char *why)
{
    r->st.bad_lines++;
    if (r->o.on_bad && r->bad_reported < r->o.max_bad_reported) {
        r->bad_reported++;
        r->o.on_bad(r->o.bad_ctx, r->source, lineno, why);
    }
    return KZ_OK;
}

void kz_reader_line_begin(kz_logreader *r)
{
    r->n_fields = 0;
    r->has_time = false;
    r->ts_raw = NULL;
    r->url_host = r->url_path = NULL;
    r->url_host_len = r->url_path_len = 0;
    r->url_name = NULL;
    r->scratch_len = 0;
}

char *kz_reader_scratch(kz_logreader *r, size_t len)
{
    if (len > r->scratch_cap - r->scratch_len)
        return NULL;
    char *p = r->scratch + r->scratch_len;
    r->scratch_len += len;
    return p;
}

/* A new field of the line, r->n_fields < KZ_READER_MAX_FIELDS: written
 * whole from a local index (storing n_fields and then reading it back for
 * each member chained a store and a reload per field). */
static inline kz_match_field *new_field(kz_logreader *r, const char *name, kz_match_kind k,
                                        const char *v, size_t len, bool normalized)
{
    size_t n = r->n_fields;
    kz_match_field *f = &r->fields[n];
    *f = (kz_match_field){.kind = k, .value = v, .len = len, .normalized = normalized};
    r->names[n] = name;
    r->n_fields = n + 1;
    return f;
}

void kz_reader_emit_kind(kz_logreader *r, const char *name, kz_match_kind k, const char *v,
                         size_t len, bool normalized)
{
    if (len == 0 || r->n_fields >= KZ_READER_MAX_FIELDS)
        return;
    new_field(r, name, k, v, len, normalized);
}

void kz_reader_emit_ip4(kz_logreader *r, const char *name, const char *v, size_t len, uint32_t a)
{
    if (len == 0 || r->n_fields >= KZ_READER_MAX_FIELDS)
        return;
    kz_match_field *f = new_field(r, name, KZ_MATCH_IPV4, v, len, false);
    f->has_ip4 = true;
    f->ip4 = a;
}

static bool all_ipv4_chars(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || v[i] == '.'))
            return false;
    return true;
}

/* An address by its form: IPv6 has a colon, IPv4 only digits and dots.
 * Anything else is a name (only when names are allowed). A colon anywhere
 * makes it IPv6: looked for 16 bytes at a time (a byte loop testing each
 * byte for a colon and for digits was a sixth of a Zeek scan's
 * instructions, host names being most of the values that reach it). */
static void emit_host(kz_logreader *r, const char *name, const char *v, size_t len, bool names)
{
    uint32_t a;
    if (mc_ip4_parse32_swar(v, len, &a)) { /* the common case, parsed once for the lookup */
        kz_reader_emit_ip4(r, name, v, len, a);
        return;
    }
    if (kz_find2(v, v + len, ':', ':'))
        kz_reader_emit_kind(r, name, KZ_MATCH_IPV6, v, len, false);
    else if (all_ipv4_chars(v, len))
        kz_reader_emit_kind(r, name, KZ_MATCH_IPV4, v, len, false);
    else if (names)
        kz_reader_emit_kind(r, name, KZ_MATCH_DOMAIN, v, len, false);
}

/* "Name <a@b>" and "<a@b>" -> "a@b"; blanks around are dropped. */
static void emit_email(kz_logreader *r, const char *name, const char *v, size_t len)
{
    const char *lt = memchr(v, '<', len);
    if (lt) {
        const char *gt = memchr(lt, '>', len - (size_t)(lt - v));
        if (!gt)
            return;
        v = lt + 1;
        len = (size_t)(gt - v);
    }
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    kz_reader_emit_kind(r, name, KZ_MATCH_EMAIL, v, len, false);
}

/* "http://" or "https://" (any case) and more. The first byte settles
 * the usual path ("/...") without the two strncasecmp calls. */
static bool is_absolute_url(const char *v, size_t len)
{
    if (len <= 7 || (v[0] | 0x20) != 'h')
        return false;
    return strncasecmp(v, "http://", 7) == 0 || (len > 8 && strncasecmp(v, "https://", 8) == 0);
}

/* A record time in either form. */
static kz_err time_any(const char *v, size_t len, kz_time *out)
{
    return memchr(v, '-', len) ? kz_reader_time_iso(v, len, out)
                               : kz_reader_time_epoch(v, len, out);
}

bool kz_logrec_time(const kz_logrec *r, kz_time *out)
{
    if (r->has_time) {
        *out = r->time;
        return true;
    }
    return r->time_raw && time_any(r->time_raw, r->time_raw_len, out) == KZ_OK;
}

void kz_reader_emit(kz_logreader *r, const kz_fdef *d, const char *v, size_t len)
{
    if (len == 0)
        return;
    switch (d->kind) {
    case FK_IP:
        emit_host(r, d->name, v, len, false);
        break;
    case FK_IP_OR_DOMAIN:
        emit_host(r, d->name, v, len, true);
        break;
    case FK_DOMAIN:
        kz_reader_emit_kind(r, d->name, KZ_MATCH_DOMAIN, v, len, false);
        break;
    case FK_URL:
        kz_reader_emit_kind(r, d->name, KZ_MATCH_URL, v, len, false);
        break;
    case FK_URL_HOST: {
        if (!r->url_host) {
            r->url_host = v;
            r->url_host_len = len;
        }
        /* The host alone is a domain (or an address); a port is not part of it. */
        size_t hl = len;
        const char *colon = memchr(v, ':', len);
        if (colon && v[0] != '[' && !memchr(colon + 1, ':', len - (size_t)(colon - v) - 1))
            hl = (size_t)(colon - v);
        if (hl && v[0] == '[' && v[hl - 1] != ']') {
            const char *rb = memchr(v, ']', hl);
            hl = rb ? (size_t)(rb - v) + 1 : hl;
        }
        if (hl > 2 && v[0] == '[' && v[hl - 1] == ']')
            kz_reader_emit_kind(r, d->name, KZ_MATCH_IPV6, v + 1, hl - 2, false);
        else
            emit_host(r, d->name, v, hl, true);
        break;
    }
    case FK_URL_PATH:
        if (is_absolute_url(v, len)) {
            kz_reader_emit_kind(r, d->name, KZ_MATCH_URL, v, len, false);
        } else if (!r->url_path) {
            r->url_path = v;
            r->url_path_len = len;
            r->url_name = d->name;
        }
        break;
    case FK_EMAIL:
        emit_email(r, d->name, v, len);
        break;
    case FK_MD5:
        kz_reader_emit_kind(r, d->name, KZ_MATCH_MD5, v, len, false);
        break;
    case FK_SHA1:
        kz_reader_emit_kind(r, d->name, KZ_MATCH_SHA1, v, len, false);
        break;
    case FK_SHA256:
        kz_reader_emit_kind(r, d->name, KZ_MATCH_SHA256, v, len, false);
        break;
    case FK_PORT:
        if (!r->o.typed_only && len <= 5 && all_ipv4_chars(v, len) && !memchr(v, '.', len) &&
            r->n_fields < KZ_READER_MAX_FIELDS) {
            kz_reader_emit_kind(r, d->name, KZ_MATCH_OTHER, v, len, false);
            kz_match_field *f = &r->fields[r->n_fields - 1];
            f->sco_type = "network-traffic";
            f->property = d->property;
            f->numeric = true;
        }
        break;
    case FK_TS:
        /* The first value that parses is the record's time. Parsing waits
         * until someone asks (kz_logrec_time), except that a second value
         * settles the first: one value at most stays pending. */
        if (r->has_time)
            break;
        if (r->ts_raw) {
            if (time_any(r->ts_raw, r->ts_raw_len, &r->time) == KZ_OK) {
                r->has_time = true;
                r->ts_raw = NULL;
                break;
            }
        }
        r->ts_raw = v;
        r->ts_raw_len = len;
        break;
    }
}

kz_err kz_reader_line_end(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                          kz_logrec_fn fn, void *ctx)
{
    if (r->url_host && r->url_path && r->url_path[0] == '/') {
        size_t n = 7 + r->url_host_len + r->url_path_len;
        char *u = kz_reader_scratch(r, n);
        if (u) {
            memcpy(u, "http://", 7);
            memcpy(u + 7, r->url_host, r->url_host_len);
            memcpy(u + 7 + r->url_host_len, r->url_path, r->url_path_len);
            kz_reader_emit_kind(r, r->url_name, KZ_MATCH_URL, u, n, false);
        }
    }
    r->st.records++;
    if (r->n_fields == 0)
        return KZ_OK;
    r->st.values += r->n_fields;
    kz_logrec rec = {
        .source = r->source,
        .line = lineno,
        .has_time = r->has_time,
        .time = r->time,
        .time_raw = r->has_time ? NULL : r->ts_raw,
        .time_raw_len = r->has_time ? 0 : r->ts_raw_len,
        .fields = r->fields,
        .names = r->names,
        .n_fields = r->n_fields,
        .text = line,
        .text_len = len,
    };
    return fn(ctx, &rec) ? KZ_EOF : KZ_OK;
}

/* ---- record times ---- */

kz_err kz_reader_time_epoch(const char *s, size_t len, kz_time *out)
{
    size_t i = 0;
    int64_t sec = 0;
    if (len == 0 || len > 32)
        return KZ_EPARSE;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (i >= 12)
            return KZ_EPARSE; /* past year 33000: not a log time */
        sec = sec * 10 + (s[i] - '0');
    }
    if (i == 0)
        return KZ_EPARSE;
    int32_t nsec = 0;
    unsigned digits = 0;
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (digits < 9) {
                nsec = nsec * 10 + (s[i] - '0');
                digits++;
            }
        }
    }
    if (i != len)
        return KZ_EPARSE;
    for (unsigned d = digits; d < 9; d++)
        nsec *= 10;
    out->sec = sec;
    out->nsec = nsec;
    out->digits = (uint8_t)(digits > 6 ? 6 : digits < 3 ? 3 : digits);
    return KZ_OK;
}

kz_err kz_reader_time_iso(const char *s, size_t len, kz_time *out)
{
    char buf[48];
    if (len < 20 || len > 40)
        return KZ_EPARSE;
    memcpy(buf, s, len);
    /* "+0000" -> "+00:00", which kz_time_parse takes with LENIENT_ZONE. */
    if ((buf[len - 5] == '+' || buf[len - 5] == '-') && buf[len - 3] != ':') {
        buf[len + 1] = buf[len - 1];
        buf[len] = buf[len - 2];
        buf[len - 2] = ':';
        len++;
    }
    kz_err rc = kz_time_parse(buf, len, KZ_TIME_LENIENT_ZONE, out);
    if (rc == KZ_OK && out->digits > 6)
        out->digits = 6;
    if (rc == KZ_OK && out->digits < 3)
        out->digits = 3;
    return rc;
}
