/* match_run.h - the log side of `kizuna match` (cmd_match.c compiles the
 * indicators, then hands the set to match_run): reading logs, printing
 * hits, --count / --quiet, --sightings, --post. */
#ifndef KIZUNA_MATCH_RUN_H
#define KIZUNA_MATCH_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "kizuna/match.h"
#include "kizuna/match_log.h"

typedef struct match_run_opts {
    const char **logs;   /* LOG... (files, globs, "-"); argv pointers in static storage */
    size_t n_logs;
    kz_logfmt format;
    size_t max_line;
    bool count, quiet, follow, stats;
    unsigned poll_ms, idle_exit_ms;
    const char *sightings;  /* --sightings OUT.json */
    bool observed_data;
    const char *identity;   /* --identity NAME */
    const char *post;       /* --post COLLECTION */
} match_run_opts;

/* The options below, for cmd_match's --help. */
extern const char match_run_usage[];

/* Takes argv[*i] (and its value, advancing *i) if it is one of the log
 * options or a LOG operand. 1: taken; 0: not ours; -1: a usage error was
 * printed. */
int match_run_option(match_run_opts *o, int argc, char **argv, int *i);
/* Zeroes o (the log list lives in static storage: one command per process). */
void match_run_init(match_run_opts *o);
/* Whether log operands were given. */
bool match_run_wanted(const match_run_opts *o);
/* Reads the logs and matches every record against m. Returns the exit
 * status: 0 something hit, 1 nothing did, 2 an error (reported). */
int match_run(kz_cli *cli, const kz_match_set *m, const match_run_opts *o);

#endif
