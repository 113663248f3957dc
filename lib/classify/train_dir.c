/* train_dir.c - the recipe behind the committed model: the TRAM training
 * sentences plus the ATT&CK procedure examples of the same techniques at a
 * lower weight (kz_classify_train_dir).
 *
 * Choices, made by cross-validation inside tram-train.jsonl (see
 * docs and the commit messages): the classes are the TRAM techniques only,
 * with no trained "none" class (a threshold gives "none"); a procedure is
 * used only when its technique id is exactly one of them (a T1059.001
 * procedure is not relabelled T1059); procedures weigh KZ_PROC_WEIGHT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify_int.h"
#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/file.h"

#define KZ_PROC_WEIGHT 0.3f

static kz_err read_file(const char *dir, const char *name, kz_arena *a,
                        kz_classify_example **ex, size_t *n, char *errbuf, size_t cap)
{
    char path[4096], why[256];
    char *data = NULL;
    size_t len = 0;
    int l = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (l < 0 || (size_t)l >= sizeof path) {
        if (errbuf && cap)
            snprintf(errbuf, cap, "'%s': path too long", dir);
        return KZ_EINVAL;
    }
    kz_err rc = kz_file_read(path, KZ_CLASSIFY_MAX_FILE, &data, &len, why, sizeof why);
    if (rc) {
        if (errbuf && cap)
            snprintf(errbuf, cap, "'%s': %s", path, why);
        return rc;
    }
    rc = kz_classify_read_jsonl(data, len, a, ex, n, why, sizeof why);
    if (rc && errbuf && cap)
        snprintf(errbuf, cap, "'%s': %s", path, why);
    kz_free(data);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

kz_err kz_classify_train_dir(const char *dir, const kz_classify_train_opts *opts, kz_buf *out,
                             char *errbuf, size_t cap)
{
    kz_classify_example *tram = NULL, *proc = NULL, *all = NULL;
    const char **labels = NULL;
    size_t nt = 0, np = 0, n = 0, nl = 0;
    kz_err rc = KZ_ENOMEM;
    if (errbuf && cap)
        errbuf[0] = '\0';
    kz_arena *a = kz_arena_new(1u << 20);
    if (!a)
        return KZ_ENOMEM;
    rc = read_file(dir, "tram-train.jsonl", a, &tram, &nt, errbuf, cap);
    if (rc)
        goto fail;
    rc = read_file(dir, "procedures.jsonl", a, &proc, &np, errbuf, cap);
    if (rc)
        goto fail;
    rc = KZ_ENOMEM;
    labels = kz_malloc((nt + 1) * sizeof *labels);
    all = kz_malloc((nt + np + 1) * sizeof *all);
    if (!labels || !all)
        goto fail;
    for (size_t i = 0; i < nt; i++)
        labels[i] = tram[i].label;
    qsort(labels, nt, sizeof *labels, cmp_str);
    for (size_t i = 0; i < nt; i++)
        if (!nl || strcmp(labels[nl - 1], labels[i]) != 0)
            labels[nl++] = labels[i];
    /* TRAM first, then the procedures of TRAM's techniques, each in file
     * order: the example order is part of what makes the bytes. */
    for (size_t i = 0; i < nt; i++)
        all[n++] = tram[i];
    for (size_t i = 0; i < np; i++) {
        if (!bsearch(&proc[i].label, labels, nl, sizeof *labels, cmp_str))
            continue;
        all[n] = proc[i];
        all[n++].weight = KZ_PROC_WEIGHT;
    }
    rc = kz_classify_train(all, n, opts, out);
    if (rc && errbuf && cap)
        snprintf(errbuf, cap, "training failed: %s", kz_strerror(rc));
fail:
    kz_free(labels);
    kz_free(all);
    kz_arena_free(a);
    return rc;
}
