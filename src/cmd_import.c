/* cmd_import.c - `kizuna import`: streams STIX bundles (or TAXII envelopes,
 * arrays, single objects) into a collection with kz_store_import_fd,
 * signing what it publishes with the node key (fed_publish.h), and
 * reports every rejected object with its index and reason. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/fed_publish.h"
#include "kizuna/store.h"

static const char usage_text[] =
    "usage: kizuna import --collection C [options] FILE...|-\n"
    "\n"
    "Validates and stores the objects of STIX 2.1 bundles (or TAXII envelopes,\n"
    "JSON arrays of objects, single objects) in collection C (alias or id).\n"
    "Valid objects are stored in batches, one transaction each; every rejected\n"
    "object is reported with its index and reason. Importing the same data\n"
    "twice adds nothing. A malformed or truncated document keeps the batches\n"
    "committed before the damage and drops the rest.\n"
    "\n"
    "Objects are published by this node: each one without a kizuna signature is\n"
    "signed with the node key (DIR/keys/ed25519.key) over its RFC 8785 canonical\n"
    "JSON and stored in that signed, canonical form; the kizuna-signature\n"
    "extension-definition and its identity are added to the collection. Objects\n"
    "already signed (by this node or a partner) and the predefined TLP markings\n"
    "are stored as they are. Without a node key objects are stored unsigned (with\n"
    "a warning). kizuna.conf 'sign_on_publish = false' turns signing off.\n"
    "\n"
    "options:\n"
    "  -c, --collection C   target collection (required)\n"
    "  --batch N            objects per transaction (default 5000; a batch is also\n"
    "                       committed once it holds 16 MiB of JSON)\n"
    "  --atomic             all or nothing: one transaction for the whole import,\n"
    "                       rolled back if anything is rejected\n"
    "  --max-object BYTES   reject larger objects (default 4194304)\n"
    "  --no-validate        skip STIX validation (the store still checks ids and versions)\n"
    "  --no-sign            store objects as read, unsigned\n"
    "  --report-batches     print a line on stdout after each committed batch\n"
    "  -q, --quiet          no summary\n"
    "\n"
    "exit status: 0 all stored, 1 some objects or documents rejected, 2 error\n";

#define MAX_BATCH 100000
#define MAX_REPORTED 50 /* rejected objects reported per file before going quiet */

typedef struct imp {
    kz_cli *cli;
    const char *file;        /* for messages */
    bool report_batches;
    size_t n_reported;
    size_t n_batches;
    double last_progress;
} imp;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_progress(void *ctx, uint64_t bytes, size_t objects)
{
    imp *m = ctx;
    if (!m->cli->tty || m->cli->quiet)
        return;
    double t = now_s();
    if (t - m->last_progress < 0.2)
        return;
    m->last_progress = t;
    fprintf(stderr, "\r%s: %zu objects, %.1f MB", m->file, objects, (double)bytes / 1e6);
}

static void end_progress(imp *m)
{
    if (m->cli->tty && !m->cli->quiet && m->last_progress > 0)
        fputc('\n', stderr);
    m->last_progress = 0;
}

static void on_reject(void *ctx, size_t index, const char *path, const char *why)
{
    imp *m = ctx;
    if (m->n_reported++ == MAX_REPORTED) {
        fprintf(stderr, "kizuna: import: '%s': more rejected objects not shown\n", m->file);
        return;
    }
    if (m->n_reported > MAX_REPORTED)
        return;
    fprintf(stderr, "kizuna: import: '%s': object %zu rejected: %s%s%s\n", m->file, index,
            path && *path ? path : "", path && *path ? ": " : "", why);
}

static void on_commit(void *ctx, size_t first, size_t last)
{
    imp *m = ctx;
    m->n_batches++;
    if (m->report_batches) {
        printf("committed batch %zu: objects %zu..%zu of '%s'\n", m->n_batches, first, last,
               m->file);
        fflush(stdout);
    }
}

int kz_cli_signing_key(kz_cli *cli, const char *cmd, bool no_sign, kz_fed_key **key)
{
    *key = NULL;
    if (no_sign)
        return 0;
    bool on = true;
    char err[512];
    if (kz_fed_publish_config(cli->data_dir, &on, err, sizeof err))
        return kz_cli_error("%s: %s", cmd, err);
    if (!on)
        return 0;
    kz_err rc = kz_fed_key_load_dir(cli->data_dir, key);
    if (rc == KZ_ENOTFOUND) {
        fprintf(stderr,
                "kizuna: %s: warning: no node key in '%s/keys' ('kizuna trust keygen' "
                "makes one): objects are stored unsigned\n",
                cmd, cli->data_dir);
        return 0;
    }
    if (rc)
        return kz_cli_error("%s: cannot load the node key: %s", cmd, kz_strerror(rc));
    return 0;
}

static int parse_size(const char *opt, const char *v, size_t min, size_t max, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || errno || x < min || x > max)
        return kz_cli_usage("import", "option '%s' needs a number in %zu..%zu", opt, min, max);
    *out = (size_t)x;
    return 0;
}

