/* reader_json.c - the JSON log readers (Suricata EVE and Zeek JSON): a
 * single-pass key scanner over one object per line that descends only
 * into the members a field table asks for and skips everything else.
 *
 * Why not kz_json_parse per line: a DOM costs an arena node per value and
 * unescapes every string, while a log line has a handful of wanted fields
 * among dozens; the matcher's budget is ~2 µs per line. The scanner checks
 * structure (balanced braces and brackets, terminated strings, member
 * syntax, literals) on the whole line, and decodes escapes only in the
 * strings it hands out, where it also checks them. It does not check
 * number grammar, UTF-8 or duplicate keys in skipped parts: a line that
 * kz_json_parse rejects for such a detail may still be read, and the fuzz
 * target checks that on every line kz_json_parse accepts, both give the
 * same values (fuzz/fuzz_match_eve.c). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "match/reader_int.h"

/* EVE paths ('/' between object keys; arrays are transparent). */
static const kz_fdef eve_fields[] = {
    {"timestamp", "timestamp", FK_TS, NULL, false},
    {"src_ip", "src_ip", FK_IP, NULL, false},
    {"dest_ip", "dest_ip", FK_IP, NULL, false},
    {"src_port", "src_port", FK_PORT, "src_port", false},
    {"dest_port", "dest_port", FK_PORT, "dst_port", false},
    {"dns/rrname", "dns.rrname", FK_DOMAIN, NULL, false},
    {"dns/rdata", "dns.rdata", FK_IP_OR_DOMAIN, NULL, false},
    {"dns/query/rrname", "dns.query.rrname", FK_DOMAIN, NULL, false},
    {"dns/queries/rrname", "dns.queries.rrname", FK_DOMAIN, NULL, false},
    {"dns/answers/rrname", "dns.answers.rrname", FK_DOMAIN, NULL, false},
    {"dns/answers/rdata", "dns.answers.rdata", FK_IP_OR_DOMAIN, NULL, false},
    {"dns/grouped/A", "dns.grouped.A", FK_IP, NULL, false},
    {"dns/grouped/AAAA", "dns.grouped.AAAA", FK_IP, NULL, false},
    {"dns/grouped/CNAME", "dns.grouped.CNAME", FK_DOMAIN, NULL, false},
    {"http/hostname", "http.hostname", FK_URL_HOST, NULL, false},
    {"http/url", "http.url", FK_URL_PATH, NULL, false},
    {"http/http_refer", "http.http_refer", FK_URL, NULL, false},
    {"tls/sni", "tls.sni", FK_DOMAIN, NULL, false},
    {"quic/sni", "quic.sni", FK_DOMAIN, NULL, false},
    {"fileinfo/md5", "fileinfo.md5", FK_MD5, NULL, false},
    {"fileinfo/sha1", "fileinfo.sha1", FK_SHA1, NULL, false},
    {"fileinfo/sha256", "fileinfo.sha256", FK_SHA256, NULL, false},
    {"smtp/mail_from", "smtp.mail_from", FK_EMAIL, NULL, false},
    {"smtp/rcpt_to", "smtp.rcpt_to", FK_EMAIL, NULL, false},
    {"email/from", "email.from", FK_EMAIL, NULL, false},
    {"email/to", "email.to", FK_EMAIL, NULL, false},
    {"email/cc", "email.cc", FK_EMAIL, NULL, false},
};

/* A trie of path segments built once per table. */
typedef struct jnode {
    const char *seg;
    size_t seglen;
    int def;    /* index in the table, -1 for an inner node */
    int child;  /* a child (the last added), -1: none */
    int same;   /* next sibling with the same key_idx, -1 */
    uint64_t kids; /* bit key_idx(seg) of each child: most keys of a record
                      are no child, and one test says so (perf: the sibling
                      walk was a tenth of an EVE scan) */
    uint8_t by_bit[64]; /* key_idx -> first child with it + 1 (0: none):
                           a key that passes the test is compared with that
                           child (and its `same` chain) only, not every sibling */
} jnode;

#define MAX_NODES 160
#define MAX_DEPTH 64

typedef struct jtrie {
    const kz_fdef *defs;
    jnode n[MAX_NODES];
    int count;
} jtrie;

static jtrie eve_trie, zeek_trie;
static pthread_once_t trie_once = PTHREAD_ONCE_INIT;

/* The index (0..63) of a key's bit: its length, first and last bytes hashed. */
static inline unsigned key_idx(const char *seg, size_t len)
{
    unsigned h = (unsigned)len * 0x9e37u;
    if (len)
        h += (unsigned)(unsigned char)seg[0] * 0x45d9u + (unsigned)(unsigned char)seg[len - 1] * 0x2b7u;
    return (h ^ (h >> 7)) & 63;
}

/* The child of parent named seg[0..len), or -1. Inline: it runs for most
 * member names of a record (perf: 14 % of an EVE scan as a call walking
 * the siblings). */
