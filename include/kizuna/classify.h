/* classify.h - the ATT&CK technique classifier: a linear model over hashed
 * word and character n-gram features that maps one sentence to a technique
 * id ("T1059.003") with a probability, or to "none".
 *
 * A model is a file (data/models/attack.kzm, committed) that
 * kz_classify_train writes deterministically from labelled sentences: the
 * same examples and options give the same bytes. Loading validates the
 * whole file (magic, version, checksum, every count and offset in bounds)
 * before anything is used. A loaded model is immutable: any number of
 * threads may predict with it at once. */
#ifndef KIZUNA_CLASSIFY_H
#define KIZUNA_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/error.h"

#define KZ_CLASSIFY_MAX_MODEL (64u << 20)    /* bytes of a model file */
#define KZ_CLASSIFY_MAX_CLASSES 4096
#define KZ_CLASSIFY_MAX_TEXT 65536           /* bytes of one sentence; longer is cut */
#define KZ_CLASSIFY_MAX_LABEL 32             /* bytes of a class id, NUL included */
#define KZ_CLASSIFY_NONE "none"

typedef struct kz_classifier kz_classifier;

/* ---- loading ---- */

/* Reads and validates a model file. *out is the caller's
 * (kz_classifier_free). On error *out is NULL and errbuf (optional, cap
 * bytes) says why in one line. KZ_ENOTFOUND, KZ_EIO, KZ_EPARSE (not a model,
 * damaged, wrong version), KZ_ETOOBIG, KZ_ENOMEM. */
kz_err kz_classifier_load(const char *path, kz_classifier **out, char *errbuf, size_t cap);
/* The same from memory; buf is copied (the caller keeps it). */
kz_err kz_classifier_load_mem(const void *buf, size_t len, kz_classifier **out, char *errbuf,
                              size_t cap);
void kz_classifier_free(kz_classifier *c);
/* $KZ_MODEL if set, else <binary dir>/../data/models/attack.kzm,
 * <binary dir>/../share/kizuna/models/attack.kzm,
 * /usr/local/share/kizuna/models/attack.kzm: the first that exists.
 * KZ_ENOTFOUND when none does (out then holds the first candidate). */
kz_err kz_classifier_default_path(char *out, size_t cap);

/* Classes the model knows, in its own order; class ids belong to c. */
size_t kz_classifier_nclasses(const kz_classifier *c);
const char *kz_classifier_class(const kz_classifier *c, size_t i);
/* The hashing space: 2^*bucket_bits feature buckets, *rows of them with
 * weights (the rest hash to nothing). Either pointer may be NULL. */
void kz_classifier_info(const kz_classifier *c, uint32_t *bucket_bits, uint32_t *rows);

/* ---- prediction ---- */

typedef struct kz_classify_result {
    const char *attack_id;   /* a class of the model, or KZ_CLASSIFY_NONE; belongs to c */
    double prob;             /* the model's probability of its best class, 0..1 */
    int32_t cls;             /* index of the best class (-1 when the text has no features) */
} kz_classify_result;

/* Classifies text[0..len) (UTF-8; any bytes are accepted, invalid UTF-8 is
 * treated as opaque bytes). The best class is reported with its
 * probability; when that probability is under threshold, attack_id is
 * "none" and prob is still the best class's. A model may have a trained
 * class "none" (the committed one has: sentences that are about no
 * technique it knows): when that class is the most probable, attack_id is
 * "none" at any threshold, 0 included, with cls its index and prob its
 * probability. So threshold 0 gives the model's plain answer, which is
 * "none" only for a model with that class. Text with no features at all
 * is "none" with prob 0 and cls -1. Never fails for a valid
 * model: no allocation (features are hashed into a fixed stack buffer,
 * about 64 KiB of stack in all; text past KZ_CLASSIFY_MAX_TEXT is ignored,
 * and so is a sentence's text past its 4096th distinct feature). */
void kz_classify(const kz_classifier *c, const char *text, size_t len, double threshold,
                 kz_classify_result *out);
/* The k best classes, most probable first; returns how many were written
 * (min(k, classes), 0 for text with no features). A trained "none" class
 * is listed like any other, with its own probability (so out[0] is what
 * kz_classify says at threshold 0); callers that want techniques only skip
 * it by its id, KZ_CLASSIFY_NONE. */
size_t kz_classify_topk(const kz_classifier *c, const char *text, size_t len,
                        kz_classify_result *out, size_t k);

/* ---- training ---- */

typedef struct kz_classify_example {
    const char *text;     /* UTF-8, not necessarily NUL-terminated */
    size_t len;
    const char *label;    /* NUL-terminated class id ("T1059.003", or "none") */
    float weight;         /* > 0; 1 for ordinary examples */
} kz_classify_example;

