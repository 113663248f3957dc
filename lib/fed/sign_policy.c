/* sign_policy.c - what a subscription does with an object given its
 * signature status: accept unsigned, mark it, or reject it (a bad signature
 * is rejected under every policy). A table, so the rules read at a glance. */
#include <string.h>

#include "fed/sign_int.h"

/* decide[policy][status]; status order: unsigned, verified, bad, unknown. */
static const kz_fed_sig_decision decide[3][4] = {
    [KZ_FED_POLICY_ACCEPT] = {KZ_FED_STORE, KZ_FED_STORE_VERIFIED, KZ_FED_REJECT, KZ_FED_STORE},
    [KZ_FED_POLICY_MARK] = {KZ_FED_STORE_MARKED, KZ_FED_STORE_VERIFIED, KZ_FED_REJECT,
                            KZ_FED_STORE_MARKED},
    [KZ_FED_POLICY_REJECT] = {KZ_FED_REJECT, KZ_FED_STORE_VERIFIED, KZ_FED_REJECT,
                              KZ_FED_REJECT},
};

static const char *const policy_names[] = {"accept", "mark", "reject"};

kz_fed_sig_decision kz_fed_sig_decide(kz_fed_sig_policy p, kz_fed_sig_status s)
{
    /* Out-of-range inputs fail closed. */
    if ((unsigned)p > KZ_FED_POLICY_REJECT || (unsigned)s > KZ_FED_SIG_UNKNOWN_SIGNER)
        return KZ_FED_REJECT;
    return decide[p][s];
}

kz_err kz_fed_sig_policy_parse(const char *name, kz_fed_sig_policy *out)
{
    for (size_t i = 0; name && i < sizeof policy_names / sizeof policy_names[0]; i++) {
        if (strcmp(name, policy_names[i]) == 0) {
            *out = (kz_fed_sig_policy)i;
            return KZ_OK;
        }
    }
    return KZ_EINVAL;
}

const char *kz_fed_sig_policy_name(kz_fed_sig_policy p)
{
    return (unsigned)p <= KZ_FED_POLICY_REJECT ? policy_names[p] : "unknown";
}
