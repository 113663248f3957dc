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

/* ---- the compiled snapshot (warninglist_snap.c): the index of one
 * folder's lists as one flat, position-independent file that a loader maps
 * and validates instead of reading the JSON. Every section is 8-aligned;
 * offsets are from the start of the file; strings are NUL-terminated in
 * the string section; all integers in the writer's byte order (the header
 * says which). ---- */
#define WL_SNAP_MAGIC "KZWLSNAP"
#define WL_SNAP_VERSION 3u /* also in KZ_WL_SNAPSHOT_NAME */
#define WL_SNAP_BOM 0x01020304u
#define WL_SNAP_MAX_PARTS 16 /* snapshots in one set; more folders load from JSON */

enum {
    WS_STAMPS, /* wl_snap_stamp per source file, name order */
    WS_LISTS,  /* wl_snap_list per list, load order (= stamp order) */
    WS_STR,    /* NUL-terminated strings */
    WS_KEYS,   /* map keys: a 4-byte length, then the bytes (unaligned) */
    WS_POST,   /* wl_posting; 0 unused; a chain's next is 0 or a larger index */
    WS_EXACT,  /* wl_snap_map_hdr + slots: string entries */
    WS_HOST,   /* ... hostname entries */
    WS_DOTSUF, /* ... ".example.com" string entries */
    WS_IP4,    /* wl_snap_ip4: intervals of IPv4 space, first at 0, starts increasing */
    WS_IP4IDX, /* 2^ip4_bits + 1 uint32: the interval holding the first address of
                * each 2^(32 - ip4_bits) block; the last is the last interval */
    WS_IP6,    /* wl_snap_ip6: the same for IPv6 (binary search) */
    WS_PAT,    /* wl_snap_pat: substring and regex entries */
    WS_BLOOM,  /* uint64 words, a power of two of them or none: per key of the three
                * maps, 2 bits of one word (one cache line read per probe): word
                * (hash >> 7) mod the words, bits (hash >> 40) and (hash >> 52) mod 64 */
    WS__COUNT
};

typedef struct wl_snap_hdr {
    char magic[8];
    uint32_t version;
    uint32_t bom;        /* WL_SNAP_BOM */
    uint64_t hash_probe; /* kz_strmap_hash("kizuna warninglist snapshot") */
    uint64_t file_len;
    uint64_t checksum;   /* kz_hash64 of the header with this field 0, then the rest */
    uint32_t n_lists, n_stamps;
    uint32_t ip4_bits, pad; /* 0..16, from the number of intervals */
    struct {
        uint64_t off, len;
    } sec[WS__COUNT];
} wl_snap_hdr;

typedef struct wl_snap_stamp { /* what says a source file is unchanged */
    uint32_t name_off, pad;
    uint64_t size, ino;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
} wl_snap_stamp;

typedef struct wl_snap_list {
    uint32_t id_off, name_off, desc_off, file_off; /* file: the name in the folder */
    uint32_t type, applies;
    uint64_t entries;
    int64_t version;
} wl_snap_list;

typedef struct wl_snap_map_hdr {
    uint32_t cap, count; /* cap a power of two, at least one slot empty */
} wl_snap_map_hdr;

typedef struct wl_snap_slot {
    uint32_t tag;  /* the hash's high half */
    uint32_t key;  /* offset in WS_KEYS + 1; 0: empty */
    uint32_t head; /* posting chain */
} wl_snap_slot;

typedef struct wl_snap_ip4 {
    uint32_t start, head; /* [start, next start): the lists of chain head (0: none) */
} wl_snap_ip4;

typedef struct wl_snap_ip6 {
    uint64_t hi, lo;
    uint32_t head, pad;
} wl_snap_ip6;

typedef struct wl_snap_pat {
    uint32_t list, text_off, len, pad;
} wl_snap_pat;

/* A loaded snapshot: pointers into the mapping (or heap copy). */
typedef struct wl_smap {
    const wl_snap_slot *slot; /* NULL: no keys */
    uint32_t mask;
} wl_smap;

typedef struct wl_snap {
    const uint8_t *base;
    size_t len;
    bool mapped;       /* munmap, else kz_free */
    uint32_t list_base; /* the set's index of the snapshot's list 0 */
    const wl_posting *post;
    uint32_t n_post;
    const uint8_t *keys;
    size_t keys_len;
    wl_smap exact, host, dotsuf;
    const wl_snap_ip4 *ip4;
    const uint32_t *ip4idx;
    uint32_t n_ip4, ip4_bits;
    const wl_snap_ip6 *ip6;
    uint32_t n_ip6;
    const uint64_t *bloom; /* NULL: none */
    uint64_t bloom_mask;   /* words - 1 */
} wl_snap;

