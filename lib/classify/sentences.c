/* sentences.c - splitting a report's text into sentences for the
 * classifier: one forward pass over the lines, no allocation.
 *
 * Rules, in the order they apply:
 *  - a blank line (white space only) ends the sentence before it, and so
 *    does a Markdown rule (a line of three or more '-', '*', '_' or '=');
 *  - a Markdown list item or heading line ("- ", "* ", "+ ", "• ", "1. ",
 *    "1) ", "# ") is a block of its own: the sentence before it ends where
 *    the line starts, the marker is not part of any sentence, and whatever
 *    of the line is not yet a sentence ends with the line. A line opening
 *    with '#' not followed by a blank ("#include") is also a block of its
 *    own but keeps its '#';
 *  - '。', '！', '？' (and the half-width '｡') end a sentence wherever
 *    they are;
 *  - '!' and '?' end a sentence when a blank or the end of the text
 *    follows them;
 *  - '.' ends a sentence when a blank or the end follows it, unless the
 *    word before it is an abbreviation that never ends one ("e.g", "i.e",
 *    "Mr", "Fig", ...), letters joined by dots ("U.S."), "No"/"Nr"
 *    before a number ("No. 5"), or the next word is a plain word in lower
 *    case ("etc. and", "approx. five" - but not an indicator or a file
 *    name such as "hxxp://a.b/c" or "cmd.exe", which may start a
 *    sentence).
 * A '.' inside a word never ends a sentence, which keeps versions (v1.2),
 * numbers (3.14), file names (cmd.exe), addresses (192.168.1.1), defanged
 * indicators (evil[.]com, hxxp://a.b/c) whole. A run of terminators ("?!",
 * "...") and the closing quotes and brackets after it ("stop.\"") stay in
 * the sentence they end. Sentences are trimmed of white space (ASCII, the
 * no-break space and the ideographic space U+3000) and empty ones are
 * skipped. A sentence longer than KZ_CLASSIFY_MAX_TEXT bytes is cut there
 * (backing off to the start of a UTF-8 character) and the rest goes on as
 * the next sentence.
 *
 * Linear time: every byte is looked at by the line scan, at most once more
 * by the look-ahead past the blanks after a '.', and the look-back over the
 * word before a '.' and the look-ahead over the word after it are bounded
 * (ABBR_LOOKBACK, WORD_LOOKAHEAD bytes). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kizuna/classify.h"

#define ABBR_LOOKBACK 16
#define WORD_LOOKAHEAD 64

/* Words before a '.' that never end a sentence (case-sensitive, as
 * written). Kept short: every entry is a '.' that would otherwise end a
 * sentence before an upper-case word. */
static const char *const never_end[] = {
    "e.g",    "i.e",    "E.g", "I.e", "cf",   "Cf",   "vs",  "Mr",  "Mrs",  "Ms",   "Dr",  "Prof",
    "Sr",     "Jr",     "St",  "Fig", "Figs", "fig",  "Eq",  "Sec", "Sect", "Vol",  "vol", "pp",
    "approx", "Approx", "al",  "ca",  "viz",  "resp", "Gen", "Lt",  "Col",  "Capt", "Rev", "Hon",
};

/* Words before a '.' that do not end a sentence when a number follows. */
static const char *const before_number[] = {
    "No", "no", "Nos", "nos", "Nr", "nr", "Art", "art", "Ch", "ch", "p", "pp", "Vol", "vol",
};

typedef struct splitter {
    const char *t;
    size_t len;
    kz_err (*fn)(void *ctx, const kz_sentence *s);
    void *ctx;
    size_t start; /* where the sentence being gathered starts */
} splitter;

/* Bytes of the white-space character at t[i], or 0: ASCII blanks, U+00A0
 * and U+3000. */
static size_t blank_at(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
        return 1;
    if (c == 0xC2 && i + 1 < len && (unsigned char)t[i + 1] == 0xA0)
        return 2;
    if (c == 0xE3 && i + 2 < len && (unsigned char)t[i + 1] == 0x80 &&
        (unsigned char)t[i + 2] == 0x80)
        return 3;
    return 0;
}

