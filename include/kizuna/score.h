/* score.h - indicator scoring with decay: how much an indicator can still
 * be trusted now, from its confidence, its source's reliability, its type
 * and the time since it was last confirmed (docs/score.md).
 *
 * The model is MISP's polynomial decay, also used by OpenCTI:
 *
 *   base  = confidence x reliability / 100
 *   score = base x (1 - (t / tau)^(1 / delta))   for 0 <= t < tau
 *         = 0                                     for t >= tau
 *         = base                                  for t < 0 (anchor in the future)
 *
 * t is the time since the anchor: the later of the indicator's valid_from
 * and the latest sighting of it (sighting_of_ref, every collection of the
 * node, so partners' sightings that arrived by federation count). tau (the
 * lifetime) and delta (the decay speed) depend on the indicator's type
 * class (kz_score_class_of). A revoked indicator, or one whose valid_until
 * has passed, scores 0. Scores lie in 0..100; an indicator is "decayed"
 * below the threshold.
 *
 * Every parameter is read from kizuna.conf (kz_score_params_from_config);
 * the defaults follow OpenCTI's built-in decay rules and MISP's models
 * (sources in docs/score.md). */
#ifndef KIZUNA_SCORE_H
#define KIZUNA_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/config.h"
#include "kizuna/error.h"

typedef struct kz_json kz_json;
typedef struct kz_store kz_store;
typedef struct kz_arena kz_arena;

/* ---- type classes ---- */
typedef enum kz_score_class {
    KZ_SCORE_IPV4 = 0, /* ipv4-addr */
    KZ_SCORE_IPV6,     /* ipv6-addr */
    KZ_SCORE_URL,      /* url */
    KZ_SCORE_DOMAIN,   /* domain-name (and x-hostname style host names) */
    KZ_SCORE_HASH,     /* file:hashes.*, artifact:hashes.* */
    KZ_SCORE_EMAIL,    /* email-addr, email-message */
    KZ_SCORE_OTHER,    /* anything else, and patterns mixing classes */
    KZ_SCORE_CLASS_COUNT
} kz_score_class;

/* "ipv4", "ipv6", "url", "domain", "hash", "email", "other" (the names used
 * in kizuna.conf keys); NULL out of range. */
const char *kz_score_class_name(kz_score_class c);
/* The class of a STIX pattern, from the object paths of its comparisons
 * (quoted literals skipped): every comparison of one class -> that class;
 * comparisons of several classes, or none recognised -> KZ_SCORE_OTHER.
 * Not a validator: a malformed pattern gets the class its paths suggest. */
kz_score_class kz_score_class_of(const char *pattern, size_t len);

/* ---- parameters ---- */
typedef struct kz_score_decay {
    int64_t lifetime_s; /* tau, seconds, 1 .. KZ_SCORE_LIFETIME_MAX */
    double speed;       /* delta, KZ_SCORE_SPEED_MIN .. KZ_SCORE_SPEED_MAX */
} kz_score_decay;

#define KZ_SCORE_LIFETIME_MAX (3650LL * 86400) /* ten years */
#define KZ_SCORE_SPEED_MIN 0.01
#define KZ_SCORE_SPEED_MAX 100.0
#define KZ_SCORE_SOURCES_MAX 128
#define KZ_SCORE_SOURCE_MAX 64 /* bytes of a source name (identity id or peer name) */

typedef struct kz_score_source {
    char name[KZ_SCORE_SOURCE_MAX + 1]; /* "identity--<uuid>" or a peer name */
    int reliability;                    /* 0..100 */
} kz_score_source;

typedef struct kz_score_params {
    kz_score_decay decay[KZ_SCORE_CLASS_COUNT];
    int threshold;           /* score.threshold: decayed below it (default 20) */
    int default_confidence;  /* score.default_confidence: indicators without one (50) */
    int default_reliability; /* score.reliability.default: unlisted sources (100) */
    int match_min_score;     /* match.min_score; -1: off (the default) */
    int taxii_min_score;     /* taxii.min_score; -1: off (the default) */
    size_t n_sources;
    kz_score_source sources[KZ_SCORE_SOURCES_MAX]; /* score.reliability.<name> */
} kz_score_params;

/* Fills p with the built-in defaults. */
void kz_score_params_defaults(kz_score_params *p);
/* The defaults overridden by the score.*, match.min_score and
 * taxii.min_score keys of c (c may be NULL). An unknown score.* key or a
 * bad value is KZ_EPARSE / KZ_ERANGE / KZ_ETOOBIG with a line naming the
 * key in errbuf ("kizuna.conf:4: score.ipv4.lifetime: expected a duration
 * such as 30d, 12h, 3600s or 3600"). p is left with the defaults on error. */
kz_err kz_score_params_from_config(kz_score_params *p, const kz_config *c, char *errbuf,
                                   size_t errlen);
