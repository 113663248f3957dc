/* cursor.c - the opaque paging cursor (date_added, rowid, filter hash as
 * base64url) and the filter hash that binds a cursor to its query. */
#include <string.h>

#include "kizuna/codec.h"
#include "store/store_int.h"

/* Wire form: 1 version byte + 3 x 8 bytes big-endian = 25 bytes -> 34
 * base64url characters without padding. */
#define CURSOR_RAW 25
#define CURSOR_TEXT 34

/* FNV-1a style over 8-byte words (then the tail bytewise): a content
 * fingerprint for the conflict check and the cursor's filter hash, not a
 * cryptographic hash. Word-wise because every stored object is hashed on
 * the import path; a mismatch only triggers a full comparison, so changing
 * the function later costs speed, never correctness. */
uint64_t kz_store_hash(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h ^= w;
        h *= 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t kz_store_id_hash(const char *id, size_t len)
{
    /* Stored in objects.id_hash (schema 3): it must never change and must
     * not depend on the host, so bytes are read little-endian explicitly
     * and the result is finished with the splitmix64 mixer (every input
     * bit reaches every output bit, so the index keys spread evenly). */
    const unsigned char *p = (const unsigned char *)id;
    uint64_t h = KZ_STORE_HASH_INIT ^ (uint64_t)len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w = 0;
        for (int k = 7; k >= 0; k--)
            w = w << 8 | p[i + (size_t)k];
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

void kz_store_cursor_encode(const kz_store_cursor *c, char out[KZ_STORE_CURSOR_MAX])
{
    unsigned char raw[CURSOR_RAW];
    raw[0] = KZ_STORE_CURSOR_VERSION;
    put64(raw + 1, (uint64_t)c->added_us);
    put64(raw + 9, (uint64_t)c->rowid);
    put64(raw + 17, c->filter_hash);
    /* CURSOR_TEXT + 1 <= KZ_STORE_CURSOR_MAX, so this never fails */
    kz_base64_encode(raw, CURSOR_RAW, true, false, out, KZ_STORE_CURSOR_MAX);
}

kz_err kz_store_cursor_decode(const char *text, size_t len, kz_store_cursor *out)
{
    if (!text || len != CURSOR_TEXT)
        return KZ_EINVAL;
    unsigned char raw[CURSOR_RAW + 2];
    size_t o = 0;
    /* The decoder refuses non-zero spare bits in the last group, so that
     * one cursor has exactly one spelling. */
    if (kz_base64_decode(text, len, true, false, raw, sizeof raw, &o) != KZ_OK)
        return KZ_EINVAL;
    if (o != CURSOR_RAW || raw[0] != KZ_STORE_CURSOR_VERSION)
        return KZ_EINVAL;
    int64_t added = (int64_t)get64(raw + 1), rowid = (int64_t)get64(raw + 9);
    if (added < 0 || rowid < 0)
        return KZ_EINVAL;
    out->added_us = added;
    out->rowid = rowid;
    out->filter_hash = get64(raw + 17);
    return KZ_OK;
}

/* Hashes a list with its length and a separator so that {"a","b"} and
 * {"ab"} differ. */
static uint64_t hash_list(uint64_t h, char tag, const char *const *v, size_t n)
{
    h = kz_store_hash(&tag, 1, h);
    h = kz_store_hash(&n, sizeof n, h);
    for (size_t i = 0; i < n; i++)
        h = kz_store_hash(v[i], strlen(v[i]) + 1, h);
    return h;
}

uint64_t kz_store_filter_hash(const kz_store_filter *f, const char *coll_id)
{
    uint64_t h = KZ_STORE_HASH_INIT;
    h = kz_store_hash(coll_id, strlen(coll_id) + 1, h);
    unsigned char flags[2] = {(unsigned char)f->has_added_after, (unsigned char)f->want_json};
    h = kz_store_hash(flags, sizeof flags, h);
    if (f->has_added_after)
        h = kz_store_hash(&f->added_after_us, sizeof f->added_after_us, h);
    h = hash_list(h, 't', f->types, f->n_types);
    h = hash_list(h, 'i', f->ids, f->n_ids);
    h = hash_list(h, 's', f->spec_versions, f->n_spec_versions);
    h = kz_store_hash(&f->versions, sizeof f->versions, h);
    h = hash_list(h, 'v', f->version_ts, f->n_version_ts);
    /* Only when set, so cursors issued before the field existed stay valid. */
    if (f->all_spec_versions)
        h = kz_store_hash("all-spec", 8, h);
    return h;
}
