/* test_formula.c - lib/score/formula.c and params.c: the decay formula
 * against hand-computed values, type classes from patterns
 * (tests/data/score/classes.tsv), kizuna.conf parsing and its errors
 * (tests/data/score/config_cases.tsv), durations, and one indicator's
 * score with sightings resetting the clock. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/arena.h"
#include "kizuna/config.h"
#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"

#define DAY 86400.0
#define DAY_US 86400000000LL

static void near(double got, double want)
{
    if (fabs(got - want) > 1e-9) {
        print_error("got %.12f, want %.12f\n", got, want);
        fail();
    }
}

/* Each value worked out by hand: base x (1 - (t/tau)^(1/delta)). */
static void test_decay_hand_values(void **state)
{
    (void)state;
    kz_score_decay lin = {100, 1.0};
    near(kz_score_decay_at(80, 0, &lin), 80);  /* t = 0: base */
    near(kz_score_decay_at(80, 25, &lin), 60); /* linear: 80 x 0.75 */
    near(kz_score_decay_at(80, 50, &lin), 40);
    near(kz_score_decay_at(80, 99, &lin), 0.8);
    near(kz_score_decay_at(80, 100, &lin), 0); /* t = tau */
    near(kz_score_decay_at(80, 150, &lin), 0); /* t > tau */
    near(kz_score_decay_at(80, -5, &lin), 80); /* in the future: base */
    kz_score_decay sq = {100, 2.0};
    near(kz_score_decay_at(100, 25, &sq), 50); /* 1 - sqrt(0.25) */
    near(kz_score_decay_at(100, 64, &sq), 20); /* 1 - 0.8 */
    kz_score_decay slow = {1000, 0.5};
    near(kz_score_decay_at(60, 500, &slow), 45); /* 60 x (1 - 0.5^2) */
    kz_score_decay cube = {8, 3.0};
    near(kz_score_decay_at(90, 1, &cube), 45); /* 90 x (1 - (1/8)^(1/3)) */
    /* days, as the defaults use them: 47 days, delta 1.65, 10 days in */
    kz_score_decay ip = {47 * 86400, 1.65};
    near(kz_score_decay_at(80, 10 * DAY, &ip), 80 * (1 - pow(10.0 / 47.0, 1 / 1.65)));
    /* clamps */
    near(kz_score_decay_at(150, 0, &lin), 100);
    near(kz_score_decay_at(0, 10, &lin), 0);
    near(kz_score_decay_at(-3, 10, &lin), 0);
    near(kz_score_decay_at(NAN, 10, &lin), 0);
}

static const char *read_file(const char *path)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_classes_from_patterns(void **state)
{
    (void)state;
    char *text = strdup(read_file("tests/data/score/classes.tsv"));
    assert_non_null(text);
    size_t cases = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        const char *pat = tab + 1;
        const char *got = kz_score_class_name(kz_score_class_of(pat, strlen(pat)));
        if (strcmp(got, line) != 0) {
            print_error("pattern %s: class %s, want %s\n", pat, got, line);
            fail();
        }
        cases++;
    }
    assert_true(cases >= 20);
    free(text);
}

static kz_err err_code(const char *name)
{
    static const struct {
        const char *name;
        kz_err rc;
    } codes[] = {{"OK", KZ_OK}, {"EPARSE", KZ_EPARSE}, {"ERANGE", KZ_ERANGE}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].name, name) == 0)
            return codes[i].rc;
    fail_msg("unknown code %s", name);
    return KZ_EINTERNAL;
}

