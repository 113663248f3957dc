/* sco.c - the STIX Cyber-observable Objects of STIX 2.1 Part 6 as one
 * table row each: properties, reference targets, value formats (addresses),
 * cross-property rules and the id-contributing properties. */
#include <arpa/inet.h>
#include <string.h>

#include "stix/stix_int.h"

#define BIG 9.2e18 /* int64 bound for counts and sizes */

/* ---- shared rules ---- */

/* Several SCOs have no required property but must carry at least one of
 * their own (beyond the common ones) or an extension. */
static void at_least_one_own(kz_sv *v)
{
    for (size_t i = 0; i < v->obj->u.obj.n; i++) {
        const char *k = v->obj->u.obj.members[i].key;
        bool common = false;
        for (const kz_prop *p = kz_common_sco_props; p->name; p++)
            if (strcmp(p->name, k) == 0 && strcmp(k, "extensions") != 0)
                common = true;
        if (!common)
            return;
    }
    kz_sv_error(v, "missing-one-of", "a %s must have at least one of its own properties",
                v->type);
}

/* ---- address formats ---- */

/* Dotted quad with an optional /0-32 CIDR suffix. */
static bool ipv4_ok(const char *s, size_t n)
{
    int parts = 0;
    size_t i = 0;
    while (i < n && parts < 4) {
        unsigned val = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            val = val * 10 + (unsigned)(s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3 || val > 255)
            return false;
        parts++;
        if (parts < 4) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
    }
    if (parts != 4)
        return false;
    if (i == n)
        return true;
    if (s[i] != '/' || i + 1 >= n || n - i - 1 > 2)
        return false;
    unsigned prefix = 0;
    for (size_t k = i + 1; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        prefix = prefix * 10 + (unsigned)(s[k] - '0');
    }
    return prefix <= 32;
}

static bool ipv6_ok(const char *s, size_t n)
{
    char buf[64];
    unsigned char out[16];
    size_t addr_len = n;
    const char *slash = memchr(s, '/', n);
    if (slash) {
        addr_len = (size_t)(slash - s);
        size_t plen = n - addr_len - 1;
        if (plen == 0 || plen > 3)
            return false;
        unsigned prefix = 0;
        for (size_t k = 0; k < plen; k++) {
            if (slash[1 + k] < '0' || slash[1 + k] > '9')
                return false;
            prefix = prefix * 10 + (unsigned)(slash[1 + k] - '0');
        }
        if (prefix > 128)
            return false;
    }
    if (addr_len == 0 || addr_len >= sizeof buf)
        return false;
    memcpy(buf, s, addr_len);
    buf[addr_len] = '\0';
    return inet_pton(AF_INET6, buf, out) == 1;
}

