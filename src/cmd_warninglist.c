/* cmd_warninglist.c - `kizuna warninglist check VALUE...` (which lists hold
 * each value) and `kizuna warninglist list` (the loaded lists). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_stix.h"
#include "kizuna/json.h"

static const char usage_text[] =
    "usage: kizuna warninglist check [options] VALUE...|-\n"
    "       kizuna warninglist list [options] [--json]\n"
    "       kizuna warninglist compile [DIR [OUT]]\n"
    "\n"
    "Warninglists (MISP format) hold values that are known benign or not\n"
    "actionable: cloud and CDN ranges, popular domains, public resolvers,\n"
    "special-purpose blocks. kizuna extract keeps an IOC found on one as an\n"
    "observable but makes no indicator of it.\n"
    "\n"
    "check: for each VALUE ('-': one value per line of standard input), one line\n"
    "  per list holding it:\n"
    "    VALUE<TAB>TYPE<TAB>LIST<TAB>LIST NAME\n"
    "  or VALUE<TAB>TYPE<TAB>-  when no list holds it. The type is guessed: IP\n"
    "  or CIDR, URL (checked whole and by its host), e-mail (whole and by its\n"
    "  domain), hash, CVE, domain (also matched by its parent domains on\n"
    "  hostname lists).\n"
    "list: one line per list: LIST<TAB>TYPE<TAB>ENTRIES<TAB>PROVIDER<TAB>NAME\n"
    "compile: reads the lists of DIR (default: the built-in folder) and writes\n"
    "  their compiled index to OUT (default DIR/" KZ_WL_SNAPSHOT_NAME "), which later\n"
    "  loads of DIR map instead of parsing the JSON while the files are unchanged\n"
    "  (KZ_WL_SNAPSHOT=off: never). The built-in folder gets one on first use when\n"
    "  it is writable.\n"
    "\n"
    "options:\n";

static const char usage_tail[] =
    "  --json           check: one JSON object per value; list: a JSON array\n"
    "\n"
    "exit status: check: 0 some value is on a list, 1 none is, 2 error;\n"
    "             list: 0, 2 error\n";

static const char *const type_names[KZ_IOC__COUNT + 1] = {
    "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file:hashes.MD5",
    "file:hashes.SHA-1", "file:hashes.SHA-256", "file:hashes.SHA-512", "vulnerability",
    "attack-pattern", "unknown"};

#define MAX_HITS 64

typedef struct hitlist {
    const kz_warninglist_info *l[MAX_HITS];
    size_t n;
} hitlist;

static int add_hit(void *ctx, const kz_warninglist_info *l)
{
    hitlist *h = ctx;
    for (size_t i = 0; i < h->n; i++)
        if (h->l[i] == l)
            return 0;
    if (h->n < MAX_HITS)
        h->l[h->n++] = l;
    return 0;
}

/* The host of a URL or the domain of an e-mail, for a second check. */
static void sub_value(kz_ioc_type t, const char *v, const char **out, size_t *len,
                      kz_ioc_type *st)
{
    *out = NULL;
    *len = 0;
    if (t == KZ_IOC_URL) {
        kz_warninglist_url_host(v, strlen(v), out, len, st);
        return;
    }
    const char *at = t == KZ_IOC_EMAIL ? strrchr(v, '@') : NULL;
    if (at && at[1]) {
        *out = at + 1;
        *len = strlen(at + 1);
        *st = KZ_IOC_DOMAIN;
    }
}

static void print_json_string(const char *s)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    if (kz_json_write_string(&b, s, strlen(s), 0) == KZ_OK)
        fwrite(b.data, 1, b.len, stdout);
    else
        fputs("\"\"", stdout);
    kz_buf_release(&b);
}

/* Checks one value and prints its lines; *any is set when a list holds
 * it. 0, or the exit code after an error was printed. */
static int check_one(const kz_warninglist_set *s, const char *v, size_t len, bool json,
                     bool *any)
{
    kz_ioc_type t = kz_warninglist_guess_type(v, len);
    hitlist h = {.n = 0};
    kz_err rc = kz_warninglist_check(s, t, v, len, add_hit, &h, NULL);
    const char *sub;
    size_t sl;
    kz_ioc_type st = KZ_IOC__COUNT;
    sub_value(t, v, &sub, &sl, &st);
    if (!rc && sub && sl)
        rc = kz_warninglist_check(s, st, sub, sl, add_hit, &h, NULL);
    if (rc == KZ_ETOOBIG)
        return kz_cli_error("warninglist: value '%.40s...' longer than %u bytes", v,
                            KZ_WL_MAX_ENTRY);
    if (rc)
        return kz_cli_error("warninglist: check failed: %s", kz_strerror(rc));
    *any = *any || h.n;
    if (json) {
        fputs("{\"value\":", stdout);
        print_json_string(v);
        printf(",\"type\":\"%s\",\"warninglists\":[", type_names[t]);
        for (size_t k = 0; k < h.n; k++) {
            fputs(k ? ",{\"id\":" : "{\"id\":", stdout);
            print_json_string(h.l[k]->id);
            fputs(",\"name\":", stdout);
            print_json_string(h.l[k]->name);
            fputs(",\"description\":", stdout);
            print_json_string(h.l[k]->description);
            fputs("}", stdout);
        }
        fputs("]}\n", stdout);
        return 0;
    }
    if (!h.n)
        printf("%s\t%s\t-\n", v, type_names[t]);
    for (size_t k = 0; k < h.n; k++)
        printf("%s\t%s\t%s\t%s\n", v, type_names[t], h.l[k]->id, h.l[k]->name);
    return 0;
}

/* "-": one value per line of standard input (blank lines skipped,
 * surrounding blanks and CR dropped). */
