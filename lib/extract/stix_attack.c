/* stix_attack.c - the names of MITRE ATT&CK techniques (JSON lines, one
 * technique each) for the attack-pattern objects of an extracted report,
 * and the report's title taken from its first Markdown or HTML heading. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kizuna/alloc.h"
#include "kizuna/extract_report.h"
#include "kizuna/file.h"
#include "kizuna/strmap.h"

#define ATTACK_MAX_FILE (64u << 20)
#define ATTACK_MAX_LINES 100000
#define TITLE_MAX 256

struct kz_attack_names {
    kz_strmap *ids;  /* "T1059.001" -> index into names */
    char **names;
    size_t n, cap;
};

void kz_attack_names_free(kz_attack_names *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        kz_free(n->names[i]);
    kz_free(n->names);
    kz_strmap_free(n->ids);
    kz_free(n);
}

static kz_err add_name(kz_attack_names *n, const char *id, size_t id_len, const char *name)
{
    if (n->n == n->cap) {
        size_t nc = n->cap ? n->cap * 2 : 1024;
        char **p = kz_realloc(n->names, nc * sizeof *p);
        if (!p)
            return KZ_ENOMEM;
        n->names = p;
        n->cap = nc;
    }
    char *copy = kz_strdup(name);
    if (!copy)
        return KZ_ENOMEM;
    kz_err rc = kz_strmap_put(n->ids, id, id_len, (uint32_t)n->n, NULL);
    if (rc == KZ_EEXIST) {
        /* a technique listed twice: the first name stands */
        kz_free(copy);
        return KZ_OK;
    }
    if (rc) {
        kz_free(copy);
        return rc;
    }
    n->names[n->n++] = copy;
    return KZ_OK;
}

static kz_err parse_lines(kz_attack_names *n, const char *buf, size_t len, char *errbuf,
                          size_t errlen)
{
    kz_arena *a = kz_arena_new(0);
    if (!a)
        return KZ_ENOMEM;
    kz_err rc = KZ_OK;
    size_t line = 0;
    for (size_t off = 0; off < len && !rc;) {
        const char *nl = memchr(buf + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - buf) : len;
        line++;
        if (line > ATTACK_MAX_LINES) {
            snprintf(errbuf, errlen, "more than %d lines", ATTACK_MAX_LINES);
            rc = KZ_ETOOBIG;
            break;
        }
        const char *l = buf + off;
        size_t ll = end - off;
        off = end + 1;
        while (ll && (l[ll - 1] == '\r' || l[ll - 1] == ' '))
            ll--;
        if (!ll)
            continue;
        kz_arena_reset(a);
        kz_json *v = NULL;
        kz_json_error je;
        rc = kz_json_parse(a, l, ll, NULL, &v, &je);
        if (rc) {
            if (rc == KZ_EPARSE)
                snprintf(errbuf, errlen, "line %zu: %s", line, je.msg);
            break;
        }
        const char *id = kz_json_get_string(v, "attack_id");
        const char *name = kz_json_get_string(v, "name");
        if (!id || !name) {
            snprintf(errbuf, errlen, "line %zu: no \"attack_id\" and \"name\" strings", line);
            rc = KZ_EPARSE;
            break;
        }
        rc = add_name(n, id, strlen(id), name);
    }
    kz_arena_free(a);
    return rc;
}

kz_err kz_attack_names_load(const char *path, kz_attack_names **out, char *errbuf,
                            size_t errlen)
{
    char dummy[8];
    if (!errbuf || !errlen) {
        errbuf = dummy;
        errlen = sizeof dummy;
    }
    *errbuf = '\0';
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    kz_err rc = kz_file_read(path, ATTACK_MAX_FILE, &buf, &len, errbuf, errlen);
    if (rc == KZ_ETOOBIG)
        snprintf(errbuf, errlen, "larger than 64 MiB");
    if (rc)
        return rc;
    kz_attack_names *n = kz_calloc(1, sizeof *n);
    if (!n || !(n->ids = kz_strmap_new(1024))) {
        rc = KZ_ENOMEM;
        goto done;
    }
    rc = parse_lines(n, buf, len, errbuf, errlen);
    if (!rc) {
        *out = n;
        n = NULL;
    }
done:
    if (rc == KZ_ENOMEM)
        snprintf(errbuf, errlen, "out of memory");
    kz_attack_names_free(n);
    kz_free(buf);
    return rc;
}

const char *kz_attack_names_get(const kz_attack_names *n, const char *id)
{
    uint32_t i;
    if (!n || !id || !kz_strmap_get(n->ids, id, strlen(id), &i))
        return NULL;
    return n->names[i];
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

kz_err kz_attack_names_default_path(char *out, size_t cap)
{
    const char *env = getenv("KZ_ATTACK");
    char cand[PATH_MAX];
    cand[0] = '\0';
    if (env && *env) {
        if (!is_file(env))
            return KZ_ENOTFOUND;
        snprintf(cand, sizeof cand, "%s", env);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        static const char *const rel[] = {"/../data/attack/techniques.jsonl",
                                          "/../share/kizuna/attack/techniques.jsonl"};
        if (n > 0) {
            exe[n] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash)
                *slash = '\0';
            for (size_t i = 0; i < sizeof rel / sizeof rel[0] && !cand[0]; i++) {
                int l = snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
                if (l < 0 || (size_t)l >= sizeof cand || !is_file(cand))
                    cand[0] = '\0';
            }
        }
        if (!cand[0] && is_file("/usr/local/share/kizuna/attack/techniques.jsonl"))
            snprintf(cand, sizeof cand, "/usr/local/share/kizuna/attack/techniques.jsonl");
        if (!cand[0])
            return KZ_ENOTFOUND;
    }
    size_t l = strlen(cand);
    if (l >= cap)
        return KZ_ETOOBIG;
    memcpy(out, cand, l + 1);
    return KZ_OK;
}