static inline int trie_find(const jtrie *t, int parent, const char *seg, size_t len)
{
    unsigned b = key_idx(seg, len);
    const jnode *p = &t->n[parent];
    if (!(p->kids >> b & 1))
        return -1;
    for (int i = p->by_bit[b] - 1; i >= 0; i = t->n[i].same) {
        const jnode *c = &t->n[i];
        if (c->seglen == len && memcmp(c->seg, seg, len) == 0)
            return i;
    }
    return -1;
}

/* The child of parent named seg[0..len), made when missing; -1 when the
 * table is full. */
static int trie_add(jtrie *t, int parent, const char *seg, size_t len)
{
    int found = trie_find(t, parent, seg, len);
    if (found >= 0)
        return found;
    if (t->count >= MAX_NODES)
        return -1;
    int i = t->count++;
    unsigned b = key_idx(seg, len);
    jnode *p = &t->n[parent];
    t->n[i] = (jnode){.seg = seg, .seglen = len, .def = -1, .child = -1, .same = p->by_bit[b] - 1};
    p->child = i;
    p->by_bit[b] = (uint8_t)(i + 1);
    p->kids |= 1ull << b;
    return i;
}

static void trie_build(jtrie *t, const kz_fdef *defs, size_t n)
{
    t->defs = defs;
    t->count = 1;
    t->n[0] = (jnode){.seg = "", .def = -1, .child = -1, .same = -1};
    for (size_t i = 0; i < n; i++) {
        int node = 0;
        const char *p = defs[i].path;
        for (;;) {
            const char *slash = strchr(p, '/');
            size_t len = slash ? (size_t)(slash - p) : strlen(p);
            node = trie_add(t, node, p, len);
            if (node < 0)
                return; /* tables are small and fixed: MAX_NODES covers them */
            if (!slash)
                break;
            p = slash + 1;
        }
        t->n[node].def = (int)i;
    }
}

static void tries_init(void)
{
    trie_build(&eve_trie, eve_fields, sizeof eve_fields / sizeof eve_fields[0]);
    trie_build(&zeek_trie, kz_zeek_fields, kz_zeek_n_fields);
}

typedef struct js {
    const char *p, *end;
    kz_logreader *r;
    jtrie *t;
    const char *why;
} js;

/* Machine-written logs have no blanks between tokens: one test (a byte
 * above ' ' is never a blank) settles the usual case. */
