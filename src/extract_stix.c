/* extract_stix.c - the parts of `kizuna extract` beyond the scanner: the
 * warninglist, STIX and publishing options, warninglist hits and the
 * provider-concentration summary of --format json, the STIX bundle of
 * --format stix and --publish into a node collection, and the ATT&CK
 * techniques the classifier finds in the report's sentences (json, stix).
 * cmd_extract.c calls these with one line each (kz_xstix_*). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "classify_cli.h"
#include "extract_stix.h"
#include "kizuna/config.h"
#include "kizuna/extract_report.h"
#include "kizuna/fed_publish.h"
#include "kizuna/store.h"

const char kz_xstix_help[] =
    "  --tlp LEVEL      stix: mark every object TLP 2.0 clear, green, amber,\n"
    "                   amber+strict or red\n"
    "  --author NAME    stix: an identity NAME as created_by_ref of every object\n"
    "  --name TITLE     stix: the report's name (default: the first heading,\n"
    "                   else the file name)\n"
    "  --publish        stix: store the bundle in the node (--data DIR) ...\n"
    "  --collection C   ... in collection C, signed with the node key as\n"
    "                   'kizuna import' does; the bundle is not printed\n"
    "  --no-warninglists\n"
    "                   stix/json: consult no warninglist at all\n"
    "  --no-classify    stix/json: no ATT&CK technique classifier (by default each\n"
    "                   sentence is classified and a technique whose best sentence\n"
    "                   reaches the threshold is added as an attack-pattern, with\n"
    "                   the sentence and its probability; tsv never classifies)\n"
    "  --classify-threshold P\n"
    "                   0..1 (default: extract.classify_threshold in kizuna.conf,\n"
    "                   else 0.5)\n"
    "  --model FILE     the classifier's model (default: as 'kizuna classify')\n";

struct kz_xstix {
    kz_wl_cli wl;
    bool no_lists;
    kz_tlp tlp;
    const char *author;
    const char *name;
    const char *collection;
    bool publish;
    bool stix, json, tsv;
    kz_warninglist_set *set;
    kz_attack_names *attack;
    kz_extract_report *report;
    kz_warninglist_conc *conc; /* json: provider concentration */
    kz_arena *arena;
    bool no_classify;
    const char *classify_thr; /* --classify-threshold as given */
    const char *model_path;   /* --model */
    kz_classifier *model;     /* NULL: no classification */
    double threshold;
    size_t classified;        /* techniques the classifier added */
};

/* One run of `kizuna extract` per process: the state is static, so that
 * option parsing allocates nothing and its early returns leak nothing. */
static kz_xstix the_state;

kz_xstix *kz_xstix_new(void)
{
    memset(&the_state, 0, sizeof the_state);
    the_state.tlp = KZ_TLP_NONE;
    return &the_state;
}

void kz_xstix_free(kz_xstix *x)
{
    if (!x)
        return;
    kz_extract_report_free(x->report);
    kz_warninglist_set_free(x->set);
    kz_attack_names_free(x->attack);
    kz_arena_free(x->arena);
    kz_warninglist_conc_free(x->conc);
    kz_classifier_free(x->model);
    memset(x, 0, sizeof *x);
}

static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *err)
{
    size_t nl = strlen(name);
    const char *a = argv[*i];
    *err = false;
    if (strcmp(a, name) == 0) {
        if (*i + 1 >= argc) {
            kz_cli_usage("extract", "option '%s' needs a value", name);
            *err = true;
            return NULL;
        }
        return argv[++*i];
    }
    if (strncmp(a, name, nl) == 0 && a[nl] == '=')
        return a + nl + 1;
    return NULL;
}

