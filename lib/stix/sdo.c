/* sdo.c - the STIX Domain Objects of STIX 2.1 Part 4 as one table row each:
 * their specific properties (kinds, vocabularies, allowed reference
 * targets) and the cross-property rules the specification states. */
#include <string.h>

#include "stix/stix_int.h"

#include "kizuna/pattern.h"


/* ---- rules ---- */

static void seen_rules(kz_sv *v)
{
    kz_check_order(v, "first_seen", "last_seen", false);
}

static const kz_prop attack_pattern_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_P("aliases", PK_STRINGS),
    KZ_P("kill_chain_phases", PK_KCP),
    KZ_PEND,
};

static const kz_prop campaign_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_P("aliases", PK_STRINGS),
    KZ_P("first_seen", PK_TIMESTAMP),
    KZ_P("last_seen", PK_TIMESTAMP),
    KZ_P("objective", PK_STRING),
    KZ_PEND,
};

static const kz_prop course_of_action_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_P("action", PK_RESERVED),
    KZ_PEND,
};

static const kz_prop grouping_props[] = {
    KZ_P("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PRA("context", PK_OV, &kz_voc_grouping_context),
    KZ_PRA("object_refs", PK_REFS, "@any"),
    KZ_PEND,
};

static const kz_prop identity_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_P("roles", PK_STRINGS),
    KZ_PA("identity_class", PK_OV, &kz_voc_identity_class),
    KZ_PA("sectors", PK_OVS, &kz_voc_industry_sector),
    KZ_P("contact_information", PK_STRING),
    KZ_PEND,
};

static const kz_prop incident_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_P("kill_chain_phases", PK_KCP),
    KZ_PEND,
};

static void check_pattern(kz_sv *v, const kz_json *val)
{
    if (val->type != KZ_JSON_STRING) {
        kz_sv_error(v, "wrong-json-type", "expected a pattern string, found %s",
                    kz_json_type_name(val));
        return;
    }
    if (val->u.str.len == 0)
        kz_sv_error(v, "empty-value", "pattern must not be empty");
}

/* Patterns of type "stix" are checked by lib/pattern; its message is
 * reported at $.objects[N].pattern. */
static void indicator_rules(kz_sv *v)
{
    kz_check_order(v, "valid_from", "valid_until", true);
    const kz_json *pat = kz_json_get(v->obj, "pattern");
    const char *pt = kz_json_get_string(v->obj, "pattern_type");
    if (!v->opts->check_patterns || !pat || pat->type != KZ_JSON_STRING || pat->u.str.len == 0 ||
        !pt || strcmp(pt, "stix") != 0)
        return;
    int ver = 21;
    const char *pv = kz_json_get_string(v->obj, "pattern_version");
    if (pv && strcmp(pv, "2.0") == 0)
        ver = 20;
    kz_pattern_error perr;
    memset(&perr, 0, sizeof perr);
    kz_err rc = kz_pattern_check(pat->u.str.ptr, pat->u.str.len, ver, &perr);
    if (rc == KZ_EPARSE || rc == KZ_EINVALID)
        kz_sv_error_at(v, "pattern", "invalid-pattern", "invalid STIX pattern at offset %zu: %s",
                       perr.offset, perr.msg[0] ? perr.msg : "syntax error");
    else if (rc == KZ_ETOOBIG)
        kz_sv_warn_at(v, "pattern", "pattern-too-big", "pattern exceeds the checker's limits");
    else if (rc == KZ_ENOMEM)
        v->d->oom = 1;
}

static const kz_prop indicator_props[] = {
    KZ_P("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PA("indicator_types", PK_OVS, &kz_voc_indicator_type),
    KZ_PRF("pattern", check_pattern),
    KZ_PRA("pattern_type", PK_OV, &kz_voc_pattern_type),
    KZ_P("pattern_version", PK_STRING),
    KZ_PR("valid_from", PK_TIMESTAMP),
    KZ_P("valid_until", PK_TIMESTAMP),
    KZ_P("kill_chain_phases", PK_KCP),
    KZ_PEND,
};

static const kz_prop infrastructure_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PA("infrastructure_types", PK_OVS, &kz_voc_infrastructure_type),
    KZ_P("aliases", PK_STRINGS),
    KZ_P("kill_chain_phases", PK_KCP),
    KZ_P("first_seen", PK_TIMESTAMP),
    KZ_P("last_seen", PK_TIMESTAMP),
    KZ_PEND,
};

