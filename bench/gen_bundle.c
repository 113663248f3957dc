/* gen_bundle.c - writes a deterministic STIX 2.1 bundle of N mixed, valid
 * objects (the workload of bench/validate.sh).
 *
 *   cc -O2 bench/gen_bundle.c -o bench/out/gen_bundle -luuid
 *   bench/out/gen_bundle -n 1000000 -s 1 -o bench/out/bundle.json
 *
 * Standalone on purpose: it shares no code with libkizuna, so the ids and
 * timestamps it writes are an independent check of the validator. The same
 * (n, seed) always gives the same bytes.
 *
 * The mix imitates a busy sharing community: indicators with STIX patterns,
 * malware, attack-patterns with kill chain phases and ATT&CK/CAPEC external
 * references, relationships, identities, reports, notes, sightings,
 * observed-data and the SCOs they point at (ipv4-addr, domain-name, url,
 * file with hashes, email-addr) with their deterministic ids (UUIDv5 in the
 * STIX namespace over the canonical JSON of the id-contributing
 * properties). Every object carries a TLP 2.0 marking; the five TLP 2.0
 * marking-definitions come first. Objects only refer to objects written
 * before them. Output is indented like the ATT&CK bundles (4 spaces), and
 * SDOs are about 750-2000 bytes, SCOs 250-500. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

/* --- deterministic randomness (splitmix64) --- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static unsigned rnd_in(unsigned lo, unsigned hi)
{
    return lo + (unsigned)(rnd() % ((uint64_t)hi - lo + 1));
}

#define PICK(arr) (arr[rnd() % (sizeof(arr) / sizeof((arr)[0]))])

/* --- vocabulary --- */

static const char *const words[] = {
    "actor",      "adversary",   "campaign",    "credential", "phishing",   "loader",
    "beacon",     "infrastructure", "lateral",  "movement",   "exfiltration", "payload",
    "persistence", "registry",   "scheduled",   "task",       "service",    "domain",
    "controller", "exploit",     "vulnerability", "patch",    "gateway",    "firmware",
    "supply",     "chain",       "compromise",  "observed",   "network",    "traffic",
    "encrypted",  "channel",     "command",     "control",    "server",     "staging",
    "operator",   "toolkit",     "variant",     "sample",     "sandbox",    "detonation",
    "telemetry",  "endpoint",    "sensor",      "analyst",    "partner",    "sector",
    "energy",     "finance",     "telecom",     "government", "ministry",   "utility",
    "spearphishing", "attachment", "macro",     "document",   "archive",    "installer",
    "signed",     "certificate", "revoked",     "proxy",      "tunnel",     "resolver",
    "fast-flux",  "bulletproof", "hosting",     "registrar",  "typosquat",  "lookalike",
    "webshell",   "backdoor",    "implant",     "dropper",    "obfuscated", "script",
    "PowerShell", "rundll32",    "LSASS",       "memory",     "dump",       "token",
    "Kerberos",   "ticket",      "VPN",         "appliance",  "edge",       "device",
};

/* Phrases that make some text non-ASCII, as Japanese partners' reports are. */
static const char *const jp_phrases[] = {
    "\xe6\xa8\x99\xe7\x9a\x84\xe5\x9e\x8b\xe6\x94\xbb\xe6\x92\x83",             /* targeted attack */
    "\xe4\xb8\x8d\xe5\xaf\xa9\xe3\x81\xaa\xe9\x80\x9a\xe4\xbf\xa1",             /* suspicious traffic */
    "\xe3\x83\x95\xe3\x82\xa3\xe3\x83\x83\xe3\x82\xb7\xe3\x83\xb3\xe3\x82\xb0", /* phishing */
};

static const char *const tlds[] = {"com", "net", "org", "info", "io", "jp", "ru", "top", "xyz"};
static const char *const malware_names[] = {
    "Emotet", "QakBot", "IcedID", "PlugX", "ShadowPad", "Cobalt Strike", "BumbleBee",
    "AsyncRAT", "Remcos", "Lumma Stealer", "Agent Tesla", "WINELOADER", "Sliver", "Havoc"};
static const char *const malware_types[] = {"backdoor", "bot", "downloader", "dropper",
                                            "keylogger", "ransomware", "remote-access-trojan",
                                            "spyware", "trojan", "worm"};
static const char *const capabilities[] = {
    "communicates-with-c2",      "exfiltrates-data",       "persists-after-system-reboot",
    "captures-input-peripherals", "evades-av",             "escalates-privileges",
    "steals-authentication-credentials", "compromises-data-integrity"};
static const char *const indicator_types[] = {"malicious-activity", "anomalous-activity",
                                              "compromised", "attribution"};