int kz_xstix_option(kz_xstix *x, int argc, char **argv, int *i)
{
    int r = kz_wl_cli_option(&x->wl, "extract", argc, argv, i);
    if (r)
        return r;
    const char *a = argv[*i];
    if (strcmp(a, "--publish") == 0) {
        x->publish = true;
        return 1;
    }
    if (strcmp(a, "--no-warninglists") == 0) {
        x->no_lists = true;
        return 1;
    }
    if (strcmp(a, "--no-classify") == 0) {
        x->no_classify = true;
        return 1;
    }
    static const char *const names[] = {"--tlp",    "--author", "--name", "--collection", "-c",
                                        "--model", "--classify-threshold"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        bool err;
        const char *v = opt_value(argc, argv, i, names[k], &err);
        if (err)
            return -1;
        if (!v)
            continue;
        if (k == 0) {
            static const kz_tlp levels[] = {KZ_TLP_CLEAR, KZ_TLP_GREEN, KZ_TLP_AMBER,
                                            KZ_TLP_AMBER_STRICT, KZ_TLP_RED};
            x->tlp = KZ_TLP_NONE;
            for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++)
                if (strcasecmp(v, kz_stix_tlp_name(levels[l])) == 0 ||
                    (strncasecmp(v, "tlp:", 4) == 0 &&
                     strcasecmp(v + 4, kz_stix_tlp_name(levels[l])) == 0))
                    x->tlp = levels[l];
            if (x->tlp == KZ_TLP_NONE) {
                kz_cli_usage("extract",
                             "unknown TLP level '%s' (clear, green, amber, amber+strict, red)",
                             v);
                return -1;
            }
        } else if (k == 1) {
            x->author = v;
        } else if (k == 2) {
            x->name = v;
        } else if (k == 5) {
            x->model_path = v;
        } else if (k == 6) {
            x->classify_thr = v;
            if (kz_ccli_parse_prob("extract", "--classify-threshold", v, &x->threshold))
                return -1;
        } else {
            x->collection = v;
        }
        return 1;
    }
    return 0;
}

