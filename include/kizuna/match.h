/* match.h - `kizuna match`: compile a large set of STIX indicators once into
 * immutable lookup structures, then match log records against it.
 *
 * Two paths (docs/match.md):
 *  - simple indicators ('=', IN, ISSUBSET on ipv4-addr:value, ipv6-addr:value,
 *    domain-name:value, url:value, email-addr:value, file:hashes.*, and
 *    OR-combinations of them, also across observation expressions) become
 *    entries of exact lookup structures: one kz_strmap per kind for
 *    normalised values, one kz_ipset for addresses and CIDR blocks. A lookup
 *    is by whole normalised value (token semantics: evil.com never hits
 *    notevil.com, 1.2.3.4 never hits 11.2.3.45).
 *  - complex indicators (comparison AND, other properties, NOT, LIKE,
 *    MATCHES, START/STOP, WITHIN on one observation) are evaluated by the
 *    pattern engine against one observed-data object built from each
 *    record's fields. Patterns that only several records together can
 *    satisfy (observation AND, FOLLOWEDBY, REPEATS) are counted as
 *    "unsupported" and reported by --explain, never silently dropped.
 *
 * Life cycle: kz_match_builder_new -> add indicators (bundle fd, store
 * collection, or one parsed object at a time) -> kz_match_builder_finish
 * gives a kz_match_set (the builder is consumed) -> kz_match_record /
 * kz_match_value with one kz_match_scratch per thread -> kz_match_set_free.
 *
 * Threads: a finished kz_match_set is immutable and may be shared; each
 * thread needs its own kz_match_scratch. Complex patterns are evaluated
 * under a lock held by the set (the pattern engine's set keeps per-call
 * scratch), so they serialise; simple lookups never lock. */
#ifndef KIZUNA_MATCH_H
#define KIZUNA_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"
#include "kizuna/json.h"
#include "kizuna/timestamp.h"

typedef struct kz_store kz_store;

/* ---- the kinds of values a record field can carry ----
 * Each names one SCO property. The table (name, SCO type, property path)
 * is in lib/match/kind.c; kz_match_kind_name gives the STIX path text. */
typedef enum kz_match_kind {
    KZ_MATCH_IPV4 = 0, /* "ipv4-addr:value" (an address; a CIDR in a log is not looked up) */
    KZ_MATCH_IPV6,     /* "ipv6-addr:value" (any RFC 4291 form; canonical RFC 5952 inside) */
    KZ_MATCH_DOMAIN,   /* "domain-name:value" */
    KZ_MATCH_URL,      /* "url:value" */
    KZ_MATCH_EMAIL,    /* "email-addr:value" */
    KZ_MATCH_MD5,      /* "file:hashes.MD5" */
    KZ_MATCH_SHA1,     /* "file:hashes.'SHA-1'" */
    KZ_MATCH_SHA256,   /* "file:hashes.'SHA-256'" */
    KZ_MATCH_SHA512,   /* "file:hashes.'SHA-512'" */
    KZ_MATCH_SHA3_256, /* "file:hashes.'SHA3-256'" */
    KZ_MATCH_SHA3_512, /* "file:hashes.'SHA3-512'" */
    KZ_MATCH_SSDEEP,   /* "file:hashes.SSDEEP" (compared exactly, as written) */
    KZ_MATCH_TLSH,     /* "file:hashes.TLSH" (lower-case) */
    KZ_MATCH_OTHER,    /* any other property: only the pattern engine sees it */
    KZ_MATCH_KIND_COUNT
} kz_match_kind;

/* The STIX object path of k ("ipv4-addr:value", "file:hashes.'SHA-256'");
 * NULL for KZ_MATCH_OTHER and out-of-range values. */
const char *kz_match_kind_name(kz_match_kind k);
/* The reverse, also accepting short names ("ipv4-addr", "domain-name",
 * "url", "email-addr", "md5", "sha1", "sha256", "sha512", "sha3-256",
 * "sha3-512", "ssdeep", "tlsh", and "file:hashes.SHA-256" unquoted), case
 * as written for the STIX paths, case-insensitive for the short names.
 * KZ_EINVAL (and *out untouched) for anything else. */
kz_err kz_match_kind_parse(const char *name, size_t len, kz_match_kind *out);

/* ---- compiling ---- */
typedef struct kz_match_opts {
    bool include_revoked; /* default: revoked indicators are skipped */
    bool include_expired; /* default: valid_until <= now is skipped */
    bool subdomains;      /* a domain indicator also hits its subdomains */
    bool no_names;        /* do not keep indicator names (saves memory) */
    kz_time now;          /* for expiry; sec == 0 and nsec == 0: the current time */
    size_t max_object;    /* largest indicator object read from a bundle; 0: 4 MiB */
} kz_match_opts;