/* The same from DIR/kizuna.conf (a missing file: the defaults). */
kz_err kz_score_params_load_node(kz_score_params *p, const char *dir, char *errbuf, size_t errlen);
/* The reliability of source name (the configured one, else -1). */
int kz_score_params_reliability(const kz_score_params *p, const char *name);
/* Whether a score.reliability key names something other than an identity
 * (a federation peer): only then is the provenance worth looking up. */
bool kz_score_params_has_peers(const kz_score_params *p);

/* Durations: "30d", "12h", "45m", "3600s" or plain seconds "3600"; an
 * integer count, 1 s .. KZ_SCORE_LIFETIME_MAX. KZ_EPARSE for the form,
 * KZ_ERANGE outside the bounds. */
kz_err kz_score_duration_parse(const char *s, size_t len, int64_t *out);
/* The shortest exact form of secs ("30d", "12h", "45m", "7s") into out
 * (at least 24 bytes); returns its length. */
size_t kz_score_duration_format(int64_t secs, char *out, size_t outlen);

/* ---- the formula ---- */
/* base x (1 - (t/tau)^(1/delta)) clamped to 0..100, for t seconds since the
 * anchor (t < 0: base; t >= tau: 0). */
double kz_score_decay_at(double base, double t_s, const kz_score_decay *d);

/* What the formula needs of one indicator version. Strings are borrowed. */
typedef struct kz_score_input {
    const char *pattern;
    size_t pattern_len;
    bool has_confidence;
    int confidence;             /* 0..100 */
    const char *created_by_ref; /* may be NULL */
    const char *peer;           /* the federation peer that delivered it, or NULL */
    int64_t valid_from_us;      /* microseconds since the epoch */
    bool has_valid_until;
    int64_t valid_until_us;
    bool revoked;
    int64_t sighting_us; /* latest sighting of it; 0: none */
} kz_score_input;

/* Fills in from a parsed indicator (strings point into obj): KZ_EINVAL if
 * obj is not an indicator, KZ_EINVALID if it has no pattern or valid_from
 * or a timestamp does not parse. confidence out of 0..100 is ignored (the
 * default applies). peer and sighting_us are left 0 for the caller. */
kz_err kz_score_input_from_json(const kz_json *obj, kz_score_input *in);

typedef enum kz_score_state {
    KZ_SCORE_LIVE = 0, /* scored by the formula */
    KZ_SCORE_REVOKED,  /* revoked: 0 */
    KZ_SCORE_EXPIRED   /* valid_until <= now: 0 */
} kz_score_state;

typedef struct kz_score_result {
    kz_score_class cls;
    kz_score_state state;
    int confidence;    /* as used (the default when the indicator had none) */
    int reliability;   /* as used */
    double base;       /* confidence x reliability / 100 */
    double score;      /* 0..100 */
    int64_t anchor_us; /* max(valid_from, latest sighting) */
    int64_t age_us;    /* now - anchor (negative: anchor in the future) */
    int64_t zero_us;   /* anchor + tau: when the score reaches 0 */
    bool decayed;      /* score < threshold */
} kz_score_result;

/* Scores in at time now_us. Reliability: the one configured for
 * created_by_ref, else for the peer, else the default. */
void kz_score_eval(const kz_score_params *p, const kz_score_input *in, int64_t now_us,
                   kz_score_result *out);

/* ---- anchors: the latest sighting of each indicator ----
 * A map from indicator id to the time of its latest sighting (the
 * sighting's last_seen, else first_seen, else modified, else created). */
typedef struct kz_score_sightings kz_score_sightings;

/* An empty map (NULL on out of memory); kz_score_sightings_free. */
kz_score_sightings *kz_score_sightings_new(void);
void kz_score_sightings_free(kz_score_sightings *m);
/* Records a sighting of id at us (keeps the latest). KZ_ENOMEM, KZ_ETOOBIG. */
kz_err kz_score_sightings_add(kz_score_sightings *m, const char *id, size_t len, int64_t us);
/* Records a parsed sighting object (anything else is ignored: KZ_OK). */
kz_err kz_score_sightings_add_object(kz_score_sightings *m, const kz_json *obj);
/* The latest sighting of id, 0 when none. */
int64_t kz_score_sightings_latest(const kz_score_sightings *m, const char *id, size_t len);
size_t kz_score_sightings_count(const kz_score_sightings *m);
/* Adds every sighting (latest version of each, per collection) of every
 * collection of the store. KZ_EDB, KZ_ENOMEM. */
kz_err kz_score_sightings_load(kz_score_sightings *m, kz_store *s);

/* ---- listing a collection ---- */
typedef struct kz_score_item {
    const char *id;      /* "indicator--..." */
    const char *version; /* the store's version text (modified) */
    const char *name;    /* may be NULL */
    const char *pattern;
    const char *json; /* the stored bytes (not NUL-terminated) */
    size_t json_len;
    const kz_json *obj; /* parsed */
    kz_score_result r;
} kz_score_item;

