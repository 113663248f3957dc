/* envelope.c - parsing the TAXII 2.1 responses the client reads: the
 * envelope of an objects page and the status resource of a POST. Pure
 * functions over bytes (fuzzed by fuzz/fuzz_fed_envelope.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fed_int.h"

static kz_err parse_top(kz_arena *a, const char *buf, size_t len, kz_json **v, char *why,
                        size_t why_len)
{
    if (len > KZ_FED_MAX_RESPONSE) {
        snprintf(why, why_len, "response larger than %u bytes", KZ_FED_MAX_RESPONSE);
        return KZ_ETOOBIG;
    }
    kz_json_error je;
    kz_err rc = kz_json_parse(a, buf, len, NULL, v, &je);
    if (rc == KZ_EPARSE) {
        snprintf(why, why_len, "not JSON: %s at byte %zu", je.msg, je.offset);
        return rc;
    }
    if (rc) {
        snprintf(why, why_len, "response: %s", kz_strerror(rc));
        return rc;
    }
    if ((*v)->type != KZ_JSON_OBJECT) {
        snprintf(why, why_len, "response is a JSON %s, not an object", kz_json_type_name(*v));
        return KZ_EINVALID;
    }
    return KZ_OK;
}

kz_err fed_envelope_check(const kz_json *v, size_t n_streamed, kz_fed_envelope *e, char *why,
                          size_t why_len)
{
    memset(e, 0, sizeof *e);
    const kz_json *more = kz_json_get(v, "more");
    if (more) {
        if (more->type != KZ_JSON_TRUE && more->type != KZ_JSON_FALSE) {
            snprintf(why, why_len, "$.more: a %s, not a boolean", kz_json_type_name(more));
            return KZ_EINVALID;
        }
        e->more = more->type == KZ_JSON_TRUE;
    }
    const kz_json *next = kz_json_get(v, "next");
    if (next) {
        if (next->type != KZ_JSON_STRING || next->u.str.len == 0 || next->u.str.len > 1024 ||
            memchr(next->u.str.ptr, 0, next->u.str.len)) {
            snprintf(why, why_len, "$.next: not a usable string");
            return KZ_EINVALID;
        }
        e->next = next->u.str.ptr;
    }
    const kz_json *objs = kz_json_get(v, "objects");
    if (objs) {
        if (objs->type != KZ_JSON_ARRAY) {
            snprintf(why, why_len, "$.objects: a %s, not an array", kz_json_type_name(objs));
            return KZ_EINVALID;
        }
        e->objects = objs;
    }
    bool empty = n_streamed == 0 && (!e->objects || e->objects->u.arr.n == 0);
    if (e->more && empty && !e->next) {
        /* more on an empty page is fine with a `next` to follow (a server
         * that filters a page by TLP may withhold all of it, kizuna's own
         * included); without one the client could only ask again for the
         * same page, forever */
        snprintf(why, why_len, "$.more is true on an empty page without next");
        return KZ_EINVALID;
    }
    return KZ_OK;
}

kz_err kz_fed_parse_envelope(kz_arena *a, const char *buf, size_t len, kz_fed_envelope *e,
                             char *why, size_t why_len)
{
    memset(e, 0, sizeof *e);
    kz_json *v = NULL;
    kz_err rc = parse_top(a, buf, len, &v, why, why_len);
    if (rc)
        return rc;
    return fed_envelope_check(v, 0, e, why, why_len);
}

static kz_err get_count(const kz_json *v, const char *key, int64_t *out, char *why,
                        size_t why_len)
{
    const kz_json *n = kz_json_get(v, key);
    *out = 0;
    if (!n)
        return KZ_OK;
    if (!kz_json_int(n, out) || *out < 0) {
        snprintf(why, why_len, "$.%s: not a count", key);
        return KZ_EINVALID;
    }
    return KZ_OK;
}

kz_err kz_fed_parse_status(kz_arena *a, const char *buf, size_t len, kz_fed_status *s, char *why,
                           size_t why_len)
{
    memset(s, 0, sizeof *s);
    kz_json *v = NULL;
    kz_err rc = parse_top(a, buf, len, &v, why, why_len);
    if (rc)
        return rc;
    s->id = kz_json_get_string(v, "id");
    s->status = kz_json_get_string(v, "status");
    if (!s->id || !s->status ||
        (strcmp(s->status, "pending") != 0 && strcmp(s->status, "complete") != 0)) {
        snprintf(why, why_len, "not a TAXII status resource (id, status)");
        return KZ_EINVALID;
    }
    static const char *const keys[] = {"total_count", "success_count", "failure_count",
                                       "pending_count"};
    int64_t *dst[] = {&s->total, &s->success, &s->failure, &s->pending};
    for (int i = 0; i < 4; i++) {
        rc = get_count(v, keys[i], dst[i], why, why_len);
        if (rc)
            return rc;
    }
    return KZ_OK;
}
