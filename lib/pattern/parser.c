/* parser.c - hand-written recursive-descent parser for STIX patterns (the
 * grammar of oasis-open's STIXPattern.g4, 2.1 and 2.0 flavours) producing an
 * arena-allocated AST, with errors that give the offset and what was
 * expected. AND/OR/FOLLOWEDBY chains become n-ary nodes, so a pattern with
 * thousands of OR'ed hashes needs no deep recursion; only parentheses and
 * qualifiers nest, and they are capped by KZ_PATTERN_MAX_DEPTH. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "pattern_int.h"

typedef struct parser {
    pat_lexer lx;
    pat_token tok;
    kz_arena *a;
    kz_pattern *p;
    kz_pattern_error *err;
    kz_err rc;
    unsigned depth;
    pat_obs **leaves; /* heap vector, copied into the arena at the end */
    size_t n_leaves, cap_leaves;
} parser;

void pat_set_error(kz_pattern_error *err, const char *text, size_t len, size_t off,
                   const char *fmt, ...)
{
    if (!err)
        return;
    if (off > len)
        off = len;
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            col++;
        }
    }
    err->offset = off;
    err->line = line;
    err->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

static void next(parser *ps) { pat_lex_next(&ps->lx, &ps->tok); }

/* Records a syntax error at the current token (the first error wins). */
static void fail_expected(parser *ps, const char *what, const char *context)
{
    if (ps->rc)
        return;
    ps->rc = KZ_EPARSE;
    const pat_token *t = &ps->tok;
    if (t->type == T_EOF) {
        pat_set_error(ps->err, ps->lx.s, ps->lx.len, t->off, "expected %s%s%s, found end of pattern",
                      what, context ? " " : "", context ? context : "");
    } else {
        int show = t->len > 24 ? 24 : (int)t->len;
        pat_set_error(ps->err, ps->lx.s, ps->lx.len, t->off, "expected %s%s%s, found '%.*s'", what,
                      context ? " " : "", context ? context : "", show, ps->lx.s + t->off);
    }
}

static void fail_at(parser *ps, kz_err rc, size_t off, const char *msg)
{
    if (ps->rc)
        return;
    ps->rc = rc;
    pat_set_error(ps->err, ps->lx.s, ps->lx.len, off, "%s", msg);
}

static void *node(parser *ps, size_t size)
{
    void *n = kz_arena_calloc(ps->a, 1, size);
    if (!n && !ps->rc) {
        ps->rc = KZ_ENOMEM;
        pat_set_error(ps->err, ps->lx.s, ps->lx.len, ps->tok.off, "out of memory");
    }
    return n;
}

/* A growable vector of pointers on the heap; moved into the arena when done. */
typedef struct ptrvec {
    void **v;
    size_t n, cap;
} ptrvec;

static int vec_push(parser *ps, ptrvec *pv, void *x)
{
    if (pv->n == pv->cap) {
        size_t nc = pv->cap ? pv->cap * 2 : 8;
        void **nv = kz_realloc(pv->v, nc * sizeof *nv);
        if (!nv) {
            fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory");
            return -1;
        }
        pv->v = nv;
        pv->cap = nc;
    }
    pv->v[pv->n++] = x;
    return 0;
}

static void **vec_to_arena(parser *ps, ptrvec *pv)
{
    void **out = kz_arena_alloc(ps->a, pv->n * sizeof *out);
    if (!out)
        fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory");
    else
        memcpy(out, pv->v, pv->n * sizeof *out);
    kz_free(pv->v);
    pv->v = NULL;
    return out;
}

static int enter(parser *ps)
{
    if (++ps->depth > KZ_PATTERN_MAX_DEPTH) {
        fail_at(ps, KZ_ETOOBIG, ps->tok.off, "pattern nests too deeply");
        return -1;
    }
    return 0;
}

/* Decodes the current token as a literal into *lit and advances. */
static int take_literal(parser *ps, pat_lit *lit)
{
    kz_err rc = pat_lit_decode(ps->a, lit, ps->tok.type, ps->lx.s + ps->tok.off, ps->tok.len);
    if (rc) {
        fail_at(ps, rc, ps->tok.off, rc == KZ_ENOMEM ? "out of memory" : "invalid literal");
        return -1;
    }
    next(ps);
    return 0;
}

