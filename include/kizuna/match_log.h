/* match_log.h - the log side of `kizuna match`: readers that turn lines of
 * Zeek TSV, Zeek JSON, Suricata EVE JSON and plain text into typed
 * candidate values (an IP, a domain, a URL, a hash, an e-mail address
 * with the field it came from and the record's timestamp), and sources
 * that deliver lines from files, globs, gzip, stdin or a followed file.
 *
 * The readers know nothing of indicators: they hand each record to a
 * callback, which looks the values up (match.h). Values are given as
 * written in the log (raw), except where the reader had to build them
 * (a URL from Zeek's host + uri) or unescape them (JSON); normalising for
 * the lookup is the matcher's job, so that both sides are normalised by
 * the same code. The plain-text reader is the exception: its values come
 * from the extraction scanner (extract.h) and are canonical already.
 *
 * Each format is a row in a table (reader_core.c): name, detection, line
 * parser, field table. docs/match.md "log formats" lists the fields. */
#ifndef KIZUNA_MATCH_LOG_H
#define KIZUNA_MATCH_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/buf.h"
#include "kizuna/error.h"
#include "kizuna/match.h"
#include "kizuna/timestamp.h"

typedef enum kz_logfmt {
    KZ_LOG_AUTO = 0,  /* decide from the first lines of each source */
    KZ_LOG_ZEEK,      /* Zeek TSV with #fields headers ("zeek") */
    KZ_LOG_ZEEK_JSON, /* Zeek JSON, one object per line ("zeek-json") */
    KZ_LOG_EVE,       /* Suricata EVE JSON ("eve") */
    KZ_LOG_TEXT,      /* anything else: every scanner token ("text") */
    KZ_LOG__COUNT
} kz_logfmt;

/* "zeek", "zeek-json", "eve", "text" ("auto" for KZ_LOG_AUTO); NULL out of range. */
const char *kz_logfmt_name(kz_logfmt f);
/* The reverse; KZ_EINVAL for an unknown name. */
kz_err kz_logfmt_parse(const char *name, kz_logfmt *out);

/* Guesses the format of a source from its first bytes (a few lines):
 * "#separator" or "#fields" -> zeek; a JSON object with "event_type" ->
 * eve; a JSON object with "ts" or "uid" -> zeek-json; else text. */
kz_logfmt kz_logfmt_detect(const char *buf, size_t len);

/* One log record (one line). Its values are kz_match_field (match.h), so
 * that a record goes to kz_match_record_run as it is; names[i] is the
 * field name of fields[i] as the format writes it ("id.resp_h",
 * "dns.rrname", "http.url"; static or reader-owned). */
typedef struct kz_logrec {
    const char *source;   /* file name, "-" for stdin */
    uint64_t line;        /* 1-based line number in the (decompressed) source */
    bool has_time;
    kz_time time;         /* record time (Zeek ts, EVE timestamp), UTC */
    /* Readers parse the time only when asked (most records never hit):
     * with has_time false, time_raw (if not NULL) is the record's time
     * text, not parsed yet. Read the time with kz_logrec_time, not from
     * has_time / time directly. */
    const char *time_raw;
    size_t time_raw_len;
    const kz_match_field *fields; /* values valid during the callback only */
    const char *const *names;
    size_t n_fields;
    const char *text;     /* the whole line, without its newline */
    size_t text_len;
} kz_logrec;

/* The record's time: has_time / time if set, else time_raw parsed (epoch
 * seconds "1331901000.000123" or ISO 8601). false when it has none or it
 * does not parse. */
bool kz_logrec_time(const kz_logrec *r, kz_time *out);

/* Called once per record that has at least one field. Nonzero stops the
 * reading (the source functions then return KZ_OK). */
typedef int (*kz_logrec_fn)(void *ctx, const kz_logrec *r);

/* Counters of one reader (all sources it read). */
typedef struct kz_logstats {
    uint64_t lines;      /* lines seen, headers and comments included */
    uint64_t records;    /* records parsed */
    uint64_t values;     /* fields handed out */
    uint64_t bad_lines;  /* malformed or too long, skipped */
    uint64_t bytes;      /* bytes of input (after decompression) */
} kz_logstats;

/* Called for each bad line (the first ones only: see max_bad_reported).
 * why is a short lower-case reason ("too long", "not a JSON object"). */
typedef void (*kz_logbad_fn)(void *ctx, const char *source, uint64_t line, const char *why);

typedef struct kz_logreader_opts {
    kz_logfmt format;        /* KZ_LOG_AUTO: detect per source */
    size_t max_line;         /* longest line accepted, bytes; 0: 1 MiB */
    kz_logbad_fn on_bad;     /* may be NULL */
    void *bad_ctx;
    size_t max_bad_reported; /* calls of on_bad per reader; 0: 10 */
    /* Do not hand out KZ_MATCH_OTHER fields (ports): only complex patterns
     * look at them, so a consumer whose set has none saves their cost. */
    bool typed_only;
} kz_logreader_opts;

typedef struct kz_logreader kz_logreader;