static void test_config_cases(void **state)
{
    (void)state;
    char *text = strdup(read_file("tests/data/score/config_cases.tsv"));
    assert_non_null(text);
    size_t cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        assert_non_null(t1);
        char *t2 = strchr(t1 + 1, '\t');
        assert_non_null(t2);
        *t1 = *t2 = '\0';
        /* the conf text with \n turned into new lines */
        char conf[512];
        size_t n = 0;
        for (const char *p = t1 + 1; *p && n + 1 < sizeof conf; p++) {
            if (p[0] == '\\' && p[1] == 'n') {
                conf[n++] = '\n';
                p++;
            } else {
                conf[n++] = *p;
            }
        }
        conf[n] = '\0';
        kz_config *c = NULL;
        assert_int_equal(kz_config_parse(conf, n, &c, NULL), KZ_OK);
        kz_score_params p;
        char err[256] = "";
        kz_err rc = kz_score_params_from_config(&p, c, err, sizeof err);
        if (rc != err_code(line) || (strcmp(t2 + 1, "-") != 0 && !strstr(err, t2 + 1))) {
            print_error("conf '%s': rc %s '%s', want %s '%s'\n", t1 + 1, kz_errname(rc), err, line,
                        t2 + 1);
            fail();
        }
        kz_config_free(c);
        cases++;
    }
    assert_true(cases >= 25);
    free(text);
}

static void test_config_values(void **state)
{
    (void)state;
    static const char conf[] = "score.threshold = 30\n"
                               "score.ipv4.lifetime = 30d\n"
                               "score.ipv4.decay = 0.3\n"
                               "score.hash.lifetime = 12h\n"
                               "score.default_confidence = 60\n"
                               "score.reliability.default = 70\n"
                               "score.reliability.partner-a = 40\n"
                               "taxii.min_score = 25\n";
    kz_config *c = NULL;
    assert_int_equal(kz_config_parse(conf, strlen(conf), &c, NULL), KZ_OK);
    kz_score_params p;
    assert_int_equal(kz_score_params_from_config(&p, c, NULL, 0), KZ_OK);
    assert_int_equal(p.threshold, 30);
    assert_int_equal(p.decay[KZ_SCORE_IPV4].lifetime_s, 30 * 86400);
    near(p.decay[KZ_SCORE_IPV4].speed, 0.3);
    assert_int_equal(p.decay[KZ_SCORE_HASH].lifetime_s, 12 * 3600);
    assert_int_equal(p.decay[KZ_SCORE_IPV6].lifetime_s, 47 * 86400); /* untouched default */
    assert_int_equal(p.default_confidence, 60);
    assert_int_equal(p.default_reliability, 70);
    assert_int_equal(kz_score_params_reliability(&p, "partner-a"), 40);
    assert_int_equal(kz_score_params_reliability(&p, "partner-b"), -1);
    assert_int_equal(p.taxii_min_score, 25);
    assert_int_equal(p.match_min_score, -1);
    kz_config_free(c);
    /* no configuration: the defaults */
    assert_int_equal(kz_score_params_from_config(&p, NULL, NULL, 0), KZ_OK);
    assert_int_equal(p.threshold, 20);
    assert_int_equal(p.default_confidence, 50);
    assert_int_equal(p.default_reliability, 100);
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        kz_err rc;
        int64_t secs;
        const char *fmt;
    } cases[] = {
        {"30d", KZ_OK, 2592000, "30d"}, {"12h", KZ_OK, 43200, "12h"},
        {"45m", KZ_OK, 2700, "45m"},    {"3600s", KZ_OK, 3600, "1h"},
        {"3600", KZ_OK, 3600, "1h"},    {"1", KZ_OK, 1, "1s"},
        {"90m", KZ_OK, 5400, "90m"},    {"3650d", KZ_OK, 315360000, "3650d"},
        {"3651d", KZ_ERANGE, 0, NULL},  {"0d", KZ_ERANGE, 0, NULL},
        {"", KZ_EPARSE, 0, NULL},       {"d", KZ_EPARSE, 0, NULL},
        {"1.5d", KZ_EPARSE, 0, NULL},   {"+1d", KZ_EPARSE, 0, NULL},
        {"1dd", KZ_EPARSE, 0, NULL},    {"123456789012345678901", KZ_EPARSE, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = -1;
        kz_err rc = kz_score_duration_parse(cases[i].text, strlen(cases[i].text), &v);
        if (rc != cases[i].rc)
            fail_msg("'%s': %s", cases[i].text, kz_errname(rc));
        if (rc)
            continue;
        assert_int_equal(v, cases[i].secs);
        char out[32];
        kz_score_duration_format(v, out, sizeof out);
        assert_string_equal(out, cases[i].fmt);
    }
}

