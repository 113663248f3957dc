/* log.c - leveled one-line logging with a UTC timestamp, serialised by a
 * mutex so that lines from different threads never interleave. */
#include "kizuna/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "kizuna/timestamp.h"

static atomic_int log_level = KZ_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file; /* NULL: stderr; guarded by log_lock */

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void kz_log_set_level(kz_log_level lvl)
{
    if (lvl < KZ_LOG_ERROR)
        lvl = KZ_LOG_ERROR;
    if (lvl > KZ_LOG_DEBUG)
        lvl = KZ_LOG_DEBUG;
    atomic_store(&log_level, (int)lvl);
}

kz_log_level kz_log_get_level(void)
{
    return (kz_log_level)atomic_load(&log_level);
}

void kz_log_set_file(FILE *f)
{
    pthread_mutex_lock(&log_lock);
    log_file = f;
    pthread_mutex_unlock(&log_lock);
}

void kz_log(kz_log_level lvl, const char *module, const char *fmt, ...)
{
    if ((int)lvl > atomic_load_explicit(&log_level, memory_order_relaxed) ||
        lvl < KZ_LOG_ERROR)
        return;

    /* Format outside the lock; a long message is cut, not allocated, so that
     * logging works when memory is short. */
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    /* One event, one line: a newline in a message (perhaps from input)
     * must not forge a second log line. */
    for (char *c = msg; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';

    char ts[KZ_TIME_MAX];
    kz_time now = kz_time_now();
    kz_time_format_digits(&now, 3, ts);

    pthread_mutex_lock(&log_lock);
    FILE *f = log_file ? log_file : stderr;
    fprintf(f, "%s %s %s: %s\n", ts, level_names[lvl], module ? module : "-", msg);
    fflush(f);
    pthread_mutex_unlock(&log_lock);
}
