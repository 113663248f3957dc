/* gen_indicators.c - writes N generated, valid STIX 2.1 indicators (the
 * workload of bench/store.sh) as one bundle, and optionally the same rows
 * as CSV for the raw sqlite3 baseline, so both contenders store identical
 * bytes.
 *
 *   cc -O2 bench/gen_indicators.c -o bench/out/gen_indicators
 *   bench/out/gen_indicators -n 1000000 -o bundle.json [-c rows.csv]
 *
 * Standalone (no libkizuna). Deterministic: the same n gives the same
 * bytes. Each indicator is one line of compact JSON, about 600 bytes:
 * name, description, pattern over an IPv4 address, domain, URL or SHA-256,
 * indicator_types, valid_from, created_by_ref, labels and a TLP 2.0
 * marking; ids are UUIDv4-shaped, derived from the index. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static const char *const tlp[] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
};
static const char *const kinds[] = {"malicious-activity", "anomalous-activity", "compromised",
                                    "attribution"};
static const char *const families[] = {"Emotet", "QakBot", "Cobalt Strike", "PlugX", "ShadowPad",
                                       "Industroyer", "IcedID", "AsyncRAT"};
static const char *const tlds[] = {"com", "net", "org", "info", "xyz", "jp", "de", "ru"};

/* The uuid of indicator i: random-looking but a function of i (v4 bits). */
static void make_uuid(uint64_t i, char out[37])
{
    uint64_t a = i * 0x9e3779b97f4a7c15ULL ^ 0x5851f42d4c957f2dULL;
    uint64_t b = (a ^ (a >> 29)) * 0xbf58476d1ce4e5b9ULL ^ i;
    snprintf(out, 37, "%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-%04" PRIx32 "-%012" PRIx64,
             (uint32_t)(a >> 32), (uint32_t)(a >> 16) & 0xffff, (uint32_t)a & 0xfff,
             (uint32_t)(0x8000 | ((b >> 48) & 0x3fff)), (uint64_t)(b & 0xffffffffffffULL));
}

static int pattern(char *out, size_t n, uint64_t i)
{
    uint64_t r = rnd();
    switch (i % 4) {
    case 0:
        return snprintf(out, n, "[ipv4-addr:value = '%u.%u.%u.%u']", (unsigned)(r >> 8) % 223 + 1,
                        (unsigned)(r >> 16) & 255, (unsigned)(r >> 24) & 255,
                        (unsigned)(r >> 32) & 255);
    case 1:
        return snprintf(out, n, "[domain-name:value = 'c2-%06" PRIx64 ".example-%u.%s']",
                        r & 0xffffff, (unsigned)(r >> 40) % 1000, tlds[(r >> 50) % 8]);
    case 2:
        return snprintf(out, n, "[url:value = 'http://dl-%06" PRIx64 ".example.net/p/%u.bin']",
                        r & 0xffffff, (unsigned)(r >> 32) % 100000);
    default:
        return snprintf(out, n, "[file:hashes.'SHA-256' = '%016" PRIx64 "%016" PRIx64
                                "%016" PRIx64 "%016" PRIx64 "']",
                        r, rnd(), rnd(), rnd());
    }
}

/* CSV field: quoted, quotes doubled. */
static void csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* objects.id_hash (schema 3): must stay byte-for-byte the same function as
 * kz_store_id_hash in lib/store/cursor.c; bench/store.sh checks that both
 * contenders stored the same id_hash for every row. */
static uint64_t id_hash(const char *id, size_t len)
{
    const unsigned char *p = (const unsigned char *)id;
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)len;
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

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int main(int argc, char **argv)
{
    uint64_t n = 1000;
    const char *out = NULL, *csv = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "n:o:c:")) != -1) {
        if (opt == 'n')
            n = strtoull(optarg, NULL, 10);
        else if (opt == 'o')
            out = optarg;
        else if (opt == 'c')
            csv = optarg;
        else {
            fprintf(stderr, "usage: gen_indicators -n N [-o bundle.json] [-c rows.csv]\n");
            return 2;
        }
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    FILE *c = csv ? fopen(csv, "w") : NULL;
    if (!f || (csv && !c)) {
        fprintf(stderr, "gen_indicators: cannot open output: %s\n", strerror(errno));
        return 2;
    }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fprintf(f, "{\"type\":\"bundle\",\"id\":\"bundle--0b0e5c4e-7d0a-4c5e-9b1a-6f2f0c3d4e5f\","
               "\"objects\":[\n");
    char json[2048], pat[256], uuid[37], ident[37];
    make_uuid(UINT64_MAX, ident);
    for (uint64_t i = 0; i < n; i++) {
        make_uuid(i, uuid);
        pattern(pat, sizeof pat, i);
        uint64_t r = rnd();
        unsigned day = 1 + (unsigned)(i % 28), month = 1 + (unsigned)((i / 28) % 12);
        unsigned hh = (unsigned)(r % 24), mm = (unsigned)(r >> 8) % 60, ss = (unsigned)(r >> 16) % 60;
        const char *fam = families[(r >> 24) % 8];
        int len = snprintf(
            json, sizeof json,
            "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
            "\"created_by_ref\":\"identity--%s\","
            "\"created\":\"2025-%02u-%02uT%02u:%02u:%02u.000Z\","
            "\"modified\":\"2025-%02u-%02uT%02u:%02u:%02u.000Z\","
            "\"name\":\"%s infrastructure %" PRIu64 "\","
            "\"description\":\"Observed in %s activity by partner sensors; seen %u times. "
            "Block at the perimeter and hunt for related traffic.\","
            "\"indicator_types\":[\"%s\"],\"pattern\":\"%s\",\"pattern_type\":\"stix\","
            "\"valid_from\":\"2025-%02u-%02uT%02u:%02u:%02uZ\",\"labels\":[\"%s\",\"bench\"],"
            "\"confidence\":%u,\"object_marking_refs\":[\"%s\"]}",
            uuid, ident, month, day, hh, mm, ss, month, day, hh, mm, ss, fam, i, fam,
            (unsigned)(r >> 32) % 500 + 1, kinds[(r >> 40) % 4], pat, month, day, hh, mm, ss,
            fam, (unsigned)(r >> 48) % 101, tlp[(r >> 56) % 3]);
        if (len <= 0 || (size_t)len >= sizeof json)
            return 2;
        fprintf(f, "%s%s\n", i ? "," : "", json);
        if (c) {
            /* the columns of the store's objects table, same bytes */
            char vkey[40];
            snprintf(vkey, sizeof vkey, "2025-%02u-%02uT%02u:%02u:%02u.000000000Z", month, day, hh,
                     mm, ss);
            char id[64];
            snprintf(id, sizeof id, "indicator--%s", uuid);
            fprintf(c, "%" PRIu64 ",%" PRId64 ",\"%s\",\"%s\",\"indicator\","
                       "\"2025-%02u-%02uT%02u:%02u:%02u.000Z\",\"2.1\",0,0,\"green\",%" PRId64
                       ",%" PRIu64 ",",
                    i + 1, (int64_t)id_hash(id, strlen(id)), id, vkey, month, day, hh, mm, ss,
                    (int64_t)fnv(json, (size_t)len), (uint64_t)(1700000000000000ULL + i));
            csv_str(c, json);
            fputc('\n', c);
        }
    }
    fprintf(f, "]}\n");
    if (fclose(f) != 0 || (c && fclose(c) != 0)) {
        fprintf(stderr, "gen_indicators: write failed: %s\n", strerror(errno));
        return 2;
    }
    return 0;
}