/* An indicator parsed from JSON text into arena a. */
static kz_json *parse(kz_arena *a, const char *text)
{
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(a, text, strlen(text), NULL, &v, NULL), KZ_OK);
    return v;
}

static int64_t us_of(const char *ts)
{
    int64_t us = 0;
    assert_int_equal(kz_store_parse_us(ts, &us), KZ_OK);
    return us;
}

/* The indicator valid_from 60 days before NOW, sighted 1 day before NOW,
 * scores as 1 day old; a sighting of another indicator changes nothing. */
static void test_sightings_reset_clock(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_score_params p;
    kz_score_params_defaults(&p);
    const int64_t now = us_of("2026-10-01T00:00:00Z");
    kz_json *ind = parse(a, "{\"type\":\"indicator\",\"id\":\"indicator--a0000000-0000-4000-8000-"
                            "000000000003\",\"pattern\":\"[ipv4-addr:value = '198.51.100.3']\","
                            "\"valid_from\":\"2026-08-02T00:00:00Z\",\"confidence\":80}");
    kz_score_input in;
    assert_int_equal(kz_score_input_from_json(ind, &in), KZ_OK);
    kz_score_result r;
    kz_score_eval(&p, &in, now, &r);
    assert_int_equal(r.cls, KZ_SCORE_IPV4);
    assert_int_equal(r.age_us, 60 * DAY_US);
    near(r.score, 0); /* 60 days > the 47-day IP lifetime */
    assert_true(r.decayed);

    kz_score_sightings *sg = kz_score_sightings_new();
    assert_non_null(sg);
    /* a sighting of ANOTHER indicator: nothing changes */
    kz_json *other =
        parse(a, "{\"type\":\"sighting\",\"sighting_of_ref\":\"indicator--a0000000-"
                 "0000-4000-8000-000000000099\",\"last_seen\":\"2026-09-30T00:00:00Z\"}");
    assert_int_equal(kz_score_sightings_add_object(sg, other), KZ_OK);
    const char *id = kz_json_get_string(ind, "id");
    in.sighting_us = kz_score_sightings_latest(sg, id, strlen(id));
    assert_int_equal(in.sighting_us, 0);
    /* its own sighting, seen first 3 days ago and last 1 day ago */
    kz_json *own = parse(a, "{\"type\":\"sighting\",\"sighting_of_ref\":\"indicator--a0000000-"
                            "0000-4000-8000-000000000003\",\"first_seen\":\"2026-09-28T00:00:00Z\","
                            "\"last_seen\":\"2026-09-30T00:00:00Z\"}");
    assert_int_equal(kz_score_sightings_add_object(sg, own), KZ_OK);
    /* an older one does not move the anchor back */
    kz_json *older =
        parse(a, "{\"type\":\"sighting\",\"sighting_of_ref\":\"indicator--a0000000-"
                 "0000-4000-8000-000000000003\",\"created\":\"2026-09-01T00:00:00Z\"}");
    assert_int_equal(kz_score_sightings_add_object(sg, older), KZ_OK);
    in.sighting_us = kz_score_sightings_latest(sg, id, strlen(id));
    assert_int_equal(in.sighting_us, us_of("2026-09-30T00:00:00Z"));
    kz_score_eval(&p, &in, now, &r);
    assert_int_equal(r.age_us, DAY_US);
    assert_int_equal(r.anchor_us, us_of("2026-09-30T00:00:00Z"));
    near(r.score, 80 * (1 - pow(1.0 / 47.0, 1 / 1.65)));
    assert_false(r.decayed);
    assert_int_equal(r.zero_us, us_of("2026-09-30T00:00:00Z") + 47 * DAY_US);
    kz_score_sightings_free(sg);
    kz_arena_free(a);
}

