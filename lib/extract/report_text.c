/* report_text.c - what the technique classifier reads in an extracted
 * report: HTML made readable at the same length (block elements end
 * sentences, headings blanked), Markdown headings and lines of bare
 * indicators told apart from sentences, blanks collapsed, and the
 * supporting sentence as a valid UTF-8 evidence string. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "extract_int.h"
#include "kizuna/alloc.h"
#include "kizuna/extract_report.h"
#include "report_int.h"

/* Copies s[0..n) into out (at most cap bytes) with the NULs that HTML
 * entity decoding leaves dropped and every run of blanks and newlines
 * made one space (a sentence wrapped over lines reads as one line);
 * returns the length. */
size_t kz_xrep_collapse(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n && o < cap; i++) {
        char ch = s[i];
        if (ch == '\0')
            continue;
        if (ch == '\n' || kz_xis_blank(ch)) {
            space = o > 0;
            continue;
        }
        if (space && o + 1 < cap)
            out[o++] = ' ';
        space = false;
        out[o++] = ch;
    }
    return o;
}

/* Elements that end a paragraph on screen: a sentence never runs across
 * them ("<h1>Title</h1><p>The actor..." is two sentences). */
static const char *const block_tags[] = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "title", "tr", "ul"};

/* The length of a block element's tag name at s[0..n) ('<' or '</'
 * already skipped), 0 when it is not one. */
static size_t block_tag(const char *s, size_t n)
{
    size_t l = 0;
    while (l < n && l < 12 &&
           (((s[l] | 0x20) >= 'a' && (s[l] | 0x20) <= 'z') || (l && s[l] >= '1' && s[l] <= '6')))
        l++;
    if (!l || l == n || !(s[l] == '>' || s[l] == '/' || kz_xis_blank(s[l]) || s[l] == '\n'))
        return 0;
    for (size_t i = 0; i < sizeof block_tags / sizeof block_tags[0]; i++)
        if (strlen(block_tags[i]) == l && strncasecmp(block_tags[i], s, l) == 0)
            return l;
    return 0;
}

/* Headings are short: the closing tag is looked for this far (bounded
 * work on HTML full of unclosed headings). */
#define HEADING_MAX 4096

/* For an opening heading tag (<h1>..<h6>, <title>) whose name, l bytes,
 * starts at s[i]: where its closing tag starts, or i when there is none
 * within HEADING_MAX bytes. */
static size_t heading_end(const char *s, size_t len, size_t i, size_t l)
{
    bool heading = (l == 2 && (s[i] | 0x20) == 'h') || (l == 5 && !strncasecmp(s + i, "title", 5));
    if (!heading || s[i - 1] == '/')
        return i;
    if (len - i > HEADING_MAX)
        len = i + HEADING_MAX;
    for (size_t k = i + l; k + 2 + l <= len; k++)
        if (s[k] == '<' && s[k + 1] == '/' && !strncasecmp(s + k + 2, s + i, l))
            return k;
    return i;
}

/* HTML to the text a reader sees, in place and at the same length (so
 * offsets still point into the input): kz_xhtml_to_text, then a blank
 * line where a block element's tag stood (its tag is at least 3 bytes),
 * and headings blanked out: a title is not a sentence about behaviour. */
typedef struct block {
    size_t at, end; /* the tag's '<'; for a heading, its closing tag's */
} block;

kz_err kz_xrep_html_text(char *s, size_t len)
{
    size_t cap = 64, n = 0;
    block *at = kz_malloc(cap * sizeof *at);
    if (!at)
        return KZ_ENOMEM;
    for (const char *p = s, *end = s + len; p < end;) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            break;
        size_t i = (size_t)(lt - s) + 1;
        if (i < len && s[i] == '/')
            i++;
        size_t l = block_tag(s + i, len - i);
        if (l) {
            if (n == cap) {
                block *na = kz_realloc(at, cap * 2 * sizeof *at);
                if (!na) {
                    kz_free(at);
                    return KZ_ENOMEM;
                }
                at = na;
                cap *= 2;
            }
            at[n].at = (size_t)(lt - s);
            at[n++].end = heading_end(s, len, i, l);
        }
        p = lt + 1;
    }
    kz_xhtml_to_text(s, len);
    for (size_t k = 0; k < n; k++) {
        for (size_t j = at[k].at; j < at[k].end; j++)
            if (s[j] != '\n')
                s[j] = ' ';
        s[at[k].at] = '\n';
        s[at[k].at + 1] = '\n';
    }
    kz_free(at);
    return KZ_OK;
}

/* A sentence about behaviour has English words around its indicators: a
 * word here is a blank-separated token of at least two ASCII letters (an
 * inner '-' or '\'' allowed), punctuation around it ignored. */
#define MIN_WORDS 4

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool kz_xrep_enough_words(const char *s, size_t n)
{
    size_t words = 0;
    for (size_t i = 0; i < n && words < MIN_WORDS;) {
        while (i < n && s[i] == ' ')
            i++;
        size_t a = i;
        while (i < n && s[i] != ' ')
            i++;
        size_t b = i;
        /* opening and closing punctuation: "(word", "word," "word." */
        while (a < b && strchr("([{\"'`", s[a]))
            a++;
        while (b > a && strchr(")]}\"'`,.;:!?", s[b - 1]))
            b--;
        bool word = b - a >= 2 && is_letter(s[a]) && is_letter(s[b - 1]);
        for (size_t k = a; word && k < b; k++)
            word = is_letter(s[k]) || s[k] == '-' || s[k] == '\'';
        words += word;
    }
    return words >= MIN_WORDS;
}

/* A Markdown heading: "# Title" (only '#' and blanks before the sentence
 * on its line) or a line underlined with "===" / "---". */
bool kz_xrep_md_heading(const char *t, size_t len, const kz_sentence *s)
{
    size_t i = s->off, hashes = 0;
    while (i > 0 && t[i - 1] != '\n' && (t[i - 1] == '#' || kz_xis_blank(t[i - 1])))
        hashes += t[--i] == '#';
    if (hashes && (i == 0 || t[i - 1] == '\n'))
        return true;
    size_t e = s->off + s->len;
    while (e < len && t[e] != '\n')
        e++;
    if (e >= len)
        return false;
    size_t k = e + 1, marks = 0;
    char m = k < len ? t[k] : 0;
    while (k < len && (t[k] == m || kz_xis_blank(t[k])))
        marks += t[k++] == m;
    return (m == '=' || m == '-') && marks >= 3 && (k == len || t[k] == '\n');
}

/* The evidence as a JSON/STIX string must be UTF-8: s[0..n) in the arena
 * with each invalid byte made U+FFFD, cut at a character boundary at
 * KZ_EXTRACT_EVIDENCE_MAX bytes. NULL when out of memory. */
const char *kz_xrep_evidence(kz_arena *a, const char *s, size_t n)
{
    char *out = kz_arena_alloc(a, KZ_EXTRACT_EVIDENCE_MAX + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = kz_xutf8((const unsigned char *)s + i, n - i, &cp);
        bool bad = l == 1 && (unsigned char)s[i] >= 0x80;
        size_t w = bad ? 3 : l;
        if (o + w > KZ_EXTRACT_EVIDENCE_MAX)
            break;
        if (bad)
            memcpy(out + o, "\xef\xbf\xbd", 3);
        else
            memcpy(out + o, s + i, l);
        o += w;
        i += l;
    }
    out[o] = '\0';
    return out;
}