/* Bytes of the blank character ending just before t[i] (i > lo), or 0. */
static size_t blank_before(const char *t, size_t lo, size_t i)
{
    unsigned char c = (unsigned char)t[i - 1];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
        return 1;
    if (c == 0xA0 && i - lo >= 2 && (unsigned char)t[i - 2] == 0xC2)
        return 2;
    if (c == 0x80 && i - lo >= 3 && (unsigned char)t[i - 2] == 0x80 &&
        (unsigned char)t[i - 3] == 0xE3)
        return 3;
    return 0;
}

/* Emits t[b..e) trimmed, cut into pieces of at most KZ_CLASSIFY_MAX_TEXT. */
static kz_err emit(splitter *sp, size_t b, size_t e)
{
    const char *t = sp->t;
    for (;;) {
        size_t k;
        while (b < e && (k = blank_at(t, e, b)) != 0)
            b += k;
        while (e > b && (k = blank_before(t, b, e)) != 0)
            e -= k;
        if (b >= e)
            return KZ_OK;
        size_t cut = e;
        if (e - b > KZ_CLASSIFY_MAX_TEXT) {
            cut = b + KZ_CLASSIFY_MAX_TEXT;
            /* back off to a character start, at most three continuation bytes */
            for (int i = 0; i < 3 && ((unsigned char)t[cut] & 0xC0) == 0x80; i++)
                cut--;
        }
        size_t pe = cut;
        while (pe > b && (k = blank_before(t, b, pe)) != 0)
            pe -= k;
        kz_sentence s = {b, pe - b};
        kz_err rc = sp->fn(sp->ctx, &s);
        if (rc)
            return rc;
        if (cut == e)
            return KZ_OK;
        b = cut;
    }
}

/* Ends the sentence being gathered at e and starts the next at next. */
static kz_err flush(splitter *sp, size_t e, size_t next)
{
    kz_err rc = KZ_OK;
    if (e > sp->start)
        rc = emit(sp, sp->start, e);
    sp->start = next;
    return rc;
}

static bool is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool in_list(const char *const *list, size_t n, const char *w, size_t wl)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(list[i]) == wl && memcmp(list[i], w, wl) == 0)
            return true;
    }
    return false;
}

/* "U.S", "e.g", "a.m": two or more single letters joined by dots. A lone
 * letter ("plan B.") is not taken as an initial: in reports it ends
 * sentences more often than it abbreviates a name. */
static bool is_initials(const char *w, size_t wl)
{
    if (wl < 3 || wl % 2 == 0)
        return false;
    for (size_t i = 0; i < wl; i++) {
        if (i % 2 == 0 ? !is_alpha((unsigned char)w[i]) : w[i] != '.')
            return false;
    }
    return true;
}

/* Bytes of a closing quote or bracket at t[i], or 0. */
static size_t closer_at(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '}')
        return 1;
    if (i + 2 < len) {
        const unsigned char *u = (const unsigned char *)t + i;
        /* ’ ” (E2 80 99 / 9D), 」 』 】 (E3 80 8D / 8F / 91), ） (EF BC 89) */
        if (u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0x99 || u[2] == 0x9D))
            return 3;
        if (u[0] == 0xE3 && u[1] == 0x80 && (u[2] == 0x8D || u[2] == 0x8F || u[2] == 0x91))
            return 3;
        if (u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x89)
            return 3;
    }
    return 0;
}

/* Bytes of a Japanese full stop, exclamation or question mark at t[i]:
 * 。 (E3 80 82), ！ (EF BC 81), ？ (EF BC 9F), ｡ (EF BD A1); else 0. */
