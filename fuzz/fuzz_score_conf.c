/* fuzz_score_conf.c - libFuzzer target for the scoring parameters of
 * kizuna.conf and their durations: whatever kz_score_params_from_config
 * accepts lies within the documented bounds and, written back as score.*
 * lines, reads back to the same parameters; an error names a key of the
 * input and leaves the defaults; a duration that parses formats to a text
 * that parses to the same seconds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/buf.h"
#include "kizuna/config.h"
#include "kizuna/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_score_conf: %s\n", what);
    abort();
}

/* Each duration-looking line value: parse -> format -> parse is stable. */
static void check_duration(const char *v, size_t n)
{
    int64_t s = 0;
    if (kz_score_duration_parse(v, n, &s))
        return;
    check(s >= 1 && s <= KZ_SCORE_LIFETIME_MAX, "duration out of bounds");
    char out[32];
    size_t m = kz_score_duration_format(s, out, sizeof out);
    int64_t t = 0;
    check(m > 0 && m < sizeof out, "format length");
    check(kz_score_duration_parse(out, m, &t) == KZ_OK && t == s, "duration round trip");
}

static kz_err write_params(const kz_score_params *p, kz_buf *b)
{
    kz_err rc = kz_buf_printf(b,
                              "score.threshold = %d\nscore.default_confidence = %d\n"
                              "score.reliability.default = %d\nmatch.min_score = %d\n"
                              "taxii.min_score = %d\n",
                              p->threshold, p->default_confidence, p->default_reliability,
                              p->match_min_score, p->taxii_min_score);
    for (int c = 0; !rc && c < KZ_SCORE_CLASS_COUNT; c++) {
        char d[32];
        kz_score_duration_format(p->decay[c].lifetime_s, d, sizeof d);
        rc = kz_buf_printf(b, "score.%s.lifetime = %s\nscore.%s.decay = %.17g\n",
                           kz_score_class_name((kz_score_class)c), d,
                           kz_score_class_name((kz_score_class)c), p->decay[c].speed);
    }
    for (size_t i = 0; !rc && i < p->n_sources; i++)
        rc = kz_buf_printf(b, "score.reliability.%s = %d\n", p->sources[i].name,
                           p->sources[i].reliability);
    return rc;
}

static int same(const kz_score_params *a, const kz_score_params *b)
{
    if (a->threshold != b->threshold || a->default_confidence != b->default_confidence ||
        a->default_reliability != b->default_reliability ||
        a->match_min_score != b->match_min_score || a->taxii_min_score != b->taxii_min_score ||
        a->n_sources != b->n_sources)
        return 0;
    for (int c = 0; c < KZ_SCORE_CLASS_COUNT; c++)
        if (a->decay[c].lifetime_s != b->decay[c].lifetime_s ||
            a->decay[c].speed != b->decay[c].speed)
            return 0;
    for (size_t i = 0; i < a->n_sources; i++)
        if (strcmp(a->sources[i].name, b->sources[i].name) != 0 ||
            a->sources[i].reliability != b->sources[i].reliability)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    /* every line as a duration */
    const char *s = (const char *)data;
    for (size_t i = 0; i < size;) {
        const char *nl = memchr(s + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (s + i)) : size - i;
        check_duration(s + i, n);
        i += n + 1;
    }
    kz_config *c = NULL;
    if (kz_config_parse(s, size, &c, NULL))
        return 0;
    static kz_score_params p, q, def;
    char err[256];
    kz_err rc = kz_score_params_from_config(&p, c, err, sizeof err);
    kz_score_params_defaults(&def);
    if (rc) {
        check(rc == KZ_EPARSE || rc == KZ_ERANGE || rc == KZ_ETOOBIG, "unexpected error code");
        check(same(&p, &def), "defaults not restored on error");
        /* the message names a key of the input */
        int named = 0;
        for (size_t i = 0; i < kz_config_count(c) && !named; i++)
            named = strstr(err, kz_config_key_at(c, i)) != NULL;
        check(named, "error names no key");
        kz_config_free(c);
        return 0;
    }
    kz_config_free(c);
    check(p.threshold >= 0 && p.threshold <= 100, "threshold");
    check(p.match_min_score >= -1 && p.taxii_min_score >= -1, "min scores");
    for (int k = 0; k < KZ_SCORE_CLASS_COUNT; k++) {
        check(p.decay[k].lifetime_s >= 1 && p.decay[k].lifetime_s <= KZ_SCORE_LIFETIME_MAX,
              "lifetime bounds");
        check(p.decay[k].speed >= KZ_SCORE_SPEED_MIN && p.decay[k].speed <= KZ_SCORE_SPEED_MAX,
              "speed bounds");
        /* the formula stays within 0..base */
        double v = kz_score_decay_at(100, (double)p.decay[k].lifetime_s / 3, &p.decay[k]);
        check(v >= 0 && v <= 100, "score out of 0..100");
    }
    kz_buf b;
    kz_buf_init(&b, 0);
    check(write_params(&p, &b) == KZ_OK, "write");
    kz_config *d = NULL;
    check(kz_config_parse(b.data, b.len, &d, NULL) == KZ_OK, "written params do not parse");
    rc = kz_score_params_from_config(&q, d, err, sizeof err);
    if (rc)
        fprintf(stderr, "fuzz_score_conf: re-read: %s\n", err);
    check(rc == KZ_OK, "written params are refused");
    check(same(&p, &q), "params changed through write and read");
    kz_config_free(d);
    kz_buf_release(&b);
    return 0;
}
