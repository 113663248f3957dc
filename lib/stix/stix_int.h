/* stix_int.h - private to lib/stix: the table that drives validation (one
 * row per STIX type, one row per property with its kind and checker) and
 * the per-object validation context. */
#ifndef KIZUNA_STIX_INT_H
#define KIZUNA_STIX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/diag.h"
#include "kizuna/json.h"
#include "kizuna/stix.h"

/* Property kinds: how a value is checked. */
typedef enum kz_pk {
    PK_ANY = 0,   /* any JSON value */
    PK_STRING,    /* a string */
    PK_TIMESTAMP, /* RFC 3339 UTC timestamp */
    PK_BOOL,
    PK_INT,       /* integer in [lo, hi] */
    PK_NUMBER,    /* number in [lo, hi] */
    PK_REF,       /* identifier; arg: allowed target types, see kz_ref_type_ok */
    PK_REFS,      /* non-empty list of identifiers; arg as PK_REF */
    PK_STRINGS,   /* non-empty list of strings */
    PK_OV,        /* open vocabulary value; arg: const kz_vocab * (unknown -> warning) */
    PK_OVS,       /* non-empty list of PK_OV */
    PK_ENUM,      /* closed vocabulary value; arg: const kz_vocab * (unknown -> error) */
    PK_ENUMS,     /* non-empty list of PK_ENUM */
    PK_KCP,       /* kill_chain_phases */
    PK_EXTREFS,   /* external_references */
    PK_HASHES,    /* hashes dictionary */
    PK_DICT,      /* a dictionary (keys checked) */
    PK_OBJECT,    /* a JSON object (no key rules) */
    PK_OBJECTS,   /* non-empty list of objects; arg: optional kz_prop table for each */
    PK_BINARY,    /* base64 */
    PK_HEX,       /* hex string */
    PK_MARKINGS,  /* object_marking_refs */
    PK_GRANULAR,  /* granular_markings */
    PK_EXTENSIONS,
    PK_LANG,      /* RFC 5646 language tag */
    PK_RESERVED,  /* must not be present */
    PK_FN         /* checked by fn */
} kz_pk;

enum { PF_REQ = 1 << 0 };

typedef struct kz_sv kz_sv;
typedef void (*kz_prop_fn)(kz_sv *v, const kz_json *val);

typedef struct kz_prop {
    const char *name;
    uint8_t kind;
    uint8_t flags;
    const void *arg; /* per kind: ref types string, vocab, sub-table */
    double lo, hi;   /* PK_INT / PK_NUMBER bounds */
    kz_prop_fn fn;   /* PK_FN */
} kz_prop;

typedef struct kz_vocab {
    const char *name; /* "malware-type-ov" */
    const char *const *values; /* NULL-terminated */
} kz_vocab;

typedef struct kz_type_spec {
    const char *name;
    kz_stix_class cls;
    const kz_prop *props;         /* type-specific, {NULL} terminated */
    void (*rules)(kz_sv *v);      /* cross-property rules, may be NULL */
    const char *const *id_props;  /* SCO id-contributing properties or NULL */
} kz_type_spec;

/* Per-object validation state: lives on the stack of kz_stix_validate_object. */
struct kz_sv {
    const kz_stix_opts *opts;
    kz_diag *d;
    kz_path p;
    const kz_json *obj;
    const char *type;
    const kz_type_spec *spec; /* NULL for custom objects */
    kz_stix_class cls;        /* class used for the common-property rules */
    bool toplevel_ext;        /* a toplevel-property-extension is declared */
};

/* Table constructors, so the tables read as one row per property. */
#define KZ_P(n, k) {(n), (k), 0, NULL, 0, 0, NULL}
#define KZ_PR(n, k) {(n), (k), PF_REQ, NULL, 0, 0, NULL}
#define KZ_PA(n, k, a) {(n), (k), 0, (a), 0, 0, NULL}
#define KZ_PRA(n, k, a) {(n), (k), PF_REQ, (a), 0, 0, NULL}
#define KZ_PI(n, k, l, h) {(n), (k), 0, NULL, (l), (h), NULL}
#define KZ_PRI(n, k, l, h) {(n), (k), PF_REQ, NULL, (l), (h), NULL}
#define KZ_PF(n, f) {(n), PK_FN, 0, NULL, 0, 0, (f)}
#define KZ_PRF(n, f) {(n), PK_FN, PF_REQ, NULL, 0, 0, (f)}
#define KZ_PEND {NULL, 0, 0, NULL, 0, 0, NULL}

