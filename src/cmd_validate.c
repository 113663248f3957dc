/* cmd_validate.c - `kizuna validate`: checks STIX 2.1 files (bundles,
 * TAXII envelopes, arrays of objects, single objects) with
 * kz_stix_validate_fd and prints each problem with its JSON path, then a
 * summary line per file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/stix.h"

typedef struct vctx {
    const char *name;  /* file name as given ("-" shown as "<stdin>") */
    bool json;
    bool quiet;
    bool progress;     /* stderr is a TTY and the file is big */
    uint64_t size;     /* file size for progress, 0 if unknown */
    time_t last_progress;
    size_t n_problems; /* JSON: problems written so far for this file */
    kz_buf out;
} vctx;

static void usage(FILE *f)
{
    fputs("usage: kizuna validate [--strict] [--format text|json] [--no-patterns] FILE...|-\n"
          "\n"
          "Checks STIX 2.1 bundles, TAXII envelopes, JSON arrays of objects or single\n"
          "objects against the specification; '-' reads standard input. Each problem is\n"
          "printed with its JSON path, then one summary line per file.\n"
          "\n"
          "  --strict          warnings make a file invalid\n"
          "  --format FORMAT   text (default) or json\n"
          "  --no-patterns     do not check indicator patterns\n"
          "\n"
          "exit status: 0 every file valid, 1 some object invalid, 2 usage or I/O error\n",
          f);
}

static void flush_out(vctx *c)
{
    if (c->out.len) {
        fwrite(c->out.data, 1, c->out.len, stdout);
        kz_buf_reset(&c->out);
    }
}

static void show_progress(vctx *c, uint64_t done, bool final)
{
    if (!c->progress)
        return;
    if (final) {
        fputs("\r\033[K", stderr);
        return;
    }
    time_t now = time(NULL);
    if (now == c->last_progress)
        return;
    c->last_progress = now;
    unsigned pct = c->size ? (unsigned)(done * 100 / c->size) : 0;
    fprintf(stderr, "\r\033[Kvalidating %s: %u%% (%llu MB)", c->name, pct,
            (unsigned long long)(done >> 20));
}

static void print_item_text(vctx *c, const kz_diag_item *di)
{
    printf("%s: %s: %s%s [%s]\n", c->name, di->path && *di->path ? di->path : "$",
           di->sev == KZ_SEV_WARNING ? "warning: " : "", di->msg, di->code);
}

static void print_item_json(vctx *c, const kz_diag_item *di, size_t line)
{
    kz_buf *b = &c->out;
    kz_buf_append_str(b, c->n_problems++ ? ",\n    {\"severity\":" : "\n    {\"severity\":");
    kz_json_write_string(b, di->sev == KZ_SEV_WARNING ? "warning" : "error",
                         di->sev == KZ_SEV_WARNING ? 7 : 5, 0);
    kz_buf_append_str(b, ",\"path\":");
    kz_json_write_string(b, di->path ? di->path : "$", di->path ? strlen(di->path) : 1, 0);
    kz_buf_append_str(b, ",\"code\":");
    kz_json_write_string(b, di->code, strlen(di->code), 0);
    kz_buf_append_str(b, ",\"message\":");
    kz_json_write_string(b, di->msg, strlen(di->msg), 0);
    if (line)
        kz_buf_printf(b, ",\"line\":%zu", line);
    kz_buf_append_char(b, '}');
    if (b->len > (64u << 10))
        flush_out(c);
}

static kz_err on_item(void *ud, const kz_stix_item *it)
{
    vctx *c = ud;
    const kz_diag *d = it->diag;
    show_progress(c, it->bytes_read, false);
    if (c->quiet && !c->json)
        return KZ_OK;
    if (c->progress && d->n && !c->json)
        fputs("\r\033[K", stderr); /* do not leave a progress line under a problem */
    for (size_t i = 0; i < d->n; i++) {
        if (c->json)
            print_item_json(c, &d->items[i], it->line);
        else
            print_item_text(c, &d->items[i]);
    }
    size_t total = d->n_errors + d->n_warnings;
    if (total > d->n && !c->json)
        printf("%s: %s: ... and %zu more problems in this object\n", c->name, it->path,
               total - d->n);
    return KZ_OK;
}