static const char *const identity_classes[] = {"organization", "group", "system", "individual"};
static const char *const sectors[] = {"government", "financial-services", "energy",
                                      "telecommunications", "technology", "healthcare",
                                      "defense", "transportation"};
static const char *const report_types[] = {"threat-report", "attack-pattern", "campaign",
                                           "indicator", "malware", "threat-actor"};
static const char *const countries[] = {"JP", "US", "DE", "FR", "GB", "KR", "AU", "CA"};

/* ATT&CK tactics (kill chain phases) with a technique and its CAPEC entry. */
static const struct {
    const char *tactic, *technique, *tid, *capec;
} techniques[] = {
    {"initial-access", "Spearphishing Attachment", "T1566.001", "CAPEC-163"},
    {"initial-access", "Exploit Public-Facing Application", "T1190", "CAPEC-664"},
    {"execution", "PowerShell", "T1059.001", "CAPEC-242"},
    {"persistence", "Scheduled Task", "T1053.005", "CAPEC-557"},
    {"persistence", "Registry Run Keys / Startup Folder", "T1547.001", "CAPEC-270"},
    {"privilege-escalation", "Process Injection", "T1055", "CAPEC-640"},
    {"defense-evasion", "Obfuscated Files or Information", "T1027", "CAPEC-267"},
    {"credential-access", "LSASS Memory", "T1003.001", "CAPEC-567"},
    {"discovery", "Remote System Discovery", "T1018", "CAPEC-292"},
    {"lateral-movement", "Remote Desktop Protocol", "T1021.001", "CAPEC-555"},
    {"collection", "Archive Collected Data", "T1560", "CAPEC-569"},
    {"command-and-control", "Web Protocols", "T1071.001", "CAPEC-113"},
    {"exfiltration", "Exfiltration Over C2 Channel", "T1041", "CAPEC-117"},
    {"impact", "Data Encrypted for Impact", "T1486", "CAPEC-268"},
};

/* The TLP 2.0 marking-definitions of the OASIS TLP 2.0 extension. */
#define TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
static const struct {
    const char *id, *name, *level;
} tlp2[] = {
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR", "clear"},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN", "green"},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER", "amber"},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT",
     "amber+strict"},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red"},
};

/* --- an indenting JSON writer (values here never need escaping beyond
 * what json_str does) --- */

static FILE *out;
static int depth;
static int first_in[64]; /* no member written yet at this depth */
static uint64_t bytes_out;

static void emit(const char *s, size_t n)
{
    if (fwrite(s, 1, n, out) != n) {
        fprintf(stderr, "gen_bundle: write failed: %s\n", strerror(errno));
        exit(2);
    }
    bytes_out += n;
}

static void emits(const char *s)
{
    emit(s, strlen(s));
}

static void newline_indent(void)
{
    static const char spaces[] = "                                                                ";
    emit("\n", 1);
    emit(spaces, (size_t)depth * 4 < sizeof spaces - 1 ? (size_t)depth * 4 : sizeof spaces - 1);
}

/* Separator and indentation before a member or an array item. */
static void item(void)
{
    if (!first_in[depth])
        emit(",", 1);
    first_in[depth] = 0;
    newline_indent();
}

/* A JSON string; escapes quote, backslash and control characters, keeps UTF-8. */
static void json_str(const char *s)
{
    emit("\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        emit(run, (size_t)(s - run));
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            emit(esc, 2);
        } else if (c == '\n') {
            emit("\\n", 2);
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            emit(esc, 6);
        }
        run = s + 1;
    }
    emit(run, (size_t)(s - run));
    emit("\"", 1);
}

static void key(const char *k)
{
    item();
    json_str(k);
    emit(": ", 2);
}

static void open_(char c)
{
    emit(&c, 1);
    first_in[++depth] = 1;
}

static void close_(char c)
{
    int empty = first_in[depth];
    depth--;
    if (!empty)
        newline_indent();
    emit(&c, 1);
}

static void kv_str(const char *k, const char *v)
{
    key(k);
    json_str(v);
}

