/* test_stix_report.c - the bundle of an extracted report from hand-made
 * scanner hits: every IOC type, duplicates merged, warninglisted IOCs
 * kept as observables without indicators, deterministic SCO ids, patterns
 * escaped, ATT&CK names and URLs, TLP and author, strict STIX validation;
 * titles from Markdown and HTML; technique names loaded from data/attack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/extract_report.h"

#define NOW "2026-11-26T12:00:00.000Z"

static kz_ioc_hit hit(kz_ioc_type t, const char *v)
{
    kz_ioc_hit h = {.type = t, .value = v, .value_len = strlen(v), .line = 1};
    return h;
}

static const kz_json *find(const kz_json *objs, const char *type, const char *key,
                           const char *val)
{
    for (size_t i = 0; i < objs->u.arr.n; i++) {
        const kz_json *o = objs->u.arr.items[i];
        const char *t = kz_json_get_string(o, "type");
        const char *v = key ? kz_json_get_string(o, key) : "";
        if (t && strcmp(t, type) == 0 && v && (!val || strcmp(v, val) == 0))
            return o;
    }
    return NULL;
}

static size_t count(const kz_json *objs, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < objs->u.arr.n; i++)
        n += strcmp(kz_json_get_string(objs->u.arr.items[i], "type"), type) == 0;
    return n;
}

/* Serialises the bundle and runs the strict validator over it. */
static void assert_valid(const kz_json *bundle)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_json_write(&b, bundle, 0), KZ_OK);
    kz_stix_opts so = {.strict = true, .check_patterns = true};
    kz_stix_summary sum;
    memset(&sum, 0, sizeof sum);
    assert_int_equal(kz_stix_validate_mem(b.data, b.len, 0, &so, NULL, NULL, &sum), KZ_OK);
    if (sum.n_errors || sum.n_warnings)
        fprintf(stderr, "%s\n", b.data);
    assert_int_equal(sum.n_errors, 0);
    assert_int_equal(sum.n_warnings, 0);
    kz_buf_release(&b);
}

static kz_warninglist_set *small_lists(void)
{
    kz_warninglist_set *s = kz_warninglist_set_new();
    const char *l = "{\"name\":\"Private\",\"description\":\"d\",\"type\":\"cidr\",\"version\":1,"
                    "\"list\":[\"10.0.0.0/8\"]}";
    const char *h = "{\"name\":\"Popular\",\"description\":\"d\",\"type\":\"hostname\","
                    "\"version\":1,\"list\":[\"github.com\"]}";
    kz_warninglist_error err;
    assert_int_equal(kz_warninglist_load_mem(s, "private", NULL, l, strlen(l), &err), KZ_OK);
    assert_int_equal(kz_warninglist_load_mem(s, "popular", NULL, h, strlen(h), &err), KZ_OK);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    return s;
}