/* The report's name when neither --name nor a heading gives one. */
static const char *file_name(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return "report from standard input";
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* About one distinct IOC per 256 bytes (the bench report has one per 370),
 * at most the report's limit of 1,000,000: the map needs no rehash while
 * reading. */
static size_t expected_iocs(size_t len)
{
    size_t n = len / 256 + 1024;
    return n < 1000000 ? n : 1000000;
}

/* The classifier for json and stix (not tsv, and not when --types leaves
 * techniques out): a missing default model is one warning and no
 * classification; a damaged model, or one named by --model that cannot be
 * loaded, is an error. */
static int classify_begin(kz_xstix *x, kz_cli *cli, uint32_t types)
{
    if (x->no_classify || x->tsv || (types && !(types & (1u << KZ_IOC_ATTACK))))
        return 0;
    if (!x->classify_thr) {
        int r = kz_ccli_conf_threshold(cli, "extract", "extract.classify_threshold",
                                       KZ_CCLI_EXTRACT_THRESHOLD, &x->threshold);
        if (r)
            return r;
    }
    char p[PATH_MAX];
    if (!x->model_path && !kz_ccli_model_path(NULL, p, sizeof p)) {
        fprintf(stderr, "kizuna: extract: warning: no classifier model '%s': techniques are "
                        "not classified (--no-classify silences this)\n", p);
        return 0;
    }
    return kz_ccli_load_model("extract", x->model_path, &x->model);
}

int kz_xstix_begin(kz_xstix *x, kz_cli *cli, const char *format, const char *path,
                   const char *text, size_t len, bool html, uint32_t types)
{
    x->stix = strcmp(format, "stix") == 0;
    x->json = strcmp(format, "json") == 0;
    if (!x->stix && (x->tlp != KZ_TLP_NONE || x->author || x->name || x->publish || x->collection))
        return kz_cli_usage("extract", "--tlp, --author, --name and --publish need --format stix");
    if (x->publish && !x->collection)
        return kz_cli_usage("extract", "--publish needs --collection C");
    if (x->collection && !x->publish)
        return kz_cli_usage("extract", "--collection goes with --publish");
    if (x->publish && !kz_cli_need_data(cli, "extract"))
        return KZ_EXIT_ERROR;
    x->tsv = !x->stix && !x->json;
    int cr = classify_begin(x, cli, types);
    if (cr)
        return cr;
    x->arena = kz_arena_new(0);
    if (!x->arena)
        return kz_cli_error("extract: out of memory");
    if (!x->no_lists) {
        int r = kz_wl_cli_load(cli, "extract", &x->wl, &x->set);
        if (r)
            return r;
    }
    if (x->tsv)
        return 0; /* tsv: the command prints each value once; kz_xstix_hit looks it up */
    if (!x->stix) {
        /* json: a report only to merge duplicates and cache list lookups */
        kz_extract_report_opts o = {.name = "-", .tlp = KZ_TLP_NONE, .wl = x->set,
                                    .expected_iocs = expected_iocs(len)};
        if (kz_extract_report_new(&o, &x->report) ||
            (x->set && x->json && !(x->conc = kz_warninglist_conc_new(x->set))))
            return kz_cli_error("extract: out of memory");
        return 0;
    }
    char ap[PATH_MAX], err[256];
    if (kz_attack_names_default_path(ap, sizeof ap) == KZ_OK) {
        kz_err rc = kz_attack_names_load(ap, &x->attack, err, sizeof err);
        if (rc)
            return kz_cli_error("extract: ATT&CK names '%s': %s", ap, err);
    } else {
        fprintf(stderr, "kizuna: extract: warning: no ATT&CK technique names found (set "
                        "KZ_ATTACK): techniques are named by their id\n");
    }
    const char *name = x->name;
    if (!name) {
        kz_err rc = kz_extract_title(x->arena, text, len, html, &name);
        if (rc)
            return kz_cli_error("extract: out of memory");
    }
    if (!name)
        name = file_name(path);
    kz_extract_report_opts o = {.name = name, .tlp = x->tlp, .author = x->author, .wl = x->set,
                                .attack = x->attack, .now = getenv("KZ_EXTRACT_NOW"),
                                .expected_iocs = expected_iocs(len)};
    kz_err rc = kz_extract_report_new(&o, &x->report);
    if (rc == KZ_EINVAL)
        return kz_cli_error("extract: KZ_EXTRACT_NOW is not an RFC 3339 timestamp");
    if (rc)
        return kz_cli_error("extract: out of memory");
    return 0;
}

bool kz_xstix_quiet_hits(const kz_xstix *x)
{
    return x->stix;
}

size_t kz_xstix_distinct(const kz_xstix *x)
{
    return x->report ? kz_extract_report_count(x->report) : 0;
}

/* tsv: appends each list's id, the first after "\twarninglist:". */
typedef struct tsvlists {
    kz_buf *out;
    size_t n;
    kz_err rc;
} tsvlists;

static int tsv_list(void *ctx, const kz_warninglist_info *l)
{
    tsvlists *t = ctx;
    t->rc = kz_buf_append_str(t->out, t->n++ ? "," : "\twarninglist:");
    if (!t->rc)
        t->rc = kz_buf_append_str(t->out, l->id);
    return t->rc != KZ_OK;
}

kz_err kz_xstix_hit(kz_xstix *x, const kz_ioc_hit *h, kz_buf *json_out)
{
    const kz_warninglist_info *const *lists = NULL;
    size_t n = 0;
    kz_err rc = KZ_OK;
    if (x->tsv) {
        /* the command calls this once per distinct value: the lists are
         * looked up straight away, with no report to merge or cache */
        if (!x->set || !json_out || h->value_len > KZ_WL_MAX_ENTRY)
            return KZ_OK;
        tsvlists t = {.out = json_out};
        rc = kz_warninglist_check(x->set, h->type, h->value, h->value_len, tsv_list, &t, NULL);
        return rc ? rc : t.rc;
    }
    if (!x->report)
        return KZ_OK;
    /* the report merges duplicates and looks each IOC up once */
    size_t before = kz_extract_report_count(x->report);
    rc = kz_extract_report_add(x->report, h, &lists, &n);
    if (rc || x->stix)
        return rc;
    /* a repeated IOC's host is counted already; a new one's lists are known */
    if (x->conc && kz_extract_report_count(x->report) > before)
        rc = kz_warninglist_conc_add_checked(x->conc, h->type, h->value, h->value_len, lists, n);
    if (rc || !json_out)
        return rc;
    if (x->tsv) { /* a third column only for values on a list */
        for (size_t i = 0; !rc && i < n; i++) {
            rc = kz_buf_append_str(json_out, i ? "," : "\twarninglist:");
            if (!rc)
                rc = kz_buf_append_str(json_out, lists[i]->id);
        }
        return rc;
    }
    rc = kz_buf_append_str(json_out, ", \"warninglists\": [");
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = kz_buf_append_str(json_out, ", ");
        if (!rc)
            rc = kz_json_write_string(json_out, lists[i]->id, strlen(lists[i]->id), 0);
    }
    if (!rc)
        rc = kz_buf_append_char(json_out, ']');
    return rc;
}

