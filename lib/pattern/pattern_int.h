/* pattern_int.h - private declarations of the STIX Patterning engine: tokens,
 * the AST (allocated in one arena per pattern), and the helpers the lexer,
 * parser, checker, printer, evaluator and index share. */
#ifndef KZ_PATTERN_INT_H
#define KZ_PATTERN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/arena.h"
#include "kizuna/pattern.h"
#include "kizuna/timestamp.h"

/* ---- tokens ---- */
typedef enum pat_tok {
    T_EOF = 0,
    T_AND, T_OR, T_NOT, T_FOLLOWEDBY, T_LIKE, T_MATCHES, T_ISSUPERSET, T_ISSUBSET,
    T_LAST, T_IN, T_START, T_STOP, T_SECONDS, T_WITHIN, T_REPEATS, T_TIMES, T_EXISTS,
    T_BOOL,       /* true / false */
    T_IDENT,      /* [a-zA-Z_][a-zA-Z0-9_]* */
    T_IDENT_HYPH, /* [a-zA-Z_][a-zA-Z0-9_-]* containing a hyphen */
    T_INT_POS, T_INT_NEG, T_FLOAT_POS, T_FLOAT_NEG,
    T_STRING, T_HEX, T_BINARY, T_TIMESTAMP,
    T_EQ, T_NEQ, T_LT, T_LE, T_GT, T_GE,
    T_COLON, T_DOT, T_COMMA, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_ASTERISK,
    T_INVALID /* a character no token starts with, or a malformed literal */
} pat_tok;

typedef struct pat_token {
    pat_tok type;
    size_t off; /* byte offset of the first character */
    size_t len; /* bytes */
} pat_token;

typedef struct pat_lexer {
    const char *s;
    size_t len;
    size_t pos;
    int version; /* 20 or 21: EXISTS is a keyword in 2.1 only */
} pat_lexer;

/* Next token; T_INVALID with off/len on a character that starts nothing. */
void pat_lex_next(pat_lexer *lx, pat_token *t);
const char *pat_tok_name(pat_tok t);

/* ---- literals ---- */
typedef enum pat_lit_kind {
    L_INT, L_FLOAT, L_STRING, L_BOOL, L_BINARY, L_HEX, L_TIMESTAMP
} pat_lit_kind;

typedef struct pat_lit {
    pat_lit_kind kind;
    const char *text; /* as written, NUL-terminated copy */
    size_t text_len;
    int64_t i;        /* L_INT (also set for L_BOOL: 0/1) */
    double d;         /* L_FLOAT, and L_INT as double */
    bool int_exact;   /* L_INT fits int64 */
    const char *str;  /* L_STRING unescaped UTF-8; L_BINARY/L_HEX decoded bytes */
    size_t str_len;
    kz_time ts;       /* L_TIMESTAMP */
    bool ts_ok;       /* the calendar date exists (Feb 30 passes the grammar, not here) */
} pat_lit;

/* ---- object paths ---- */
typedef enum pat_step_kind { S_KEY, S_INDEX, S_STAR } pat_step_kind;

typedef struct pat_step {
    pat_step_kind kind;
    const char *key; /* S_KEY: unescaped, NUL-terminated */
    size_t key_len;
    bool quoted;     /* S_KEY written as a string literal */
    int64_t index;   /* S_INDEX, may be negative (an error at evaluation) */
    uint8_t suffix;  /* S_KEY: SUF_* below, derived from the key's ending */
} pat_step;

enum { SUF_NONE = 0, SUF_HEX, SUF_BIN, SUF_REF, SUF_REFS };

typedef struct pat_path {
    const char *type; /* object type, NUL-terminated */
    size_t type_len;
    pat_step *steps;  /* steps[0] is the first property */
    size_t n_steps;
    const char *text; /* canonical text of the path after the colon (index key) */
} pat_path;

/* ---- comparison expressions ---- */
typedef enum pat_op {
    OP_EQ, OP_NEQ, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_LIKE, OP_MATCHES,
    OP_ISSUBSET, OP_ISSUPERSET, OP_EXISTS
} pat_op;

typedef enum pat_cmp_kind { C_AND, C_OR, C_GROUP, C_TEST } pat_cmp_kind;

struct pat_regex; /* compiled LIKE / MATCHES (value.c) */
struct pat_cidr;  /* parsed ISSUBSET / ISSUPERSET operand (cidr.c) */

