/* fuzz_config.c - libFuzzer target for the kizuna.conf parser: whatever
 * parses writes back (kz_config_write) to text that parses to the same
 * keys and values in the same order; errors name a line within the input
 * and leave no result; the limits hold. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_config: %s\n", what);
    abort();
}

static size_t count_lines(const uint8_t *d, size_t n)
{
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += d[i] == '\n';
    return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_config *c = (kz_config *)&size; /* poison: must become NULL on error */
    kz_config_error e;
    kz_err rc = kz_config_parse((const char *)data, size, &c, &e);
    if (rc) {
        check(c == NULL, "result left on error");
        check(rc == KZ_EPARSE || rc == KZ_ETOOBIG || rc == KZ_EEXIST || rc == KZ_ENOMEM,
              "unexpected error code");
        check(e.line <= count_lines(data, size), "error line beyond the input");
        check(memchr(e.msg, '\0', sizeof e.msg) != NULL && e.msg[0], "no error message");
        return 0;
    }
    size_t n = kz_config_count(c);
    check(n <= KZ_CONFIG_MAX_KEYS, "too many keys");
    for (size_t i = 0; i < n; i++) {
        const char *k = kz_config_key_at(c, i), *v = kz_config_value_at(c, i);
        check(k && v && strlen(k) >= 1 && strlen(k) <= KZ_CONFIG_MAX_KEY, "bad key");
        check(strlen(v) <= KZ_CONFIG_MAX_VALUE, "value too long");
        check(strchr(v, '\n') == NULL, "newline in value");
        check(kz_config_get(c, k) == v, "get does not find the key");
    }
    kz_buf b;
    kz_buf_init(&b, 0);
    check(kz_config_write(c, &b) == KZ_OK, "write failed");
    kz_config *d = NULL;
    rc = kz_config_parse(b.data ? b.data : "", b.len, &d, &e);
    if (rc)
        fprintf(stderr, "fuzz_config: re-parse: line %zu: %s\n", e.line, e.msg);
    check(rc == KZ_OK, "written text does not parse");
    check(kz_config_count(d) == n, "key count changed");
    for (size_t i = 0; i < n; i++) {
        check(strcmp(kz_config_key_at(c, i), kz_config_key_at(d, i)) == 0, "key changed");
        check(strcmp(kz_config_value_at(c, i), kz_config_value_at(d, i)) == 0, "value changed");
    }
    kz_config_free(d);
    kz_config_free(c);
    kz_buf_release(&b);
    return 0;
}
