/* cmd_pattern.c - `kizuna pattern check|match`: validate a STIX pattern, or
 * evaluate it against the observed-data of a bundle (or JSON list) file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/pattern.h"

static const char usage_text[] =
    "usage: kizuna pattern check [--stix-version 2.0|2.1] PATTERN\n"
    "       kizuna pattern match [--stix-version 2.0|2.1] PATTERN FILE\n"
    "       kizuna pattern match [--stix-version 2.0|2.1] --patterns PATTERNS FILE\n"
    "\n"
    "check  validates PATTERN (grammar and semantic rules); exit 0 valid, 1 invalid\n"
    "       with the reason on stderr as pattern:LINE:COLUMN: message.\n"
    "match  evaluates PATTERN against FILE, a STIX bundle or a JSON list of\n"
    "       observed-data objects and the objects they reference (STIX 2.1\n"
    "       object_refs, or STIX 2.0 embedded objects); prints the ids of the\n"
    "       observed-data that satisfied it; exit 0 matched, 1 no match, 2 error.\n"
    "       FILE '-' reads standard input.\n"
    "       With --patterns, PATTERNS holds one pattern per line (blank lines and\n"
    "       lines starting with '#' are skipped), evaluated together through the\n"
    "       index; each hit prints as LINE<Tab>OBSERVED-DATA-ID; exit 0 if any\n"
    "       pattern matched, 1 if none did.\n";

static int read_all(const char *path, char **out, size_t *out_len)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno ? errno : EIO;
    size_t cap = 1 << 16, len = 0;
    char *buf = kz_malloc(cap);
    int e = 0;
    if (!buf) {
        e = ENOMEM;
        goto done;
    }
    for (;;) {
        if (len == cap) {
            char *nb = kz_realloc(buf, cap * 2);
            if (!nb) {
                e = ENOMEM;
                goto done;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            goto done;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
done:
    if (fd != STDIN_FILENO)
        close(fd);
    if (e) {
        kz_free(buf);
        return e;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* Lower-case reasons for the common cases, as the other commands print them. */
static const char *reason(int e)
{
    switch (e) {
    case ENOENT: return "no such file";
    case EACCES: return "permission denied";
    case EISDIR: return "is a directory";
    case ENOMEM: return "out of memory";
    default: return strerror(e);
    }
}

static int parse_version(const char *v, int *out)
{
    if (strcmp(v, "2.1") == 0)
        *out = 21;
    else if (strcmp(v, "2.0") == 0)
        *out = 20;
    else
        return -1;
    return 0;
}

static void report(const kz_pattern_error *e)
{
    kz_cli_error("pattern:%u:%u: %s", e->line, e->column, e->msg);
}

static int do_check(const char *pattern, int version)
{
    kz_pattern_error e;
    kz_err rc = kz_pattern_check(pattern, strlen(pattern), version, &e);
    if (rc == KZ_OK)
        return KZ_EXIT_OK;
    if (rc == KZ_ENOMEM)
        return kz_cli_error("out of memory");
    report(&e);
    return rc == KZ_EPARSE || rc == KZ_EINVALID ? KZ_EXIT_NEGATIVE : KZ_EXIT_ERROR;
}

/* Reads FILE and builds the observation set. On success *obs, *a and *data
 * are the caller's to free (the set points into the arena). */
static int load_obs(const char *file, kz_arena **a, char **data, kz_pattern_obs **obs)
{
    size_t len = 0;
    kz_pattern_error e;
    int er = read_all(file, data, &len);
    if (er)
        return kz_cli_error("cannot read '%s': %s", file, reason(er));
    *a = kz_arena_new(1 << 20);
    *obs = kz_pattern_obs_new();
    if (!*a || !*obs)
        return kz_cli_error("out of memory");
    kz_json_limits lim = {.max_members = (size_t)1 << 28};
    kz_json *doc = NULL;
    kz_json_error je;
    kz_err rc = kz_json_parse(*a, *data, len, &lim, &doc, &je);
    if (rc)
        return kz_cli_error("'%s':%zu:%zu: %s", file, je.line, je.column, rc == KZ_EPARSE ? je.msg : kz_strerror(rc));
    rc = kz_pattern_obs_add_all(*obs, doc);
    if (rc)
        return kz_cli_error("'%s': %s", file, rc == KZ_EINVAL ? "not a bundle, a JSON list or an object" : kz_strerror(rc));
    rc = kz_pattern_obs_finish(*obs, &e);
    if (rc)
        return kz_cli_error("'%s': %s", file, rc == KZ_EINVALID ? e.msg : kz_strerror(rc));
    return KZ_EXIT_OK;
}

