/* ipset.h - IPv4/IPv6 addresses and CIDR prefixes: parsing to one binary
 * form, the canonical text (RFC 5952 for IPv6), and a set of prefixes with
 * a 32-bit value each that answers "which prefixes contain this address",
 * longest first. Used by `kizuna match` (indicator IPs and CIDRs) and by
 * the warninglists of `kizuna extract` (provider ranges).
 *
 * Why hash tables per prefix length and not a bit trie: a million
 * indicators are mostly single addresses, and a trie costs one node per
 * bit of every address (tens of bytes each); here a /32 costs one 8-byte
 * slot at most 3/4 full, a prefix one slot in the table of its length,
 * and a lookup probes only the tables of lengths that can hold a match
 * (IPv4: a per-/16 bitmap of the lengths present there; IPv6: every length
 * present, which real sets keep to a handful). */
#ifndef KIZUNA_IPSET_H
#define KIZUNA_IPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"

/* An address or prefix. For IPv4, a[0..4) holds the address and the rest
 * is zero; bits beyond `prefix` are always zero once parsed. */
typedef struct kz_ipaddr {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix; /* 0..32 or 0..128; 32/128 for a single address */
    uint8_t a[16];
} kz_ipaddr;

/* Longest text kz_ip_format writes, NUL included
 * ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128"). */
#define KZ_IP_TEXT_MAX 52

/* Parses text[0..len) (not NUL-terminated): a dotted quad with no leading
 * zeros, or any RFC 4291 IPv6 text form (with an embedded IPv4 tail), each
 * optionally followed by "/N". Host bits beyond the prefix are cleared
 * (STIX `ipv4-addr:value = '10.0.0.1/24'` means 10.0.0.0/24), and
 * *host_bits (if not NULL) says whether any were set. KZ_EPARSE otherwise
 * (also for zone ids "%eth0", which are not addresses on the wire). */
kz_err kz_ip_parse(const char *text, size_t len, kz_ipaddr *out, bool *host_bits);

/* Writes the canonical text of ip into out (cap >= KZ_IP_TEXT_MAX):
 * IPv4 dotted quad, IPv6 per RFC 5952 (lower case, longest run of two or
 * more zero groups as "::", the first when tied, "::ffff:a.b.c.d" for
 * IPv4-mapped), "/N" only for a prefix shorter than the address. Returns
 * the length. */
size_t kz_ip_format(const kz_ipaddr *ip, char *out, size_t cap);

/* Whether prefix p contains address (or prefix) x: same family, x's
 * prefix at least as long, and the first p->prefix bits equal. */
bool kz_ip_contains(const kz_ipaddr *p, const kz_ipaddr *x);

typedef struct kz_ipset kz_ipset;

/* An empty set. Heap; kz_ipset_free. NULL on out of memory. */
kz_ipset *kz_ipset_new(void);
void kz_ipset_free(kz_ipset *s);

/* Adds prefix p -> value. When p (same family, bits and length) is in the
 * set already, nothing changes, *existing (if not NULL) receives its value
 * and KZ_EEXIST is returned. KZ_EINVAL for a bad family or length,
 * KZ_ENOMEM (the set is unchanged). */
kz_err kz_ipset_add(kz_ipset *s, const kz_ipaddr *p, uint32_t value, uint32_t *existing);

/* The values of every prefix that contains address x (x->prefix is
 * ignored: x is taken as a single address), longest prefix first; up to
 * max are written to vals. Returns how many prefixes contain x (which may
 * exceed max). */
size_t kz_ipset_lookup(const kz_ipset *s, const kz_ipaddr *x, uint32_t *vals, size_t max);

/* Starts loading the memory a kz_ipset_lookup of x will read first (the
 * /16 filter word and the full-length table's Bloom filter word, which
 * answers most absent addresses without a slot load), so that a caller
 * with several addresses to look up overlaps their cache misses. Changes
 * nothing; any x is fine. */
void kz_ipset_prefetch(const kz_ipset *s, const kz_ipaddr *x);

/* Number of prefixes held, and heap bytes used. */
size_t kz_ipset_count(const kz_ipset *s);
size_t kz_ipset_bytes(const kz_ipset *s);

#endif