/* One cidr entry as indexed (recorded for the snapshot writer). */
typedef struct wl_iprec {
    kz_ipaddr ip;
    uint32_t head;
} wl_iprec;

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
    wl_snap snaps[WL_SNAP_MAX_PARTS]; /* folders loaded from their snapshot */
    size_t n_snaps;
    bool no_snap;   /* never read or write snapshots (the writer's own set) */
    bool rec_ip;    /* record cidr entries in iprec (for the writer) */
    wl_iprec *iprec;
    size_t n_iprec, cap_iprec;
    bool dyn_keys; /* exact, host or dotsuf hold a key (set by compile): when
                    * every list came from snapshots, their probes are skipped */
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

/* Grows an array of elem-sized items to hold one more (n < *cap after). */
kz_err wl_grow(void **arr, size_t *cap, size_t n, size_t elem);
/* Appends a pattern entry (text copied). */
kz_err wl_pattern_add(wl_pattern **arr, size_t *n, size_t *cap, const char *text, size_t len,
                      uint32_t list, pcre2_code *re);
/* The provider of a list id (kz_warninglist_info.provider), NULL if none. */
const char *wl_provider_of(const char *id);

/* ---- snapshots (warninglist_snap.c) ---- */
/* Tests: true makes load_dir ignore snapshots (and never write one). */
extern bool wl_snap_disabled;
/* The snapshot of the lists set s holds (loaded from folder files[0..n)
 * of dir, with rec_ip on, nothing else loaded) into out. */
kz_err wl_snap_build(const kz_warninglist_set *s, const wl_snap_stamp *stamps,
                     const char *const *names, size_t n, kz_buf *out,
                     kz_warninglist_error *err);
/* The checksum of snapshot p[0..len) (len >= the header): kz_hash64 of
 * the header with its checksum field 0, then of the rest. */
uint64_t wl_snap_checksum(const uint8_t *p, size_t len);
/* Validates snapshot buf[0..len) (every offset, index and chain; the
 * checksum unless trust_sum) and adds its lists to s as if folder dir had
 * been loaded. buf must stay valid and unchanged while s lives and is then
 * released by s (munmap when mapped, else kz_free) - also on error.
 * KZ_ECORRUPT (err says what), KZ_EVERSION, KZ_EEXIST (a list id is in s
 * already: s unchanged), KZ_ETOOBIG, KZ_ENOMEM. */
kz_err wl_snap_attach(kz_warninglist_set *s, const char *dir, const uint8_t *buf, size_t len,
                      bool mapped, bool trust_sum, kz_warninglist_error *err);
/* The stamp of dir/name (name_off left 0). KZ_EIO / KZ_ENOTFOUND. */
kz_err wl_snap_stat(const char *dir, const char *name, wl_snap_stamp *st);
/* Uses dir's fresh snapshot for files names[0..n) (name order): true when
 * s now holds the lists from it; false (s unchanged) to read the JSON. */
bool wl_snap_try_dir(kz_warninglist_set *s, const char *dir, char *const *names, size_t n);
/* The chain head for key (hash = kz_strmap_hash) in snapshot map m, 0 if
 * none; and for address ip (its prefix ignored). */
uint32_t wl_snap_map_get(const wl_snap *p, const wl_smap *m, uint64_t hash, const char *key,
                         size_t len);
uint32_t wl_snap_ip_get(const wl_snap *p, const kz_ipaddr *ip);
/* The filter bits of a key hash: its word, and the two bits in it. */
static inline uint64_t wl_snap_bloom_word(uint64_t hash, uint64_t mask)
{
    return (hash >> 7) & mask;
}
static inline uint64_t wl_snap_bloom_bits(uint64_t hash)
{
    return (1ull << ((hash >> 40) & 63)) | (1ull << ((hash >> 52) & 63));
}
/* false: no key with this hash is in p's maps (no false negatives). */
static inline bool wl_snap_maybe(const wl_snap *p, uint64_t hash)
{
    if (!p->bloom)
        return true;
    uint64_t m = wl_snap_bloom_bits(hash);
    return (p->bloom[wl_snap_bloom_word(hash, p->bloom_mask)] & m) == m;
}
static inline void wl_snap_prefetch(const wl_snap *p, uint64_t hash)
{
    if (p->bloom)
        __builtin_prefetch(&p->bloom[wl_snap_bloom_word(hash, p->bloom_mask)]);
}
void wl_snap_release(wl_snap *p);

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
