/* indicator_json.h - the STIX indicator test_compile.c, test_lookup.c and
 * test_filters.c compile: id indicator--00000000-0000-4000-8000-<id, 12
 * digits>, pattern_type stix, the pattern given. Static, like the tests. */
#ifndef KIZUNA_TEST_INDICATOR_JSON_H
#define KIZUNA_TEST_INDICATOR_JSON_H

#include <stddef.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"

/* The indicator parsed into a (which owns it). */
static kz_json *indicator_json(kz_arena *a, size_t id, const char *pattern)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_buf_printf(&b,
                                   "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
                                   "\"indicator--00000000-0000-4000-8000-%012zu\","
                                   "\"pattern_type\":\"stix\",\"pattern\":",
                                   id),
                     KZ_OK);
    assert_int_equal(kz_json_write_string(&b, pattern, strlen(pattern), 0), KZ_OK);
    assert_int_equal(kz_buf_append_str(&b, "}"), KZ_OK);
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(a, b.data, b.len, NULL, &v, NULL), KZ_OK);
    kz_buf_release(&b);
    return v;
}

#endif
