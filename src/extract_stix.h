/* extract_stix.h - what `kizuna extract`, `kizuna warninglist` and
 * `kizuna stats` share on the command line: the warninglist options and
 * loading (built-in lists, kizuna.conf, --warninglists), the warninglist
 * and provider figures of a run, and the STIX / JSON output of extract.
 * cmd_extract.c calls these with one line each. */
#ifndef KIZUNA_SRC_EXTRACT_STIX_H
#define KIZUNA_SRC_EXTRACT_STIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "kizuna/buf.h"
#include "kizuna/extract.h"
#include "kizuna/warninglist.h"

#define KZ_WL_CLI_MAX_DIRS 32

/* Warninglist options of a command. */
typedef struct kz_wl_cli {
    const char *dirs[KZ_WL_CLI_MAX_DIRS]; /* --warninglists DIR, in order */
    size_t n_dirs;
    bool no_default; /* --no-default-warninglists */
} kz_wl_cli;

/* Takes --warninglists DIR / --warninglists=DIR / --no-default-warninglists
 * at argv[*i] (advancing *i past a value). Returns 1 when taken, 0 when
 * argv[*i] is not one of them, -1 after a usage error was printed. */
int kz_wl_cli_option(kz_wl_cli *o, const char *cmd, int argc, char **argv, int *i);

/* The help lines of those options. */
extern const char kz_wl_cli_help[];

/* Loads the built-in lists (unless no_default), the folders of
 * `warninglists = DIR[:DIR...]` in the node's kizuna.conf (when the
 * command has a data directory) and o->dirs, and compiles the set.
 * Returns 0 with *out set (kz_warninglist_set_free), or prints one error
 * line naming the file and JSON path and returns KZ_EXIT_ERROR. */
int kz_wl_cli_load(kz_cli *cli, const char *cmd, const kz_wl_cli *o, kz_warninglist_set **out);

/* Provider concentration as text lines ("provider concentration: 3 of 12
 * hosts (25.0%) ..." and one line per provider). */
void kz_wl_conc_print_text(const kz_warninglist_conc_result *r, FILE *out);

/* ---- kizuna extract: --format stix / json additions (extract_stix.c) ---- */
typedef struct kz_xstix kz_xstix;

/* Options and state (one static instance per process: option parsing
 * allocates nothing); kz_xstix_free releases what _begin loaded. */
kz_xstix *kz_xstix_new(void);
void kz_xstix_free(kz_xstix *x);
/* Takes argv[*i] if it is one of --tlp --author --name --publish
 * --collection/-c --no-warninglists --warninglists
 * --no-default-warninglists (advancing *i past a value): 1 taken, 0 not
 * ours, -1 a usage error was printed (exit 2). */
int kz_xstix_option(kz_xstix *x, int argc, char **argv, int *i);
/* Help lines of those options (the warninglist ones are kz_wl_cli_help). */
extern const char kz_xstix_help[];
/* After the input is read: checks the option combination for format
 * ("tsv", "json", "stix"), loads warninglists (every format) and ATT&CK
 * names (stix), and names the report (--name, first heading, file name);
 * json, stix: loads the classifier unless --no-classify (types: the
 * --types bits, 0 for all; techniques left out means no classifier).
 * 0 or an exit code after printing the error. */
int kz_xstix_begin(kz_xstix *x, kz_cli *cli, const char *format, const char *path,
                   const char *text, size_t len, bool html, uint32_t types);
/* True when the scanner's per-hit output must be suppressed (stix). */
bool kz_xstix_quiet_hits(const kz_xstix *x);
/* json, stix: distinct IOCs seen so far (tsv counts its own lines). */
size_t kz_xstix_distinct(const kz_xstix *x);
/* Each hit: stix adds it to the bundle; json appends
 * ', "warninglists": ["id", ...]' to json_out (inside the hit's object)
 * and counts it for the provider concentration; tsv (called once per
 * distinct value: the caller de-duplicates) appends "\twarninglist:id,..."
 * when the value is on a list (nothing otherwise, and nothing at all under
 * --no-warninglists). */
kz_err kz_xstix_hit(kz_xstix *x, const kz_ioc_hit *h, kz_buf *json_out);
/* json, stix, after every hit: classifies the report's sentences and adds
 * the techniques found (kz_extract_report_classify); json appends an
 * element per added technique to json_out ({"type": "attack-pattern",
 * "value", "offset", "line", "sentence", "probability", "classified":
 * true}), *n_items counting the array's elements so far (the hits). No-op
 * without a model (--no-classify, tsv, no model file). */
kz_err kz_xstix_classify(kz_xstix *x, const char *text, size_t len, bool html, kz_buf *json_out,
                         size_t *n_items);
/* How many techniques the classifier added. */
size_t kz_xstix_classified(const kz_xstix *x);
/* json: closes the array of n_hits hits, with the provider-concentration
 * object as its last element (its "type" is "provider-concentration"). */
kz_err kz_xstix_json_close(kz_xstix *x, kz_buf *out, size_t n_hits);
/* stix: prints the bundle, or with --publish stores it in the collection.
 * Returns the exit code (1 when no IOC was found). Other formats: 0. */
int kz_xstix_end(kz_xstix *x, kz_cli *cli);

#endif