/* ---- title ---- */

/* Appends text[0..len) to out (cap TITLE_MAX) with tags dropped, the
 * common entities decoded and runs of white space made one space. */
static size_t clean_append(char *out, size_t n, const char *t, size_t len, bool html)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
                {"&#39;", '\''}, {"&apos;", '\''}, {"&nbsp;", ' '}};
    bool in_tag = false;
    for (size_t i = 0; i < len && n < TITLE_MAX; i++) {
        char c = t[i];
        if (html && c == '<') {
            in_tag = true;
            continue;
        }
        if (in_tag) {
            in_tag = c != '>';
            continue;
        }
        if (html && c == '&') {
            for (size_t e = 0; e < sizeof ents / sizeof ents[0]; e++) {
                size_t el = strlen(ents[e].ent);
                if (len - i >= el && strncasecmp(t + i, ents[e].ent, el) == 0) {
                    c = ents[e].c;
                    i += el - 1;
                    break;
                }
            }
        }
        if (c == '\t' || c == '\r' || c == '\n')
            c = ' ';
        if ((unsigned char)c < 0x20 || c == 0x7f)
            continue;
        if (c == ' ' && (n == 0 || out[n - 1] == ' '))
            continue;
        out[n++] = c;
    }
    return n;
}

static kz_err finish_title(kz_arena *a, char *buf, size_t n, const char **out)
{
    while (n && buf[n - 1] == ' ')
        n--;
    /* a cut must not split a UTF-8 sequence */
    if (n == TITLE_MAX) {
        size_t k = n;
        while (k && ((unsigned char)buf[k - 1] & 0xC0) == 0x80)
            k--;
        if (k && (unsigned char)buf[k - 1] >= 0xC0)
            n = k - 1;
    }
    if (!n)
        return KZ_OK;
    *out = kz_arena_strndup(a, buf, n);
    return *out ? KZ_OK : KZ_ENOMEM;
}

/* The text of the first <tag ...>...</tag> for the given names. */
static bool html_element(const char *t, size_t len, const char *const *tags, size_t n_tags,
                         const char **in, size_t *in_len)
{
    for (size_t i = 0; i + 2 < len; i++) {
        if (t[i] != '<')
            continue;
        for (size_t k = 0; k < n_tags; k++) {
            size_t tl = strlen(tags[k]);
            if (len - i - 1 < tl + 1 || strncasecmp(t + i + 1, tags[k], tl) != 0)
                continue;
            char after = t[i + 1 + tl];
            if (after != '>' && after != ' ' && after != '\t' && after != '\n')
                continue;
            const char *gt = memchr(t + i, '>', len - i);
            if (!gt)
                return false;
            const char *start = gt + 1;
            size_t rest = len - (size_t)(start - t);
            const char *end = start;
            while ((size_t)(end - start) < rest) {
                if (*end == '<' && (size_t)(end - start) + 2 + tl <= rest && end[1] == '/' &&
                    strncasecmp(end + 2, tags[k], tl) == 0)
                    break;
                end++;
            }
            *in = start;
            *in_len = (size_t)(end - start);
            return true;
        }
    }
    return false;
}

kz_err kz_extract_title(kz_arena *a, const char *text, size_t len, bool html, const char **out)
{
    char buf[TITLE_MAX];
    size_t n = 0;
    *out = NULL;
    if (!text)
        return KZ_OK;
    if (html) {
        static const char *const h[] = {"h1", "h2", "h3", "h4", "h5", "h6"};
        static const char *const title[] = {"title"};
        const char *in;
        size_t il;
        if (html_element(text, len, h, 6, &in, &il) || html_element(text, len, title, 1, &in, &il))
            n = clean_append(buf, 0, in, il, true);
        return finish_title(a, buf, n, out);
    }
    const char *prev = NULL;
    size_t prev_len = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *l = text + off;
        size_t ll = end - off;
        off = end + 1;
        size_t sp = 0;
        while (sp < ll && sp < 3 && l[sp] == ' ')
            sp++;
        /* ATX: 1-6 '#' then a space */
        size_t h = 0;
        while (sp + h < ll && l[sp + h] == '#')
            h++;
        if (h >= 1 && h <= 6 && (sp + h == ll || l[sp + h] == ' ' || l[sp + h] == '\t')) {
            const char *s = l + sp + h;
            size_t sl = ll - sp - h;
            while (sl && (s[sl - 1] == '#' || s[sl - 1] == ' ' || s[sl - 1] == '\r'))
                sl--;
            n = clean_append(buf, 0, s, sl, false);
            if (n)
                return finish_title(a, buf, n, out);
        }
        /* Setext: a non-blank line underlined by === or --- */
        size_t u = sp;
        char uc = sp < ll ? l[sp] : 0;
        while (u < ll && (l[u] == uc || l[u] == '\r' || l[u] == ' '))
            u++;
        if (prev && (uc == '=' || uc == '-') && u == ll && ll - sp >= 2) {
            n = clean_append(buf, 0, prev, prev_len, false);
            if (n)
                return finish_title(a, buf, n, out);
        }
        bool blank = true;
        for (size_t i = 0; i < ll && blank; i++)
            blank = l[i] == ' ' || l[i] == '\t' || l[i] == '\r';
        prev = blank ? NULL : l;
        prev_len = ll;
    }
    return KZ_OK;
}