static int check_stdin(const kz_warninglist_set *s, bool json, bool *any)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int ret = 0;
    while (!ret && (n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        size_t len = (size_t)n, off = 0;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                       line[len - 1] == ' ' || line[len - 1] == '\t'))
            len--;
        while (off < len && (line[off] == ' ' || line[off] == '\t'))
            off++;
        if (off == len)
            continue;
        line[len] = '\0';
        if (len - off > KZ_WL_MAX_ENTRY)
            ret = kz_cli_error("warninglist: <stdin>:%zu: longer than %u bytes", lineno,
                               KZ_WL_MAX_ENTRY);
        else
            ret = check_one(s, line + off, len - off, json, any);
    }
    if (!ret && ferror(stdin))
        ret = kz_cli_error("warninglist: cannot read standard input");
    free(line);
    return ret;
}

static int do_check(const kz_warninglist_set *s, int n, char **values, bool json)
{
    bool any = false;
    for (int i = 0; i < n; i++) {
        int r = strcmp(values[i], "-") == 0
                    ? check_stdin(s, json, &any)
                    : check_one(s, values[i], strlen(values[i]), json, &any);
        if (r)
            return r;
    }
    return any ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
}

static int do_list(const kz_warninglist_set *s, bool json)
{
    size_t n = kz_warninglist_count(s);
    if (json)
        fputs("[", stdout);
    for (size_t i = 0; i < n; i++) {
        const kz_warninglist_info *l = kz_warninglist_get(s, i);
        if (!json) {
            printf("%s\t%s\t%zu\t%s\t%s\n", l->id, kz_wl_type_name(l->type), l->entries,
                   l->provider ? l->provider : "-", l->name);
            continue;
        }
        fputs(i ? ",\n{\"id\":" : "\n{\"id\":", stdout);
        print_json_string(l->id);
        printf(",\"type\":\"%s\",\"entries\":%zu,\"provider\":", kz_wl_type_name(l->type),
               l->entries);
        if (l->provider)
            print_json_string(l->provider);
        else
            fputs("null", stdout);
        fputs(",\"name\":", stdout);
        print_json_string(l->name);
        fputs(",\"file\":", stdout);
        print_json_string(l->file);
        fputs("}", stdout);
    }
    if (json)
        fputs("\n]\n", stdout);
    return KZ_EXIT_OK;
}

/* `compile [DIR [OUT]]`: the snapshot of DIR (the built-in folder when
 * none is given). */
static int do_compile(int n, char **values)
{
    char dir[4096];
    const char *d = n > 0 ? values[0] : NULL;
    if (n > 2)
        return kz_cli_usage("warninglist", "compile takes at most DIR and OUT");
    if (!d) {
        kz_err rc = kz_warninglist_default_dir(dir, sizeof dir);
        if (rc)
            return kz_cli_error("warninglist: compile: no built-in warninglist folder found (give "
                                "DIR or set KZ_WARNINGLISTS)");
        d = dir;
    }
    kz_warninglist_error e;
    memset(&e, 0, sizeof e);
    kz_err rc = kz_warninglist_snapshot_write(d, n > 1 ? values[1] : NULL, &e);
    if (rc == KZ_ENOMEM)
        return kz_cli_error("warninglist: compile: out of memory");
    if (rc && e.path[0])
        return kz_cli_error("warninglist: compile: '%s': %s: %s", e.file, e.path, e.msg);
    if (rc)
        return kz_cli_error("warninglist: compile: '%s': %s", e.file[0] ? e.file : d,
                            e.msg[0] ? e.msg : kz_strerror(rc));
    return KZ_EXIT_OK;
}

int cmd_warninglist(kz_cli *cli, int argc, char **argv)
{
    kz_wl_cli wo;
    memset(&wo, 0, sizeof wo);
    bool json = false;
    const char *sub = NULL;
    char **values = calloc((size_t)argc + 1, sizeof *values);
    int n_values = 0, ret = KZ_EXIT_ERROR;
    kz_warninglist_set *s = NULL;
    if (!values)
        return kz_cli_error("warninglist: out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (kz_cli_is_help(a)) {
            fputs(usage_text, stdout);
            fputs(kz_wl_cli_help, stdout);
            fputs(usage_tail, stdout);
            ret = KZ_EXIT_OK;
            goto done;
        }
        int r = kz_wl_cli_option(&wo, "warninglist", argc, argv, &i);
        if (r < 0)
            goto done;
        if (r > 0)
            continue;
        if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--") == 0) {
            while (++i < argc)
                values[n_values++] = argv[i];
        } else if (a[0] == '-' && a[1]) {
            ret = kz_cli_usage("warninglist", "unknown option or missing value '%s'", a);
            goto done;
        } else if (!sub) {
            sub = a;
        } else {
            values[n_values++] = argv[i];
        }
    }
    if (!sub) {
        ret = kz_cli_usage("warninglist", "give 'check VALUE...', 'list' or 'compile'");
        goto done;
    }
    if (strcmp(sub, "compile") == 0) {
        ret = do_compile(n_values, values);
        goto done;
    }
    bool check = strcmp(sub, "check") == 0;
    if (!check && strcmp(sub, "list") != 0) {
        ret = kz_cli_usage("warninglist", "unknown subcommand '%s'", sub);
        goto done;
    }
    if (check && !n_values) {
        ret = kz_cli_usage("warninglist", "check: give one or more VALUEs");
        goto done;
    }
    if (!check && n_values) {
        ret = kz_cli_usage("warninglist", "list takes no values");
        goto done;
    }
    ret = kz_wl_cli_load(cli, "warninglist", &wo, &s);
    if (ret)
        goto done;
    ret = check ? do_check(s, n_values, values, json) : do_list(s, json);
done:
    kz_warninglist_set_free(s);
    free(values);
    return ret;
}
