/* reader_int.h - what the log readers share (private to lib/match): the
 * reader object, the field tables and the helpers that classify and emit
 * one value. Each format's parser lives in its own reader_<fmt>.c. */
#ifndef KZ_MATCH_READER_INT_H
#define KZ_MATCH_READER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/match_log.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* What a field of a log holds; decides the kz_match_kind of its values. */
typedef enum kz_fkind {
    FK_IP = 0,        /* an address: ipv4 or ipv6 by its form */
    FK_IP_OR_DOMAIN,  /* an address or a host name (DNS answers, rdata) */
    FK_DOMAIN,
    FK_URL,           /* a whole URL */
    FK_URL_HOST,      /* the host part of a URL built with FK_URL_PATH (also a host itself) */
    FK_URL_PATH,      /* the path of that URL (or a whole URL, as proxies log it) */
    FK_EMAIL,         /* "a@b", "<a@b>", "Name <a@b>" */
    FK_MD5,
    FK_SHA1,
    FK_SHA256,
    FK_PORT,          /* network-traffic port, numeric: for complex patterns */
    FK_TS             /* the record's time */
} kz_fkind;

/* One row of a format's field table. `path` is the field's name in Zeek
 * TSV and Zeek JSON; in EVE it is a '/'-separated path of object keys
 * (arrays are transparent: "dns/query/rrname" also finds dns.query[i].rrname). */
typedef struct kz_fdef {
    const char *path;
    const char *name; /* shown in hits: "dns.rrname", "id.resp_h" */
    kz_fkind kind;
    const char *property; /* FK_PORT: the network-traffic property */
    bool set;             /* Zeek: a set or vector when no #types says so */
} kz_fdef;

#define KZ_READER_MAX_FIELDS 256  /* values kept per record; more are dropped */
#define KZ_ZEEK_MAX_COLS 512      /* columns of a #fields header */

struct kz_logreader {
    kz_logreader_opts o;
    kz_logfmt cur;            /* format of the current source; AUTO until detected */
    const char *source;
    kz_logstats st;
    size_t bad_reported;

    /* per-line output */
    kz_match_field fields[KZ_READER_MAX_FIELDS];
    const char *names[KZ_READER_MAX_FIELDS];
    size_t n_fields;
    bool has_time;
    kz_time time;
    const char *ts_raw;              /* first time value not parsed yet (see kz_logrec.time_raw) */
    size_t ts_raw_len;
    const char *url_host, *url_path; /* pending FK_URL_HOST / FK_URL_PATH of this line */
    size_t url_host_len, url_path_len;
    const char *url_name;

    /* per-line scratch for unescaped and composed values: fixed capacity
     * so that pointers into it stay valid for the whole line */
    char *scratch;
    size_t scratch_len, scratch_cap;

    /* Zeek TSV header state of the current source */
    char sep, set_sep;
    char unset[32], empty[32];
    size_t unset_len, empty_len;
    int16_t col_def[KZ_ZEEK_MAX_COLS];  /* column -> index in the zeek table, -1: unused */
    bool col_set[KZ_ZEEK_MAX_COLS];     /* column is a set or vector */
    uint16_t want[KZ_ZEEK_MAX_COLS];    /* the columns that give values, in order */
    size_t n_want;
    size_t n_cols;
    bool have_fields, have_types;
    bool line_esc;                      /* the current column holds a backslash */
    const char *bad_why;                /* reason of the line being rejected */
};

/* The first byte in [p, end) equal to a or to b, or NULL. Inline and
 * 16 bytes at a time: log fields are short, and a libc memchr call per
 * field cost more than the search itself (perf: 40 % of the Zeek reader). */
static inline const char *kz_find2(const char *p, const char *end, char a, char b)
{
#ifdef __SSE2__
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)));
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    for (; p < end; p++)
        if (*p == a || *p == b)
            return p;
    return NULL;
}

/* The zeek field table (shared by Zeek TSV and Zeek JSON). */
extern const kz_fdef kz_zeek_fields[];
extern const size_t kz_zeek_n_fields;

/* Clears the per-line output. */
void kz_reader_line_begin(kz_logreader *r);
/* Emits value v[0..len) of a field of kind k named name (empty values and
 * Zeek's unset / empty markers are dropped). normalized: canonical already. */
void kz_reader_emit(kz_logreader *r, const kz_fdef *d, const char *v, size_t len);
/* Emits a value of a known match kind (plain-text scanner). */
void kz_reader_emit_kind(kz_logreader *r, const char *name, kz_match_kind k, const char *v,
                         size_t len, bool normalized);
/* Emits an IPv4 address the reader parsed already (mc_ip4_parse32) from
 * text v[0..len). */
void kz_reader_emit_ip4(kz_logreader *r, const char *name, const char *v, size_t len,
                        uint32_t a);
/* Builds the URL of a pending host + path and emits the record. */
kz_err kz_reader_line_end(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                          kz_logrec_fn fn, void *ctx);
/* Copies s[0..len) into the line scratch; NULL when it is full. */
char *kz_reader_scratch(kz_logreader *r, size_t len);
/* Counts a bad line and reports it (the first few). Returns KZ_OK. */
kz_err kz_reader_bad(kz_logreader *r, uint64_t lineno, const char *why);

/* Record times: epoch seconds with a fraction ("1331901000.000123"), and
 * ISO 8601 with 'Z', "+hh:mm" or "+hhmm" (EVE's "2009-11-24T21:27:09.534255+0000"). */
kz_err kz_reader_time_epoch(const char *s, size_t len, kz_time *out);
kz_err kz_reader_time_iso(const char *s, size_t len, kz_time *out);

/* The per-format line parsers. */
kz_err kz_reader_zeek_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                           kz_logrec_fn fn, void *ctx);
kz_err kz_reader_json_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                           kz_logrec_fn fn, void *ctx);
kz_err kz_reader_text_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                           kz_logrec_fn fn, void *ctx);
/* Zeek data lines up to this many bytes are cut from whole-line bitmaps
 * (reader_zeek.c); longer ones column by column. A variable so that tests
 * and the fuzz target can send every line down the other path and compare
 * (0: always column by column). */
extern size_t kz_reader_zeek_fast_max;
/* Which compilation of the bitmap path runs: 1 the one for CPUs with
 * POPCNT and BMI1 (set it only where the CPU has them), 0 the one for any
 * x86-64, -1 (the default) chosen by the CPU at the first line. Tests and
 * the fuzz target run both and compare. */
extern int kz_reader_zeek_popcnt;

/* Resets the Zeek header state (new source). */
void kz_reader_zeek_reset(kz_logreader *r);

#endif
