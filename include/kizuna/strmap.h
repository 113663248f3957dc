/* strmap.h - a compact hash map from byte strings to 32-bit values, for the
 * large immutable sets of `kizuna match` (a million indicator values) and
 * the warninglists of `kizuna extract`.
 *
 * Why not a general hash table: at a million keys, memory per key is the
 * limit (issue 7 allows 150 bytes per indicator in all). Keys are copied
 * once into one growing pool, each prefixed by its length; a slot is 12
 * bytes (32-bit hash tag, 32-bit pool offset, 32-bit value) and the table
 * is kept at most 3/4 full, so a lookup of a missing key touches about two
 * slots and compares key bytes only when the 32-bit tags agree. Keys are compared as bytes: callers normalise first (lower-case
 * domains and hashes, canonical IPv6, see the match and extract modules).
 *
 * Not thread-safe for writers; any number of threads may look up a map
 * nobody is writing. */
#ifndef KIZUNA_STRMAP_H
#define KIZUNA_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"

/* Longest key accepted (bytes). Longer ones: KZ_ETOOBIG. */
#define KZ_STRMAP_KEY_MAX 65535u

/* A 64-bit hash of p[0..n): fast, not cryptographic, the same in every run
 * on a given byte order. Not for hostile keys where collisions matter for
 * more than speed (lookups stay correct, only slower). */
uint64_t kz_hash64(const void *p, size_t n, uint64_t seed);

typedef struct kz_strmap kz_strmap;

/* An empty map sized for about `expected` keys (0: small; it grows).
 * Heap; kz_strmap_free. NULL on out of memory. */
kz_strmap *kz_strmap_new(size_t expected);
void kz_strmap_free(kz_strmap *m);

/* Adds key -> value. When the key is present already, nothing changes,
 * *existing (if not NULL) receives its value and KZ_EEXIST is returned.
 * KZ_ETOOBIG: key longer than KZ_STRMAP_KEY_MAX or the pool would pass
 * 4 GiB. KZ_ENOMEM: growing failed (the map is unchanged). */
kz_err kz_strmap_put(kz_strmap *m, const void *key, size_t len, uint32_t value, uint32_t *existing);

/* Looks key up; true and *value (if not NULL) when present. */
bool kz_strmap_get(const kz_strmap *m, const void *key, size_t len, uint32_t *value);

/* Split lookups, for callers that look several keys up at once (a log
 * record's fields): hash each key and prefetch its slot first, then get
 * them, so that the cache misses of a large map overlap instead of being
 * paid one after the other. kz_strmap_get(m, k, n, v) is exactly
 * kz_strmap_get_hashed(m, kz_strmap_hash(k, n), k, n, v). */
uint64_t kz_strmap_hash(const void *key, size_t len);
void kz_strmap_prefetch(const kz_strmap *m, uint64_t hash);
bool kz_strmap_get_hashed(const kz_strmap *m, uint64_t hash, const void *key, size_t len,
                          uint32_t *value);

/* Gives back the unused tail of the key pool once all keys are in (the
 * pool grows by doubling). The map stays usable, also for more puts. */
void kz_strmap_trim(kz_strmap *m);

/* Number of keys, and heap bytes held (slots + key pool). */
size_t kz_strmap_count(const kz_strmap *m);
size_t kz_strmap_bytes(const kz_strmap *m);

/* Calls fn for each (key, value) in no particular order; nonzero stops. */
typedef int (*kz_strmap_fn)(void *ctx, const char *key, size_t len, uint32_t value);
void kz_strmap_each(const kz_strmap *m, kz_strmap_fn fn, void *ctx);

#endif
