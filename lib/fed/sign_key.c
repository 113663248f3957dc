/* sign_key.c - the node's Ed25519 signing key: made by `kizuna init` with
 * libsodium into DIR/keys/ed25519.key, loaded for signing, and the text key
 * id ("ed25519:" + base64url of the public key) partners exchange. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fed/sign_int.h"
#include "kizuna/alloc.h"
#include "kizuna/codec.h"

/* A key file is tiny; anything larger is not one of ours. */
#define KEY_FILE_MAX 4096
#define SEED_B64_LEN 43 /* unpadded base64url of 32 bytes */

static const char key_file_head[] =
    "# kizuna node signing key (Ed25519 seed, base64url). Keep secret: whoever\n"
    "# holds it can sign objects in this node's name. Public key id: ";

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status;

static void sodium_start(void)
{
    sodium_status = sodium_init();
}

kz_err kz_fed_sodium_ready(void)
{
    /* sodium_init is idempotent but takes a global lock on every call;
     * verification runs per object on every worker thread, so once only. */
    pthread_once(&sodium_once, sodium_start);
    return sodium_status < 0 ? KZ_ECRYPTO : KZ_OK;
}

void kz_fed_key_id_format(const uint8_t pk[KZ_FED_PUBKEY_BYTES], char out[KZ_FED_KEY_ID_SIZE])
{
    memcpy(out, "ed25519:", 8);
    kz_base64_encode(pk, KZ_FED_PUBKEY_BYTES, true, false, out + 8, KZ_FED_KEY_ID_SIZE - 8);
}

kz_err kz_fed_key_id_parse(const char *id, uint8_t pk[KZ_FED_PUBKEY_BYTES])
{
    if (!id || strncmp(id, "ed25519:", 8) != 0 || strlen(id) != KZ_FED_KEY_ID_LEN)
        return KZ_EPARSE;
    uint8_t tmp[36];
    size_t n = 0;
    kz_err rc = kz_base64_decode(id + 8, KZ_FED_KEY_ID_LEN - 8, true, false, tmp, sizeof tmp, &n);
    if (rc || n != KZ_FED_PUBKEY_BYTES)
        return KZ_EPARSE;
    memcpy(pk, tmp, KZ_FED_PUBKEY_BYTES);
    return KZ_OK;
}

kz_err kz_fed_key_from_seed(const uint8_t seed[32], kz_fed_key **out)
{
    *out = NULL;
    kz_err rc = kz_fed_sodium_ready();
    if (rc)
        return rc;
    kz_fed_key *k = kz_calloc(1, sizeof *k);
    if (!k)
        return KZ_ENOMEM;
    if (crypto_sign_seed_keypair(k->pk, k->sk, seed) != 0) {
        kz_fed_key_free(k);
        return KZ_ECRYPTO;
    }
    kz_fed_key_id_format(k->pk, k->id);
    *out = k;
    return KZ_OK;
}

void kz_fed_key_free(kz_fed_key *k)
{
    if (!k)
        return;
    sodium_memzero(k, sizeof *k);
    kz_free(k);
}

const char *kz_fed_key_id(const kz_fed_key *k)
{
    return k->id;
}

static kz_err read_small_file(const char *path, char *buf, size_t cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? KZ_ENOTFOUND : KZ_EIO;
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            return KZ_EIO;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got == cap) {
            close(fd);
            return KZ_ETOOBIG;
        }
    }
    close(fd);
    *len = got;
    return KZ_OK;
}

kz_err kz_fed_key_load(const char *path, kz_fed_key **out)
{
    *out = NULL;
    char buf[KEY_FILE_MAX];
    size_t len = 0;
    kz_err rc = read_small_file(path, buf, sizeof buf, &len);
    if (rc == KZ_ETOOBIG)
        return KZ_EPARSE;
    if (rc)
        return rc;
    /* The first line that is neither blank nor a '#' comment holds the seed. */
    size_t i = 0;
    kz_err res = KZ_EPARSE;
    while (i < len) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        size_t s = i, t = e;
        while (s < t && (buf[s] == ' ' || buf[s] == '\t' || buf[s] == '\r'))
            s++;
        while (t > s && (buf[t - 1] == ' ' || buf[t - 1] == '\t' || buf[t - 1] == '\r'))
            t--;
        if (s < t && buf[s] != '#') {
            uint8_t seed[36];
            size_t n = 0;
            if (t - s == SEED_B64_LEN &&
                kz_base64_decode(buf + s, t - s, true, false, seed, sizeof seed, &n) == KZ_OK &&
                n == 32)
                res = kz_fed_key_from_seed(seed, out);
            sodium_memzero(seed, sizeof seed);
            break;
        }
        i = e + 1;
    }
    sodium_memzero(buf, sizeof buf);
    return res;
}

