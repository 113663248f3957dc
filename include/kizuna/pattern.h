/* pattern.h - the STIX Patterning engine (STIX 2.1 Part 9): parse, check,
 * evaluate one pattern, and evaluate many patterns at once through an index.
 *
 * A kz_pattern is compiled once and is immutable afterwards: any number of
 * threads may evaluate it at the same time (each call allocates its own
 * scratch). A kz_pattern_obs is the evaluation input: the observed-data
 * objects of one or more bundles with the SCOs they reference; it only
 * points into the caller's parsed JSON, which must outlive it. */
#ifndef KIZUNA_PATTERN_H
#define KIZUNA_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "kizuna/buf.h"
#include "kizuna/error.h"
#include "kizuna/json.h"

typedef struct kz_pattern_error {
    size_t offset;   /* 0-based byte offset of the problem in the pattern */
    unsigned line;   /* 1-based */
    unsigned column; /* 1-based */
    char msg[160];   /* e.g. "expected ']' after comparison expression" */
} kz_pattern_error;

/* Longest pattern accepted (bytes) and deepest nesting of parentheses and
 * operators; past them KZ_ETOOBIG. */
#define KZ_PATTERN_MAX_LEN (1u << 20)
#define KZ_PATTERN_MAX_DEPTH 200

/* Checks that text[0..len) is a valid pattern for STIX version
 * stix_version (20 for 2.0, 21 for 2.1): grammar and semantic checks.
 * KZ_OK when valid; KZ_EPARSE or KZ_EINVALID with *err filled when not;
 * KZ_ENOMEM / KZ_ETOOBIG on resource limits. err may be NULL. */
kz_err kz_pattern_check(const char *text, size_t len, int stix_version, kz_pattern_error *err);

typedef struct kz_pattern kz_pattern;

/* Parses and compiles text[0..len) for evaluation. Only the grammar and what
 * evaluation needs is enforced here (literals decode, regular expressions
 * compile, sets are homogeneous); kz_pattern_check adds the semantic rules
 * the validator applies (duplicate qualifiers, START before STOP, hash
 * formats), because the reference matcher evaluates such patterns anyway.
 * On success *out is a new pattern (free with kz_pattern_free). On error
 * *out is NULL and err (may be NULL) says where: KZ_EPARSE, KZ_EINVALID,
 * KZ_ETOOBIG, KZ_ENOMEM. */
kz_err kz_pattern_parse(const char *text, size_t len, int stix_version, kz_pattern **out,
                        kz_pattern_error *err);
/* Frees p; NULL is a no-op. */
void kz_pattern_free(kz_pattern *p);
/* Runs kz_pattern_check's semantic rules on a parsed pattern. */
kz_err kz_pattern_validate(const kz_pattern *p, kz_pattern_error *err);
/* Appends the pattern in canonical text form (single spaces, the parsed
 * grouping kept) to b. Parsing that text gives the same canonical text. */
kz_err kz_pattern_print(const kz_pattern *p, kz_buf *b);
/* True when p is one observation expression without qualifiers: it matches
 * an observed-data object on its own (what the multi-pattern index serves). */
bool kz_pattern_is_simple(const kz_pattern *p);

/* ---- observations ---- */
typedef struct kz_pattern_obs kz_pattern_obs;

/* New empty observation set; NULL on out of memory. */
kz_pattern_obs *kz_pattern_obs_new(void);
void kz_pattern_obs_free(kz_pattern_obs *o);
/* Adds one STIX object (any type; observed-data objects become observations,
 * objects with an id become resolvable through object_refs and _ref
 * properties). obj must outlive o. KZ_ENOMEM / KZ_ETOOBIG. */
kz_err kz_pattern_obs_add(kz_pattern_obs *o, const kz_json *obj);
/* Adds every element of a JSON array, or of a bundle's "objects" array. */
kz_err kz_pattern_obs_add_all(kz_pattern_obs *o, const kz_json *doc);
/* Resolves references and reads the timing of every observation; call once
 * after the last add and before matching. KZ_EINVALID with err->msg when an
 * observed-data object has a malformed first_observed / last_observed or a
 * number_observed below 1 (the reference matcher refuses such input too). */
kz_err kz_pattern_obs_finish(kz_pattern_obs *o, kz_pattern_error *err);
/* Number of observed-data objects and the id of the i-th ("" if none). */
size_t kz_pattern_obs_count(const kz_pattern_obs *o);
const char *kz_pattern_obs_id(const kz_pattern_obs *o, size_t i);

/* ---- matching ---- */
typedef struct kz_pattern_result {
    bool matched;
    size_t *obs;  /* indexes of the observed-data objects of the first binding found, ascending */
    size_t n_obs;
} kz_pattern_result;

/* Evaluates p against o (finished). On KZ_OK *res tells whether the pattern
 * matched and which observed-data objects satisfied it (release with
 * kz_pattern_result_release). Errors: KZ_EINVALID with err->msg for what
 * the reference matcher reports as errors (a data string that is not a
 * timestamp compared with a t'' literal, WITHIN 0, ...), KZ_ETOOBIG when
 * the search for a binding exceeds its step budget, KZ_ENOMEM. */
kz_err kz_pattern_match(const kz_pattern *p, const kz_pattern_obs *o, kz_pattern_result *res,
                        kz_pattern_error *err);
void kz_pattern_result_release(kz_pattern_result *res);

/* ---- many patterns at once ---- */
typedef struct kz_pattern_set kz_pattern_set;

kz_pattern_set *kz_pattern_set_new(void);
/* Frees the set and the patterns added to it. NULL is a no-op. */
void kz_pattern_set_free(kz_pattern_set *s);
/* Adds p (the set takes ownership, also on error) under the caller's id.
 * KZ_EINVALID (err filled) for a pattern that can never be evaluated
 * (mixed IN set, WITHIN 0, ...). */
kz_err kz_pattern_set_add(kz_pattern_set *s, kz_pattern *p, size_t id, kz_pattern_error *err);
/* Builds the index; call once after the last add. */
kz_err kz_pattern_set_compile(kz_pattern_set *s);

typedef struct kz_pattern_set_stats {
    size_t patterns;  /* added */
    size_t indexed;   /* reached through the equality / CIDR index */
    size_t scanned;   /* evaluated against every observation */
    size_t keys;      /* index entries */
    size_t candidates; /* (pattern, observation) pairs the index proposed in the last match */
    size_t errors;     /* (pattern, observation) evaluations that failed (counted as no match) */
} kz_pattern_set_stats;
void kz_pattern_set_get_stats(const kz_pattern_set *s, kz_pattern_set_stats *st);

/* Called for every (pattern, observation) hit; obs_index is -1 (SIZE_MAX)
 * for a non-simple pattern that matched the set as a whole. Return nonzero
 * to stop. */
typedef int (*kz_pattern_hit_fn)(void *user, size_t pattern_id, size_t obs_index);

/* Evaluates every pattern of s against o. Simple patterns report each
 * observation they match; other patterns report once when they match.
 * The cost of indexed patterns grows with the hits, not with patterns x
 * observations. An evaluation error for one (pattern, observation) pair counts
 * as no match (see stats.errors) so that one bad indicator cannot stop a
 * feed. Not thread-safe for one set (per-call scratch lives in s). */
kz_err kz_pattern_set_match(kz_pattern_set *s, const kz_pattern_obs *o, kz_pattern_hit_fn fn,
                            void *user, kz_pattern_error *err);

#endif