static int is_orderable(pat_tok t)
{
    return t == T_INT_POS || t == T_INT_NEG || t == T_FLOAT_POS || t == T_FLOAT_NEG ||
           t == T_STRING || t == T_BINARY || t == T_HEX || t == T_TIMESTAMP;
}

static uint8_t key_suffix(const char *k, size_t n)
{
    if (n >= 4 && memcmp(k + n - 4, "_hex", 4) == 0)
        return SUF_HEX;
    if (n >= 4 && memcmp(k + n - 4, "_bin", 4) == 0)
        return SUF_BIN;
    if (n >= 4 && memcmp(k + n - 4, "_ref", 4) == 0)
        return SUF_REF;
    if (n >= 5 && memcmp(k + n - 5, "_refs", 5) == 0)
        return SUF_REFS;
    return SUF_NONE;
}

/* A key step from the current IDENT or STRING token. */
static int take_key(parser *ps, pat_step *st)
{
    st->kind = S_KEY;
    if (ps->tok.type == T_IDENT) {
        st->key = kz_arena_strndup(ps->a, ps->lx.s + ps->tok.off, ps->tok.len);
        st->key_len = ps->tok.len;
        if (!st->key)
            return fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory"), -1;
        next(ps);
    } else {
        pat_lit lit;
        if (take_literal(ps, &lit))
            return -1;
        st->key = lit.str;
        st->key_len = lit.str_len;
        st->quoted = true;
    }
    st->suffix = key_suffix(st->key, st->key_len);
    return 0;
}

static int parse_path(parser *ps, pat_path *path)
{
    if (ps->tok.type != T_IDENT && ps->tok.type != T_IDENT_HYPH) {
        fail_expected(ps, "an object type", "(such as file or network-traffic)");
        return -1;
    }
    path->type = kz_arena_strndup(ps->a, ps->lx.s + ps->tok.off, ps->tok.len);
    path->type_len = ps->tok.len;
    if (!path->type)
        return fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory"), -1;
    next(ps);
    if (ps->tok.type != T_COLON) {
        fail_expected(ps, "':'", "after the object type");
        return -1;
    }
    next(ps);
    pat_step steps[64];
    pat_step *heap = NULL;
    size_t n = 0, cap = 64;
    pat_step *v = steps;
    for (;;) {
        pat_step st = {0};
        if (n == 0) {
            if (ps->tok.type != T_IDENT && ps->tok.type != T_STRING) {
                fail_expected(ps, "a property name", "after ':'");
                goto fail;
            }
            if (take_key(ps, &st))
                goto fail;
        } else if (ps->tok.type == T_DOT) {
            next(ps);
            if (ps->tok.type != T_IDENT && ps->tok.type != T_STRING) {
                fail_expected(ps, "a property name", "after '.'");
                goto fail;
            }
            if (take_key(ps, &st))
                goto fail;
        } else if (ps->tok.type == T_LBRACK) {
            next(ps);
            if (ps->tok.type == T_ASTERISK) {
                st.kind = S_STAR;
                next(ps);
            } else if (ps->tok.type == T_INT_POS || ps->tok.type == T_INT_NEG) {
                pat_lit lit;
                if (take_literal(ps, &lit))
                    goto fail;
                st.kind = S_INDEX;
                st.index = lit.int_exact ? lit.i : INT64_MAX;
            } else {
                fail_expected(ps, "a list index or '*'", "after '['");
                goto fail;
            }
            if (ps->tok.type != T_RBRACK) {
                fail_expected(ps, "']'", "after the list index");
                goto fail;
            }
            next(ps);
        } else {
            break;
        }
        if (n == cap) {
            pat_step *nv = kz_realloc(heap, cap * 2 * sizeof *nv);
            if (!nv) {
                fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory");
                goto fail;
            }
            if (!heap)
                memcpy(nv, steps, n * sizeof *nv);
            heap = v = nv;
            cap *= 2;
        }
        v[n++] = st;
    }
    path->steps = kz_arena_alloc(ps->a, n * sizeof *path->steps);
    if (!path->steps) {
        fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory");
        goto fail;
    }
    memcpy(path->steps, v, n * sizeof *v);
    path->n_steps = n;
    kz_free(heap);
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_err rc = pat_print_path(&b, path);
    if (!rc) {
        path->text = kz_arena_strndup(ps->a, b.data ? b.data : "", b.len);
        if (!path->text)
            rc = KZ_ENOMEM;
    }
    kz_buf_release(&b);
    if (rc) {
        fail_at(ps, rc, ps->tok.off, "out of memory");
        return -1;
    }
    return 0;
fail:
    kz_free(heap);
    return -1;
}

