/* gen_logs.c - deterministic logs for `kizuna match` benchmarks: Zeek TSV
 * (conn, dns and http sections, each with its own headers, in one file),
 * Suricata EVE JSON or syslog lines, of about a given size, with a given
 * share of lines (default 0.1 %) carrying one indicator value from
 * gen_match's values file as a clean token, and the ground truth beside.
 *
 * Background values never hit and never contain an indicator as a
 * substring, so a substring tool (grep -F) and kizuna agree on every
 * exact hit: addresses from 10.0.0.0/8 and fd00::/8 (gen_match draws
 * neither), host names under .example and .test (no indicator TLD), random
 * hex hashes. CIDR indicators are planted as an address inside the block:
 * kizuna must count them, a substring tool cannot (the truth file says
 * which are which). EVE URLs are written without escaping '/' (valid JSON;
 * Suricata writes "\/"), so that grep sees them.
 *
 * Standalone (no libkizuna): cc -O2 -o bench/out/gen_logs bench/gen_logs.c
 *   gen_logs -f zeek|eve|syslog -v values.tsv -b BYTES [-s SEED] [-r PER_MILLE]
 *            -o LOG -t TRUTH [-g GREP_VALUES]
 * TRUTH: one line per hit line "LINE<TAB>exact|cidr<TAB>TYPE<TAB>VALUE";
 * GREP_VALUES: every non-CIDR value, one per line (for grep -F -f / rg -F -f).
 * The same arguments always give the same bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

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

enum { T_IP4, T_CIDR, T_IP6, T_DOMAIN, T_URL, T_SHA256, T_MD5, T_EMAIL, T_COUNT };
static const char *const tnames[T_COUNT] = {"ipv4-addr", "ipv4-cidr", "ipv6-addr", "domain-name",
                                            "url",       "sha256",    "md5",       "email-addr"};

typedef struct vals {
    char **v[T_COUNT];
    size_t n[T_COUNT], cap[T_COUNT];
} vals;

static vals V;

static void load(const char *path, FILE *grepf)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        char *v = tab + 1;
        v[strcspn(v, "\r\n")] = 0;
        int t = -1;
        for (int i = 0; i < T_COUNT; i++)
            if (strcmp(line, tnames[i]) == 0)
                t = i;
        if (t < 0)
            continue;
        if (V.n[t] == V.cap[t]) {
            V.cap[t] = V.cap[t] ? 2 * V.cap[t] : 1024;
            V.v[t] = realloc(V.v[t], V.cap[t] * sizeof *V.v[t]);
            if (!V.v[t])
                exit(2);
        }
        V.v[t][V.n[t]++] = strdup(v);
        if (grepf && t != T_CIDR)
            fprintf(grepf, "%s\n", v);
    }
    fclose(f);
}

/* A value of one of the wanted types (bit mask), drawn uniformly from
 * all values of those types; *type gets its type. NULL if none. */
static const char *draw(unsigned mask, int *type)
{
    size_t total = 0;
    for (int t = 0; t < T_COUNT; t++)
        if (mask & (1u << t))
            total += V.n[t];
    if (!total)
        return NULL;
    size_t k = (size_t)(rnd() % total);
    for (int t = 0; t < T_COUNT; t++) {
        if (!(mask & (1u << t)))
            continue;
        if (k < V.n[t]) {
            *type = t;
            return V.v[t][k];
        }
        k -= V.n[t];
    }
    return NULL;
}

