/* tls_cert.c - the node's own TLS identity: an ECDSA P-256 key and a
 * self-signed certificate made with GnuTLS for `kizuna init` and `kizuna
 * serve`, certificate fingerprints for client-certificate binding, and a
 * bounded whole-file reader. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kizuna/alloc.h"
#include "kizuna/http.h"

static kz_err write_new_file(const char *path, const gnutls_datum_t *d, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return errno == EEXIST ? KZ_EEXIST : KZ_EIO;
    size_t off = 0;
    while (off < d->size) {
        ssize_t w = write(fd, d->data + off, d->size - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(path);
            return KZ_EIO;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(path);
        return KZ_EIO;
    }
    return KZ_OK;
}

kz_err kz_http_tls_make_cert(const char *cert_path, const char *key_path, const char *cn,
                             const char *extra_dns, unsigned days)
{
    if (access(cert_path, F_OK) == 0 || access(key_path, F_OK) == 0)
        return KZ_EEXIST;
    kz_err rc = KZ_ECRYPTO;
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
    if (gnutls_x509_privkey_init(&key) < 0 || gnutls_x509_crt_init(&crt) < 0)
        goto fail;
    if (gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0)
        goto fail;
    time_t now = time(NULL);
    unsigned char serial[16];
    if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial) < 0)
        goto fail;
    serial[0] &= 0x7f; /* a positive INTEGER */
    if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
        gnutls_x509_crt_set_serial(crt, serial, sizeof serial) < 0 ||
        gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
        gnutls_x509_crt_set_expiration_time(crt, now + (time_t)(days ? days : 825) * 86400) < 0 ||
        gnutls_x509_crt_set_key(crt, key) < 0)
        goto fail;
    const char *name = cn && *cn ? cn : "kizuna";
    if (gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
                                      (unsigned)strlen(name)) < 0 ||
        gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "kizuna node",
                                      11) < 0)
        goto fail;
    /* SANs: clients check these, not the CN. */
    static const unsigned char v4[4] = {127, 0, 0, 1};
    static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4, 4, GNUTLS_FSAN_APPEND) <
            0 ||
        gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6, 16,
                                             GNUTLS_FSAN_APPEND) < 0 ||
        gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                             GNUTLS_FSAN_APPEND) < 0)
        goto fail;
    if (extra_dns && *extra_dns &&
        gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, extra_dns,
                                             (unsigned)strlen(extra_dns), GNUTLS_FSAN_APPEND) < 0)
        goto fail;
    /* A self-signed end-entity certificate that clients can also pin as
     * their CA (curl --cacert, Python cafile): CA:TRUE with keyCertSign is
     * what OpenSSL-based clients need to accept it as an anchor. */
    if (gnutls_x509_crt_set_basic_constraints(crt, 1, -1) < 0 ||
        gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
                                               GNUTLS_KEY_KEY_CERT_SIGN) < 0 ||
        gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0)
        goto fail;
    unsigned char kid[64];
    size_t kid_len = sizeof kid;
    if (gnutls_x509_crt_get_key_id(crt, 0, kid, &kid_len) >= 0)
        gnutls_x509_crt_set_subject_key_id(crt, kid, kid_len);
    if (gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0)
        goto fail;
    if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem) < 0 ||
        gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem) < 0)
        goto fail;
    rc = write_new_file(key_path, &kpem, 0600);
    if (rc)
        goto fail;
    rc = write_new_file(cert_path, &cpem, 0644);
    if (rc) {
        unlink(key_path);
        goto fail;
    }
    rc = KZ_OK;
fail:
    gnutls_free(kpem.data);
    gnutls_free(cpem.data);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc;
}

kz_err kz_http_tls_init_dir(const char *dir, bool *made, char *errbuf, size_t errlen)
{
    char tls[4096], cert[4200], key[4200];
    if (made)
        *made = false;
    if ((size_t)snprintf(tls, sizeof tls, "%s/tls", dir) >= sizeof tls) {
        snprintf(errbuf, errbuf ? errlen : 0, "path too long");
        return KZ_ETOOBIG;
    }
    snprintf(cert, sizeof cert, "%s/cert.pem", tls);
    snprintf(key, sizeof key, "%s/key.pem", tls);
    if (access(cert, F_OK) == 0 && access(key, F_OK) == 0)
        return KZ_OK;
    if (mkdir(tls, 0700) != 0 && errno != EEXIST) {
        if (errbuf)
            snprintf(errbuf, errlen, "cannot create '%s': %s", tls, strerror(errno));
        return KZ_EIO;
    }
    kz_err rc = kz_http_tls_make_cert(cert, key, "kizuna", NULL, 825);
    if (rc) {
        if (errbuf)
            snprintf(errbuf, errlen, "cannot make a certificate in '%s': %s", tls, kz_strerror(rc));
        return rc;
    }
    if (made)
        *made = true;
    return KZ_OK;
}

kz_err kz_http_tls_fingerprint_pem(const char *pem, size_t len, char out[KZ_HTTP_FPR_HEX])
{
    gnutls_x509_crt_t crt = NULL;
    kz_err rc = KZ_EPARSE;
    gnutls_datum_t in = {(unsigned char *)pem, (unsigned)len};
    gnutls_datum_t der = {NULL, 0};
    if (gnutls_x509_crt_init(&crt) < 0)
        return KZ_ENOMEM;
    if (gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM) < 0)
        goto fail;
    if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) < 0)
        goto fail;
    unsigned char md[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, md) < 0) {
        rc = KZ_ECRYPTO;
        goto fail;
    }
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[64] = '\0';
    rc = KZ_OK;
fail:
    gnutls_free(der.data);
    gnutls_x509_crt_deinit(crt);
    return rc;
}
