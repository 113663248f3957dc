/* json_value.c - access to, building of, comparison and copying of kz_json
 * values (see include/kizuna/json.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/json.h"

const kz_json *kz_json_get(const kz_json *o, const char *key)
{
    if (!o || o->type != KZ_JSON_OBJECT)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < o->u.obj.n; i++) {
        const kz_json_member *m = &o->u.obj.members[i];
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0)
            return m->value;
    }
    return NULL;
}

const char *kz_json_string(const kz_json *v)
{
    return v && v->type == KZ_JSON_STRING ? v->u.str.ptr : NULL;
}

const char *kz_json_get_string(const kz_json *o, const char *key)
{
    return kz_json_string(kz_json_get(o, key));
}

bool kz_json_int(const kz_json *v, int64_t *out)
{
    if (!v || v->type != KZ_JSON_NUMBER || !v->u.num.is_int)
        return false;
    if (out)
        *out = v->u.num.i;
    return true;
}

const char *kz_json_type_name(const kz_json *v)
{
    if (!v)
        return "missing";
    switch (v->type) {
    case KZ_JSON_NULL: return "null";
    case KZ_JSON_FALSE:
    case KZ_JSON_TRUE: return "boolean";
    case KZ_JSON_NUMBER: return "number";
    case KZ_JSON_STRING: return "string";
    case KZ_JSON_ARRAY: return "array";
    case KZ_JSON_OBJECT: return "object";
    }
    return "unknown";
}

bool kz_json_equal(const kz_json *a, const kz_json *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->type != b->type)
        return false;
    switch (a->type) {
    case KZ_JSON_NULL:
    case KZ_JSON_TRUE:
    case KZ_JSON_FALSE:
        return true;
    case KZ_JSON_NUMBER:
        if (a->u.num.is_int && b->u.num.is_int)
            return a->u.num.i == b->u.num.i;
        return a->u.num.d == b->u.num.d;
    case KZ_JSON_STRING:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
    case KZ_JSON_ARRAY:
        if (a->u.arr.n != b->u.arr.n)
            return false;
        for (size_t i = 0; i < a->u.arr.n; i++)
            if (!kz_json_equal(a->u.arr.items[i], b->u.arr.items[i]))
                return false;
        return true;
    case KZ_JSON_OBJECT:
        if (a->u.obj.n != b->u.obj.n)
            return false;
        for (size_t i = 0; i < a->u.obj.n; i++) {
            const kz_json_member *m = &a->u.obj.members[i];
            const kz_json *other = NULL;
            for (size_t j = 0; j < b->u.obj.n; j++) {
                const kz_json_member *n = &b->u.obj.members[j];
                if (n->key_len == m->key_len && memcmp(n->key, m->key, m->key_len) == 0) {
                    other = n->value;
                    break;
                }
            }
            if (!other || !kz_json_equal(m->value, other))
                return false;
        }
        return true;
    }
    return false;
}

static kz_json *new_val(kz_arena *a, kz_json_type t)
{
    kz_json *v = kz_arena_calloc(a, 1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

kz_json *kz_json_new_null(kz_arena *a)
{
    return new_val(a, KZ_JSON_NULL);
}

kz_json *kz_json_new_bool(kz_arena *a, bool b)
{
    return new_val(a, b ? KZ_JSON_TRUE : KZ_JSON_FALSE);
}

kz_json *kz_json_new_int(kz_arena *a, int64_t i)
{
    kz_json *v = new_val(a, KZ_JSON_NUMBER);
    if (!v)
        return NULL;
    v->u.num.text = kz_arena_printf(a, "%lld", (long long)i);
    if (!v->u.num.text)
        return NULL;
    v->u.num.len = strlen(v->u.num.text);
    v->u.num.i = i;
    v->u.num.d = (double)i;
    v->u.num.is_int = true;
    return v;
}

kz_json *kz_json_new_double(kz_arena *a, double d)
{
    if (!isfinite(d))
        return NULL;
    kz_json *v = new_val(a, KZ_JSON_NUMBER);
    if (!v)
        return NULL;
    v->u.num.text = kz_arena_printf(a, "%.17g", d);
    if (!v->u.num.text)
        return NULL;
    v->u.num.len = strlen(v->u.num.text);
    v->u.num.d = d;
    return v;
}

kz_json *kz_json_new_stringn(kz_arena *a, const char *s, size_t len)
{
    kz_json *v = new_val(a, KZ_JSON_STRING);
    if (!v)
        return NULL;
    char *copy = kz_arena_strndup(a, s, len);
    if (!copy)
        return NULL;
    v->u.str.ptr = copy;
    v->u.str.len = len;
    return v;
}

kz_json *kz_json_new_string(kz_arena *a, const char *s)
{
    return kz_json_new_stringn(a, s, strlen(s));
}

kz_json *kz_json_new_array(kz_arena *a)
{
    return new_val(a, KZ_JSON_ARRAY);
}

kz_json *kz_json_new_object(kz_arena *a)
{
    return new_val(a, KZ_JSON_OBJECT);
}

static size_t grow_cap(size_t cap)
{
    return cap < 4 ? 4 : cap * 2;
}

kz_err kz_json_array_push(kz_arena *a, kz_json *arr, kz_json *v)
{
    if (!arr || arr->type != KZ_JSON_ARRAY || !v)
        return KZ_EINVAL;
    size_t n = arr->u.arr.n;
    if (n == arr->u.arr.cap) {
        size_t ncap = grow_cap(arr->u.arr.cap);
        kz_json **items = kz_arena_alloc(a, ncap * sizeof *items);
        if (!items)
            return KZ_ENOMEM;
        if (n)
            memcpy(items, arr->u.arr.items, n * sizeof *items);
        arr->u.arr.items = items;
        arr->u.arr.cap = ncap;
    }
    arr->u.arr.items[n] = v;
    arr->u.arr.n = n + 1;
    return KZ_OK;
}

kz_err kz_json_object_set(kz_arena *a, kz_json *o, const char *key, kz_json *v)
{
    if (!o || o->type != KZ_JSON_OBJECT || !v)
        return KZ_EINVAL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < o->u.obj.n; i++) {
        kz_json_member *m = &o->u.obj.members[i];
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0) {
            m->value = v;
            return KZ_OK;
        }
    }
    size_t n = o->u.obj.n;
    if (n == o->u.obj.cap) {
        size_t ncap = grow_cap(o->u.obj.cap);
        kz_json_member *m = kz_arena_alloc(a, ncap * sizeof *m);
        if (!m)
            return KZ_ENOMEM;
        if (n)
            memcpy(m, o->u.obj.members, n * sizeof *m);
        o->u.obj.members = m;
        o->u.obj.cap = ncap;
    }
    char *k = kz_arena_strndup(a, key, klen);
    if (!k)
        return KZ_ENOMEM;
    o->u.obj.members[n].key = k;
    o->u.obj.members[n].key_len = klen;
    o->u.obj.members[n].value = v;
    o->u.obj.n = n + 1;
    return KZ_OK;
}

bool kz_json_object_remove(kz_json *o, const char *key)
{
    if (!o || o->type != KZ_JSON_OBJECT)
        return false;
    size_t klen = strlen(key);
    for (size_t i = 0; i < o->u.obj.n; i++) {
        kz_json_member *m = &o->u.obj.members[i];
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0) {
            memmove(m, m + 1, (o->u.obj.n - i - 1) * sizeof *m);
            o->u.obj.n--;
            return true;
        }
    }
    return false;
}

kz_json *kz_json_clone(kz_arena *a, const kz_json *v)
{
    if (!v)
        return NULL;
    kz_json *c = kz_arena_alloc(a, sizeof *c);
    if (!c)
        return NULL;
    *c = *v;
    switch (v->type) {
    case KZ_JSON_STRING:
        c->u.str.ptr = kz_arena_strndup(a, v->u.str.ptr, v->u.str.len);
        return c->u.str.ptr ? c : NULL;
    case KZ_JSON_NUMBER:
        c->u.num.text = kz_arena_strndup(a, v->u.num.text, v->u.num.len);
        return c->u.num.text ? c : NULL;
    case KZ_JSON_ARRAY:
        c->u.arr.items = NULL;
        c->u.arr.cap = v->u.arr.n;
        if (v->u.arr.n) {
            c->u.arr.items = kz_arena_alloc(a, v->u.arr.n * sizeof(kz_json *));
            if (!c->u.arr.items)
                return NULL;
            for (size_t i = 0; i < v->u.arr.n; i++)
                if (!(c->u.arr.items[i] = kz_json_clone(a, v->u.arr.items[i])))
                    return NULL;
        }
        return c;
    case KZ_JSON_OBJECT:
        c->u.obj.members = NULL;
        c->u.obj.cap = v->u.obj.n;
        if (v->u.obj.n) {
            c->u.obj.members = kz_arena_alloc(a, v->u.obj.n * sizeof(kz_json_member));
            if (!c->u.obj.members)
                return NULL;
            for (size_t i = 0; i < v->u.obj.n; i++) {
                const kz_json_member *m = &v->u.obj.members[i];
                c->u.obj.members[i].key = kz_arena_strndup(a, m->key, m->key_len);
                c->u.obj.members[i].key_len = m->key_len;
                c->u.obj.members[i].value = kz_json_clone(a, m->value);
                if (!c->u.obj.members[i].key || !c->u.obj.members[i].value)
                    return NULL;
            }
        }
        return c;
    default:
        return c;
    }
}
