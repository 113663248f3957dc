/* warninglist_int.h - the warninglist set's private layout, shared by its
 * loader (warninglist.c) and its matcher (warninglist_check.c). */
#ifndef KIZUNA_EXTRACT_WARNINGLIST_INT_H
#define KIZUNA_EXTRACT_WARNINGLIST_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>

#include "kizuna/arena.h"
#include "kizuna/ipset.h"
#include "kizuna/strmap.h"
#include "kizuna/warninglist.h"

/* Bit per kz_ioc_type a list applies to, and the bit for "type unknown". */
#define WL_ALL_TYPES ((1u << (KZ_IOC__COUNT + 1)) - 1u)
#define WL_TYPE_BIT(t) (1u << (unsigned)(t))
#define WL_IP_SPAN_BITS 20
/* PCRE2 limits per regex per value: a list's catastrophic regex gives up
 * (no match) instead of stalling extraction. */
#define WL_RE_MATCH_LIMIT 100000u
#define WL_RE_DEPTH_LIMIT 1000u

typedef struct wl_list {
    kz_warninglist_info info; /* strings in the set's arena */
    uint32_t applies;         /* WL_TYPE_BIT per type it applies to */
} wl_list;

/* A posting: one list holding an index key, chained to the next list
 * holding the same key (0 ends the chain; slot 0 is never used). Every
 * map and ipset value is the index of the chain's head. */
typedef struct wl_posting {
    uint32_t list;
    uint32_t next;
} wl_posting;

typedef struct wl_pattern {
    char *text;     /* heap copy (substring: lower-cased) */
    size_t len;
    uint32_t list;
    pcre2_code *re; /* regex entries only */
} wl_pattern;

struct kz_warninglist_set {
    kz_arena *arena; /* list names, descriptions, ids, files */
    wl_list *lists;
    size_t n_lists, cap_lists;
    wl_posting *post;
    size_t n_post, cap_post;
    kz_ipset *ip;       /* cidr entries */
    kz_strmap *exact;   /* string entries, lower-cased */
    kz_strmap *host;    /* hostname entries: the name and its subdomains */
    kz_strmap *dotsuf;  /* string entries written ".example.com": subdomains only */
    wl_pattern *sub;    /* substring entries */
    size_t n_sub, cap_sub;
    wl_pattern *re;     /* regex entries */
    size_t n_re, cap_re;
    pcre2_match_context *re_ctx; /* match and depth limits: a regex cannot stall a check */
    hs_database_t *sub_db;
    hs_scratch_t *sub_scratch; /* guarded by sub_lock: check may run on any thread */
    pthread_mutex_t sub_lock;
    /* A Bloom filter over the keys of exact, host and dotsuf (2 bits per
     * key out of the key's kz_strmap_hash; built by compile): a domain is
     * probed once per label, and nearly every probe misses - the filter
     * answers those from 128 KiB instead of the maps' slots and pools.
     * NULL: no filter, every probe goes to the maps. */
    uint64_t *bloom;
    /* Per IP family, a bit per 2^WL_IP_SPAN_BITS-th of the address space
     * (its first 20 bits) that some cidr entry touches, set as entries are
     * added: an address in an untouched part (most addresses in a report)
     * is on no cidr list, and the ipset is not probed. NULL: none yet. */
    uint64_t *ipspan[2]; /* [0] IPv4, [1] IPv6 */
    uint64_t bloom_mask; /* bits - 1 (a power of two) */
    uint32_t kind_types[KZ_WL__COUNT]; /* per list type: the value types some list of it
                                        * applies to (lookups no list can answer are skipped) */
    bool compiled;
    bool broken; /* a load failed half-way (out of memory): the set is unusable */
    size_t entries;
};

/* ---- one list document as the index reads it (warninglist.c,
 * warninglist_fast.c) ---- */
typedef struct wl_span {
    const char *p; /* not NUL-terminated */
    size_t len;
} wl_span;

typedef struct wl_doc {
    wl_span name, description;
    kz_wl_type type;
    uint32_t applies; /* from matching_attributes */
    int64_t version;
    wl_span *list;    /* the entries */
    size_t n;
    bool list_heap;   /* list is kz_malloc'd (the fast reader), else in an arena */
} wl_doc;

/* Reads buf[0..len) into *d (spans into buf, or decoded copies in arena a)
 * when it is a plain, valid list; false otherwise (also on out of memory),
 * and the JSON parser must read it. d->list is the caller's to kz_free when
 * d->list_heap. */
bool wl_fast_doc(kz_arena *a, const char *buf, size_t len, wl_doc *d);
/* Tests and the fuzz target: true sends every file through the parser. */
extern bool wl_fast_disabled;

/* The list type named name[0..len) ("cidr", ...); false if none. */
bool wl_type_by_name(const char *name, size_t len, kz_wl_type *out);
/* The host span of a URL as kz_warninglist_url_host finds it, without
 * guessing its type; false (and *host NULL, or an empty span) if none. */
bool wl_url_host_span(const char *url, size_t len, const char **host, size_t *host_len);
/* A dotted quad with an optional "/N" exactly as kz_ip_parse reads it;
 * false for anything else (kz_ip_parse decides those). */
bool wl_ip4_parse(const char *v, size_t len, kz_ipaddr *out);
/* The IOC types a MISP attribute name covers (0 for one kizuna ignores). */
uint32_t wl_attr_types(const char *attr, size_t len);

#endif