typedef struct kz_classify_train_opts {
    uint32_t epochs;      /* 0: the built-in default (30) */
    uint32_t seed;        /* shuffling; the same seed gives the same model */
    double l2;            /* < 0: the built-in default (1e-6); 0 is no L2 */
    double rate;          /* <= 0: the built-in default (1.0, decaying linearly to 0) */
    void (*progress)(void *ctx, uint32_t epoch, uint32_t epochs);   /* optional */
    void *progress_ctx;
} kz_classify_train_opts;

/* Trains on ex[0..n) and appends the model file's bytes to out. opts may be
 * NULL (defaults). Deterministic for the same input bytes, order and
 * options. KZ_EINVAL (no examples, empty or too long label, more than
 * KZ_CLASSIFY_MAX_CLASSES classes, weight <= 0), KZ_ENOMEM. */
kz_err kz_classify_train(const kz_classify_example *ex, size_t n,
                         const kz_classify_train_opts *opts, kz_buf *out);

/* The recipe behind the committed model: reads DIR/tram-train.jsonl (the
 * TRAM sentences, never tram-heldout.jsonl) and DIR/procedures.jsonl (ATT&CK
 * procedure examples, used for the techniques TRAM labels, with a lower
 * weight; a sub-technique's procedure counts for its parent when only the
 * parent is a TRAM technique; the procedures of half of the technique
 * families that hold no TRAM technique, chosen by a hash of the family id,
 * become the class "none" at a lower weight still, and the other half is
 * never trained on, to measure how often unseen techniques are called one
 * of the 50), trains with opts (NULL: defaults) and appends the model
 * file's bytes to out. `kizuna model train` is this call. Errors as
 * kz_classify_train and kz_classify_read_jsonl, plus KZ_ENOTFOUND / KZ_EIO
 * for the files (errbuf names the file). */
kz_err kz_classify_train_dir(const char *dir, const kz_classify_train_opts *opts, kz_buf *out,
                             char *errbuf, size_t cap);

/* ---- labelled sentences: JSON lines of {"text": ..., "attack_id": ...} ---- */

#define KZ_CLASSIFY_MAX_FILE (256u << 20)
#define KZ_CLASSIFY_MAX_LINES 2000000

/* Parses JSON lines; each object must have string members "text" and
 * "attack_id" (other members are ignored; blank lines are skipped). The
 * examples and their strings live in arena a (weight 1). On error
 * *ex and *n are untouched and errbuf says which line and why
 * ("line 12: missing \"attack_id\""). KZ_EPARSE, KZ_ETOOBIG, KZ_ENOMEM. */
kz_err kz_classify_read_jsonl(const char *buf, size_t len, kz_arena *a, kz_classify_example **ex,
                              size_t *n, char *errbuf, size_t cap);

/* ---- evaluation ---- */

typedef struct kz_classify_class_score {
    const char *attack_id;   /* belongs to the kz_classify_eval_result's arena */
    uint32_t support;        /* examples labelled with this class */
    uint32_t tp, fp, fn;
    double precision, recall, f1;
} kz_classify_class_score;

typedef struct kz_classify_eval_result {
    size_t n;                         /* examples */
    double micro_f1, macro_f1;        /* macro over classes with support > 0 */
    double micro_precision, micro_recall;
    kz_classify_class_score *classes; /* every label seen in the file or predicted, sorted by id */
    size_t nclasses;
} kz_classify_eval_result;

/* Classifies every example with the threshold and scores it against its
 * label. "none" is not a class of its own in the scores: predicting "none"
 * for a labelled sentence is a false negative, predicting a class for a
 * "none" sentence a false positive. The result's arrays live in arena a. */
kz_err kz_classify_eval(const kz_classifier *c, const kz_classify_example *ex, size_t n,
                        double threshold, kz_arena *a, kz_classify_eval_result *out);

/* ---- sentences of a report ---- */

typedef struct kz_sentence {
    size_t off, len;   /* byte range in the input */
} kz_sentence;

/* Splits text into sentences: ends at '.', '!', '?' followed by a blank
 * or the end (not in "e.g.", "i.e.", numbers, file names or dotted
 * indicators such as "evil[.]com"), at '。', '！', '？', and at blank lines;
 * leading and trailing blanks are trimmed. Sentences longer than
 * KZ_CLASSIFY_MAX_TEXT are cut. Calls fn for each; a non-zero return stops
 * the walk and is returned. */
kz_err kz_sentences(const char *text, size_t len,
                    kz_err (*fn)(void *ctx, const kz_sentence *s), void *ctx);

#endif
