/* marking.c - data markings (STIX 2.1 Part 7): the marking-definition
 * object, the well-known TLP 1.0 and TLP 2.0 marking-definitions, granular
 * marking selectors, and the TLP level of an object. */
#include <string.h>

#include "stix/stix_int.h"

/* The TLP 2.0 markings are the OASIS common objects that use this
 * extension-definition (cti-stix-common-objects, tlp-2.0). */
#define TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

static const struct tlp_row {
    const char *id;
    kz_tlp level;
    int version;
    const char *word; /* definition.tlp (1.0) or tlp_2_0 (2.0) */
} tlp_table[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", KZ_TLP_CLEAR, 1, "white"},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", KZ_TLP_GREEN, 1, "green"},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", KZ_TLP_AMBER, 1, "amber"},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", KZ_TLP_RED, 1, "red"},
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", KZ_TLP_CLEAR, 2, "clear"},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", KZ_TLP_GREEN, 2, "green"},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", KZ_TLP_AMBER, 2, "amber"},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", KZ_TLP_AMBER_STRICT, 2,
     "amber+strict"},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", KZ_TLP_RED, 2, "red"},
};

static const struct tlp_row *tlp_find(const char *id)
{
    if (!id || strncmp(id, "marking-definition--", 20) != 0)
        return NULL;
    for (size_t i = 0; i < sizeof tlp_table / sizeof tlp_table[0]; i++)
        if (strcmp(tlp_table[i].id + 20, id + 20) == 0)
            return &tlp_table[i];
    return NULL;
}

kz_tlp kz_stix_tlp_from_id(const char *marking_id, int *version)
{
    const struct tlp_row *r = tlp_find(marking_id);
    if (version)
        *version = r ? r->version : 0;
    return r ? r->level : KZ_TLP_NONE;
}

const char *kz_stix_tlp_id(kz_tlp t)
{
    for (size_t i = 0; i < sizeof tlp_table / sizeof tlp_table[0]; i++)
        if (tlp_table[i].version == 2 && tlp_table[i].level == t)
            return tlp_table[i].id;
    return NULL;
}

const char *kz_stix_tlp_name(kz_tlp t)
{
    static const char *const names[] = {"clear", "green", "amber", "amber+strict", "red"};
    if (t < KZ_TLP_CLEAR || t > KZ_TLP_RED)
        return "none";
    return names[t];
}

static kz_tlp max_tlp_of(const kz_json *id, kz_tlp best)
{
    kz_tlp t = kz_stix_tlp_from_id(kz_json_string(id), NULL);
    return t > best ? t : best;
}

/* kizuna serves and shares objects whole, never redacted, so an object is
 * as restricted as the most restrictive TLP marking anywhere in it: a
 * granular TLP:RED on one property withholds the whole object from a reader
 * cleared only for GREEN. */
kz_tlp kz_stix_object_tlp(const kz_json *obj)
{
    kz_tlp best = KZ_TLP_NONE;
    const kz_json *refs = kz_json_get(obj, "object_marking_refs");
    if (refs && refs->type == KZ_JSON_ARRAY)
        for (size_t i = 0; i < refs->u.arr.n; i++)
            best = max_tlp_of(refs->u.arr.items[i], best);
    const kz_json *gm = kz_json_get(obj, "granular_markings");
    if (gm && gm->type == KZ_JSON_ARRAY)
        for (size_t i = 0; i < gm->u.arr.n; i++)
            best = max_tlp_of(kz_json_get(gm->u.arr.items[i], "marking_ref"), best);
    return best;
}

/* ---- granular markings (Part 7.2.3) ---- */

/* Resolves one selector ("description", "external_references.[0].url")
 * against obj; true when it names something present. */
