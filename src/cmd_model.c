/* cmd_model.c - `kizuna model train|eval|info`: rebuilds the technique
 * classifier's model file from the training data (kz_classify_train_dir,
 * written atomically), scores a model against a file of labelled sentences
 * (micro/macro F1 and a per-class table) and describes a model file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "classify_cli.h"
#include "kizuna/alloc.h"
#include "kizuna/extract_report.h"
#include "kizuna/file.h"
#include "kizuna/json.h"

static const char train_help[] =
    "usage: kizuna model train [--data-dir DIR] [--out FILE] [--epochs N] [--seed S]\n"
    "\n"
    "Trains the ATT&CK technique classifier on DIR/tram-train.jsonl and\n"
    "DIR/procedures.jsonl (never on tram-heldout.jsonl) and writes the model file\n"
    "atomically (a temporary file, fsync, rename). The same data and options give\n"
    "the same bytes: the committed data/models/attack.kzm is this command's output.\n"
    "\n"
    "  --data-dir DIR   the training data (default: the data/attack folder that holds\n"
    "                   techniques.jsonl, found as 'kizuna extract' finds it)\n"
    "  --out FILE       where to write the model (default: the default model path,\n"
    "                   data/models/attack.kzm, when it is writable)\n"
    "  --epochs N       training epochs (default: the built-in recipe's)\n"
    "  --seed S         shuffling seed (default: 0, the committed model's)\n";

static const char eval_help[] =
    "usage: kizuna model eval FILE.jsonl [--model FILE] [--threshold P] [--json]\n"
    "\n"
    "Classifies every {\"text\": ..., \"attack_id\": ...} line of FILE.jsonl and prints\n"
    "micro-F1, macro-F1 (over the labels with examples) and per class (sorted by id)\n"
    "precision, recall, F1 and support. A prediction under the threshold is 'none':\n"
    "a missed technique (false negative), never a false positive.\n"
    "\n"
    "  --model FILE     the model (default: as 'kizuna classify')\n"
    "  --threshold P    0..1 (default: classify.threshold in kizuna.conf, else 0)\n"
    "  --json           the figures as one JSON object\n";

static const char info_help[] =
    "usage: kizuna model info [--model FILE]\n"
    "\n"
    "Prints the model file's path, size and classes.\n";

static void usage(FILE *f)
{
    fputs("usage: kizuna model train|eval|info [OPTIONS]\n"
          "\n"
          "The ATT&CK technique classifier's model (see docs/classify.md):\n"
          "  train   rebuild the model file from the training data\n"
          "  eval    micro/macro F1 and per-class scores on labelled sentences\n"
          "  info    what a model file holds\n"
          "\n"
          "'kizuna model SUBCOMMAND --help' describes one.\n",
          f);
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- train ---- */

/* The folder of the ATT&CK technique names file (data/attack). */
static bool default_data_dir(char *out, size_t cap)
{
    if (kz_attack_names_default_path(out, cap) != KZ_OK)
        return false;
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, cap, ".");
    else
        *slash = '\0';
    return true;
}

/* The folder path is in ("/" for "/x", "." for a bare name) into dir. */
static void folder_of(const char *path, char *dir, size_t cap)
{
    snprintf(dir, cap, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, cap, ".");
}

/* Whether path can be written: its folder is writable and the file is
 * absent or writable. */
static bool writable(const char *path)
{
    char dir[PATH_MAX];
    folder_of(path, dir, sizeof dir);
    if (access(dir, W_OK) != 0)
        return false;
    return access(path, F_OK) != 0 || access(path, W_OK) == 0;
}

/* Writes data to path atomically: a temporary file in the same folder,
 * fsync, rename over path, fsync of the folder. The old file, if any,
 * stays whole until the rename. 0 or an error line. */