/* An address inside CIDR text "a.b.c.d/n" (the network address + 1..). */
static void in_cidr(const char *cidr, char *out, size_t cap)
{
    unsigned a, b, c, d, n;
    if (sscanf(cidr, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &n) != 5 || n > 32) {
        snprintf(out, cap, "%s", cidr);
        return;
    }
    uint32_t ip = (a << 24) | (b << 16) | (c << 8) | d;
    uint32_t span = n >= 31 ? 1 : (1u << (32 - n)) - 2;
    ip += 1 + (uint32_t)(rnd() % span);
    snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* ---- background values (never an indicator, never containing one) ---- */
static void bg_ip(char *o, size_t cap)
{
    snprintf(o, cap, "10.%u.%u.%u", below(256), below(256), 1 + below(254));
}
static void bg_ip6(char *o, size_t cap)
{
    snprintf(o, cap, "fd00:%x:%x::%x", below(65536), below(65536), 1 + below(65535));
}
static const char *const hostw[] = {"www", "mail", "api", "cdn", "static", "intranet", "wiki",
                                    "git", "vpn", "auth", "files", "portal"};
static void bg_host(char *o, size_t cap)
{
    snprintf(o, cap, "%s%u.%s.%s", hostw[below(12)], below(500), below(2) ? "corp" : "svc",
             below(2) ? "example" : "test");
}
static void bg_hex(char *o, size_t n)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++)
        o[i] = d[rnd() & 15];
    o[n] = 0;
}
static void uid(char *o)
{
    static const char d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    o[0] = 'C';
    for (int i = 1; i < 18; i++)
        o[i] = d[rnd() % 62];
    o[18] = 0;
}

typedef struct gen {
    FILE *out, *truth;
    uint64_t line, bytes, target;
    unsigned rate; /* hit lines per million */
    double ts;
    uint64_t hits, exact;
} gen;

static int hit_now(gen *g)
{
    return (rnd() % 1000000) < g->rate;
}

static void emit(gen *g, const char *s)
{
    size_t n = strlen(s);
    fwrite(s, 1, n, g->out);
    fputc('\n', g->out);
    g->bytes += n + 1;
    g->line++;
}

static void truth(gen *g, int type, const char *v)
{
    g->hits++;
    if (type != T_CIDR)
        g->exact++;
    fprintf(g->truth, "%" PRIu64 "\t%s\t%s\t%s\n", g->line, type == T_CIDR ? "cidr" : "exact",
            tnames[type], v);
}

/* The planted value as it goes in the log (an address inside a CIDR). */
static const char *plant(int type, const char *v, char *buf, size_t cap)
{
    if (type != T_CIDR)
        return v;
    in_cidr(v, buf, cap);
    return buf;
}

/* ---- Zeek ---- */
static void zeek_header(gen *g, const char *path, const char *fields, const char *types)
{
    char h[2048];
    const char *hdr[] = {"#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
                         "#unset_field\t-"};
    for (int i = 0; i < 4; i++)
        emit(g, hdr[i]);
    snprintf(h, sizeof h, "#path\t%s", path);
    emit(g, h);
    emit(g, "#open\t2024-05-01-10-00-00");
    snprintf(h, sizeof h, "#fields\t%s", fields);
    emit(g, h);
    snprintf(h, sizeof h, "#types\t%s", types);
    emit(g, h);
}

