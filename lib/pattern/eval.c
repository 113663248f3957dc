/* eval.c - comparison expressions against one observation: object-path
 * walking (keys, list indexes, [*], _ref/_refs dereferencing within the
 * observation, _hex/_bin decoding) and the operator semantics of the
 * reference matcher (type table for = and ordering, binary/string
 * comparison through Latin-1, IN with Python equality, LIKE/MATCHES after
 * NFC, ISSUBSET/ISSUPERSET on IPv4 and IPv6). NOT negates the result of the
 * test on each value; a path that selects nothing makes the test false. */
#include <stdlib.h>
#include <string.h>

#include "kizuna/codec.h"
#include "pattern_int.h"

static bool fail2(pat_eval *ev, const char *before, const char *arg, size_t arg_len, const char *after)
{
    if (!ev->rc) {
        ev->rc = KZ_EINVALID;
        char shown[96];
        size_t n = arg_len < sizeof shown - 1 ? arg_len : sizeof shown - 1;
        memcpy(shown, arg, n);
        shown[n] = '\0';
        if (ev->err)
            pat_set_error(ev->err, "", 0, 0, "%s%s%s", before, shown, after);
    }
    return true; /* stops the walk */
}

/* ---- path walking ---- */

/* What a path step stands on: a JSON value, decoded bytes, or the list of
 * objects a _refs property resolved to. */
typedef struct cursor {
    int kind; /* 0 json, 1 bytes, 2 reflist */
    const kz_json *json;
    const char *bytes;
    size_t len;
    const kz_json **list;
    size_t n;
} cursor;

typedef struct walk {
    pat_eval *ev;
    const pat_sdo *sdo;
    const pat_path *path;
    pat_value_fn fn;
    void *user;
} walk;

/* Decodes a _hex / _bin property value into the scratch arena. */
static bool decode_binary(walk *w, const pat_step *st, const kz_json *v, cursor *out)
{
    if (v->type != KZ_JSON_STRING)
        return !fail2(w->ev, "property '", st->key, st->key_len, "' does not hold an encoded string");
    const char *s = v->u.str.ptr;
    size_t n = v->u.str.len;
    char *buf = kz_arena_alloc(w->ev->scratch, n + 1);
    if (!buf) {
        w->ev->rc = KZ_ENOMEM;
        return false;
    }
    size_t o = 0;
    if (st->suffix == SUF_HEX) {
        if (n % 2)
            return !fail2(w->ev, "property '", st->key, st->key_len, "' is not valid hex");
        for (size_t i = 0; i < n; i += 2) {
            int a = kz_hex_value((unsigned char)s[i]), b = kz_hex_value((unsigned char)s[i + 1]);
            if (a < 0 || b < 0)
                return !fail2(w->ev, "property '", st->key, st->key_len, "' is not valid hex");
            buf[o++] = (char)(a << 4 | b);
        }
    } else {
        uint32_t acc = 0;
        int bits = 0;
        size_t i = 0, pad = 0;
        for (; i < n; i++) {
            if (s[i] == '=') {
                pad++;
                continue;
            }
            int v6 = kz_base64_value((unsigned char)s[i], false);
            if (v6 < 0 || pad)
                return !fail2(w->ev, "property '", st->key, st->key_len, "' is not valid base64");
            acc = acc << 6 | (uint32_t)v6;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                buf[o++] = (char)(acc >> bits & 0xff);
            }
        }
        if ((n - pad) % 4 == 1 || pad > 2 || (pad && n % 4))
            return !fail2(w->ev, "property '", st->key, st->key_len, "' is not valid base64");
    }
    out->kind = 1;
    out->bytes = buf;
    out->len = o;
    return true;
}

static bool emit(walk *w, const cursor *c)
{
    pat_value v = {0};
    if (c->kind == 1) {
        v.kind = V_BYTES;
        v.s = c->bytes;
        v.len = c->len;
    } else if (c->kind == 2) {
        v.kind = V_LIST;
    } else {
        const kz_json *j = c->json;
        v.json = j;
        switch (j->type) {
        case KZ_JSON_NULL: v.kind = V_NULL; break;
        case KZ_JSON_FALSE: v.kind = V_BOOL; v.i = 0; break;
        case KZ_JSON_TRUE: v.kind = V_BOOL; v.i = 1; break;
        case KZ_JSON_NUMBER:
            if (j->u.num.is_int) {
                v.kind = V_INT;
                v.i = j->u.num.i;
            } else {
                v.kind = V_FLOAT;
            }
            v.d = j->u.num.d;
            break;
        case KZ_JSON_STRING: v.kind = V_STR; v.s = j->u.str.ptr; v.len = j->u.str.len; break;
        case KZ_JSON_ARRAY: v.kind = V_LIST; break;
        case KZ_JSON_OBJECT: v.kind = V_OBJECT; break;
        }
    }
    return w->fn(w->ev, &v, w->user);
}