static const kz_prop intrusion_set_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_P("aliases", PK_STRINGS),
    KZ_P("first_seen", PK_TIMESTAMP),
    KZ_P("last_seen", PK_TIMESTAMP),
    KZ_P("goals", PK_STRINGS),
    KZ_PA("resource_level", PK_OV, &kz_voc_attack_resource_level),
    KZ_PA("primary_motivation", PK_OV, &kz_voc_attack_motivation),
    KZ_PA("secondary_motivations", PK_OVS, &kz_voc_attack_motivation),
    KZ_PEND,
};

/* Part 4.11: a location needs region, country or latitude+longitude;
 * latitude and longitude go together, precision needs both. */
static void location_rules(kz_sv *v)
{
    static const char *const one_of[] = {"region", "country", "latitude", NULL};
    bool lat = kz_json_get(v->obj, "latitude") != NULL;
    bool lon = kz_json_get(v->obj, "longitude") != NULL;
    kz_require_one_of(v, one_of);
    if (lat && !lon)
        kz_sv_error_at(v, "longitude", "missing-property",
                       "longitude is required when latitude is present");
    if (lon && !lat)
        kz_sv_error_at(v, "latitude", "missing-property",
                       "latitude is required when longitude is present");
    if (kz_json_get(v->obj, "precision") && !(lat && lon))
        kz_sv_error_at(v, "precision", "dependent-property",
                       "precision requires latitude and longitude");
}

