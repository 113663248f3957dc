/* cmd_init.c - `kizuna init DIR`: creates a node's data directory (the
 * database, a commented kizuna.conf, the TLS key and certificate). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kizuna/fed_sign.h"
#include "kizuna/http.h"
#include "kizuna/store.h"

static const char usage_text[] =
    "usage: kizuna init [DIR]\n"
    "\n"
    "Creates a data directory DIR (default: --data or $KIZUNA_DATA) holding\n"
    "the node's database (kizuna.db, SQLite), its settings (kizuna.conf),\n"
    "the TAXII server's TLS key and self-signed certificate (tls/) and the\n"
    "node's Ed25519 signing key (keys/ed25519.key; `kizuna trust show`).\n"
    "Every other command then finds the node with --data DIR or KIZUNA_DATA.\n";

int cmd_init(kz_cli *cli, int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (kz_cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        }
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            cli->quiet = true;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return kz_cli_usage("init", "unknown option '%s'", argv[i]);
        if (dir)
            return kz_cli_usage("init", "give one directory");
        dir = argv[i];
    }
    if (!dir)
        dir = cli->data_dir;
    if (!dir || !*dir)
        return kz_cli_usage("init", "give the directory to create");
    char err[512];
    kz_err rc = kz_store_init_dir(dir, err, sizeof err);
    if (rc)
        return kz_cli_error("init: %s", err);
    /* The TAXII server's key and self-signed certificate (DIR/tls/). */
    rc = kz_http_tls_init_dir(dir, NULL, err, sizeof err);
    if (rc)
        return kz_cli_error("init: %s", err);
    /* The node's Ed25519 signing key (DIR/keys/), for federation signatures. */
    rc = kz_fed_key_init_dir(dir, NULL, err, sizeof err);
    if (rc)
        return kz_cli_error("init: %s", err);
    if (!cli->quiet)
        printf("initialised a kizuna node in '%s'\n", dir);
    return KZ_EXIT_OK;
}