static void test_bundle(void **state)
{
    (void)state;
    kz_warninglist_set *wl = small_lists();
    kz_extract_report_opts o = {.name = "APT report", .tlp = KZ_TLP_AMBER, .author = "JPCERT/CC",
                                .wl = wl, .now = NOW};
    kz_extract_report *r = NULL;
    assert_int_equal(kz_extract_report_new(&o, &r), KZ_OK);
    kz_ioc_hit hits[] = {
        hit(KZ_IOC_IPV4, "203.0.113.7"),
        hit(KZ_IOC_IPV4, "10.1.2.3"),
        hit(KZ_IOC_IPV6, "2001:db8::1"),
        hit(KZ_IOC_DOMAIN, "evil.example"),
        hit(KZ_IOC_DOMAIN, "raw.github.com"),
        hit(KZ_IOC_URL, "http://evil.example/a'b\\c"),
        hit(KZ_IOC_EMAIL, "ops@evil.example"),
        hit(KZ_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"),
        hit(KZ_IOC_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        hit(KZ_IOC_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        hit(KZ_IOC_CVE, "CVE-2024-3400"),
        hit(KZ_IOC_ATTACK, "T1059.001"),
        hit(KZ_IOC_ATTACK, "T1566"),
        hit(KZ_IOC_IPV4, "203.0.113.7"), /* again */
    };
    for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
        const kz_warninglist_info *const *lists = NULL;
        size_t n = 9;
        assert_int_equal(kz_extract_report_add(r, &hits[i], &lists, &n), KZ_OK);
        if (i == 1 || i == 4) {
            assert_int_equal(n, 1);
            assert_string_equal(lists[0]->id, i == 1 ? "private" : "popular");
        } else {
            assert_int_equal(n, 0);
        }
    }
    kz_arena *a = kz_arena_new(0);
    kz_json *bundle = NULL;
    kz_extract_report_stats st;
    assert_int_equal(kz_extract_report_bundle(r, a, &bundle, &st), KZ_OK);
    assert_int_equal(st.iocs, 13);
    assert_int_equal(st.observables, 10);
    assert_int_equal(st.warninglisted, 2);
    assert_int_equal(st.indicators, 8);
    assert_int_equal(st.vulnerabilities, 1);
    assert_int_equal(st.attack_patterns, 2);
    assert_valid(bundle);

    const kz_json *objs = kz_json_get(bundle, "objects");
    assert_int_equal(count(objs, "indicator"), 8);
    assert_int_equal(count(objs, "report"), 1);
    assert_int_equal(count(objs, "identity"), 1);
    assert_int_equal(count(objs, "file"), 3);
    /* warninglisted: observable kept, no indicator */
    assert_non_null(find(objs, "ipv4-addr", "value", "10.1.2.3"));
    assert_null(find(objs, "indicator", "pattern", "[ipv4-addr:value = '10.1.2.3']"));
    assert_non_null(find(objs, "domain-name", "value", "raw.github.com"));
    assert_null(find(objs, "indicator", "pattern", "[domain-name:value = 'raw.github.com']"));
    /* actionable ones have one */
    const kz_json *ind = find(objs, "indicator", "pattern", "[ipv4-addr:value = '203.0.113.7']");
    assert_non_null(ind);
    assert_string_equal(kz_json_get_string(ind, "pattern_type"), "stix");
    assert_string_equal(kz_json_get_string(ind, "valid_from"), NOW);
    assert_non_null(find(objs, "indicator", "pattern", "[url:value = 'http://evil.example/a\\'b\\\\c']"));
    assert_non_null(find(objs, "indicator", "pattern",
                         "[file:hashes.'SHA-256' = "
                         "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"));
    assert_non_null(find(objs, "indicator", "pattern",
                         "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"));
    /* deterministic SCO ids (values from the STIX 2.1 id algorithm) */
    const kz_json *ip = find(objs, "ipv4-addr", "value", "203.0.113.7");
    assert_non_null(ip);
    assert_true(strncmp(kz_json_get_string(ip, "id"), "ipv4-addr--", 11) == 0);
    /* the same value gives the same id in another report */
    kz_extract_report *r2 = NULL;
    kz_extract_report_opts o2 = {.name = "other", .tlp = KZ_TLP_NONE};
    assert_int_equal(kz_extract_report_new(&o2, &r2), KZ_OK);
    kz_ioc_hit h2 = hit(KZ_IOC_IPV4, "203.0.113.7");
    assert_int_equal(kz_extract_report_add(r2, &h2, NULL, NULL), KZ_OK);
    kz_json *b2 = NULL;
    assert_int_equal(kz_extract_report_bundle(r2, a, &b2, NULL), KZ_OK);
    assert_valid(b2);
    const kz_json *ip2 = find(kz_json_get(b2, "objects"), "ipv4-addr", "value", "203.0.113.7");
    assert_string_equal(kz_json_get_string(ip2, "id"), kz_json_get_string(ip, "id"));
    /* no TLP, no author: no markings, no created_by_ref */
    const kz_json *rep2 = find(kz_json_get(b2, "objects"), "report", NULL, NULL);
    assert_null(kz_json_get(rep2, "object_marking_refs"));
    assert_null(kz_json_get(rep2, "created_by_ref"));
    kz_extract_report_free(r2);

    /* vulnerability, attack-pattern */
    const kz_json *v = find(objs, "vulnerability", "name", "CVE-2024-3400");
    assert_non_null(v);
    const kz_json *er = kz_json_get(v, "external_references")->u.arr.items[0];
    assert_string_equal(kz_json_get_string(er, "source_name"), "cve");
    assert_string_equal(kz_json_get_string(er, "external_id"), "CVE-2024-3400");
    const kz_json *ap = find(objs, "attack-pattern", "name", "T1059.001"); /* no names loaded */
    assert_non_null(ap);
    er = kz_json_get(ap, "external_references")->u.arr.items[0];
    assert_string_equal(kz_json_get_string(er, "source_name"), "mitre-attack");
    assert_string_equal(kz_json_get_string(er, "url"),
                        "https://attack.mitre.org/techniques/T1059/001/");
    ap = find(objs, "attack-pattern", "name", "T1566");
    er = kz_json_get(ap, "external_references")->u.arr.items[0];
    assert_string_equal(kz_json_get_string(er, "url"), "https://attack.mitre.org/techniques/T1566/");

    /* report: name, published, every object referenced, TLP and author */
    const kz_json *rep = find(objs, "report", "name", "APT report");
    assert_non_null(rep);
    assert_string_equal(kz_json_get_string(rep, "published"), NOW);
    assert_int_equal(kz_json_get(rep, "object_refs")->u.arr.n, 8 + 10 + 1 + 2);
    const kz_json *idn = find(objs, "identity", "name", "JPCERT/CC");
    assert_string_equal(kz_json_get_string(rep, "created_by_ref"), kz_json_get_string(idn, "id"));
    assert_string_equal(kz_json_string(kz_json_get(ind, "object_marking_refs")->u.arr.items[0]),
                        kz_stix_tlp_id(KZ_TLP_AMBER));
    assert_string_equal(kz_json_string(kz_json_get(ip, "object_marking_refs")->u.arr.items[0]),
                        kz_stix_tlp_id(KZ_TLP_AMBER));
    assert_non_null(strstr(kz_json_get_string(rep, "description"), "10.1.2.3 (private)"));
    assert_non_null(strstr(kz_json_get_string(rep, "description"), "raw.github.com (popular)"));

    kz_arena_free(a);
    kz_extract_report_free(r);
    kz_warninglist_set_free(wl);
}

static kz_err to_buf(void *ctx, const char *data, size_t len)
{
    return kz_buf_append(ctx, data, len);
}

/* The streamed bundle: valid, one object a line, the same objects as the tree. */
static void test_write(void **state)
{
    (void)state;
    kz_warninglist_set *wl = small_lists();
    kz_extract_report_opts o = {.name = "streamed", .tlp = KZ_TLP_GREEN, .author = "me",
                                .wl = wl, .now = NOW};
    kz_extract_report *r = NULL;
    assert_int_equal(kz_extract_report_new(&o, &r), KZ_OK);
    kz_ioc_hit hits[] = {hit(KZ_IOC_IPV4, "203.0.113.7"), hit(KZ_IOC_IPV4, "10.1.2.3"),
                         hit(KZ_IOC_URL, "http://evil.example/x"), hit(KZ_IOC_CVE, "CVE-2024-12345"),
                         hit(KZ_IOC_ATTACK, "T1566")};
    for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++)
        assert_int_equal(kz_extract_report_add(r, &hits[i], NULL, NULL), KZ_OK);
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_extract_report_stats st;
    assert_int_equal(kz_extract_report_write(r, to_buf, &b, &st), KZ_OK);
    kz_arena *a = kz_arena_new(0);
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(a, b.data, b.len, NULL, &v, NULL), KZ_OK);
    assert_valid(v);
    const kz_json *objs = kz_json_get(v, "objects");
    /* identity, 3 SCOs, 2 indicators, vulnerability, attack-pattern, report */
    assert_int_equal(objs->u.arr.n, 9);
    assert_int_equal(st.indicators, 2);
    assert_int_equal(st.warninglisted, 1);
    size_t lines = 0;
    for (size_t i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    assert_int_equal(lines, 9 + 2);
    const kz_json *rep = find(objs, "report", "name", "streamed");
    assert_int_equal(kz_json_get(rep, "object_refs")->u.arr.n, 7);
    kz_json *tree = NULL;
    assert_int_equal(kz_extract_report_bundle(r, a, &tree, NULL), KZ_OK);
    assert_int_equal(kz_json_get(tree, "objects")->u.arr.n, 9);
    /* no IOC: a bundle without objects */
    kz_extract_report *e = NULL;
    assert_int_equal(kz_extract_report_new(&o, &e), KZ_OK);
    kz_buf_reset(&b);
    assert_int_equal(kz_extract_report_write(e, to_buf, &b, &st), KZ_OK);
    assert_non_null(strstr(b.data, "\"type\": \"bundle\""));
    assert_null(strstr(b.data, "objects"));
    assert_int_equal(st.iocs, 0);
    kz_extract_report_free(e);
    kz_buf_release(&b);
    kz_arena_free(a);
    kz_extract_report_free(r);
    kz_warninglist_set_free(wl);
}

static void test_empty_and_args(void **state)
{
    (void)state;
    kz_extract_report *r = NULL;
    kz_extract_report_opts o = {.name = NULL};
    assert_int_equal(kz_extract_report_new(&o, &r), KZ_EINVAL);
    o.name = "x";
    o.now = "yesterday";
    assert_int_equal(kz_extract_report_new(&o, &r), KZ_EINVAL);
    o.now = NULL;
    o.tlp = KZ_TLP_NONE;
    assert_int_equal(kz_extract_report_new(&o, &r), KZ_OK);
    kz_arena *a = kz_arena_new(0);
    kz_json *b = NULL;
    kz_extract_report_stats st;
    assert_int_equal(kz_extract_report_bundle(r, a, &b, &st), KZ_OK);
    assert_null(kz_json_get(b, "objects"));
    assert_int_equal(st.iocs, 0);
    assert_valid(b);
    kz_arena_free(a);
    kz_extract_report_free(r);
}

static void test_attack_names(void **state)
{
    (void)state;
    kz_attack_names *n = NULL;
    char err[200];
    assert_int_equal(kz_attack_names_load("data/attack/techniques.jsonl", &n, err, sizeof err),
                     KZ_OK);
    assert_string_equal(kz_attack_names_get(n, "T1059.001"), "PowerShell");
    assert_string_equal(kz_attack_names_get(n, "T1566"), "Phishing");
    assert_null(kz_attack_names_get(n, "T9999"));
    kz_extract_report_opts o = {.name = "r", .tlp = KZ_TLP_CLEAR, .attack = n, .now = NOW};
    kz_extract_report *r = NULL;
    assert_int_equal(kz_extract_report_new(&o, &r), KZ_OK);
    kz_ioc_hit h = hit(KZ_IOC_ATTACK, "T1059.001");
    assert_int_equal(kz_extract_report_add(r, &h, NULL, NULL), KZ_OK);
    kz_arena *a = kz_arena_new(0);
    kz_json *b = NULL;
    assert_int_equal(kz_extract_report_bundle(r, a, &b, NULL), KZ_OK);
    assert_valid(b);
    assert_non_null(find(kz_json_get(b, "objects"), "attack-pattern", "name", "PowerShell"));
    kz_arena_free(a);
    kz_extract_report_free(r);
    kz_attack_names_free(n);
    assert_int_equal(kz_attack_names_load("data/attack/nope.jsonl", &n, err, sizeof err),
                     KZ_ENOTFOUND);
    assert_int_equal(kz_attack_names_load("tests/data/extract/warninglist/good/test-regex.json",
                                          &n, err, sizeof err),
                     KZ_EPARSE);
    assert_non_null(strstr(err, "line 1"));
}

static const char *title(kz_arena *a, const char *text, bool html)
{
    const char *t = NULL;
    assert_int_equal(kz_extract_title(a, text, strlen(text), html, &t), KZ_OK);
    return t ? t : "(none)";
}

static void test_title(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    assert_string_equal(title(a, "intro\n\n## Lazarus  campaign ##\n# later\n", false),
                        "Lazarus campaign");
    assert_string_equal(title(a, "Report on APT10\n===\n\ntext", false), "Report on APT10");
    assert_string_equal(title(a, "#hashtag is not a heading\n", false), "(none)");
    assert_string_equal(title(a, "plain text only", false), "(none)");
    assert_string_equal(title(a, "# 標的型攻撃の報告\n", false), "標的型攻撃の報告");
    assert_string_equal(
        title(a, "<html><head><title>Site</title></head><body><H2 class=x>Q&amp;A <b>on</b> "
                 "C2</H2></body>",
              true),
        "Q&A on C2");
    assert_string_equal(title(a, "<title>Only &lt;title&gt;</title><p>x</p>", true),
                        "Only <title>");
    char big[600];
    memset(big, 0, sizeof big);
    big[0] = '#';
    big[1] = ' ';
    for (size_t i = 2; i + 3 < 590; i += 3)
        memcpy(big + i, "\xe3\x81\x82", 3); /* あ */
    const char *t = title(a, big, false);
    assert_true(strlen(t) <= 256 && strlen(t) % 3 == 0);
    kz_arena_free(a);
}

/* Every allocation of building a report failing in turn: KZ_ENOMEM,
 * never a crash or a leak. */
static void test_oom_sweep(void **state)
{
    (void)state;
    kz_warninglist_set *wl = small_lists();
    kz_ioc_hit hits[] = {hit(KZ_IOC_IPV4, "203.0.113.7"), hit(KZ_IOC_IPV4, "10.1.2.3"),
                         hit(KZ_IOC_URL, "http://evil.example/x"),
                         hit(KZ_IOC_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
                         hit(KZ_IOC_CVE, "CVE-2024-3400"), hit(KZ_IOC_ATTACK, "T1566")};
    size_t ok_runs = 0;
    for (long n = 1; n < 600; n++) {
        kz_alloc_fail_after(n, 1);
        kz_extract_report_opts o = {.name = "r", .tlp = KZ_TLP_RED, .author = "a", .wl = wl,
                                    .now = NOW};
        kz_extract_report *r = NULL;
        kz_arena *a = kz_arena_new(0);
        kz_err rc = a ? kz_extract_report_new(&o, &r) : KZ_ENOMEM;
        for (size_t i = 0; !rc && i < sizeof hits / sizeof hits[0]; i++)
            rc = kz_extract_report_add(r, &hits[i], NULL, NULL);
        kz_json *b = NULL;
        if (!rc)
            rc = kz_extract_report_bundle(r, a, &b, NULL);
        kz_buf out;
        kz_buf_init(&out, 0);
        if (!rc)
            rc = kz_extract_report_write(r, to_buf, &out, NULL);
        kz_buf_release(&out);
        bool failed = kz_alloc_failures() > 0;
        kz_alloc_fail_after(0, 0);
        if (rc)
            assert_int_equal(rc, KZ_ENOMEM);
        else if (!failed)
            ok_runs++;
        kz_extract_report_free(r);
        kz_arena_free(a);
    }
    assert_true(ok_runs > 0);
    kz_warninglist_set_free(wl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_empty_and_args),
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_attack_names),
        cmocka_unit_test(test_title),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
