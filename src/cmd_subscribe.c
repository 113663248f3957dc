/* cmd_subscribe.c - `kizuna subscribe pull|push|list|remove`: what this node
 * takes from a peer and what it gives to one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kizuna/fed.h"

static const char usage_text[] =
    "usage: kizuna subscribe pull PEER REMOTE_COLLECTION --into LOCAL_COLLECTION\n"
    "                        [--types T,...] [--tlp-max LEVEL] [--signatures accept|mark|reject]\n"
    "       kizuna subscribe push LOCAL_COLLECTION --to PEER REMOTE_COLLECTION\n"
    "                        [--types T,...] [--tlp-max LEVEL]\n"
    "       kizuna subscribe list [PEER]\n"
    "       kizuna subscribe remove ID\n"
    "\n"
    "Collections by alias or id; a remote one by its id or title. Nothing is\n"
    "pushed unless a push subscription says so. A push sends only versions at\n"
    "or below --tlp-max (default green; unmarked objects take the collection's\n"
    "default TLP); AMBER+STRICT and RED never leave the node, whatever the\n"
    "ceiling. On pull, --tlp-max and --types say what is kept.\n"
    "\n"
    "exit status: 0 success, 2 error\n";

static const char *const sig_names[] = {"accept", "mark", "reject"};

static int print_sub(void *ctx, const kz_fed_sub *s)
{
    (void)ctx;
    if (s->dir == KZ_FED_PULL)
        printf("%lld\tpull\t%s\t%s\t->\t%s", (long long)s->id, s->peer, s->remote, s->local);
    else
        printf("%lld\tpush\t%s\t->\t%s\t%s", (long long)s->id, s->local, s->peer, s->remote);
    printf("\ttypes=%s\ttlp-max=%s\tsignatures=%s\n", s->types ? s->types : "*",
           s->tlp_max ? s->tlp_max : (s->dir == KZ_FED_PUSH ? "green" : "*"),
           sig_names[s->sig <= KZ_FED_SIG_REJECT ? s->sig : 0]);
    return 0;
}

static int parse_opts(kz_fed_sub *s, int argc, char **argv, int i)
{
    for (; i < argc; i++) {
        const char *o = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(o, "--into") == 0 && has && s->dir == KZ_FED_PULL) {
            s->local = argv[++i];
        } else if (strcmp(o, "--to") == 0 && i + 2 < argc && s->dir == KZ_FED_PUSH) {
            s->peer = argv[++i];
            s->remote = argv[++i];
        } else if (strcmp(o, "--types") == 0 && has) {
            s->types = argv[++i];
        } else if (strcmp(o, "--tlp-max") == 0 && has) {
            s->tlp_max = argv[++i];
        } else if (strcmp(o, "--signatures") == 0 && has) {
            const char *v = argv[++i];
            size_t k = 0;
            while (k < 3 && strcmp(v, sig_names[k]) != 0)
                k++;
            if (k == 3)
                return kz_cli_usage("subscribe", "--signatures takes accept, mark or reject");
            s->sig = (kz_fed_sigpolicy)k;
        } else {
            return kz_cli_usage("subscribe", "unknown option or missing value '%s'", o);
        }
    }
    return 0;
}

int cmd_subscribe(kz_cli *cli, int argc, char **argv)
{
    if (argc < 2 || kz_cli_is_help(argv[1])) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? KZ_EXIT_ERROR : KZ_EXIT_OK;
    }
    const char *sub = argv[1];
    kz_fed_sub s = {0};
    int ex;
    if (strcmp(sub, "pull") == 0) {
        if (argc < 4)
            return kz_cli_usage("subscribe", "subscribe pull needs PEER and REMOTE_COLLECTION");
        s.dir = KZ_FED_PULL;
        s.peer = argv[2];
        s.remote = argv[3];
        if ((ex = parse_opts(&s, argc, argv, 4)))
            return ex;
        if (!s.local)
            return kz_cli_usage("subscribe", "subscribe pull needs --into LOCAL_COLLECTION");
    } else if (strcmp(sub, "push") == 0) {
        if (argc < 3)
            return kz_cli_usage("subscribe", "subscribe push needs LOCAL_COLLECTION");
        s.dir = KZ_FED_PUSH;
        s.local = argv[2];
        if ((ex = parse_opts(&s, argc, argv, 3)))
            return ex;
        if (!s.peer)
            return kz_cli_usage("subscribe", "subscribe push needs --to PEER REMOTE_COLLECTION");
        if (s.sig != KZ_FED_SIG_ACCEPT)
            return kz_cli_usage("subscribe", "--signatures applies to pull subscriptions");
    } else if (strcmp(sub, "list") != 0 && strcmp(sub, "remove") != 0) {
        return kz_cli_usage("subscribe", "unknown subcommand '%s'", sub);
    }
    int64_t rm_id = 0;
    if (strcmp(sub, "remove") == 0) {
        char *end = NULL;
        if (argc != 3 || (rm_id = strtoll(argv[2], &end, 10)) <= 0 || *end)
            return kz_cli_usage("subscribe", "subscribe remove needs one subscription ID");
    }
    kz_fed *f = NULL;
    char err[256] = "";
    if (kz_fed_open(cli->data_dir, &f, err, sizeof err))
        return kz_cli_error("subscribe: %s", err[0] ? err : "cannot open the node");
    kz_err rc;
    ex = KZ_EXIT_OK;
    if (strcmp(sub, "list") == 0) {
        rc = kz_fed_sub_list(f, argc > 2 ? argv[2] : NULL, print_sub, NULL);
    } else if (strcmp(sub, "remove") == 0) {
        rc = kz_fed_sub_remove(f, rm_id);
    } else {
        int64_t id = 0;
        rc = kz_fed_sub_add(f, &s, &id);
        if (!rc)
            printf("%lld\n", (long long)id);
    }
    if (rc)
        ex = kz_cli_error("subscribe: %s", kz_fed_errmsg(f));
    kz_fed_close(f);
    return ex;
}