static const struct {
    pat_tok tok;
    pat_op op;
} op_table[] = {
    {T_EQ, OP_EQ},         {T_NEQ, OP_NEQ},       {T_LT, OP_LT},
    {T_LE, OP_LE},         {T_GT, OP_GT},         {T_GE, OP_GE},
    {T_IN, OP_IN},         {T_LIKE, OP_LIKE},     {T_MATCHES, OP_MATCHES},
    {T_ISSUBSET, OP_ISSUBSET}, {T_ISSUPERSET, OP_ISSUPERSET},
};

static int parse_set(parser *ps, pat_cmp *c)
{
    if (ps->tok.type != T_LPAREN) {
        fail_expected(ps, "'('", "to open the IN set");
        return -1;
    }
    next(ps);
    pat_lit *v = NULL;
    size_t n = 0, cap = 0;
    if (ps->tok.type != T_RPAREN) {
        for (;;) {
            if (!is_orderable(ps->tok.type) && ps->tok.type != T_BOOL) {
                fail_expected(ps, "a literal", "in the IN set");
                goto fail;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                pat_lit *nv = kz_realloc(v, cap * sizeof *nv);
                if (!nv) {
                    fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory");
                    goto fail;
                }
                v = nv;
            }
            if (take_literal(ps, &v[n]))
                goto fail;
            n++;
            if (ps->tok.type == T_COMMA) {
                next(ps);
                continue;
            }
            if (ps->tok.type != T_RPAREN) {
                fail_expected(ps, "',' or ')'", "in the IN set");
                goto fail;
            }
            break;
        }
    }
    next(ps);
    c->set = kz_arena_alloc(ps->a, (n ? n : 1) * sizeof *c->set);
    if (!c->set) {
        fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory");
        goto fail;
    }
    if (n)
        memcpy(c->set, v, n * sizeof *v);
    c->n_set = n;
    kz_free(v);
    /* Homogeneous: one kind, except that integers and floats mix; h'' and
     * b'' are both binary. */
    for (size_t i = 1; i < n; i++) {
        pat_lit_kind a = c->set[0].kind, b = c->set[i].kind;
        if (a == L_HEX)
            a = L_BINARY;
        if (b == L_HEX)
            b = L_BINARY;
        int num_a = a == L_INT || a == L_FLOAT, num_b = b == L_INT || b == L_FLOAT;
        if (a != b && !(num_a && num_b))
            c->set_mixed = true;
    }
    c->set_timestamps = n > 0 && c->set[0].kind == L_TIMESTAMP;
    return 0;
fail:
    kz_free(v);
    return -1;
}

static pat_cmp *parse_cmp_or(parser *ps);