/* ---- reporting (validate.c) ---- */
void kz_sv_error(kz_sv *v, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kz_sv_warn(kz_sv *v, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same under member key of the current path. */
void kz_sv_error_at(kz_sv *v, const char *key, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void kz_sv_warn_at(kz_sv *v, const char *key, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Writes a short quoted excerpt of s for messages into out. */
const char *kz_sv_quote(const char *s, size_t len, char *out, size_t outsz);

/* ---- values (common.c) ---- */
/* Checks val against prop p; the path must already point at the value. */
void kz_check_value(kz_sv *v, const kz_prop *p, const kz_json *val);
/* Validates the members of object o (already checked to be an object)
 * against table props then extra (either may be NULL): unknown members give
 * "unknown-property" warnings when warn_unknown, and required ones missing
 * give "missing-property". */
void kz_check_members(kz_sv *v, const kz_json *o, const kz_prop *props, const kz_prop *extra,
                      bool warn_unknown);
/* True if s is a syntactically valid identifier (type--UUID); *type_len
 * receives the length of its type part. */
bool kz_id_syntax_ok(const char *s, size_t len, size_t *type_len);
/* True if s[0..len) is a valid STIX type name (3..250 of a-z 0-9 -, starts
 * with a letter, no "--"). */
bool kz_type_name_ok(const char *s, size_t len);
/* True if s is a valid custom property name (3..250 of a-z 0-9 _, first a-z). */
bool kz_prop_name_ok(const char *s, size_t len);
/* True if type t (length tl) is allowed by spec "a|b|@sdo|@sco|@any". */
bool kz_ref_type_ok(const char *t, size_t tl, const char *allowed);
/* Parses a timestamp member; reports and returns false when absent/invalid. */
bool kz_get_time(const kz_json *o, const char *key, kz_time *out);
/* Reports "time-order" at later_key when later < earlier (or <= if strict). */
void kz_check_order(kz_sv *v, const char *earlier_key, const char *later_key, bool strict);
/* Reports "missing-one-of" unless o has at least one of the NULL-terminated keys. */
void kz_require_one_of(kz_sv *v, const char *const *keys);
/* Reports "mutually-exclusive" when a and b are both present. */
void kz_exclusive(kz_sv *v, const char *a, const char *b);

/* ---- tables ---- */
extern const kz_prop kz_common_sdo_props[];    /* SDO, SRO, language-content, extension-definition */
extern const kz_prop kz_common_sco_props[];
extern const kz_prop kz_common_marking_props[];
extern const kz_type_spec kz_sdo_specs[];      /* sdo.c, {NULL} terminated */
extern const kz_type_spec kz_sro_specs[];      /* sro.c */
extern const kz_type_spec kz_sco_specs[];      /* sco.c */
extern const kz_type_spec kz_meta_specs[];     /* marking.c, extension.c */
const kz_type_spec *kz_type_lookup(const char *type);

/* ---- vocabularies (vocab.c) ---- */
bool kz_vocab_has(const kz_vocab *voc, const char *s);
extern const kz_vocab kz_voc_attack_motivation, kz_voc_attack_resource_level,
    kz_voc_grouping_context, kz_voc_identity_class, kz_voc_implementation_language,
    kz_voc_indicator_type, kz_voc_industry_sector, kz_voc_infrastructure_type,
    kz_voc_malware_result, kz_voc_malware_capabilities, kz_voc_malware_type, kz_voc_pattern_type,
    kz_voc_processor_architecture, kz_voc_region, kz_voc_report_type, kz_voc_threat_actor_type,
    kz_voc_threat_actor_role, kz_voc_threat_actor_sophistication, kz_voc_tool_type,
    kz_voc_account_type, kz_voc_hash_algorithm, kz_voc_encryption_algorithm,
    kz_voc_windows_registry_datatype, kz_voc_opinion, kz_voc_extension_type,
    kz_voc_socket_address_family, kz_voc_socket_type, kz_voc_windows_integrity_level,
    kz_voc_windows_pebinary_type, kz_voc_windows_service_start_type,
    kz_voc_windows_service_type, kz_voc_windows_service_status;

/* ---- markings (marking.c) ---- */
void kz_check_granular(kz_sv *v, const kz_json *val);
/* Marking-definition specific rules (TLP content, definition/type pairing). */
void kz_marking_rules(kz_sv *v);
extern const kz_prop kz_marking_props[];

/* ---- extensions (extension.c) ---- */
void kz_check_extensions(kz_sv *v, const kz_json *val);

/* ---- SCO ids (sco_ids.c) ---- */
void kz_check_sco_id(kz_sv *v);

#endif
