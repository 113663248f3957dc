/* extension.c - STIX 2.1 extensions: the extension-definition and
 * language-content objects, the `extensions` property (extension-definition
 * references and the predefined SCO extensions of Part 6), and the table of
 * the non-SDO/SRO/SCO ("meta") types. */
#include <string.h>

#include "stix/stix_int.h"

/* ---- predefined SCO extensions (Part 6) ---- */

static const kz_prop archive_ext[] = {
    KZ_PRA("contains_refs", PK_REFS, "file|directory"),
    KZ_P("comment", PK_STRING),
    KZ_PEND,
};
static const kz_prop ntfs_ads[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("hashes", PK_HASHES),
    KZ_PI("size", PK_INT, 0, 9.2e18),
    KZ_PEND,
};
static const kz_prop ntfs_ext[] = {
    KZ_P("sid", PK_STRING),
    KZ_PA("alternate_data_streams", PK_OBJECTS, ntfs_ads),
    KZ_PEND,
};
static const kz_prop pdf_ext[] = {
    KZ_P("version", PK_STRING),      KZ_P("is_optimized", PK_BOOL),
    KZ_P("document_info_dict", PK_DICT), KZ_P("pdfid0", PK_STRING),
    KZ_P("pdfid1", PK_STRING),       KZ_PEND,
};
static const kz_prop raster_ext[] = {
    KZ_PI("image_height", PK_INT, 0, 9.2e18),
    KZ_PI("image_width", PK_INT, 0, 9.2e18),
    KZ_PI("bits_per_pixel", PK_INT, 0, 9.2e18),
    KZ_P("exif_tags", PK_DICT),
    KZ_PEND,
};
static const kz_prop pe_section[] = {
    KZ_PR("name", PK_STRING),
    KZ_PI("size", PK_INT, 0, 9.2e18),
    KZ_PI("entropy", PK_NUMBER, 0, 8),
    KZ_P("hashes", PK_HASHES),
    KZ_PEND,
};
static const kz_prop pebinary_ext[] = {
    KZ_PRA("pe_type", PK_OV, &kz_voc_windows_pebinary_type),
    KZ_P("imphash", PK_STRING),
    KZ_P("machine_hex", PK_HEX),
    KZ_PI("number_of_sections", PK_INT, 0, 9.2e18),
    KZ_P("time_date_stamp", PK_TIMESTAMP),
    KZ_P("pointer_to_symbol_table_hex", PK_HEX),
    KZ_PI("number_of_symbols", PK_INT, 0, 9.2e18),
    KZ_PI("size_of_optional_header", PK_INT, 0, 9.2e18),
    KZ_P("characteristics_hex", PK_HEX),
    KZ_P("file_header_hashes", PK_HASHES),
    KZ_P("optional_header", PK_OBJECT),
    KZ_PA("sections", PK_OBJECTS, pe_section),
    KZ_PEND,
};
static const kz_prop http_request_ext[] = {
    KZ_PR("request_method", PK_STRING),
    KZ_PR("request_value", PK_STRING),
    KZ_P("request_version", PK_STRING),
    KZ_P("request_header", PK_DICT),
    KZ_PI("message_body_length", PK_INT, 0, 9.2e18),
    KZ_PA("message_body_data_ref", PK_REF, "artifact"),
    KZ_PEND,
};
static const kz_prop icmp_ext[] = {
    KZ_PR("icmp_type_hex", PK_HEX),
    KZ_PR("icmp_code_hex", PK_HEX),
    KZ_PEND,
};
static const kz_prop socket_ext[] = {
    KZ_PRA("address_family", PK_ENUM, &kz_voc_socket_address_family),
    KZ_P("is_blocking", PK_BOOL),
    KZ_P("is_listening", PK_BOOL),
    KZ_P("options", PK_DICT),
    KZ_PA("socket_type", PK_ENUM, &kz_voc_socket_type),
    KZ_PI("socket_descriptor", PK_INT, 0, 9.2e18),
    KZ_PI("socket_handle", PK_INT, -9.2e18, 9.2e18),
    KZ_PEND,
};
static const kz_prop tcp_ext[] = {
    KZ_P("src_flags_hex", PK_HEX),
    KZ_P("dst_flags_hex", PK_HEX),
    KZ_PEND,
};
static const kz_prop win_process_ext[] = {
    KZ_P("aslr_enabled", PK_BOOL),
    KZ_P("dep_enabled", PK_BOOL),
    KZ_P("priority", PK_STRING),
    KZ_P("owner_sid", PK_STRING),
    KZ_P("window_title", PK_STRING),
    KZ_P("startup_info", PK_DICT),
    KZ_PA("integrity_level", PK_ENUM, &kz_voc_windows_integrity_level),
    KZ_PEND,
};
static const kz_prop win_service_ext[] = {
    KZ_P("service_name", PK_STRING),
    KZ_P("descriptions", PK_STRINGS),
    KZ_P("display_name", PK_STRING),
    KZ_P("group_name", PK_STRING),
    KZ_PA("start_type", PK_ENUM, &kz_voc_windows_service_start_type),
    KZ_PA("service_dll_refs", PK_REFS, "file"),
    KZ_PA("service_type", PK_ENUM, &kz_voc_windows_service_type),
    KZ_PA("service_status", PK_ENUM, &kz_voc_windows_service_status),
    KZ_PEND,
};
static const kz_prop unix_account_ext[] = {
    KZ_PI("gid", PK_INT, -9.2e18, 9.2e18),
    KZ_P("groups", PK_STRINGS),
    KZ_P("home_dir", PK_STRING),
    KZ_P("shell", PK_STRING),
    KZ_PEND,
};