static void kv_int(const char *k, long long v)
{
    char tmp[32];
    key(k);
    emit(tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", v));
}

static void kv_bool(const char *k, int v)
{
    key(k);
    emits(v ? "true" : "false");
}

static void kv_open(const char *k, char c)
{
    key(k);
    open_(c);
}

static void arr_str(const char *v)
{
    item();
    json_str(v);
}

/* --- ids, times, text --- */

#define ID_MAX 96

static void uuid4_id(char *dst, const char *type)
{
    uuid_t u;
    uint64_t a = rnd(), b = rnd();
    memcpy(u, &a, 8);
    memcpy(u + 8, &b, 8);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    char s[37];
    uuid_unparse_lower(u, s);
    snprintf(dst, ID_MAX, "%s--%s", type, s);
}

/* type--UUIDv5(STIX namespace, canonical JSON of the id-contributing properties). */
static void uuid5_id(char *dst, const char *type, const char *canonical)
{
    static uuid_t ns;
    static int have_ns;
    if (!have_ns) {
        uuid_parse("00abedb4-aa42-466c-9c01-fed23315a9b7", ns);
        have_ns = 1;
    }
    uuid_t u;
    uuid_generate_sha1(u, ns, canonical, strlen(canonical));
    char s[37];
    uuid_unparse_lower(u, s);
    snprintf(dst, ID_MAX, "%s--%s", type, s);
}

/* Timestamps move forward through 2024-2025 as the bundle grows. */
static int64_t clock_ms = 1704067200000LL; /* 2024-01-01T00:00:00Z */

static void fmt_time(char *dst, size_t cap, int64_t ms)
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(dst, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(dst + n, cap - n, ".%03dZ", (int)(ms % 1000));
}

static void kv_time(const char *k, int64_t ms)
{
    char t[40];
    fmt_time(t, sizeof t, ms);
    kv_str(k, t);
}

/* created, modified (modified >= created). */
static void common_times(int64_t *created_out)
{
    int64_t created = clock_ms - (int64_t)rnd_in(0, 30 * 86400) * 1000 - rnd_in(0, 999);
    int64_t modified = created + (rnd() % 3 ? 0 : (int64_t)rnd_in(1, 7 * 86400) * 1000);
    kv_time("created", created);
    kv_time("modified", modified);
    if (created_out)
        *created_out = created;
}

/* A few sentences of nwords words in total, into dst. */
static void sentences(char *dst, size_t cap, unsigned nwords)
{
    size_t len = 0;
    unsigned in_sentence = 0;
    dst[0] = '\0';
    for (unsigned i = 0; i < nwords && len + 40 < cap; i++) {
        const char *w = PICK(words);
        if (i)
            dst[len++] = ' ';
        size_t wl = strlen(w);
        memcpy(dst + len, w, wl);
        if (in_sentence == 0 && dst[len] >= 'a' && dst[len] <= 'z')
            dst[len] = (char)(dst[len] - 'a' + 'A');
        len += wl;
        if (++in_sentence >= rnd_in(6, 14) || i + 1 == nwords) {
            dst[len++] = '.';
            in_sentence = 0;
        }
    }
    if (rnd() % 8 == 0 && len + 40 < cap) {
        const char *p = PICK(jp_phrases);
        dst[len++] = ' ';
        memcpy(dst + len, p, strlen(p));
        len += strlen(p);
        dst[len++] = '.';
    }
    dst[len] = '\0';
}

static void kv_text(const char *k, unsigned lo, unsigned hi)
{
    char buf[4096];
    sentences(buf, sizeof buf, rnd_in(lo, hi));
    kv_str(k, buf);
}

/* --- pools of ids already written, so that references resolve --- */

enum pool { P_IDENTITY, P_INDICATOR, P_MALWARE, P_ATTACK, P_OBSERVED, P_SCO, P_SDO, P_NPOOL };
#define POOL_SIZE 256
static struct {
    char ids[POOL_SIZE][ID_MAX];
    unsigned n, next;
} pools[P_NPOOL];

static void pool_add(enum pool p, const char *id)
{
    memcpy(pools[p].ids[pools[p].next], id, ID_MAX);
    pools[p].next = (pools[p].next + 1) % POOL_SIZE;
    if (pools[p].n < POOL_SIZE)
        pools[p].n++;
}

static const char *pool_pick(enum pool p)
{
    return pools[p].n ? pools[p].ids[rnd() % pools[p].n] : NULL;
}

/* The SCO most recently written of each kind, with the value a pattern
 * can match. */
static char last_ip[32], last_domain[128], last_url[256], last_email[160];
static char last_md5[33], last_sha1[41], last_sha256[65], last_fname[64];

/* --- objects --- */

static unsigned long long counts[32];
static uint64_t serial; /* makes SCO values unique */

static void begin_object(const char *type, const char *id)
{
    item();
    open_('{');
    kv_str("type", type);
    kv_str("spec_version", "2.1");
    kv_str("id", id);
}

static void end_object(void)
{
    close_('}');
}

static void markings(void)
{
    kv_open("object_marking_refs", '[');
    /* Mostly GREEN and AMBER, as in practice. */
    static const unsigned char weights[] = {1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 0};
    arr_str(tlp2[PICK(weights)].id);
    close_(']');
}

static void created_by(void)
{
    const char *id = pool_pick(P_IDENTITY);
    if (id)
        kv_str("created_by_ref", id);
}

static void kill_chain(unsigned n)
{
    kv_open("kill_chain_phases", '[');
    for (unsigned i = 0; i < n; i++) {
        item();
        open_('{');
        kv_str("kill_chain_name", "mitre-attack");
        kv_str("phase_name", PICK(techniques).tactic);
        close_('}');
    }
    close_(']');
}

static void ext_ref_report(void)
{
    char url[160];
    item();
    open_('{');
    kv_str("source_name", "partner-report");
    snprintf(url, sizeof url, "https://cert.example.%s/reports/%04u/%06" PRIu64, PICK(tlds),
             rnd_in(2019, 2025), rnd() % 1000000);
    kv_str("url", url);
    kv_text("description", 4, 10);
    close_('}');
}

static void gen_marking(unsigned k)
{
    begin_object("marking-definition", tlp2[k].id);
    kv_str("created", "2022-10-01T00:00:00.000Z");
    kv_str("name", tlp2[k].name);
    kv_open("extensions", '{');
    kv_open(TLP2_EXTENSION, '{');
    kv_str("extension_type", "property-extension");
    kv_str("tlp_2_0", tlp2[k].level);
    close_('}');
    close_('}');
    end_object();
}

static void gen_identity(void)
{
    char id[ID_MAX], name[128];
    uuid4_id(id, "identity");
    begin_object("identity", id);
    common_times(NULL);
    snprintf(name, sizeof name, "%s-CERT %s %s Team", PICK(countries), PICK(words), PICK(words));
    kv_str("name", name);
    kv_text("description", 20, 60);
    kv_str("identity_class", PICK(identity_classes));
    kv_open("sectors", '[');
    arr_str(PICK(sectors));
    if (rnd() % 2)
        arr_str(PICK(sectors));
    close_(']');
    snprintf(name, sizeof name, "soc@cert-%" PRIu64 ".example.%s, +81-3-5555-%04u", rnd() % 1000,
             PICK(tlds), rnd_in(0, 9999));
    kv_str("contact_information", name);
    kv_open("roles", '[');
    arr_str("incident-response");
    arr_str("threat-intelligence-sharing");
    close_(']');
    markings();
    end_object();
    pool_add(P_IDENTITY, id);
    pool_add(P_SDO, id);
}

static void gen_attack_pattern(void)
{
    char id[ID_MAX], url[160];
    unsigned t = (unsigned)(rnd() % (sizeof techniques / sizeof techniques[0]));
    uuid4_id(id, "attack-pattern");
    begin_object("attack-pattern", id);
    created_by();
    common_times(NULL);
    kv_str("name", techniques[t].technique);
    kv_text("description", 30, 80);
    kv_open("kill_chain_phases", '[');
    item();
    open_('{');
    kv_str("kill_chain_name", "mitre-attack");
    kv_str("phase_name", techniques[t].tactic);
    close_('}');
    close_(']');
    kv_open("external_references", '[');
    item();
    open_('{');
    kv_str("source_name", "mitre-attack");
    kv_str("external_id", techniques[t].tid);
    char path[32];
    snprintf(path, sizeof path, "%s", techniques[t].tid);
    char *dot = strchr(path, '.');
    if (dot)
        *dot = '/';
    snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%s", path);
    kv_str("url", url);
    close_('}');
    item();
    open_('{');
    kv_str("source_name", "capec");
    kv_str("external_id", techniques[t].capec);
    snprintf(url, sizeof url, "https://capec.mitre.org/data/definitions/%s.html",
             techniques[t].capec + 6);
    kv_str("url", url);
    close_('}');
    close_(']');
    markings();
    end_object();
    pool_add(P_ATTACK, id);
    pool_add(P_SDO, id);
}

static void gen_malware(void)
{
    char id[ID_MAX], alias[96];
    int64_t created;
    uuid4_id(id, "malware");
    begin_object("malware", id);
    created_by();
    common_times(&created);
    const char *name = PICK(malware_names);
    kv_str("name", name);
    kv_text("description", 25, 70);
    kv_open("malware_types", '[');
    arr_str(PICK(malware_types));
    close_(']');
    kv_bool("is_family", rnd() % 4 != 0);
    kv_open("aliases", '[');
    snprintf(alias, sizeof alias, "%s.%c%" PRIu64, name, 'A' + (int)(rnd() % 26), rnd() % 100);
    arr_str(alias);
    close_(']');
    kill_chain(rnd_in(1, 3));
    kv_time("first_seen", created - (int64_t)rnd_in(1, 400) * 86400000LL);
    kv_open("architecture_execution_envs", '[');
    arr_str("x86-64");
    if (rnd() % 2)
        arr_str("x86");
    close_(']');
    kv_open("implementation_languages", '[');
    arr_str(rnd() % 3 ? "c++" : "go");
    close_(']');
    kv_open("capabilities", '[');
    arr_str(PICK(capabilities));
    arr_str(PICK(capabilities));
    close_(']');
    markings();
    end_object();
    pool_add(P_MALWARE, id);
    pool_add(P_SDO, id);
}

/* A random hex string of n digits. */
static void hex(char *dst, unsigned n)
{
    static const char digits[] = "0123456789abcdef";
    uint64_t r = 0;
    for (unsigned i = 0; i < n; i++) {
        if (i % 16 == 0)
            r = rnd();
        dst[i] = digits[r & 15];
        r >>= 4;
    }
    dst[n] = '\0';
}

static void sco_end(const char *id)
{
    markings();
    end_object();
    pool_add(P_SCO, id);
}

static void gen_ipv4(void)
{
    char id[ID_MAX], canon[96];
    /* A bijection of the serial number over 32 bits: unique addresses. */
    uint32_t a = (uint32_t)(++serial * 2654435761u);
    snprintf(last_ip, sizeof last_ip, "%u.%u.%u.%u", a >> 24, a >> 16 & 0xff, a >> 8 & 0xff,
             a & 0xff);
    snprintf(canon, sizeof canon, "{\"value\":\"%s\"}", last_ip);
    uuid5_id(id, "ipv4-addr", canon);
    begin_object("ipv4-addr", id);
    kv_str("value", last_ip);
    sco_end(id);
}

static void gen_domain(void)
{
    char id[ID_MAX], canon[192];
    snprintf(last_domain, sizeof last_domain, "%s-%s%" PRIu64 ".%s", PICK(words), PICK(words),
             ++serial, PICK(tlds));
    for (char *c = last_domain; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    snprintf(canon, sizeof canon, "{\"value\":\"%s\"}", last_domain);
    uuid5_id(id, "domain-name", canon);
    begin_object("domain-name", id);
    kv_str("value", last_domain);
    sco_end(id);
}

static void gen_url(void)
{
    char id[ID_MAX], canon[320];
    if (!last_domain[0])
        gen_domain();
    snprintf(last_url, sizeof last_url, "https://%s/%s/%s.php?id=%" PRIu64, last_domain,
             PICK(words), PICK(words), ++serial);
    snprintf(canon, sizeof canon, "{\"value\":\"%s\"}", last_url);
    uuid5_id(id, "url", canon);
    begin_object("url", id);
    kv_str("value", last_url);
    sco_end(id);
}

static void gen_email(void)
{
    char id[ID_MAX], canon[224], disp[96];
    snprintf(last_email, sizeof last_email, "%s.%s%" PRIu64 "@mail-%s.%s", PICK(words),
             PICK(words), ++serial, PICK(words), PICK(tlds));
    for (char *c = last_email; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    snprintf(canon, sizeof canon, "{\"value\":\"%s\"}", last_email);
    uuid5_id(id, "email-addr", canon);
    begin_object("email-addr", id);
    kv_str("value", last_email);
    snprintf(disp, sizeof disp, "%s %s Support", PICK(words), PICK(words));
    kv_str("display_name", disp);
    sco_end(id);
}

/* file: id from {"hashes":{<one hash>},"name":...}; the hash is chosen in
 * the order MD5, SHA-1, SHA-256 (STIX 2.1 section 2.9, as the OASIS stix2
 * library does). */
static void gen_file(void)
{
    char id[ID_MAX], canon[256];
    hex(last_md5, 32);
    hex(last_sha1, 40);
    hex(last_sha256, 64);
    static const char *const exts[] = {"exe", "dll", "docm", "xlsm", "js", "lnk", "iso", "zip"};
    snprintf(last_fname, sizeof last_fname, "%s_%" PRIu64 ".%s", PICK(words), ++serial,
             PICK(exts));
    int with_md5 = rnd() % 2;
    if (with_md5)
        snprintf(canon, sizeof canon, "{\"hashes\":{\"MD5\":\"%s\"},\"name\":\"%s\"}", last_md5,
                 last_fname);
    else
        snprintf(canon, sizeof canon, "{\"hashes\":{\"SHA-1\":\"%s\"},\"name\":\"%s\"}",
                 last_sha1, last_fname);
    uuid5_id(id, "file", canon);
    begin_object("file", id);
    kv_open("hashes", '{');
    if (with_md5)
        kv_str("MD5", last_md5);
    kv_str("SHA-1", last_sha1);
    kv_str("SHA-256", last_sha256);
    close_('}');
    kv_int("size", rnd_in(2048, 8 << 20));
    kv_str("name", last_fname);
    sco_end(id);
}

/* A valid STIX pattern over the SCOs written most recently. */
static void make_pattern(char *dst, size_t cap)
{
    char t1[40], t2[40], net[32];
    switch (rnd() % 10) {
    case 0:
        snprintf(dst, cap, "[ipv4-addr:value = '%s']", last_ip);
        break;
    case 1:
        snprintf(dst, cap, "[domain-name:value = '%s']", last_domain);
        break;
    case 2:
        snprintf(dst, cap, "[url:value = '%s']", last_url);
        break;
    case 3:
        snprintf(dst, cap, "[file:hashes.'SHA-256' = '%s']", last_sha256);
        break;
    case 4:
        snprintf(dst, cap, "[file:hashes.MD5 = '%s' OR file:name = '%s']", last_md5, last_fname);
        break;
    case 5:
        snprintf(dst, cap,
                 "[email-message:from_ref.value = '%s' AND email-message:subject LIKE "
                 "'%%invoice%%']",
                 last_email);
        break;
    case 6:
        snprintf(dst, cap,
                 "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value "
                 "= '%s' AND network-traffic:dst_port = %u]",
                 last_ip, rnd() % 2 ? 443u : 8080u);
        break;
    case 7:
        snprintf(dst, cap,
                 "[ipv4-addr:value = '%s'] FOLLOWEDBY [domain-name:value = '%s'] WITHIN %u "
                 "SECONDS",
                 last_ip, last_domain, rnd_in(60, 3600));
        break;
    case 8:
        fmt_time(t1, sizeof t1, clock_ms - 86400000LL * 30);
        fmt_time(t2, sizeof t2, clock_ms);
        /* The /24 network that holds the last address. */
        snprintf(net, sizeof net, "%s", last_ip);
        *strrchr(net, '.') = '\0';
        snprintf(dst, cap, "[ipv4-addr:value ISSUBSET '%s.0/24'] START t'%s' STOP t'%s'", net,
                 t1, t2);
        break;
    default:
        snprintf(dst, cap,
                 "([file:hashes.'SHA-1' = '%s'] OR [file:name MATCHES '^%s_[0-9]+[.]exe$']) "
                 "REPEATS %u TIMES",
                 last_sha1, PICK(words), rnd_in(2, 5));
        break;
    }
}

static void gen_indicator(void)
{
    char id[ID_MAX], pat[640], name[160];
    int64_t created;
    uuid4_id(id, "indicator");
    begin_object("indicator", id);
    created_by();
    common_times(&created);
    snprintf(name, sizeof name, "%s %s %s infrastructure", PICK(malware_names), PICK(words),
             PICK(words));
    kv_str("name", name);
    kv_text("description", 15, 50);
    kv_open("indicator_types", '[');
    arr_str(PICK(indicator_types));
    close_(']');
    make_pattern(pat, sizeof pat);
    kv_str("pattern", pat);
    kv_str("pattern_type", "stix");
    kv_str("pattern_version", "2.1");
    kv_time("valid_from", created);
    if (rnd() % 2)
        kv_time("valid_until", created + (int64_t)rnd_in(30, 365) * 86400000LL);
    kill_chain(rnd_in(1, 2));
    kv_int("confidence", rnd_in(10, 100));
    kv_open("labels", '[');
    arr_str(PICK(words));
    close_(']');
    markings();
    end_object();
    pool_add(P_INDICATOR, id);
    pool_add(P_SDO, id);
}

static void gen_relationship(void)
{
    static const struct {
        enum pool from;
        const char *type;
        enum pool to;
    } kinds[] = {
        {P_INDICATOR, "indicates", P_MALWARE},   {P_MALWARE, "uses", P_ATTACK},
        {P_INDICATOR, "based-on", P_OBSERVED},  {P_MALWARE, "communicates-with", P_SCO},
        {P_INDICATOR, "indicates", P_ATTACK},   {P_MALWARE, "targets", P_IDENTITY},
    };
    unsigned k = (unsigned)(rnd() % (sizeof kinds / sizeof kinds[0]));
    const char *dst = pool_pick(kinds[k].to);
    if (kinds[k].to == P_SCO) {
        /* malware communicates-with ipv4-addr, domain-name or url only. */
        dst = NULL;
        for (int tries = 0; tries < 8 && !dst; tries++) {
            const char *c = pool_pick(P_SCO);
            if (strncmp(c, "ipv4-addr--", 11) == 0 || strncmp(c, "domain-name--", 13) == 0 ||
                strncmp(c, "url--", 5) == 0)
                dst = c;
        }
        if (!dst) {
            k = 1; /* malware uses attack-pattern */
            dst = pool_pick(P_ATTACK);
        }
    }
    const char *src = pool_pick(kinds[k].from);
    char id[ID_MAX];
    int64_t created;
    uuid4_id(id, "relationship");
    begin_object("relationship", id);
    created_by();
    common_times(&created);
    kv_str("relationship_type", kinds[k].type);
    kv_text("description", 10, 40);
    kv_str("source_ref", src);
    kv_str("target_ref", dst);
    kv_time("start_time", created - (int64_t)rnd_in(1, 60) * 86400000LL);
    kv_time("stop_time", created + (int64_t)rnd_in(1, 60) * 86400000LL);
    kv_int("confidence", rnd_in(10, 100));
    kv_open("external_references", '[');
    ext_ref_report();
    close_(']');
    markings();
    end_object();
}

static void gen_observed_data(void)
{
    char id[ID_MAX];
    uuid4_id(id, "observed-data");
    begin_object("observed-data", id);
    created_by();
    int64_t created;
    common_times(&created);
    int64_t first = created - (int64_t)rnd_in(3600, 86400 * 7) * 1000;
    kv_time("first_observed", first);
    kv_time("last_observed", first + (int64_t)rnd_in(0, 86400) * 1000);
    kv_int("number_observed", rnd_in(1, 5000));
    kv_open("object_refs", '[');
    unsigned n = rnd_in(2, 6);
    for (unsigned i = 0; i < n; i++)
        arr_str(pool_pick(P_SCO));
    close_(']');
    kv_open("labels", '[');
    arr_str("network-sensor");
    close_(']');
    /* Which sensor saw it (observed-data has no description property). */
    char sensor[128];
    snprintf(sensor, sizeof sensor, "zeek-%s-%02u.soc.example", PICK(countries), rnd_in(1, 40));
    kv_open("external_references", '[');
    item();
    open_('{');
    kv_str("source_name", "sensor");
    kv_str("external_id", sensor);
    kv_text("description", 6, 16);
    close_('}');
    close_(']');
    markings();
    end_object();
    pool_add(P_OBSERVED, id);
    pool_add(P_SDO, id);
}

static void gen_sighting(void)
{
    char id[ID_MAX];
    uuid4_id(id, "sighting");
    begin_object("sighting", id);
    created_by();
    int64_t created;
    common_times(&created);
    kv_text("description", 15, 50);
    int64_t first = created - (int64_t)rnd_in(60, 86400) * 1000;
    kv_time("first_seen", first);
    kv_time("last_seen", first + (int64_t)rnd_in(0, 3600) * 1000);
    kv_int("count", rnd_in(1, 250));
    kv_str("sighting_of_ref", pool_pick(P_INDICATOR));
    kv_open("observed_data_refs", '[');
    arr_str(pool_pick(P_OBSERVED));
    close_(']');
    kv_open("where_sighted_refs", '[');
    arr_str(pool_pick(P_IDENTITY));
    close_(']');
    kv_bool("summary", 0);
    markings();
    end_object();
}

static void gen_report(void)
{
    char id[ID_MAX], name[160];
    uuid4_id(id, "report");
    begin_object("report", id);
    created_by();
    int64_t created;
    common_times(&created);
    snprintf(name, sizeof name, "%s activity against the %s sector, week %u",
             PICK(malware_names), PICK(sectors), rnd_in(1, 52));
    kv_str("name", name);
    kv_text("description", 25, 60);
    kv_open("report_types", '[');
    arr_str(PICK(report_types));
    close_(']');
    kv_time("published", created + (int64_t)rnd_in(0, 86400) * 1000);
    kv_open("object_refs", '[');
    unsigned n = rnd_in(3, 10);
    for (unsigned i = 0; i < n; i++)
        arr_str(pool_pick(i % 3 == 2 ? P_SCO : P_SDO));
    close_(']');
    kv_open("external_references", '[');
    ext_ref_report();
    close_(']');
    markings();
    end_object();
    pool_add(P_SDO, id);
}

static void gen_note(void)
{
    char id[ID_MAX], buf[4096], para[2048];
    uuid4_id(id, "note");
    begin_object("note", id);
    created_by();
    common_times(NULL);
    sentences(para, sizeof para, rnd_in(5, 10));
    kv_str("abstract", para);
    /* Paragraphs separated by blank lines, and a quoted string, so that the
     * parser meets escapes. */
    sentences(para, sizeof para, rnd_in(20, 40));
    size_t len = (size_t)snprintf(buf, sizeof buf, "%s\n\nAnalyst comment: \"%s\" ", para,
                                  PICK(words));
    sentences(para, sizeof para, rnd_in(10, 30));
    snprintf(buf + len, sizeof buf - len, "%s", para);
    kv_str("content", buf);
    kv_open("authors", '[');
    snprintf(para, sizeof para, "%s analyst %u", PICK(countries), rnd_in(1, 99));
    arr_str(para);
    close_(']');
    kv_open("object_refs", '[');
    arr_str(pool_pick(P_SDO));
    if (rnd() % 2)
        arr_str(pool_pick(P_SDO));
    close_(']');
    markings();
    end_object();
}

/* --- the mix --- */

typedef void (*gen_fn)(void);
static const struct {
    const char *type;
    gen_fn fn;
    unsigned weight; /* per 100 objects */
} mix[] = {
    {"indicator", gen_indicator, 20},     {"relationship", gen_relationship, 18},
    {"ipv4-addr", gen_ipv4, 6},           {"domain-name", gen_domain, 6},
    {"url", gen_url, 5},                  {"file", gen_file, 5},
    {"email-addr", gen_email, 3},         {"malware", gen_malware, 5},
    {"attack-pattern", gen_attack_pattern, 6}, {"identity", gen_identity, 3},
    {"report", gen_report, 5},            {"note", gen_note, 5},
    {"sighting", gen_sighting, 6},        {"observed-data", gen_observed_data, 7},
};
#define NMIX (sizeof mix / sizeof mix[0])

/* Written first, in dependency order, so that every reference resolves. */
static const unsigned preamble[] = {9, 9, 9, 8, 8, 8, 7, 7, 2, 3, 4, 5, 6, 13, 0, 1, 12, 10, 11};

static void usage(void)
{
    fputs("usage: gen_bundle [-n OBJECTS] [-s SEED] [-o FILE]\n"
          "writes a STIX 2.1 bundle of OBJECTS (default 1000) mixed valid objects,\n"
          "the same bytes for the same OBJECTS and SEED (default 1), to FILE or stdout;\n"
          "prints the counts per type and the size on stderr.\n",
          stderr);
}

int main(int argc, char **argv)
{
    unsigned long long n = 1000, seed = 1;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        char *end;
        if ((strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "-s") == 0) && i + 1 < argc) {
            errno = 0;
            unsigned long long v = strtoull(argv[i + 1], &end, 10);
            if (errno || *end || end == argv[i + 1]) {
                fprintf(stderr, "gen_bundle: bad number '%s'\n", argv[i + 1]);
                return 2;
            }
            if (argv[i][1] == 'n')
                n = v;
            else
                seed = v;
            i++;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else {
            usage();
            return strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
    out = path ? fopen(path, "wb") : stdout;
    if (!out) {
        fprintf(stderr, "gen_bundle: cannot open '%s': %s\n", path, strerror(errno));
        return 2;
    }
    static char iobuf[1 << 20];
    setvbuf(out, iobuf, _IOFBF, sizeof iobuf);

    char bundle_id[ID_MAX];
    uuid4_id(bundle_id, "bundle");
    open_('{');
    kv_str("type", "bundle");
    kv_str("id", bundle_id);
    kv_open("objects", '[');

    unsigned long long written = 0, marking_count = 0;
    for (unsigned k = 0; k < sizeof tlp2 / sizeof tlp2[0] && written < n; k++, written++) {
        gen_marking(k);
        marking_count++;
    }
    for (size_t k = 0; k < sizeof preamble / sizeof preamble[0] && written < n; k++, written++) {
        mix[preamble[k]].fn();
        counts[preamble[k]]++;
    }
    for (; written < n; written++) {
        unsigned r = rnd_in(0, 99), k = 0;
        while (r >= mix[k].weight) {
            r -= mix[k].weight;
            k++;
        }
        /* Time advances about ten seconds per object. */
        clock_ms += rnd_in(1000, 19000);
        mix[k].fn();
        counts[k]++;
    }
    close_(']');
    close_('}');
    emit("\n", 1);
    if (fflush(out) != 0 || (path && fclose(out) != 0)) {
        fprintf(stderr, "gen_bundle: write failed: %s\n", strerror(errno));
        return 2;
    }

    fprintf(stderr, "gen_bundle: %llu objects, %" PRIu64 " bytes (%.1f MB), seed %llu\n", n,
            bytes_out, bytes_out / 1e6, seed);
    fprintf(stderr, "  %-20s %llu\n", "marking-definition", marking_count);
    for (size_t k = 0; k < NMIX; k++)
        fprintf(stderr, "  %-20s %llu\n", mix[k].type, counts[k]);
    return 0;
}
