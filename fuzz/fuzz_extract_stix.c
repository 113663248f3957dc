/* fuzz_extract_stix.c - libFuzzer target for the STIX output of extract:
 * whatever the scanner finds in any text, the streamed bundle parses, passes
 * strict STIX validation (patterns included), equals the tree-built bundle
 * object for object but for the random ids, and its report references every
 * other object. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/extract_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_extract_stix: %s\n", what);
    abort();
}

static int on_hit(void *ctx, const kz_ioc_hit *h)
{
    check(kz_extract_report_add(ctx, h, NULL, NULL) == KZ_OK, "add failed");
    return 0;
}

static kz_err to_buf(void *ctx, const char *d, size_t n)
{
    return kz_buf_append(ctx, d, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    kz_extract_report_opts o = {.name = "fuzz", .tlp = KZ_TLP_AMBER, .author = "fuzz",
                                .now = "2026-01-01T00:00:00.000Z"};
    kz_extract_report *r = NULL;
    check(kz_extract_report_new(&o, &r) == KZ_OK, "new failed");
    kz_extract_opts eo = {.input = size && data[0] == '<' ? KZ_EXTRACT_HTML : KZ_EXTRACT_TEXT};
    check(kz_extract_scan((const char *)data, size, &eo, on_hit, r) == KZ_OK, "scan failed");
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_extract_report_stats st;
    check(kz_extract_report_write(r, to_buf, &b, &st) == KZ_OK, "write failed");
    kz_stix_opts so = {.strict = true, .check_patterns = true};
    kz_stix_summary sum;
    memset(&sum, 0, sizeof sum);
    check(kz_stix_validate_mem(b.data, b.len, 0, &so, NULL, NULL, &sum) == KZ_OK,
          "validation failed to run");
    if (sum.n_errors || sum.n_warnings)
        fprintf(stderr, "%s\n", b.data);
    check(!sum.n_errors && !sum.n_warnings && !sum.truncated, "bundle is not valid STIX");
    kz_arena *a = kz_arena_new(0);
    kz_json *v = NULL, *tree = NULL;
    check(a && kz_json_parse(a, b.data, b.len, NULL, &v, NULL) == KZ_OK, "bundle does not parse");
    check(kz_extract_report_bundle(r, a, &tree, NULL) == KZ_OK, "tree build failed");
    const kz_json *s1 = kz_json_get(v, "objects"), *s2 = kz_json_get(tree, "objects");
    check(!s1 == !s2 && !s1 == !st.iocs, "objects present in one form only");
    if (s1) {
        check(s1->u.arr.n == s2->u.arr.n, "streamed and tree bundles differ in size");
        size_t n = s1->u.arr.n;
        const kz_json *rep = s1->u.arr.items[n - 1];
        check(strcmp(kz_json_get_string(rep, "type"), "report") == 0, "report is not last");
        size_t has_identity = 1; /* --author */
        check(kz_json_get(rep, "object_refs")->u.arr.n == n - 1 - has_identity,
              "report does not reference every object");
        for (size_t i = 0; i < n; i++) {
            const char *t1 = kz_json_get_string(s1->u.arr.items[i], "type");
            const char *t2 = kz_json_get_string(s2->u.arr.items[i], "type");
            check(strcmp(t1, t2) == 0, "object types differ");
            if (kz_stix_type_class(t1) == KZ_STIX_SCO)
                check(kz_json_equal(s1->u.arr.items[i], s2->u.arr.items[i]),
                      "observables differ (ids are deterministic)");
        }
    }
    kz_arena_free(a);
    kz_buf_release(&b);
    kz_extract_report_free(r);
    return 0;
}
