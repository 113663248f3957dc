/* test_file.c - kz_file_read: contents and NUL, the size cap, missing and
 * non-regular files with their reasons, and out of memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/file.h"

static void test_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/kz-file-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/f", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("hello\nworld", f);
    fclose(f);

    char *buf = NULL, why[128];
    size_t len = 0;
    assert_int_equal(kz_file_read(path, 11, &buf, &len, why, sizeof why), KZ_OK);
    assert_int_equal(len, 11);
    assert_string_equal(buf, "hello\nworld"); /* NUL-terminated */
    kz_free(buf);

    assert_int_equal(kz_file_read(path, 10, &buf, &len, why, sizeof why), KZ_ETOOBIG);
    assert_null(buf);
    assert_string_equal(why, "larger than 10 bytes");
    assert_int_equal(kz_file_read(dir, 100, &buf, &len, why, sizeof why), KZ_EIO);
    assert_string_equal(why, "not a regular file");
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(kz_file_read(path, 100, &buf, NULL, why, sizeof why), KZ_ENOTFOUND);
    assert_string_equal(why, "no such file");
    assert_int_equal(kz_file_read(path, 100, &buf, NULL, NULL, 0), KZ_ENOTFOUND);

    snprintf(path, sizeof path, "%s/f", dir);
    kz_alloc_fail_after(1, 0);
    assert_int_equal(kz_file_read(path, 100, &buf, &len, why, sizeof why), KZ_ENOMEM);
    kz_alloc_fail_after(0, 0);
    assert_null(buf);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_read)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
