/* test_oom.c - out of memory is an error, not a crash or a leak: the Nth
 * allocation made through kz_malloc fails (and every one after it), swept
 * over a POST, a paged GET and a manifest until a run completes without a
 * failure; every answer must be a TAXII status (500 when memory ran out),
 * and LeakSanitizer checks nothing is left behind. SQLite's own allocations
 * do not go through the hook. */
#include "unit/taxii/taxii_fixture.h"

static bool ok_status(int st)
{
    return st == 200 || st == 202 || st == 500 || st == 401 || st == 404;
}

static void sweep(fx *f, const char *method, const char *target, const char *body)
{
    long n;
    for (n = 1; n < 100000; n++) {
        fx_fail_at = n;
        int st = fx_req(f, "own", method, target, body);
        fx_fail_at = 0;
        long failed = fx_failures;
        if (!ok_status(st))
            fail_msg("%s %s with allocation %ld failing: status %d", method, target, n, st);
        if (failed == 0)
            break; /* the request no longer reaches the failing allocation */
    }
    fprintf(stderr, "%s %s: %ld allocations swept\n", method, target, n - 1);
    assert_true(n > 1);
}

static void test_oom_sweep(void **state)
{
    fx *f = *state;
    char *env = fx_read_data("mixed_envelope.json");
    sweep(f, "POST", "/api/collections/intel/objects/", env);
    free(env);
    fx_post_file(f, "own", "tlp_envelope.json");
    sweep(f, "GET", "/api/collections/intel/objects/?limit=3&match[type]=indicator", NULL);
    sweep(f, "GET", "/api/collections/intel/manifest/?match[version]=all", NULL);
    sweep(f, "GET", "/api/collections/", NULL);
    /* and the server still answers normally afterwards */
    assert_int_equal(fx_req(f, "own", "GET", "/api/collections/intel/objects/", NULL), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_oom_sweep, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
