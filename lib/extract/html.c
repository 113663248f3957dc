/* html.c - the same-length HTML to text conversion of `kizuna extract
 * --html`: tags, comments, scripts and styles blanked, the entities that
 * can spell an indicator decoded in place, so byte offsets still point
 * into the input. */
#include <stdint.h>
#include <string.h>

#include "extract/extract_int.h"

static const struct {
    const char *name;
    size_t len;
    const char *utf8;
} entities[] = {
    {"amp;", 4, "&"}, {"lt;", 3, "<"},  {"gt;", 3, ">"},           {"quot;", 5, "\""},
    {"apos;", 5, "'"}, {"nbsp;", 5, " "}, {"#46;", 4, "."},         {"period;", 7, "."},
    {"commat;", 7, "@"}, {"colon;", 6, ":"}, {"sol;", 4, "/"},
};

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the entity at s[i] ('&') in place; returns its length or 0. */
static size_t entity(char *s, size_t len, size_t i)
{
    size_t semi = i + 1;
    while (semi < len && semi - i < 12 && s[semi] != ';')
        semi++;
    if (semi >= len || s[semi] != ';')
        return 0;
    size_t el = semi - i + 1;
    char out[4];
    size_t ol = 0;
    if (s[i + 1] == '#') {
        uint32_t v = 0;
        size_t k = i + 2;
        bool hex = k < semi && (s[k] == 'x' || s[k] == 'X');
        if (hex)
            k++;
        if (k == semi)
            return 0;
        for (; k < semi; k++) {
            int d = (s[k] >= '0' && s[k] <= '9')   ? s[k] - '0'
                    : hex && X_IS(s[k], XC_HEX)   ? (s[k] | 0x20) - 'a' + 10
                                                    : -1;
            if (d < 0 || v > 0x10ffff)
                return 0;
            v = v * (hex ? 16 : 10) + (uint32_t)d;
        }
        if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
            return 0;
        ol = put_utf8(out, v);
    } else {
        for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
            if (entities[k].len == el - 1 && !memcmp(s + i + 1, entities[k].name, el - 1)) {
                ol = strlen(entities[k].utf8);
                memcpy(out, entities[k].utf8, ol);
                break;
            }
        }
        if (!ol)
            return 0;
    }
    if (ol > el)
        return 0;
    memcpy(s + i, out, ol);
    memset(s + i + ol, 0, el - ol);
    return el;
}

static void blank(char *s, size_t a, size_t b)
{
    for (size_t k = a; k < b; k++)
        if (s[k] != '\n')
            s[k] = ' ';
}

/* Blanks the tag s[a..b) except the values of href= and src= (links in a
 * report are often the indicators), which stay in place. */
static void blank_tag(char *s, size_t a, size_t b)
{
    size_t k = a;
    while (k < b) {
        size_t vs = b, ve = b;
        for (size_t j = k; j + 5 < b; j++) {
            size_t al = kz_xword_at(s, b, j, "href=", 5) ? 5 : kz_xword_at(s, b, j, "src=", 4) ? 4 : 0;
            if (al && j > a && kz_xis_blank(s[j - 1]) && (s[j + al] == '"' || s[j + al] == '\'')) {
                const char *q = memchr(s + j + al + 1, s[j + al], b - j - al - 1);
                if (q) {
                    vs = j + al + 1;
                    ve = (size_t)(q - s);
                    break;
                }
            }
        }
        blank(s, k, vs);
        k = ve < b ? ve : b;
    }
}

void kz_xhtml_to_text(char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] == '&') {
            size_t el = entity(s, len, i);
            i += el ? el : 1;
            continue;
        }
        if (s[i] != '<' || i + 1 >= len ||
            !(X_IS(s[i + 1], XC_ALPHA) || s[i + 1] == '/' || s[i + 1] == '!' || s[i + 1] == '?')) {
            i++;
            continue;
        }
        const char *close;
        size_t end;
        if (len - i >= 4 && !memcmp(s + i, "<!--", 4)) {
            close = memmem(s + i + 4, len - i - 4, "-->", 3);
            end = close ? (size_t)(close - s) + 3 : len;
        } else {
            close = memchr(s + i, '>', len - i);
            if (!close) {
                i++;
                continue;
            }
            end = (size_t)(close - s) + 1;
            /* script and style bodies are not text */
            const char *raw = NULL;
            if (kz_xword_at(s, len, i + 1, "script", 6))
                raw = "</script";
            else if (kz_xword_at(s, len, i + 1, "style", 5))
                raw = "</style";
            if (raw) {
                size_t k = end, rl = strlen(raw);
                while (k + rl <= len && !kz_xword_at(s, len, k, raw, rl))
                    k++;
                const char *gt = k < len ? memchr(s + k, '>', len - k) : NULL;
                end = gt ? (size_t)(gt - s) + 1 : len;
            }
        }
        blank_tag(s, i, end);
        i = end;
    }
}