/* Counts for --explain. A "value" is one distinct normalised key in one
 * structure; several indicators sharing it share the entry. */
typedef struct kz_match_stats {
    size_t objects;          /* objects read (all types) */
    size_t indicators;       /* objects of type indicator */
    size_t simple;           /* compiled into the lookup structures */
    size_t complex;          /* evaluated per record by the pattern engine */
    size_t unsupported;      /* need several records (observation AND, FOLLOWEDBY, REPEATS) */
    size_t skipped_revoked;
    size_t skipped_expired;
    size_t skipped_pattern_type; /* pattern_type other than "stix" */
    size_t invalid;          /* not parseable (JSON, no pattern, pattern syntax, bad value) */
    size_t duplicates;       /* same indicator id read again (first one kept) */
    size_t values[KZ_MATCH_KIND_COUNT]; /* distinct exact values per kind (IPs: see ip_*) */
    size_t ip_addresses;     /* distinct /32 and /128 entries of the IP set */
    size_t ip_prefixes;      /* distinct shorter prefixes (CIDR blocks) */
    size_t postings;         /* (value, indicator) pairs */
    size_t bytes_strmaps;    /* heap bytes of the string maps (slots + key pools) */
    size_t bytes_ipset;
    size_t bytes_postings;
    size_t bytes_indicators; /* ids, type codes, name offsets and the name pool */
    size_t bytes_complex;    /* compiled patterns of complex indicators (approximate) */
    size_t bytes_total;
} kz_match_stats;

/* One indicator not compiled as simple or complex, for --explain. */
typedef struct kz_match_note {
    const char *id;     /* "indicator--..." or "" when unknown */
    const char *reason; /* "unsupported: FOLLOWEDBY needs several records", "invalid: ..." */
} kz_match_note;

typedef struct kz_match_builder kz_match_builder;
typedef struct kz_match_set kz_match_set;

/* A new builder. opts may be NULL (defaults). *out is the caller's: either
 * kz_match_builder_finish or kz_match_builder_free. KZ_ENOMEM. */
kz_err kz_match_builder_new(const kz_match_opts *opts, kz_match_builder **out);
/* Frees a builder that was not finished; NULL is a no-op. */
void kz_match_builder_free(kz_match_builder *b);

/* Adds one parsed STIX object (anything that is not an indicator is counted
 * in stats.objects and ignored). obj is not kept. Bad indicators are
 * counted (stats.invalid) and noted, not errors: KZ_OK. Errors: KZ_ENOMEM,
 * KZ_ETOOBIG (more than 2^31 indicators or values). */
kz_err kz_match_builder_add_object(kz_match_builder *b, const kz_json *obj);
/* Reads a STIX bundle (or TAXII envelope, array, single object) from fd
 * with kz_jstream (memory bounded by the largest element) and adds each
 * element. A malformed document: KZ_EPARSE with a one-line reason with
 * its byte offset in msg (msg_len bytes, may be NULL/0); elements before
 * the error stay added. KZ_EIO, KZ_ENOMEM. */
kz_err kz_match_builder_add_fd(kz_match_builder *b, int fd, char *msg, size_t msg_len);
/* Adds the latest version of every indicator of collection (alias or id)
 * of an open store. KZ_ENOTFOUND for the collection, KZ_EDB, KZ_ENOMEM. */
kz_err kz_match_builder_add_store(kz_match_builder *b, kz_store *s, const char *collection);
/* Counts so far (bytes_* are filled by finish only). */
void kz_match_builder_stats(const kz_match_builder *b, kz_match_stats *st);

/* Builds the immutable set and frees the builder (also on error, when *out
 * is NULL). KZ_ENOMEM. Free the set with kz_match_set_free. */
kz_err kz_match_builder_finish(kz_match_builder *b, kz_match_set **out);
void kz_match_set_free(kz_match_set *m);

void kz_match_set_stats(const kz_match_set *m, kz_match_stats *st);
/* The i-th note (indicators neither simple nor complex: unsupported,
 * invalid); the first 1000 are kept. false past the end. Strings live as
 * long as the set. */
size_t kz_match_note_count(const kz_match_set *m);
bool kz_match_note_get(const kz_match_set *m, size_t i, kz_match_note *out);

/* ---- indicators of a set ----
 * Indicators are numbered 0..n-1 in the order they were added (only the
 * simple and complex ones, plus the rare complex one the pattern engine
 * then refused to index: counted invalid, it never hits). */
