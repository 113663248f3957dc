/* policy.c - rights and the TLP 2.0 read policy as pure functions, TLP
 * names, and parsing of the Authorization header (Basic and Bearer). */
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "kizuna/auth.h"

bool kz_auth_list_has(const char *list, const char *coll_id, const char *coll_alias)
{
    if (!list || !*list)
        return false;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 1 && p[0] == '*')
            return true;
        if (coll_id && strlen(coll_id) == n && strncasecmp(p, coll_id, n) == 0)
            return true;
        if (coll_alias && strlen(coll_alias) == n && strncmp(p, coll_alias, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

bool kz_auth_can_read(const kz_account *a, const char *coll_id, const char *coll_alias)
{
    return a && kz_auth_list_has(a->read, coll_id, coll_alias);
}

bool kz_auth_can_write(const kz_account *a, const char *coll_id, const char *coll_alias)
{
    return a && kz_auth_list_has(a->write, coll_id, coll_alias);
}

/* Which kinds of reader each level reaches. RED is not in this table: it
 * depends on a per-collection grant, not on who the reader is. */
enum { R_OWN = 1 << 0, R_PARTNER = 1 << 1, R_OTHER = 1 << 2 };
static const struct {
    kz_tlp tlp;
    unsigned readers;
} tlp_readers[] = {
    {KZ_TLP_CLEAR, R_OWN | R_PARTNER | R_OTHER},
    {KZ_TLP_GREEN, R_OWN | R_PARTNER | R_OTHER},
    {KZ_TLP_AMBER, R_OWN | R_PARTNER},
    {KZ_TLP_AMBER_STRICT, R_OWN},
};

bool kz_auth_may_read(const kz_account *a, const char *node_org, const char *coll_id,
                      const char *coll_alias, kz_tlp object_tlp)
{
    if (!kz_auth_can_read(a, coll_id, coll_alias))
        return false;
    /* An object whose level is unknown is treated as the strictest level:
     * the caller maps unmarked objects to the collection default first. */
    if (object_tlp < KZ_TLP_CLEAR || object_tlp > KZ_TLP_RED)
        object_tlp = KZ_TLP_RED;
    if (object_tlp > a->tlp_max)
        return false;
    if (object_tlp == KZ_TLP_RED)
        return kz_auth_list_has(a->red, coll_id, coll_alias);
    unsigned kind;
    if (node_org && *node_org && strcmp(a->org, node_org) == 0)
        kind = R_OWN;
    else if (a->partner)
        kind = R_PARTNER;
    else
        kind = R_OTHER;
    for (size_t i = 0; i < sizeof tlp_readers / sizeof tlp_readers[0]; i++)
        if (tlp_readers[i].tlp == object_tlp)
            return (tlp_readers[i].readers & kind) != 0;
    return false;
}

static const struct {
    const char *name;
    kz_tlp tlp;
} tlp_names[] = {
    {"clear", KZ_TLP_CLEAR},
    {"white", KZ_TLP_CLEAR},
    {"green", KZ_TLP_GREEN},
    {"amber", KZ_TLP_AMBER},
    {"amber+strict", KZ_TLP_AMBER_STRICT},
    {"red", KZ_TLP_RED},
};

kz_tlp kz_auth_tlp_parse(const char *name)
{
    if (!name)
        return KZ_TLP_NONE;
    for (size_t i = 0; i < sizeof tlp_names / sizeof tlp_names[0]; i++)
        if (strcasecmp(name, tlp_names[i].name) == 0)
            return tlp_names[i].tlp;
    return KZ_TLP_NONE;
}

kz_err kz_auth_parse_authorization(const char *h, char name[KZ_AUTH_NAME_MAX + 1],
                                   char token[KZ_AUTH_TOKEN_STR + 16])
{
    name[0] = token[0] = '\0';
    if (!h)
        return KZ_EAUTH;
    while (*h == ' ')
        h++;
    if (strncasecmp(h, "Bearer ", 7) == 0) {
        h += 7;
        while (*h == ' ')
            h++;
        size_t n = strlen(h);
        while (n && h[n - 1] == ' ')
            n--;
        if (n == 0 || n >= KZ_AUTH_TOKEN_STR + 16)
            return KZ_EAUTH;
        memcpy(token, h, n);
        token[n] = '\0';
        return KZ_OK;
    }
    if (strncasecmp(h, "Basic ", 6) != 0)
        return KZ_EAUTH;
    h += 6;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    while (n && h[n - 1] == ' ')
        n--;
    unsigned char dec[KZ_AUTH_NAME_MAX + KZ_AUTH_TOKEN_STR + 32];
    size_t dlen = 0;
    if (n == 0 || n > 4 * (sizeof dec / 3))
        return KZ_EAUTH;
    if (sodium_base642bin(dec, sizeof dec - 1, h, n, NULL, &dlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return KZ_EAUTH;
    dec[dlen] = '\0';
    unsigned char *colon = memchr(dec, ':', dlen);
    if (!colon)
        return KZ_EAUTH;
    size_t nl = (size_t)(colon - dec), tl = dlen - nl - 1;
    if (nl == 0 || nl > KZ_AUTH_NAME_MAX || tl == 0 || tl >= KZ_AUTH_TOKEN_STR + 16)
        return KZ_EAUTH;
    if (memchr(dec, '\0', dlen))
        return KZ_EAUTH;
    memcpy(name, dec, nl);
    name[nl] = '\0';
    memcpy(token, colon + 1, tl);
    token[tl] = '\0';
    return KZ_OK;
}
