/* cmd_collection.c - `kizuna collection add|list|show|remove`: the node's
 * collections; wherever a collection is named, its alias or its id works. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kizuna/store.h"

static const char usage_text[] =
    "usage: kizuna collection add ALIAS [--title T] [--description D] [--tlp LEVEL] [--id UUID]\n"
    "       kizuna collection list\n"
    "       kizuna collection show C\n"
    "       kizuna collection remove C\n"
    "\n"
    "add     creates a collection and prints its id; ALIAS is 1-64 of A-Z a-z 0-9 _ . -;\n"
    "        LEVEL (clear, green, amber, amber+strict, red) applies to unmarked objects\n"
    "list    one line per collection: id, alias, object versions, title\n"
    "show    one collection's fields\n"
    "remove  deletes a collection and its memberships (stored objects stay)\n"
    "C is an alias or an id.\n";

static int open_store(kz_cli *cli, kz_store **s)
{
    char err[512];
    kz_err rc = kz_store_open_dir(cli->data_dir, false, s, err, sizeof err);
    if (rc)
        return kz_cli_error("collection: %s", err);
    return 0;
}

static int coll_add(kz_cli *cli, int argc, char **argv)
{
    kz_collection c = {0};
    const char *id = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(a, "--title") == 0 && has)
            c.title = argv[++i];
        else if (strcmp(a, "--description") == 0 && has)
            c.description = argv[++i];
        else if (strcmp(a, "--tlp") == 0 && has)
            c.default_tlp = argv[++i];
        else if (strcmp(a, "--id") == 0 && has)
            id = argv[++i];
        else if (strcmp(a, "--media-types") == 0 && has)
            c.media_types = argv[++i];
        else if (a[0] == '-')
            return kz_cli_usage("collection", "unknown option or missing value '%s'", a);
        else if (c.alias)
            return kz_cli_usage("collection", "give one ALIAS");
        else
            c.alias = a;
    }
    if (!c.alias)
        return kz_cli_usage("collection", "add needs an ALIAS");
    if (id) {
        if (strlen(id) >= sizeof c.id)
            return kz_cli_error("collection: bad id '%s'", id);
        memcpy(c.id, id, strlen(id) + 1);
    }
    if (kz_store_tlp_check(c.default_tlp))
        return kz_cli_error("collection: unknown TLP level '%s' (clear, green, amber, "
                            "amber+strict, red)", c.default_tlp);
    kz_store *s = NULL;
    if (open_store(cli, &s))
        return KZ_EXIT_ERROR;
    char out[KZ_UUID_STR];
    kz_err rc = kz_store_collection_add(s, &c, out);
    int ret = KZ_EXIT_OK;
    if (rc)
        ret = kz_cli_error("collection: cannot add '%s': %s", c.alias, kz_store_errmsg(s));
    else
        printf("%s\n", out);
    kz_store_close(s);
    return ret;
}

static int print_line(void *ctx, const kz_collection *c)
{
    (void)ctx;
    printf("%s\t%s\t%lld\t%s\n", c->id, c->alias, (long long)c->n_versions, c->title);
    return 0;
}

static int print_full(void *ctx, const kz_collection *c)
{
    (void)ctx;
    char created[KZ_TIME_MAX];
    kz_store_format_us(c->created_us, created);
    printf("id:           %s\n"
           "alias:        %s\n"
           "title:        %s\n"
           "description:  %s\n"
           "media types:  %s\n"
           "default TLP:  %s\n"
           "created:      %s\n"
           "versions:     %lld\n",
           c->id, c->alias, c->title, c->description ? c->description : "",
           c->media_types, c->default_tlp ? c->default_tlp : "(none)", created,
           (long long)c->n_versions);
    return 0;
}

static int coll_one(kz_cli *cli, int argc, char **argv, bool remove)
{
    if (argc != 3)
        return kz_cli_usage("collection", "%s needs one collection", argv[1]);
    kz_store *s = NULL;
    if (open_store(cli, &s))
        return KZ_EXIT_ERROR;
    kz_err rc = remove ? kz_store_collection_remove(s, argv[2])
                       : kz_store_collection_get(s, argv[2], print_full, NULL);
    int ret = KZ_EXIT_OK;
    if (rc == KZ_ENOTFOUND)
        ret = kz_cli_error("collection: no collection '%s'", argv[2]);
    else if (rc)
        ret = kz_cli_error("collection: %s", kz_store_errmsg(s));
    kz_store_close(s);
    return ret;
}

int cmd_collection(kz_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return kz_cli_usage("collection", "give add, list, show or remove");
    const char *sub = argv[1];
    if (kz_cli_is_help(sub)) {
        fputs(usage_text, stdout);
        return KZ_EXIT_OK;
    }
    for (int i = 2; i < argc; i++) {
        if (kz_cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        }
    }
    if (strcmp(sub, "add") == 0)
        return coll_add(cli, argc, argv);
    if (strcmp(sub, "show") == 0)
        return coll_one(cli, argc, argv, false);
    if (strcmp(sub, "remove") == 0 || strcmp(sub, "rm") == 0)
        return coll_one(cli, argc, argv, true);
    if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) {
        if (argc != 2)
            return kz_cli_usage("collection", "list takes no arguments");
        kz_store *s = NULL;
        if (open_store(cli, &s))
            return KZ_EXIT_ERROR;
        kz_err rc = kz_store_collection_list(s, print_line, NULL);
        int ret = rc ? kz_cli_error("collection: %s", kz_store_errmsg(s)) : KZ_EXIT_OK;
        kz_store_close(s);
        return ret;
    }
    return kz_cli_usage("collection", "unknown subcommand '%s'", sub);
}