static int key_paths(const char *dir, char *kdir, char *key, char *pub, size_t cap)
{
    if ((size_t)snprintf(kdir, cap, "%s/keys", dir) >= cap ||
        (size_t)snprintf(key, cap, "%s/keys/ed25519.key", dir) >= cap ||
        (pub && (size_t)snprintf(pub, cap, "%s/keys/ed25519.pub", dir) >= cap))
        return -1;
    return 0;
}

kz_err kz_fed_key_load_dir(const char *dir, kz_fed_key **out)
{
    char kdir[4096], key[4096];
    *out = NULL;
    if (key_paths(dir, kdir, key, NULL, sizeof key))
        return KZ_ETOOBIG;
    return kz_fed_key_load(key, out);
}

/* Writes data to a new file (O_EXCL) with mode, fsynced; removes it on failure. */
static kz_err write_new_file(const char *path, const char *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return errno == EEXIST ? KZ_EEXIST : KZ_EIO;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(path);
            return KZ_EIO;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        close(fd);
        unlink(path);
        return KZ_EIO;
    }
    if (close(fd) != 0) {
        unlink(path);
        return KZ_EIO;
    }
    return KZ_OK;
}

kz_err kz_fed_key_init_dir(const char *dir, bool *made, char *errbuf, size_t errlen)
{
    char kdir[4096], key[4096], pub[4096];
    char text[512];
    uint8_t seed[32];
    kz_fed_key *k = NULL;
    kz_err rc;
    if (made)
        *made = false;
    if (key_paths(dir, kdir, key, pub, sizeof key)) {
        if (errbuf)
            snprintf(errbuf, errlen, "path too long");
        return KZ_ETOOBIG;
    }
    if (access(key, F_OK) == 0)
        return KZ_OK;
    if (mkdir(kdir, 0700) != 0 && errno != EEXIST) {
        if (errbuf)
            snprintf(errbuf, errlen, "cannot create '%s': %s", kdir, strerror(errno));
        return KZ_EIO;
    }
    rc = kz_fed_sodium_ready();
    if (rc)
        goto fail;
    randombytes_buf(seed, sizeof seed);
    rc = kz_fed_key_from_seed(seed, &k);
    if (rc)
        goto fail;
    char b64[SEED_B64_LEN + 1];
    kz_base64_encode(seed, sizeof seed, true, false, b64, sizeof b64);
    int n = snprintf(text, sizeof text, "%s%s\n%s\n", key_file_head, k->id, b64);
    sodium_memzero(b64, sizeof b64);
    if (n < 0 || (size_t)n >= sizeof text) {
        rc = KZ_EINTERNAL;
        goto fail;
    }
    rc = write_new_file(key, text, (size_t)n, 0600);
    if (rc)
        goto fail;
    n = snprintf(text, sizeof text, "%s\n", k->id);
    rc = write_new_file(pub, text, (size_t)n, 0644);
    if (rc == KZ_EEXIST) /* a stale .pub from an earlier key: replace it */
        rc = (unlink(pub) == 0) ? write_new_file(pub, text, (size_t)n, 0644) : KZ_EIO;
    if (rc) {
        unlink(key);
        goto fail;
    }
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    kz_fed_key_free(k);
    if (made)
        *made = true;
    return KZ_OK;
fail:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    kz_fed_key_free(k);
    if (errbuf)
        snprintf(errbuf, errlen, "cannot make the signing key '%s': %s", key, kz_strerror(rc));
    return rc;
}