static void zeek(gen *g)
{
    static const char *const sections[3][3] = {
        {"conn",
         "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"
         "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\t"
         "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
         "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\t"
         "bool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"},
        {"dns",
         "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\t"
         "qclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\t"
         "answers\tTTLs\trejected",
         "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\t"
         "count\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\t"
         "vector[interval]\tbool"},
        {"http",
         "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\t"
         "referrer\tversion\tuser_agent\trequest_body_len\tresponse_body_len\tstatus_code\t"
         "status_msg\ttags\tresp_mime_types",
         "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\t"
         "string\tcount\tcount\tcount\tstring\tset[enum]\tvector[string]"},
    };
    static const char *const states[] = {"SF", "S0", "REJ", "RSTO", "SHR", "OTH"};
    static const char *const uas[] = {"Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                                      "curl/8.4.0", "Wget/1.21.3", "python-requests/2.31.0"};
    for (int s = 0; s < 3; s++) {
        uint64_t stop = g->target * (uint64_t)(s + 1) / 3;
        zeek_header(g, sections[s][0], sections[s][1], sections[s][2]);
        char line[4096], a[64], b[64], u[32], host[128], v2[128];
        while (g->bytes < stop) {
            g->ts += 0.001 + (double)below(1000) / 1e6;
            uid(u);
            bg_ip(a, sizeof a);
            bg_ip(b, sizeof b);
            int type = -1;
            const char *v = NULL;
            if (hit_now(g)) {
                unsigned mask = s == 0 ? (1u << T_IP4) | (1u << T_CIDR) | (1u << T_IP6)
                              : s == 1 ? (1u << T_DOMAIN)
                                       : (1u << T_URL) | (1u << T_DOMAIN);
                v = draw(mask, &type);
            }
            const char *pv = v ? plant(type, v, v2, sizeof v2) : NULL;
            if (s == 0) {
                snprintf(line, sizeof line,
                         "%.6f\t%s\t%s\t%u\t%s\t%u\ttcp\t%s\t%.6f\t%u\t%u\t%s\tT\tF\t0\tShADadFf\t"
                         "%u\t%u\t%u\t%u\t-",
                         g->ts, u, a, 1024 + below(60000), pv ? pv : b, below(2) ? 443 : 80,
                         below(2) ? "ssl" : "http", (double)below(100000) / 1e3, below(100000),
                         below(1000000), states[below(6)], below(100), below(10000), below(100),
                         below(100000));
            } else if (s == 1) {
                bg_host(host, sizeof host);
                char ans[64];
                bg_ip(ans, sizeof ans);
                snprintf(line, sizeof line,
                         "%.6f\t%s\t%s\t%u\t%s\t53\tudp\t%u\t%.6f\t%s\t1\tC_INTERNET\t1\tA\t0\t"
                         "NOERROR\tF\tF\tT\tT\t0\t%s\t%u.000000\tF",
                         g->ts, u, a, 1024 + below(60000), b, below(65536),
                         (double)below(100000) / 1e6, pv ? pv : host, ans, below(3600));
            } else {
                bg_host(host, sizeof host);
                char ref[256], path[128];
                snprintf(path, sizeof path, "/%s/%u.html", hostw[below(12)], below(100000));
                if (type == T_URL)
                    snprintf(ref, sizeof ref, "%s", pv);
                else
                    snprintf(ref, sizeof ref, "http://%s/", host);
                snprintf(line, sizeof line,
                         "%.6f\t%s\t%s\t%u\t%s\t80\t1\tGET\t%s\t%s\t%s\t1.1\t%s\t0\t%u\t200\tOK\t("
                         "empty)\ttext/html",
                         g->ts, u, a, 1024 + below(60000), b, type == T_DOMAIN ? pv : host, path,
                         ref, uas[below(4)], below(100000));
            }
            emit(g, line);
            if (v)
                truth(g, type, v);
        }
        emit(g, "#close\t2024-05-01-11-00-00");
    }
}

/* ---- EVE ---- */
static void eve_time(gen *g, char *o, size_t cap)
{
    g->ts += 0.001 + (double)below(1000) / 1e6;
    uint64_t t = (uint64_t)g->ts;
    unsigned us = (unsigned)((g->ts - (double)t) * 1e6);
    unsigned sod = (unsigned)(t % 86400);
    snprintf(o, cap, "2024-05-%02uT%02u:%02u:%02u.%06u+0000", 1 + (unsigned)((t / 86400) % 28),
             sod / 3600, (sod / 60) % 60, sod % 60, us);
}

static void eve(gen *g)
{
    char line[4096], ts[64], a[64], b[64], host[128], h1[80], v2[128];
    while (g->bytes < g->target) {
        eve_time(g, ts, sizeof ts);
        bg_ip(a, sizeof a);
        bg_ip(b, sizeof b);
        bg_host(host, sizeof host);
        int type = -1;
        const char *v = hit_now(g) ? draw(0xff, &type) : NULL;
        const char *pv = v ? plant(type, v, v2, sizeof v2) : NULL;
        unsigned kind = below(100);
        if (v) /* the event type follows the value */
            kind = type == T_DOMAIN ? (below(2) ? 10 : 55)
                 : type == T_URL ? 40
                 : type == T_SHA256 || type == T_MD5 ? 92
                 : type == T_EMAIL ? 97 : 75;
        unsigned long long flow = rnd() & 0xffffffffffffull;
        unsigned sp = 1024 + below(60000);
        if (kind < 30) {
            snprintf(line, sizeof line,
                     "{\"timestamp\":\"%s\",\"flow_id\":%llu,\"in_iface\":\"eth0\",\"event_type\":"
                     "\"dns\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":53,"
                     "\"proto\":\"UDP\",\"dns\":{\"type\":\"query\",\"id\":%u,\"rrname\":\"%s\","
                     "\"rrtype\":\"A\",\"tx_id\":0}}",
                     ts, flow, a, sp, b, below(65536), pv ? pv : host);
        } else if (kind < 50) {
            bg_hex(h1, 8);
            char ref[256];
            if (type == T_URL)
                snprintf(ref, sizeof ref, "%s", pv);
            else
                snprintf(ref, sizeof ref, "http://%s/", host);
            snprintf(line, sizeof line,
                     "{\"timestamp\":\"%s\",\"flow_id\":%llu,\"in_iface\":\"eth0\",\"event_type\":"
                     "\"http\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":80,"
                     "\"proto\":\"TCP\",\"tx_id\":0,\"http\":{\"hostname\":\"%s\",\"url\":\"/%s/"
                     "%s.php\",\"http_user_agent\":\"Mozilla/5.0\",\"http_refer\":\"%s\","
                     "\"http_content_type\":\"text/html\",\"http_method\":\"GET\",\"protocol\":"
                     "\"HTTP/1.1\",\"status\":200,\"length\":%u}}",
                     ts, flow, a, sp, b, host, hostw[below(12)], h1, ref, below(100000));
        } else if (kind < 65) {
            snprintf(line, sizeof line,
                     "{\"timestamp\":\"%s\",\"flow_id\":%llu,\"in_iface\":\"eth0\",\"event_type\":"
                     "\"tls\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":443,"
                     "\"proto\":\"TCP\",\"tls\":{\"subject\":\"CN=%s\",\"issuerdn\":\"CN=Test CA\","
                     "\"serial\":\"00:11:22\",\"fingerprint\":\"aa:bb:cc\",\"sni\":\"%s\","
                     "\"version\":\"TLS 1.3\",\"notbefore\":\"2024-01-01T00:00:00\",\"notafter\":"
                     "\"2025-01-01T00:00:00\"}}",
                     ts, flow, a, sp, b, host, pv ? pv : host);
        } else if (kind < 90) {
            char d[160];
            if (type == T_IP6)
                bg_ip6(a, sizeof a);
            snprintf(d, sizeof d, "%s", pv ? pv : b);
            snprintf(line, sizeof line,
                     "{\"timestamp\":\"%s\",\"flow_id\":%llu,\"in_iface\":\"eth0\",\"event_type\":"
                     "\"flow\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":%u,"
                     "\"proto\":\"TCP\",\"app_proto\":\"tls\",\"flow\":{\"pkts_toserver\":%u,"
                     "\"pkts_toclient\":%u,\"bytes_toserver\":%u,\"bytes_toclient\":%u,\"start\":"
                     "\"%s\",\"end\":\"%s\",\"age\":%u,\"state\":\"closed\",\"reason\":\"timeout\","
                     "\"alerted\":false},\"tcp\":{\"tcp_flags\":\"1b\",\"syn\":true,\"fin\":true,"
                     "\"psh\":true,\"ack\":true,\"state\":\"closed\"}}",
                     ts, flow, a, sp, d, below(2) ? 443 : 8443, below(100), below(100),
                     below(100000), below(1000000), ts, ts, below(100));
        } else if (kind < 95) {
            char sha[65], md5[33];
            bg_hex(sha, 64);
            bg_hex(md5, 32);
            snprintf(line, sizeof line,
                     "{\"timestamp\":\"%s\",\"flow_id\":%llu,\"in_iface\":\"eth0\",\"event_type\":"
                     "\"fileinfo\",\"src_ip\":\"%s\",\"src_port\":80,\"dest_ip\":\"%s\","
                     "\"dest_port\":%u,\"proto\":\"TCP\",\"http\":{\"hostname\":\"%s\",\"url\":"
                     "\"/dl/file.bin\"},\"fileinfo\":{\"filename\":\"/dl/file.bin\",\"gaps\":false,"
                     "\"state\":\"CLOSED\",\"md5\":\"%s\",\"sha256\":\"%s\",\"stored\":false,"
                     "\"size\":%u,\"tx_id\":0}}",
                     ts, flow, b, a, sp, host, type == T_MD5 ? pv : md5,
                     type == T_SHA256 ? pv : sha, below(1000000));
        } else {
            char from[160];
            snprintf(from, sizeof from, "user%u@%s", below(1000), host);
            snprintf(line, sizeof line,
                     "{\"timestamp\":\"%s\",\"flow_id\":%llu,\"in_iface\":\"eth0\",\"event_type\":"
                     "\"smtp\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":25,"
                     "\"proto\":\"TCP\",\"smtp\":{\"helo\":\"mx.corp.example\",\"mail_from\":\"<%s>\","
                     "\"rcpt_to\":[\"<staff%u@corp.example>\"]},\"email\":{\"status\":"
                     "\"PARSE_DONE\"}}",
                     ts, flow, a, sp, b, type == T_EMAIL ? pv : from, below(1000));
        }
        emit(g, line);
        if (v)
            truth(g, type, v);
    }
}

/* ---- syslog ---- */
static void syslog_lines(gen *g)
{
    static const char *const mon[] = {"May"};
    char line[2048], a[64], b[64], host[96], v2[128];
    while (g->bytes < g->target) {
        g->ts += 0.001 + (double)below(1000) / 1e6;
        unsigned sod = (unsigned)((uint64_t)g->ts % 86400);
        char when[32];
        snprintf(when, sizeof when, "%s %2u %02u:%02u:%02u", mon[0],
                 1 + (unsigned)(((uint64_t)g->ts / 86400) % 28), sod / 3600, (sod / 60) % 60,
                 sod % 60);
        bg_ip(a, sizeof a);
        bg_ip(b, sizeof b);
        bg_host(host, sizeof host);
        int type = -1;
        const char *v = hit_now(g) ? draw(0xff, &type) : NULL;
        const char *pv = v ? plant(type, v, v2, sizeof v2) : NULL;
        unsigned kind = below(100);
        if (v)
            kind = type == T_URL ? 30 : type == T_DOMAIN ? 60
                 : type == T_EMAIL ? 80 : type == T_SHA256 || type == T_MD5 ? 95 : 5;
        if (kind < 25) {
            snprintf(line, sizeof line,
                     "%s fw01 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:11:22:33:44:55 SRC=%s "
                     "DST=%s LEN=60 TOS=0x00 PROTO=TCP SPT=%u DPT=%u WINDOW=29200 SYN",
                     when, pv ? pv : a, b, 1024 + below(60000), below(2) ? 443 : 22);
        } else if (kind < 50) {
            char path[128];
            snprintf(path, sizeof path, "http://%s/%s/%u.html", host, hostw[below(12)],
                     below(100000));
            snprintf(line, sizeof line,
                     "%s proxy01 squid[2101]: %u.%03u %5u %s TCP_MISS/200 %u GET %s - "
                     "HIER_DIRECT/%s text/html",
                     when, (unsigned)g->ts, below(1000), below(5000), a, below(100000),
                     type == T_URL ? pv : path, b);
        } else if (kind < 70) {
            snprintf(line, sizeof line,
                     "%s ns01 named[880]: client @0x7f00 %s#%u (%s): query: %s IN A +E(0)K (%s)",
                     when, a, 1024 + below(60000), pv ? pv : host, pv ? pv : host, b);
        } else if (kind < 85) {
            char from[160];
            snprintf(from, sizeof from, "user%u@%s", below(1000), host);
            snprintf(line, sizeof line,
                     "%s mx01 postfix/smtpd[4411]: NOQUEUE: reject: RCPT from unknown[%s]: 554 "
                     "5.7.1 Service unavailable; from=<%s> to=<staff%u@corp.example> proto=ESMTP",
                     when, a, pv ? pv : from, below(1000));
        } else if (kind < 92) {
            snprintf(line, sizeof line,
                     "%s srv02 sshd[%u]: Failed password for invalid user admin from %s port %u ssh2",
                     when, below(65536), a, 1024 + below(60000));
        } else {
            char sha[65];
            bg_hex(sha, type == T_MD5 ? 32 : 64);
            snprintf(line, sizeof line,
                     "%s edr01 agent[77]: file quarantined path=/tmp/x%u.bin sha256=%s user=svc",
                     when, below(100000), pv ? pv : sha);
        }
        emit(g, line);
        if (v)
            truth(g, type, v);
    }
}

int main(int argc, char **argv)
{
    const char *fmt = NULL, *values = NULL, *out = NULL, *tpath = NULL, *gpath = NULL;
    uint64_t seed = 1, bytes = 100000000;
    unsigned per_mille = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        if (strcmp(a, "-f") == 0)
            fmt = v;
        else if (strcmp(a, "-v") == 0)
            values = v;
        else if (strcmp(a, "-o") == 0)
            out = v;
        else if (strcmp(a, "-t") == 0)
            tpath = v;
        else if (strcmp(a, "-g") == 0)
            gpath = v;
        else if (strcmp(a, "-b") == 0)
            bytes = strtoull(v, NULL, 10);
        else if (strcmp(a, "-s") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "-r") == 0)
            per_mille = (unsigned)strtoul(v, NULL, 10);
        else
            goto usage;
        i++;
    }
    if (!fmt || !values || !out || !tpath)
        goto usage;
    FILE *gf = gpath ? fopen(gpath, "w") : NULL;
    load(values, gf);
    if (gf)
        fclose(gf);
    gen g = {.target = bytes, .rate = per_mille * 1000, .ts = 1714557600.0};
    rng_state = seed * 0x2545f4914f6cdd1dull + 7;
    g.out = fopen(out, "w");
    g.truth = fopen(tpath, "w");
    if (!g.out || !g.truth) {
        perror("gen_logs");
        return 2;
    }
    static char buf[1 << 20];
    setvbuf(g.out, buf, _IOFBF, sizeof buf);
    if (strcmp(fmt, "zeek") == 0)
        zeek(&g);
    else if (strcmp(fmt, "eve") == 0)
        eve(&g);
    else if (strcmp(fmt, "syslog") == 0)
        syslog_lines(&g);
    else
        goto usage;
    if (fclose(g.out) || fclose(g.truth)) {
        perror("gen_logs");
        return 2;
    }
    fprintf(stderr, "gen_logs: %s: %" PRIu64 " lines, %" PRIu64 " bytes, %" PRIu64
                    " hit lines (%" PRIu64 " exact, %" PRIu64 " cidr)\n",
            out, g.line, g.bytes, g.hits, g.exact, g.hits - g.exact);
    return 0;
usage:
    fprintf(stderr, "usage: gen_logs -f zeek|eve|syslog -v VALUES.tsv -b BYTES [-s SEED] "
                    "[-r PER_MILLE] -o LOG -t TRUTH [-g GREP_VALUES]\n");
    return 2;
}