static bool step(walk *w, size_t i, const cursor *cur);

/* Takes key step st from cur into next (suffix processing included) and
 * continues; returns true when the walk must stop. */
static bool step_key(walk *w, size_t i, const pat_step *st, const cursor *cur)
{
    if (cur->kind != 0 || cur->json->type != KZ_JSON_OBJECT)
        return false;
    const kz_json *v = kz_json_get(cur->json, st->key);
    if (!v)
        return false;
    cursor nx = {.kind = 0, .json = v};
    switch (st->suffix) {
    case SUF_HEX:
    case SUF_BIN:
        if (!decode_binary(w, st, v, &nx))
            return true;
        break;
    case SUF_REF: {
        if (v->type != KZ_JSON_STRING)
            return fail2(w->ev, "reference property '", st->key, st->key_len, "' is not a string");
        const kz_json *t = pat_obs_resolve(w->ev->obs, w->sdo, v->u.str.ptr, v->u.str.len);
        if (!t)
            return false;
        nx.json = t;
        break;
    }
    case SUF_REFS: {
        if (v->type != KZ_JSON_ARRAY)
            return fail2(w->ev, "reference list property '", st->key, st->key_len, "' is not a list");
        size_t n = v->u.arr.n, m = 0;
        const kz_json **list = kz_arena_alloc(w->ev->scratch, (n ? n : 1) * sizeof *list);
        if (!list) {
            w->ev->rc = KZ_ENOMEM;
            return true;
        }
        for (size_t k = 0; k < n; k++) {
            const kz_json *r = v->u.arr.items[k];
            if (r->type != KZ_JSON_STRING)
                return fail2(w->ev, "a value of reference list property '", st->key, st->key_len, "' is not a string");
            const kz_json *t = pat_obs_resolve(w->ev->obs, w->sdo, r->u.str.ptr, r->u.str.len);
            if (t)
                list[m++] = t;
        }
        if (m == 0)
            return false;
        nx.kind = 2;
        nx.list = list;
        nx.n = m;
        break;
    }
    default:
        break;
    }
    return step(w, i + 1, &nx);
}

static bool step(walk *w, size_t i, const cursor *cur)
{
    if (w->ev->rc)
        return true;
    if (i == w->path->n_steps)
        return emit(w, cur);
    const pat_step *st = &w->path->steps[i];
    if (st->kind == S_KEY)
        return step_key(w, i, st, cur);
    /* Index steps: only lists can be indexed. */
    size_t n;
    if (cur->kind == 2)
        n = cur->n;
    else if (cur->kind == 0 && cur->json->type == KZ_JSON_ARRAY)
        n = cur->json->u.arr.n;
    else
        return false;
    if (st->kind == S_INDEX) {
        if (st->index < 0)
            return fail2(w->ev, "invalid list index ", "negative", 8, "");
        if ((uint64_t)st->index >= n)
            return false;
        size_t k = (size_t)st->index;
        cursor nx = {.kind = 0, .json = cur->kind == 2 ? cur->list[k] : cur->json->u.arr.items[k]};
        return step(w, i + 1, &nx);
    }
    for (size_t k = 0; k < n; k++) {
        cursor nx = {.kind = 0, .json = cur->kind == 2 ? cur->list[k] : cur->json->u.arr.items[k]};
        if (step(w, i + 1, &nx))
            return true;
    }
    return false;
}

bool pat_walk_path(pat_eval *ev, const pat_sdo *sdo, const pat_path *path, const kz_json *root,
                   pat_value_fn fn, void *user)
{
    walk w = {.ev = ev, .sdo = sdo, .path = path, .fn = fn, .user = user};
    cursor c = {.kind = 0, .json = root};
    return step(&w, 0, &c);
}

/* ---- value tests ---- */

/* Python's int/float comparison is exact; long double holds any int64. */
static int num_cmp(const pat_value *v, const pat_lit *l)
{
    long double a = v->kind == V_INT || v->kind == V_BOOL ? (long double)v->i : (long double)v->d;
    long double b = l->kind == L_INT && l->int_exact ? (long double)l->i
                    : l->kind == L_BOOL             ? (long double)l->i
                                                    : (long double)l->d;
    if (a != a || b != b)
        return 2; /* NaN: unordered */
    return (a > b) - (a < b);
}

