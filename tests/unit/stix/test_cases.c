/* test_cases.c - runs every case file under tests/data/stix/ through
 * kz_stix_validate_mem: each valid/ file must give no diagnostic at all
 * (or exactly those its .expect sidecar lists), each invalid/ file exactly
 * the diagnostics of its .expect sidecar, one per line:
 *   <error|warning> <code> <JSON path>
 * The comparison is exhaustive both ways, so a new false positive fails too. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/stix.h"

#define MAX_ITEMS 64

typedef struct got {
    char items[MAX_ITEMS][600];
    size_t n;
    size_t n_errors;
} got;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static kz_err collect(void *ud, const kz_stix_item *it)
{
    got *g = ud;
    for (size_t i = 0; i < it->diag->n && g->n < MAX_ITEMS; i++) {
        const kz_diag_item *d = &it->diag->items[i];
        snprintf(g->items[g->n++], sizeof g->items[0], "%s %s %s",
                 d->sev == KZ_SEV_ERROR ? "error" : "warning", d->code, d->path);
        g->n_errors += d->sev == KZ_SEV_ERROR;
    }
    return KZ_OK;
}

/* Compares got with the sidecar's lines; prints every difference. */
static int compare(const char *json_path, const got *g, int must_fail)
{
    char exp_path[1024];
    char lines[MAX_ITEMS][600];
    size_t n_exp = 0, bad = 0;
    snprintf(exp_path, sizeof exp_path, "%.*s.expect", (int)(strlen(json_path) - 5), json_path);
    FILE *f = fopen(exp_path, "r");
    if (f) {
        while (n_exp < MAX_ITEMS && fgets(lines[n_exp], sizeof lines[0], f)) {
            lines[n_exp][strcspn(lines[n_exp], "\n")] = '\0';
            if (lines[n_exp][0])
                n_exp++;
        }
        fclose(f);
    } else if (must_fail) {
        print_error("%s: no .expect sidecar\n", json_path);
        return 1;
    }
    for (size_t i = 0; i < n_exp; i++) {
        size_t k = 0;
        while (k < g->n && strcmp(g->items[k], lines[i]) != 0)
            k++;
        if (k == g->n) {
            print_error("%s: expected \"%s\", not reported\n", json_path, lines[i]);
            bad++;
        }
    }
    for (size_t k = 0; k < g->n; k++) {
        size_t i = 0;
        while (i < n_exp && strcmp(g->items[k], lines[i]) != 0)
            i++;
        if (i == n_exp) {
            print_error("%s: unexpected \"%s\"\n", json_path, g->items[k]);
            bad++;
        }
    }
    if (must_fail && n_exp == 0) {
        print_error("%s: an invalid case must name its diagnostics\n", json_path);
        bad++;
    }
    return bad ? 1 : 0;
}

static int run_dir(const char *dir, int must_fail, size_t *n_files)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int failures = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        char path[1024];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *buf = read_all(path, &len);
        assert_non_null(buf);
        got *g = calloc(1, sizeof *g);
        assert_non_null(g);
        kz_stix_opts opts = {false, true};
        kz_stix_summary sum;
        kz_err rc = kz_stix_validate_mem(buf, len, 0, &opts, collect, g, &sum);
        if (rc != KZ_OK) {
            print_error("%s: returned %s\n", path, kz_errname(rc));
            failures++;
        } else {
            failures += compare(path, g, must_fail);
            if (sum.n_errors != g->n_errors) {
                print_error("%s: summary says %zu errors, items %zu\n", path, sum.n_errors,
                            g->n_errors);
                failures++;
            }
        }
        (*n_files)++;
        free(g);
        free(buf);
    }
    closedir(d);
    return failures;
}

static void test_valid_cases(void **state)
{
    (void)state;
    size_t n = 0;
    assert_int_equal(run_dir("tests/data/stix/valid", 0, &n), 0);
    assert_true(n >= 40);
}

static void test_invalid_cases(void **state)
{
    (void)state;
    size_t n = 0;
    assert_int_equal(run_dir("tests/data/stix/invalid", 1, &n), 0);
    assert_true(n >= 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_cases),
        cmocka_unit_test(test_invalid_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
