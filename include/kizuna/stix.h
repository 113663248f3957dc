/* stix.h - STIX 2.1 objects: validation of every object type (OASIS STIX
 * 2.1 Parts 2-7), the facts a store indexes, TLP markings, deterministic SCO
 * ids, and validation of whole files (bundle, envelope, array, object) in
 * bounded memory.
 *
 * Problems are reported into a caller's kz_diag, each with a JSON path
 * ("$.objects[3].valid_from"), a stable code ("invalid-timestamp", the list
 * is in docs/internals/stix.md) and a plain message. */
#ifndef KIZUNA_STIX_H
#define KIZUNA_STIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/diag.h"
#include "kizuna/error.h"
#include "kizuna/json.h"
#include "kizuna/timestamp.h"
#include "kizuna/uuid.h"

typedef struct kz_stix_opts {
    bool strict;         /* callers treat warnings as errors (validate --strict) */
    bool check_patterns; /* check indicator patterns of pattern_type "stix" */
} kz_stix_opts;

/* Validates one parsed STIX object; appends problems to d under JSON path
 * `path` (e.g. "$.objects[3]"; NULL means "$"). Returns KZ_OK even when the
 * object is invalid (look at d->n_errors); other codes only for KZ_ENOMEM,
 * KZ_EINVAL (NULL obj/d). Allocates nothing that outlives the call. */
kz_err kz_stix_validate_object(const kz_json *obj, const char *path, const kz_stix_opts *opts,
                               kz_diag *d);

/* The facts a store indexes, borrowed from obj (valid while obj lives). */
typedef struct kz_stix_meta {
    const char *type;
    const char *id;
    const char *spec_version; /* NULL when absent (SCOs may omit it) */
    kz_time created, modified;
    bool has_created, has_modified;
    bool revoked;
    const kz_json *object_marking_refs; /* array or NULL */
    bool is_sco, is_sdo, is_sro;        /* all false for meta and custom objects */
} kz_stix_meta;

/* Fills *out from obj. KZ_EINVALID if type or id is missing or not a
 * string; unparseable timestamps leave has_created/has_modified false. */
kz_err kz_stix_meta_get(const kz_json *obj, kz_stix_meta *out);

/* What kind of object a type name denotes. */
typedef enum kz_stix_class {
    KZ_STIX_CUSTOM = 0, /* a syntactically valid type this library does not know */
    KZ_STIX_SDO,
    KZ_STIX_SRO,
    KZ_STIX_SCO,
    KZ_STIX_META /* marking-definition, language-content, extension-definition */
} kz_stix_class;
kz_stix_class kz_stix_type_class(const char *type);

/* ---- TLP ---- */
typedef enum kz_tlp {
    KZ_TLP_NONE = -1, /* not a TLP marking */
    KZ_TLP_CLEAR = 0, /* TLP 1.0 WHITE maps here */
    KZ_TLP_GREEN,
    KZ_TLP_AMBER,
    KZ_TLP_AMBER_STRICT,
    KZ_TLP_RED
} kz_tlp;

/* The TLP level of a marking-definition id of TLP 1.0 or 2.0 (the well-known
 * ids of the OASIS common objects); KZ_TLP_NONE for any other id. version
 * (optional) receives 1 or 2. */
kz_tlp kz_stix_tlp_from_id(const char *marking_id, int *version);
/* The TLP 2.0 marking-definition id of t (static string), NULL for KZ_TLP_NONE. */
const char *kz_stix_tlp_id(kz_tlp t);
/* "clear", "green", "amber", "amber+strict", "red"; "none". */
const char *kz_stix_tlp_name(kz_tlp t);
/* The most restrictive TLP among an object's object_marking_refs and its
 * granular_markings (objects are served whole), KZ_TLP_NONE if none. */
kz_tlp kz_stix_object_tlp(const kz_json *obj);

/* ---- deterministic SCO ids ---- */
/* Computes the STIX 2.1 deterministic id of SCO obj (UUIDv5 over the RFC
 * 8785 form of its id-contributing properties, STIX namespace) into
 * out (type "--" uuid, NUL-terminated, outsz >= strlen(type) + 39).
 * KZ_ENOTFOUND when the type has no id-contributing properties or obj has
 * none of them (the id is then a UUIDv4); KZ_EINVAL for a non-SCO; KZ_ENOMEM;
 * KZ_ETOOBIG when out is too small. */
kz_err kz_stix_sco_id(const kz_json *obj, char *out, size_t outsz);

/* ---- whole files in bounded memory ---- */
/* One object seen by kz_stix_validate_fd / _mem. */
typedef struct kz_stix_item {
    size_t index;        /* 0-based position in objects[] (or the array) */
    const char *path;    /* "$.objects[3]", "$[3]" or "$" */
    const kz_json *obj;  /* parsed element, NULL when it did not parse or for stream-level problems */
    const char *raw;     /* element bytes (NULL for stream-level problems) */
    size_t raw_len;
    size_t line;         /* 1-based line where the element starts (0 unknown) */
    const kz_diag *diag; /* this object's problems only (reset before the next object) */
    uint64_t bytes_read; /* progress: bytes of the document consumed so far */
} kz_stix_item;

/* Called for every object and once (obj NULL) for each stream-level
 * problem (malformed document, bundle header). Returning non-KZ_OK stops the
 * walk and that code is returned. obj and diag are valid only during the
 * call (the arena is reset per object). */
typedef kz_err (*kz_stix_item_fn)(void *ud, const kz_stix_item *item);

typedef struct kz_stix_summary {
    size_t n_objects;
    size_t n_errors;
    size_t n_warnings;
    kz_jstream_kind kind;
    bool is_envelope; /* container without "type" (a TAXII envelope) */
    bool truncated;   /* the document was malformed or cut short */
} kz_stix_summary;

/* Validates the document read from fd (bundle, TAXII envelope, JSON array
 * of objects or one object): the objects array is split and each element
 * parsed on its own into an arena reset per element, so memory is bounded by
 * the largest element (max_element bytes, 0 = 64 MiB). cb may be NULL.
 * A malformed document is reported as an error (code "json-parse" or
 * "truncated") and in sum->truncated, not as a return code. Returns KZ_OK,
 * KZ_EIO on a read error, KZ_ENOMEM, or what cb returned. */
kz_err kz_stix_validate_fd(int fd, size_t max_element, const kz_stix_opts *opts,
                           kz_stix_item_fn cb, void *ud, kz_stix_summary *sum);
/* The same over memory buf[0..len) (not copied). */
kz_err kz_stix_validate_mem(const char *buf, size_t len, size_t max_element,
                            const kz_stix_opts *opts, kz_stix_item_fn cb, void *ud,
                            kz_stix_summary *sum);

#endif