/* UTF-8 text as Latin-1 bytes (code points < 256) into buf; false if not possible. */
static bool latin1(const char *s, size_t n, char *buf, size_t *out_n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf[o++] = (char)c;
            i++;
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < n) {
            buf[o++] = (char)(((c & 0x1f) << 6) | (s[i + 1] & 0x3f));
            i += 2;
        } else {
            return false;
        }
    }
    *out_n = o;
    return true;
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int r = memcmp(a, b, an < bn ? an : bn);
    if (r)
        return r < 0 ? -1 : 1;
    return (an > bn) - (an < bn);
}

/* Compares a string with bytes through Latin-1: 0/±1, or 2 when the string
 * has code points past 255 (not comparable). str_first orders the result. */
static int str_bytes_cmp(pat_eval *ev, const char *s, size_t sn, const char *b, size_t bn)
{
    char *buf = kz_arena_alloc(ev->scratch, sn + 1);
    size_t n;
    if (!buf) {
        ev->rc = KZ_ENOMEM;
        return 2;
    }
    if (!latin1(s, sn, buf, &n))
        return 2;
    return bytes_cmp(buf, n, b, bn);
}

static bool is_num(pat_vkind k) { return k == V_INT || k == V_FLOAT; }
static bool lit_num(pat_lit_kind k) { return k == L_INT || k == L_FLOAT; }
static bool lit_bin(pat_lit_kind k) { return k == L_BINARY || k == L_HEX; }

/* The value as a timestamp for comparison with a t'' literal: 1 ok, 0 not a
 * string (incomparable), -1 error (a string that is not a timestamp). */
static int value_time(pat_eval *ev, const pat_value *v, kz_time *t)
{
    if (v->kind != V_STR)
        return 0;
    if (kz_time_parse(v->s, v->len, KZ_TIME_STRICT, t)) {
        fail2(ev, "invalid timestamp in the data: '", v->s, v->len, "'");
        return -1;
    }
    return 1;
}

/* Ordering of value against literal as the reference's type table has it:
 * -1/0/1, 2 when the pair has no ordering, 3 on error. */
static int order(pat_eval *ev, const pat_value *v, const pat_lit *l)
{
    if (lit_num(l->kind))
        return is_num(v->kind) ? num_cmp(v, l) : 2;
    if (l->kind == L_STRING) {
        if (v->kind == V_STR)
            return bytes_cmp(v->s, v->len, l->str, l->str_len);
        if (v->kind == V_BYTES) {
            int r = str_bytes_cmp(ev, l->str, l->str_len, v->s, v->len);
            return r == 2 ? 2 : -r;
        }
        return 2;
    }
    if (lit_bin(l->kind)) {
        if (v->kind == V_BYTES)
            return bytes_cmp(v->s, v->len, l->str, l->str_len);
        if (v->kind == V_STR)
            return str_bytes_cmp(ev, v->s, v->len, l->str, l->str_len);
        return 2;
    }
    if (l->kind == L_TIMESTAMP) {
        kz_time t;
        int r = value_time(ev, v, &t);
        if (r < 0)
            return 3;
        return r ? kz_time_cmp(&t, &l->ts) : 2;
    }
    if (l->kind == L_BOOL)
        return v->kind == V_BOOL ? (v->i > l->i) - (v->i < l->i) : 2;
    return 2;
}

/* Python equality for IN: numbers and booleans compare by value across
 * types (True == 1), strings with strings, bytes with bytes, timestamps
 * with timestamps. */
static int set_eq(pat_eval *ev, const pat_value *v, const pat_lit *l, const kz_time *vt)
{
    if (l->kind == L_TIMESTAMP)
        return vt && kz_time_cmp(vt, &l->ts) == 0;
    if (lit_num(l->kind) || l->kind == L_BOOL)
        return (is_num(v->kind) || v->kind == V_BOOL) && num_cmp(v, l) == 0;
    if (l->kind == L_STRING)
        return v->kind == V_STR && v->len == l->str_len && memcmp(v->s, l->str, v->len) == 0;
    if (lit_bin(l->kind))
        return v->kind == V_BYTES && v->len == l->str_len && memcmp(v->s, l->str, v->len) == 0;
    (void)ev;
    return 0;
}

