/* cmd_sync.c - `kizuna sync [--peer NAME]`: one federation round now (pull
 * until each peer has nothing newer, push every outbox). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kizuna/fed.h"

static const char usage_text[] =
    "usage: kizuna sync [--peer NAME] [--pull | --push] [--page-size N]\n"
    "\n"
    "Runs one federation round: every pull subscription fetches what its peer\n"
    "added since the checkpoint, every push subscription sends its outbox\n"
    "(failed pushes are retried now, not after their backoff). Problems are\n"
    "printed one per line; a summary ends the run.\n"
    "\n"
    "exit status: 0 every peer synced, 1 some peer failed, 2 error\n";

static void report(void *ctx, const char *peer, const char *msg)
{
    kz_cli *cli = ctx;
    (void)cli;
    fprintf(stderr, "kizuna: sync: %s: %s\n", peer ? peer : "-", msg);
}

int cmd_sync(kz_cli *cli, int argc, char **argv)
{
    kz_fed_round_opts o = {.report = report, .ctx = cli, .ignore_backoff = true};
    for (int i = 1; i < argc; i++) {
        if (kz_cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        } else if (strcmp(argv[i], "--peer") == 0 && i + 1 < argc) {
            o.peer = argv[++i];
        } else if (strcmp(argv[i], "--pull") == 0) {
            o.pull = true;
        } else if (strcmp(argv[i], "--push") == 0) {
            o.push = true;
        } else if (strcmp(argv[i], "--page-size") == 0 && i + 1 < argc) {
            char *end = NULL;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (!v || *end || v > 100000)
                return kz_cli_usage("sync", "--page-size takes 1..100000");
            o.page_size = v;
        } else {
            return kz_cli_usage("sync", "unknown option or missing value '%s'", argv[i]);
        }
    }
    kz_fed *f = NULL;
    char err[256] = "";
    if (kz_fed_open(cli->data_dir, &f, err, sizeof err))
        return kz_cli_error("sync: %s", err[0] ? err : "cannot open the node");
    kz_fed_round_stats st = {0};
    kz_err rc = kz_fed_round(f, &o, &st);
    int ex = KZ_EXIT_OK;
    if (rc) {
        ex = kz_cli_error("sync: %s", kz_fed_errmsg(f)[0] ? kz_fed_errmsg(f) : kz_strerror(rc));
    } else {
        if (!cli->quiet)
            printf("pulled %zu (stored %zu, already held %zu, invalid %zu, rejected %zu, "
                   "withheld %zu, signature verified %zu); pushed %zu in %zu batches "
                   "(refused %zu); errors %zu\n",
                   st.pulled, st.stored, st.present, st.invalid, st.rejected, st.withheld,
                   st.verified, st.pushed, st.push_batches, st.push_failed, st.errors);
        if (st.errors)
            ex = KZ_EXIT_NEGATIVE;
    }
    kz_fed_close(f);
    return ex;
}
