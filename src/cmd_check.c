/* cmd_check.c - `kizuna check`: the store's integrity check (SQLite's
 * PRAGMA integrity_check plus the store's own invariants). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kizuna/store.h"

static const char usage_text[] =
    "usage: kizuna check\n"
    "\n"
    "Checks the node's database: page structure (SQLite integrity_check), the\n"
    "full-text index and the store's invariants (every membership points at a\n"
    "stored object and collection; date_added below each collection's mark).\n"
    "Prints 'ok' or one problem per line.\n"
    "\n"
    "exit status: 0 ok, 1 problems found, 2 error\n";

static void print_line(void *ctx, const char *line)
{
    (void)ctx;
    printf("%s\n", line);
}

int cmd_check(kz_cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (kz_cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        }
        return kz_cli_usage("check", "unexpected argument '%s'", argv[i]);
    }
    kz_store *s = NULL;
    char err[512];
    kz_err rc = kz_store_open_dir(cli->data_dir, false, &s, err, sizeof err);
    if (rc)
        return kz_cli_error("check: %s", err);
    bool ok = false;
    rc = kz_store_check(s, print_line, NULL, &ok);
    int ret = KZ_EXIT_OK;
    if (rc)
        ret = kz_cli_error("check: %s", kz_store_errmsg(s));
    else if (!ok)
        ret = KZ_EXIT_NEGATIVE;
    else if (!cli->quiet)
        puts("ok");
    kz_store_close(s);
    return ret;
}