typedef struct pat_cmp {
    pat_cmp_kind kind;
    size_t off; /* where the expression starts in the text */
    struct pat_cmp **kids; /* C_AND / C_OR: n-ary, so long chains need no recursion */
    size_t n_kids;
    struct pat_cmp *l;     /* C_GROUP */
    /* C_TEST */
    pat_path path;
    pat_op op;
    bool negated;           /* NOT */
    const char *op_text;    /* operator as written ("==", "<>"); printing uses canonical names */
    pat_lit lit;            /* single operand */
    pat_lit *set;           /* OP_IN */
    size_t n_set;
    bool set_mixed;         /* IN set mixes types (an error when evaluated) */
    bool set_timestamps;    /* IN set of t'' literals */
    struct pat_regex *re;   /* OP_LIKE / OP_MATCHES */
    struct pat_cidr *cidr;  /* OP_ISSUBSET / OP_ISSUPERSET */
} pat_cmp;

/* ---- observation expressions ---- */
typedef enum pat_obs_kind {
    O_AND, O_OR, O_FOLLOWEDBY, O_SIMPLE, O_GROUP, O_WITHIN, O_REPEATS, O_STARTSTOP
} pat_obs_kind;

typedef struct pat_obs {
    pat_obs_kind kind;
    size_t off;
    struct pat_obs **kids; /* O_AND / O_OR / O_FOLLOWEDBY, n-ary (left-assoc for FOLLOWEDBY) */
    size_t n_kids;
    struct pat_obs *l;     /* qualifiers and O_GROUP */
    pat_cmp *cmp;          /* O_SIMPLE */
    pat_lit q1, q2;        /* WITHIN n / REPEATS n (q1); START q1 STOP q2 */
    int64_t within_ns;     /* O_WITHIN, rounded up to whole nanoseconds */
    kz_time start, stop;   /* O_STARTSTOP (decoded; ts_ok false if not a timestamp) */
    bool startstop_ok;
    size_t leaf;           /* O_SIMPLE: index into kz_pattern.leaves */
} pat_obs;

struct kz_pattern {
    kz_arena *arena; /* owns every node, literal and string */
    int version;
    const char *text; /* copy of the source text */
    size_t text_len;
    pat_obs *root;
    pat_obs **leaves; /* the O_SIMPLE nodes in order of appearance */
    size_t n_leaves;
    struct pat_regex *regexes; /* list of compiled regexes to free */
};

/* parser.c: builds the AST; fills err. */
kz_err pat_parse(const char *text, size_t len, int version, kz_pattern **out,
                 kz_pattern_error *err);
