/* cmd_classify.c - `kizuna classify`: reads sentences one per line (stdin
 * or --file) and prints, per line, the ATT&CK technique the classifier
 * gives it and the probability ("T1059.003<TAB>0.9312"; "none<TAB>0.8120"
 * when the model's "none" class wins, "none<TAB>0.2107" under the
 * threshold), streamed through one output buffer; also the
 * model loading and threshold helpers that `kizuna model` and `kizuna
 * extract` share (classify_cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify_cli.h"
#include "kizuna/buf.h"
#include "kizuna/config.h"
#include "kizuna/json.h"

/* ---- shared helpers (classify_cli.h) ---- */

int kz_ccli_parse_prob(const char *cmd, const char *opt, const char *v, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = v && *v ? strtod(v, &end) : NAN;
    if (!v || !*v || errno || !end || *end || !(d >= 0.0 && d <= 1.0))
        return kz_cli_usage(cmd, "option '%s' needs a probability from 0 to 1, got '%s'", opt,
                            v ? v : "");
    *out = d;
    return KZ_EXIT_OK;
}

int kz_ccli_conf_threshold(kz_cli *cli, const char *cmd, const char *key, double def,
                           double *out)
{
    *out = def;
    if (!cli->data_dir || !*cli->data_dir)
        return KZ_EXIT_OK;
    kz_config *conf = NULL;
    kz_config_error ce;
    memset(&ce, 0, sizeof ce);
    kz_err rc = kz_config_load_node(cli->data_dir, &conf, &ce);
    if (rc)
        return kz_cli_error("%s: %s/kizuna.conf: %s", cmd, cli->data_dir,
                            ce.msg[0] ? ce.msg : kz_strerror(rc));
    const char *v = kz_config_get(conf, key);
    int r = KZ_EXIT_OK;
    if (v) {
        char *end = NULL;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !(d >= 0.0 && d <= 1.0))
            r = kz_cli_error("%s: kizuna.conf:%zu: %s must be a probability from 0 to 1", cmd,
                             kz_config_line(conf, key), key);
        else
            *out = d;
    }
    kz_config_free(conf);
    return r;
}

bool kz_ccli_model_path(const char *path, char *buf, size_t cap)
{
    if (path) {
        snprintf(buf, cap, "%s", path);
        return access(path, F_OK) == 0;
    }
    return kz_classifier_default_path(buf, cap) == KZ_OK;
}

int kz_ccli_load_model(const char *cmd, const char *path, kz_classifier **out)
{
    char p[PATH_MAX], err[256];
    *out = NULL;
    if (!kz_ccli_model_path(path, p, sizeof p))
        return kz_cli_error("%s: no model file '%s' (give --model FILE or set KZ_MODEL; "
                            "'kizuna model train' builds one)",
                            cmd, p);
    err[0] = '\0';
    kz_err rc = kz_classifier_load(p, out, err, sizeof err);
    if (rc)
        return kz_cli_error("%s: model '%s': %s", cmd, p, err[0] ? err : kz_strerror(rc));
    return KZ_EXIT_OK;
}

/* ---- kizuna classify ---- */

#define CLASSIFY_MAX_TOP 64
#define READ_CHUNK (1u << 20)
#define OUT_FLUSH (1u << 16)

static void usage(FILE *f)
{
    fputs("usage: kizuna classify [--model FILE] [--threshold P] [--top K] [--json]\n"
          "                       [--file FILE]\n"
          "\n"
          "Reads sentences, one per line (standard input, or --file), and prints for\n"
          "each line the ATT&CK technique the classifier sees in it and the model's\n"
          "probability: ATTACK_ID<TAB>PROBABILITY, e.g. 'T1059.003\t0.9312'. When the\n"
          "model's class 'none' (about no technique it knows) is the most probable,\n"
          "the id is 'none' with that probability; under the threshold the id is\n"
          "'none' too (the probability is still the best class's).\n"
          "An empty line or one without words is 'none\t0.0000'. Lines longer than\n"
          "64 KiB are classified on their first 64 KiB. See docs/classify.md.\n"
          "\n"
          "  --model FILE     the model (default: $KZ_MODEL, else data/models/attack.kzm\n"
          "                   next to the binary's tree, else the installed one)\n"
          "  --threshold P    0..1 (default: classify.threshold in kizuna.conf with\n"
          "                   --data DIR, else 0: always the best class)\n"
          "  --top K          the K best classes at or above the threshold, best first,\n"
          "                   as ID<TAB>PROB pairs on the line (at most 64); 'none' is\n"
          "                   one of them when it is among the K best\n"
          "  --json           one JSON object per line: {\"line\": N, \"attack_id\": ...,\n"
          "                   \"probability\": P} (and \"top\": [...] with --top)\n"
          "  --file FILE      read FILE instead of standard input\n"
          "\n"
          "exit status: 0 done, 2 usage error, missing or damaged model, I/O error\n",
          f);
}

