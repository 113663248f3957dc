/* runner.c - continuous federation next to the TAXII server: one thread,
 * pull and push rounds on their own intervals, stopped between pages. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fed_int.h"
#include "kizuna/config.h"
#include "kizuna/log.h"

struct kz_fed_runner {
    kz_fed_runner_opts o;
    char dir[1024];
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    volatile int stop;
};

static kz_err get_interval(const kz_config *c, const char *key, int64_t def_ms, int64_t *out,
                           char *errbuf, size_t errlen)
{
    const char *v = kz_config_get(c, key);
    *out = def_ms;
    if (!v)
        return KZ_OK;
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || d < 0 || d > 86400) {
        if (errbuf)
            snprintf(errbuf, errlen, "kizuna.conf:%zu: %s must be 0..86400 seconds",
                     kz_config_line(c, key), key);
        return KZ_EPARSE;
    }
    *out = (int64_t)(d * 1000.0);
    return KZ_OK;
}

kz_err kz_fed_runner_config(const char *dir, kz_fed_runner_opts *o, char *errbuf, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->dir = dir;
    o->pull_interval_ms = 60000;
    o->push_interval_ms = 10000;
    kz_config *c = NULL;
    kz_config_error ce;
    kz_err rc = kz_config_load_node(dir, &c, &ce);
    if (rc) {
        if (errbuf)
            snprintf(errbuf, errlen, "kizuna.conf:%zu: %s", ce.line, ce.msg);
        return rc;
    }
    rc = get_interval(c, "fed.pull_interval", 60000, &o->pull_interval_ms, errbuf, errlen);
    if (!rc)
        rc = get_interval(c, "fed.push_interval", 10000, &o->push_interval_ms, errbuf, errlen);
    kz_config_free(c);
    return rc;
}

static void log_report(void *ctx, const char *peer, const char *msg)
{
    (void)ctx;
    kz_log(KZ_LOG_WARN, "fed", "%s: %s", peer ? peer : "-", msg);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next round's start: interval_ms after this one's start, or now if
 * that has passed already. */
static int64_t next_at(int64_t started, int64_t interval_ms, int64_t now)
{
    int64_t t = started + interval_ms;
    return t > now ? t : now;
}

static void *run(void *arg)
{
    kz_fed_runner *r = arg;
    kz_fed *f = NULL;
    int64_t next_pull = 0, next_push = 0;
    while (!r->stop) {
        int64_t now = mono_ms();
        bool pull = r->o.pull_interval_ms > 0 && now >= next_pull;
        bool push = r->o.push_interval_ms > 0 && now >= next_push;
        if (pull || push) {
            int64_t started = now;
            char err[256] = "";
            if (!f && kz_fed_open(r->dir, &f, err, sizeof err)) {
                kz_log(KZ_LOG_ERROR, "fed", "cannot open the node: %s", err);
                f = NULL;
            }
            if (f) {
                kz_fed_round_opts o = {.pull = pull, .push = push, .report = log_report,
                                       .stop = &r->stop};
                kz_fed_round_stats st = {0};
                if (kz_fed_round(f, &o, &st)) {
                    kz_log(KZ_LOG_ERROR, "fed", "round: %s", kz_fed_errmsg(f));
                    kz_fed_close(f); /* reopen on the next round */
                    f = NULL;
                } else if (st.stored || st.pushed) {
                    kz_log(KZ_LOG_INFO, "fed", "round: stored %zu, pushed %zu in %lld ms",
                           st.stored, st.pushed, (long long)(mono_ms() - started));
                }
            }
            now = mono_ms();
            /* A round that outlasts its interval delays what was published
             * meanwhile by that much: worth a line, with the time. */
            int64_t took = now - started, shortest = INT64_MAX;
            if (pull)
                shortest = r->o.pull_interval_ms;
            if (push && r->o.push_interval_ms < shortest)
                shortest = r->o.push_interval_ms;
            if (took > shortest && took >= 100)
                kz_log(KZ_LOG_WARN, "fed", "round (%s%s%s) took %lld ms, longer than its interval",
                       pull ? "pull" : "", pull && push ? "+" : "", push ? "push" : "",
                       (long long)took);
            /* Fixed rate from the round's start, not its end: with a 1 s
             * interval a round of 150 ms otherwise makes the period 1.15 s
             * and adds to every publish-to-visible delay. A round that
             * overran starts the next one at once. */
            if (pull)
                next_pull = next_at(started, r->o.pull_interval_ms, now);
            if (push)
                next_push = next_at(started, r->o.push_interval_ms, now);
        }
        int64_t wake = INT64_MAX;
        if (r->o.pull_interval_ms > 0)
            wake = next_pull;
        if (r->o.push_interval_ms > 0 && next_push < wake)
            wake = next_push;
        if (wake == INT64_MAX)
            wake = mono_ms() + 3600000;
        int64_t wait_ms = wake - mono_ms();
        if (wait_ms <= 0)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (wait_ms % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&r->mu);
        if (!r->stop)
            pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        pthread_mutex_unlock(&r->mu);
    }
    kz_fed_close(f);
    return NULL;
}

kz_err kz_fed_runner_start(const kz_fed_runner_opts *o, kz_fed_runner **out)
{
    *out = NULL;
    kz_fed_runner *r = calloc(1, sizeof *r);
    if (!r)
        return KZ_ENOMEM;
    r->o = *o;
    snprintf(r->dir, sizeof r->dir, "%s", o->dir);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->th, NULL, run, r) != 0) {
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        free(r);
        return KZ_ENOMEM;
    }
    *out = r;
    return KZ_OK;
}

void kz_fed_runner_stop(kz_fed_runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->th, NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}
