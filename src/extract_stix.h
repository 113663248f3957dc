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

/* Provider concentration: of the IOCs counted (IPs, domains, URL hosts),
 * how many fall on each provider's lists. */
typedef struct kz_wl_conc {
    size_t total;                 /* IOCs counted */
    size_t on_provider;           /* of them, on at least one provider list */
    const char *names[32];        /* provider names (static strings of the set) */
    size_t counts[32];
    size_t n_names;
} kz_wl_conc;

/* Counts one IOC of type t (only IPs, domains and URLs count; a URL by
 * its host) against set s. Returns KZ_OK or the check's error. */
kz_err kz_wl_conc_add(kz_wl_conc *c, const kz_warninglist_set *s, kz_ioc_type t,
                      const char *value, size_t len);
/* Writes the figures as one JSON object line:
 * {"type":"provider-concentration","iocs":N,"on_provider":M,"share":0.25,
 *  "providers":[{"provider":"Amazon","iocs":2,"share":0.1},...]} */
void kz_wl_conc_print_json(const kz_wl_conc *c, FILE *out);
/* The same as text lines ("provider concentration: 3 of 12 IOCs (25.0%)"...). */
void kz_wl_conc_print_text(const kz_wl_conc *c, FILE *out);

#endif