static int write_atomic(const char *path, const char *data, size_t len)
{
    char tmp[PATH_MAX];
    int l = snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
    if (l < 0 || (size_t)l >= sizeof tmp)
        return kz_cli_error("model train: path too long: '%s'", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return kz_cli_error("model train: cannot create '%s': %s", tmp, strerror(errno));
    const char *p = data;
    size_t left = len;
    int err = 0;
    while (left && !err) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            err = w < 0 ? errno : EIO;
        else {
            p += w;
            left -= (size_t)w;
        }
    }
    if (!err && fchmod(fd, 0644) != 0)
        err = errno;
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        return kz_cli_error("model train: cannot write '%s': %s", path, strerror(err));
    }
    /* the rename itself is durable once the folder is synced */
    char dir[PATH_MAX];
    folder_of(path, dir, sizeof dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return KZ_EXIT_OK;
}

static void on_progress(void *ctx, uint32_t epoch, uint32_t epochs)
{
    (void)ctx;
    fprintf(stderr, "\rkizuna: model train: epoch %u/%u", epoch, epochs);
    fflush(stderr);
}

static int parse_u32(const char *cmd, const char *opt, const char *v, uint32_t min,
                     uint32_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || !end || end == v || *end || *v == '-' || x < min || x > UINT32_MAX)
        return kz_cli_usage(cmd, "option '%s' needs a number from %u, got '%s'", opt, min, v);
    *out = (uint32_t)x;
    return KZ_EXIT_OK;
}

/* How many labelled lines DIR/NAME holds (for the summary), only those
 * labelled with one of model c's classes or a sub-technique of one when c
 * is given (what the recipe of lib/classify/train_dir.c takes from the
 * procedure examples); 0 when unreadable. */
static size_t count_examples(const char *dir, const char *name, const kz_classifier *c)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *buf = NULL;
    size_t len = 0, n = 0;
    if (kz_file_read(path, KZ_CLASSIFY_MAX_FILE, &buf, &len, NULL, 0))
        return 0;
    kz_arena *a = kz_arena_new(0);
    kz_classify_example *ex = NULL;
    if (a && kz_classify_read_jsonl(buf, len, a, &ex, &n, NULL, 0))
        n = 0;
    size_t kept = c ? 0 : n, nc = c ? kz_classifier_nclasses(c) : 0;
    for (size_t i = 0; c && i < n; i++) {
        /* the class itself, or a sub-technique of a class (T1055.012 of T1055) */
        const char *dot = strchr(ex[i].label, '.');
        size_t pl = dot ? (size_t)(dot - ex[i].label) : 0;
        for (size_t k = 0; k < nc; k++) {
            const char *cls = kz_classifier_class(c, k);
            if (!strcmp(ex[i].label, cls) ||
                (pl && strlen(cls) == pl && !strncmp(ex[i].label, cls, pl))) {
                kept++;
                break;
            }
        }
    }
    n = kept;
    kz_arena_free(a);
    kz_free(buf);
    return n;
}

