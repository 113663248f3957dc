/* fuzz_pattern_eval.c - libFuzzer target for the pattern evaluator and the
 * multi-pattern index. Input: a pattern on the first line, then a JSON
 * document (a bundle or a list of observed-data objects and SCOs).
 * Properties: no crash or sanitizer report; evaluation is deterministic and
 * the same with and without the search's time-window pruning; and
 * the index (kz_pattern_set) reports exactly what kz_pattern_match reports
 * for the same pattern whenever the latter succeeds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/pattern.h"
#include "pattern/pattern_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct hits {
    size_t n;
    size_t obs[64];
    bool whole;
    bool overflow;
} hits;

static int on_hit(void *user, size_t id, size_t obs)
{
    hits *h = user;
    (void)id;
    if (obs == SIZE_MAX)
        h->whole = true;
    else if (h->n < 64)
        h->obs[h->n++] = obs;
    else
        h->overflow = true;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    pat_bind_budget = 2000000; /* keeps every input well under the -timeout */
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    if (!nl)
        return 0;
    size_t plen = (size_t)(nl - text);
    kz_pattern *p = NULL, *p2 = NULL;
    if (kz_pattern_parse(text, plen, 21, &p, NULL))
        return 0;
    kz_arena *a = kz_arena_new(0);
    kz_pattern_obs *o = kz_pattern_obs_new();
    kz_pattern_set *set = kz_pattern_set_new();
    kz_json *doc = NULL;
    kz_pattern_result r1 = {0}, r2 = {0};
    if (!a || !o || !set)
        goto done;
    if (kz_json_parse(a, nl + 1, size - plen - 1, NULL, &doc, NULL) || kz_pattern_obs_add_all(o, doc) ||
        kz_pattern_obs_finish(o, NULL))
        goto done;
    kz_err rc1 = kz_pattern_match(p, o, &r1, NULL);
    kz_err rc2 = kz_pattern_match(p, o, &r2, NULL);
    if (rc1 != rc2 || r1.matched != r2.matched || r1.n_obs != r2.n_obs)
        abort(); /* not deterministic */
    kz_pattern_result r0 = {0};
    pat_bind_prune = 0;
    kz_err rc0 = kz_pattern_match(p, o, &r0, NULL);
    pat_bind_prune = 1;
    bool same = rc0 == rc1 && r0.matched == r1.matched;
    kz_pattern_result_release(&r0);
    if (!same && rc0 != KZ_ETOOBIG && rc1 != KZ_ETOOBIG)
        abort(); /* time-window pruning changed the answer */
    if (rc1)
        goto done;
    if (kz_pattern_parse(text, plen, 21, &p2, NULL))
        abort();
    if (kz_pattern_set_add(set, p2, 7, NULL) || kz_pattern_set_compile(set))
        goto done;
    hits h = {0};
    if (kz_pattern_set_match(set, o, on_hit, &h, NULL))
        goto done;
    kz_pattern_set_stats st;
    kz_pattern_set_get_stats(set, &st);
    if (st.errors || h.overflow)
        goto done;
    if (kz_pattern_is_simple(p)) {
        if (h.n != r1.n_obs)
            abort(); /* the index disagrees with evaluation */
        for (size_t i = 0; i < h.n; i++)
            if (h.obs[i] != r1.obs[i])
                abort();
    } else if (h.whole != r1.matched) {
        abort();
    }
done:
    kz_pattern_result_release(&r1);
    kz_pattern_result_release(&r2);
    kz_pattern_set_free(set);
    kz_pattern_obs_free(o);
    kz_arena_free(a);
    kz_pattern_free(p);
    return 0;
}