static int do_match(const char *pattern, const char *file, int version)
{
    kz_pattern_error e;
    kz_pattern *p = NULL;
    kz_pattern_obs *obs = NULL;
    kz_arena *a = NULL;
    char *data = NULL;
    int ret = KZ_EXIT_ERROR;
    kz_pattern_result res = {0};

    kz_err rc = kz_pattern_parse(pattern, strlen(pattern), version, &p, &e);
    if (rc) {
        report(&e);
        goto done;
    }
    if (load_obs(file, &a, &data, &obs))
        goto done;
    rc = kz_pattern_match(p, obs, &res, &e);
    if (rc) {
        kz_cli_error("cannot evaluate the pattern: %s", e.msg[0] ? e.msg : kz_strerror(rc));
        goto done;
    }
    for (size_t i = 0; i < res.n_obs; i++)
        printf("%s\n", kz_pattern_obs_id(obs, res.obs[i]));
    ret = res.matched ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
done:
    kz_pattern_result_release(&res);
    kz_pattern_obs_free(obs);
    kz_arena_free(a);
    kz_free(data);
    kz_pattern_free(p);
    return ret;
}

/* ---- many patterns: --patterns FILE, one per line, through the index ---- */

typedef struct many {
    const kz_pattern_obs *obs;
    kz_pattern **complex; /* by line: kept for the patterns the set reports as a whole */
    size_t hits;
    kz_err rc;
} many;

static int on_hit(void *user, size_t line, size_t obs_index)
{
    many *m = user;
    m->hits++;
    if (obs_index != SIZE_MAX) {
        printf("%zu\t%s\n", line, kz_pattern_obs_id(m->obs, obs_index));
        return 0;
    }
    /* A pattern with several observation expressions: print its binding. */
    kz_pattern_result res;
    m->rc = kz_pattern_match(m->complex[line], m->obs, &res, NULL);
    if (m->rc)
        return 1;
    for (size_t i = 0; i < res.n_obs; i++)
        printf("%zu\t%s\n", line, kz_pattern_obs_id(m->obs, res.obs[i]));
    kz_pattern_result_release(&res);
    return 0;
}