kz_err kz_xstix_classify(kz_xstix *x, const char *text, size_t len, bool html, kz_buf *json_out,
                         size_t *n_items)
{
    if (!x->model || !x->report)
        return KZ_OK;
    kz_err rc = kz_extract_report_classify(x->report, x->model, text, len, html, x->threshold,
                                           &x->classified);
    if (rc || !x->json || !json_out)
        return rc;
    const kz_extract_technique *t;
    size_t n = kz_extract_report_techniques(x->report, &t);
    size_t line = 1, at = 0; /* the line of offset at; techniques come in order */
    for (size_t i = 0; !rc && i < n; i++) {
        for (; at < t[i].offset && at < len; at++)
            line += text[at] == '\n';
        rc = kz_buf_append_str(json_out, (*n_items)++ ? ",\n  {\"type\": \"attack-pattern\", "
                                                       "\"value\": "
                                                     : "[\n  {\"type\": \"attack-pattern\", "
                                                       "\"value\": ");
        if (!rc)
            rc = kz_json_write_string(json_out, t[i].attack_id, strlen(t[i].attack_id), 0);
        if (!rc)
            rc = kz_buf_append_str(json_out, ", \"offset\": ");
        if (!rc)
            rc = kz_buf_append_uint(json_out, t[i].offset);
        if (!rc)
            rc = kz_buf_append_str(json_out, ", \"line\": ");
        if (!rc)
            rc = kz_buf_append_uint(json_out, line);
        if (!rc)
            rc = kz_buf_append_str(json_out, ", \"sentence\": ");
        if (!rc)
            rc = kz_json_write_string(json_out, t[i].sentence, strlen(t[i].sentence), 0);
        if (!rc)
            rc = kz_buf_printf(json_out, ", \"probability\": %.4f, \"classified\": true}",
                               t[i].prob);
    }
    return rc;
}

size_t kz_xstix_classified(const kz_xstix *x)
{
    return x->classified;
}

kz_err kz_xstix_json_close(kz_xstix *x, kz_buf *out, size_t n_hits)
{
    kz_err rc = kz_buf_append_str(out, n_hits ? ",\n  " : "[\n  ");
    kz_warninglist_conc_result none;
    memset(&none, 0, sizeof none);
    if (!rc)
        rc = kz_warninglist_conc_json(x->conc ? kz_warninglist_conc_get(x->conc) : &none, out);
    if (!rc)
        rc = kz_buf_append_str(out, "\n]\n");
    return rc;
}

static void on_reject(void *ctx, size_t index, const char *path, const char *why)
{
    (void)ctx;
    fprintf(stderr, "kizuna: extract: object %zu rejected: %s%s%s\n", index,
            path && *path ? path : "", path && *path ? ": " : "", why);
}


static kz_err to_fd(void *ctx, const char *data, size_t len)
{
    int fd = *(int *)ctx;
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return KZ_EIO;
        data += w;
        len -= (size_t)w;
    }
    return KZ_OK;
}

static kz_err to_stdout(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    return fwrite(data, 1, len, stdout) == len ? KZ_OK : KZ_EIO;
}

