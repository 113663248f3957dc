/* classify.c - sorts a pattern into simple (exact lookups), complex (the
 * pattern engine, one record at a time) or unsupported (needs several
 * records), by reading the canonical text kz_pattern_print gives for a
 * pattern the engine has already parsed.
 *
 * Why the canonical text and not the AST: the AST is the pattern module's
 * private business (pattern_int.h). Its printed form is small and fixed
 * (single spaces, canonical operators, literals as written, the parser's
 * grouping), so a recogniser for the few shapes that compile to lookups is
 * short, and whatever it does not recognise goes to the engine, which is
 * always correct, only slower. */
#include <string.h>

#include "match_int.h"

typedef struct vlist {
    kz_arena *a;
    mc_value *v;
    size_t n, cap;
} vlist;

static kz_err vpush(vlist *l, const mc_value *v)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        mc_value *nv = kz_arena_alloc(l->a, nc * sizeof *nv);
        if (!nv)
            return KZ_ENOMEM;
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = *v;
    return KZ_OK;
}

/* Index just past the quoted literal starting at s[i] == '\'' (escapes
 * \' and \\ inside); len if unterminated. */
static size_t skip_quoted(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '\'')
            return i + 1;
    }
    return len;
}

static bool at_word(const char *s, size_t len, size_t i, const char *w)
{
    if (i >= len || s[i] != w[0])
        return false; /* the common case, before strlen and memcmp */
    size_t n = strlen(w);
    return i + n <= len && memcmp(s + i, w, n) == 0;
}

/* Reads a string literal at s[*i] into the arena, unescaped. false when
 * s[*i] does not start a plain string literal (b'', h'', t'', numbers). */
static bool read_string(kz_arena *a, const char *s, size_t len, size_t *i, const char **out,
                        size_t *out_len, kz_err *rc)
{
    if (*i >= len || s[*i] != '\'')
        return false;
    size_t end = skip_quoted(s, len, *i);
    if (end > len || end < *i + 2 || s[end - 1] != '\'')
        return false;
    char *o = kz_arena_alloc(a, end - *i);
    if (!o) {
        *rc = KZ_ENOMEM;
        return false;
    }
    size_t n = 0;
    for (size_t k = *i + 1; k < end - 1; k++) {
        if (s[k] == '\\' && k + 1 < end - 1)
            k++;
        o[n++] = s[k];
    }
    o[n] = '\0';
    *out = o;
    *out_len = n;
    *i = end;
    return true;
}

/* One comparison expression (the inside of [...]): an OR of tests on
 * indexed paths with =, IN or ISSUBSET and string literals. Returns the
 * reason it is not, or NULL when it is simple (values appended to l). */
static const char *classify_cmp(vlist *l, const char *s, size_t len, kz_err *rc)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\'')
            i = skip_quoted(s, len, i) - 1;
        else if (at_word(s, len, i, " AND "))
            return "comparison AND (evaluated by the pattern engine)";
    }
    size_t i = 0;
    for (;;) {
        while (i < len && (s[i] == '(' || s[i] == ' '))
            i++;
        size_t p0 = i;
        while (i < len && s[i] != ' ') {
            if (s[i] == '\'')
                i = skip_quoted(s, len, i);
            else
                i++;
        }
        mc_value v = {0};
        if (!mc_kind_from_path(s + p0, i - p0, &v.kind))
            return "property without a lookup structure";
        if (i < len)
            i++;
        if (at_word(s, len, i, "NOT "))
            return "NOT";
        bool in = false;
        if (at_word(s, len, i, "= ")) {
            i += 2;
        } else if (at_word(s, len, i, "IN (")) {
            i += 4;
            in = true;
        } else if (at_word(s, len, i, "ISSUBSET ") && mc_kind_is_ip(v.kind)) {
            i += 9;
            v.subset = true;
        } else {
            return "operator other than =, IN, ISSUBSET";
        }
        for (;;) {
            if (!read_string(l->a, s, len, &i, &v.lit, &v.len, rc))
                return *rc ? "out of memory" : "literal that is not a string";
            *rc = vpush(l, &v);
            if (*rc)
                return "out of memory";
            if (!in)
                break;
            if (at_word(s, len, i, ", ")) {
                i += 2;
                continue;
            }
            if (i < len && s[i] == ')') {
                i++;
                break;
            }
            return "unexpected IN list";
        }
        while (i < len && s[i] == ')')
            i++;
        if (i == len)
            return NULL;
        if (!at_word(s, len, i, " OR "))
            return "unexpected comparison form";
        i += 4;
    }
}

kz_err mc_classify(kz_arena *a, const char *text, size_t len, mc_class *out)
{
    memset(out, 0, sizeof *out);
    vlist l = {.a = a};
    kz_err rc = KZ_OK;
    const char *complex_reason = NULL;
    /* Observation level: brackets, parentheses, operators and qualifiers. */
    for (size_t i = 0; i < len;) {
        char c = text[i];
        if (c == '[') {
            size_t depth = 1, j = i + 1;
            while (j < len && depth) {
                if (text[j] == '\'') {
                    j = skip_quoted(text, len, j);
                    continue;
                }
                if (text[j] == '[')
                    depth++;
                else if (text[j] == ']')
                    depth--;
                j++;
            }
            if (!complex_reason) {
                const char *why = classify_cmp(&l, text + i + 1, j - i - 2, &rc);
                if (rc)
                    return rc;
                if (why)
                    complex_reason = why;
            }
            i = j;
            continue;
        }
        if (c == '\'') {
            i = skip_quoted(text, len, i);
            continue;
        }
        if (at_word(text, len, i, " AND ") || at_word(text, len, i, " FOLLOWEDBY ") ||
            at_word(text, len, i, " REPEATS ")) {
            out->cls = MC_UNSUPPORTED;
            out->reason = at_word(text, len, i, " AND ")
                              ? "observation AND needs several records"
                          : at_word(text, len, i, " REPEATS ") ? "REPEATS needs several records"
                                                               : "FOLLOWEDBY needs several records";
            return KZ_OK;
        }
        if (!complex_reason && (at_word(text, len, i, " WITHIN ") || at_word(text, len, i, " START ")))
            complex_reason = "qualifier (evaluated by the pattern engine)";
        i++;
    }
    if (complex_reason || l.n == 0) {
        out->cls = MC_COMPLEX;
        out->reason = complex_reason ? complex_reason : "no lookup value";
        return KZ_OK;
    }
    out->cls = MC_SIMPLE;
    out->v = l.v;
    out->n = l.n;
    return KZ_OK;
}
