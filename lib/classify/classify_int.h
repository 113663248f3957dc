/* classify_int.h - the classifier's private pieces: feature extraction
 * (tokens, hashing), the in-memory model and the model file's layout.
 *
 * Features (features.c). The text (at most KZ_CLASSIFY_MAX_TEXT bytes) is
 * lower-cased byte-wise (A-Z only; other bytes, UTF-8 included, are kept as
 * they are) and cut into tokens: a token is a run of word bytes (a-z, 0-9,
 * '_' and every byte >= 0x80) in which a run of the joiners '.', '-', '/',
 * '\\' and ':' is kept when a word byte stands on both sides, so that "cmd.exe",
 * "t1059.003", "c:\windows\system32" and "powershell-empire" are one token
 * each (their parts still show through the character n-grams). Tokens longer
 * than KZ_FEAT_MAX_TOKEN bytes are cut to that length. Each token gives:
 *   - its word unigram:      the bytes 'w' token
 *   - with the next token, a bigram: 'b' token ' ' next
 *   - with KZ_FEAT_CHARS, its character n-grams of cmin..cmax bytes over
 *     '<' token '>' (fastText style): 'c' ngram
 * The id of a feature string s is
 *     fmix64(fnv1a64(s)) >> (64 - bits)
 * with FNV-1a 64 (offset 0xcbf29ce484222325, prime 0x100000001b3) and
 * MurmurHash3's 64-bit finaliser, so the same on every build. A feature
 * that occurs more than once in a sentence counts once; the vector is
 * binary and L2-normalised (each of the n distinct ids has value 1/sqrt(n)).
 * At most KZ_FEAT_MAX_RAW ids are produced per sentence (a sentence that
 * long is cut there too).
 *
 * The model file (model.c), all integers little-endian:
 *   0  "KZCM"            magic
 *   4  u32 version       KZ_MODEL_VERSION
 *   8  u64 checksum      FNV-1a 64 over bytes [16, file size)
 *   16 u32 header size   KZ_MODEL_HDR
 *   20 u32 nclasses      1..KZ_CLASSIFY_MAX_CLASSES
 *   24 u32 bits          KZ_FEAT_MIN_BITS..KZ_FEAT_MAX_BITS
 *   28 u32 nrows         buckets that have weights (popcount of the bitmap)
 *   32 u32 flags         KZ_FEAT_* (unknown bits refused)
 *   36 u32 cmin, 40 u32 cmax   character n-gram sizes (1..8, cmin <= cmax)
 *   44 u32 off_classes   nclasses slots of KZ_CLASSIFY_MAX_LABEL bytes, NUL-padded
 *   48 u32 off_bias      nclasses float32
 *   52 u32 off_bitmap    2^bits bits: bucket b has a row when bit b is set
 *   56 u32 off_scales    nrows float32, one per row (ascending bucket order)
 *   60 u32 off_weights   nrows x nclasses int8: weight = scale[row] * q
 *   64 u32 file size
 *   68..KZ_MODEL_HDR zero
 * Every section is 4-aligned, in this order, without gaps or overlap. */
#ifndef KIZUNA_CLASSIFY_INT_H
#define KIZUNA_CLASSIFY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/buf.h"
#include "kizuna/classify.h"
#include "kizuna/error.h"

#define KZ_MODEL_MAGIC "KZCM"
#define KZ_MODEL_VERSION 1u
#define KZ_MODEL_HDR 96u

#define KZ_FEAT_WORDS 0x1u   /* word unigrams */
#define KZ_FEAT_BIGRAMS 0x2u /* word bigrams */
#define KZ_FEAT_CHARS 0x4u   /* character n-grams of each token */
#define KZ_FEAT_ALL (KZ_FEAT_WORDS | KZ_FEAT_BIGRAMS | KZ_FEAT_CHARS)

#define KZ_FEAT_MIN_BITS 8u
#define KZ_FEAT_MAX_BITS 22u
#define KZ_FEAT_MAX_TOKEN 64u /* bytes of a token that count */
#define KZ_FEAT_MAX_RAW 4096u /* feature ids per sentence, duplicates included */
#define KZ_FEAT_MAX_CHARN 8u

/* What prediction must extract exactly as training did. */
typedef struct kz_feat_cfg {
    uint32_t bits;  /* 2^bits buckets */
    uint32_t flags; /* KZ_FEAT_* */
    uint32_t cmin, cmax;
} kz_feat_cfg;