static int test_in(pat_eval *ev, const pat_cmp *c, const pat_value *v)
{
    kz_time t, *vt = NULL;
    if (c->set_timestamps) {
        int r = value_time(ev, v, &t);
        if (r < 0)
            return -1;
        if (r)
            vt = &t;
    }
    for (size_t i = 0; i < c->n_set; i++)
        if (set_eq(ev, v, &c->set[i], vt))
            return 1;
    return 0;
}

static int test_regex(pat_eval *ev, const pat_cmp *c, const pat_value *v)
{
    if (v->kind == V_BYTES)
        return pat_regex_match(c->re, &ev->md, v->s, v->len, true);
    if (v->kind != V_STR)
        return 0;
    char *nfc = NULL;
    size_t n = 0;
    if (pat_nfc(v->s, v->len, &nfc, &n)) {
        ev->rc = KZ_ENOMEM;
        return -1;
    }
    int r = pat_regex_match(c->re, &ev->md, nfc ? nfc : v->s, nfc ? n : v->len, false);
    free(nfc);
    return r;
}

static int test_cidr(pat_eval *ev, const pat_cmp *c, const pat_value *v)
{
    if (v->kind != V_STR)
        return 0;
    if (!c->cidr->ok) {
        fail2(ev, "invalid CIDR block '", c->lit.str, c->lit.str_len, "'");
        return -1;
    }
    pat_cidr val;
    if (!pat_cidr_parse(v->s, v->len, &val))
        return 0; /* a value that is not an address: no match (the reference raises) */
    return c->op == OP_ISSUBSET ? pat_cidr_contains(c->cidr, &val) : pat_cidr_contains(&val, c->cidr);
}

int pat_test_value(pat_eval *ev, const pat_cmp *c, const pat_value *v)
{
    int r;
    switch (c->op) {
    case OP_EXISTS:
        return 1;
    case OP_EQ:
    case OP_NEQ: {
        int o = order(ev, v, &c->lit);
        if (o == 3)
            return -1;
        r = o == 0;
        if (c->op == OP_NEQ)
            r = !r;
        break;
    }
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        int o = order(ev, v, &c->lit);
        if (o == 3)
            return -1;
        if (o == 2)
            r = 0;
        else
            r = c->op == OP_LT ? o < 0 : c->op == OP_LE ? o <= 0 : c->op == OP_GT ? o > 0 : o >= 0;
        break;
    }
    case OP_IN:
        r = test_in(ev, c, v);
        break;
    case OP_LIKE:
    case OP_MATCHES:
        r = test_regex(ev, c, v);
        break;
    case OP_ISSUBSET:
    case OP_ISSUPERSET:
        r = test_cidr(ev, c, v);
        break;
    default:
        r = 0;
        break;
    }
    if (r < 0) {
        if (!ev->rc)
            ev->rc = KZ_EINTERNAL;
        return -1;
    }
    return c->negated ? !r : r;
}

/* ---- comparison expressions ---- */

static bool test_fn(pat_eval *ev, const pat_value *v, void *user)
{
    int r = pat_test_value(ev, (const pat_cmp *)user, v);
    return r != 0; /* stop on a passing value or on error */
}

static bool cmp_root(pat_eval *ev, const pat_cmp *c, const pat_sdo *sdo, const pat_root *root)
{
    switch (c->kind) {
    case C_GROUP:
        return cmp_root(ev, c->l, sdo, root);
    case C_AND:
        for (size_t i = 0; i < c->n_kids; i++)
            if (!cmp_root(ev, c->kids[i], sdo, root) || ev->rc)
                return false;
        return true;
    case C_OR:
        for (size_t i = 0; i < c->n_kids; i++) {
            if (cmp_root(ev, c->kids[i], sdo, root))
                return !ev->rc;
            if (ev->rc)
                return false;
        }
        return false;
    case C_TEST:
        break;
    }
    if (!root->type || strcmp(root->type, c->path.type) != 0)
        return false;
    bool stopped = pat_walk_path(ev, sdo, &c->path, root->obj, test_fn, (void *)c);
    return stopped && !ev->rc;
}

bool pat_eval_sdo(pat_eval *ev, const pat_cmp *c, const pat_sdo *sdo)
{
    kz_arena_reset(ev->scratch);
    for (size_t i = 0; i < sdo->n_roots; i++) {
        if (cmp_root(ev, c, sdo, &sdo->roots[i]))
            return true;
        if (ev->rc)
            return false;
    }
    return false;
}
