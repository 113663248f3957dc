/* params.c - the scoring parameters: built-in defaults, the score.* keys of
 * kizuna.conf read strictly (an unknown or bad key is an error naming it),
 * and durations such as "30d". */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/score.h"

#define DAY 86400LL

/* Defaults per class (docs/score.md gives the sources). OpenCTI's built-in
 * decay rules write the exponent as 1 / (3 x decay_pound); MISP's
 * polynomial writes it 1 / delta, so delta = 3 x pound:
 *  - IP and URL: OpenCTI "Built-in IP and URL", 47 days, pound 0.55;
 *  - domain-name: OpenCTI "Built-in domain name", 300 days, pound 0.7;
 *  - file hashes: OpenCTI "Built-in files and artifact", 460 days, pound 0.3;
 *  - email and other: OpenCTI's "Built-in default", 470 days, pound 0.35. */
static const struct {
    const char *name;
    int64_t lifetime_s;
    double speed;
} class_table[KZ_SCORE_CLASS_COUNT] = {
    [KZ_SCORE_IPV4] = {"ipv4", 47 * DAY, 1.65},    [KZ_SCORE_IPV6] = {"ipv6", 47 * DAY, 1.65},
    [KZ_SCORE_URL] = {"url", 47 * DAY, 1.65},      [KZ_SCORE_DOMAIN] = {"domain", 300 * DAY, 2.1},
    [KZ_SCORE_HASH] = {"hash", 460 * DAY, 0.9},    [KZ_SCORE_EMAIL] = {"email", 470 * DAY, 1.05},
    [KZ_SCORE_OTHER] = {"other", 470 * DAY, 1.05},
};

const char *kz_score_class_name(kz_score_class c)
{
    if ((unsigned)c >= KZ_SCORE_CLASS_COUNT)
        return NULL;
    return class_table[c].name;
}

void kz_score_params_defaults(kz_score_params *p)
{
    memset(p, 0, sizeof *p);
    for (int c = 0; c < KZ_SCORE_CLASS_COUNT; c++) {
        p->decay[c].lifetime_s = class_table[c].lifetime_s;
        p->decay[c].speed = class_table[c].speed;
    }
    p->threshold = 20;          /* OpenCTI decay_revoke_score */
    p->default_confidence = 50; /* OpenCTI's default indicator score */
    p->default_reliability = 100;
    p->match_min_score = -1;
    p->taxii_min_score = -1;
}

/* Unit suffixes, a table rather than a ladder. */
static const struct {
    char unit;
    int64_t secs;
} units[] = {{'d', DAY}, {'h', 3600}, {'m', 60}, {'s', 1}};

kz_err kz_score_duration_parse(const char *s, size_t len, int64_t *out)
{
    if (!s || len == 0 || len > 20)
        return KZ_EPARSE;
    int64_t mult = 1;
    size_t n = len;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (s[len - 1] == units[i].unit) {
            mult = units[i].secs;
            n = len - 1;
            break;
        }
    }
    if (n == 0)
        return KZ_EPARSE;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return KZ_EPARSE;
        if (v > KZ_SCORE_LIFETIME_MAX)
            return KZ_ERANGE; /* keeps v * 10 and v * mult far from overflow */
        v = v * 10 + (s[i] - '0');
    }
    if (v > KZ_SCORE_LIFETIME_MAX)
        return KZ_ERANGE;
    v *= mult;
    if (v < 1 || v > KZ_SCORE_LIFETIME_MAX)
        return KZ_ERANGE;
    *out = v;
    return KZ_OK;
}

size_t kz_score_duration_format(int64_t secs, char *out, size_t outlen)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (secs != 0 && secs % units[i].secs == 0) {
            int n =
                snprintf(out, outlen, "%lld%c", (long long)(secs / units[i].secs), units[i].unit);
            return n < 0 ? 0 : (size_t)n;
        }
    }
    int n = snprintf(out, outlen, "%llds", (long long)secs);
    return n < 0 ? 0 : (size_t)n;
}

int kz_score_params_reliability(const kz_score_params *p, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < p->n_sources; i++)
        if (strcmp(p->sources[i].name, name) == 0)
            return p->sources[i].reliability;
    return -1;
}

bool kz_score_params_has_peers(const kz_score_params *p)
{
    for (size_t i = 0; i < p->n_sources; i++)
        if (strncmp(p->sources[i].name, "identity--", 10) != 0)
            return true;
    return false;
}

/* One problem with key: "kizuna.conf:LINE: KEY: WHY". */
static kz_err bad(const kz_config *c, const char *key, kz_err rc, const char *why, char *errbuf,
                  size_t errlen)
{
    if (errbuf && errlen) {
        size_t line = kz_config_line(c, key);
        if (line)
            snprintf(errbuf, errlen, "kizuna.conf:%zu: %s: %s", line, key, why);
        else
            snprintf(errbuf, errlen, "%s: %s", key, why);
    }
    return rc;
}

static kz_err get_pct(const kz_config *c, const char *key, int def, int min, int *out, char *errbuf,
                      size_t errlen)
{
    int64_t v;
    kz_err rc = kz_config_get_int(c, key, min, 100, def, &v);
    if (rc)
        return bad(c, key, rc,
                   min < 0 ? "expected an integer from 0 to 100, or -1 (off)"
                           : "expected an integer from 0 to 100",
                   errbuf, errlen);
    *out = (int)v;
    return KZ_OK;
}

