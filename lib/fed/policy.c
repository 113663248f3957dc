/* policy.c - what may leave the node (TLP ceiling, types) and how long a
 * failed push waits before its next try (exponential backoff with jitter). */
#include <string.h>

#include "fed_int.h"

const char *const kz_fed_all_specs[2] = {"2.0", "2.1"};

static const char *const tlp_names[] = {"clear", "green", "amber", "amber+strict", "red"};

int kz_fed_tlp_rank(const char *tlp)
{
    if (!tlp || !*tlp)
        return -1;
    for (int i = 0; i < 5; i++)
        if (strcasecmp(tlp, tlp_names[i]) == 0)
            return i;
    if (strcasecmp(tlp, "white") == 0) /* TLP 1.0 */
        return 0;
    return -2;
}

bool kz_fed_may_leave(const char *tlp, const char *default_tlp, const char *tlp_max)
{
    int r = kz_fed_tlp_rank(tlp);
    if (r == -1)
        r = kz_fed_tlp_rank(default_tlp);
    if (r == -1)
        r = 1; /* unmarked in an unmarked collection: treated as GREEN */
    int max = kz_fed_tlp_rank(tlp_max);
    if (max == -1)
        max = 1; /* conservative default ceiling */
    if (r < 0 || max < 0) /* unknown names: nothing leaves */
        return false;
    /* AMBER+STRICT (3) and RED (4) never leave, whatever the ceiling says */
    if (r >= 3)
        return false;
    return r <= max;
}

bool kz_fed_type_allowed(const char *types, const char *type)
{
    if (!types || !*types)
        return true;
    size_t tl = strlen(type);
    for (const char *p = types; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == tl && strncmp(p, type, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

int64_t kz_fed_backoff_us(int attempts, int64_t base_us, int64_t cap_us, double r)
{
    if (attempts < 1)
        return 0;
    int64_t d = base_us;
    for (int i = 1; i < attempts && d < cap_us; i++)
        d *= 2;
    if (d > cap_us)
        d = cap_us;
    if (r < 0)
        r = 0;
    if (r >= 1)
        r = 0.999999;
    /* "equal jitter": half fixed, half random, so that partners retrying
     * after a shared outage spread out but never retry at once */
    return d / 2 + (int64_t)((double)(d / 2) * r);
}