typedef struct cctx {
    const kz_classifier *model;
    double threshold;
    size_t top;       /* 0: just the best class */
    bool json;
    size_t line;
    kz_buf out;
    kz_classify_result res[CLASSIFY_MAX_TOP];
} cctx;

/* "0.9312": 4 decimals, no printf per line (this runs per sentence). */
static kz_err append_prob(kz_buf *b, double p)
{
    if (!(p >= 0.0))
        p = 0.0;
    if (p > 1.0)
        p = 1.0;
    unsigned v = (unsigned)lrint(p * 10000.0);
    char d[6] = {(char)('0' + v / 10000), '.', (char)('0' + v / 1000 % 10),
                 (char)('0' + v / 100 % 10), (char)('0' + v / 10 % 10), (char)('0' + v % 10)};
    return kz_buf_append(b, d, sizeof d);
}

static kz_err append_pair(kz_buf *b, bool json, const char *id, double p)
{
    kz_err rc = kz_buf_append_str(b, json ? "\"attack_id\": \"" : "");
    if (!rc)
        rc = kz_buf_append_str(b, id); /* class ids are plain ASCII, checked at load */
    if (!rc)
        rc = kz_buf_append_str(b, json ? "\", \"probability\": " : "\t");
    if (!rc)
        rc = append_prob(b, p);
    return rc;
}

/* Classifies one line (without its newline) and appends its output line. */
static kz_err classify_line(cctx *c, const char *s, size_t len)
{
    if (len && s[len - 1] == '\r')
        len--;
    c->line++;
    kz_classify_result best;
    kz_classify(c->model, s, len, c->threshold, &best);
    kz_buf *b = &c->out;
    kz_err rc = KZ_OK;
    if (c->json) {
        rc = kz_buf_append_str(b, "{\"line\": ");
        if (!rc)
            rc = kz_buf_append_uint(b, c->line);
        if (!rc)
            rc = kz_buf_append_str(b, ", ");
    }
    if (!rc)
        rc = append_pair(b, c->json, best.attack_id, best.prob);
    if (!rc && c->top) {
        size_t n = kz_classify_topk(c->model, s, len, c->res, c->top), shown = 0;
        if (c->json)
            rc = kz_buf_append_str(b, ", \"top\": [");
        /* the best class is already printed (or "none"); the rest follow
         * while they reach the threshold */
        for (size_t i = 0; !rc && i < n; i++) {
            if (c->res[i].prob < c->threshold || (i == 0 && !c->json))
                continue;
            if (c->json)
                rc = kz_buf_append_str(b, shown++ ? ", {" : "{");
            else
                rc = kz_buf_append_char(b, '\t');
            if (!rc)
                rc = append_pair(b, c->json, c->res[i].attack_id, c->res[i].prob);
            if (!rc && c->json)
                rc = kz_buf_append_char(b, '}');
        }
        if (!rc && c->json)
            rc = kz_buf_append_char(b, ']');
    }
    if (!rc)
        rc = kz_buf_append_str(b, c->json ? "}\n" : "\n");
    if (!rc && b->len >= OUT_FLUSH) {
        if (fwrite(b->data, 1, b->len, stdout) != b->len)
            rc = KZ_EIO;
        kz_buf_reset(b);
    }
    return rc;
}

/* Reads fd to its end and classifies each line. A line is held up to
 * KZ_CLASSIFY_MAX_TEXT bytes; the rest of a longer line is skipped (the
 * classifier would ignore it anyway), so memory stays bounded whatever
 * the input. */