static int model_train(kz_cli *cli, int argc, char **argv)
{
    const char *dir = NULL, *out = NULL;
    kz_classify_train_opts o;
    memset(&o, 0, sizeof o);
    o.l2 = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            fputs(train_help, stdout);
            return KZ_EXIT_OK;
        }
        bool val = !strcmp(a, "--data-dir") || !strcmp(a, "--out") || !strcmp(a, "--epochs") ||
                   !strcmp(a, "--seed");
        if (!val)
            return kz_cli_usage("model train", "unknown argument '%s'", a);
        if (i + 1 >= argc)
            return kz_cli_usage("model train", "option '%s' needs a value", a);
        const char *v = argv[++i];
        int r = KZ_EXIT_OK;
        if (!strcmp(a, "--data-dir"))
            dir = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (!strcmp(a, "--epochs"))
            r = parse_u32("model train", a, v, 1, &o.epochs);
        else
            r = parse_u32("model train", a, v, 0, &o.seed);
        if (r)
            return r;
    }
    char dbuf[PATH_MAX], obuf[PATH_MAX];
    if (!dir) {
        if (!default_data_dir(dbuf, sizeof dbuf))
            return kz_cli_usage("model train",
                                "no training data found (give --data-dir DIR or set KZ_ATTACK)");
        dir = dbuf;
    }
    if (!out) {
        (void)kz_classifier_default_path(obuf, sizeof obuf);
        if (!obuf[0] || !writable(obuf))
            return kz_cli_usage("model train", "'%s' is not writable: give --out FILE",
                                obuf[0] ? obuf : "the default model path");
        out = obuf;
    }
    bool progress = cli->tty && !cli->quiet;
    if (progress) {
        o.progress = on_progress;
        o.progress_ctx = NULL;
    }
    kz_buf model;
    kz_buf_init(&model, KZ_CLASSIFY_MAX_MODEL);
    char err[512];
    err[0] = '\0';
    double t0 = mono_now(), c0 = cpu_now();
    kz_err rc = kz_classify_train_dir(dir, &o, &model, err, sizeof err);
    double wall = mono_now() - t0, cpu = cpu_now() - c0;
    if (progress)
        fputc('\n', stderr);
    if (rc) {
        kz_buf_release(&model);
        return kz_cli_error("model train: %s", err[0] ? err : kz_strerror(rc));
    }
    kz_classifier *c = NULL;
    rc = kz_classifier_load_mem(model.data, model.len, &c, err, sizeof err);
    if (rc) {
        kz_buf_release(&model);
        return kz_cli_error("model train: the new model does not load: %s",
                            err[0] ? err : kz_strerror(rc));
    }
    int r = write_atomic(out, model.data, model.len);
    if (!r && !cli->quiet)
        printf("model: %s\nclasses: %zu\nexamples: %zu TRAM sentences, %zu ATT&CK procedure "
               "examples of those techniques\ntime: %.2f s wall, %.2f s CPU\nbytes: %zu\n",
               out, kz_classifier_nclasses(c), count_examples(dir, "tram-train.jsonl", NULL),
               count_examples(dir, "procedures.jsonl", c), wall, cpu, model.len);
    kz_classifier_free(c);
    kz_buf_release(&model);
    return r;
}

/* ---- eval ---- */

static int model_eval(kz_cli *cli, int argc, char **argv)
{
    const char *file = NULL, *mpath = NULL, *thr = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            fputs(eval_help, stdout);
            return KZ_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--model") || !strcmp(a, "--threshold")) {
            if (i + 1 >= argc)
                return kz_cli_usage("model eval", "option '%s' needs a value", a);
            if (a[2] == 'm')
                mpath = argv[++i];
            else
                thr = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return kz_cli_usage("model eval", "unknown option '%s'", a);
        } else if (!file) {
            file = a;
        } else {
            return kz_cli_usage("model eval", "only one file, got '%s' too", a);
        }
    }
    if (!file)
        return kz_cli_usage("model eval", "which file? (a JSON-lines file of labelled sentences)");
    double threshold;
    int r = thr ? kz_ccli_parse_prob("model eval", "--threshold", thr, &threshold)
                : kz_ccli_conf_threshold(cli, "model eval", "classify.threshold",
                                         KZ_CCLI_CLASSIFY_THRESHOLD, &threshold);
    if (r)
        return r;
    char *buf = NULL, why[256];
    size_t len = 0;
    kz_err rc = kz_file_read(file, KZ_CLASSIFY_MAX_FILE, &buf, &len, why, sizeof why);
    if (rc)
        return kz_cli_error("model eval: cannot read '%s': %s", file, why);
    kz_classifier *c = NULL;
    kz_arena *a = kz_arena_new(0);
    kz_classify_example *ex = NULL;
    size_t n = 0;
    if (!a) {
        r = kz_cli_error("model eval: out of memory");
        goto done;
    }
    rc = kz_classify_read_jsonl(buf, len, a, &ex, &n, why, sizeof why);
    if (rc) {
        r = kz_cli_error("model eval: '%s': %s", file, rc == KZ_ENOMEM ? "out of memory" : why);
        goto done;
    }
    r = kz_ccli_load_model("model eval", mpath, &c);
    if (r)
        goto done;
    kz_classify_eval_result res;
    memset(&res, 0, sizeof res);
    rc = kz_classify_eval(c, ex, n, threshold, a, &res);
    if (rc) {
        r = kz_cli_error("model eval: %s", kz_strerror(rc));
        goto done;
    }
    if (json) {
        printf("{\"examples\": %zu, \"threshold\": %.4f, \"micro_f1\": %.4f, \"macro_f1\": %.4f, "
               "\"micro_precision\": %.4f, \"micro_recall\": %.4f, \"classes\": [",
               res.n, threshold, res.micro_f1, res.macro_f1, res.micro_precision,
               res.micro_recall);
        for (size_t i = 0; i < res.nclasses; i++) {
            const kz_classify_class_score *s = &res.classes[i];
            kz_buf idb;
            kz_buf_init(&idb, 0);
            if (kz_json_write_string(&idb, s->attack_id, strlen(s->attack_id), 0)) {
                kz_buf_release(&idb);
                r = kz_cli_error("model eval: out of memory");
                goto done;
            }
            printf("%s\n  {\"attack_id\": %s, \"precision\": %.4f, \"recall\": %.4f, "
                   "\"f1\": %.4f, \"support\": %u, \"tp\": %u, \"fp\": %u, \"fn\": %u}",
                   i ? "," : "", idb.data, s->precision, s->recall, s->f1, s->support, s->tp,
                   s->fp, s->fn);
            kz_buf_release(&idb);
        }
        printf("%s]}\n", res.nclasses ? "\n" : "");
    } else {
        printf("examples   %zu\nthreshold  %.4f\nmicro-F1   %.4f  (precision %.4f, recall "
               "%.4f)\nmacro-F1   %.4f\n\n%-12s %9s %9s %9s %8s\n",
               res.n, threshold, res.micro_f1, res.micro_precision, res.micro_recall,
               res.macro_f1, "class", "precision", "recall", "f1", "support");
        for (size_t i = 0; i < res.nclasses; i++) {
            const kz_classify_class_score *s = &res.classes[i];
            printf("%-12s %9.4f %9.4f %9.4f %8u\n", s->attack_id, s->precision, s->recall,
                   s->f1, s->support);
        }
    }
    if (fflush(stdout))
        r = kz_cli_error("model eval: cannot write: %s", strerror(errno));
