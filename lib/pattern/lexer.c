/* lexer.c - the tokens of the STIX 2.1 patterning grammar, with ANTLR's
 * longest-match rule (keywords win over identifiers of the same length, a
 * malformed t'...' falls back to the identifier "t" and a string, exactly as
 * the reference ANTLR lexer does, so that errors land where it puts them). */
#include <string.h>

#include "pattern_int.h"

static const struct {
    const char *word;
    pat_tok tok;
} keywords[] = {
    {"AND", T_AND},         {"OR", T_OR},           {"NOT", T_NOT},
    {"FOLLOWEDBY", T_FOLLOWEDBY}, {"LIKE", T_LIKE}, {"MATCHES", T_MATCHES},
    {"ISSUPERSET", T_ISSUPERSET}, {"ISSUBSET", T_ISSUBSET}, {"LAST", T_LAST},
    {"IN", T_IN},           {"START", T_START},     {"STOP", T_STOP},
    {"SECONDS", T_SECONDS}, {"WITHIN", T_WITHIN},   {"REPEATS", T_REPEATS},
    {"TIMES", T_TIMES},     {"EXISTS", T_EXISTS},   {"true", T_BOOL},
    {"false", T_BOOL},
};

static const char *const tok_names[] = {
    [T_EOF] = "end of pattern", [T_AND] = "'AND'", [T_OR] = "'OR'", [T_NOT] = "'NOT'",
    [T_FOLLOWEDBY] = "'FOLLOWEDBY'", [T_LIKE] = "'LIKE'", [T_MATCHES] = "'MATCHES'",
    [T_ISSUPERSET] = "'ISSUPERSET'", [T_ISSUBSET] = "'ISSUBSET'", [T_LAST] = "'LAST'",
    [T_IN] = "'IN'", [T_START] = "'START'", [T_STOP] = "'STOP'", [T_SECONDS] = "'SECONDS'",
    [T_WITHIN] = "'WITHIN'", [T_REPEATS] = "'REPEATS'", [T_TIMES] = "'TIMES'",
    [T_EXISTS] = "'EXISTS'", [T_BOOL] = "boolean", [T_IDENT] = "identifier",
    [T_IDENT_HYPH] = "identifier", [T_INT_POS] = "integer", [T_INT_NEG] = "integer",
    [T_FLOAT_POS] = "float", [T_FLOAT_NEG] = "float", [T_STRING] = "string",
    [T_HEX] = "hex literal", [T_BINARY] = "binary literal", [T_TIMESTAMP] = "timestamp",
    [T_EQ] = "'='", [T_NEQ] = "'!='", [T_LT] = "'<'", [T_LE] = "'<='", [T_GT] = "'>'",
    [T_GE] = "'>='", [T_COLON] = "':'", [T_DOT] = "'.'", [T_COMMA] = "','", [T_LPAREN] = "'('",
    [T_RPAREN] = "')'", [T_LBRACK] = "'['", [T_RBRACK] = "']'", [T_ASTERISK] = "'*'",
    [T_INVALID] = "invalid character",
};

