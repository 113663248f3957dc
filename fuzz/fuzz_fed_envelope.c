/* fuzz_fed_envelope.c - libFuzzer target for the federation client's TAXII
 * response parsing (lib/fed/envelope.c): the input is parsed as an objects
 * envelope and as a status resource. Properties: only the documented error
 * codes; an accepted envelope serialised and parsed again gives the same
 * more/next/object count and equal objects; more=true never comes with an
 * empty page unless there is a next to follow; an accepted status has a known state and counts >= 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/fed.h"
#include "kizuna/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_fed_envelope: %s\n", what);
    abort();
}

static int known(kz_err rc)
{
    return rc == KZ_OK || rc == KZ_EPARSE || rc == KZ_EINVALID || rc == KZ_ETOOBIG ||
           rc == KZ_EDEPTH || rc == KZ_ENOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_arena *a = kz_arena_new(0);
    kz_arena *b = kz_arena_new(0);
    if (!a || !b)
        goto out;
    char why[256];
    kz_fed_envelope e;
    kz_err rc = kz_fed_parse_envelope(a, (const char *)data, size, &e, why, sizeof why);
    check(known(rc), "unexpected envelope error code");
    if (rc == KZ_OK) {
        check(!e.more || (e.objects && e.objects->u.arr.n > 0) || e.next,
              "more on an empty page without next");
        /* rebuild the envelope from the parsed parts and parse it again */
        kz_json *env = kz_json_new_object(a);
        check(env != NULL, "oom building");
        if (e.more)
            kz_json_object_set(a, env, "more", kz_json_new_bool(a, true));
        if (e.next)
            kz_json_object_set(a, env, "next", kz_json_new_string(a, e.next));
        if (e.objects)
            kz_json_object_set(a, env, "objects", kz_json_clone(a, e.objects));
        kz_buf out;
        kz_buf_init(&out, 0);
        check(kz_json_write(&out, env, 0) == KZ_OK, "cannot serialise an accepted envelope");
        kz_fed_envelope e2;
        rc = kz_fed_parse_envelope(b, out.data, out.len, &e2, why, sizeof why);
        check(rc == KZ_OK, "serialised envelope is refused");
        check(e2.more == e.more, "more changed");
        check((e.next == NULL) == (e2.next == NULL) && (!e.next || strcmp(e.next, e2.next) == 0),
              "next changed");
        size_t n1 = e.objects ? e.objects->u.arr.n : 0, n2 = e2.objects ? e2.objects->u.arr.n : 0;
        check(n1 == n2, "object count changed");
        for (size_t i = 0; i < n1; i++)
            check(kz_json_equal(e.objects->u.arr.items[i], e2.objects->u.arr.items[i]),
                  "an object changed");
        kz_buf_release(&out);
    }
    kz_arena_reset(a);
    kz_fed_status s;
    rc = kz_fed_parse_status(a, (const char *)data, size, &s, why, sizeof why);
    check(known(rc), "unexpected status error code");
    if (rc == KZ_OK) {
        check(strcmp(s.status, "pending") == 0 || strcmp(s.status, "complete") == 0,
              "unknown status accepted");
        check(s.total >= 0 && s.success >= 0 && s.failure >= 0 && s.pending >= 0,
              "negative count");
    }
out:
    kz_arena_free(a);
    kz_arena_free(b);
    return 0;
}
