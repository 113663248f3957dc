/* sro.c - the STIX Relationship Objects of STIX 2.1 Part 5: relationship
 * and sighting, their reference targets and time ordering rules. */
#include <string.h>

#include "stix/stix_int.h"

/* Part 5.1: relationship_type is limited to a-z, 0-9 and '-'. */
static void check_relationship_type(kz_sv *v, const kz_json *val)
{
    char q[96];
    if (val->type != KZ_JSON_STRING) {
        kz_sv_error(v, "wrong-json-type", "expected a string, found %s", kz_json_type_name(val));
        return;
    }
    const char *s = val->u.str.ptr;
    size_t n = val->u.str.len;
    bool ok = n > 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-';
    if (!ok)
        kz_sv_error(v, "invalid-relationship-type",
                    "relationship_type must be a-z, 0-9 and '-' only (%s)",
                    kz_sv_quote(s, n, q, sizeof q));
}

static void relationship_rules(kz_sv *v)
{
    kz_check_order(v, "start_time", "stop_time", true);
}

static const kz_prop relationship_props[] = {
    KZ_PRF("relationship_type", check_relationship_type),
    KZ_P("description", PK_STRING),
    KZ_PRA("source_ref", PK_REF, "@sdo|@sco"),
    KZ_PRA("target_ref", PK_REF, "@sdo|@sco"),
    KZ_P("start_time", PK_TIMESTAMP),
    KZ_P("stop_time", PK_TIMESTAMP),
    KZ_PEND,
};

static void sighting_rules(kz_sv *v)
{
    kz_check_order(v, "first_seen", "last_seen", false);
}

static const kz_prop sighting_props[] = {
    KZ_P("description", PK_STRING),
    KZ_P("first_seen", PK_TIMESTAMP),
    KZ_P("last_seen", PK_TIMESTAMP),
    KZ_PI("count", PK_INT, 0, 999999999),
    KZ_PRA("sighting_of_ref", PK_REF, "@sdo"),
    KZ_PA("observed_data_refs", PK_REFS, "observed-data"),
    KZ_PA("where_sighted_refs", PK_REFS, "identity|location"),
    KZ_P("summary", PK_BOOL),
    KZ_PEND,
};

const kz_type_spec kz_sro_specs[] = {
    {"relationship", KZ_STIX_SRO, relationship_props, relationship_rules, NULL},
    {"sighting", KZ_STIX_SRO, sighting_props, sighting_rules, NULL},
    {NULL, KZ_STIX_CUSTOM, NULL, NULL, NULL},
};