static pat_cmp *parse_prop_test(parser *ps)
{
    size_t off = ps->tok.off;
    if (ps->tok.type == T_LPAREN) {
        if (enter(ps))
            return NULL;
        next(ps);
        pat_cmp *inner = parse_cmp_or(ps);
        if (!inner)
            return NULL;
        if (ps->tok.type != T_RPAREN) {
            fail_expected(ps, "')'", "after the comparison expression");
            return NULL;
        }
        next(ps);
        ps->depth--;
        pat_cmp *g = node(ps, sizeof *g);
        if (!g)
            return NULL;
        g->kind = C_GROUP;
        g->off = off;
        g->l = inner;
        return g;
    }
    pat_cmp *c = node(ps, sizeof *c);
    if (!c)
        return NULL;
    c->kind = C_TEST;
    c->off = off;
    if (ps->tok.type == T_EXISTS) {
        next(ps);
        c->op = OP_EXISTS;
        c->op_text = "EXISTS";
        if (parse_path(ps, &c->path))
            return NULL;
        return c;
    }
    if (parse_path(ps, &c->path))
        return NULL;
    if (ps->tok.type == T_NOT) {
        c->negated = true;
        next(ps);
    }
    size_t k = 0;
    for (; k < sizeof op_table / sizeof op_table[0]; k++)
        if (op_table[k].tok == ps->tok.type)
            break;
    if (k == sizeof op_table / sizeof op_table[0]) {
        fail_expected(ps, "a comparison operator", "after the object path");
        return NULL;
    }
    c->op = op_table[k].op;
    c->op_text = kz_arena_strndup(ps->a, ps->lx.s + ps->tok.off, ps->tok.len);
    if (!c->op_text)
        return fail_at(ps, KZ_ENOMEM, ps->tok.off, "out of memory"), NULL;
    next(ps);
    switch (c->op) {
    case OP_EQ:
    case OP_NEQ:
        if (!is_orderable(ps->tok.type) && ps->tok.type != T_BOOL) {
            fail_expected(ps, "a literal", "after the operator");
            return NULL;
        }
        break;
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        if (!is_orderable(ps->tok.type)) {
            fail_expected(ps, "an orderable literal", "after the operator");
            return NULL;
        }
        break;
    case OP_IN:
        return parse_set(ps, c) ? NULL : c;
    default:
        if (ps->tok.type != T_STRING) {
            fail_expected(ps, "a string literal", "after the operator");
            return NULL;
        }
        break;
    }
    if (take_literal(ps, &c->lit))
        return NULL;
    if (c->op == OP_LIKE || c->op == OP_MATCHES) {
        char msg[120];
        kz_err rc = pat_regex_compile(ps->p, c, msg, sizeof msg);
        if (rc) {
            fail_at(ps, rc, off, msg);
            return NULL;
        }
    } else if (c->op == OP_ISSUBSET || c->op == OP_ISSUPERSET) {
        c->cidr = node(ps, sizeof *c->cidr);
        if (!c->cidr)
            return NULL;
        pat_cidr_parse(c->lit.str, c->lit.str_len, c->cidr);
    }
    return c;
}

/* AND / OR chains of comparisons, n-ary. */
static pat_cmp *parse_cmp_chain(parser *ps, pat_tok op, pat_cmp_kind kind,
                                pat_cmp *(*sub)(parser *))
{
    size_t off = ps->tok.off;
    pat_cmp *first = sub(ps);
    if (!first || ps->tok.type != op)
        return first;
    ptrvec pv = {0};
    if (vec_push(ps, &pv, first))
        goto fail;
    while (ps->tok.type == op) {
        next(ps);
        pat_cmp *k = sub(ps);
        if (!k || vec_push(ps, &pv, k))
            goto fail;
    }
    pat_cmp *c = node(ps, sizeof *c);
    if (!c)
        goto fail;
    c->kind = kind;
    c->off = off;
    c->n_kids = pv.n;
    c->kids = (pat_cmp **)vec_to_arena(ps, &pv);
    return c->kids ? c : NULL;
fail:
    kz_free(pv.v);
    return NULL;
}

static pat_cmp *parse_cmp_and(parser *ps) { return parse_cmp_chain(ps, T_AND, C_AND, parse_prop_test); }
static pat_cmp *parse_cmp_or(parser *ps) { return parse_cmp_chain(ps, T_OR, C_OR, parse_cmp_and); }

static pat_obs *parse_obs_fb(parser *ps);

/* WITHIN n in nanoseconds, rounded up; 0 if not positive. */
static int64_t within_ns(const pat_lit *l)
{
    double s = l->kind == L_INT ? (double)l->i : l->d;
    if (!(s > 0))
        return 0;
    if (s > 9.2e9)
        return INT64_MAX;
    double ns = s * 1e9;
    int64_t v = (int64_t)ns;
    if ((double)v < ns)
        v++;
    return v;
}