static const struct predefined_ext {
    const char *name;
    const char *sco_type;
    const kz_prop *props;
} predefined[] = {
    {"archive-ext", "file", archive_ext},
    {"ntfs-ext", "file", ntfs_ext},
    {"pdf-ext", "file", pdf_ext},
    {"raster-image-ext", "file", raster_ext},
    {"windows-pebinary-ext", "file", pebinary_ext},
    {"http-request-ext", "network-traffic", http_request_ext},
    {"icmp-ext", "network-traffic", icmp_ext},
    {"socket-ext", "network-traffic", socket_ext},
    {"tcp-ext", "network-traffic", tcp_ext},
    {"windows-process-ext", "process", win_process_ext},
    {"windows-service-ext", "process", win_service_ext},
    {"unix-account-ext", "user-account", unix_account_ext},
};

static void check_one_extension(kz_sv *v, const kz_json_member *m)
{
    char q[96];
    const kz_json *val = m->value;
    if (val->type != KZ_JSON_OBJECT) {
        kz_sv_error(v, "wrong-json-type", "an extension must be an object, found %s",
                    kz_json_type_name(val));
        return;
    }
    if (strncmp(m->key, "extension-definition--", 22) == 0) {
        if (!kz_id_syntax_ok(m->key, m->key_len, NULL)) {
            kz_sv_error(v, "invalid-extension", "not an extension-definition identifier (%s)",
                        kz_sv_quote(m->key, m->key_len, q, sizeof q));
            return;
        }
        const kz_json *et = kz_json_get(val, "extension_type");
        if (et) {
            kz_prop p = KZ_PA("extension_type", PK_ENUM, &kz_voc_extension_type);
            kz_path_push_key(&v->p, "extension_type");
            kz_check_value(v, &p, et);
            kz_path_pop(&v->p);
        }
        return;
    }
    for (size_t i = 0; i < sizeof predefined / sizeof predefined[0]; i++) {
        if (strcmp(predefined[i].name, m->key) != 0)
            continue;
        if (!v->type || strcmp(predefined[i].sco_type, v->type) != 0) {
            kz_sv_error(v, "invalid-extension", "%s applies only to %s objects", m->key,
                        predefined[i].sco_type);
            return;
        }
        if (val->u.obj.n == 0)
            kz_sv_error(v, "empty-value", "an extension must have at least one property");
        kz_check_members(v, val, predefined[i].props, NULL, true);
        return;
    }
    kz_sv_warn(v, "unknown-extension",
               "%s is neither a predefined extension nor an extension-definition id",
               kz_sv_quote(m->key, m->key_len, q, sizeof q));
}