const char *pat_tok_name(pat_tok t)
{
    return (unsigned)t < sizeof tok_names / sizeof tok_names[0] && tok_names[t] ? tok_names[t]
                                                                               : "token";
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha_(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int is_b64(int c) { return is_alpha_(c) && c != '_' ? 1 : is_digit(c) || c == '+' || c == '/'; }

/* Length of the white space (the grammar's WS set, Unicode spaces included)
 * starting at p, or 0. */
static size_t ws_len(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    switch (p[0]) {
    case ' ': case '\t': case '\r': case '\n': case 0x0b: case 0x0c:
        return 1;
    case 0xc2:
        return n >= 2 && (p[1] == 0x85 || p[1] == 0xa0) ? 2 : 0;
    case 0xe1:
        return n >= 3 && p[1] == 0x9a && p[2] == 0x80 ? 3 : 0;
    case 0xe2:
        if (n < 3)
            return 0;
        if (p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 || p[2] == 0xa9 ||
                             p[2] == 0xaf))
            return 3;
        return p[1] == 0x81 && p[2] == 0x9f ? 3 : 0;
    case 0xe3:
        return n >= 3 && p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
    default:
        return 0;
    }
}

/* Skips white space and comments. */
static void skip_ignored(pat_lexer *lx)
{
    for (;;) {
        const unsigned char *p = (const unsigned char *)lx->s + lx->pos;
        size_t n = lx->len - lx->pos;
        size_t w = ws_len(p, n);
        if (w) {
            lx->pos += w;
            continue;
        }
        if (n >= 2 && p[0] == '/' && p[1] == '*') {
            const char *end = memmem(p + 2, n - 2, "*/", 2);
            if (!end)
                return; /* unterminated: '/' becomes an invalid token */
            lx->pos = (size_t)(end - lx->s) + 2;
            continue;
        }
        if (n >= 2 && p[0] == '/' && p[1] == '/') {
            size_t i = 2;
            while (i < n && p[i] != '\r' && p[i] != '\n')
                i++;
            lx->pos += i;
            continue;
        }
        return;
    }
}

/* t'YYYY-MM-DDTHH:MM:SS[.f+]Z' with the grammar's digit ranges; returns the
 * length or 0. */
static size_t match_timestamp(const char *s, size_t n)
{
    static const char shape[] = "t'dddd-dd-ddTdd:dd:dd";
    size_t k = sizeof shape - 1;
    if (n < k + 2)
        return 0;
    for (size_t i = 0; i < k; i++) {
        if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
            return 0;
    }
    const char *m = s + 7, *d = s + 10, *h = s + 13, *mi = s + 16, *se = s + 19;
    if (!((m[0] == '0' && m[1] >= '1') || (m[0] == '1' && m[1] <= '2')))
        return 0;
    if (!((d[0] == '0' && d[1] >= '1') || d[0] == '1' || d[0] == '2' || (d[0] == '3' && d[1] <= '1')))
        return 0;
    if (!(h[0] <= '1' || (h[0] == '2' && h[1] <= '3')))
        return 0;
    if (mi[0] > '5')
        return 0;
    if (!(se[0] <= '5' || (se[0] == '6' && se[1] == '0')))
        return 0;
    size_t i = k;
    if (i < n && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && is_digit(s[j]))
            j++;
        if (j == i + 1)
            return 0;
        i = j;
    }
    if (i + 1 < n && s[i] == 'Z' && s[i + 1] == '\'')
        return i + 2;
    return 0;
}

static size_t match_hex(const char *s, size_t n)
{
    size_t i = 2;
    while (i + 1 < n && is_hex(s[i]) && is_hex(s[i + 1]))
        i += 2;
    return i < n && s[i] == '\'' ? i + 1 : 0;
}

/* b'...' : groups of four base64 characters, the last possibly padded; at
 * least one group. */
static size_t match_binary(const char *s, size_t n)
{
    size_t i = 2, groups = 0;
    for (;;) {
        size_t c = 0;
        while (c < 4 && i + c < n && is_b64(s[i + c]))
            c++;
        if (c == 4) {
            i += 4;
            groups++;
            continue;
        }
        if (c == 3 && i + 4 < n && s[i + 3] == '=') {
            i += 4;
            groups++;
        } else if (c == 2 && i + 4 < n && s[i + 2] == '=' && s[i + 3] == '=') {
            i += 4;
            groups++;
        } else if (c != 0) {
            return 0;
        }
        break;
    }
    return groups && i < n && s[i] == '\'' ? i + 1 : 0;
}

/* '...' with \' and \\ the only escapes; returns the length, 0 if unterminated
 * or with another escape. */
static size_t match_string(const char *s, size_t n)
{
    size_t i = 1;
    while (i < n) {
        if (s[i] == '\'')
            return i + 1;
        if (s[i] == '\\') {
            if (i + 1 >= n || (s[i + 1] != '\'' && s[i + 1] != '\\'))
                return 0;
            i += 2;
            continue;
        }
        i++;
    }
    return 0;
}

