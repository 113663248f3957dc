/* cmd_extract.c - `kizuna extract`: reads a text, Markdown or HTML report
 * (or stdin), runs kz_extract_scan over it and prints the indicators as
 * TSV (each value once, in order of first appearance) or JSON (every
 * occurrence with its offset, line and the text as written), and with
 * --stats the scanner's and the whole command's CPU time. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "extract_stix.h"
#include "kizuna/buf.h"
#include "kizuna/extract.h"
#include "kizuna/json.h"
#include "kizuna/strmap.h"

/* Largest input read (the scanner itself streams by line; the command
 * holds the file so that JSON can quote the text as written). */
#define EXTRACT_INPUT_MAX ((size_t)4 << 30)

/* Hits are copied into a batch as the scanner reports them and handled a
 * batch at a time: the de-duplication map's slots of a whole batch are
 * prefetched before they are probed (the map outgrows the caches on a big
 * report, and the misses then overlap), and the CPU time of handling is
 * measured per batch (two clock reads per batch, not per hit), so that
 * --stats can tell the scanner's own time from the rest. */
#define BATCH_HITS 4096

typedef struct bhit {
    size_t key;      /* offset in ectx.vals: the type byte ('A' + type), then the value */
    size_t value_len;
    size_t offset, len, line;
    uint64_t hash;   /* tsv: of the key */
    kz_ioc_type type;
    bool defanged;
} bhit;

typedef struct ectx {
    bool json, tsv, stats;
    const char *text;
    kz_strmap *seen; /* tsv: "type\tvalue" already printed */
    kz_buf out;
    bhit *batch;
    size_t n_batch;
    kz_buf vals;     /* the batch's keys, each NUL-terminated (hit values are) */
    size_t n;        /* hits (json, stix) or distinct values printed (tsv) */
    size_t hits;     /* every hit the scanner reported */
    double handle_cpu; /* --stats: CPU seconds spent handling batches */
    kz_err err;
    kz_xstix *xs; /* stix/json additions (extract_stix.c) */
} ectx;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
    fputs("usage: kizuna extract [FILE|-] [--format stix|tsv|json] [--types T,...] [--html]\n"
          "                      [--lang auto|en|ja] [--tlp LEVEL] [--author NAME]\n"
          "                      [--publish --collection C] [--warninglists DIR] [--stats]\n"
          "                      [--no-classify] [--classify-threshold P] [--model FILE]\n"
          "\n"
          "Finds indicators of compromise in a report written in English or Japanese\n"
          "(text, Markdown or HTML; '-' or no FILE reads standard input): IPv4 and IPv6\n"
          "addresses, domain names, URLs, e-mail addresses, MD5/SHA-1/SHA-256/SHA-512\n"
          "hashes, CVE ids and ATT&CK technique ids, also when defanged (hxxp, [.], [at])\n"
          "or written with full-width characters; with stix and json also the ATT&CK\n"
          "techniques a classifier sees in the report's English sentences. See\n"
          "docs/extract.md and docs/classify.md.\n"
          "\n"
          "  --format FORMAT  stix (default): a STIX 2.1 bundle - a report, an indicator\n"
          "                   per IOC not on a warninglist, the observables,\n"
          "                   vulnerabilities and ATT&CK attack-patterns;\n"
          "                   tsv: TYPE<TAB>VALUE, each value once, in\n"
          "                   order of first appearance, with a third column\n"
          "                   warninglist:ID,... for a value on a warninglist;\n"
          "                   json: every occurrence with its\n"
          "                   byte offset, line, the text as written, the warninglists\n"
          "                   holding it and whether it was defanged, then the provider\n"
          "                   concentration (\"type\": \"provider-concentration\")\n"
          "  --types T,...    only these types (ipv4-addr ipv6-addr domain-name url\n"
          "                   email-addr file:hashes.MD5 file:hashes.SHA-1\n"
          "                   file:hashes.SHA-256 file:hashes.SHA-512 vulnerability\n"
          "                   attack-pattern)\n"
          "  --html           strip tags and decode entities first (the default for\n"
          "                   files named *.html or *.htm)\n"
          "  --lang LANG      auto (default), en or ja: accepted for compatibility; the\n"
          "                   scanner handles both languages in every mode\n"
          "  --stats          at the end, on stderr: bytes, lines, hits, distinct values,\n"
          "                   CPU time and MB/s of the scanner alone and of the whole\n"
          "                   command\n",
          f);
    fputs(kz_xstix_help, f);
    fputs(kz_wl_cli_help, f);
    fputs("\n"
          "exit status: 0 indicators found, 1 none found, 2 usage or I/O error\n",
          f);
}

