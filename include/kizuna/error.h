/* error.h - the one error enum of libkizuna, its names and messages.
 *
 * Every fallible library function returns kz_err. KZ_OK is 0 so that the one
 * visible way to propagate is `rc = f(...); if (rc) goto fail;`.
 * Codes are generated from the X-macro list below; a code's number is never
 * reused once released: add new ones at the end. */
#ifndef KIZUNA_ERROR_H
#define KIZUNA_ERROR_H

#define KZ_ERRNO_MAP(X)                                                    \
    X(OK, 0, "success")                                                    \
    X(ENOMEM, 1, "out of memory")                                          \
    X(EINVAL, 2, "invalid argument")                                       \
    X(ETOOBIG, 3, "input exceeds a configured limit")                      \
    X(EIO, 4, "input/output error")                                        \
    X(ENOTFOUND, 5, "not found")                                           \
    X(EPARSE, 6, "malformed input")                                        \
    X(EEXIST, 7, "already exists")                                         \
    X(ECONFLICT, 8, "conflicts with existing data")                        \
    X(EAUTH, 9, "not authenticated")                                       \
    X(EPERM, 10, "not permitted")                                          \
    X(EUNSUPPORTED, 11, "not supported")                                   \
    X(EDB, 12, "database error")                                           \
    X(ENET, 13, "network error")                                           \
    X(ETLS, 14, "TLS error")                                               \
    X(ETIMEOUT, 15, "timed out")                                           \
    X(ECRYPTO, 16, "cryptographic failure")                                \
    X(EBUSY, 17, "resource busy")                                          \
    X(EINTERNAL, 18, "internal error")                                     \
    X(EOF, 19, "end of input")                                             \
    X(EINVALID, 20, "input is well-formed but not valid")                  \
    X(EDEPTH, 21, "nesting too deep")                                      \
    X(ERANGE, 22, "value out of range")                                    \
    X(ECORRUPT, 23, "stored data is corrupt")                              \
    X(EVERSION, 24, "unsupported version")

typedef enum kz_err {
#define KZ_ERR_ENUM_(name, num, msg) KZ_##name = num,
    KZ_ERRNO_MAP(KZ_ERR_ENUM_)
#undef KZ_ERR_ENUM_
    KZ_ERR_MAX_
} kz_err;

/* Human-readable message for rc; never NULL, static storage. */
const char *kz_strerror(kz_err rc);
/* Symbolic name such as "KZ_ENOMEM"; never NULL, static storage. */
const char *kz_errname(kz_err rc);

#endif
