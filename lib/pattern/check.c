/* check.c - the semantic rules kz_pattern_check applies after the grammar:
 * no doubled qualifier of one kind directly on an observation expression
 * (STIX 2.1), qualifier values in range, START before STOP, hash values of
 * the right form for well-known hash names, IN sets of one type. These are
 * the rules of the OASIS validator plus the ranges the specification gives;
 * evaluation does not need them (the reference matcher evaluates such
 * patterns), so kz_pattern_parse leaves them to this file. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pattern_int.h"

typedef struct checker {
    const kz_pattern *p;
    kz_pattern_error *err;
    kz_err rc;
} checker;

static void fail(checker *ck, size_t off, const char *msg)
{
    if (ck->rc)
        return;
    ck->rc = KZ_EINVALID;
    pat_set_error(ck->err, ck->p->text, ck->p->text_len, off, "%s", msg);
}

/* Hash names (upper case, hyphens removed) and the lengths of hex digits
 * their values have; SSDEEP has its own alphabet. */
static const struct {
    const char *name;
    unsigned len;
} hash_forms[] = {
    {"MD5", 32},      {"MD6", 0},       {"RIPEMD160", 40}, {"SHA1", 40},     {"SHA224", 56},
    {"SHA256", 64},   {"SHA384", 96},   {"SHA512", 128},   {"SHA3224", 56},  {"SHA3256", 64},
    {"SHA3384", 96},  {"SHA3512", 128}, {"SSDEEP", 1},     {"WHIRLPOOL", 128},
};

static bool hash_value_ok(unsigned form, const char *v, size_t n)
{
    if (form == 1) { /* SSDEEP */
        if (n < 1 || n > 128)
            return false;
        for (size_t i = 0; i < n; i++)
            if (!isalnum((unsigned char)v[i]) && !strchr("/+:.", v[i]))
                return false;
        return true;
    }
    size_t hex = 0;
    while (hex < n && isxdigit((unsigned char)v[hex]))
        hex++;
    if (form == 0) /* MD6: the validator's expression accepts any value starting with 32 hex digits */
        return hex >= 32;
    return hex == n && n == form;
}

static void check_hash(checker *ck, const pat_cmp *c)
{
    if (c->op != OP_EQ && c->op != OP_NEQ)
        return;
    const pat_path *p = &c->path;
    bool in_hashes = false;
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i].kind == S_KEY && p->steps[i].key_len == 6 && memcmp(p->steps[i].key, "hashes", 6) == 0)
            in_hashes = true;
    const pat_step *last = &p->steps[p->n_steps - 1];
    if (!in_hashes || last->kind != S_KEY)
        return;
    char name[32];
    size_t n = 0;
    for (size_t i = 0; i < last->key_len; i++) {
        if (last->key[i] == '-' || last->key[i] == '\'')
            continue;
        if (n + 1 >= sizeof name)
            return;
        name[n++] = (char)toupper((unsigned char)last->key[i]);
    }
    name[n] = '\0';
    for (size_t k = 0; k < sizeof hash_forms / sizeof hash_forms[0]; k++) {
        if (strcmp(hash_forms[k].name, name) != 0)
            continue;
        const char *v = c->lit.kind == L_STRING ? c->lit.str : c->lit.text;
        size_t vn = c->lit.kind == L_STRING ? c->lit.str_len : c->lit.text_len;
        if (!hash_value_ok(hash_forms[k].len, v, vn)) {
            char shown[80];
            size_t sn = vn < sizeof shown - 1 ? vn : sizeof shown - 1;
            memcpy(shown, v, sn);
            shown[sn] = '\0';
            char msg[160];
            snprintf(msg, sizeof msg, "'%s' is not a valid %s hash", shown, last->key);
            fail(ck, c->off, msg);
        }
        return;
    }
}

static void check_cmp(checker *ck, const pat_cmp *c)
{
    if (ck->rc)
        return;
    switch (c->kind) {
    case C_GROUP:
        check_cmp(ck, c->l);
        return;
    case C_AND:
    case C_OR:
        for (size_t i = 0; i < c->n_kids; i++)
            check_cmp(ck, c->kids[i]);
        return;
    case C_TEST:
        break;
    }
    if (c->op == OP_IN && c->set_mixed)
        fail(ck, c->off, "the IN set mixes literal types");
    check_hash(ck, c);
}

static const char *qual_name(pat_obs_kind k)
{
    return k == O_WITHIN ? "WITHIN" : k == O_REPEATS ? "REPEATS" : "START/STOP";
}

/* 2.1: a chain of qualifiers directly on [ ... ] may not repeat a kind; a
 * parenthesised expression starts a new chain (as in the OASIS validator). */
static void check_qual_chain(checker *ck, const pat_obs *q)
{
    const pat_obs *o = q;
    while (o->kind == O_WITHIN || o->kind == O_REPEATS || o->kind == O_STARTSTOP)
        o = o->l;
    if (o->kind != O_SIMPLE)
        return;
    for (const pat_obs *a = q; a != o; a = a->l)
        for (const pat_obs *b = a->l; b != o; b = b->l)
            if (a->kind == b->kind) {
                char msg[96];
                snprintf(msg, sizeof msg, "duplicate %s qualifier on one observation expression",
                         qual_name(a->kind));
                fail(ck, a->off, msg);
                return;
            }
}

static void check_obs(checker *ck, const pat_obs *o, bool parent_is_qual)
{
    if (ck->rc)
        return;
    switch (o->kind) {
    case O_SIMPLE:
        check_cmp(ck, o->cmp);
        return;
    case O_GROUP:
        check_obs(ck, o->l, false);
        return;
    case O_AND:
    case O_OR:
    case O_FOLLOWEDBY:
        for (size_t i = 0; i < o->n_kids; i++)
            check_obs(ck, o->kids[i], false);
        return;
    case O_WITHIN:
        if (o->within_ns <= 0)
            fail(ck, o->off, "the WITHIN value must be positive");
        break;
    case O_REPEATS:
        if (!o->q1.int_exact || o->q1.i < 1)
            fail(ck, o->off, "the REPEATS count must be a positive integer");
        break;
    case O_STARTSTOP:
        if (ck->p->version < 21 && !o->startstop_ok)
            fail(ck, o->off, "START and STOP must be timestamps");
        else if (o->startstop_ok && kz_time_cmp(&o->start, &o->stop) >= 0)
            fail(ck, o->off, "START must be before STOP");
        break;
    }
    if (ck->p->version >= 21 && !parent_is_qual)
        check_qual_chain(ck, o);
    check_obs(ck, o->l, true);
}

kz_err pat_check_semantics(const kz_pattern *p, kz_pattern_error *err)
{
    checker ck = {.p = p, .err = err};
    check_obs(&ck, p->root, false);
    return ck.rc;
}
