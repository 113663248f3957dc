/* gen_match.c - deterministic workload for `kizuna match`: a STIX 2.1 bundle
 * of N indicators with a realistic mix of simple patterns (per 1000: 500
 * IPv4 addresses, 50 CIDR blocks, 250 domains, 100 URLs, 50 SHA-256,
 * 20 MD5, 15 e-mail addresses, 10 IPv6 addresses, 5 OR-combinations of two
 * values), optionally a number of complex ones, and beside it the list of
 * every simple value with its kind (TYPE<TAB>VALUE, ground truth for the
 * log generators and for `kizuna match --values`).
 *
 * Standalone (no libkizuna): cc -O2 -o bench/out/gen_match bench/gen_match.c
 *   gen_match -n 1000000 [-s SEED] [-c COMPLEX] -o bundle.json [-v values.tsv]
 * The same arguments always give the same bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static const char *const tlds[] = {"com", "net", "org", "info", "ru", "cn", "io", "xyz",
                                   "top", "jp", "de", "biz", "online", "co.uk", "su", "cc"};
static const char *const syl[] = {"ka", "zu", "mi", "to", "ne", "ri", "so", "va", "lo", "pe",
                                  "qu", "xi", "do", "ba", "fe", "gu", "ha", "jo", "ly", "wo",
                                  "cy", "mo", "ni", "ra", "se", "ti", "ul", "ve", "yo", "ze",
                                  "an", "ex"};
static const char *const words[] = {"update", "login", "secure", "cdn", "mail", "api",
                                    "verify", "account", "static", "portal", "files", "dl"};
static const char *const names[] = {"C2 server", "Phishing domain", "Malware download",
                                    "Scanning host", "Botnet node", "Exfiltration endpoint",
                                    "Ransomware payload", "Credential harvesting page",
                                    "Loader infrastructure", "Brute-force source"};

/* A pseudo-word of 3-6 syllables, unique enough from 64 random bits. */
static int label(char *out, size_t cap)
{
    uint64_t r = rnd();
    int n = 3 + (int)(r % 4), len = 0;
    r >>= 2;
    for (int i = 0; i < n; i++, r >>= 5)
        len += snprintf(out + len, cap - (size_t)len, "%s", syl[r & 31]);
    return len;
}

static int domain(char *out, size_t cap)
{
    char a[64], b[64];
    label(a, sizeof a);
    if (below(3) == 0) {
        label(b, sizeof b);
        return snprintf(out, cap, "%s.%s.%s", b, a, tlds[below(16)]);
    }
    return snprintf(out, cap, "%s%u.%s", a, below(100), tlds[below(16)]);
}

/* A public-looking IPv4 address (no 0/8, 10/8, 127/8, 224/3). */
static int ipv4(char *out, size_t cap)
{
    unsigned a;
    do
        a = 1 + below(223);
    while (a == 10 || a == 127);
    return snprintf(out, cap, "%u.%u.%u.%u", a, below(256), below(256), 1 + below(254));
}

static int hex(char *out, size_t n)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++)
        out[i] = d[rnd() & 15];
    out[n] = '\0';
    return (int)n;
}

typedef struct val {
    const char *tsv; /* kind for the values file */
    const char *path; /* pattern path */
    char v[256];
    int subset; /* ISSUBSET */
} val;

