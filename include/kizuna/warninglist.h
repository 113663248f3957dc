/* warninglist.h - MISP warninglists: lists of known-benign or
 * non-actionable values (cloud and CDN ranges, popular domains, public
 * resolvers, special-purpose blocks) loaded from MISP's JSON format and
 * indexed so that "which lists hold this value" costs a few hash probes,
 * never a scan over the entries.
 *
 * Index: one kz_ipset over every cidr entry, kz_strmaps for string and
 * hostname entries (a hostname entry also matches its subdomains: the
 * value's parent names are looked up in turn, as MISP does), a Hyperscan
 * literal database for substring entries, PCRE2 for regex entries (the
 * only per-entry loop, over regex entries alone). Each index slot holds a
 * "posting": the lists sharing that entry.
 *
 * A list applies to a value type through its matching_attributes (MISP
 * attribute names: ip-dst, domain, hostname, url, md5...); a list without
 * them applies to every type. docs/warninglists.md gives the details.
 *
 * Lifetime: kz_warninglist_set_new, any number of _load_*, then
 * kz_warninglist_set_compile once; after that the set is read-only and
 * kz_warninglist_check may be called from any thread. */
#ifndef KIZUNA_WARNINGLIST_H
#define KIZUNA_WARNINGLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/buf.h"
#include "kizuna/error.h"
#include "kizuna/extract.h"
#include "kizuna/json.h"

/* Limits (past them: KZ_ETOOBIG with the file and JSON path). */
#define KZ_WL_MAX_FILE (64u << 20) /* bytes of one list file */
#define KZ_WL_MAX_LISTS 1024       /* lists in one set */
#define KZ_WL_MAX_ENTRIES 2000000  /* entries of one list */
#define KZ_WL_MAX_ENTRY 4096       /* bytes of one entry */
#define KZ_WL_MAX_TEXT 4096        /* bytes of a name or description */

typedef enum kz_wl_type {
    KZ_WL_CIDR = 0,
    KZ_WL_HOSTNAME,
    KZ_WL_STRING,
    KZ_WL_SUBSTRING,
    KZ_WL_REGEX,
    KZ_WL__COUNT
} kz_wl_type;

/* "cidr", "hostname", "string", "substring", "regex"; NULL out of range. */
const char *kz_wl_type_name(kz_wl_type t);

/* What a set knows of one list. Strings belong to the set. */
typedef struct kz_warninglist_info {
    const char *id;          /* file name without ".json": "amazon-aws" (unique in a set) */
    const char *name;        /* the list's "name" */
    const char *description; /* its "description" */
    const char *file;        /* the path it was loaded from ("" for memory) */
    kz_wl_type type;
    size_t entries;          /* entries indexed (duplicates within the list counted once) */
    int64_t version;
    /* The company whose infrastructure the list describes, for provider
     * concentration ("Amazon", "Google", ...), NULL for other lists. */
    const char *provider;
} kz_warninglist_info;

/* Where a load failed: the file, the JSON path in it ("$.list[17]", "" for
 * the whole file) and why. */
typedef struct kz_warninglist_error {
    char file[512];
    char path[64];
    char msg[256];
} kz_warninglist_error;

typedef struct kz_warninglist_set kz_warninglist_set;

/* An empty set. Heap; kz_warninglist_set_free (NULL is a no-op). NULL on
 * out of memory. */
kz_warninglist_set *kz_warninglist_set_new(void);
void kz_warninglist_set_free(kz_warninglist_set *s);

/* Loads one list from buf[0..len) (JSON, MISP warninglist format) under
 * id (copied; must be unique in the set: KZ_EEXIST otherwise). file is for
 * messages only (may be NULL). Errors, each with err filled: KZ_EPARSE
 * (not JSON, a missing or mistyped member, an entry that is not a value
 * of the list's type), KZ_ETOOBIG, KZ_EINVAL (set already compiled),
 * KZ_ENOMEM. On error the set is unchanged apart from entries of that
 * list left unreachable: the list is not registered. */
kz_err kz_warninglist_load_mem(kz_warninglist_set *s, const char *id, const char *file,
                               const char *buf, size_t len, kz_warninglist_error *err);
