/* cmd_trust.c - `kizuna trust add|list|remove|show`: the partners' Ed25519
 * public keys this node accepts signatures from, and this node's own key
 * (keygen makes it for nodes initialised before signatures existed). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/fed_sign.h"

static const char usage_text[] =
    "usage: kizuna trust add NAME KEY\n"
    "       kizuna trust list\n"
    "       kizuna trust remove NAME\n"
    "       kizuna trust show\n"
    "       kizuna trust keygen\n"
    "\n"
    "Manages the public keys whose signatures this node accepts on objects it\n"
    "receives (docs/federation-signatures.md).\n"
    "  add NAME KEY  trust KEY (\"ed25519:...\", as printed by a partner's\n"
    "                'kizuna trust show') under NAME ([A-Za-z0-9._-], 1-64)\n"
    "  list          print every trusted NAME and KEY; 'self' is this node\n"
    "  remove NAME   stop trusting NAME\n"
    "  show          print this node's own public key, to give to partners\n"
    "  keygen        make this node's key if it has none (nodes initialised\n"
    "                before signatures existed); never replaces a key\n";

static int trust_add(const char *dir, int argc, char **argv)
{
    if (argc != 4)
        return kz_cli_usage("trust", "add needs NAME and KEY");
    kz_err rc = kz_fed_trust_add(dir, argv[2], argv[3]);
    if (rc == KZ_EINVAL)
        return kz_cli_error("trust add: '%s' is not a usable name (1-64 of A-Z a-z 0-9 . _ -; "
                            "'self' is reserved)", argv[2]);
    if (rc == KZ_EPARSE)
        return kz_cli_error("trust add: '%s' is not a key (expected ed25519: and 43 base64url "
                            "characters)", argv[3]);
    if (rc == KZ_EEXIST)
        return kz_cli_error("trust add: '%s' or that key is already trusted", argv[2]);
    if (rc == KZ_ENOTFOUND)
        return kz_cli_error("trust add: no node in '%s'", dir);
    if (rc)
        return kz_cli_error("trust add: %s", kz_strerror(rc));
    return KZ_EXIT_OK;
}

static int trust_remove(const char *dir, int argc, char **argv)
{
    if (argc != 3)
        return kz_cli_usage("trust", "remove needs NAME");
    kz_err rc = kz_fed_trust_remove(dir, argv[2]);
    if (rc == KZ_ENOTFOUND)
        return kz_cli_error("trust remove: '%s' is not trusted", argv[2]);
    if (rc)
        return kz_cli_error("trust remove: %s", kz_strerror(rc));
    return KZ_EXIT_OK;
}

static int trust_list(const char *dir, int argc, char **argv)
{
    (void)argv;
    if (argc != 2)
        return kz_cli_usage("trust", "list takes no arguments");
    kz_fed_trust *t = NULL;
    kz_err rc = kz_fed_trust_load(dir, &t);
    if (rc == KZ_ENOTFOUND)
        return kz_cli_error("trust list: no node in '%s'", dir);
    if (rc)
        return kz_cli_error("trust list: %s", kz_strerror(rc));
    for (size_t i = 0; i < kz_fed_trust_count(t); i++) {
        const char *name = NULL, *key = NULL;
        kz_fed_trust_entry(t, i, &name, &key);
        printf("%s\t%s\n", name, key);
    }
    kz_fed_trust_free(t);
    return KZ_EXIT_OK;
}

static int trust_show(const char *dir, int argc, char **argv)
{
    (void)argv;
    if (argc != 2)
        return kz_cli_usage("trust", "show takes no arguments");
    kz_fed_key *k = NULL;
    kz_err rc = kz_fed_key_load_dir(dir, &k);
    if (rc == KZ_ENOTFOUND)
        return kz_cli_error("trust show: '%s/keys/ed25519.key' does not exist (run 'kizuna "
                            "trust keygen' to make it)", dir);
    if (rc)
        return kz_cli_error("trust show: cannot load '%s/keys/ed25519.key': %s", dir,
                            kz_strerror(rc));
    printf("%s\n", kz_fed_key_id(k));
    kz_fed_key_free(k);
    return KZ_EXIT_OK;
}

static int trust_keygen(const char *dir, int argc, char **argv)
{
    (void)argv;
    if (argc != 2)
        return kz_cli_usage("trust", "keygen takes no arguments");
    char err[512], db[4200];
    snprintf(db, sizeof db, "%s/kizuna.db", dir);
    if (access(db, F_OK) != 0)
        return kz_cli_error("trust keygen: no node in '%s'", dir);
    bool made = false;
    kz_err rc = kz_fed_key_init_dir(dir, &made, err, sizeof err);
    if (rc)
        return kz_cli_error("trust keygen: %s", err);
    if (!made)
        fprintf(stderr, "kizuna: trust keygen: '%s' already has a key (kept)\n", dir);
    return trust_show(dir, argc, argv);
}

typedef struct trust_sub {
    const char *name;
    int (*fn)(const char *dir, int argc, char **argv);
} trust_sub;

static const trust_sub subs[] = {
    {"add", trust_add},   {"keygen", trust_keygen}, {"list", trust_list},
    {"remove", trust_remove}, {"show", trust_show},
};

int cmd_trust(kz_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return kz_cli_usage("trust", "give add, keygen, list, remove or show");
    if (kz_cli_is_help(argv[1])) {
        fputs(usage_text, stdout);
        return KZ_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        for (int j = 2; j < argc; j++) {
            if (kz_cli_is_help(argv[j])) {
                fputs(usage_text, stdout);
                return KZ_EXIT_OK;
            }
        }
        const char *dir = kz_cli_need_data(cli, "trust");
        if (!dir)
            return KZ_EXIT_ERROR;
        return subs[i].fn(dir, argc, argv);
    }
    return kz_cli_usage("trust", "unknown subcommand '%s'", argv[1]);
}
