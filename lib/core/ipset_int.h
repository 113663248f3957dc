/* ipset_int.h - entry points of the prefix set (ipset.c) for callers
 * inside kizuna that hold an IPv4 address as a 32-bit number already
 * (`kizuna match`'s readers parse dotted quads to one): the same answers
 * as kz_ipset_lookup / kz_ipset_prefetch on the kz_ipaddr of that number,
 * without building one and reading it back byte by byte. */
#ifndef KZ_CORE_IPSET_INT_H
#define KZ_CORE_IPSET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kizuna/ipset.h"

/* a = first byte << 24 | ... | last byte (mc_ip4_parse32's form). */
size_t kz_ipset_lookup4(const kz_ipset *s, uint32_t a, uint32_t *vals, size_t max);
void kz_ipset_prefetch4(const kz_ipset *s, uint32_t a);

#endif