/* Fills err from an offset in text and a message (printf-style). */
void pat_set_error(kz_pattern_error *err, const char *text, size_t len, size_t off,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* value.c: literal decoding, regexes, Unicode NFC. */
kz_err pat_lit_decode(kz_arena *a, pat_lit *lit, pat_tok t, const char *text, size_t len);
kz_err pat_regex_compile(kz_pattern *p, pat_cmp *c, char *msg, size_t msg_size);
void pat_regex_free_all(kz_pattern *p);
/* Runs c's regex (LIKE or MATCHES) on a UTF-8 string (normalised to NFC
 * first) or on bytes. Returns 1 match, 0 no match, <0 error. */
int pat_regex_match(const struct pat_regex *re, void **md, const char *s, size_t len, bool bytes);
/* Frees a match-data scratch made by pat_regex_match. */
void pat_regex_md_free(void *md);
/* NFC of s[0..len) into a malloc'd buffer (*out, *out_len) or *out = NULL
 * when s is already NFC-stable or no normaliser is available. */
kz_err pat_nfc(const char *s, size_t len, char **out, size_t *out_len);

/* cidr.c */
typedef struct pat_cidr {
    bool ok;       /* the operand parsed */
    int family;    /* 4 or 6 */
    uint8_t addr[16];
    unsigned prefix;
} pat_cidr;
/* Parses an IPv4/IPv6 address with optional /prefix. Returns true on success. */
bool pat_cidr_parse(const char *s, size_t len, pat_cidr *out);
/* Is inner contained in outer (same family, outer's prefix <= inner's, equal under outer's mask)? */
bool pat_cidr_contains(const pat_cidr *outer, const pat_cidr *inner);
/* The first 'bits' bits of c as a key (for the index). */
void pat_cidr_mask(const pat_cidr *c, unsigned bits, uint8_t out[16]);

/* check.c */
kz_err pat_check_semantics(const kz_pattern *p, kz_pattern_error *err);

/* print.c */
kz_err pat_print_path(kz_buf *b, const pat_path *path);
kz_err pat_print_cmp(kz_buf *b, const pat_cmp *c);

/* ---- evaluation (obs.c, eval.c) ---- */
typedef struct pat_root {
    const kz_json *obj;  /* the SCO */
    const char *type;    /* its "type" or NULL */
    const char *id;      /* how the observation names it: its id (2.1) or its key (2.0) */
    size_t id_len;
} pat_root;

typedef struct pat_sdo {
    const kz_json *obj;
    const char *id;
    kz_time first, last;
    int64_t count;        /* number_observed */
    pat_root *roots;      /* objects of this observation */
    size_t n_roots;
    uint32_t *by_id;      /* roots sorted by id when there are many (else NULL) */
    const kz_json *objects; /* STIX 2.0 embedded map, or NULL */
    const kz_json *refs;  /* object_refs array, or NULL */
} pat_sdo;

typedef struct pat_idmap_entry {
    const char *id;
    size_t id_len;
    const kz_json *obj;
} pat_idmap_entry;

struct kz_pattern_obs {
    kz_arena *arena;
    const kz_json **all; /* every object added */
    size_t n_all, cap_all;
    pat_sdo *sdos;
    size_t n_sdos;
    pat_idmap_entry *ids; /* open addressing, power of two */
    size_t ids_cap;
    bool finished;
};

/* The object with that id referenced by observation sdo (resolved only
 * within the observation, as the reference matcher does), or NULL. */
const kz_json *pat_obs_resolve(const kz_pattern_obs *o, const pat_sdo *sdo, const char *ref,
                               size_t ref_len);

/* Per-call evaluation scratch. */
typedef struct pat_eval {
    const kz_pattern_obs *obs;
    kz_arena *scratch;   /* decoded _hex/_bin values; reset per observation */
    kz_pattern_error *err;
    kz_err rc;           /* first error met (evaluation stops) */
    void *md;            /* PCRE2 match data, made on first use */
    const kz_pattern *pat;
} pat_eval;

/* Does the comparison expression hold for observation sdo (some root object
 * satisfies it)? Sets ev->rc on error. */
bool pat_eval_sdo(pat_eval *ev, const pat_cmp *c, const pat_sdo *sdo);

/* Visits every value the path selects from root (within observation sdo).
 * fn returns true to stop; the function returns true when fn stopped it. */
typedef struct pat_value pat_value;
typedef bool (*pat_value_fn)(pat_eval *ev, const pat_value *v, void *user);
bool pat_walk_path(pat_eval *ev, const pat_sdo *sdo, const pat_path *path, const kz_json *root,
                   pat_value_fn fn, void *user);

typedef enum pat_vkind { V_NULL, V_BOOL, V_INT, V_FLOAT, V_STR, V_BYTES, V_LIST, V_OBJECT } pat_vkind;
struct pat_value {
    pat_vkind kind;
    const kz_json *json; /* the JSON value (NULL for decoded bytes) */
    const char *s;       /* V_STR / V_BYTES */
    size_t len;
    int64_t i;           /* V_INT / V_BOOL */
    double d;            /* V_FLOAT (and V_INT as double) */
};

/* bind.c: 1 (default) prunes the binding search with time windows; tests
 * set 0 to compare against the unpruned search. */
extern int pat_bind_prune;
/* bind.c: the step budget of one search (KZ_ETOOBIG past it); the fuzz
 * target lowers it so that no input runs into libFuzzer's timeout. */
extern unsigned long long pat_bind_budget;

/* bind.c: errors the reference matcher raises whatever the data (mixed IN
 * set, WITHIN 0, REPEATS 0, a t'' literal that is not a date). */
kz_err pat_precheck(const kz_pattern *p, kz_pattern_error *err);

/* Evaluates one C_TEST on one value: 1 true, 0 false, <0 error (ev->rc set). */
int pat_test_value(pat_eval *ev, const pat_cmp *c, const pat_value *v);

#endif