static inline void skip_ws(js *s)
{
    while (s->p < s->end && (unsigned char)*s->p <= ' ' &&
           (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool fail(js *s, const char *why)
{
    if (!s->why)
        s->why = why;
    return false;
}

/* s->p at '"': the string's raw bytes (between the quotes) in *b, *n;
 * *esc when it holds a backslash. Leaves s->p after the closing quote. */
static inline bool str_span(js *s, const char **b, size_t *n, bool *esc)
{
    const char *start = ++s->p, *q = start;
    bool e = false;
    for (;;) {
        q = kz_find2(q, s->end, '"', '\\');
        if (!q)
            return fail(s, "unterminated string");
        if (*q == '"')
            break;
        e = true; /* a backslash: skip the escaped byte (checked when decoded) */
        q += 2;
        if (q >= s->end)
            return fail(s, "unterminated string");
    }
    *b = start;
    *n = (size_t)(q - start);
    *esc = e;
    s->p = q + 1;
    return true;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                        : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the escapes of a string into d (at most n bytes); the length or
 * -1 for a bad escape or a control character. */
static long unescape(const char *v, size_t n, char *d)
{
    static const char simple[128] = {['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
                                     ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t'};
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            d[o++] = (char)c;
            continue;
        }
        if (++i >= n)
            return -1;
        c = (unsigned char)v[i];
        if (c < 128 && simple[c]) {
            d[o++] = simple[c];
            continue;
        }
        if (c != 'u' || n - i < 5)
            return -1;
        int cp = hex4(v + i + 1);
        if (cp < 0)
            return -1;
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00) {
            if (n - i < 7 || v[i + 1] != '\\' || v[i + 2] != 'u')
                return -1;
            int lo = hex4(v + i + 3);
            if (lo < 0xdc00 || lo >= 0xe000)
                return -1;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
        } else if (cp >= 0xdc00 && cp < 0xe000) {
            return -1;
        }
        o += put_utf8(d + o, (unsigned)cp);
    }
    return (long)o;
}

static bool skip_value(js *s, int depth);

static bool literal(js *s, const char *word, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return fail(s, "bad literal");
    s->p += n;
    return true;
}

/* The bytes a number span takes: digits - + . e E. */
static const bool num_byte[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['-'] = 1, ['+'] = 1, ['.'] = 1, ['e'] = 1, ['E'] = 1,
};

static bool number_span(js *s, const char **b, size_t *n)
{
    const char *start = s->p;
    while (s->p < s->end && num_byte[(unsigned char)*s->p])
        s->p++;
    if (s->p == start)
        return fail(s, "unexpected character");
    *b = start;
    *n = (size_t)(s->p - start);
    return true;
}

/* After a member or element: 1 when a ',' says another follows, 0 when
 * `close` ends the object or array, -1 (failed with msg) otherwise. */
static inline int next_element(js *s, char close, const char *msg)
{
    if (s->p < s->end && *s->p == ',') { /* the usual case: no blank before it */
        s->p++;
        skip_ws(s);
        return 1;
    }
    skip_ws(s);
    if (s->p < s->end && *s->p == ',') {
        s->p++;
        skip_ws(s);
        return 1;
    }
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    fail(s, msg);
    return -1;
}

/* Walks an object (s->p at '{'); members named by a child of `node` are
 * scanned, the others skipped. node < 0: skip everything. */
static bool scan_value(js *s, int node, int depth);

static bool scan_object(js *s, int node, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(s, "nesting too deep");
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return true;
    }
    for (;;) {
        if (s->p >= s->end || *s->p != '"')
            return fail(s, "expected a member name");
        const char *k;
        size_t kn;
        bool esc;
        if (!str_span(s, &k, &kn, &esc))
            return false;
        int child = -1;
        if (node >= 0 && s->t->n[node].child >= 0) {
            char kb[64];
            if (esc) {
                long l = kn < sizeof kb ? unescape(k, kn, kb) : -1;
                k = kb;
                kn = l < 0 ? 0 : (size_t)l;
            }
            if (kn)
                child = trie_find(s->t, node, k, kn);
        }
        if (s->p >= s->end || *s->p != ':') { /* usually no blank before ':' */
            skip_ws(s);
            if (s->p >= s->end || *s->p != ':')
                return fail(s, "expected ':'");
        }
        s->p++;
        skip_ws(s);
        if (!(child >= 0 ? scan_value(s, child, depth + 1) : skip_value(s, depth + 1)))
            return false;
        int more = next_element(s, '}', "expected ',' or '}'");
        if (more <= 0)
            return more == 0;
    }
}

static bool scan_array(js *s, int node, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(s, "nesting too deep");
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (;;) {
        if (!(node >= 0 ? scan_value(s, node, depth + 1) : skip_value(s, depth + 1)))
            return false;
        int more = next_element(s, ']', "expected ',' or ']'");
        if (more <= 0)
            return more == 0;
    }
}

static bool skip_value(js *s, int depth)
{
    if (s->p >= s->end)
        return fail(s, "unexpected end");
    const char *b;
    size_t n;
    bool esc;
    switch (*s->p) {
    case '"':
        return str_span(s, &b, &n, &esc);
    case '{':
        return scan_object(s, -1, depth);
    case '[':
        return scan_array(s, -1, depth);
    case 't':
        return literal(s, "true", 4);
    case 'f':
        return literal(s, "false", 5);
    case 'n':
        return literal(s, "null", 4);
    default:
        return number_span(s, &b, &n);
    }
}

static bool scan_value(js *s, int node, int depth)
{
    if (s->p >= s->end)
        return fail(s, "unexpected end");
    const jnode *jn = &s->t->n[node];
    const char *b;
    size_t n;
    bool esc;
    switch (*s->p) {
    case '"':
        if (!str_span(s, &b, &n, &esc))
            return false;
        if (jn->def < 0)
            return true;
        if (esc) {
            char *d = kz_reader_scratch(s->r, n);
            long l = d ? unescape(b, n, d) : -1;
            if (l < 0)
                return fail(s, d ? "bad string escape" : "line too long");
            b = d;
            n = (size_t)l;
        }
        kz_reader_emit(s->r, &s->t->defs[jn->def], b, n);
        return true;
    case '{':
        return scan_object(s, jn->child >= 0 ? node : -1, depth);
    case '[':
        return scan_array(s, node, depth);
    case 't':
    case 'f':
    case 'n':
        return skip_value(s, depth);
    default:
        if (!number_span(s, &b, &n))
            return false;
        if (jn->def >= 0 && (s->t->defs[jn->def].kind == FK_TS ||
                             s->t->defs[jn->def].kind == FK_PORT))
            kz_reader_emit(s->r, &s->t->defs[jn->def], b, n);
        return true;
    }
}

kz_err kz_reader_json_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                           kz_logrec_fn fn, void *ctx)
{
    pthread_once(&trie_once, tries_init);
    js s = {line, line + len, r, r->cur == KZ_LOG_EVE ? &eve_trie : &zeek_trie, NULL};
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return kz_reader_bad(r, lineno, "not a JSON object");
    if (!scan_object(&s, 0, 1))
        return kz_reader_bad(r, lineno, s.why ? s.why : "malformed JSON");
    skip_ws(&s);
    if (s.p != s.end)
        return kz_reader_bad(r, lineno, "text after the JSON object");
    return kz_reader_line_end(r, line, len, lineno, fn, ctx);
}
