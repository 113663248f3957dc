/* eval_int.h - the arithmetic behind kz_classify_eval, apart from any model,
 * so that unit tests can score hand-made label tables. Private to
 * lib/classify (eval.c) and its tests. */
#ifndef KZ_CLASSIFY_EVAL_INT_H
#define KZ_CLASSIFY_EVAL_INT_H

#include <stddef.h>

#include "kizuna/arena.h"
#include "kizuna/classify.h"
#include "kizuna/error.h"

/* Scores predictions pred[0..n) against gold labels gold[0..n) (both
 * NUL-terminated class ids; KZ_CLASSIFY_NONE is "no technique").
 *
 * Counting, for each example with gold g and prediction p:
 *   g == p (both classes)       tp of g
 *   g != p, g and p classes     fn of g, fp of p
 *   g class, p "none"           fn of g
 *   g "none", p class           fp of p
 *   g "none", p "none"          nothing (a true negative, which F1 ignores)
 * Per class: precision = tp / (tp + fp), recall = tp / (tp + fn),
 * f1 = 2 p r / (p + r); each is 0 when its denominator is 0 (the
 * zero_division=0 convention of scikit-learn), so a class never predicted
 * has precision 0 and a class with no support has recall 0.
 * Micro figures use the summed tp, fp, fn over all classes. Macro-F1 is the
 * mean f1 over the classes with support > 0 only: a class that is only
 * ever predicted (support 0) adds its false positives to the micro figures
 * and to its own row but is not averaged into macro-F1 (scikit-learn's
 * f1_score with labels = the gold labels); 0 when no class has support.
 *
 * out->classes holds every class that occurs as a gold label or a
 * prediction (never "none"), sorted by strcmp of the id; the array and the
 * id copies live in arena a. KZ_EINVAL (a NULL label, n past UINT32_MAX),
 * KZ_ENOMEM. On error *out is zeroed (the arena is not rolled back). */
kz_err kz_classify_score(const char *const *gold, const char *const *pred, size_t n, kz_arena *a,
                         kz_classify_eval_result *out);

#endif