/* Gives the federation peer that delivered (id, version), or NULL; the
 * string must live until the next call. NULL function: no peers. */
typedef const char *(*kz_score_peer_fn)(void *ctx, const char *id, const char *version);
/* Calls fn (nonzero stops, not an error) for the latest version of every
 * indicator of collection (alias or id), scored at now_us with sg (may be
 * NULL: no sightings). Strings live only during the call. Indicators whose
 * JSON or timestamps do not parse are counted in *unscored (optional) and
 * skipped. KZ_ENOTFOUND for the collection, KZ_EDB, KZ_ENOMEM. */
typedef int (*kz_score_item_fn)(void *ctx, const kz_score_item *it);
kz_err kz_score_collection(kz_store *s, const char *collection, const kz_score_params *p,
                           const kz_score_sightings *sg, kz_score_peer_fn peer, void *peer_ctx,
                           int64_t now_us, kz_score_item_fn fn, void *ctx, size_t *unscored);

/* ---- a node's scorer: its parameters, sightings and peers ----
 * What `kizuna score`, `match --min-score`, `export --valid-until-from-score`
 * and the TAXII server share: the parameters from DIR/kizuna.conf, the
 * sightings of every collection of store s, and (only when kizuna.conf names
 * a peer in a score.reliability key) the federation provenance that says
 * which peer delivered a version. Not thread-safe: one user at a time. */
typedef struct kz_score_node kz_score_node;

/* *out is the caller's (kz_score_node_free). errbuf gets a one-line reason
 * (a bad kizuna.conf key names it). s is borrowed for this call only; NULL:
 * no sightings are read (a caller that keeps its own, like the TAXII server). */
kz_err kz_score_node_open(const char *dir, kz_store *s, kz_score_node **out, char *errbuf,
                          size_t errlen);
void kz_score_node_free(kz_score_node *n);
const kz_score_params *kz_score_node_params(const kz_score_node *n);
const kz_score_sightings *kz_score_node_sightings(const kz_score_node *n);
/* A kz_score_peer_fn over the node's provenance (ctx: the kz_score_node):
 * the federation peer a version was pulled from, else the TAXII account
 * that POSTed it (a partner pushing to us), else NULL. */
const char *kz_score_node_peer(void *ctx, const char *id, const char *version);
/* Scores the parsed indicator obj (its stored version text, for the peer
 * lookup, may be NULL) at now_us. KZ_EINVAL: not an indicator;
 * KZ_EINVALID: no pattern or valid_from, or a bad timestamp. */
kz_err kz_score_node_eval(kz_score_node *n, const kz_json *obj, const char *version, int64_t now_us,
                          kz_score_result *out);
/* The current time in microseconds. */
int64_t kz_score_now_us(void);

/* ---- filtering a source of objects by score ----
 * Hands every object of a source to fn except the live indicators scoring
 * below min_score (revoked and expired ones are passed on: the consumer has
 * its own rules for them; so are indicators that cannot be scored). fn gets
 * the parsed object (valid during the call); an error from it stops. */
typedef kz_err (*kz_score_keep_fn)(void *ctx, const kz_json *obj);
typedef struct kz_score_filter_stats {
    size_t indicators; /* indicators seen */
    size_t skipped;    /* left out: score below min_score */
    size_t unscored;   /* indicators passed on unscored (no pattern / valid_from) */
    size_t unparsed;   /* elements that are not JSON objects: dropped */
} kz_score_filter_stats;

/* A STIX document on fd (bundle, envelope, array or one object), read in
 * bounded memory (max_object per element; 0: 4 MiB). Scored with p alone:
 * a file brings no sightings from the store, so the anchor is valid_from.
 * KZ_EPARSE with a reason and byte offset in msg for a malformed document
 * (elements before it were handed on), KZ_EIO, KZ_ENOMEM, or fn's error. */
kz_err kz_score_filter_fd(const kz_score_params *p, int fd, size_t max_object, int min_score,
                          int64_t now_us, kz_score_keep_fn fn, void *ctx, kz_score_filter_stats *st,
                          char *msg, size_t msg_len);
/* The latest version of every indicator of collection, scored by node n
 * (sightings of every collection, peers). KZ_ENOTFOUND, KZ_EDB, KZ_ENOMEM,
 * or fn's error. */
kz_err kz_score_filter_store(kz_score_node *n, kz_store *s, const char *collection, int min_score,
                             int64_t now_us, kz_score_keep_fn fn, void *ctx,
                             kz_score_filter_stats *st);

/* ---- valid_until from the score ---- */
/* For an indicator without valid_until that is not revoked: sets
 * obj.valid_until (in place, the string in arena a) to its zero crossing
 * (anchor + tau, scored by n at now_us) and sets *changed. Anything else is
 * left alone (*changed false). KZ_ENOMEM. */
kz_err kz_score_set_valid_until(kz_score_node *n, kz_arena *a, kz_json *obj, const char *version,
                                int64_t now_us, bool *changed);

#endif