/* Reads path and loads it with id = its base name without ".json".
 * KZ_ENOTFOUND / KZ_EIO for a file that cannot be read. */
kz_err kz_warninglist_load_file(kz_warninglist_set *s, const char *path,
                                kz_warninglist_error *err);
/* Loads every "*.json" file of dir (not schema.json), in name order. A
 * list whose id is in the set already replaces nothing and is skipped
 * (the first directory wins: the built-in lists load first, so a user
 * list of the same name is reported, see n_skipped). KZ_ENOTFOUND when
 * dir does not exist; the first failing file's error otherwise.
 *
 * Snapshot: when dir holds a KZ_WL_SNAPSHOT_NAME file written by
 * kz_warninglist_snapshot_write from exactly the "*.json" files it holds
 * now (names, sizes, inodes, mtimes and ctimes recorded in it), intact
 * (checksum, every offset checked) and by this version of kizuna, and no
 * list id in it is in the set already, the index is mapped from it
 * instead of parsing the JSON: the same lists, entries and answers, in
 * about a tenth of the time. Anything else reads the JSON as before,
 * silently. For the built-in folder (kz_warninglist_default_dir) loaded
 * into an empty set, a missing or stale snapshot is written after the
 * JSON load when the folder is writable. KZ_WL_SNAPSHOT=off in the
 * environment turns snapshots off (neither read nor written). */
kz_err kz_warninglist_load_dir(kz_warninglist_set *s, const char *dir, size_t *n_skipped,
                               kz_warninglist_error *err);

/* The snapshot a folder may hold (see kz_warninglist_load_dir). The name
 * carries the format version, so that two kizuna versions sharing a
 * folder each keep their own instead of rewriting each other's. */
#define KZ_WL_SNAPSHOT_NAME "warninglists-3.kzwl"
/* Loads dir's lists from JSON and writes their compiled snapshot to out
 * (NULL: dir/KZ_WL_SNAPSHOT_NAME) through a temporary file renamed into
 * place. The load's errors as kz_warninglist_load_dir; KZ_ECONFLICT when a
 * list file changed while it was read; KZ_EIO when out cannot be written. */
kz_err kz_warninglist_snapshot_write(const char *dir, const char *out, kz_warninglist_error *err);
/* How many of the set's lists came from snapshots. */
size_t kz_warninglist_snapshot_lists(const kz_warninglist_set *s);

/* The built-in lists' folder: $KZ_WARNINGLISTS if set, else the first of
 * <binary dir>/../data/warninglists, <binary dir>/../share/kizuna/warninglists,
 * KZ_WL_INSTALL_DIR that exists. Writes it to out (cap bytes); KZ_ENOTFOUND
 * when none exists, KZ_ETOOBIG when cap is too small. */
#define KZ_WL_INSTALL_DIR "/usr/local/share/kizuna/warninglists"
kz_err kz_warninglist_default_dir(char *out, size_t cap);

/* Builds the substring and regex matchers. Call once after loading;
 * loading afterwards is KZ_EINVAL. Errors: KZ_ENOMEM, KZ_EPARSE (a regex
 * or substring entry Hyperscan/PCRE2 reject, err says which list and
 * entry; err may be NULL). */
kz_err kz_warninglist_set_compile(kz_warninglist_set *s, kz_warninglist_error *err);

size_t kz_warninglist_count(const kz_warninglist_set *s);
/* The i-th list in load order, NULL past the end. */
const kz_warninglist_info *kz_warninglist_get(const kz_warninglist_set *s, size_t i);
/* Total entries indexed and heap bytes of the index. */
size_t kz_warninglist_entries(const kz_warninglist_set *s);
size_t kz_warninglist_bytes(const kz_warninglist_set *s);

/* Called once per list holding the value (in load order). Nonzero stops. */
typedef int (*kz_warninglist_hit_fn)(void *ctx, const kz_warninglist_info *list);