static const kz_prop location_props[] = {
    KZ_P("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PI("latitude", PK_NUMBER, -90.0, 90.0),
    KZ_PI("longitude", PK_NUMBER, -180.0, 180.0),
    KZ_PI("precision", PK_NUMBER, 0.0, 1e300),
    KZ_PA("region", PK_OV, &kz_voc_region),
    KZ_P("country", PK_STRING),
    KZ_P("administrative_area", PK_STRING),
    KZ_P("city", PK_STRING),
    KZ_P("street_address", PK_STRING),
    KZ_P("postal_code", PK_STRING),
    KZ_PEND,
};

/* Part 4.12: a malware family must be named. */
static void malware_rules(kz_sv *v)
{
    seen_rules(v);
    const kz_json *fam = kz_json_get(v->obj, "is_family");
    if (fam && fam->type == KZ_JSON_TRUE && !kz_json_get(v->obj, "name"))
        kz_sv_error_at(v, "name", "missing-property", "name is required when is_family is true");
}

static const kz_prop malware_props[] = {
    KZ_P("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PA("malware_types", PK_OVS, &kz_voc_malware_type),
    KZ_PR("is_family", PK_BOOL),
    KZ_P("aliases", PK_STRINGS),
    KZ_P("kill_chain_phases", PK_KCP),
    KZ_P("first_seen", PK_TIMESTAMP),
    KZ_P("last_seen", PK_TIMESTAMP),
    KZ_PA("operating_system_refs", PK_REFS, "software"),
    KZ_PA("architecture_execution_envs", PK_OVS, &kz_voc_processor_architecture),
    KZ_PA("implementation_languages", PK_OVS, &kz_voc_implementation_language),
    KZ_PA("capabilities", PK_OVS, &kz_voc_malware_capabilities),
    KZ_PA("sample_refs", PK_REFS, "file|artifact"),
    KZ_PEND,
};

static void malware_analysis_rules(kz_sv *v)
{
    static const char *const one_of[] = {"result", "analysis_sco_refs", NULL};
    kz_require_one_of(v, one_of);
    kz_check_order(v, "analysis_started", "analysis_ended", false);
}

static const kz_prop malware_analysis_props[] = {
    KZ_PR("product", PK_STRING),
    KZ_P("version", PK_STRING),
    KZ_PA("host_vm_ref", PK_REF, "software"),
    KZ_PA("operating_system_ref", PK_REF, "software"),
    KZ_PA("installed_software_refs", PK_REFS, "software"),
    KZ_P("configuration_version", PK_STRING),
    KZ_P("modules", PK_STRINGS),
    KZ_P("analysis_engine_version", PK_STRING),
    KZ_P("analysis_definition_version", PK_STRING),
    KZ_P("submitted", PK_TIMESTAMP),
    KZ_P("analysis_started", PK_TIMESTAMP),
    KZ_P("analysis_ended", PK_TIMESTAMP),
    KZ_P("result_name", PK_STRING),
    KZ_PA("result", PK_OV, &kz_voc_malware_result),
    KZ_PA("analysis_sco_refs", PK_REFS, "@sco"),
    KZ_PA("sample_ref", PK_REF, "file|network-traffic|artifact"),
    KZ_PEND,
};

static const kz_prop note_props[] = {
    KZ_P("abstract", PK_STRING),
    KZ_PR("content", PK_STRING),
    KZ_P("authors", PK_STRINGS),
    KZ_PRA("object_refs", PK_REFS, "@any"),
    KZ_PEND,
};

/* One entry of the deprecated objects dictionary: a cyber-observable object
 * in the STIX 2.0 embedded form. Only its shape is checked (a JSON object, a
 * valid type that is not a known SDO/SRO/meta type, valid property names):
 * embedded objects have no id and refer to each other by dictionary key, so
 * the 2.1 SCO rules (id required, *_ref identifiers) do not apply to them. */
static void check_embedded_sco(kz_sv *v, const kz_json *o)
{
    char q[96];
    if (o->type != KZ_JSON_OBJECT) {
        kz_sv_error(v, "wrong-json-type", "expected a cyber-observable object, found %s",
                    kz_json_type_name(o));
        return;
    }
    const kz_json *t = kz_json_get(o, "type");
    if (!t) {
        kz_sv_error_at(v, "type", "missing-property", "required property \"type\" is missing");
    } else if (t->type != KZ_JSON_STRING) {
        kz_sv_error_at(v, "type", "wrong-json-type", "expected a string, found %s",
                       kz_json_type_name(t));
    } else if (!kz_type_name_ok(t->u.str.ptr, t->u.str.len)) {
        kz_sv_error_at(v, "type", "invalid-type-name",
                       "not a valid STIX type name (3-250 characters a-z, 0-9, '-') (%s)",
                       kz_sv_quote(t->u.str.ptr, t->u.str.len, q, sizeof q));
    } else {
        kz_stix_class c = kz_stix_type_class(t->u.str.ptr);
        if (c != KZ_STIX_SCO && c != KZ_STIX_CUSTOM)
            kz_sv_error_at(v, "type", "not-sco", "objects holds cyber-observable objects, not %s",
                           kz_sv_quote(t->u.str.ptr, t->u.str.len, q, sizeof q));
    }
    for (size_t i = 0; i < o->u.obj.n; i++) {
        const kz_json_member *m = &o->u.obj.members[i];
        if (!kz_prop_name_ok(m->key, m->key_len) && strcmp(m->key, "id") != 0)
            kz_sv_error_at(v, m->key, "invalid-property-name",
                           "property name %s must be 3-250 characters of a-z, 0-9, '_' "
                           "starting with a letter",
                           kz_sv_quote(m->key, m->key_len, q, sizeof q));
    }
}

/* Part 4.14: objects (deprecated) or object_refs, exactly one; objects is a
 * dictionary of SCOs (its keys are checked by PK_DICT, its values here). */
static void observed_data_rules(kz_sv *v)
{
    static const char *const one_of[] = {"object_refs", "objects", NULL};
    kz_require_one_of(v, one_of);
    kz_exclusive(v, "object_refs", "objects");
    kz_check_order(v, "first_observed", "last_observed", false);
    const kz_json *objs = kz_json_get(v->obj, "objects");
    if (!objs)
        return;
    kz_sv_warn_at(v, "objects", "deprecated-property",
                  "objects is deprecated in STIX 2.1: use object_refs");
    if (objs->type != KZ_JSON_OBJECT)
        return; /* reported by the member check */
    kz_path_push_key(&v->p, "objects");
    for (size_t i = 0; i < objs->u.obj.n; i++) {
        kz_path_push_key(&v->p, objs->u.obj.members[i].key);
        check_embedded_sco(v, objs->u.obj.members[i].value);
        kz_path_pop(&v->p);
    }
    kz_path_pop(&v->p);
}

static const kz_prop observed_data_props[] = {
    KZ_PR("first_observed", PK_TIMESTAMP),
    KZ_PR("last_observed", PK_TIMESTAMP),
    KZ_PRI("number_observed", PK_INT, 1, 999999999),
    KZ_P("objects", PK_DICT),
    KZ_PA("object_refs", PK_REFS, "@sco|@sro"),
    KZ_PEND,
};

static const kz_prop opinion_props[] = {
    KZ_P("explanation", PK_STRING),
    KZ_P("authors", PK_STRINGS),
    KZ_PRA("opinion", PK_ENUM, &kz_voc_opinion),
    KZ_PRA("object_refs", PK_REFS, "@any"),
    KZ_PEND,
};

static const kz_prop report_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PA("report_types", PK_OVS, &kz_voc_report_type),
    KZ_PR("published", PK_TIMESTAMP),
    KZ_PRA("object_refs", PK_REFS, "@any"),
    KZ_PEND,
};

static const kz_prop threat_actor_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PA("threat_actor_types", PK_OVS, &kz_voc_threat_actor_type),
    KZ_P("aliases", PK_STRINGS),
    KZ_P("first_seen", PK_TIMESTAMP),
    KZ_P("last_seen", PK_TIMESTAMP),
    KZ_PA("roles", PK_OVS, &kz_voc_threat_actor_role),
    KZ_P("goals", PK_STRINGS),
    KZ_PA("sophistication", PK_OV, &kz_voc_threat_actor_sophistication),
    KZ_PA("resource_level", PK_OV, &kz_voc_attack_resource_level),
    KZ_PA("primary_motivation", PK_OV, &kz_voc_attack_motivation),
    KZ_PA("secondary_motivations", PK_OVS, &kz_voc_attack_motivation),
    KZ_PA("personal_motivations", PK_OVS, &kz_voc_attack_motivation),
    KZ_PEND,
};