static pat_obs *qualify(parser *ps, pat_obs *inner)
{
    for (;;) {
        pat_tok t = ps->tok.type;
        if (t != T_WITHIN && t != T_REPEATS && t != T_START)
            return inner;
        if (enter(ps))
            return NULL;
        pat_obs *q = node(ps, sizeof *q);
        if (!q)
            return NULL;
        q->off = ps->tok.off;
        q->l = inner;
        next(ps);
        if (t == T_WITHIN) {
            q->kind = O_WITHIN;
            if (ps->tok.type != T_INT_POS && ps->tok.type != T_FLOAT_POS) {
                fail_expected(ps, "a positive number", "after WITHIN");
                return NULL;
            }
            if (take_literal(ps, &q->q1))
                return NULL;
            if (ps->tok.type != T_SECONDS) {
                fail_expected(ps, "'SECONDS'", "after the WITHIN value");
                return NULL;
            }
            next(ps);
            q->within_ns = within_ns(&q->q1);
        } else if (t == T_REPEATS) {
            q->kind = O_REPEATS;
            if (ps->tok.type != T_INT_POS) {
                fail_expected(ps, "a positive integer", "after REPEATS");
                return NULL;
            }
            if (take_literal(ps, &q->q1))
                return NULL;
            if (ps->tok.type != T_TIMES) {
                fail_expected(ps, "'TIMES'", "after the REPEATS count");
                return NULL;
            }
            next(ps);
        } else {
            q->kind = O_STARTSTOP;
            /* 2.1 takes timestamp literals; 2.0 took strings holding a timestamp. */
            int ok = ps->tok.type == T_TIMESTAMP || (ps->lx.version < 21 && ps->tok.type == T_STRING);
            if (!ok) {
                fail_expected(ps, "a timestamp literal", "after START");
                return NULL;
            }
            if (take_literal(ps, &q->q1))
                return NULL;
            if (ps->tok.type != T_STOP) {
                fail_expected(ps, "'STOP'", "after the START timestamp");
                return NULL;
            }
            next(ps);
            ok = ps->tok.type == T_TIMESTAMP || (ps->lx.version < 21 && ps->tok.type == T_STRING);
            if (!ok) {
                fail_expected(ps, "a timestamp literal", "after STOP");
                return NULL;
            }
            if (take_literal(ps, &q->q2))
                return NULL;
            q->startstop_ok = true;
            const pat_lit *ls[2] = {&q->q1, &q->q2};
            kz_time *ts[2] = {&q->start, &q->stop};
            for (int i = 0; i < 2; i++) {
                if (ls[i]->kind == L_TIMESTAMP) {
                    *ts[i] = ls[i]->ts;
                    if (!ls[i]->ts_ok)
                        q->startstop_ok = false;
                } else if (kz_time_parse(ls[i]->str, ls[i]->str_len, KZ_TIME_STRICT, ts[i])) {
                    q->startstop_ok = false;
                }
            }
        }
        inner = q;
    }
}

static pat_obs *parse_obs_primary(parser *ps)
{
    size_t off = ps->tok.off;
    pat_obs *o;
    if (ps->tok.type == T_LBRACK) {
        if (enter(ps))
            return NULL;
        next(ps);
        pat_cmp *c = parse_cmp_or(ps);
        if (!c)
            return NULL;
        if (ps->tok.type != T_RBRACK) {
            fail_expected(ps, "']'", "after comparison expression");
            return NULL;
        }
        next(ps);
        ps->depth--;
        o = node(ps, sizeof *o);
        if (!o)
            return NULL;
        o->kind = O_SIMPLE;
        o->off = off;
        o->cmp = c;
        if (ps->n_leaves == ps->cap_leaves) {
            size_t nc = ps->cap_leaves ? ps->cap_leaves * 2 : 8;
            pat_obs **nv = kz_realloc(ps->leaves, nc * sizeof *nv);
            if (!nv)
                return fail_at(ps, KZ_ENOMEM, off, "out of memory"), NULL;
            ps->leaves = nv;
            ps->cap_leaves = nc;
        }
        o->leaf = ps->n_leaves;
        ps->leaves[ps->n_leaves++] = o;
    } else if (ps->tok.type == T_LPAREN) {
        if (enter(ps))
            return NULL;
        next(ps);
        pat_obs *inner = parse_obs_fb(ps);
        if (!inner)
            return NULL;
        if (ps->tok.type != T_RPAREN) {
            fail_expected(ps, "')'", "after observation expression");
            return NULL;
        }
        next(ps);
        ps->depth--;
        o = node(ps, sizeof *o);
        if (!o)
            return NULL;
        o->kind = O_GROUP;
        o->off = off;
        o->l = inner;
    } else {
        fail_expected(ps, "'['", "to open an observation expression");
        return NULL;
    }
    unsigned saved = ps->depth;
    o = qualify(ps, o);
    ps->depth = saved;
    return o;
}

static pat_obs *parse_obs_chain(parser *ps, pat_tok op, pat_obs_kind kind,
                                pat_obs *(*sub)(parser *))
{
    size_t off = ps->tok.off;
    pat_obs *first = sub(ps);
    if (!first || ps->tok.type != op)
        return first;
    ptrvec pv = {0};
    if (vec_push(ps, &pv, first))
        goto fail;
    while (ps->tok.type == op) {
        next(ps);
        pat_obs *k = sub(ps);
        if (!k || vec_push(ps, &pv, k))
            goto fail;
    }
    pat_obs *o = node(ps, sizeof *o);
    if (!o)
        goto fail;
    o->kind = kind;
    o->off = off;
    o->n_kids = pv.n;
    o->kids = (pat_obs **)vec_to_arena(ps, &pv);
    return o->kids ? o : NULL;
fail:
    kz_free(pv.v);
    return NULL;
}