/* Longest of IntLiteral / FloatLiteral at s (sign included); sets *type. */
static size_t match_number(const char *s, size_t n, pat_tok *type)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    size_t ds = i;
    while (i < n && is_digit(s[i]))
        i++;
    size_t int_len = 0;
    if (i > ds)
        int_len = s[ds] == '0' ? ds + 1 : i;
    size_t float_len = 0;
    if (i < n && s[i] == '.' && i + 1 < n && is_digit(s[i + 1])) {
        size_t j = i + 1;
        while (j < n && is_digit(s[j]))
            j++;
        float_len = j;
    }
    if (float_len > int_len) {
        *type = neg ? T_FLOAT_NEG : T_FLOAT_POS;
        return float_len;
    }
    if (int_len) {
        *type = neg ? T_INT_NEG : T_INT_POS;
        return int_len;
    }
    return 0;
}

/* Length of one UTF-8 character (at least 1) for invalid-token reporting. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t k = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
    return k > n ? n : k;
}

void pat_lex_next(pat_lexer *lx, pat_token *t)
{
    skip_ignored(lx);
    const char *s = lx->s + lx->pos;
    size_t n = lx->len - lx->pos;
    t->off = lx->pos;
    t->len = 0;
    if (n == 0) {
        t->type = T_EOF;
        return;
    }
    char c = s[0];
    size_t len = 0;
    pat_tok type = T_INVALID;

    if (n >= 2 && s[1] == '\'' && (c == 't' || c == 'h' || c == 'b')) {
        len = c == 't' ? match_timestamp(s, n) : c == 'h' ? match_hex(s, n) : match_binary(s, n);
        type = c == 't' ? T_TIMESTAMP : c == 'h' ? T_HEX : T_BINARY;
    }
    if (len == 0 && is_alpha_(c)) {
        size_t plain = 1, hyph;
        while (plain < n && (is_alpha_(s[plain]) || is_digit(s[plain])))
            plain++;
        hyph = plain;
        while (hyph < n && (is_alpha_(s[hyph]) || is_digit(s[hyph]) || s[hyph] == '-'))
            hyph++;
        if (hyph > plain) {
            type = T_IDENT_HYPH;
            len = hyph;
        } else {
            type = T_IDENT;
            len = plain;
            for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
                if (strlen(keywords[k].word) == len && memcmp(keywords[k].word, s, len) == 0) {
                    type = keywords[k].tok;
                    break;
                }
            }
            if (type == T_EXISTS && lx->version < 21)
                type = T_IDENT;
        }
    } else if (len == 0) {
        switch (c) {
        case '\'':
            len = match_string(s, n);
            type = T_STRING;
            break;
        case '=':
            len = n >= 2 && s[1] == '=' ? 2 : 1;
            type = T_EQ;
            break;
        case '!':
            if (n >= 2 && s[1] == '=') {
                len = 2;
                type = T_NEQ;
            }
            break;
        case '<':
            len = n >= 2 && (s[1] == '=' || s[1] == '>') ? 2 : 1;
            type = len == 1 ? T_LT : s[1] == '=' ? T_LE : T_NEQ;
            break;
        case '>':
            len = n >= 2 && s[1] == '=' ? 2 : 1;
            type = len == 2 ? T_GE : T_GT;
            break;
        case ':': len = 1; type = T_COLON; break;
        case ',': len = 1; type = T_COMMA; break;
        case '(': len = 1; type = T_LPAREN; break;
        case ')': len = 1; type = T_RPAREN; break;
        case '[': len = 1; type = T_LBRACK; break;
        case ']': len = 1; type = T_RBRACK; break;
        case '*': len = 1; type = T_ASTERISK; break;
        default:
            if (is_digit(c) || c == '+' || c == '-' || c == '.')
                len = match_number(s, n, &type);
            if (len == 0 && c == '.') {
                len = 1;
                type = T_DOT;
            }
            break;
        }
    }
    if (len == 0) {
        type = T_INVALID;
        len = utf8_len((const unsigned char *)s, n);
    }
    t->type = type;
    t->len = len;
    lx->pos += len;
}