static size_t cjk_stop_at(const char *t, size_t len, size_t i)
{
    if (i + 2 >= len)
        return 0;
    const unsigned char *u = (const unsigned char *)t + i;
    if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x82)
        return 3;
    if (u[0] == 0xEF && u[1] == 0xBC && (u[2] == 0x81 || u[2] == 0x9F))
        return 3;
    if (u[0] == 0xEF && u[1] == 0xBD && u[2] == 0xA1)
        return 3;
    return 0;
}

static bool ascii_stop(unsigned char c)
{
    return c == '.' || c == '!' || c == '?';
}

/* Past the run of terminators (ASCII or Japanese) and closers from i. */
static size_t past_terminators(const char *t, size_t le, size_t i)
{
    for (;;) {
        size_t k;
        if (i < le && ascii_stop((unsigned char)t[i]))
            i++;
        else if ((k = cjk_stop_at(t, le, i)) != 0)
            i += k;
        else if (i < le && (k = closer_at(t, le, i)) != 0)
            i += k;
        else
            return i;
    }
}

/* Whether the word at t[b..) is a plain word ("and", "five,") rather than
 * an indicator, a file or a command that may start a sentence in lower
 * case ("hxxps://a.b/c", "cmd.exe", "evil[.]com", "rundll32"): no digit
 * and none of ". : / [ @ \\ _ =" before its trailing punctuation. Looks
 * at most WORD_LOOKAHEAD bytes; a longer word is not a plain one. */
static bool plain_word(const char *t, size_t len, size_t b)
{
    size_t e = b;
    while (e < len && e - b < WORD_LOOKAHEAD && !blank_at(t, len, e))
        e++;
    if (e - b >= WORD_LOOKAHEAD)
        return false;
    static const char trail[] = ".,;:!?)\"'", inner[] = ".:/[@\\_=";
    while (e > b && memchr(trail, t[e - 1], sizeof trail - 1) != NULL)
        e--;
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)t[i];
        if (is_digit(c) || memchr(inner, c, sizeof inner - 1) != NULL)
            return false;
    }
    return true;
}

/* Whether the '.' at t[i] (alone: no '!' or '?' in its run) is an
 * abbreviation's, given that a blank or the end follows the run ending at j
 * and lo is where the sentence's text begins. */
static bool abbreviation(const splitter *sp, size_t lo, size_t i, size_t j)
{
    const char *t = sp->t;
    size_t w = i;
    while (w > lo && i - w < ABBR_LOOKBACK && !blank_before(t, lo, w))
        w--;
    if (w > lo && !blank_before(t, lo, w))
        return false; /* a word longer than any abbreviation */
    /* an opening bracket or quote is not part of the word */
    while (w < i && (t[w] == '(' || t[w] == '[' || t[w] == '"' || t[w] == '\''))
        w++;
    size_t wl = i - w;
    if (wl == 0)
        return false;
    if (in_list(never_end, sizeof never_end / sizeof never_end[0], t + w, wl))
        return true;
    if (is_initials(t + w, wl))
        return true;
    /* the next word: past the blanks (the look-ahead the linear bound counts) */
    size_t k, nx = j;
    while (nx < sp->len && (k = blank_at(t, sp->len, nx)) != 0)
        nx += k;
    if (nx >= sp->len)
        return false;
    unsigned char c = (unsigned char)t[nx];
    if (is_lower(c))
        return plain_word(t, sp->len, nx);
    if (is_digit(c) &&
        in_list(before_number, sizeof before_number / sizeof before_number[0], t + w, wl))
        return true;
    return false;
}

/* Splits the text of one line, t[b..le), at its terminators; the sentence
 * being gathered may have started on an earlier line. */