static void test_eval_states_and_base(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    static const char conf[] =
        "score.reliability.identity--11111111-1111-4111-8111-111111111111 = 50\n"
        "score.reliability.partner-a = 40\n"
        "score.default_confidence = 60\n";
    kz_config *c = NULL;
    assert_int_equal(kz_config_parse(conf, strlen(conf), &c, NULL), KZ_OK);
    kz_score_params p;
    assert_int_equal(kz_score_params_from_config(&p, c, NULL, 0), KZ_OK);
    kz_config_free(c);
    const int64_t now = us_of("2026-10-01T00:00:00Z");
    kz_json *ind =
        parse(a, "{\"type\":\"indicator\",\"pattern\":\"[domain-name:value = 'x.example']\","
                 "\"valid_from\":\"2026-10-01T00:00:00Z\","
                 "\"created_by_ref\":\"identity--11111111-1111-4111-8111-111111111111\"}");
    kz_score_input in;
    assert_int_equal(kz_score_input_from_json(ind, &in), KZ_OK);
    kz_score_result r;
    kz_score_eval(&p, &in, now, &r);
    near(r.base, 30); /* default confidence 60 x identity reliability 50 */
    near(r.score, 30);
    in.created_by_ref = NULL;
    in.peer = "partner-a";
    kz_score_eval(&p, &in, now, &r);
    near(r.base, 24); /* 60 x 40 */
    in.peer = "partner-b";
    kz_score_eval(&p, &in, now, &r);
    near(r.base, 60); /* default reliability 100 */
    /* valid_from in the future: the base */
    kz_score_eval(&p, &in, now - DAY_US, &r);
    near(r.score, 60);
    assert_true(r.age_us < 0);
    /* expired and revoked: 0 */
    in.has_valid_until = true;
    in.valid_until_us = now;
    kz_score_eval(&p, &in, now, &r);
    assert_int_equal(r.state, KZ_SCORE_EXPIRED);
    near(r.score, 0);
    in.has_valid_until = false;
    in.revoked = true;
    kz_score_eval(&p, &in, now, &r);
    assert_int_equal(r.state, KZ_SCORE_REVOKED);
    near(r.score, 0);
    /* not an indicator, or without valid_from */
    kz_json *sg = parse(a, "{\"type\":\"sighting\"}");
    assert_int_equal(kz_score_input_from_json(sg, &in), KZ_EINVAL);
    kz_json *novf = parse(a, "{\"type\":\"indicator\",\"pattern\":\"[url:value = 'x']\"}");
    assert_int_equal(kz_score_input_from_json(novf, &in), KZ_EINVALID);
    kz_json *badvf = parse(a, "{\"type\":\"indicator\",\"pattern\":\"[url:value = 'x']\","
                              "\"valid_from\":\"yesterday\"}");
    assert_int_equal(kz_score_input_from_json(badvf, &in), KZ_EINVALID);
    /* confidence outside 0..100 is ignored */
    kz_json *conf200 = parse(a, "{\"type\":\"indicator\",\"pattern\":\"[url:value = 'x']\","
                                "\"valid_from\":\"2026-10-01T00:00:00Z\",\"confidence\":200}");
    assert_int_equal(kz_score_input_from_json(conf200, &in), KZ_OK);
    assert_false(in.has_confidence);
    kz_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decay_hand_values),
        cmocka_unit_test(test_classes_from_patterns),
        cmocka_unit_test(test_config_cases),
        cmocka_unit_test(test_config_values),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_sightings_reset_clock),
        cmocka_unit_test(test_eval_states_and_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
