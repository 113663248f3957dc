/* fuzz_extract_classify.c - libFuzzer target for the classifier's part of
 * extract (kz_extract_report_classify): whatever the text (HTML or not),
 * with a small model trained here once, the techniques added are distinct
 * classes of the model, new to the report (not written as ids), each with a
 * sentence range inside the input, a non-empty evidence sentence of at most
 * KZ_EXTRACT_EVIDENCE_MAX bytes without newlines and a probability at or
 * above the threshold; the streamed bundle stays strictly valid STIX, has
 * one attack-pattern per technique and carries the evidence on the report.
 * The first input byte picks the threshold. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/classify.h"
#include "kizuna/extract_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_extract_classify: %s\n", what);
    abort();
}

/* A tiny model: a few sentences per technique, trained once per process
 * (deterministic; kept for the process's life). */
static const kz_classifier *model(void)
{
    static kz_classifier *m;
    if (m)
        return m;
    static const struct {
        const char *text, *label;
    } ex[] = {
        {"The actor ran cmd.exe /c whoami to find the current user.", "T1033"},
        {"The tool printed the logged on user name with whoami.", "T1033"},
        {"The backdoor takes screenshots of the desktop every minute.", "T1113"},
        {"It captured the screen and sent the images to its server.", "T1113"},
        {"The actor sent spearphishing emails with a malicious attachment.", "T1566.001"},
        {"Victims received an email with a weaponised Word document.", "T1566.001"},
        {"The implant downloaded a second stage from the staging server.", "T1105"},
        {"It used certutil to fetch further tools onto the host.", "T1105"},
    };
    kz_classify_example e[sizeof ex / sizeof ex[0]];
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        e[i] = (kz_classify_example){.text = ex[i].text, .len = strlen(ex[i].text),
                                     .label = ex[i].label, .weight = 1};
    kz_classify_train_opts o = {.epochs = 5, .seed = 1, .l2 = -1};
    kz_buf b;
    kz_buf_init(&b, 0);
    check(kz_classify_train(e, sizeof e / sizeof e[0], &o, &b) == KZ_OK, "training failed");
    check(kz_classifier_load_mem(b.data, b.len, &m, NULL, 0) == KZ_OK, "model does not load");
    kz_buf_release(&b);
    return m;
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
    if (size < 1 || size > 16384)
        return 0;
    const kz_classifier *c = model();
    double threshold = data[0] / 255.0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    bool html = len && text[0] == '<';
    kz_extract_report_opts o = {.name = "fuzz", .tlp = KZ_TLP_NONE,
                                .now = "2026-01-01T00:00:00.000Z"};
    kz_extract_report *r = NULL;
    check(kz_extract_report_new(&o, &r) == KZ_OK, "new failed");
    kz_extract_opts eo = {.input = html ? KZ_EXTRACT_HTML : KZ_EXTRACT_TEXT};
    check(kz_extract_scan(text, len, &eo, on_hit, r) == KZ_OK, "scan failed");
    size_t before = kz_extract_report_count(r), added = 0;
    check(kz_extract_report_classify(r, c, text, len, html, threshold, &added) == KZ_OK,
          "classify failed");
    const kz_extract_technique *t;
    size_t n = kz_extract_report_techniques(r, &t);
    check(n == added && kz_extract_report_count(r) == before + added, "counts disagree");
    for (size_t i = 0; i < n; i++) {
        check(t[i].prob >= threshold && t[i].prob <= 1.0, "probability out of range");
        check(t[i].offset <= len && t[i].len <= len - t[i].offset && t[i].len,
              "sentence outside the input");
        size_t sl = strlen(t[i].sentence);
        check(sl && sl <= KZ_EXTRACT_EVIDENCE_MAX && !strchr(t[i].sentence, '\n'),
              "bad evidence sentence");
        if (i)
            check(t[i].offset >= t[i - 1].offset, "techniques out of order");
        bool known = false;
        for (size_t k = 0; k < kz_classifier_nclasses(c); k++)
            known |= !strcmp(kz_classifier_class(c, k), t[i].attack_id);
        check(known, "not a class of the model");
        for (size_t k = 0; k < i; k++)
            check(strcmp(t[k].attack_id, t[i].attack_id) != 0, "technique added twice");
    }
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
    kz_json *v = NULL;
    check(a && kz_json_parse(a, b.data, b.len, NULL, &v, NULL) == KZ_OK, "bundle does not parse");
    const kz_json *objs = kz_json_get(v, "objects");
    check(!objs == !st.iocs, "objects without IOCs");
    if (objs) {
        const kz_json *rep = objs->u.arr.items[objs->u.arr.n - 1];
        const kz_json *ev = kz_json_get(rep, "x_kizuna_classified_techniques");
        check(!ev == !n, "evidence present without techniques or missing");
        check(!ev || ev->u.arr.n == n, "evidence count");
        /* every technique once among the attack-patterns */
        for (size_t i = 0; i < n; i++) {
            size_t seen = 0;
            for (size_t k = 0; k < objs->u.arr.n; k++) {
                const kz_json *o2 = objs->u.arr.items[k];
                if (strcmp(kz_json_get_string(o2, "type"), "attack-pattern"))
                    continue;
                const kz_json *er = kz_json_get(o2, "external_references");
                const char *id = kz_json_get_string(er->u.arr.items[0], "external_id");
                seen += !strcmp(id, t[i].attack_id);
            }
            check(seen == 1, "a classified technique is not exactly one attack-pattern");
        }
    }
    kz_arena_free(a);
    kz_buf_release(&b);
    kz_extract_report_free(r);
    return 0;
}
