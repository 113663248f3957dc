/* formula.c - the decay formula, an indicator's type class from its
 * pattern, and the score of one indicator version at a given time. */
#include <math.h>
#include <string.h>

#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"

double kz_score_decay_at(double base, double t_s, const kz_score_decay *d)
{
    if (!(base > 0)) /* also NaN */
        return 0;
    if (base > 100)
        base = 100;
    /* Not yet valid (valid_from or a sighting in the future, clock skew
     * between partners): full base rather than MISP's 0, as OpenCTI does -
     * an indicator a partner dated a minute ahead must not vanish. */
    if (t_s < 0)
        return base;
    double tau = (double)d->lifetime_s;
    if (!(tau > 0) || t_s >= tau)
        return 0;
    double s = base * (1.0 - pow(t_s / tau, 1.0 / d->speed));
    if (!(s > 0))
        return 0;
    return s > 100 ? 100 : s;
}

/* SCO types to classes, a table rather than a ladder. hash_only: only a
 * hashes.* property gives the class (file:name is "other"). */
static const struct {
    const char *type;
    kz_score_class cls;
    bool hash_only;
} type_table[] = {
    {"ipv4-addr", KZ_SCORE_IPV4, false},   {"ipv6-addr", KZ_SCORE_IPV6, false},
    {"url", KZ_SCORE_URL, false},          {"domain-name", KZ_SCORE_DOMAIN, false},
    {"hostname", KZ_SCORE_DOMAIN, false},  {"x-hostname", KZ_SCORE_DOMAIN, false},
    {"file", KZ_SCORE_HASH, true},         {"artifact", KZ_SCORE_HASH, true},
    {"email-addr", KZ_SCORE_EMAIL, false}, {"email-message", KZ_SCORE_EMAIL, false},
};

static bool is_type_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static kz_score_class path_class(const char *type, size_t tn, const char *prop, size_t pn)
{
    for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++) {
        if (strlen(type_table[i].type) != tn || memcmp(type_table[i].type, type, tn) != 0)
            continue;
        if (type_table[i].hash_only && !(pn >= 6 && memcmp(prop, "hashes", 6) == 0))
            return KZ_SCORE_OTHER;
        return type_table[i].cls;
    }
    return KZ_SCORE_OTHER;
}

kz_score_class kz_score_class_of(const char *p, size_t len)
{
    int found = -1;
    bool mixed = false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '\'') { /* a literal (also t'..', h'..', b'..'): skip it */
            for (i++; i < len && p[i] != '\''; i++)
                if (p[i] == '\\')
                    i++;
            continue;
        }
        if (c != ':')
            continue;
        /* an object path: TYPE:PROPERTY; the only ':' outside literals */
        size_t s = i;
        while (s > 0 && is_type_char(p[s - 1]))
            s--;
        size_t e = i + 1;
        while (e < len && (is_type_char(p[e]) || p[e] == '.'))
            e++;
        if (s == i)
            continue;
        kz_score_class k = path_class(p + s, i - s, p + i + 1, e - i - 1);
        if (found < 0)
            found = (int)k;
        else if (found != (int)k)
            mixed = true;
    }
    if (found < 0 || mixed)
        return KZ_SCORE_OTHER;
    return (kz_score_class)found;
}

static kz_err time_of(const kz_json *obj, const char *key, bool *has, int64_t *out)
{
    const char *v = kz_json_get_string(obj, key);
    *has = v != NULL;
    if (!v)
        return KZ_OK;
    return kz_store_parse_us(v, out) ? KZ_EINVALID : KZ_OK;
}

kz_err kz_score_input_from_json(const kz_json *obj, kz_score_input *in)
{
    memset(in, 0, sizeof *in);
    const char *type = kz_json_get_string(obj, "type");
    if (!type || strcmp(type, "indicator") != 0)
        return KZ_EINVAL;
    const kz_json *pat = kz_json_get(obj, "pattern");
    if (!pat || pat->type != KZ_JSON_STRING)
        return KZ_EINVALID;
    in->pattern = pat->u.str.ptr;
    in->pattern_len = pat->u.str.len;
    bool has = false;
    if (time_of(obj, "valid_from", &has, &in->valid_from_us) || !has)
        return KZ_EINVALID;
    if (time_of(obj, "valid_until", &in->has_valid_until, &in->valid_until_us))
        return KZ_EINVALID;
    int64_t conf;
    if (kz_json_int(kz_json_get(obj, "confidence"), &conf) && conf >= 0 && conf <= 100) {
        in->has_confidence = true;
        in->confidence = (int)conf;
    }
    in->created_by_ref = kz_json_get_string(obj, "created_by_ref");
    const kz_json *rv = kz_json_get(obj, "revoked");
    in->revoked = rv && rv->type == KZ_JSON_TRUE;
    return KZ_OK;
}

void kz_score_eval(const kz_score_params *p, const kz_score_input *in, int64_t now_us,
                   kz_score_result *out)
{
    memset(out, 0, sizeof *out);
    out->cls = kz_score_class_of(in->pattern ? in->pattern : "", in->pattern ? in->pattern_len : 0);
    out->confidence = in->has_confidence ? in->confidence : p->default_confidence;
    int rel = kz_score_params_reliability(p, in->created_by_ref);
    if (rel < 0)
        rel = kz_score_params_reliability(p, in->peer);
    if (rel < 0)
        rel = p->default_reliability;
    out->reliability = rel;
    out->base = (double)out->confidence * (double)rel / 100.0;
    out->anchor_us = in->valid_from_us;
    if (in->sighting_us > out->anchor_us)
        out->anchor_us = in->sighting_us;
    out->age_us = now_us - out->anchor_us;
    const kz_score_decay *d = &p->decay[out->cls];
    out->zero_us = out->anchor_us + d->lifetime_s * 1000000;
    if (in->revoked) {
        out->state = KZ_SCORE_REVOKED;
    } else if (in->has_valid_until && in->valid_until_us <= now_us) {
        out->state = KZ_SCORE_EXPIRED;
    } else {
        out->state = KZ_SCORE_LIVE;
        out->score = kz_score_decay_at(out->base, (double)out->age_us / 1e6, d);
    }
    out->decayed = out->score < (double)p->threshold;
}