static bool selector_resolves(const kz_json *obj, const char *sel, size_t len)
{
    const kz_json *cur = obj;
    size_t i = 0;
    if (len == 0)
        return false;
    while (i <= len) {
        size_t j = i;
        while (j < len && sel[j] != '.')
            j++;
        size_t n = j - i;
        if (n == 0 || !cur)
            return false;
        if (sel[i] == '[') {
            if (n < 3 || sel[j - 1] != ']' || cur->type != KZ_JSON_ARRAY)
                return false;
            size_t idx = 0;
            for (size_t k = i + 1; k < j - 1; k++) {
                if (sel[k] < '0' || sel[k] > '9' || idx > 100000000)
                    return false;
                idx = idx * 10 + (size_t)(sel[k] - '0');
            }
            if (idx >= cur->u.arr.n)
                return false;
            cur = cur->u.arr.items[idx];
        } else {
            if (cur->type != KZ_JSON_OBJECT)
                return false;
            const kz_json *next = NULL;
            for (size_t m = 0; m < cur->u.obj.n; m++)
                if (cur->u.obj.members[m].key_len == n &&
                    memcmp(cur->u.obj.members[m].key, sel + i, n) == 0) {
                    next = cur->u.obj.members[m].value;
                    break;
                }
            cur = next;
        }
        if (j == len)
            return cur != NULL;
        i = j + 1;
    }
    return false;
}

static const kz_prop granular_props[] = {
    KZ_P("lang", PK_LANG),
    KZ_PA("marking_ref", PK_REF, "marking-definition"),
    KZ_PR("selectors", PK_STRINGS),
    KZ_PEND,
};

void kz_check_granular(kz_sv *v, const kz_json *val)
{
    char q[96];
    if (val->type != KZ_JSON_ARRAY) {
        kz_sv_error(v, "wrong-json-type", "expected a list, found %s", kz_json_type_name(val));
        return;
    }
    if (val->u.arr.n == 0)
        kz_sv_error(v, "empty-value", "a list must not be empty");
    for (size_t i = 0; i < val->u.arr.n; i++) {
        const kz_json *g = val->u.arr.items[i];
        kz_path_push_index(&v->p, i);
        if (g->type != KZ_JSON_OBJECT) {
            kz_sv_error(v, "wrong-json-type", "expected an object, found %s",
                        kz_json_type_name(g));
            kz_path_pop(&v->p);
            continue;
        }
        kz_check_members(v, g, granular_props, NULL, true);
        bool has_lang = kz_json_get(g, "lang") != NULL;
        bool has_ref = kz_json_get(g, "marking_ref") != NULL;
        if (has_lang == has_ref)
            kz_sv_error(v, "invalid-granular-marking",
                        "a granular marking needs exactly one of \"lang\" and \"marking_ref\"");
        const kz_json *sels = kz_json_get(g, "selectors");
        if (sels && sels->type == KZ_JSON_ARRAY) {
            kz_path_push_key(&v->p, "selectors");
            for (size_t s = 0; s < sels->u.arr.n; s++) {
                const kz_json *sel = sels->u.arr.items[s];
                if (sel->type != KZ_JSON_STRING)
                    continue;
                if (!selector_resolves(v->obj, sel->u.str.ptr, sel->u.str.len)) {
                    kz_path_push_index(&v->p, s);
                    kz_sv_error(v, "selector-not-found",
                                "selector %s does not name a property of this object",
                                kz_sv_quote(sel->u.str.ptr, sel->u.str.len, q, sizeof q));
                    kz_path_pop(&v->p);
                }
            }
            kz_path_pop(&v->p);
        }
        kz_path_pop(&v->p);
    }
}

/* ---- marking-definition (Part 7.2.1) ---- */

const kz_prop kz_marking_props[] = {
    KZ_P("name", PK_STRING),
    KZ_P("definition_type", PK_STRING),
    KZ_P("definition", PK_OBJECT),
    KZ_PEND,
};

/* STIX 2.1 7.2.1.4 defines the four TLP 1.0 marking-definitions as fixed
 * objects ("Other instances of tlp-marking MUST NOT be used or created"):
 * created 2017-01-20T00:00:00.000Z and name "TLP:<COLOUR>". Copies made
 * under STIX 2.0, whose objects had no name, still circulate; the colour is
 * what matters to a receiver, so a different name or created is a warning
 * while a different definition is an error (check_tlp_content). */