/* A reader (heap; kz_logreader_free). o may be NULL for defaults.
 * NULL on out of memory. One reader per thread. */
kz_logreader *kz_logreader_new(const kz_logreader_opts *o);
void kz_logreader_free(kz_logreader *r);
const kz_logstats *kz_logreader_stats(const kz_logreader *r);

/* Starts a new source: forgets Zeek headers; with format AUTO the next
 * kz_logreader_detect/line call decides again. */
void kz_logreader_begin(kz_logreader *r, const char *source);
/* Fixes the format of the current source from its first bytes (AUTO
 * readers only; a no-op otherwise). */
void kz_logreader_detect(kz_logreader *r, const char *buf, size_t len);
/* The format in use for the current source (AUTO before detection). */
kz_logfmt kz_logreader_format(const kz_logreader *r);

/* Parses one line (without its newline; a trailing '\r' is ignored) and
 * calls fn for its record. A malformed line is counted and reported
 * through on_bad and is not an error: KZ_OK. Returns KZ_ENOMEM, or
 * KZ_EOF when fn asked to stop. */
kz_err kz_logreader_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                         kz_logrec_fn fn, void *ctx);

/* ---- sources (logsrc.c) ---- */
typedef struct kz_logsrc_opts {
    bool follow;            /* tail -F: keep reading, across rotation and truncation */
    unsigned poll_ms;       /* follow: poll interval; 0: 250 */
    unsigned idle_exit_ms;  /* follow: stop after this long without new data; 0: never */
    volatile int *stop;     /* follow: stop when *stop becomes nonzero (a signal handler) */
} kz_logsrc_opts;

/* Reads path ("-" for stdin; gzip detected by its magic bytes, also on
 * stdin) line by line through reader r. A line longer than the reader's
 * max_line is a bad line (counted), never fatal. Errors: KZ_EIO (err
 * filled, e.g. "cannot open 'x.log': no such file"), KZ_EPARSE (corrupt
 * gzip; the lines before the damage were read), KZ_ENOMEM. */
kz_err kz_logsrc_read(kz_logreader *r, const char *path, const kz_logsrc_opts *o,
                      kz_logrec_fn fn, void *ctx, char *err, size_t errlen);

/* Expands a glob pattern (a path without * ? [ is returned as is, even
 * if it does not exist, so that the open reports it). Calls each(ctx,
 * path) in sorted order; nonzero from each stops and is returned. */
int kz_logsrc_glob(const char *pattern, int (*each)(void *ctx, const char *path), void *ctx);

/* ---- output (output.c) ---- */
/* Appends one JSON line (with its newline) for hit h of record r:
 * {"file","line","time" (when the record has one),"field","type","value",
 * "indicator","name"}. id/name as kz_match_indicator_id / _name give them.
 * A whole-record hit of a complex pattern has field "record" and no value.
 * Errors: KZ_ENOMEM, KZ_ETOOBIG (b's cap). */
kz_err kz_match_hit_json(kz_buf *b, const kz_logrec *r, const kz_match_hit *h, const char *id,
                         size_t id_len, const char *name, size_t name_len);

/* ---- sightings (sighting.c) ----
 * Hits aggregated per indicator (count, first and last record time, a few
 * of the values seen), written as a STIX 2.1 bundle of one `sighting` per
 * indicator that hit, where_sighted_refs the node's identity (one identity
 * object in the bundle, its id a UUIDv5 of its name so that every run of
 * the node names itself alike), and with observed_data the `observed-data`
 * objects and SCOs of the values seen. */
typedef struct kz_match_sightings kz_match_sightings;

/* Heap; kz_match_sightings_free. KZ_ENOMEM. */
kz_err kz_match_sightings_new(kz_match_sightings **out);
void kz_match_sightings_free(kz_match_sightings *s);
/* Records one hit of indicator i at time t with the normalised value it
 * matched (kind KZ_MATCH_OTHER / empty value for whole-record hits).
 * KZ_ENOMEM (the counts so far are kept). */
kz_err kz_match_sightings_add(kz_match_sightings *s, uint32_t indicator, const kz_time *t,
                              kz_match_kind kind, const char *value, size_t len);
/* Indicators with at least one hit. */
size_t kz_match_sightings_count(const kz_match_sightings *s);

typedef struct kz_match_sighting_opts {
    const char *identity_name; /* the node's name: required */
    bool observed_data;        /* add observed-data objects and their SCOs */
    kz_time now;               /* created / modified; zero: the current time */
} kz_match_sighting_opts;

/* The identity id for a node name: "identity--" + UUIDv5(STIX namespace,
 * "kizuna-node:" + name). out: at least 48 bytes. */
void kz_match_identity_id(const char *name, char *out, size_t outsz);

/* Writes the bundle (compact JSON, one line) to out. An empty set of hits
 * gives a bundle holding only the identity. Errors: KZ_ENOMEM, KZ_EINVAL. */
kz_err kz_match_sightings_bundle(const kz_match_sightings *s, const kz_match_set *m,
                                 const kz_match_sighting_opts *o, kz_buf *out);

#endif
