/* main.c - the `kizuna` command: global options, then a table dispatch to
 * one subcommand (git-style). Each subcommand is a thin shell over libkizuna. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef KZ_VERSION
#define KZ_VERSION "0.0.0"
#endif

static const kz_cmd commands[] = {
    {"account", cmd_account, KZ_CMD_NEEDS_DATA, "add, list, remove or rotate TAXII accounts"},
    {"check", cmd_check, KZ_CMD_NEEDS_DATA, "check the node's database"},
    {"classify", cmd_classify, 0, "ATT&CK technique of each sentence (one per line)"},
    {"collection", cmd_collection, KZ_CMD_NEEDS_DATA, "add, list, show or remove collections"},
    {"export", cmd_export, KZ_CMD_NEEDS_DATA, "write a collection as a STIX bundle"},
    {"extract", cmd_extract, 0, "find indicators (IOCs) in an English or Japanese report"},
    {"import", cmd_import, KZ_CMD_NEEDS_DATA, "store STIX bundles in a collection"},
    {"init", cmd_init, 0, "create a node's data directory"},
    {"match", cmd_match, 0, "match values and logs against indicators"},
    {"model", cmd_model, 0, "train, evaluate or describe the technique classifier"},
    {"pattern", cmd_pattern, 0, "check or evaluate a STIX pattern"},
    {"peer", cmd_peer, KZ_CMD_NEEDS_DATA, "add, list, show, remove federation peers; status"},
    {"show", cmd_show, KZ_CMD_NEEDS_DATA, "print a stored object and its provenance"},
    {"subscribe", cmd_subscribe, KZ_CMD_NEEDS_DATA, "pull from or push to a peer's collection"},
    {"sync", cmd_sync, KZ_CMD_NEEDS_DATA, "run one federation round"},
    {"serve", cmd_serve, KZ_CMD_NEEDS_DATA, "serve TAXII 2.1 over HTTPS"},
    {"sign", cmd_sign, 0, "sign every object of a STIX bundle with the node key"},
    {"stats", cmd_stats, KZ_CMD_NEEDS_DATA, "provider concentration of a collection's IOCs"},
    {"score", cmd_score, KZ_CMD_NEEDS_DATA, "indicator scores with decay, lowest first"},
    {"search", cmd_search, KZ_CMD_NEEDS_DATA, "full-text search of stored objects"},
    {"trust", cmd_trust, KZ_CMD_NEEDS_DATA, "add, list or remove partners' signing keys"},
    {"validate", cmd_validate, 0, "check STIX 2.1 bundles, objects or envelopes"},
    {"verify", cmd_verify, KZ_CMD_NEEDS_DATA, "check the signatures of a bundle's objects"},
    {"version", cmd_version, 0, "print the version"},
    {"warninglist", cmd_warninglist, 0, "which warninglists hold a value; the loaded lists"},
};

int kz_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kizuna: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return KZ_EXIT_ERROR;
}

int kz_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kizuna: ", stderr);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (try 'kizuna %s --help')\n", cmd);
    va_end(ap);
    return KZ_EXIT_ERROR;
}

bool kz_cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

const char *kz_cli_need_data(kz_cli *cli, const char *cmd)
{
    if (!cli->data_dir || !*cli->data_dir) {
        kz_cli_error("%s: no data directory: give --data DIR or set KIZUNA_DATA", cmd);
        return NULL;
    }
    return cli->data_dir;
}

int cmd_version(kz_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc > 1 && kz_cli_is_help(argv[1])) {
        puts("usage: kizuna version");
        return KZ_EXIT_OK;
    }
    printf("kizuna %s\n", KZ_VERSION);
    return KZ_EXIT_OK;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: kizuna [--data DIR] COMMAND [ARGS...]\n\n"
                 "kizuna is a threat-intelligence sharing node (STIX 2.1 over TAXII 2.1).\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nglobal options:\n"
                 "  --data DIR   the node's data directory (default: $KIZUNA_DATA)\n"
                 "  -q, --quiet  print less\n"
                 "  --version    print the version\n\n"
                 "'kizuna COMMAND --help' describes one command.\n");
}

/* Pulls `--data DIR`/`--data=DIR` out of argv wherever it stands (before or
 * after the subcommand, as DESIGN.md promises), compacting argv in place. */
static int take_data_option(kz_cli *cli, int *argc, char **argv)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--data") == 0) {
            if (i + 1 >= *argc) {
                kz_cli_error("option '--data' needs a directory");
                return -1;
            }
            cli->data_dir = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--data=", 7) == 0) {
            cli->data_dir = argv[i] + 7;
            continue;
        }
        argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    kz_cli cli = {0};
    cli.data_dir = getenv("KIZUNA_DATA");
    cli.tty = isatty(STDERR_FILENO);

    if (take_data_option(&cli, &argc, argv) != 0)
        return KZ_EXIT_ERROR;

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (kz_cli_is_help(argv[i])) {
            usage(stdout);
            return KZ_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("kizuna %s\n", KZ_VERSION);
            return KZ_EXIT_OK;
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            cli.quiet = true;
        } else {
            kz_cli_error("unknown option '%s' (try 'kizuna --help')", argv[i]);
            return KZ_EXIT_ERROR;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return KZ_EXIT_ERROR;
    }
    const char *name = argv[i];
    if (strcmp(name, "help") == 0) {
        if (i + 1 < argc) {
            name = argv[i + 1];
            char *help_argv[] = {(char *)name, "--help", NULL};
            for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
                if (strcmp(commands[c].name, name) == 0)
                    return commands[c].fn(&cli, 2, help_argv);
            return kz_cli_error("'%s' is not a kizuna command (try 'kizuna --help')", name);
        }
        usage(stdout);
        return KZ_EXIT_OK;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(commands[c].name, name) != 0)
            continue;
        int sub_argc = argc - i;
        char **sub_argv = argv + i;
        int wants_help = sub_argc > 1 && kz_cli_is_help(sub_argv[1]);
        if ((commands[c].flags & KZ_CMD_NEEDS_DATA) && !wants_help &&
            !kz_cli_need_data(&cli, name))
            return KZ_EXIT_ERROR;
        return commands[c].fn(&cli, sub_argc, sub_argv);
    }
    return kz_cli_error("'%s' is not a kizuna command (try 'kizuna --help')", name);
}