/* Reports every list of the compiled set that holds value[0..len) of type
 * t (KZ_IOC__COUNT: type unknown, only lists without matching_attributes
 * apply). The value should be canonical (extract.h); IPs are parsed here,
 * domains compared lower-cased without a trailing dot, a URL's host and an
 * e-mail's domain are looked up in hostname lists as MISP does. *n_hits
 * (optional) receives the number of lists. Errors: KZ_EINVAL (not compiled,
 * NULL value), KZ_ENOMEM, KZ_ETOOBIG (value past KZ_WL_MAX_ENTRY). */
kz_err kz_warninglist_check(const kz_warninglist_set *s, kz_ioc_type t, const char *value,
                            size_t len, kz_warninglist_hit_fn fn, void *ctx, size_t *n_hits);

/* Guesses the type of a value typed by a user: IP or CIDR, URL (has
 * "://"), e-mail (has '@'), MD5/SHA-1/SHA-256/SHA-512 (hex of that
 * length), CVE id, domain (has a dot); KZ_IOC__COUNT otherwise. */
kz_ioc_type kz_warninglist_guess_type(const char *value, size_t len);

/* The host of a URL ("scheme://[user@]host[:port]/..."; IPv6 without its
 * brackets), pointing into url, and its type (KZ_IOC_IPV4, _IPV6 or
 * _DOMAIN; type may be NULL). false when there is none. */
bool kz_warninglist_url_host(const char *url, size_t len, const char **host, size_t *host_len,
                             kz_ioc_type *type);

/* ---- provider concentration ----
 * Of the distinct hosts a report or a collection names (IP addresses,
 * domain names, the hosts of URLs), how many lie on the lists of the large
 * cloud and CDN providers (kz_warninglist_info.provider), in all and per
 * provider. A host on two providers' lists counts for both. */
typedef struct kz_warninglist_conc kz_warninglist_conc;

typedef struct kz_warninglist_conc_result {
    size_t hosts;       /* distinct hosts counted */
    size_t on_provider; /* of them, on at least one provider's list */
    struct kz_warninglist_conc_provider {
        const char *provider; /* static string */
        size_t hosts;
    } providers[32];    /* most hosts first, ties by name */
    size_t n_providers;
} kz_warninglist_conc_result;

/* A counter over compiled set s (borrowed). Heap;
 * kz_warninglist_conc_free. NULL on out of memory or a NULL set. */
kz_warninglist_conc *kz_warninglist_conc_new(const kz_warninglist_set *s);
void kz_warninglist_conc_free(kz_warninglist_conc *c);
/* Counts the host of one IOC of type t (an IP or domain itself, a URL's
 * host; other types are ignored), once per distinct host. KZ_ENOMEM, or
 * the check's error. */
kz_err kz_warninglist_conc_add(kz_warninglist_conc *c, kz_ioc_type t, const char *value,
                               size_t len);
/* The same, for an IOC whose lists the caller looked up already with
 * kz_warninglist_check(s, t, value, len) (lists[0..n_lists), in the order
 * the check reported them): an IP or domain written as the check's
 * canonical form (lower case, no trailing dot) is counted from them
 * without a second lookup; anything else as kz_warninglist_conc_add. */
kz_err kz_warninglist_conc_add_checked(kz_warninglist_conc *c, kz_ioc_type t, const char *value,
                                       size_t len, const kz_warninglist_info *const *lists,
                                       size_t n_lists);
/* Counts the hosts of a STIX object: the value of an ipv4-addr, ipv6-addr,
 * domain-name or url observable, the '=' comparisons to their :value in
 * an indicator's STIX pattern. Other objects count nothing. */
kz_err kz_warninglist_conc_add_object(kz_warninglist_conc *c, const kz_json *obj);
/* The figures so far (owned by c). */
const kz_warninglist_conc_result *kz_warninglist_conc_get(const kz_warninglist_conc *c);
/* Appends them to out as one JSON object:
 * {"type": "provider-concentration", "iocs": N, "on_provider": M, "share": 0.25,
 *  "providers": [{"provider": "Amazon", "iocs": 2, "share": 0.1}, ...]} */
kz_err kz_warninglist_conc_json(const kz_warninglist_conc_result *r, kz_buf *out);

#endif
