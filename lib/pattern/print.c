/* print.c - the AST back to pattern text in a canonical form: single
 * spaces, canonical operator spellings ("==" prints as "="), literals as
 * written, and the grouping the parser saw. Printing a parsed pattern and
 * parsing the result gives the same text again (the fuzz target's property). */
#include <string.h>

#include "pattern_int.h"

static const char *const op_names[] = {
    [OP_EQ] = "=", [OP_NEQ] = "!=", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
    [OP_IN] = "IN", [OP_LIKE] = "LIKE", [OP_MATCHES] = "MATCHES", [OP_ISSUBSET] = "ISSUBSET",
    [OP_ISSUPERSET] = "ISSUPERSET", [OP_EXISTS] = "EXISTS",
};

static kz_err put_quoted(kz_buf *b, const char *s, size_t n)
{
    kz_err rc = kz_buf_append_char(b, '\'');
    for (size_t i = 0; !rc && i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            rc = kz_buf_append_char(b, '\\');
        if (!rc)
            rc = kz_buf_append_char(b, s[i]);
    }
    if (!rc)
        rc = kz_buf_append_char(b, '\'');
    return rc;
}

kz_err pat_print_path(kz_buf *b, const pat_path *path)
{
    kz_err rc = kz_buf_append(b, path->type, path->type_len);
    if (!rc)
        rc = kz_buf_append_char(b, ':');
    for (size_t i = 0; !rc && i < path->n_steps; i++) {
        const pat_step *st = &path->steps[i];
        if (st->kind == S_KEY) {
            if (i > 0)
                rc = kz_buf_append_char(b, '.');
            if (!rc)
                rc = st->quoted ? put_quoted(b, st->key, st->key_len)
                                : kz_buf_append(b, st->key, st->key_len);
        } else if (st->kind == S_STAR) {
            rc = kz_buf_append(b, "[*]", 3);
        } else {
            rc = kz_buf_printf(b, "[%lld]", (long long)st->index);
        }
    }
    return rc;
}

kz_err pat_print_cmp(kz_buf *b, const pat_cmp *c)
{
    kz_err rc = KZ_OK;
    switch (c->kind) {
    case C_GROUP:
        rc = kz_buf_append_char(b, '(');
        if (!rc)
            rc = pat_print_cmp(b, c->l);
        if (!rc)
            rc = kz_buf_append_char(b, ')');
        return rc;
    case C_AND:
    case C_OR:
        for (size_t i = 0; !rc && i < c->n_kids; i++) {
            if (i)
                rc = kz_buf_append_str(b, c->kind == C_AND ? " AND " : " OR ");
            if (!rc)
                rc = pat_print_cmp(b, c->kids[i]);
        }
        return rc;
    case C_TEST:
        break;
    }
    if (c->op == OP_EXISTS) {
        rc = kz_buf_append_str(b, "EXISTS ");
        return rc ? rc : pat_print_path(b, &c->path);
    }
    rc = pat_print_path(b, &c->path);
    if (!rc && c->negated)
        rc = kz_buf_append_str(b, " NOT");
    if (!rc)
        rc = kz_buf_printf(b, " %s ", op_names[c->op]);
    if (rc)
        return rc;
    if (c->op != OP_IN)
        return kz_buf_append(b, c->lit.text, c->lit.text_len);
    rc = kz_buf_append_char(b, '(');
    for (size_t i = 0; !rc && i < c->n_set; i++) {
        if (i)
            rc = kz_buf_append(b, ", ", 2);
        if (!rc)
            rc = kz_buf_append(b, c->set[i].text, c->set[i].text_len);
    }
    if (!rc)
        rc = kz_buf_append_char(b, ')');
    return rc;
}

static kz_err print_obs(kz_buf *b, const pat_obs *o)
{
    kz_err rc = KZ_OK;
    switch (o->kind) {
    case O_SIMPLE:
        rc = kz_buf_append_char(b, '[');
        if (!rc)
            rc = pat_print_cmp(b, o->cmp);
        return rc ? rc : kz_buf_append_char(b, ']');
    case O_GROUP:
        rc = kz_buf_append_char(b, '(');
        if (!rc)
            rc = print_obs(b, o->l);
        return rc ? rc : kz_buf_append_char(b, ')');
    case O_AND:
    case O_OR:
    case O_FOLLOWEDBY: {
        const char *sep = o->kind == O_AND ? " AND " : o->kind == O_OR ? " OR " : " FOLLOWEDBY ";
        for (size_t i = 0; !rc && i < o->n_kids; i++) {
            if (i)
                rc = kz_buf_append_str(b, sep);
            if (!rc)
                rc = print_obs(b, o->kids[i]);
        }
        return rc;
    }
    case O_WITHIN:
    case O_REPEATS:
    case O_STARTSTOP:
        /* Literal texts go by length: a string literal may hold a NUL. */
        rc = print_obs(b, o->l);
        if (!rc)
            rc = kz_buf_append_str(b, o->kind == O_WITHIN ? " WITHIN " : o->kind == O_REPEATS ? " REPEATS " : " START ");
        if (!rc)
            rc = kz_buf_append(b, o->q1.text, o->q1.text_len);
        if (!rc && o->kind == O_STARTSTOP) {
            rc = kz_buf_append_str(b, " STOP ");
            if (!rc)
                rc = kz_buf_append(b, o->q2.text, o->q2.text_len);
        }
        if (!rc && o->kind != O_STARTSTOP)
            rc = kz_buf_append_str(b, o->kind == O_WITHIN ? " SECONDS" : " TIMES");
        return rc;
    }
    return KZ_EINTERNAL;
}

kz_err kz_pattern_print(const kz_pattern *p, kz_buf *b)
{
    if (!p || !p->root)
        return KZ_EINVAL;
    return print_obs(b, p->root);
}