/* Part 6.9: colon-delimited, lower-case MAC-48 with leading zeros. */
static bool mac_ok(const char *s, size_t n)
{
    if (n != 17)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (i % 3 == 2) {
            if (c != ':')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

static bool email_ok(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    return at && at > s && (size_t)(at - s) < n - 1 && !memchr(s, ' ', n);
}

static void value_format(kz_sv *v, bool (*ok)(const char *, size_t), const char *what)
{
    char q[96];
    const kz_json *val = kz_json_get(v->obj, "value");
    if (!val || val->type != KZ_JSON_STRING)
        return;
    if (!ok(val->u.str.ptr, val->u.str.len))
        kz_sv_error_at(v, "value", "invalid-value", "not %s (%s)", what,
                       kz_sv_quote(val->u.str.ptr, val->u.str.len, q, sizeof q));
}

static void ipv4_rules(kz_sv *v)
{
    value_format(v, ipv4_ok, "an IPv4 address or CIDR block");
}
static void ipv6_rules(kz_sv *v)
{
    value_format(v, ipv6_ok, "an IPv6 address or CIDR block");
}
static void mac_rules(kz_sv *v)
{
    value_format(v, mac_ok, "a lower-case, colon-delimited MAC-48 address");
}
static void email_addr_rules(kz_sv *v)
{
    value_format(v, email_ok, "an e-mail address (addr-spec)");
}

/* ---- per-type rules ---- */

static void artifact_rules(kz_sv *v)
{
    kz_exclusive(v, "payload_bin", "url");
    if (kz_json_get(v->obj, "url") && !kz_json_get(v->obj, "hashes"))
        kz_sv_error_at(v, "hashes", "missing-property", "hashes are required with url");
    if (kz_json_get(v->obj, "decryption_key") && !kz_json_get(v->obj, "encryption_algorithm"))
        kz_sv_error_at(v, "decryption_key", "dependent-property",
                       "decryption_key requires encryption_algorithm");
}

static void file_rules(kz_sv *v)
{
    static const char *const one_of[] = {"hashes", "name", NULL};
    kz_require_one_of(v, one_of);
}

static void email_message_rules(kz_sv *v)
{
    const kz_json *mp = kz_json_get(v->obj, "is_multipart");
    if (!mp)
        return;
    if (mp->type == KZ_JSON_TRUE && kz_json_get(v->obj, "body"))
        kz_sv_error_at(v, "body", "mutually-exclusive",
                       "body must not be present when is_multipart is true");
    if (mp->type == KZ_JSON_FALSE && kz_json_get(v->obj, "body_multipart"))
        kz_sv_error_at(v, "body_multipart", "mutually-exclusive",
                       "body_multipart must not be present when is_multipart is false");
    const kz_json *parts = kz_json_get(v->obj, "body_multipart");
    if (!parts || parts->type != KZ_JSON_ARRAY)
        return;
    for (size_t i = 0; i < parts->u.arr.n; i++) {
        const kz_json *part = parts->u.arr.items[i];
        if (part->type != KZ_JSON_OBJECT)
            continue;
        bool b = kz_json_get(part, "body") != NULL;
        bool r = kz_json_get(part, "body_raw_ref") != NULL;
        if (b == r) {
            kz_path_push_key(&v->p, "body_multipart");
            kz_path_push_index(&v->p, i);
            kz_sv_error(v, "missing-one-of",
                        "a MIME part needs exactly one of \"body\" and \"body_raw_ref\"");
            kz_path_pop(&v->p);
            kz_path_pop(&v->p);
        }
    }
}

static void network_traffic_rules(kz_sv *v)
{
    static const char *const one_of[] = {"src_ref", "dst_ref", NULL};
    kz_require_one_of(v, one_of);
    kz_check_order(v, "start", "end", false);
    const kz_json *act = kz_json_get(v->obj, "is_active");
    if (act && act->type == KZ_JSON_TRUE && kz_json_get(v->obj, "end"))
        kz_sv_error_at(v, "end", "mutually-exclusive",
                       "end must not be present when is_active is true");
}

/* ---- tables ---- */

static const kz_prop artifact_props[] = {
    KZ_P("mime_type", PK_STRING),
    KZ_P("payload_bin", PK_BINARY),
    KZ_P("url", PK_STRING),
    KZ_P("hashes", PK_HASHES),
    KZ_PA("encryption_algorithm", PK_ENUM, &kz_voc_encryption_algorithm),
    KZ_P("decryption_key", PK_STRING),
    KZ_PEND,
};
static const kz_prop autonomous_system_props[] = {
    KZ_PRI("number", PK_INT, 0, 4294967295.0),
    KZ_P("name", PK_STRING),
    KZ_P("rir", PK_STRING),
    KZ_PEND,
};
static const kz_prop directory_props[] = {
    KZ_PR("path", PK_STRING),
    KZ_P("path_enc", PK_STRING),
    KZ_P("ctime", PK_TIMESTAMP),
    KZ_P("mtime", PK_TIMESTAMP),
    KZ_P("atime", PK_TIMESTAMP),
    KZ_PA("contains_refs", PK_REFS, "file|directory"),
    KZ_PEND,
};
static const kz_prop domain_name_props[] = {
    KZ_PR("value", PK_STRING),
    KZ_PA("resolves_to_refs", PK_REFS, "ipv4-addr|ipv6-addr|domain-name"),
    KZ_PEND,
};
static const kz_prop email_addr_props[] = {
    KZ_PR("value", PK_STRING),
    KZ_P("display_name", PK_STRING),
    KZ_PA("belongs_to_ref", PK_REF, "user-account"),
    KZ_PEND,
};
static const kz_prop mime_part_props[] = {
    KZ_P("body", PK_STRING),
    KZ_PA("body_raw_ref", PK_REF, "artifact|file"),
    KZ_P("content_type", PK_STRING),
    KZ_P("content_disposition", PK_STRING),
    KZ_PEND,
};
static const kz_prop email_message_props[] = {
    KZ_PR("is_multipart", PK_BOOL),
    KZ_P("date", PK_TIMESTAMP),
    KZ_P("content_type", PK_STRING),
    KZ_PA("from_ref", PK_REF, "email-addr"),
    KZ_PA("sender_ref", PK_REF, "email-addr"),
    KZ_PA("to_refs", PK_REFS, "email-addr"),
    KZ_PA("cc_refs", PK_REFS, "email-addr"),
    KZ_PA("bcc_refs", PK_REFS, "email-addr"),
    KZ_P("message_id", PK_STRING),
    KZ_P("subject", PK_STRING),
    KZ_P("received_lines", PK_STRINGS),
    KZ_P("additional_header_fields", PK_DICT),
    KZ_P("body", PK_STRING),
    KZ_PA("body_multipart", PK_OBJECTS, mime_part_props),
    KZ_PA("raw_email_ref", PK_REF, "artifact"),
    KZ_PEND,
};
static const kz_prop file_props[] = {
    KZ_P("hashes", PK_HASHES),
    KZ_PI("size", PK_INT, 0, BIG),
    KZ_P("name", PK_STRING),
    KZ_P("name_enc", PK_STRING),
    KZ_P("magic_number_hex", PK_HEX),
    KZ_P("mime_type", PK_STRING),
    KZ_P("ctime", PK_TIMESTAMP),
    KZ_P("mtime", PK_TIMESTAMP),
    KZ_P("atime", PK_TIMESTAMP),
    KZ_PA("parent_directory_ref", PK_REF, "directory"),
    KZ_PA("contains_refs", PK_REFS, "@sco"),
    KZ_PA("content_ref", PK_REF, "artifact"),
    KZ_PEND,
};
static const kz_prop ipv4_props[] = {
    KZ_PR("value", PK_STRING),
    KZ_PA("resolves_to_refs", PK_REFS, "mac-addr"),
    KZ_PA("belongs_to_refs", PK_REFS, "autonomous-system"),
    KZ_PEND,
};
static const kz_prop ipv6_props[] = {
    KZ_PR("value", PK_STRING),
    KZ_PA("resolves_to_refs", PK_REFS, "mac-addr"),
    KZ_PA("belongs_to_refs", PK_REFS, "autonomous-system"),
    KZ_PEND,
};
static const kz_prop mac_props[] = {
    KZ_PR("value", PK_STRING),
    KZ_PEND,
};
static const kz_prop mutex_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_PEND,
};
static const kz_prop network_traffic_props[] = {
    KZ_P("start", PK_TIMESTAMP),
    KZ_P("end", PK_TIMESTAMP),
    KZ_P("is_active", PK_BOOL),
    KZ_PA("src_ref", PK_REF, "ipv4-addr|ipv6-addr|mac-addr|domain-name"),
    KZ_PA("dst_ref", PK_REF, "ipv4-addr|ipv6-addr|mac-addr|domain-name"),
    KZ_PI("src_port", PK_INT, 0, 65535),
    KZ_PI("dst_port", PK_INT, 0, 65535),
    KZ_PR("protocols", PK_STRINGS),
    KZ_PI("src_byte_count", PK_INT, 0, BIG),
    KZ_PI("dst_byte_count", PK_INT, 0, BIG),
    KZ_PI("src_packets", PK_INT, 0, BIG),
    KZ_PI("dst_packets", PK_INT, 0, BIG),
    KZ_P("ipfix", PK_DICT),
    KZ_PA("src_payload_ref", PK_REF, "artifact"),
    KZ_PA("dst_payload_ref", PK_REF, "artifact"),
    KZ_PA("encapsulates_refs", PK_REFS, "network-traffic"),
    KZ_PA("encapsulated_by_ref", PK_REF, "network-traffic"),
    KZ_PEND,
};
static const kz_prop process_props[] = {
    KZ_P("is_hidden", PK_BOOL),
    KZ_PI("pid", PK_INT, 0, BIG),
    KZ_P("created_time", PK_TIMESTAMP),
    KZ_P("cwd", PK_STRING),
    KZ_P("command_line", PK_STRING),
    KZ_P("environment_variables", PK_DICT),
    KZ_PA("opened_connection_refs", PK_REFS, "network-traffic"),
    KZ_PA("creator_user_ref", PK_REF, "user-account"),
    KZ_PA("image_ref", PK_REF, "file"),
    KZ_PA("parent_ref", PK_REF, "process"),
    KZ_PA("child_refs", PK_REFS, "process"),
    KZ_PEND,
};
static const kz_prop software_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("cpe", PK_STRING),
    KZ_P("swid", PK_STRING),
    KZ_P("languages", PK_STRINGS),
    KZ_P("vendor", PK_STRING),
    KZ_P("version", PK_STRING),
    KZ_PEND,
};
static const kz_prop url_props[] = {
    KZ_PR("value", PK_STRING),
    KZ_PEND,
};
static const kz_prop user_account_props[] = {
    KZ_P("user_id", PK_STRING),
    KZ_P("credential", PK_STRING),
    KZ_P("account_login", PK_STRING),
    KZ_PA("account_type", PK_OV, &kz_voc_account_type),
    KZ_P("display_name", PK_STRING),
    KZ_P("is_service_account", PK_BOOL),
    KZ_P("is_privileged", PK_BOOL),
    KZ_P("can_escalate_privs", PK_BOOL),
    KZ_P("is_disabled", PK_BOOL),
    KZ_P("account_created", PK_TIMESTAMP),
    KZ_P("account_expires", PK_TIMESTAMP),
    KZ_P("credential_last_changed", PK_TIMESTAMP),
    KZ_P("account_first_login", PK_TIMESTAMP),
    KZ_P("account_last_login", PK_TIMESTAMP),
    KZ_PEND,
};
static const kz_prop registry_value_props[] = {
    KZ_P("name", PK_STRING),
    KZ_P("data", PK_STRING),
    KZ_PA("data_type", PK_ENUM, &kz_voc_windows_registry_datatype),
    KZ_PEND,
};
static const kz_prop registry_key_props[] = {
    KZ_P("key", PK_STRING),
    KZ_PA("values", PK_OBJECTS, registry_value_props),
    KZ_P("modified_time", PK_TIMESTAMP),
    KZ_PA("creator_user_ref", PK_REF, "user-account"),
    KZ_PI("number_of_subkeys", PK_INT, 0, BIG),
    KZ_PEND,
};
static const kz_prop x509_v3_props[] = {
    KZ_P("basic_constraints", PK_STRING),
    KZ_P("name_constraints", PK_STRING),
    KZ_P("policy_constraints", PK_STRING),
    KZ_P("key_usage", PK_STRING),
    KZ_P("extended_key_usage", PK_STRING),
    KZ_P("subject_key_identifier", PK_STRING),
    KZ_P("authority_key_identifier", PK_STRING),
    KZ_P("subject_alternative_name", PK_STRING),
    KZ_P("issuer_alternative_name", PK_STRING),
    KZ_P("subject_directory_attributes", PK_STRING),
    KZ_P("crl_distribution_points", PK_STRING),
    KZ_P("inhibit_any_policy", PK_STRING),
    KZ_P("private_key_usage_period_not_before", PK_TIMESTAMP),
    KZ_P("private_key_usage_period_not_after", PK_TIMESTAMP),
    KZ_P("certificate_policies", PK_STRING),
    KZ_P("policy_mappings", PK_STRING),
    KZ_PEND,
};
static const kz_prop x509_props[] = {
    KZ_P("is_self_signed", PK_BOOL),
    KZ_P("hashes", PK_HASHES),
    KZ_P("version", PK_STRING),
    KZ_P("serial_number", PK_STRING),
    KZ_P("signature_algorithm", PK_STRING),
    KZ_P("issuer", PK_STRING),
    KZ_P("validity_not_before", PK_TIMESTAMP),
    KZ_P("validity_not_after", PK_TIMESTAMP),
    KZ_P("subject", PK_STRING),
    KZ_P("subject_public_key_algorithm", PK_STRING),
    KZ_P("subject_public_key_modulus", PK_STRING),
    KZ_PI("subject_public_key_exponent", PK_INT, 0, BIG),
    KZ_PA("x509_v3_extensions", PK_OBJECT, x509_v3_props),
    KZ_PEND,
};

