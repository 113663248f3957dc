/* fuzz_match_compile.c - libFuzzer target for the indicator compiler of
 * `kizuna match`. Input: an indicator as JSON (or, when the input is not
 * JSON, a pattern text that is wrapped into an indicator, so that the
 * fuzzer reaches the classifier quickly).
 * Properties: compiling never crashes and every indicator read is counted
 * exactly once; when it compiled as simple, every value of its pattern is
 * found again by a lookup - the normalised value given as already
 * canonical, the same text normalised again (normalisation is idempotent),
 * and for an IP block its first address; and the lookup shortcut for values
 * of canonical shape agrees with the normaliser, on the pattern's literals
 * and on the raw input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/match.h"
#include "match/match_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int found_cb(void *ctx, const kz_match_hit *h)
{
    if (h->indicator == 0)
        *(int *)ctx = 1;
    return 0;
}

/* The lookup shortcut (match_int.h): a value of canonical shape is either
 * refused by the normaliser or returned unchanged. */
static void check_shortcut(kz_arena *a, const char *s, size_t len)
{
    for (unsigned k = 0; k < KZ_MATCH_OTHER; k++) {
        if (mc_kind_is_ip((kz_match_kind)k) || !mc_is_canonical((kz_match_kind)k, s, len))
            continue;
        const char *out = NULL;
        size_t n = 0;
        kz_err rc = mc_normalize(a, (kz_match_kind)k, s, len, &out, &n);
        if (rc == KZ_OK && (n != len || memcmp(out, s, len) != 0))
            abort(); /* the shortcut would look up something else than the normaliser */
    }
}

/* The indicator's values must each hit indicator 0. */
static void check_values(kz_match_set *m, kz_arena *a, const kz_json *ind)
{
    const kz_json *pj = kz_json_get(ind, "pattern");
    const char *sv = kz_json_get_string(ind, "spec_version");
    int version = sv && strcmp(sv, "2.0") == 0 ? 20 : 21;
    if (!sv && !kz_json_get(ind, "pattern_type"))
        version = 20;
    kz_pattern *p = NULL;
    if (!pj || pj->type != KZ_JSON_STRING ||
        kz_pattern_parse(pj->u.str.ptr, pj->u.str.len, version, &p, NULL))
        abort(); /* it compiled as simple, so it parsed */
    kz_buf t;
    kz_buf_init(&t, 0);
    mc_class cl;
    if (kz_pattern_print(p, &t) || mc_classify(a, t.data, t.len, &cl) || cl.cls != MC_SIMPLE)
        abort();
    kz_match_scratch *s = NULL;
    if (kz_match_scratch_new(m, &s))
        abort();
    for (size_t i = 0; i < cl.n; i++) {
        const mc_value *v = &cl.v[i];
        check_shortcut(a, v->lit, v->len);
        char text[KZ_IP_TEXT_MAX];
        const char *norm = NULL;
        size_t nlen = 0;
        if (mc_kind_is_ip(v->kind)) {
            kz_ipaddr ip;
            if (kz_ip_parse(v->lit, v->len, &ip, NULL))
                abort();
            ip.prefix = ip.family == 4 ? 32 : 128; /* the block's first address */
            nlen = kz_ip_format(&ip, text, sizeof text);
            norm = text;
        } else if (mc_normalize(a, v->kind, v->lit, v->len, &norm, &nlen)) {
            abort(); /* normalised at compile time, so it normalises now */
        }
        char *copy = kz_arena_strndup(a, norm, nlen);
        if (!copy)
            abort();
        int hit = 0, hit2 = 0;
        if (kz_match_value(m, s, v->kind, copy, nlen, true, found_cb, &hit) ||
            kz_match_value(m, s, v->kind, copy, nlen, false, found_cb, &hit2))
            abort();
        if (!hit || !hit2)
            abort(); /* a compiled value that no lookup finds */
    }
    kz_match_scratch_free(s);
    kz_buf_release(&t);
    kz_pattern_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    kz_arena *a = kz_arena_new(0);
    if (!a)
        return 0;
    check_shortcut(a, (const char *)data, size);
    kz_json *v = NULL;
    if (kz_json_parse(a, (const char *)data, size, NULL, &v, NULL) || v->type != KZ_JSON_OBJECT) {
        kz_buf b;
        kz_buf_init(&b, 0);
        kz_buf_append_str(&b, "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
                              "\"indicator--00000000-0000-4000-8000-000000000001\","
                              "\"pattern_type\":\"stix\",\"pattern\":");
        kz_json_write_string(&b, (const char *)data, size, 0);
        kz_buf_append_char(&b, '}');
        v = NULL;
        if (kz_json_parse(a, b.data ? b.data : "", b.len, NULL, &v, NULL))
            v = NULL; /* not UTF-8: nothing to compile */
        kz_buf_release(&b);
    }
    kz_match_builder *bld = NULL;
    if (!v || kz_match_builder_new(NULL, &bld)) {
        kz_arena_free(a);
        return 0;
    }
    kz_err rc = kz_match_builder_add_object(bld, v);
    kz_match_set *m = NULL;
    if (rc == KZ_OK)
        rc = kz_match_builder_finish(bld, &m);
    else
        kz_match_builder_free(bld);
    if (rc == KZ_OK) {
        kz_match_stats st;
        kz_match_set_stats(m, &st);
        size_t sum = st.simple + st.complex + st.unsupported + st.invalid + st.skipped_revoked +
                     st.skipped_expired + st.skipped_pattern_type + st.duplicates;
        if (sum != st.indicators || st.indicators > 1)
            abort(); /* every indicator counted once */
        if (st.simple)
            check_values(m, a, v);
    } else if (rc != KZ_ENOMEM && rc != KZ_ETOOBIG) {
        abort();
    }
    kz_match_set_free(m);
    kz_arena_free(a);
    return 0;
}