/* Regular files from this size on are mapped instead of read: no copy
 * out of the page cache and no zeroed pages to fault in (on the 50 MB
 * bench report that was 12,800 page faults and a 50 MB copy). A file
 * truncated by someone else while it is being scanned would end the
 * process with SIGBUS, as it would for grep or ripgrep. */
#define EXTRACT_MAP_MIN ((size_t)1 << 20)

/* The input: *mapped says whether *out is an mmap (input_release). */
static int read_all(const char *path, char **out, size_t *len, bool *mapped)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0)
        return kz_cli_error("cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    struct stat st;
    *mapped = false;
    if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (uint64_t)st.st_size > EXTRACT_INPUT_MAX) {
        if (fd)
            close(fd);
        return kz_cli_error("'%s' is larger than 4 GiB", path);
    }
    if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= EXTRACT_MAP_MIN) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m != MAP_FAILED) {
            if (fd)
                close(fd);
            *out = m;
            *len = (size_t)st.st_size;
            *mapped = true;
            return KZ_EXIT_OK;
        }
        /* not mappable: read it as any other input */
    }
    if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (size_t)st.st_size + 1 > cap)
        cap = (size_t)st.st_size + 1;
    char *b = malloc(cap);
    if (!b) {
        if (fd)
            close(fd);
        return kz_cli_error("out of memory reading '%s'", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap >= EXTRACT_INPUT_MAX) {
                free(b);
                if (fd)
                    close(fd);
                return kz_cli_error("'%s' is larger than 4 GiB", path);
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                if (fd)
                    close(fd);
                return kz_cli_error("out of memory reading '%s'", path);
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            if (fd)
                close(fd);
            return kz_cli_error("cannot read '%s': %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (fd)
        close(fd);
    *out = b;
    *len = n;
    return KZ_EXIT_OK;
}

static void input_release(char *text, size_t len, bool mapped)
{
    if (mapped)
        munmap(text, len);
    else
        free(text);
}

static void flush(ectx *c, bool force)
{
    if (c->out.len && (force || c->out.len > (1u << 16))) {
        fwrite(c->out.data, 1, c->out.len, stdout);
        kz_buf_reset(&c->out);
    }
}

/* tsv: the line of a value seen for the first time (the caller checked). */
static kz_err tsv_line(ectx *c, const kz_ioc_hit *h)
{
    const char *tn = kz_ioc_type_name(h->type);
    size_t tl = strlen(tn);
    /* "TYPE\tVALUE" with one capacity check (kz_buf keeps its NUL) */
    kz_err rc = kz_buf_reserve(&c->out, tl + 1 + h->value_len);
    if (rc)
        return rc;
    char *p = c->out.data + c->out.len;
    memcpy(p, tn, tl);
    p[tl] = '\t';
    memcpy(p + tl + 1, h->value, h->value_len);
    c->out.len += tl + 1 + h->value_len;
    c->out.data[c->out.len] = '\0';
    if (!rc) /* "\twarninglist:ID,..." when the value is on a list */
        rc = kz_xstix_hit(c->xs, h, &c->out);
    if (!rc)
        rc = kz_buf_append_char(&c->out, '\n');
    return rc;
}

static kz_err json_hit(ectx *c, const kz_ioc_hit *h)
{
    const char *tn = kz_ioc_type_name(h->type);
    kz_err rc = kz_buf_append_str(&c->out, c->n ? ",\n  {\"type\": " : "[\n  {\"type\": ");
    if (!rc)
        rc = kz_json_write_string(&c->out, tn, strlen(tn), 0);
    if (!rc)
        rc = kz_buf_append_str(&c->out, ", \"value\": ");
    if (!rc)
        rc = kz_json_write_string(&c->out, h->value, h->value_len, 0);
    if (!rc)
        rc = kz_buf_append_str(&c->out, ", \"offset\": ");
    if (!rc)
        rc = kz_buf_append_uint(&c->out, h->offset);
    if (!rc)
        rc = kz_buf_append_str(&c->out, ", \"line\": ");
    if (!rc)
        rc = kz_buf_append_uint(&c->out, h->line);
    if (!rc)
        rc = kz_buf_append_str(&c->out, ", \"text\": ");
    if (!rc)
        rc = kz_json_write_string(&c->out, c->text + h->offset, h->len, 0);
    if (!rc)
        rc = kz_xstix_hit(c->xs, h, &c->out);
    if (!rc)
        rc = kz_buf_append_str(&c->out, h->defanged ? ", \"defanged\": true}"
                                                    : ", \"defanged\": false}");
    return rc;
}

/* Handles the hits of the batch in order, then empties it. */
static kz_err handle_batch(ectx *c)
{
    double t0 = c->stats ? cpu_now() : 0;
    kz_err rc = KZ_OK;
    if (c->tsv) {
        /* hash every key and start loading its slot, then probe */
        for (size_t i = 0; i < c->n_batch; i++) {
            bhit *b = &c->batch[i];
            b->hash = kz_strmap_hash(c->vals.data + b->key, b->value_len + 1);
            kz_strmap_prefetch(c->seen, b->hash);
        }
    }
    for (size_t i = 0; !rc && i < c->n_batch; i++) {
        const bhit *b = &c->batch[i];
        const char *key = c->vals.data + b->key;
        kz_ioc_hit h = {.type = b->type, .value = key + 1, .value_len = b->value_len,
                        .offset = b->offset, .len = b->len, .line = b->line,
                        .defanged = b->defanged};
        if (kz_xstix_quiet_hits(c->xs)) { /* stix: the bundle is printed at the end */
            rc = kz_xstix_hit(c->xs, &h, NULL);
            c->n++;
            continue;
        }
        if (c->tsv) {
            /* its slot is in the cache now: one probe says new or seen */
            rc = kz_strmap_put(c->seen, key, b->value_len + 1, 0, NULL);
            if (rc == KZ_EEXIST) {
                rc = KZ_OK;
                continue;
            }
            if (!rc)
                rc = tsv_line(c, &h);
        } else {
            rc = json_hit(c, &h);
        }
        if (rc)
            break;
        c->n++;
        flush(c, false);
    }
    c->n_batch = 0;
    kz_buf_reset(&c->vals);
    if (c->stats)
        c->handle_cpu += cpu_now() - t0;
    return rc;
}

/* The scanner's callback: copies the hit into the batch. */
static int on_hit(void *ctx, const kz_ioc_hit *h)
{
    ectx *c = ctx;
    bhit *b = &c->batch[c->n_batch];
    *b = (bhit){.key = c->vals.len, .value_len = h->value_len, .offset = h->offset,
                .len = h->len, .line = h->line, .type = h->type, .defanged = h->defanged};
    /* the key: type byte, value, NUL (one capacity check; kz_buf keeps
     * its own NUL after it) */
    kz_err rc = kz_buf_reserve(&c->vals, h->value_len + 2);
    if (!rc) {
        char *p = c->vals.data + c->vals.len;
        p[0] = (char)('A' + h->type);
        memcpy(p + 1, h->value, h->value_len);
        p[1 + h->value_len] = '\0';
        c->vals.len += h->value_len + 2;
        c->vals.data[c->vals.len] = '\0';
    }
    c->hits++;
    if (!rc && ++c->n_batch == BATCH_HITS)
        rc = handle_batch(c);
    if (rc) {
        c->err = rc;
        return 1;
    }
    return 0;
}

static size_t count_lines(const char *t, size_t len)
{
    size_t n = 0;
    for (const char *p = t, *end = t + len; p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        p = nl + 1;
    }
    /* a last line without its newline counts too */
    return len && t[len - 1] != '\n' ? n + 1 : n;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}

static int parse_types(const char *arg, uint32_t *types)
{
    char *copy = strdup(arg), *save = NULL;
    if (!copy)
        return kz_cli_error("out of memory");
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        kz_ioc_type v;
        if (kz_ioc_type_parse(t, &v)) {
            int r = kz_cli_usage("extract", "unknown type '%s'", t);
            free(copy);
            return r;
        }
        *types |= 1u << v;
    }
    free(copy);
    return KZ_EXIT_OK;
}

int cmd_extract(kz_cli *cli, int argc, char **argv)
{
    const char *path = NULL, *format = "stix", *lang = "auto";
    kz_extract_opts o = {0};
    bool html = false, stats = false;
    kz_xstix *xs = kz_xstix_new();
    int xo;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            usage(stdout);
            return KZ_EXIT_OK;
        } else if (!strcmp(a, "--format") && i + 1 < argc) {
            format = argv[++i];
        } else if (!strncmp(a, "--format=", 9)) {
            format = a + 9;
        } else if (!strcmp(a, "--types") && i + 1 < argc) {
            int r = parse_types(argv[++i], &o.types);
            if (r)
                return r;
        } else if (!strncmp(a, "--types=", 8)) {
            int r = parse_types(a + 8, &o.types);
            if (r)
                return r;
        } else if (!strcmp(a, "--html")) {
            html = true;
        } else if (!strcmp(a, "--stats")) {
            stats = true;
        } else if (!strcmp(a, "--lang") && i + 1 < argc) {
            lang = argv[++i];
        } else if (!strncmp(a, "--lang=", 7)) {
            lang = a + 7;
        } else if ((xo = kz_xstix_option(xs, argc, argv, &i)) != 0) {
            if (xo < 0)
                return KZ_EXIT_ERROR;
        } else if (a[0] == '-' && a[1]) {
            return kz_cli_usage("extract", "unknown option '%s'", a);
        } else if (!path) {
            path = a;
        } else {
            return kz_cli_usage("extract", "only one input file, got '%s' too", a);
        }
    }
    if (strcmp(format, "tsv") && strcmp(format, "json") && strcmp(format, "stix"))
        return kz_cli_usage("extract", "unknown format '%s' (stix, tsv or json)", format);
    if (strcmp(lang, "auto") && strcmp(lang, "en") && strcmp(lang, "ja"))
        return kz_cli_usage("extract", "unknown language '%s' (auto, en or ja)", lang);
    if (!path)
        path = "-";
    if (html || ends_with(path, ".html") || ends_with(path, ".htm"))
        o.input = KZ_EXTRACT_HTML;

    char *text = NULL;
    size_t len = 0;
    bool mapped = false;
    int r = read_all(path, &text, &len, &mapped);
    if (!r && (r = kz_xstix_begin(xs, cli, format, path, text, len, o.input == KZ_EXTRACT_HTML,
                                  o.types)))
        input_release(text, len, mapped);
    if (r) {
        kz_xstix_free(xs);
        return r;
    }
    ectx c = {.json = !strcmp(format, "json"), .tsv = !strcmp(format, "tsv"), .stats = stats,
              .text = text, .xs = xs};
    kz_buf_init(&c.out, 0);
    kz_buf_init(&c.vals, 0);
    c.batch = malloc(BATCH_HITS * sizeof *c.batch);
    /* sized for about one distinct value per 256 bytes (at most a million;
     * past that it grows): no rehash while reading */
    size_t expect = len / 256 + 1024;
    if (!c.batch || (c.tsv && !(c.seen = kz_strmap_new(expect < 1000000 ? expect : 1000000)))) {
        free(c.batch);
        kz_xstix_free(xs);
        input_release(text, len, mapped);
        return kz_cli_error("out of memory");
    }
    double t0 = stats ? cpu_now() : 0;
    kz_err rc = kz_extract_scan(text, len, &o, on_hit, &c);
    double scan_cpu = stats ? cpu_now() - t0 - c.handle_cpu : 0;
    if (!rc)
        rc = c.err;
    if (!rc && c.n_batch)
        rc = handle_batch(&c);
    size_t items = c.n; /* json: the array's elements so far */
    if (!rc)
        rc = kz_xstix_classify(xs, text, len, o.input == KZ_EXTRACT_HTML, &c.out, &items);
    if (!rc && c.json)
        rc = kz_xstix_json_close(xs, &c.out, items);
    flush(&c, true);
    int xr = rc ? 0 : kz_xstix_end(xs, cli);
    size_t distinct = c.tsv ? c.n : kz_xstix_distinct(xs);
    size_t classified = kz_xstix_classified(xs);
    kz_xstix_free(xs);
    kz_buf_release(&c.out);
    kz_buf_release(&c.vals);
    free(c.batch);
    kz_strmap_free(c.seen);
    if (rc) {
        input_release(text, len, mapped);
        return kz_cli_error("extract '%s': %s", path, kz_strerror(rc));
    }
    if (fflush(stdout)) {
        input_release(text, len, mapped);
        return kz_cli_error("cannot write output: %s", strerror(errno));
    }
    if (stats) {
        /* the whole command: start-up, warninglists, reading, scanning, output */
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        double total = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        double mb = (double)len / 1e6;
        fprintf(stderr,
                "kizuna: extract: stats: %zu bytes, %zu lines, %zu hits, %zu distinct, scan "
                "%.3f s CPU, %.0f MB/s, total %.3f s CPU, %.0f MB/s\n",
                len, count_lines(text, len), c.hits, distinct, scan_cpu,
                scan_cpu > 0 ? mb / scan_cpu : 0.0, total, total > 0 ? mb / total : 0.0);
    }
    input_release(text, len, mapped);
    if (xr)
        return xr;
    return c.n || classified ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
}