static pat_obs *parse_obs_and(parser *ps) { return parse_obs_chain(ps, T_AND, O_AND, parse_obs_primary); }
static pat_obs *parse_obs_or(parser *ps) { return parse_obs_chain(ps, T_OR, O_OR, parse_obs_and); }
static pat_obs *parse_obs_fb(parser *ps)
{
    return parse_obs_chain(ps, T_FOLLOWEDBY, O_FOLLOWEDBY, parse_obs_or);
}

kz_err pat_parse(const char *text, size_t len, int version, kz_pattern **out, kz_pattern_error *err)
{
    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    if (!text && len)
        return KZ_EINVAL;
    if (len > KZ_PATTERN_MAX_LEN) {
        pat_set_error(err, "", 0, 0, "pattern longer than %u bytes", KZ_PATTERN_MAX_LEN);
        return KZ_ETOOBIG;
    }
    kz_pattern *p = kz_calloc(1, sizeof *p);
    if (!p)
        return KZ_ENOMEM;
    /* Sized to the pattern: an indicator set holds 100k+ compiled patterns,
     * and a 16 KiB default block each would be 1.6 GB for small ASTs. */
    size_t block = 1024 + (len < 8192 ? len * 8 : 65536);
    p->arena = kz_arena_new(block);
    if (!p->arena) {
        kz_free(p);
        return KZ_ENOMEM;
    }
    p->version = version < 21 ? 20 : 21;
    p->text = kz_arena_strndup(p->arena, text ? text : "", len);
    p->text_len = len;
    parser ps = {.lx = {.s = p->text, .len = len, .version = p->version},
                 .a = p->arena, .p = p, .err = err};
    if (!p->text) {
        ps.rc = KZ_ENOMEM;
        goto done;
    }
    next(&ps);
    p->root = parse_obs_fb(&ps);
    if (!ps.rc && ps.tok.type != T_EOF) {
        const char *ctx = ps.tok.type == T_IDENT || ps.tok.type == T_IDENT_HYPH
                              ? "(keywords are upper case)" : NULL;
        fail_expected(&ps, "'AND', 'OR', 'FOLLOWEDBY', a qualifier or the end of the pattern", ctx);
    }
    if (!ps.rc) {
        p->leaves = kz_arena_alloc(p->arena, (ps.n_leaves ? ps.n_leaves : 1) * sizeof *p->leaves);
        if (!p->leaves)
            ps.rc = KZ_ENOMEM;
        else if (ps.n_leaves)
            memcpy(p->leaves, ps.leaves, ps.n_leaves * sizeof *p->leaves);
        p->n_leaves = ps.n_leaves;
    }
done:
    kz_free(ps.leaves);
    if (ps.rc) {
        if (ps.rc == KZ_ENOMEM && err && !err->msg[0])
            pat_set_error(err, text, len, 0, "out of memory");
        kz_pattern_free(p);
        return ps.rc;
    }
    *out = p;
    return KZ_OK;
}

void kz_pattern_free(kz_pattern *p)
{
    if (!p)
        return;
    pat_regex_free_all(p);
    kz_arena_free(p->arena);
    kz_free(p);
}

kz_err kz_pattern_parse(const char *text, size_t len, int stix_version, kz_pattern **out,
                        kz_pattern_error *err)
{
    return pat_parse(text, len, stix_version, out, err);
}

kz_err kz_pattern_check(const char *text, size_t len, int stix_version, kz_pattern_error *err)
{
    kz_pattern *p = NULL;
    kz_err rc = pat_parse(text, len, stix_version, &p, err);
    if (rc)
        return rc;
    rc = pat_check_semantics(p, err);
    kz_pattern_free(p);
    return rc;
}

kz_err kz_pattern_validate(const kz_pattern *p, kz_pattern_error *err)
{
    return pat_check_semantics(p, err);
}

bool kz_pattern_is_simple(const kz_pattern *p)
{
    return p && p->root && p->root->kind == O_SIMPLE;
}
