/* config.h - kizuna.conf: a small configuration file of `key = value`
 * lines, `#` comments and blank lines, read from a node's data directory.
 *
 * Keys are [A-Za-z0-9_.-]{1,64} (by convention "section.name"); values are
 * the rest of the line with surrounding blanks removed, at most 1024 bytes,
 * optionally in double quotes (then \" and \\ are the only escapes and
 * surrounding blanks are kept). A key may appear once. The whole file is
 * capped at 1 MiB and 1024 keys. Errors name the line:
 * "kizuna.conf:3: expected 'key = value'". */
#ifndef KIZUNA_CONFIG_H
#define KIZUNA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/buf.h"
#include "kizuna/error.h"

#define KZ_CONFIG_MAX_BYTES (1u << 20)
#define KZ_CONFIG_MAX_KEYS 1024
#define KZ_CONFIG_MAX_KEY 64
#define KZ_CONFIG_MAX_VALUE 1024

typedef struct kz_config kz_config;

typedef struct kz_config_error {
    size_t line;    /* 1-based; 0 when not about one line (I/O, size) */
    char msg[160];
} kz_config_error;

/* Parses buf[0..len). *out is the caller's (kz_config_free). On error
 * *out is NULL and err (optional) says where and why. Errors: KZ_EPARSE,
 * KZ_ETOOBIG, KZ_EEXIST (duplicate key), KZ_ENOMEM. */
kz_err kz_config_parse(const char *buf, size_t len, kz_config **out, kz_config_error *err);
/* Reads and parses a file. A missing file is KZ_ENOTFOUND (callers may
 * treat it as empty); other I/O errors KZ_EIO. */
kz_err kz_config_load(const char *path, kz_config **out, kz_config_error *err);
/* A node's settings: DIR/kizuna.conf, or an empty configuration when the
 * file does not exist (a node runs on the defaults). *out is the caller's
 * (kz_config_free). Errors as kz_config_load (never KZ_ENOTFOUND), and
 * KZ_ETOOBIG for a directory path too long; err->line 0 then. */
kz_err kz_config_load_node(const char *dir, kz_config **out, kz_config_error *err);
/* An empty configuration (NULL on out of memory). */
kz_config *kz_config_new(void);
void kz_config_free(kz_config *c);

/* Value of key or NULL. The string belongs to c. */
const char *kz_config_get(const kz_config *c, const char *key);
/* Line where key was set (0 if absent or set programmatically). */
size_t kz_config_line(const kz_config *c, const char *key);
/* Integer value in [min, max]; def if absent. KZ_EPARSE / KZ_ERANGE. */
kz_err kz_config_get_int(const kz_config *c, const char *key, int64_t min, int64_t max,
                         int64_t def, int64_t *out);
/* true/false/yes/no/on/off/1/0; def if absent. KZ_EPARSE. */
kz_err kz_config_get_bool(const kz_config *c, const char *key, bool def, bool *out);
/* Sets (adds or replaces) key. KZ_EINVAL for a bad key or value (newline,
 * NUL, too long), KZ_ETOOBIG past the key cap. */
kz_err kz_config_set(kz_config *c, const char *key, const char *value);
size_t kz_config_count(const kz_config *c);
/* i-th key and value in file order (NULL past the end). */
const char *kz_config_key_at(const kz_config *c, size_t i);
const char *kz_config_value_at(const kz_config *c, size_t i);
/* Appends `key = value` lines (quoting values that need it) such that
 * kz_config_parse gives back the same keys and values. */
kz_err kz_config_write(const kz_config *c, kz_buf *out);

#endif