/* Stores the bundle's objects in the collection through the store's
 * import (validation, batches, signing), from an in-memory file. */
static int publish(kz_xstix *x, kz_cli *cli)
{
    kz_fed_key *key = NULL;
    kz_store *s = NULL;
    int ret = KZ_EXIT_ERROR, fd = -1;
    char err[512];
    kz_extract_report_stats st;
    fd = memfd_create("kizuna-extract", MFD_CLOEXEC);
    kz_err rc = fd < 0 ? KZ_EIO : kz_extract_report_write(x->report, to_fd, &fd, &st);
    if (!rc && lseek(fd, 0, SEEK_SET) != 0)
        rc = KZ_EIO;
    if (rc) {
        ret = kz_cli_error("extract: cannot stage the bundle: %s",
                           rc == KZ_EIO ? strerror(errno) : kz_strerror(rc));
        goto done;
    }
    if (!st.iocs) {
        /* an empty bundle would be refused by the import; say why instead */
        kz_cli_error("extract: nothing to publish: no indicator found");
        ret = KZ_EXIT_NEGATIVE;
        goto done;
    }
    if (kz_cli_signing_key(cli, "extract", false, &key))
        goto done;
    rc = kz_store_open_dir(cli->data_dir, false, &s, err, sizeof err);
    if (rc) {
        ret = kz_cli_error("extract: %s", err);
        goto done;
    }
    /* signs what the node publishes, as `kizuna import` does */
    kz_store_import_opts o = {.on_reject = on_reject,
                              .transform = key ? kz_fed_publish_transform : NULL,
                              .transform_ctx = key};
    kz_store_import_result r;
    memset(&r, 0, sizeof r);
    /* all or nothing: a report is published whole */
    rc = kz_store_begin(s);
    if (!rc)
        rc = kz_store_import_fd(s, x->collection, fd, &o, &r);
    if (!rc && r.transformed)
        rc = kz_fed_publish_add_ext_objects(s, x->collection);
    size_t rejected = r.invalid + r.stats.conflict + r.stats.rejected;
    if (!rc && (rejected || r.doc_error)) {
        kz_store_rollback(s);
        ret = kz_cli_error("extract: %zu objects rejected%s%s: nothing published", rejected,
                           r.doc_error ? ": " : "", r.doc_error ? r.doc_msg : "");
        goto done;
    }
    if (!rc)
        rc = kz_store_commit(s);
    if (rc) {
        kz_store_rollback(s);
        if (rc == KZ_ENOTFOUND)
            ret = kz_cli_error("extract: no collection '%s'", x->collection);
        else
            ret = kz_cli_error("extract: cannot publish: %s",
                               rc == KZ_ENOMEM ? "out of memory" : kz_store_errmsg(s));
        goto done;
    }
    if (!cli->quiet)
        printf("published to '%s': %zu objects (%zu added, %zu already present); %zu "
               "indicators, %zu observables (%zu on warninglists), %zu vulnerabilities, %zu "
               "attack-patterns\n",
               x->collection, r.objects, r.stats.added, r.stats.present, st.indicators,
               st.observables, st.warninglisted, st.vulnerabilities, st.attack_patterns);
    ret = KZ_EXIT_OK;
done:
    if (fd >= 0)
        close(fd);
    kz_store_close(s);
    kz_fed_key_free(key);
    return ret;
}

int kz_xstix_end(kz_xstix *x, kz_cli *cli)
{
    if (!x->stix)
        return KZ_EXIT_OK;
    kz_extract_report_stats st;
    memset(&st, 0, sizeof st);
    if (x->publish)
        return publish(x, cli);
    /* streamed: memory stays bounded by the largest object, not the bundle */
    kz_err rc = kz_extract_report_write(x->report, to_stdout, NULL, &st);
    if (!rc && fflush(stdout))
        rc = KZ_EIO;
    if (rc)
        return kz_cli_error("extract: cannot write the bundle: %s",
                            rc == KZ_EIO ? strerror(errno) : kz_strerror(rc));
    return st.iocs ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
}