int cmd_import(kz_cli *cli, int argc, char **argv)
{
    imp m = {.cli = cli};
    kz_store_import_opts o = {.on_reject = on_reject, .on_commit = on_commit,
                              .on_progress = on_progress, .ctx = &m};
    const char *coll = NULL;
    bool atomic = false, no_sign = false;
    kz_fed_key *key = NULL;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t n_files = 0;
    int ret = KZ_EXIT_ERROR;
    kz_store *s = NULL;
    if (!files)
        return kz_cli_error("import: out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            fputs(usage_text, stdout);
            free(files);
            return KZ_EXIT_OK;
        }
        bool has_next = i + 1 < argc;
        if ((strcmp(a, "--collection") == 0 || strcmp(a, "-c") == 0) && has_next) {
            coll = argv[++i];
        } else if (strncmp(a, "--collection=", 13) == 0) {
            coll = a + 13;
        } else if (strcmp(a, "--batch") == 0 && has_next) {
            if (parse_size(a, argv[++i], 1, MAX_BATCH, &o.batch))
                goto done;
        } else if (strcmp(a, "--max-object") == 0 && has_next) {
            if (parse_size(a, argv[++i], 64, 64u << 20, &o.max_object))
                goto done;
        } else if (strcmp(a, "--atomic") == 0) {
            atomic = true;
        } else if (strcmp(a, "--no-validate") == 0) {
            o.no_validate = true;
        } else if (strcmp(a, "--no-sign") == 0) {
            no_sign = true;
        } else if (strcmp(a, "--report-batches") == 0) {
            m.report_batches = true;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            cli->quiet = true;
        } else if (strcmp(a, "--") == 0) {
            while (++i < argc)
                files[n_files++] = argv[i];
        } else if (strcmp(a, "-") == 0 || a[0] != '-') {
            files[n_files++] = a;
        } else {
            ret = kz_cli_usage("import", "unknown option or missing value '%s'", a);
            goto done;
        }
    }
    if (!coll) {
        ret = kz_cli_usage("import", "give the target collection with --collection");
        goto done;
    }
    if (!n_files) {
        ret = kz_cli_usage("import", "give FILE... or - for standard input");
        goto done;
    }
    /* --atomic: nothing is committed per batch, so there is nothing to report */
    if (atomic)
        m.report_batches = false;
    if (kz_cli_signing_key(cli, "import", no_sign, &key))
        goto done;
    if (key) {
        o.transform = kz_fed_publish_transform;
        o.transform_ctx = key;
    }
    char err[512];
    kz_err rc = kz_store_open_dir(cli->data_dir, false, &s, err, sizeof err);
    if (rc) {
        ret = kz_cli_error("import: %s", err);
        goto done;
    }
    if (atomic && (rc = kz_store_begin(s)) != KZ_OK) {
        ret = kz_cli_error("import: %s", kz_store_errmsg(s));
        goto done;
    }
    kz_store_import_result tot = {0};
    bool io_error = false, doc_error = false;
    for (size_t f = 0; f < n_files; f++) {
        bool is_stdin = strcmp(files[f], "-") == 0;
        m.file = is_stdin ? "<stdin>" : files[f];
        m.n_reported = 0;
        int fd = is_stdin ? 0 : open(files[f], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            kz_cli_error("import: cannot open '%s': %s", files[f],
                         errno == ENOENT ? "no such file" : strerror(errno));
            io_error = true;
            continue;
        }
        kz_store_import_result r;
        rc = kz_store_import_fd(s, coll, fd, &o, &r);
        end_progress(&m);
        if (!is_stdin)
            close(fd);
        if (rc) {
            if (rc == KZ_ENOTFOUND)
                kz_cli_error("import: no collection '%s'", coll);
            else
                kz_cli_error("import: '%s': %s", m.file,
                             rc == KZ_ENOMEM ? "out of memory" : kz_store_errmsg(s));
            if (atomic)
                kz_store_rollback(s);
            goto done;
        }
        if (r.doc_error) {
            kz_cli_error("import: '%s': %s; %zu pending objects not stored", m.file, r.doc_msg,
                         r.doc_dropped);
            doc_error = true;
        }
        tot.objects += r.objects;
        tot.invalid += r.invalid;
        tot.stats.added += r.stats.added;
        tot.stats.present += r.stats.present;
        tot.stats.conflict += r.stats.conflict;
        tot.stats.rejected += r.stats.rejected;
        tot.transformed += r.transformed;
    }
    if (tot.transformed && (rc = kz_fed_publish_add_ext_objects(s, coll)) != KZ_OK) {
        kz_cli_error("import: cannot store the signature extension-definition: %s",
                     rc == KZ_ENOMEM ? "out of memory" : kz_store_errmsg(s));
        if (atomic)
            kz_store_rollback(s);
        goto done;
    }
    size_t rejected = tot.invalid + tot.stats.conflict + tot.stats.rejected;
    if (atomic) {
        if (doc_error || rejected || io_error) {
            kz_store_rollback(s);
            kz_cli_error("import: --atomic: nothing stored because of the errors above");
            ret = io_error ? KZ_EXIT_ERROR : KZ_EXIT_NEGATIVE;
            goto done;
        }
        rc = kz_store_commit(s);
        if (rc) {
            ret = kz_cli_error("import: cannot commit: %s", kz_store_errmsg(s));
            goto done;
        }
    }
    if (!cli->quiet) {
        printf("%zu objects read: %zu added, %zu already present, %zu rejected (%zu conflicts)",
               tot.objects, tot.stats.added, tot.stats.present, rejected, tot.stats.conflict);
        if (key)
            printf(", %zu signed by this node", tot.transformed);
        putchar('\n');
    }
    ret = io_error ? KZ_EXIT_ERROR : doc_error || rejected ? KZ_EXIT_NEGATIVE : KZ_EXIT_OK;
done:
    kz_store_close(s);
    kz_fed_key_free(key);
    free(files);
    return ret;
}
