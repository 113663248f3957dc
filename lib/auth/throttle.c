/* throttle.c - slowing down repeated authentication failures: bounded
 * tables of counters per client address and per account name; past
 * KZ_AUTH_FREE_FAILURES a key is locked out for a doubling delay. */
#include <stdio.h>
#include <string.h>

#include "auth_int.h"

#define DELAY_MAX_US (300 * 1000000LL)
#define FORGET_US (15 * 60 * 1000000LL) /* a quiet quarter of an hour clears a record */

static throttle_slot *slot(kz_auth *au, char kind, const char *v, bool create, int64_t now)
{
    char key[sizeof au->throttle[0].key];
    snprintf(key, sizeof key, "%c:%s", kind, v);
    uint32_t h = 2166136261u; /* FNV-1a: spreading, not secrecy */
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    throttle_slot *s = &au->throttle[h % KZ_AUTH_THROTTLE_SLOTS];
    if (strcmp(s->key, key) == 0) {
        if (now - s->last_us > FORGET_US && now >= s->until_us) {
            s->failures = 0;
            s->until_us = 0;
        }
        return s;
    }
    if (!create)
        return NULL;
    /* Collisions evict: the table stays bounded whatever the number of
     * attacking addresses; an evicted attacker merely starts over. */
    memset(s, 0, sizeof *s);
    snprintf(s->key, sizeof s->key, "%s", key);
    return s;
}

unsigned kz_auth_throttle_wait(kz_auth *au, const char *ip, const char *name)
{
    int64_t now = kz_auth_now_us(), until = 0;
    pthread_mutex_lock(&au->lock);
    throttle_slot *s = ip ? slot(au, 'i', ip, false, now) : NULL;
    if (s && s->until_us > until)
        until = s->until_us;
    s = name && *name ? slot(au, 'n', name, false, now) : NULL;
    if (s && s->until_us > until)
        until = s->until_us;
    pthread_mutex_unlock(&au->lock);
    if (until <= now)
        return 0;
    return (unsigned)((until - now + 999999) / 1000000);
}

static void fail_one(throttle_slot *s, int64_t now)
{
    s->failures++;
    s->last_us = now;
    if (s->failures >= KZ_AUTH_FREE_FAILURES) {
        unsigned extra = s->failures - KZ_AUTH_FREE_FAILURES;
        int64_t d = 1000000LL << (extra > 20 ? 20 : extra);
        if (d > DELAY_MAX_US)
            d = DELAY_MAX_US;
        s->until_us = now + d;
    }
}

void kz_auth_throttle_failed(kz_auth *au, const char *ip, const char *name)
{
    int64_t now = kz_auth_now_us();
    pthread_mutex_lock(&au->lock);
    if (ip)
        fail_one(slot(au, 'i', ip, true, now), now);
    if (name && *name)
        fail_one(slot(au, 'n', name, true, now), now);
    pthread_mutex_unlock(&au->lock);
}

void kz_auth_throttle_ok(kz_auth *au, const char *ip, const char *name)
{
    int64_t now = kz_auth_now_us();
    pthread_mutex_lock(&au->lock);
    throttle_slot *s = ip ? slot(au, 'i', ip, false, now) : NULL;
    if (s)
        memset(s, 0, sizeof *s);
    s = name && *name ? slot(au, 'n', name, false, now) : NULL;
    if (s)
        memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&au->lock);
}