static void x509_rules(kz_sv *v)
{
    at_least_one_own(v);
    kz_check_order(v, "validity_not_before", "validity_not_after", false);
}

/* Id-contributing properties (Part 6, each object's "ID Contributing
 * Properties"). */
static const char *const ids_artifact[] = {"hashes", "payload_bin", NULL};
static const char *const ids_as[] = {"number", NULL};
static const char *const ids_directory[] = {"path", NULL};
static const char *const ids_value[] = {"value", NULL};
static const char *const ids_email_message[] = {"from_ref", "subject", "body", NULL};
static const char *const ids_file[] = {"hashes", "name", "extensions", "parent_directory_ref",
                                       NULL};
static const char *const ids_name[] = {"name", NULL};
static const char *const ids_network_traffic[] = {"start",    "end",       "src_ref",
                                                  "dst_ref",  "src_port",  "dst_port",
                                                  "protocols", "extensions", NULL};
static const char *const ids_software[] = {"name", "cpe", "swid", "vendor", "version", NULL};
static const char *const ids_user_account[] = {"account_type", "user_id", "account_login", NULL};
static const char *const ids_registry_key[] = {"key", "values", NULL};
static const char *const ids_x509[] = {"hashes", "serial_number", NULL};

const kz_type_spec kz_sco_specs[] = {
    {"artifact", KZ_STIX_SCO, artifact_props, artifact_rules, ids_artifact},
    {"autonomous-system", KZ_STIX_SCO, autonomous_system_props, NULL, ids_as},
    {"directory", KZ_STIX_SCO, directory_props, NULL, ids_directory},
    {"domain-name", KZ_STIX_SCO, domain_name_props, NULL, ids_value},
    {"email-addr", KZ_STIX_SCO, email_addr_props, email_addr_rules, ids_value},
    {"email-message", KZ_STIX_SCO, email_message_props, email_message_rules, ids_email_message},
    {"file", KZ_STIX_SCO, file_props, file_rules, ids_file},
    {"ipv4-addr", KZ_STIX_SCO, ipv4_props, ipv4_rules, ids_value},
    {"ipv6-addr", KZ_STIX_SCO, ipv6_props, ipv6_rules, ids_value},
    {"mac-addr", KZ_STIX_SCO, mac_props, mac_rules, ids_value},
    {"mutex", KZ_STIX_SCO, mutex_props, NULL, ids_name},
    {"network-traffic", KZ_STIX_SCO, network_traffic_props, network_traffic_rules,
     ids_network_traffic},
    {"process", KZ_STIX_SCO, process_props, at_least_one_own, NULL},
    {"software", KZ_STIX_SCO, software_props, NULL, ids_software},
    {"url", KZ_STIX_SCO, url_props, NULL, ids_value},
    {"user-account", KZ_STIX_SCO, user_account_props, at_least_one_own, ids_user_account},
    {"windows-registry-key", KZ_STIX_SCO, registry_key_props, at_least_one_own,
     ids_registry_key},
    {"x509-certificate", KZ_STIX_SCO, x509_props, x509_rules, ids_x509},
    {NULL, KZ_STIX_CUSTOM, NULL, NULL, NULL},
};