/* Validates one file; returns its exit code (0, 1 or 2). */
static int validate_one(const char *file, const kz_stix_opts *opts, bool json, bool quiet,
                        bool tty, size_t *n_written)
{
    vctx c;
    int fd = 0, status;
    struct stat st;
    memset(&c, 0, sizeof c);
    c.name = strcmp(file, "-") == 0 ? "<stdin>" : file;
    c.json = json;
    c.quiet = quiet;
    kz_buf_init(&c.out, 0);
    if (strcmp(file, "-") != 0) {
        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            kz_cli_error("cannot open '%s': %s", file,
                         e == ENOENT ? "no such file" : strerror(e));
            return KZ_EXIT_ERROR;
        }
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        kz_cli_error("cannot read '%s': is a directory", file);
        if (fd)
            close(fd);
        return KZ_EXIT_ERROR;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        c.size = (uint64_t)st.st_size;
        c.progress = tty && c.size >= (32u << 20);
    }
    if (json) {
        kz_buf_append_str(&c.out, (*n_written)++ == 0 ? "\n  {\"file\":" : ",\n  {\"file\":");
        kz_json_write_string(&c.out, c.name, strlen(c.name), 0);
        kz_buf_append_str(&c.out, ",\"problems\":[");
    }
    kz_stix_summary sum;
    kz_err rc = kz_stix_validate_fd(fd, 0, opts, on_item, &c, &sum);
    show_progress(&c, 0, true);
    if (fd)
        close(fd);
    if (rc) {
        flush_out(&c);
        fflush(stdout);
        kz_cli_error("cannot validate '%s': %s", file,
                     rc == KZ_EIO ? "read error" : kz_strerror(rc));
        if (json)
            printf("],\"error\":\"%s\",\"valid\":false}", kz_errname(rc));
        kz_buf_release(&c.out);
        return KZ_EXIT_ERROR;
    }
    bool valid = sum.n_errors == 0 && !(opts->strict && sum.n_warnings > 0);
    status = valid ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
    if (json) {
        kz_buf_printf(&c.out,
                      "%s],\"objects\":%zu,\"errors\":%zu,\"warnings\":%zu,\"valid\":%s}",
                      c.n_problems ? "\n  " : "", sum.n_objects, sum.n_errors, sum.n_warnings,
                      valid ? "true" : "false");
    } else {
        kz_buf_printf(&c.out, "%s: %zu object%s, %zu error%s, %zu warning%s: %s\n", c.name,
                      sum.n_objects, sum.n_objects == 1 ? "" : "s", sum.n_errors,
                      sum.n_errors == 1 ? "" : "s", sum.n_warnings,
                      sum.n_warnings == 1 ? "" : "s", valid ? "valid" : "invalid");
    }
    flush_out(&c);
    kz_buf_release(&c.out);
    return status;
}

int cmd_validate(kz_cli *cli, int argc, char **argv)
{
    kz_stix_opts opts = {false, true};
    bool json = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            usage(stdout);
            return KZ_EXIT_OK;
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--strict") == 0) {
            opts.strict = true;
        } else if (strcmp(a, "--no-patterns") == 0) {
            opts.check_patterns = false;
        } else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
            const char *f = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!f)
                return kz_cli_usage("validate", "option '--format' needs text or json");
            if (strcmp(f, "json") == 0)
                json = true;
            else if (strcmp(f, "text") == 0)
                json = false;
            else
                return kz_cli_usage("validate", "unknown format '%s'", f);
        } else if (a[0] == '-' && a[1] != '\0') {
            return kz_cli_usage("validate", "unknown option '%s'", a);
        } else {
            break;
        }
    }
    if (i >= argc)
        return kz_cli_usage("validate", "no file given");

    int worst = KZ_EXIT_OK;
    bool any_invalid = false, any_error = false;
    size_t n_written = 0;
    if (json)
        fputs("{\"files\":[", stdout);
    for (int f = i; f < argc; f++) {
        int st = validate_one(argv[f], &opts, json, cli->quiet, cli->tty, &n_written);
        any_invalid = any_invalid || st == KZ_EXIT_NEGATIVE;
        any_error = any_error || st == KZ_EXIT_ERROR;
    }
    if (any_error)
        worst = KZ_EXIT_ERROR;
    else if (any_invalid)
        worst = KZ_EXIT_NEGATIVE;
    if (json)
        printf("\n],\"valid\":%s}\n", worst == KZ_EXIT_OK ? "true" : "false");
    fflush(stdout);
    return worst;
}
