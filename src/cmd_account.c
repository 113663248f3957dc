/* cmd_account.c - `kizuna account add|list|remove|rotate`: the accounts
 * that may use the node's TAXII server, their rights and their tokens. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/alloc.h"
#include "kizuna/auth.h"
#include "kizuna/file.h"
#include "kizuna/http.h"

static const char usage_text[] =
    "usage: kizuna account add NAME --org ORG [--read C1,C2] [--write C1] [--red C1]\n"
    "                          [--tlp-max LEVEL] [--partner] [--peer] [--client-cert FILE]\n"
    "       kizuna account list\n"
    "       kizuna account remove NAME\n"
    "       kizuna account rotate NAME\n"
    "\n"
    "add     creates an account and prints its API token once, as the last line\n"
    "        (only a hash is kept: a lost token is replaced with rotate).\n"
    "        --read/--write  collections (alias or id, comma-separated; '*' = all)\n"
    "        --red           collections where the account may read TLP:RED\n"
    "        --tlp-max       the most it may ever read: clear, green, amber,\n"
    "                        amber+strict or red (default red)\n"
    "        --partner       a partner organisation with need-to-know (TLP:AMBER)\n"
    "        --peer          a partner NODE's account (its federation push): what it\n"
    "                        POSTs is stored as received, never signed by this node\n"
    "                        (other accounts are local tools whose objects the node\n"
    "                        signs and publishes as its own)\n"
    "        --client-cert   PEM certificate the account must present (mutual TLS)\n"
    "        Accounts whose ORG is the node's organisation (node.org in kizuna.conf)\n"
    "        also read TLP:AMBER+STRICT.\n"
    "list    one line per account: name, org, kind, read, write, red, tlp-max,\n"
    "        then 'peer' for a partner node's account, 'client-cert' if bound\n"
    "remove  deletes an account\n"
    "rotate  replaces an account's token and prints the new one\n"
    "Clients send HTTP Basic (NAME and token) or 'Authorization: Bearer TOKEN'.\n";

static int open_auth(kz_cli *cli, kz_auth **au)
{
    char db[4096], err[512];
    if ((size_t)snprintf(db, sizeof db, "%s/kizuna.db", cli->data_dir) >= sizeof db)
        return kz_cli_error("account: data directory path too long");
    if (access(db, F_OK) != 0)
        return kz_cli_error("account: no node in '%s' (run 'kizuna init %s' first)", cli->data_dir,
                            cli->data_dir);
    if (kz_auth_open(db, au, err, sizeof err))
        return kz_cli_error("account: %s", err);
    return 0;
}

static int copy_opt(char *dst, size_t dstsz, const char *v, const char *opt)
{
    if (strlen(v) >= dstsz)
        return kz_cli_error("account: value of %s is too long", opt);
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int acc_add(kz_cli *cli, int argc, char **argv)
{
    kz_account a;
    memset(&a, 0, sizeof a);
    a.tlp_max = KZ_TLP_RED;
    const char *name = NULL, *cert = NULL;
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        bool has = i + 1 < argc;
        int bad = 0;
        if (strcmp(o, "--org") == 0 && has)
            bad = copy_opt(a.org, sizeof a.org, argv[++i], o);
        else if (strcmp(o, "--read") == 0 && has)
            bad = copy_opt(a.read, sizeof a.read, argv[++i], o);
        else if (strcmp(o, "--write") == 0 && has)
            bad = copy_opt(a.write, sizeof a.write, argv[++i], o);
        else if (strcmp(o, "--red") == 0 && has)
            bad = copy_opt(a.red, sizeof a.red, argv[++i], o);
        else if (strcmp(o, "--tlp-max") == 0 && has) {
            a.tlp_max = kz_auth_tlp_parse(argv[++i]);
            if (a.tlp_max == KZ_TLP_NONE)
                return kz_cli_error("account: unknown TLP level '%s' (clear, green, amber, "
                                    "amber+strict, red)",
                                    argv[i]);
        } else if (strcmp(o, "--partner") == 0)
            a.partner = true;
        else if (strcmp(o, "--peer") == 0)
            a.peer = true;
        else if (strcmp(o, "--client-cert") == 0 && has)
            cert = argv[++i];
        else if (o[0] == '-')
            return kz_cli_usage("account", "unknown option or missing value '%s'", o);
        else if (name)
            return kz_cli_usage("account", "give one NAME");
        else
            name = o;
        if (bad)
            return bad;
    }
    if (!name)
        return kz_cli_usage("account", "add needs a NAME");
    if (!a.org[0])
        return kz_cli_usage("account", "add needs --org ORG");
    if (copy_opt(a.name, sizeof a.name, name, "NAME"))
        return KZ_EXIT_ERROR;
    if (cert) {
        char *pem = NULL;
        size_t len = 0;
        if (kz_file_read(cert, 1 << 20, &pem, &len, NULL, 0))
            return kz_cli_error("account: cannot read '%s'", cert);
        kz_err rc = kz_http_tls_fingerprint_pem(pem, len, a.cert_sha256);
        kz_free(pem);
        if (rc)
            return kz_cli_error("account: '%s' is not a PEM certificate", cert);
    }
    kz_auth *au = NULL;
    if (open_auth(cli, &au))
        return KZ_EXIT_ERROR;
    char token[KZ_AUTH_TOKEN_STR];
    kz_err rc = kz_auth_account_add(au, &a, token);
    kz_auth_close(au);
    if (rc == KZ_EEXIST)
        return kz_cli_error("account: '%s' already exists", name);
    if (rc == KZ_EINVAL)
        return kz_cli_error("account: bad name or collection list (names: A-Z a-z 0-9 _ . @ -; "
                            "lists: 'a,b' or '*')");
    if (rc)
        return kz_cli_error("account: cannot add '%s': %s", name, kz_strerror(rc));
    if (!cli->quiet)
        printf("account '%s' added (org %s%s%s); its token, shown only now:\n", name, a.org,
               a.partner ? ", partner" : "", a.peer ? ", peer node" : "");
    printf("%s\n", token);
    return KZ_EXIT_OK;
}

static int print_one(void *ctx, const kz_account *a)
{
    (void)ctx;
    printf("%s\torg=%s\t%s\tread=%s\twrite=%s\tred=%s\ttlp-max=%s%s%s\n", a->name, a->org,
           a->partner ? "partner" : "-", a->read[0] ? a->read : "-", a->write[0] ? a->write : "-",
           a->red[0] ? a->red : "-", kz_stix_tlp_name(a->tlp_max), a->peer ? "\tpeer" : "",
           a->cert_sha256[0] ? "\tclient-cert" : "");
    return 0;
}

int cmd_account(kz_cli *cli, int argc, char **argv)
{
    if (argc < 2 || kz_cli_is_help(argv[1])) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? KZ_EXIT_ERROR : KZ_EXIT_OK;
    }
    const char *sub = argv[1];
    for (int i = 2; i < argc; i++)
        if (kz_cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        }
    if (strcmp(sub, "add") == 0)
        return acc_add(cli, argc, argv);
    kz_auth *au = NULL;
    if (strcmp(sub, "list") == 0) {
        if (argc != 2)
            return kz_cli_usage("account", "list takes no arguments");
        if (open_auth(cli, &au))
            return KZ_EXIT_ERROR;
        kz_err rc = kz_auth_account_list(au, print_one, NULL);
        kz_auth_close(au);
        return rc ? kz_cli_error("account: cannot list: %s", kz_strerror(rc)) : KZ_EXIT_OK;
    }
    if (strcmp(sub, "remove") == 0 || strcmp(sub, "rotate") == 0) {
        if (argc != 3)
            return kz_cli_usage("account", "%s needs one NAME", sub);
        if (open_auth(cli, &au))
            return KZ_EXIT_ERROR;
        char token[KZ_AUTH_TOKEN_STR];
        kz_err rc = sub[1] == 'e' ? kz_auth_account_remove(au, argv[2])
                                  : kz_auth_account_rotate(au, argv[2], token);
        kz_auth_close(au);
        if (rc == KZ_ENOTFOUND)
            return kz_cli_error("account: no account '%s'", argv[2]);
        if (rc)
            return kz_cli_error("account: %s failed: %s", sub, kz_strerror(rc));
        if (sub[1] == 'o') {
            if (!cli->quiet)
                printf("new token for '%s', shown only now:\n", argv[2]);
            printf("%s\n", token);
        } else if (!cli->quiet) {
            printf("account '%s' removed\n", argv[2]);
        }
        return KZ_EXIT_OK;
    }
    return kz_cli_usage("account", "unknown subcommand '%s'", sub);
}
