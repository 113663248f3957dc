/* extract_report.h - turning the hits of the extract scanner into a STIX
 * 2.1 bundle: a report, an indicator per actionable IOC (none for an IOC
 * on a warninglist, which stays an observable), the observables with
 * deterministic ids, vulnerabilities and ATT&CK attack-patterns, TLP 2.0
 * markings and an author identity. Also the report's title (first
 * Markdown/HTML heading) and the ATT&CK technique names.
 *
 * Use: kz_extract_report_new, kz_extract_report_add for every hit (in any
 * order, duplicates are merged), kz_extract_report_bundle, _free. */
#ifndef KIZUNA_EXTRACT_REPORT_H
#define KIZUNA_EXTRACT_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "kizuna/arena.h"
#include "kizuna/error.h"
#include "kizuna/extract.h"
#include "kizuna/json.h"
#include "kizuna/stix.h"
#include "kizuna/warninglist.h"

/* ---- ATT&CK technique names (data/attack/techniques.jsonl) ---- */
typedef struct kz_attack_names kz_attack_names;

/* Loads a JSON-lines file of objects with "attack_id" and "name" (other
 * members ignored; revoked techniques kept, their names still mean what
 * the report meant). At most 64 MiB and 100,000 lines. Errors: KZ_ENOTFOUND,
 * KZ_EIO, KZ_ETOOBIG, KZ_EPARSE (errbuf says which line), KZ_ENOMEM.
 * *out is the caller's (kz_attack_names_free). */
kz_err kz_attack_names_load(const char *path, kz_attack_names **out, char *errbuf,
                            size_t errlen);
void kz_attack_names_free(kz_attack_names *n);
/* The name of technique id ("T1059.001", upper case), NULL if unknown. */
const char *kz_attack_names_get(const kz_attack_names *n, const char *id);
/* $KZ_ATTACK if set, else <binary dir>/../data/attack/techniques.jsonl,
 * <binary dir>/../share/kizuna/attack/techniques.jsonl,
 * /usr/local/share/kizuna/attack/techniques.jsonl, the first that exists.
 * KZ_ENOTFOUND, KZ_ETOOBIG (cap). */
kz_err kz_attack_names_default_path(char *out, size_t cap);

/* ---- the report's title ---- */
/* The first heading of text[0..len): a Markdown ATX heading ("# Title"),
 * a Setext heading (a line underlined with === or ---), or for HTML the
 * first <h1>..<h6> (else <title>), tags stripped, entities &amp; &lt; &gt;
 * &quot; &#39; decoded, white space collapsed, at most 256 bytes (cut at
 * a UTF-8 boundary). Writes it NUL-terminated into arena a; *out NULL when
 * there is none. KZ_ENOMEM. */
kz_err kz_extract_title(kz_arena *a, const char *text, size_t len, bool html, const char **out);

/* ---- the bundle ---- */
typedef struct kz_extract_report_opts {
    const char *name;                /* the report's name (required) */
    kz_tlp tlp;                      /* KZ_TLP_NONE: no marking */
    const char *author;              /* NULL: no identity, no created_by_ref */
    const kz_warninglist_set *wl;    /* NULL: no list is consulted */
    const kz_attack_names *attack;   /* NULL: techniques are named by their id */
    const char *now;                 /* RFC 3339 timestamp for created/modified/published/
                                      * valid_from; NULL: the current time */
    size_t expected_iocs;            /* sizes the de-duplication map (0: small; it grows) */
} kz_extract_report_opts;

typedef struct kz_extract_report kz_extract_report;

/* A report under construction. The options' strings and sets are borrowed
 * and must outlive it. Heap; kz_extract_report_free. KZ_EINVAL (no name,
 * bad now), KZ_ENOMEM. */
kz_err kz_extract_report_new(const kz_extract_report_opts *o, kz_extract_report **out);
void kz_extract_report_free(kz_extract_report *r);

/* Adds one hit (the value is copied; the same type and value twice count
 * once, the lists are looked up once). *lists (optional) receives the
 * warninglists holding the value (an array owned by the report, valid
 * until it is freed) and *n_lists their number (0: actionable). At most
 * 1,000,000 distinct IOCs: KZ_ETOOBIG past them. KZ_ENOMEM. */