static void check_tlp1_name_created(kz_sv *v, const struct tlp_row *row)
{
    static const char tlp_epoch[] = "2017-01-20T00:00:00.000Z";
    char want[16] = "TLP:";
    size_t n = 4;
    for (const char *c = row->word; *c && n + 1 < sizeof want; c++)
        want[n++] = (char)(*c - 'a' + 'A');
    want[n] = '\0';
    const char *name = kz_json_get_string(v->obj, "name");
    if (!name || strcmp(name, want) != 0)
        kz_sv_warn_at(v, "name", "tlp-nonstandard-content",
                      "the predefined TLP 1.0 %s marking-definition has name \"%s\"", row->word,
                      want);
    kz_time c, epoch;
    if (kz_get_time(v->obj, "created", &c) &&
        kz_time_parse(tlp_epoch, sizeof tlp_epoch - 1, KZ_TIME_STRICT, &epoch) == KZ_OK &&
        kz_time_cmp(&c, &epoch) != 0)
        kz_sv_warn_at(v, "created", "tlp-nonstandard-content",
                      "the predefined TLP 1.0 %s marking-definition was created %s", row->word,
                      tlp_epoch);
}

static void check_tlp_content(kz_sv *v, const struct tlp_row *row)
{
    const kz_json *def = kz_json_get(v->obj, "definition");
    const char *dt = kz_json_get_string(v->obj, "definition_type");
    if (row->version == 1) {
        const char *w = kz_json_get_string(def, "tlp");
        if (!dt || strcmp(dt, "tlp") != 0 || !w || strcmp(w, row->word) != 0)
            kz_sv_error(v, "tlp-mismatch",
                        "%s is the TLP 1.0 %s marking: it must have definition_type \"tlp\" "
                        "and definition {\"tlp\": \"%s\"}",
                        row->id, row->word, row->word);
        else
            check_tlp1_name_created(v, row);
        return;
    }
    const kz_json *ext = kz_json_get(kz_json_get(v->obj, "extensions"), TLP2_EXTENSION);
    const char *w = kz_json_get_string(ext, "tlp_2_0");
    if (!w || strcmp(w, row->word) != 0)
        kz_sv_error(v, "tlp-mismatch",
                    "%s is the TLP 2.0 %s marking: its extension %s must say tlp_2_0 \"%s\"",
                    row->id, row->word, TLP2_EXTENSION, row->word);
}

static const char *const tlp1_words[] = {"white", "green", "amber", "red", NULL};

void kz_marking_rules(kz_sv *v)
{
    char q[96];
    const char *id = kz_json_get_string(v->obj, "id");
    const kz_json *dt = kz_json_get(v->obj, "definition_type");
    const kz_json *def = kz_json_get(v->obj, "definition");
    if (dt && !def)
        kz_sv_error_at(v, "definition", "missing-property",
                       "definition is required with definition_type");
    if (def && !dt)
        kz_sv_error_at(v, "definition_type", "missing-property",
                       "definition_type is required with definition");
    if (!dt && !def && !kz_json_get(v->obj, "extensions"))
        kz_sv_error(v, "missing-one-of",
                    "a marking-definition needs definition_type and definition, or extensions");
    const char *dts = kz_json_string(dt);
    if (dts && def && def->type == KZ_JSON_OBJECT) {
        kz_path_push_key(&v->p, "definition");
        if (strcmp(dts, "statement") == 0) {
            const kz_json *st = kz_json_get(def, "statement");
            if (!st || st->type != KZ_JSON_STRING)
                kz_sv_error_at(v, "statement", "missing-property",
                               "a statement marking needs a \"statement\" string");
        } else if (strcmp(dts, "tlp") == 0) {
            const kz_json *w = kz_json_get(def, "tlp");
            if (!w || w->type != KZ_JSON_STRING) {
                kz_sv_error_at(v, "tlp", "missing-property", "a tlp marking needs a \"tlp\" string");
            } else {
                bool known = false;
                for (size_t i = 0; tlp1_words[i]; i++)
                    known = known || strcmp(tlp1_words[i], w->u.str.ptr) == 0;
                if (!known)
                    kz_sv_error_at(v, "tlp", "enum-value",
                                   "%s is not a TLP 1.0 colour (white, green, amber, red)",
                                   kz_sv_quote(w->u.str.ptr, w->u.str.len, q, sizeof q));
            }
        } else {
            kz_sv_warn(v, "vocab-value", "definition_type %s is not \"statement\" or \"tlp\"",
                       kz_sv_quote(dts, strlen(dts), q, sizeof q));
        }
        kz_path_pop(&v->p);
    }
    const struct tlp_row *row = tlp_find(id);
    if (row)
        check_tlp_content(v, row);
    else if (dts && strcmp(dts, "tlp") == 0)
        kz_sv_warn_at(v, "id", "tlp-nonstandard-id",
                      "a TLP marking should use the standard TLP marking-definition id");
}
