/* log.h - minimal leveled logging to stderr (or a file), one line per event,
 * used by long-running commands (serve, sync). Library code logs sparingly;
 * errors are returned, not logged. */
#ifndef KIZUNA_LOG_H
#define KIZUNA_LOG_H

#include <stdio.h>

typedef enum kz_log_level { KZ_LOG_ERROR = 0, KZ_LOG_WARN, KZ_LOG_INFO, KZ_LOG_DEBUG } kz_log_level;

void kz_log_set_level(kz_log_level lvl);
kz_log_level kz_log_get_level(void);
/* Sends log lines to f instead (NULL: back to stderr). The caller keeps
 * ownership of f and must not close it while it is set. */
void kz_log_set_file(FILE *f);
/* Writes "2026-11-26T12:00:00.123Z level module: message" to stderr. Thread-safe. */
void kz_log(kz_log_level lvl, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
