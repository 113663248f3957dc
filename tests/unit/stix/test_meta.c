/* test_meta.c - unit tests for the lib/stix API around validation:
 * kz_stix_meta_get, type classes, the TLP table, deterministic SCO ids
 * (vectors computed independently with Python's uuid5 over canonical
 * JSON), whole-document walks (kinds, envelope, the ATT&CK for ICS bundle
 * from $KZ_SHARED), and out-of-memory sweeps over validation. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/stix.h"

static kz_json *parse(kz_arena *a, const char *text)
{
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(a, text, strlen(text), NULL, &v, NULL), KZ_OK);
    return v;
}

static void test_meta_get(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_stix_meta m;
    kz_json *o = parse(a, "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                          "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
                          "\"created\":\"2016-04-06T20:03:48.000Z\","
                          "\"modified\":\"2016-04-07T20:03:48.123Z\",\"revoked\":true,"
                          "\"object_marking_refs\":[\"marking-definition--"
                          "34098fce-860f-48ae-8e50-ebd3cc5e41da\"]}");
    assert_int_equal(kz_stix_meta_get(o, &m), KZ_OK);
    assert_string_equal(m.type, "indicator");
    assert_string_equal(m.id, "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    assert_string_equal(m.spec_version, "2.1");
    assert_true(m.has_created && m.has_modified && m.revoked);
    assert_true(kz_time_cmp(&m.created, &m.modified) < 0);
    assert_true(m.is_sdo && !m.is_sco && !m.is_sro);
    assert_non_null(m.object_marking_refs);
    assert_int_equal(kz_stix_object_tlp(o), KZ_TLP_GREEN);

    o = parse(a, "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4\"}");
    assert_int_equal(kz_stix_meta_get(o, &m), KZ_OK);
    assert_true(m.is_sco && !m.has_created && m.spec_version == NULL && !m.revoked);
    o = parse(a, "{\"type\":\"relationship\"}");
    assert_int_equal(kz_stix_meta_get(o, &m), KZ_EINVALID);
    o = parse(a, "[1]");
    assert_int_equal(kz_stix_meta_get(o, &m), KZ_EINVALID);
    kz_arena_free(a);
}

static void test_type_class(void **state)
{
    (void)state;
    assert_int_equal(kz_stix_type_class("malware"), KZ_STIX_SDO);
    assert_int_equal(kz_stix_type_class("sighting"), KZ_STIX_SRO);
    assert_int_equal(kz_stix_type_class("x509-certificate"), KZ_STIX_SCO);
    assert_int_equal(kz_stix_type_class("marking-definition"), KZ_STIX_META);
    assert_int_equal(kz_stix_type_class("x-mitre-tactic"), KZ_STIX_CUSTOM);
}

static void test_tlp(void **state)
{
    (void)state;
    int ver = 0;
    assert_int_equal(kz_stix_tlp_from_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", &ver),
                     KZ_TLP_CLEAR);
    assert_int_equal(ver, 1);
    assert_int_equal(kz_stix_tlp_from_id("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", &ver),
                     KZ_TLP_RED);
    assert_int_equal(kz_stix_tlp_from_id("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", &ver),
                     KZ_TLP_AMBER_STRICT);
    assert_int_equal(ver, 2);
    assert_int_equal(kz_stix_tlp_from_id("marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168", &ver),
                     KZ_TLP_NONE);
    assert_int_equal(ver, 0);
    assert_int_equal(kz_stix_tlp_from_id(NULL, NULL), KZ_TLP_NONE);
    assert_string_equal(kz_stix_tlp_id(KZ_TLP_AMBER),
                        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
    assert_null(kz_stix_tlp_id(KZ_TLP_NONE));
    assert_string_equal(kz_stix_tlp_name(KZ_TLP_AMBER_STRICT), "amber+strict");
    assert_string_equal(kz_stix_tlp_name(KZ_TLP_NONE), "none");

    kz_arena *a = kz_arena_new(0);
    kz_json *o = parse(a, "{\"object_marking_refs\":["
                          "\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\","
                          "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\","
                          "\"marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168\"]}");
    assert_int_equal(kz_stix_object_tlp(o), KZ_TLP_RED);
    /* A granular RED marking on one property restricts the whole object. */
    o = parse(a, "{\"type\":\"note\",\"object_marking_refs\":"
                 "[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"],"
                 "\"granular_markings\":[{\"selectors\":[\"content\"],\"marking_ref\":"
                 "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\"}]}");
    assert_int_equal(kz_stix_object_tlp(o), KZ_TLP_RED);
    o = parse(a, "{\"type\":\"note\",\"granular_markings\":[{\"selectors\":[\"content\"],"
                 "\"lang\":\"ja\"},{\"marking_ref\":5}]}");
    assert_int_equal(kz_stix_object_tlp(o), KZ_TLP_NONE);
    kz_arena_free(a);
}

