/* cmd_peer.c - `kizuna peer add|list|show|remove|status`: the TAXII 2.1
 * servers this node federates with, and how each is doing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kizuna/fed.h"

static const char usage_text[] =
    "usage: kizuna peer add NAME --url https://HOST/taxii2/ --token TOKEN [--user NAME]\n"
    "                       [--ca FILE | --insecure] [--client-cert FILE --client-key FILE]\n"
    "       kizuna peer list\n"
    "       kizuna peer show NAME\n"
    "       kizuna peer remove NAME\n"
    "       kizuna peer status [NAME]\n"
    "\n"
    "A peer is a TAXII 2.1 server (another kizuna node or any other) reached at\n"
    "its discovery URL. The token is sent as a Bearer token, or as the Basic\n"
    "password of --user. TLS certificates are checked against the system CAs or\n"
    "--ca FILE; --insecure turns the check off and is warned about on every use.\n"
    "status shows per subscription: last success, lag, last error, outbox depth.\n"
    "\n"
    "exit status: 0 success, 2 error\n";

static void fmt_time(int64_t us, char *out, size_t n)
{
    if (!us) {
        snprintf(out, n, "never");
        return;
    }
    char t[KZ_TIME_MAX];
    kz_store_format_us(us, t);
    snprintf(out, n, "%s", t);
}

static int print_peer(void *ctx, const kz_fed_peer *p)
{
    bool full = ctx != NULL;
    if (!full) {
        printf("%s\t%s\n", p->name, p->url);
        return 0;
    }
    char t1[64], t2[64];
    fmt_time(p->last_success_us, t1, sizeof t1);
    fmt_time(p->last_attempt_us, t2, sizeof t2);
    printf("name:          %s\nurl:           %s\nauth:          %s%s\n", p->name, p->url,
           p->user ? "basic, user " : "bearer token", p->user ? p->user : "");
    printf("tls:           %s%s\n", p->insecure ? "NOT VERIFIED (--insecure)" : "verified",
           p->ca_file ? "" : (p->insecure ? "" : " (system CAs)"));
    if (p->ca_file)
        printf("ca:            %s\n", p->ca_file);
    if (p->client_cert)
        printf("client cert:   %s\n", p->client_cert);
    printf("last success:  %s\nlast attempt:  %s\nlast error:    %s\n", t1, t2,
           p->last_error ? p->last_error : "-");
    return 0;
}

static const char *dir_name(kz_fed_dir d)
{
    return d == KZ_FED_PULL ? "pull" : "push";
}

typedef struct status_ctx {
    kz_fed *f;
} status_ctx;

static int print_sub_status(void *ctx, const kz_fed_sub *s)
{
    status_ctx *sc = ctx;
    char t1[64];
    fmt_time(s->last_success_us, t1, sizeof t1);
    int64_t now_s = 0;
    char lag[64] = "-";
    if (s->last_success_us) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now_s = (int64_t)ts.tv_sec;
        snprintf(lag, sizeof lag, "%llds", (long long)(now_s - s->last_success_us / 1000000));
    }
    printf("%lld\t%s\t%s\t%s\tlast success %s\tlag %s", (long long)s->id, dir_name(s->dir),
           s->peer, s->remote, t1, lag);
    if (s->dir == KZ_FED_PUSH) {
        int64_t depth = 0;
        if (kz_fed_outbox_depth(sc->f, s->id, &depth) == KZ_OK)
            printf("\toutbox %lld", (long long)depth);
        if (s->attempts)
            printf("\tretry #%d", s->attempts);
    } else {
        printf("\tcheckpoint %s", s->checkpoint && *s->checkpoint ? s->checkpoint : "-");
    }
    printf("\terror %s\n", s->last_error ? s->last_error : "-");
    return 0;
}

static int peer_add(kz_fed *f, int argc, char **argv)
{
    if (argc < 3)
        return kz_cli_usage("peer", "peer add needs a NAME");
    kz_fed_peer p = {.name = argv[2]};
    for (int i = 3; i < argc; i++) {
        const char *o = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(o, "--url") == 0 && has)
            p.url = argv[++i];
        else if (strcmp(o, "--token") == 0 && has)
            p.token = argv[++i];
        else if (strcmp(o, "--user") == 0 && has)
            p.user = argv[++i];
        else if (strcmp(o, "--ca") == 0 && has)
            p.ca_file = argv[++i];
        else if (strcmp(o, "--insecure") == 0)
            p.insecure = true;
        else if (strcmp(o, "--client-cert") == 0 && has)
            p.client_cert = argv[++i];
        else if (strcmp(o, "--client-key") == 0 && has)
            p.client_key = argv[++i];
        else
            return kz_cli_usage("peer", "unknown option or missing value '%s'", o);
    }
    if (!p.url || !p.token)
        return kz_cli_usage("peer", "peer add needs --url and --token");
    char ca[4096], cert[4096], key[4096];
    /* files are remembered by absolute path: sync may run from elsewhere */
    const char **srcs[] = {&p.ca_file, &p.client_cert, &p.client_key};
    char *bufs[] = {ca, cert, key};
    for (int i = 0; i < 3; i++) {
        if (!*srcs[i])
            continue;
        if (!realpath(*srcs[i], bufs[i]))
            return kz_cli_error("peer: cannot open '%s'", *srcs[i]);
        *srcs[i] = bufs[i];
    }
    if (p.insecure)
        fprintf(stderr, "kizuna: warning: peer '%s': TLS certificates will NOT be checked "
                        "(--insecure)\n",
                p.name);
    kz_err rc = kz_fed_peer_add(f, &p);
    if (rc)
        return kz_cli_error("peer: %s", kz_fed_errmsg(f));
    printf("%s\n", p.name);
    return KZ_EXIT_OK;
}

int cmd_peer(kz_cli *cli, int argc, char **argv)
{
    if (argc < 2 || kz_cli_is_help(argv[1])) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? KZ_EXIT_ERROR : KZ_EXIT_OK;
    }
    const char *sub = argv[1];
    static const char *const subs[] = {"add", "list", "show", "remove", "status"};
    bool known = false;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        known |= strcmp(sub, subs[i]) == 0;
    if (!known)
        return kz_cli_usage("peer", "unknown subcommand '%s'", sub);
    kz_fed *f = NULL;
    char err[256] = "";
    if (kz_fed_open(cli->data_dir, &f, err, sizeof err))
        return kz_cli_error("peer: %s", err[0] ? err : "cannot open the node");
    int ex = KZ_EXIT_OK;
    kz_err rc = KZ_OK;
    if (strcmp(sub, "add") == 0) {
        ex = peer_add(f, argc, argv);
    } else if (strcmp(sub, "list") == 0) {
        rc = kz_fed_peer_list(f, print_peer, NULL);
    } else if (strcmp(sub, "show") == 0 || strcmp(sub, "remove") == 0) {
        if (argc != 3)
            ex = kz_cli_usage("peer", "peer %s needs exactly one NAME", sub);
        else if (sub[0] == 's')
            rc = kz_fed_peer_get(f, argv[2], print_peer, (void *)1);
        else
            rc = kz_fed_peer_remove(f, argv[2]);
    } else {
        status_ctx sc = {f};
        const char *name = argc > 2 ? argv[2] : NULL;
        if (name)
            rc = kz_fed_peer_get(f, name, print_peer, (void *)1);
        if (!rc)
            rc = kz_fed_sub_list(f, name, print_sub_status, &sc);
    }
    if (rc)
        ex = kz_cli_error("peer: %s", kz_fed_errmsg(f));
    kz_fed_close(f);
    return ex;
}
