/* error.c - names and messages of the kz_err codes, generated from the one
 * X-macro list in kizuna/error.h so that the three can never disagree. */
#include "kizuna/error.h"

#include <stddef.h>

#define KZ_ERR_MSG_(name, num, msg) [num] = msg,
static const char *const err_msgs[] = {KZ_ERRNO_MAP(KZ_ERR_MSG_)};
#undef KZ_ERR_MSG_

#define KZ_ERR_NAME_(name, num, msg) [num] = "KZ_" #name,
static const char *const err_names[] = {KZ_ERRNO_MAP(KZ_ERR_NAME_)};
#undef KZ_ERR_NAME_

/* Both tables are indexed by the code's number; a gap (a retired code) is a
 * NULL entry and reads as unknown, like a value from outside the enum.
 * KZ_ERR_MAX_ follows the last listed code, so this holds while the list
 * stays in increasing order (new codes appended at the end). */
_Static_assert(sizeof err_msgs / sizeof err_msgs[0] == KZ_ERR_MAX_,
               "list error codes in increasing order, new ones at the end");

const char *kz_strerror(kz_err rc)
{
    if ((unsigned)rc >= sizeof err_msgs / sizeof err_msgs[0] || !err_msgs[rc])
        return "unknown error";
    return err_msgs[rc];
}

const char *kz_errname(kz_err rc)
{
    if ((unsigned)rc >= sizeof err_names / sizeof err_names[0] || !err_names[rc])
        return "KZ_EUNKNOWN";
    return err_names[rc];
}