static void test_sco_ids(void **state)
{
    (void)state;
    static const struct {
        const char *obj, *want;
    } cases[] = {
        {"{\"type\":\"ipv4-addr\",\"value\":\"198.51.100.3\"}",
         "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"},
        /* MD5 is preferred over SHA-256; non-ASCII stays UTF-8 (RFC 8785). */
        {"{\"type\":\"file\",\"name\":\"r\\u00e9sum\\u00e9.pdf\",\"size\":3,"
         "\"hashes\":{\"SHA-256\":\"fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db\","
         "\"MD5\":\"1717b7fff97d37a1e1a0029d83492de1\"}}",
         "file--1127089d-def8-5f15-8a5c-06c87e488566"},
        {"{\"type\":\"email-message\",\"is_multipart\":false,\"subject\":\"Saying Hello\","
         "\"from_ref\":\"email-addr--9b7e29b3-fd8d-562e-b3f0-8fc8134f5dda\"}",
         "email-message--42451260-19e5-55fb-b146-ac82e85bd03f"},
        {"{\"type\":\"network-traffic\",\"protocols\":[\"ipv4\",\"tcp\"],\"dst_port\":80,"
         "\"src_ref\":\"ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53\",\"is_active\":true}",
         "network-traffic--cea6f8b3-601e-5598-890d-0adc58c72d52"},
        {"{\"type\":\"autonomous-system\",\"number\":15139,\"name\":\"x\"}",
         "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff"},
    };
    kz_arena *a = kz_arena_new(0);
    char out[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_json *o = parse(a, cases[i].obj);
        assert_int_equal(kz_stix_sco_id(o, out, sizeof out), KZ_OK);
        assert_string_equal(out, cases[i].want);
    }
    kz_json *o = parse(a, "{\"type\":\"process\",\"pid\":4}");
    assert_int_equal(kz_stix_sco_id(o, out, sizeof out), KZ_ENOTFOUND);
    o = parse(a, "{\"type\":\"url\"}");
    assert_int_equal(kz_stix_sco_id(o, out, sizeof out), KZ_ENOTFOUND);
    o = parse(a, "{\"type\":\"malware\"}");
    assert_int_equal(kz_stix_sco_id(o, out, sizeof out), KZ_EINVAL);
    o = parse(a, "{\"type\":\"url\",\"value\":\"x\"}");
    assert_int_equal(kz_stix_sco_id(o, out, 10), KZ_ETOOBIG);
    kz_arena_free(a);
}

static void test_validate_object_api(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_diag d;
    kz_diag_init(&d, 0);
    kz_json *o = parse(a, "{\"type\":\"tool\",\"spec_version\":\"2.1\","
                          "\"id\":\"tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
                          "\"created\":\"2016-04-06T20:03:48.000Z\","
                          "\"modified\":\"2016-04-06T20:03:48.000Z\","
                          "\"tool_types\":[\"a\\nb\\u0007\"],\"confidence\":\"high\"}");
    assert_int_equal(kz_stix_validate_object(NULL, "$", NULL, &d), KZ_EINVAL);
    assert_int_equal(kz_stix_validate_object(o, "$", NULL, NULL), KZ_EINVAL);
    assert_int_equal(kz_stix_validate_object(o, NULL, NULL, &d), KZ_OK);
    assert_int_equal(d.n_errors, 2); /* name missing, confidence not an integer */
    assert_int_equal(d.n_warnings, 1);
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(strncmp(d.items[i].path, "$", 1), 0);
        /* control characters of values never reach a message */
        for (const char *m = d.items[i].msg; *m; m++)
            assert_true((unsigned char)*m >= 0x20);
    }
    assert_string_equal(d.items[0].path, "$.tool_types[0]");
    assert_string_equal(d.items[0].code, "vocab-value");
    assert_string_equal(d.items[0].msg,
                        "\"a\\x0ab\\x07\" is not in the open vocabulary tool-type-ov");
    kz_diag_release(&d);
    kz_arena_free(a);
}

typedef struct counts {
    size_t items, with_obj;
    char first_path[64];
} counts;

static kz_err count_cb(void *ud, const kz_stix_item *it)
{
    counts *c = ud;
    if (c->items++ == 0)
        snprintf(c->first_path, sizeof c->first_path, "%s", it->path);
    c->with_obj += it->obj != NULL;
    return KZ_OK;
}

