/* fuzz_stix.c - libFuzzer target for the STIX validator. Input is split
 * with kz_jstream as a document (bundle, envelope, array, object); each
 * element that parses is validated, serialised, re-parsed and validated
 * again. Properties checked, not only "no crash":
 *  1. validation returns KZ_OK (or KZ_ENOMEM) and never crashes;
 *  2. serialise -> parse -> validate gives the same error and warning
 *     counts and the same (code, path) of every stored diagnostic;
 *  3. kz_stix_validate_mem over the whole input agrees with the sum of the
 *     per-element error counts when the document is well-formed;
 *  4. an SCO's deterministic id is stable across the round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/stix.h"

#define MAX_INPUT (1u << 20)

static void check(int cond)
{
    if (!cond)
        abort();
}

static void same_diag(const kz_diag *a, const kz_diag *b)
{
    check(a->n_errors == b->n_errors);
    check(a->n_warnings == b->n_warnings);
    check(a->n == b->n);
    for (size_t i = 0; i < a->n; i++) {
        check(a->items[i].sev == b->items[i].sev);
        check(strcmp(a->items[i].code, b->items[i].code) == 0);
        check(strcmp(a->items[i].path, b->items[i].path) == 0);
    }
}

/* Validates one element both ways; returns its error count. */
static size_t one_element(kz_arena *a, const char *data, size_t len, const kz_stix_opts *opts,
                          bool *parsed, bool *is_bundle)
{
    kz_json *v = NULL, *v2 = NULL;
    kz_diag d1, d2;
    size_t errors = 0;
    *parsed = false;
    *is_bundle = false;
    if (kz_json_parse(a, data, len, NULL, &v, NULL) != KZ_OK)
        return 0;
    *parsed = true;
    const char *t = kz_json_get_string(v, "type");
    *is_bundle = t && strcmp(t, "bundle") == 0;
    kz_diag_init(&d1, 64);
    kz_diag_init(&d2, 64);
    kz_err rc = kz_stix_validate_object(v, "$.objects[0]", opts, &d1);
    check(rc == KZ_OK || rc == KZ_ENOMEM);
    errors = d1.n_errors;

    kz_stix_meta m;
    kz_err mrc = kz_stix_meta_get(v, &m);
    check(mrc == KZ_OK || mrc == KZ_EINVALID);
    (void)kz_stix_object_tlp(v);

    kz_buf b;
    kz_buf_init(&b, 0);
    if (rc == KZ_OK && kz_json_write(&b, v, 0) == KZ_OK) {
        check(kz_json_parse(a, b.data, b.len, NULL, &v2, NULL) == KZ_OK);
        kz_err rc2 = kz_stix_validate_object(v2, "$.objects[0]", opts, &d2);
        check(rc2 == KZ_OK);
        same_diag(&d1, &d2);

        char id1[320], id2[320];
        kz_err i1 = kz_stix_sco_id(v, id1, sizeof id1);
        kz_err i2 = kz_stix_sco_id(v2, id2, sizeof id2);
        check(i1 == i2);
        if (i1 == KZ_OK)
            check(strcmp(id1, id2) == 0);
    }
    kz_buf_release(&b);
    kz_diag_release(&d1);
    kz_diag_release(&d2);
    return errors;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    const char *text = (const char *)data;
    kz_stix_opts opts = {false, (size & 1) == 0};
    kz_arena *a = kz_arena_new(0);
    kz_jstream *s = kz_jstream_new_mem(text, size, 1 << 20);
    if (!a || !s) {
        kz_arena_free(a);
        kz_jstream_free(s);
        return 0;
    }
    size_t errors = 0;
    bool all_parsed = true, well_formed = false;
    for (;;) {
        kz_jstream_element el;
        kz_err rc = kz_jstream_next(s, &el);
        if (rc == KZ_EOF) {
            well_formed = true;
            break;
        }
        if (rc)
            break;
        bool parsed, is_bundle;
        kz_arena_reset(a);
        size_t e = one_element(a, el.data, el.len, &opts, &parsed, &is_bundle);
        /* A lone top-level bundle without "objects" is the document, not an
         * object: the walk checks it as a bundle header instead. */
        if (!(is_bundle && kz_jstream_get_kind(s) == KZ_JSTREAM_SINGLE))
            errors += e;
        all_parsed = all_parsed && parsed;
    }
    kz_jstream_free(s);
    kz_arena_free(a);

    kz_stix_summary sum;
    kz_err rc = kz_stix_validate_mem(text, size, 1 << 20, &opts, NULL, NULL, &sum);
    check(rc == KZ_OK || rc == KZ_ENOMEM);
    if (rc == KZ_OK) {
        check(sum.truncated == !well_formed);
        /* The walk adds bundle-header errors and per-element parse errors;
         * it never finds fewer errors than the elements have. */
        if (well_formed && all_parsed)
            check(sum.n_errors >= errors);
        if (!well_formed)
            check(sum.n_errors >= 1);
    }
    return 0;
}