static void make_value(unsigned slot, val *x)
{
    x->subset = 0;
    if (slot < 500) {
        x->tsv = "ipv4-addr", x->path = "ipv4-addr:value";
        ipv4(x->v, sizeof x->v);
    } else if (slot < 550) {
        unsigned len = 16 + below(15);
        unsigned a = 1 + below(223);
        if (a == 10 || a == 127)
            a = 45;
        uint32_t ip = (a << 24) | (below(256) << 16) | (below(256) << 8);
        ip &= len ? 0xffffffffu << (32 - len) : 0;
        x->tsv = "ipv4-cidr", x->path = "ipv4-addr:value", x->subset = 1;
        snprintf(x->v, sizeof x->v, "%u.%u.%u.%u/%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
                 ip & 255, len);
    } else if (slot < 800) {
        x->tsv = "domain-name", x->path = "domain-name:value";
        domain(x->v, sizeof x->v);
    } else if (slot < 900) {
        char d[128];
        domain(d, sizeof d);
        x->tsv = "url", x->path = "url:value";
        snprintf(x->v, sizeof x->v, "%s://%s/%s/%s%u.php?id=%u", below(2) ? "https" : "http", d,
                 words[below(12)], words[below(12)], below(1000), below(100000));
    } else if (slot < 950) {
        x->tsv = "sha256", x->path = "file:hashes.'SHA-256'";
        hex(x->v, 64);
    } else if (slot < 970) {
        x->tsv = "md5", x->path = "file:hashes.MD5";
        hex(x->v, 32);
    } else if (slot < 985) {
        char d[128], u[64];
        domain(d, sizeof d);
        label(u, sizeof u);
        x->tsv = "email-addr", x->path = "email-addr:value";
        snprintf(x->v, sizeof x->v, "%s@%s", u, d);
    } else {
        x->tsv = "ipv6-addr", x->path = "ipv6-addr:value";
        snprintf(x->v, sizeof x->v, "2001:db8:%x:%x::%x", below(65536), below(65536),
                 1 + below(65535));
    }
}

static void uuid(char out[37])
{
    uint64_t a = rnd(), b = rnd();
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012" PRIx64, (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, 0x8000 | ((unsigned)(b >> 48) & 0x3fff),
             (uint64_t)(b & 0xffffffffffffull));
}

int main(int argc, char **argv)
{
    unsigned long n = 10000, complex_n = 0;
    uint64_t seed = 1;
    const char *out_path = NULL, *values_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            complex_n = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out_path = argv[++i];
        else if (strcmp(argv[i], "-v") == 0 && i + 1 < argc)
            values_path = argv[++i];
        else {
            fprintf(stderr, "usage: gen_match -n N [-s SEED] [-c COMPLEX] -o BUNDLE [-v VALUES]\n");
            return 2;
        }
    }
    if (!out_path) {
        fprintf(stderr, "gen_match: -o BUNDLE is required\n");
        return 2;
    }
    rng_state = seed * 0x2545f4914f6cdd1dull + 1;
    FILE *f = fopen(out_path, "w");
    FILE *vf = values_path ? fopen(values_path, "w") : NULL;
    if (!f || (values_path && !vf)) {
        perror("gen_match");
        return 2;
    }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fputs("{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-000000000000\",\"objects\":[", f);
    char id[37];
    for (unsigned long i = 0; i < n + complex_n; i++) {
        char pat[700];
        val a, b;
        unsigned slot = below(1000);
        if (i >= n) {
            /* complex: a comparison AND the pattern engine evaluates per record */
            make_value(0, &a);
            snprintf(pat, sizeof pat, "[network-traffic:dst_port = %u AND network-traffic:dst_ref.value = '%s']",
                     1024 + below(60000), a.v);
        } else if (slot >= 995) {
            make_value(below(500), &a);
            make_value(550 + below(250), &b);
            snprintf(pat, sizeof pat, "[%s = '%s'] OR [%s = '%s']", a.path, a.v, b.path, b.v);
            if (vf)
                fprintf(vf, "%s\t%s\n%s\t%s\n", a.tsv, a.v, b.tsv, b.v);
        } else {
            make_value(slot, &a);
            snprintf(pat, sizeof pat, "[%s %s '%s']", a.path, a.subset ? "ISSUBSET" : "=", a.v);
            if (vf)
                fprintf(vf, "%s\t%s\n", a.tsv, a.v);
        }
        uuid(id);
        unsigned day = 1 + below(28), mon = 1 + below(12);
        fprintf(f,
                "%s\n{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
                "\"created\":\"2024-%02u-%02uT10:00:00.000Z\",\"modified\":\"2024-%02u-%02uT10:00:00.000Z\","
                "\"name\":\"%s (campaign %u)\",\"indicator_types\":[\"malicious-activity\"],"
                "\"pattern\":\"%s\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-%02u-%02uT10:00:00Z\"}",
                i ? "," : "", id, mon, day, mon, day, names[below(10)], below(200), pat, mon, day);
    }
    fputs("\n]}\n", f);
    if (fclose(f) || (vf && fclose(vf))) {
        perror("gen_match");
        return 2;
    }
    return 0;
}