static void test_document_kinds(void **state)
{
    (void)state;
    const char *obj = "{\"type\":\"url\",\"spec_version\":\"2.1\","
                      "\"id\":\"url--c1477287-23ac-5971-a010-5c287877fa60\",\"value\":\"x\"}";
    char doc[1024];
    kz_stix_summary sum;
    counts c;

    memset(&c, 0, sizeof c);
    snprintf(doc, sizeof doc, "[%s,%s]", obj, obj);
    assert_int_equal(kz_stix_validate_mem(doc, strlen(doc), 0, NULL, count_cb, &c, &sum), KZ_OK);
    assert_int_equal(sum.kind, KZ_JSTREAM_ARRAY);
    assert_int_equal(sum.n_objects, 2);
    assert_string_equal(c.first_path, "$[0]");

    memset(&c, 0, sizeof c);
    assert_int_equal(kz_stix_validate_mem(obj, strlen(obj), 0, NULL, count_cb, &c, &sum), KZ_OK);
    assert_int_equal(sum.kind, KZ_JSTREAM_SINGLE);
    assert_int_equal(sum.n_objects, 1);
    assert_string_equal(c.first_path, "$");

    memset(&c, 0, sizeof c);
    snprintf(doc, sizeof doc, "{\"more\":true,\"next\":\"abc\",\"objects\":[%s]}", obj);
    assert_int_equal(kz_stix_validate_mem(doc, strlen(doc), 0, NULL, count_cb, &c, &sum), KZ_OK);
    assert_true(sum.is_envelope);
    assert_int_equal(sum.n_objects, 1);
    assert_int_equal(sum.n_errors, 0);
    assert_string_equal(c.first_path, "$.objects[0]");

    /* An element larger than max_element is an error, not a crash. */
    memset(&c, 0, sizeof c);
    snprintf(doc, sizeof doc, "{\"type\":\"bundle\",\"id\":\"bundle--0b4ed8f8-8b3d-4a07-9f1e-2a5b1f0a6a11\",\"objects\":[%s]}", obj);
    assert_int_equal(kz_stix_validate_mem(doc, strlen(doc), 16, NULL, count_cb, &c, &sum), KZ_OK);
    assert_true(sum.truncated);
    assert_int_equal(sum.n_errors, 1);
}

static void test_attack_ics_bundle(void **state)
{
    (void)state;
    const char *shared = getenv("KZ_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/stix/ics-attack-18.1.json", shared ? shared : "../shared");
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        skip();
    kz_stix_summary sum;
    counts c;
    memset(&c, 0, sizeof c);
    kz_stix_opts opts = {true, true};
    assert_int_equal(kz_stix_validate_fd(fd, 0, &opts, count_cb, &c, &sum), KZ_OK);
    close(fd);
    assert_int_equal(sum.n_objects, 1826);
    assert_int_equal(sum.n_errors, 0);
    assert_int_equal(sum.n_warnings, 0);
    assert_int_equal(c.with_obj, 1826);
    assert_false(sum.truncated);
}

/* Every allocation failure during a walk must come back as KZ_ENOMEM (or
 * be absorbed, e.g. by the diag's oom flag), never crash or leak. */
static void test_oom_sweep(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"type\":\"bundle\",\"id\":\"bundle--0b4ed8f8-8b3d-4a07-9f1e-2a5b1f0a6a11\",\"objects\":["
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
        "\"created\":\"2016-04-06T20:03:48Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
        "\"pattern\":\"[ipv4-addr:value = '1.2.3.4']\",\"pattern_type\":\"stix\",\"valid_from\":\"x\","
        "\"confidence\":900,\"labels\":[]},"
        "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"198.51.100.3\"}]}";
    size_t clean_errors = 0;
    kz_stix_summary sum;
    assert_int_equal(kz_stix_validate_mem(doc, strlen(doc), 0, NULL, NULL, NULL, &sum), KZ_OK);
    clean_errors = sum.n_errors;
    assert_true(clean_errors >= 3);
    for (long n = 1; n < 400; n++) {
        kz_alloc_fail_after(n, 1);
        kz_err rc = kz_stix_validate_mem(doc, strlen(doc), 0, NULL, NULL, NULL, &sum);
        long failed = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
        if (failed == 0) {
            assert_int_equal(rc, KZ_OK);
            assert_int_equal(sum.n_errors, clean_errors);
            break;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_get),       cmocka_unit_test(test_type_class),
        cmocka_unit_test(test_tlp),            cmocka_unit_test(test_sco_ids),
        cmocka_unit_test(test_document_kinds), cmocka_unit_test(test_attack_ics_bundle),
        cmocka_unit_test(test_oom_sweep),      cmocka_unit_test(test_validate_object_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