static const kz_prop tool_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PA("tool_types", PK_OVS, &kz_voc_tool_type),
    KZ_P("aliases", PK_STRINGS),
    KZ_P("kill_chain_phases", PK_KCP),
    KZ_P("tool_version", PK_STRING),
    KZ_PEND,
};

static const kz_prop vulnerability_props[] = {
    KZ_PR("name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_PEND,
};

const kz_type_spec kz_sdo_specs[] = {
    {"attack-pattern", KZ_STIX_SDO, attack_pattern_props, NULL, NULL},
    {"campaign", KZ_STIX_SDO, campaign_props, seen_rules, NULL},
    {"course-of-action", KZ_STIX_SDO, course_of_action_props, NULL, NULL},
    {"grouping", KZ_STIX_SDO, grouping_props, NULL, NULL},
    {"identity", KZ_STIX_SDO, identity_props, NULL, NULL},
    {"incident", KZ_STIX_SDO, incident_props, NULL, NULL},
    {"indicator", KZ_STIX_SDO, indicator_props, indicator_rules, NULL},
    {"infrastructure", KZ_STIX_SDO, infrastructure_props, seen_rules, NULL},
    {"intrusion-set", KZ_STIX_SDO, intrusion_set_props, seen_rules, NULL},
    {"location", KZ_STIX_SDO, location_props, location_rules, NULL},
    {"malware", KZ_STIX_SDO, malware_props, malware_rules, NULL},
    {"malware-analysis", KZ_STIX_SDO, malware_analysis_props, malware_analysis_rules, NULL},
    {"note", KZ_STIX_SDO, note_props, NULL, NULL},
    {"observed-data", KZ_STIX_SDO, observed_data_props, observed_data_rules, NULL},
    {"opinion", KZ_STIX_SDO, opinion_props, NULL, NULL},
    {"report", KZ_STIX_SDO, report_props, NULL, NULL},
    {"threat-actor", KZ_STIX_SDO, threat_actor_props, seen_rules, NULL},
    {"tool", KZ_STIX_SDO, tool_props, NULL, NULL},
    {"vulnerability", KZ_STIX_SDO, vulnerability_props, NULL, NULL},
    {NULL, KZ_STIX_CUSTOM, NULL, NULL, NULL},
};