kz_err kz_extract_report_add(kz_extract_report *r, const kz_ioc_hit *h,
                             const kz_warninglist_info *const **lists, size_t *n_lists);

/* Distinct IOCs added so far. */
size_t kz_extract_report_count(const kz_extract_report *r);

/* Counts of what the bundle holds. */
typedef struct kz_extract_report_stats {
    size_t iocs;          /* distinct IOCs added (all types) */
    size_t indicators;    /* indicators made */
    size_t warninglisted; /* IOCs kept as observables only: on a warninglist */
    size_t observables;   /* SCOs */
    size_t vulnerabilities;
    size_t attack_patterns;
} kz_extract_report_stats;

/* Builds the bundle in arena a (*bundle). With no IOC at all the bundle
 * has no objects (a report needs at least one object_ref). stats optional.
 * KZ_ENOMEM. The report may be added to and built again. */
kz_err kz_extract_report_bundle(kz_extract_report *r, kz_arena *a, kz_json **bundle,
                                kz_extract_report_stats *stats);

/* Writes the same bundle as JSON text through fn, one object at a time,
 * each compact on its own line: memory stays bounded by the largest object
 * and the report's object_refs, however many IOCs there are.
 * '{"type": "bundle", "id": "...", "objects": [\n{...},\n{...}\n]}\n'; with
 * no IOC '{"type": "bundle", "id": "..."}\n'. fn's nonzero return stops the
 * writing and is returned. KZ_ENOMEM. */
typedef kz_err (*kz_extract_write_fn)(void *ctx, const char *data, size_t len);
kz_err kz_extract_report_write(kz_extract_report *r, kz_extract_write_fn fn, void *ctx,
                               kz_extract_report_stats *stats);

/* ---- techniques found by the ATT&CK classifier (classify.h) ---- */
typedef struct kz_classifier kz_classifier;

#define KZ_EXTRACT_EVIDENCE_MAX 1024 /* bytes of a supporting sentence kept */

typedef struct kz_extract_technique {
    const char *attack_id; /* a class of the model, NUL-terminated, in the report's arena */
    const char *sentence;  /* the best supporting sentence, blanks collapsed to one space,
                            * cut at KZ_EXTRACT_EVIDENCE_MAX bytes (UTF-8 boundary), arena */
    size_t offset, len;    /* that sentence's byte range in the input */
    double prob;           /* the model's probability for it */
} kz_extract_technique;

/* Splits text[0..len) into sentences (kz_sentences; HTML input has its
 * tags stripped first, offsets kept), classifies each with c and, for
 * every technique whose best sentence reaches threshold and that the
 * report does not already hold as an explicit id, adds the technique as
 * an attack-pattern IOC and keeps the sentence and probability as its
 * evidence (kz_extract_report_techniques; in the bundle the report's
 * x_kizuna_classified_techniques). Techniques are added in order of their
 * sentence's position. A sentence with fewer than four English words (a
 * line of bare indicators) is not classified. Call it after the scanner's
 * hits, once. *added
 * (optional) receives how many techniques were added. KZ_ENOMEM,
 * KZ_ETOOBIG (the report's IOC cap). */
kz_err kz_extract_report_classify(kz_extract_report *r, const kz_classifier *c, const char *text,
                                  size_t len, bool html, double threshold, size_t *added);
/* The techniques kz_extract_report_classify added, in order; the array
 * belongs to the report. */
size_t kz_extract_report_techniques(const kz_extract_report *r,
                                    const kz_extract_technique **out);

/* The STIX pattern of an IOC ("[ipv4-addr:value = '1.2.3.4']",
 * "[file:hashes.'SHA-256' = '...']"), quotes and backslashes escaped, in
 * arena a. NULL for CVE and ATT&CK ids (no indicator) or out of memory. */
const char *kz_extract_pattern(kz_arena *a, kz_ioc_type t, const char *value, size_t len);

#endif