done:
    kz_classifier_free(c);
    kz_arena_free(a);
    kz_free(buf);
    return r;
}

/* ---- info ---- */

static int model_info(kz_cli *cli, int argc, char **argv)
{
    (void)cli;
    const char *mpath = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            fputs(info_help, stdout);
            return KZ_EXIT_OK;
        } else if (!strcmp(a, "--model") && i + 1 < argc) {
            mpath = argv[++i];
        } else {
            return kz_cli_usage("model info", "unknown argument '%s'", a);
        }
    }
    char p[PATH_MAX];
    (void)kz_ccli_model_path(mpath, p, sizeof p);
    kz_classifier *c = NULL;
    int r = kz_ccli_load_model("model info", mpath, &c);
    if (r)
        return r;
    struct stat st;
    long long size = stat(p, &st) == 0 ? (long long)st.st_size : -1;
    size_t n = kz_classifier_nclasses(c);
    printf("model: %s\nbytes: %lld\n", p, size);
    uint32_t bits = 0, rows = 0;
    kz_classifier_info(c, &bits, &rows);
    printf("buckets: %lu (2^%u), %u with weights\n", 1ul << bits, bits, rows);
    printf("classes: %zu\n", n);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? " " : "  ", kz_classifier_class(c, i));
    if (n)
        putchar('\n');
    kz_classifier_free(c);
    return fflush(stdout) ? kz_cli_error("model info: cannot write") : KZ_EXIT_OK;
}

typedef struct sub {
    const char *name;
    int (*fn)(kz_cli *cli, int argc, char **argv);
} sub;

static const sub subs[] = {
    {"train", model_train},
    {"eval", model_eval},
    {"info", model_info},
};

int cmd_model(kz_cli *cli, int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return KZ_EXIT_ERROR;
    }
    if (kz_cli_is_help(argv[1])) {
        usage(stdout);
        return KZ_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(argv[1], subs[i].name))
            return subs[i].fn(cli, argc - 1, argv + 1);
    return kz_cli_usage("model", "unknown subcommand '%s' (train, eval or info)", argv[1]);
}