void kz_check_extensions(kz_sv *v, const kz_json *val)
{
    if (val->type != KZ_JSON_OBJECT) {
        kz_sv_error(v, "wrong-json-type", "expected a dictionary (object), found %s",
                    kz_json_type_name(val));
        return;
    }
    if (val->u.obj.n == 0)
        kz_sv_error(v, "empty-value", "a dictionary must have at least one entry");
    for (size_t i = 0; i < val->u.obj.n; i++) {
        kz_path_push_key(&v->p, val->u.obj.members[i].key);
        check_one_extension(v, &val->u.obj.members[i]);
        kz_path_pop(&v->p);
    }
}

/* ---- extension-definition (Part 7.3) ---- */

static void extension_definition_rules(kz_sv *v)
{
    if (!kz_json_get(v->obj, "created_by_ref"))
        kz_sv_error_at(v, "created_by_ref", "missing-property",
                       "an extension-definition requires created_by_ref");
    const kz_json *types = kz_json_get(v->obj, "extension_types");
    if (!types || types->type != KZ_JSON_ARRAY)
        return;
    for (size_t i = 0; i < types->u.arr.n; i++) {
        const char *t = kz_json_string(types->u.arr.items[i]);
        if (t && strcmp(t, "toplevel-property-extension") == 0 &&
            !kz_json_get(v->obj, "extension_properties"))
            kz_sv_warn_at(v, "extension_properties", "missing-property",
                          "a toplevel-property-extension should list extension_properties");
    }
}

static const kz_prop extension_definition_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PR("schema", PK_STRING),
    KZ_PR("version", PK_STRING),
    KZ_PRA("extension_types", PK_ENUMS, &kz_voc_extension_type),
    KZ_P("extension_properties", PK_STRINGS),
    KZ_PEND,
};

/* ---- language-content (Part 7.1) ---- */

static void check_contents(kz_sv *v, const kz_json *val)
{
    kz_prop dict = KZ_P("contents", PK_DICT);
    kz_prop lang = KZ_P("lang", PK_LANG);
    kz_check_value(v, &dict, val);
    if (val->type != KZ_JSON_OBJECT)
        return;
    for (size_t i = 0; i < val->u.obj.n; i++) {
        const kz_json_member *m = &val->u.obj.members[i];
        kz_json key = {0};
        key.type = KZ_JSON_STRING;
        key.u.str.ptr = m->key;
        key.u.str.len = m->key_len;
        kz_path_push_key(&v->p, m->key);
        kz_check_value(v, &lang, &key);
        if (m->value->type != KZ_JSON_OBJECT)
            kz_sv_error(v, "wrong-json-type", "expected a dictionary of translations, found %s",
                        kz_json_type_name(m->value));
        kz_path_pop(&v->p);
    }
}

static const kz_prop language_content_props[] = {
    KZ_PRA("object_ref", PK_REF, "@any"),
    KZ_P("object_modified", PK_TIMESTAMP),
    KZ_PRF("contents", check_contents),
    KZ_PEND,
};

const kz_type_spec kz_meta_specs[] = {
    {"marking-definition", KZ_STIX_META, kz_marking_props, kz_marking_rules, NULL},
    {"language-content", KZ_STIX_META, language_content_props, NULL, NULL},
    {"extension-definition", KZ_STIX_META, extension_definition_props,
     extension_definition_rules, NULL},
    {NULL, KZ_STIX_CUSTOM, NULL, NULL, NULL},
};
