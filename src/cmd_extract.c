/* cmd_extract.c - `kizuna extract`: reads a text, Markdown or HTML report
 * (or stdin), runs kz_extract_scan over it and prints the indicators as
 * TSV (each value once, in order of first appearance) or JSON (every
 * occurrence with its offset, line and the text as written). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

typedef struct ectx {
    bool json;
    const char *text;
    kz_strmap *seen; /* TSV: "type\tvalue" already printed */
    kz_buf out;
    kz_buf key;
    size_t n;
    kz_err err;
    kz_xstix *xs; /* stix/json additions (extract_stix.c) */
} ectx;

static void usage(FILE *f)
{
    fputs("usage: kizuna extract [FILE|-] [--format stix|tsv|json] [--types T,...] [--html]\n"
          "                      [--lang auto|en|ja] [--tlp LEVEL] [--author NAME]\n"
          "                      [--publish --collection C] [--warninglists DIR]\n"
          "\n"
          "Finds indicators of compromise in a report written in English or Japanese\n"
          "(text, Markdown or HTML; '-' or no FILE reads standard input): IPv4 and IPv6\n"
          "addresses, domain names, URLs, e-mail addresses, MD5/SHA-1/SHA-256/SHA-512\n"
          "hashes, CVE ids and ATT&CK technique ids, also when defanged (hxxp, [.], [at])\n"
          "or written with full-width characters. See docs/extract.md.\n"
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
          "                   scanner handles both languages in every mode\n",
          f);
    fputs(kz_xstix_help, f);
    fputs(kz_wl_cli_help, f);
    fputs("\n"
          "exit status: 0 indicators found, 1 none found, 2 usage or I/O error\n",
          f);
}

static int read_all(const char *path, char **out, size_t *len)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0)
        return kz_cli_error("cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    struct stat st;
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

static void flush(ectx *c, bool force)
{
    if (c->out.len && (force || c->out.len > (1u << 16))) {
        fwrite(c->out.data, 1, c->out.len, stdout);
        kz_buf_reset(&c->out);
    }
}

static int on_hit(void *ctx, const kz_ioc_hit *h)
{
    ectx *c = ctx;
    const char *tn = kz_ioc_type_name(h->type);
    kz_err rc;
    if (kz_xstix_quiet_hits(c->xs)) { /* stix: the bundle is printed at the end */
        c->err = kz_xstix_hit(c->xs, h, NULL);
        c->n++;
        return c->err != KZ_OK;
    }
    if (!c->json) {
        kz_buf_reset(&c->key);
        rc = kz_buf_append_char(&c->key, (char)('A' + h->type));
        if (!rc)
            rc = kz_buf_append(&c->key, h->value, h->value_len);
        if (!rc) {
            rc = kz_strmap_put(c->seen, c->key.data, c->key.len, 0, NULL);
            if (rc == KZ_EEXIST)
                return 0;
        }
        if (!rc)
            rc = kz_buf_append_str(&c->out, tn);
        if (!rc)
            rc = kz_buf_append_char(&c->out, '\t');
        if (!rc)
            rc = kz_buf_append(&c->out, h->value, h->value_len);
        if (!rc) /* "\twarninglist:ID,..." when the value is on a list */
            rc = kz_xstix_hit(c->xs, h, &c->out);
        if (!rc)
            rc = kz_buf_append_char(&c->out, '\n');
    } else {
        rc = kz_buf_append_str(&c->out, c->n ? ",\n  {\"type\": " : "[\n  {\"type\": ");
        if (!rc)
            rc = kz_json_write_string(&c->out, tn, strlen(tn), 0);
        if (!rc)
            rc = kz_buf_append_str(&c->out, ", \"value\": ");
        if (!rc)
            rc = kz_json_write_string(&c->out, h->value, h->value_len, 0);
        if (!rc)
            rc = kz_buf_printf(&c->out, ", \"offset\": %zu, \"line\": %zu, \"text\": ", h->offset,
                               h->line);
        if (!rc)
            rc = kz_json_write_string(&c->out, c->text + h->offset, h->len, 0);
        if (!rc)
            rc = kz_xstix_hit(c->xs, h, &c->out);
        if (!rc)
            rc = kz_buf_printf(&c->out, ", \"defanged\": %s}", h->defanged ? "true" : "false");
    }
    if (rc) {
        c->err = rc;
        return 1;
    }
    c->n++;
    flush(c, false);
    return 0;
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
    bool html = false;
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
    int r = read_all(path, &text, &len);
    if (!r && (r = kz_xstix_begin(xs, cli, format, path, text, len, o.input == KZ_EXTRACT_HTML)))
        free(text);
    if (r) {
        kz_xstix_free(xs);
        return r;
    }
    ectx c = {.json = !strcmp(format, "json"), .text = text, .xs = xs};
    kz_buf_init(&c.out, 0);
    kz_buf_init(&c.key, 0);
    /* sized for about one distinct value per 256 bytes: no rehash while reading */
    if (!c.json && !(c.seen = kz_strmap_new(len / 256 + 1024))) {
        free(text);
        return kz_cli_error("out of memory");
    }
    kz_err rc = kz_extract_scan(text, len, &o, on_hit, &c);
    if (!rc)
        rc = c.err;
    if (!rc && c.json)
        rc = kz_xstix_json_close(xs, &c.out, c.n);
    flush(&c, true);
    int xr = rc ? 0 : kz_xstix_end(xs, cli);
    kz_xstix_free(xs);
    kz_buf_release(&c.out);
    kz_buf_release(&c.key);
    kz_strmap_free(c.seen);
    free(text);
    if (rc)
        return kz_cli_error("extract '%s': %s", path, kz_strerror(rc));
    if (fflush(stdout))
        return kz_cli_error("cannot write output: %s", strerror(errno));
    if (xr)
        return xr;
    return c.n ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
}