static kz_err scan_line(splitter *sp, size_t b, size_t le)
{
    const char *t = sp->t;
    size_t i = b;
    kz_err rc;
    while (i < le) {
        unsigned char c = (unsigned char)t[i];
        size_t k;
        if (c < 0x80 && !ascii_stop(c)) {
            i++;
            continue;
        }
        if ((k = cjk_stop_at(t, le, i)) != 0) {
            size_t j = past_terminators(t, le, i + k);
            rc = flush(sp, j, j);
            if (rc)
                return rc;
            i = j;
            continue;
        }
        if (c >= 0x80) {
            i++;
            continue;
        }
        size_t j = past_terminators(t, le, i + 1);
        if (j < le && !blank_at(t, le, j)) {
            i = j; /* inside a word: v1.2, cmd.exe, evil[.]com, "?!x" */
            continue;
        }
        bool only_dot = true;
        for (size_t q = i; q < j; q++) {
            if (t[q] == '!' || t[q] == '?')
                only_dot = false;
        }
        if (only_dot && abbreviation(sp, sp->start, i, j)) {
            i = j;
            continue;
        }
        rc = flush(sp, j, j);
        if (rc)
            return rc;
        i = j;
    }
    return KZ_OK;
}

/* Where the content of a list item or heading line t[b..le) starts (past
 * its marker and the blanks after it), or 0 when the line is not one; a
 * '#' line without a blank after its hashes starts at its '#'. b is the
 * first non-blank byte of the line. */
static size_t block_marker(const char *t, size_t b, size_t le, bool *block)
{
    size_t m = b;
    *block = true;
    unsigned char c = (unsigned char)t[b];
    if (c == '#') {
        while (m < le && t[m] == '#')
            m++;
        if (m < le && t[m] != ' ' && t[m] != '\t')
            return b; /* "#include": its own line, '#' kept */
    } else if (c == '-' || c == '*' || c == '+') {
        m = b + 1;
    } else if (c == 0xE2 && b + 2 < le && (unsigned char)t[b + 1] == 0x80 &&
               (unsigned char)t[b + 2] == 0xA2) {
        m = b + 3; /* • */
    } else if (is_digit(c)) {
        while (m < le && m - b < 9 && is_digit((unsigned char)t[m]))
            m++;
        if (m >= le || (t[m] != '.' && t[m] != ')'))
            goto not_block;
        m++;
    } else {
        goto not_block;
    }
    if (m < le && t[m] != ' ' && t[m] != '\t')
        goto not_block; /* "-rf", "*ptr", "3.14", "2)x" */
    while (m < le && (t[m] == ' ' || t[m] == '\t'))
        m++;
    return m;
not_block:
    *block = false;
    return b;
}

/* A Markdown rule or setext underline: t[b..le) is three or more of one
 * of '-', '*', '_', '=', blanks between them allowed. */
static bool is_rule(const char *t, size_t b, size_t le)
{
    char c = t[b];
    size_t n = 0;
    if (c != '-' && c != '*' && c != '_' && c != '=')
        return false;
    for (size_t i = b; i < le; i++) {
        if (t[i] == c)
            n++;
        else if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r')
            return false;
    }
    return n >= 3;
}

kz_err kz_sentences(const char *text, size_t len, kz_err (*fn)(void *ctx, const kz_sentence *s),
                    void *ctx)
{
    if (!fn || (len && !text))
        return KZ_EINVAL;
    splitter sp = {text, len, fn, ctx, 0};
    size_t pos = 0;
    kz_err rc;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t le = nl ? (size_t)(nl - text) : len;
        size_t b = pos, k;
        while (b < le && (k = blank_at(text, le, b)) != 0)
            b += k;
        if (b == le || is_rule(text, b, le)) {
            /* a blank line or a rule: a paragraph ends */
            rc = flush(&sp, pos, le);
            if (rc)
                return rc;
        } else {
            bool block;
            size_t m = block_marker(text, b, le, &block);
            if (block) {
                rc = flush(&sp, pos, m);
                if (rc)
                    return rc;
                rc = scan_line(&sp, m, le);
                if (rc)
                    return rc;
                rc = flush(&sp, le, le);
                if (rc)
                    return rc;
            } else {
                rc = scan_line(&sp, b, le);
                if (rc)
                    return rc;
            }
        }
        pos = le + 1;
    }
    return flush(&sp, len, len);
}