#define KZ_MATCH_ID_MAX 48 /* "indicator--" + 36-character UUID + NUL, rounded */
size_t kz_match_indicator_count(const kz_match_set *m);
/* Writes the indicator's STIX id ("indicator--<uuid>") into out; returns
 * its length, 0 for an index out of range. */
size_t kz_match_indicator_id(const kz_match_set *m, uint32_t i, char out[KZ_MATCH_ID_MAX]);
/* The indicator's name (NUL-terminated; "" when it had none or no_names).
 * Lives as long as the set. *len (optional) gets its length. */
const char *kz_match_indicator_name(const kz_match_set *m, uint32_t i, size_t *len);

/* ---- matching ---- */
/* One field of a log record, as a reader found it. */
typedef struct kz_match_field {
    kz_match_kind kind;
    const char *value;   /* raw text as in the log (refanged already), not NUL-terminated */
    size_t len;
    bool normalized;     /* value is canonical already (the extract scanner's output) */
    /* KZ_MATCH_OTHER only: the SCO type and property path the field fills
     * in the record's observed-data object ("network-traffic", "dst_port";
     * a path with dots makes nested objects), and whether the value is a
     * JSON number rather than a string. Ignored for the other kinds. */
    const char *sco_type;
    const char *property;
    bool numeric;
    /* KZ_MATCH_IPV4 only, optional: the reader parsed the value already
     * (it is a plain dotted quad "a.b.c.d" as the matcher itself would
     * parse it) and ip4 is the address, a << 24 | b << 16 | c << 8 | d;
     * the matcher then looks it up without parsing the text again. */
    bool has_ip4;
    uint32_t ip4;
} kz_match_field;

/* A log record: its typed fields and, if the format has one, its time
 * (first_observed / last_observed of the observed-data object that complex
 * patterns see; the matching time otherwise). */
typedef struct kz_match_record {
    const kz_match_field *fields;
    size_t n_fields;
    bool has_time;
    kz_time time;
} kz_match_record;

#define KZ_MATCH_FIELD_RECORD SIZE_MAX

typedef struct kz_match_hit {
    uint32_t indicator;     /* index for kz_match_indicator_id / _name */
    size_t field;           /* index into record->fields; KZ_MATCH_FIELD_RECORD when a
                               complex pattern matched the record as a whole */
    kz_match_kind kind;     /* the field's kind (KZ_MATCH_OTHER for a whole-record hit) */
    const char *value;      /* the normalised value looked up (NUL-terminated); "" for a
                               whole-record hit. Valid during the callback only. */
    size_t value_len;
    bool complex;           /* found by the pattern engine, not by a lookup */
} kz_match_hit;

/* Called once per (indicator, field) hit; for one record an indicator is
 * reported at most once per field. Nonzero stops matching this record
 * (the match call then returns KZ_OK). */
typedef int (*kz_match_hit_fn)(void *ctx, const kz_match_hit *h);

/* Per-thread mutable state (normalisation arena, dedup, observation
 * builder). Heap; KZ_ENOMEM. */
typedef struct kz_match_scratch kz_match_scratch;
kz_err kz_match_scratch_new(const kz_match_set *m, kz_match_scratch **out);
void kz_match_scratch_free(kz_match_scratch *s);

/* Matches one record: every field is normalised per its kind and looked
 * up (a value that does not normalise, e.g. "-" in a Zeek column, simply
 * does not hit); then, when the set holds complex indicators, the record
 * becomes one observed-data object for the pattern engine. Hits go to fn.
 * Errors: KZ_ENOMEM, KZ_EINVAL (NULL arguments, a field with a bad kind).
 * A pattern evaluation error counts as no match (kz_match_scratch_errors). */
kz_err kz_match_record_run(const kz_match_set *m, kz_match_scratch *s, const kz_match_record *r,
                           kz_match_hit_fn fn, void *ctx);
/* Looks up one value (the plain-text path: scanner tokens), simple
 * indicators only. hit.field is 0. Same errors. */
kz_err kz_match_value(const kz_match_set *m, kz_match_scratch *s, kz_match_kind kind,
                      const char *value, size_t len, bool normalized, kz_match_hit_fn fn,
                      void *ctx);
/* Pattern evaluations that failed on this scratch (counted as no match). */
size_t kz_match_scratch_errors(const kz_match_scratch *s);

/* Normalises value per kind as the lookups do, into the scratch (valid
 * until the next call on s). KZ_EPARSE when it is not a value of that
 * kind. For tests and the CLI's diagnostics. */
kz_err kz_match_normalize(kz_match_scratch *s, kz_match_kind kind, const char *value, size_t len,
                          const char **out, size_t *out_len);

#endif