/* Writes the distinct feature ids of text[0..len) to ids (room for
 * KZ_FEAT_MAX_RAW) in order of first occurrence; returns how many. No
 * allocation (about 48 KiB of stack). */
size_t kz_feat_extract(const kz_feat_cfg *cfg, const char *text, size_t len, uint32_t *ids);

/* The id of one feature string (tag byte included), for tests. */
uint32_t kz_feat_hash(const kz_feat_cfg *cfg, const void *s, size_t len);

/* A loaded model: one heap block holding the struct and its arrays. */
struct kz_classifier {
    kz_feat_cfg cfg;
    uint32_t nclasses, nrows;
    uint32_t stride; /* nclasses rounded up to KZ_CLASS_BLOCK */
    char (*classes)[KZ_CLASSIFY_MAX_LABEL];
    float *bias;      /* nclasses */
    uint32_t *row_of; /* 2^bits: row index, or KZ_NO_ROW */
    float *scale;     /* nrows */
    int8_t *q;        /* nrows rows of stride bytes, zero past nclasses */
};
/* Rows are padded to whole blocks of this many classes so that the
 * prediction loop has a fixed inner length compilers vectorise. */
#define KZ_CLASS_BLOCK 16u
#define KZ_NO_ROW UINT32_MAX

/* The trained weights handed to the writer: w is nrows rows of stride
 * floats, the first nclasses used (row r belongs to the r-th set bit of
 * used, ascending), bias nclasses. */
typedef struct kz_model_out {
    kz_feat_cfg cfg;
    uint32_t nclasses, nrows, stride;
    const char *const *classes;
    const double *bias;
    const uint8_t *used; /* 2^bits / 8 bytes */
    const float *w;
} kz_model_out;

/* Quantises and serialises m, appending the file's bytes to out. */
kz_err kz_model_write(const kz_model_out *m, kz_buf *out);

/* Settings of a training run beyond the public options, for
 * cross-validation drivers; kz_classify_train uses kz_train_defaults. */
typedef struct kz_train_cfg {
    kz_feat_cfg feat;
    uint32_t epochs;
    double rate, l2;
    bool average;   /* average the weights of the last half of the epochs */
    double balance; /* class weight (mean mass / class mass)^balance; 0: none */
} kz_train_cfg;

void kz_train_defaults(kz_train_cfg *cfg);
/* Applies the public options (NULL: none) over cfg. */
void kz_train_apply_opts(kz_train_cfg *cfg, const kz_classify_train_opts *opts);
kz_err kz_classify_train_cfg(const kz_classify_example *ex, size_t n, const kz_train_cfg *cfg,
                             const kz_classify_train_opts *opts, kz_buf *out);

/* FNV-1a 64 of p[0..n), the model file's checksum. */
uint64_t kz_model_fnv(const void *p, size_t n);

/* The recipe's split of ATT&CK procedure labels (train_dir.c), shared with
 * bench/classify_cv.c so both see the same parts. labels[0..nl) are the
 * TRAM classes, sorted. A technique's family is its id up to the dot
 * (T1547.001 -> T1547). Returns KZ_PART_TRAM when the family holds a TRAM
 * class (the procedure is a TRAM class, a sub-technique of one, or a
 * relative such as a sibling sub-technique: never "none"), else
 * KZ_PART_NONE_TRAIN or KZ_PART_NONE_HELD by FNV-1a of the family id, so
 * whole families are either trained as "none" or never seen, and the
 * off-topic false-positive rate is measured on the never-seen ones. */
enum { KZ_PART_TRAM, KZ_PART_NONE_TRAIN, KZ_PART_NONE_HELD };
int kz_recipe_part(const char *id, const char **labels, size_t nl);
/* The TRAM classes of tram[0..nt), sorted and distinct, into labels (room
 * for nt); returns how many. */
size_t kz_recipe_labels(const kz_classify_example *tram, size_t nt, const char **labels);
/* The TRAM class a procedure labelled id is trained as: id itself when it
 * is one of labels[0..nl) (sorted), else its parent when that is one
 * (T1055.012 -> T1055), else NULL. */
const char *kz_recipe_class(const char *id, const char **labels, size_t nl);

#endif
