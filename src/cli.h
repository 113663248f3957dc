/* cli.h - what every `kizuna` subcommand shares: the global options, the
 * exit codes and the one-line error format. Subcommands live in cmd_*.c,
 * parse their own options, make one library call and map the result. */
#ifndef KIZUNA_CLI_H
#define KIZUNA_CLI_H

#include <stdbool.h>

/* Exit codes (DESIGN.md): 0 success, 1 a negative answer, 2 usage or runtime error. */
enum { KZ_EXIT_OK = 0, KZ_EXIT_NEGATIVE = 1, KZ_EXIT_ERROR = 2 };

typedef struct kz_cli {
    const char *data_dir; /* --data DIR or $KIZUNA_DATA; NULL if neither */
    bool quiet;
    bool tty;             /* stderr is a terminal: progress may be shown */
} kz_cli;

typedef int (*kz_cmd_fn)(kz_cli *cli, int argc, char **argv);

enum { KZ_CMD_NEEDS_DATA = 1 << 0 };

typedef struct kz_cmd {
    const char *name;
    kz_cmd_fn fn;
    int flags;
    const char *summary;
} kz_cmd;

/* "kizuna: <message>" on stderr, one line. Returns KZ_EXIT_ERROR for `return kz_cli_error(...)`. */
int kz_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, plus "try 'kizuna CMD --help'". */
int kz_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True for -h / --help. */
bool kz_cli_is_help(const char *arg);
/* The node's data directory or an error message and NULL. */
const char *kz_cli_need_data(kz_cli *cli, const char *cmd);
/* The node key with which command cmd signs what it publishes (cmd_import.c):
 * NULL in *key when no_sign, when kizuna.conf says sign_on_publish = false,
 * or (with one warning) when the node has no key. The key is the caller's
 * (kz_fed_key_free). Nonzero: an error was reported (exit code). */
typedef struct kz_fed_key kz_fed_key;
int kz_cli_signing_key(kz_cli *cli, const char *cmd, bool no_sign, kz_fed_key **key);

/* Subcommands (one file each). */
int cmd_validate(kz_cli *cli, int argc, char **argv);
int cmd_version(kz_cli *cli, int argc, char **argv);
int cmd_init(kz_cli *cli, int argc, char **argv);
int cmd_collection(kz_cli *cli, int argc, char **argv);
int cmd_import(kz_cli *cli, int argc, char **argv);
int cmd_export(kz_cli *cli, int argc, char **argv);
int cmd_extract(kz_cli *cli, int argc, char **argv);
int cmd_search(kz_cli *cli, int argc, char **argv);
int cmd_check(kz_cli *cli, int argc, char **argv);
int cmd_serve(kz_cli *cli, int argc, char **argv);
int cmd_account(kz_cli *cli, int argc, char **argv);
int cmd_pattern(kz_cli *cli, int argc, char **argv);
int cmd_peer(kz_cli *cli, int argc, char **argv);
int cmd_subscribe(kz_cli *cli, int argc, char **argv);
int cmd_sync(kz_cli *cli, int argc, char **argv);
int cmd_show(kz_cli *cli, int argc, char **argv);
int cmd_trust(kz_cli *cli, int argc, char **argv);
int cmd_sign(kz_cli *cli, int argc, char **argv);
int cmd_verify(kz_cli *cli, int argc, char **argv);
int cmd_match(kz_cli *cli, int argc, char **argv);
int cmd_warninglist(kz_cli *cli, int argc, char **argv);
int cmd_stats(kz_cli *cli, int argc, char **argv);
int cmd_score(kz_cli *cli, int argc, char **argv);
int cmd_classify(kz_cli *cli, int argc, char **argv);
int cmd_model(kz_cli *cli, int argc, char **argv);

#endif