static kz_err parse_speed(const char *v, double *out)
{
    if (!*v)
        return KZ_EPARSE;
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (*end != '\0' || !isfinite(d))
        return KZ_EPARSE;
    if (errno == ERANGE || d < KZ_SCORE_SPEED_MIN || d > KZ_SCORE_SPEED_MAX)
        return KZ_ERANGE;
    *out = d;
    return KZ_OK;
}

/* score.<class>.lifetime / score.<class>.decay. rest is what follows
 * "score.". Returns 1 if the key was one of these (rc set), 0 if not. */
static int class_key(kz_score_params *p, const kz_config *c, const char *key, const char *rest,
                     kz_err *rc, char *errbuf, size_t errlen)
{
    for (int k = 0; k < KZ_SCORE_CLASS_COUNT; k++) {
        size_t nl = strlen(class_table[k].name);
        if (strncmp(rest, class_table[k].name, nl) != 0 || rest[nl] != '.')
            continue;
        const char *what = rest + nl + 1;
        const char *v = kz_config_get(c, key);
        if (strcmp(what, "lifetime") == 0) {
            *rc = kz_score_duration_parse(v, strlen(v), &p->decay[k].lifetime_s);
            if (*rc)
                *rc = bad(c, key, *rc,
                          "expected a duration from 1s to 3650d such as 30d, 12h, 45m, 3600s "
                          "or 3600",
                          errbuf, errlen);
            return 1;
        }
        if (strcmp(what, "decay") == 0) {
            *rc = parse_speed(v, &p->decay[k].speed);
            if (*rc)
                *rc = bad(c, key, *rc, "expected a decay speed from 0.01 to 100", errbuf, errlen);
            return 1;
        }
        return 0;
    }
    return 0;
}

static kz_err source_key(kz_score_params *p, const kz_config *c, const char *key, const char *name,
                         char *errbuf, size_t errlen)
{
    size_t n = strlen(name);
    if (n == 0 || n > KZ_SCORE_SOURCE_MAX)
        return bad(c, key, KZ_EPARSE, "expected score.reliability.<identity id or peer name>",
                   errbuf, errlen);
    if (p->n_sources >= KZ_SCORE_SOURCES_MAX)
        return bad(c, key, KZ_ETOOBIG, "more than 128 score.reliability keys", errbuf, errlen);
    int r;
    kz_err rc = get_pct(c, key, 100, 0, &r, errbuf, errlen);
    if (rc)
        return rc;
    kz_score_source *s = &p->sources[p->n_sources++];
    memcpy(s->name, name, n + 1);
    s->reliability = r;
    return KZ_OK;
}

static kz_err read_config(kz_score_params *p, const kz_config *c, char *errbuf, size_t errlen)
{
    kz_err rc = get_pct(c, "score.threshold", p->threshold, 0, &p->threshold, errbuf, errlen);
    if (!rc)
        rc = get_pct(c, "score.default_confidence", p->default_confidence, 0,
                     &p->default_confidence, errbuf, errlen);
    if (!rc)
        rc = get_pct(c, "score.reliability.default", p->default_reliability, 0,
                     &p->default_reliability, errbuf, errlen);
    if (!rc)
        rc = get_pct(c, "match.min_score", p->match_min_score, -1, &p->match_min_score, errbuf,
                     errlen);
    if (!rc)
        rc = get_pct(c, "taxii.min_score", p->taxii_min_score, -1, &p->taxii_min_score, errbuf,
                     errlen);
    size_t n = kz_config_count(c);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *key = kz_config_key_at(c, i);
        if (strncmp(key, "score.", 6) != 0)
            continue;
        const char *rest = key + 6;
        if (strcmp(rest, "threshold") == 0 || strcmp(rest, "default_confidence") == 0 ||
            strcmp(rest, "reliability.default") == 0)
            continue;
        if (strncmp(rest, "reliability.", 12) == 0) {
            rc = source_key(p, c, key, rest + 12, errbuf, errlen);
            continue;
        }
        if (class_key(p, c, key, rest, &rc, errbuf, errlen))
            continue;
        rc = bad(c, key, KZ_EPARSE,
                 "unknown key (score.threshold, score.default_confidence, "
                 "score.reliability.<source>, score.<class>.lifetime|decay with class ipv4, ipv6, "
                 "url, domain, hash, email or other)",
                 errbuf, errlen);
    }
    return rc;
}

kz_err kz_score_params_from_config(kz_score_params *p, const kz_config *c, char *errbuf,
                                   size_t errlen)
{
    kz_score_params_defaults(p);
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!c)
        return KZ_OK;
    kz_err rc = read_config(p, c, errbuf, errlen);
    if (rc)
        kz_score_params_defaults(p);
    return rc;
}

kz_err kz_score_params_load_node(kz_score_params *p, const char *dir, char *errbuf, size_t errlen)
{
    kz_score_params_defaults(p);
    kz_config *c = NULL;
    kz_config_error ce;
    kz_err rc = kz_config_load_node(dir, &c, &ce);
    if (rc) {
        if (errbuf && errlen) {
            if (ce.line)
                snprintf(errbuf, errlen, "kizuna.conf:%zu: %s", ce.line, ce.msg);
            else
                snprintf(errbuf, errlen, "%s", ce.msg);
        }
        return rc;
    }
    rc = kz_score_params_from_config(p, c, errbuf, errlen);
    kz_config_free(c);
    return rc;
}
