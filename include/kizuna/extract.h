/* extract.h - finding indicators of compromise in prose: the scanner of
 * `kizuna extract` (English and Japanese reports, defanged and full-width
 * forms) and the value normalisers that `kizuna match` applies to log
 * fields too, so that both sides of a comparison are normalised alike.
 *
 * What counts as a correct extraction: docs/extract.md, after
 * ../shared/data/extract/POLICY.md (refang rules, contained indicators,
 * URL ends, file names are not domains, version numbers are not IPs...).
 *
 * CONTRACT (written by the lead before the implementation; the module
 * owner may extend it, and must keep the names below). */
#ifndef KIZUNA_EXTRACT_H
#define KIZUNA_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/arena.h"
#include "kizuna/error.h"

typedef enum kz_ioc_type {
    KZ_IOC_IPV4 = 0, /* "ipv4-addr" */
    KZ_IOC_IPV6,     /* "ipv6-addr" */
    KZ_IOC_DOMAIN,   /* "domain-name" */
    KZ_IOC_URL,      /* "url" */
    KZ_IOC_EMAIL,    /* "email-addr" */
    KZ_IOC_MD5,      /* "file:hashes.MD5" */
    KZ_IOC_SHA1,     /* "file:hashes.SHA-1" */
    KZ_IOC_SHA256,   /* "file:hashes.SHA-256" */
    KZ_IOC_SHA512,   /* "file:hashes.SHA-512" */
    KZ_IOC_CVE,      /* "vulnerability" */
    KZ_IOC_ATTACK,   /* "attack-pattern" (T1059, T1059.001) */
    KZ_IOC__COUNT
} kz_ioc_type;

/* The TSV type names above; NULL for an out-of-range value. */
const char *kz_ioc_type_name(kz_ioc_type t);
/* The reverse; KZ_EINVAL (and *out untouched) for an unknown name. */
kz_err kz_ioc_type_parse(const char *name, kz_ioc_type *out);

/* ---- normalisers (shared with `kizuna match`) ----
 * Each writes the canonical form of in[0..len) (already refanged) into
 * arena a as a NUL-terminated string in *out (and its length in *out_len
 * if not NULL), or returns KZ_EPARSE (*out NULL) when the text is not a
 * value of that type. Canonical forms: IPs per kz_ip_format (ipset.h);
 * domains lower-case, no trailing dot, IDN labels as punycode (libidn2),
 * final label an IANA TLD (libpsl); URLs with scheme and host normalised
 * (lower case, punycode, IPv6 per RFC 5952; the port is kept as written,
 * as POLICY.md's cases expect), path/query kept as written; e-mail with the domain part normalised, local part kept;
 * hashes lower-case hex of the right length; CVE ids upper-case
 * "CVE-YYYY-NNNN..."; technique ids upper-case. */
kz_err kz_ioc_normalize(kz_arena *a, kz_ioc_type t, const char *in, size_t len, const char **out,
                        size_t *out_len);

/* ---- the scanner ---- */
typedef struct kz_ioc_hit {
    kz_ioc_type type;
    const char *value;  /* canonical value (see above), NUL-terminated; owned by the scan */
    size_t value_len;
    size_t offset;      /* byte offset of the indicator as written in the input */
    size_t len;         /* its length in bytes in the input */
    size_t line;        /* 1-based line of offset */
    bool defanged;      /* the text as written needed refanging */
} kz_ioc_hit;

/* Called for each hit in order of position (a URL's host and an e-mail's
 * domain follow the URL / e-mail they are part of). Nonzero stops the
 * scan (kz_extract_scan then returns KZ_OK). The hit and its strings live
 * until the callback returns. */
typedef int (*kz_ioc_hit_fn)(void *ctx, const kz_ioc_hit *h);

typedef enum kz_extract_input { KZ_EXTRACT_TEXT = 0, KZ_EXTRACT_HTML } kz_extract_input;

typedef struct kz_extract_opts {
    uint32_t types;           /* bit (1u << kz_ioc_type) per wanted type; 0: all */
    kz_extract_input input;   /* HTML: tags stripped and entities decoded first */
} kz_extract_opts;

/* Scans UTF-8 text[0..len) (invalid UTF-8 is skipped, never fatal) and
 * reports every indicator, each occurrence (callers deduplicate).
 * Memory is bounded by a constant times the longest line (lines are cut
 * at 1 MiB), plus one copy of the input for KZ_EXTRACT_HTML. Reentrant:
 * threads may scan at once. Errors: KZ_ENOMEM, KZ_EINVAL (NULL
 * arguments). See docs/extract.md for the rules. */
kz_err kz_extract_scan(const char *text, size_t len, const kz_extract_opts *o, kz_ioc_hit_fn fn,
                       void *ctx);

#endif