static kz_err classify_fd(cctx *c, int fd)
{
    char *buf = malloc(READ_CHUNK + KZ_CLASSIFY_MAX_TEXT);
    if (!buf)
        return KZ_ENOMEM;
    size_t have = 0;   /* bytes of the current (incomplete) line held at buf */
    bool skipping = false;
    kz_err rc = KZ_OK;
    for (;;) {
        /* what is classified goes out before a read that may wait: a
         * pipeline fed a line at a time gets each answer at once, a file
         * pays one write per MiB read */
        if (c->out.len) {
            if (fwrite(c->out.data, 1, c->out.len, stdout) != c->out.len || fflush(stdout)) {
                rc = KZ_EIO;
                break;
            }
            kz_buf_reset(&c->out);
        }
        ssize_t r = read(fd, buf + have, READ_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = KZ_EIO;
            break;
        }
        if (r == 0)
            break;
        size_t end = have + (size_t)r, start = 0;
        while (!rc && start < end) {
            char *nl = memchr(buf + start, '\n', end - start);
            if (!nl)
                break;
            size_t ll = (size_t)(nl - (buf + start));
            if (skipping)
                skipping = false; /* the tail of an over-long line: already classified */
            else
                rc = classify_line(c, buf + start, ll);
            start += ll + 1;
        }
        if (rc)
            break;
        /* keep the incomplete line at the front, cut at the cap */
        size_t rest = end - start;
        if (skipping) {
            rest = 0;
        } else if (rest >= KZ_CLASSIFY_MAX_TEXT) {
            rc = classify_line(c, buf + start, KZ_CLASSIFY_MAX_TEXT);
            skipping = true;
            rest = 0;
        }
        if (rest && start)
            memmove(buf, buf + start, rest);
        have = rest;
    }
    if (!rc && have && !skipping)
        rc = classify_line(c, buf, have); /* a last line without its newline */
    free(buf);
    return rc;
}

int cmd_classify(kz_cli *cli, int argc, char **argv)
{
    const char *model_path = NULL, *file = NULL, *thr = NULL;
    long top = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            usage(stdout);
            return KZ_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if ((!strcmp(a, "--model") || !strcmp(a, "--threshold") || !strcmp(a, "--top") ||
                    !strcmp(a, "--file")) &&
                   i + 1 < argc) {
            const char *v = argv[++i];
            if (a[2] == 'm')
                model_path = v;
            else if (a[2] == 'f')
                file = v;
            else if (a[3] == 'h')
                thr = v;
            else {
                char *end = NULL;
                errno = 0;
                top = strtol(v, &end, 10);
                if (errno || !end || *end || end == v || top < 1 || top > CLASSIFY_MAX_TOP)
                    return kz_cli_usage("classify", "--top needs a number from 1 to %d",
                                        CLASSIFY_MAX_TOP);
            }
        } else if (!strcmp(a, "--model") || !strcmp(a, "--threshold") || !strcmp(a, "--top") ||
                   !strcmp(a, "--file")) {
            return kz_cli_usage("classify", "option '%s' needs a value", a);
        } else if (!strcmp(a, "-")) {
            file = NULL;
        } else {
            return kz_cli_usage("classify", "unknown argument '%s'", a);
        }
    }
    cctx c;
    memset(&c, 0, sizeof c);
    c.json = json;
    c.top = (size_t)top;
    int r = thr ? kz_ccli_parse_prob("classify", "--threshold", thr, &c.threshold)
                : kz_ccli_conf_threshold(cli, "classify", "classify.threshold",
                                         KZ_CCLI_CLASSIFY_THRESHOLD, &c.threshold);
    if (r)
        return r;
    int fd = 0;
    if (file && strcmp(file, "-")) {
        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return kz_cli_error("classify: cannot open '%s': %s", file, strerror(errno));
    }
    kz_classifier *model = NULL;
    r = kz_ccli_load_model("classify", model_path, &model);
    if (r) {
        if (fd)
            close(fd);
        return r;
    }
    c.model = model;
    kz_buf_init(&c.out, 0);
    kz_err rc = kz_buf_reserve(&c.out, OUT_FLUSH + 4096);
    if (!rc)
        rc = classify_fd(&c, fd);
    if (!rc && c.out.len && fwrite(c.out.data, 1, c.out.len, stdout) != c.out.len)
        rc = KZ_EIO;
    if (!rc && fflush(stdout))
        rc = KZ_EIO;
    int saved = errno;
    if (fd)
        close(fd);
    kz_buf_release(&c.out);
    kz_classifier_free(model);
    if (rc == KZ_EIO)
        return kz_cli_error("classify: %s", strerror(saved));
    if (rc)
        return kz_cli_error("classify: %s", kz_strerror(rc));
    return KZ_EXIT_OK;
}
