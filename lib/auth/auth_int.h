/* auth_int.h - lib/auth's private state: the shared handle with its SQLite
 * connection, the in-memory account cache and the throttle tables. */
#ifndef KZ_AUTH_INT_H
#define KZ_AUTH_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "kizuna/auth.h"

#define KZ_AUTH_HASH_LEN 32
#define KZ_AUTH_KEY_LEN 32
#define KZ_AUTH_THROTTLE_SLOTS 1024

typedef struct auth_entry {
    kz_account acct;
    unsigned char hash[KZ_AUTH_HASH_LEN];
} auth_entry;

typedef struct throttle_slot {
    char key[KZ_AUTH_NAME_MAX + 8]; /* "i:" + address or "n:" + name */
    unsigned failures;
    int64_t until_us; /* locked out until then */
    int64_t last_us;
} throttle_slot;

struct kz_auth {
    pthread_mutex_t lock; /* guards db, cache and throttle */
    sqlite3 *db;
    unsigned char key[KZ_AUTH_KEY_LEN];
    auth_entry *cache;
    size_t n_cache;
    int64_t cache_version; /* PRAGMA data_version when loaded (-1: stale) */
    int64_t cache_checked_us;
    throttle_slot throttle[KZ_AUTH_THROTTLE_SLOTS];
};

int64_t kz_auth_now_us(void);

#endif