static int do_match_many(const char *pfile, const char *file, int version)
{
    char *text = NULL, *data = NULL;
    size_t tlen = 0, lines = 0;
    kz_pattern_set *set = kz_pattern_set_new();
    kz_pattern_obs *obs = NULL;
    kz_arena *a = NULL;
    many m = {0};
    int ret = KZ_EXIT_ERROR;
    int er = read_all(pfile, &text, &tlen);
    if (er) {
        kz_cli_error("cannot read '%s': %s", pfile, reason(er));
        goto done;
    }
    for (size_t i = 0; i < tlen; i++)
        lines += text[i] == '\n';
    m.complex = kz_calloc(lines + 2, sizeof *m.complex);
    if (!set || !m.complex) {
        kz_cli_error("out of memory");
        goto done;
    }
    size_t line = 0;
    for (char *s = text; s < text + tlen;) {
        char *nl = memchr(s, '\n', (size_t)(text + tlen - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(text + tlen - s);
        line++;
        char *next = s + n + 1;
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        if (n && *s != '#') {
            kz_pattern_error e;
            kz_pattern *p = NULL;
            kz_err rc = kz_pattern_parse(s, n, version, &p, &e);
            if (!rc && !kz_pattern_is_simple(p))
                rc = kz_pattern_parse(s, n, version, &m.complex[line], &e);
            if (!rc)
                rc = kz_pattern_set_add(set, p, line, &e);
            else
                kz_pattern_free(p);
            if (rc) {
                kz_cli_error("'%s':%zu: pattern:%u:%u: %s", pfile, line, e.line, e.column, e.msg);
                goto done;
            }
        }
        s = next;
    }
    if (kz_pattern_set_compile(set)) {
        kz_cli_error("out of memory");
        goto done;
    }
    if (load_obs(file, &a, &data, &obs))
        goto done;
    m.obs = obs;
    kz_pattern_error e;
    kz_err rc = kz_pattern_set_match(set, obs, on_hit, &m, &e);
    if (!rc)
        rc = m.rc;
    if (rc) {
        kz_cli_error("cannot evaluate the patterns: %s", kz_strerror(rc));
        goto done;
    }
    kz_pattern_set_stats st;
    kz_pattern_set_get_stats(set, &st);
    if (st.errors)
        kz_cli_error("warning: %zu (pattern, observation) evaluations failed and count as no match",
                     st.errors);
    ret = m.hits ? KZ_EXIT_OK : KZ_EXIT_NEGATIVE;
done:
    if (m.complex)
        for (size_t i = 0; i <= lines + 1; i++)
            kz_pattern_free(m.complex[i]);
    kz_free(m.complex);
    kz_pattern_set_free(set);
    kz_pattern_obs_free(obs);
    kz_arena_free(a);
    kz_free(data);
    kz_free(text);
    return ret;
}

int cmd_pattern(kz_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc < 2)
        return kz_cli_usage("pattern", "missing subcommand: check or match");
    if (kz_cli_is_help(argv[1])) {
        fputs(usage_text, stdout);
        return KZ_EXIT_OK;
    }
    const char *sub = argv[1];
    int version = 21;
    const char *args[3];
    int nargs = 0;
    bool only_args = false;
    const char *patterns_file = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!only_args && kz_cli_is_help(a)) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        }
        if (!only_args && strcmp(a, "--") == 0) {
            only_args = true;
        } else if (!only_args && strcmp(a, "--stix-version") == 0) {
            if (i + 1 >= argc || parse_version(argv[i + 1], &version))
                return kz_cli_usage("pattern", "--stix-version takes 2.0 or 2.1");
            i++;
        } else if (!only_args && strcmp(a, "--patterns") == 0) {
            if (i + 1 >= argc)
                return kz_cli_usage("pattern", "--patterns takes a file");
            patterns_file = argv[++i];
        } else if (!only_args && strncmp(a, "--stix-version=", 15) == 0) {
            if (parse_version(a + 15, &version))
                return kz_cli_usage("pattern", "--stix-version takes 2.0 or 2.1");
        } else if (!only_args && a[0] == '-' && a[1] == '-') {
            return kz_cli_usage("pattern", "unknown option '%s'", a);
        } else {
            if (nargs == 3)
                return kz_cli_usage("pattern", "too many arguments");
            args[nargs++] = a;
        }
    }
    if (patterns_file && strcmp(sub, "match") != 0)
        return kz_cli_usage("pattern", "--patterns goes with match");
    if (strcmp(sub, "check") == 0) {
        if (nargs != 1)
            return kz_cli_usage("pattern", "check takes one PATTERN");
        return do_check(args[0], version);
    }
    if (strcmp(sub, "match") == 0 && patterns_file) {
        if (nargs != 1)
            return kz_cli_usage("pattern", "match --patterns PATTERNS takes one FILE");
        return do_match_many(patterns_file, args[0], version);
    }
    if (strcmp(sub, "match") == 0) {
        if (nargs != 2)
            return kz_cli_usage("pattern", "match takes PATTERN and FILE");
        return do_match(args[0], args[1], version);
    }
    return kz_cli_usage("pattern", "unknown subcommand '%s' (check or match)", sub);
}
