/* http.h - kizuna's HTTP(S) server binding (libmicrohttpd + GnuTLS) and the
 * plain request/response structs that the TAXII layer sees.
 *
 * lib/taxii never sees a libmicrohttpd type: a handler receives a
 * kz_http_request (method, decoded path, decoded query arguments, headers,
 * the whole body, peer address, client-certificate fingerprint) and fills a
 * kz_http_response. That keeps every TAXII rule testable without sockets and
 * lets the fuzz target build synthetic requests.
 *
 * Threading: the server runs a pool of threads; the handler is called from
 * any of them, concurrently, and must be thread-safe. */
#ifndef KIZUNA_HTTP_H
#define KIZUNA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/error.h"

typedef struct kz_http_kv {
    const char *name;
    const char *value;
} kz_http_kv;

#define KZ_HTTP_RESP_HEADERS 8
#define KZ_HTTP_FPR_HEX 65 /* SHA-256 as lower-case hex and a NUL */

typedef struct kz_http_request {
    const char *method;      /* "GET", "POST", ... */
    const char *path;        /* percent-decoded, without the query */
    const kz_http_kv *query; /* decoded arguments in order (a name may repeat) */
    size_t n_query;
    const kz_http_kv *headers; /* names as received (compare case-insensitively) */
    size_t n_headers;
    const char *body; /* NULL or body_len bytes (NUL-terminated) */
    size_t body_len;
    bool body_too_big;              /* the body passed the server's cap and was dropped */
    const char *remote_ip;          /* textual peer address */
    const char *client_cert_sha256; /* hex fingerprint of the client's certificate, or NULL */
    kz_arena *arena;                /* per-request arena (capped), freed after the response */
} kz_http_request;

typedef struct kz_http_response {
    int status;                               /* 0 is treated as 500 */
    const char *content_type;                 /* static or in the request arena; NULL: none */
    kz_buf body;                              /* initialised by the caller of the handler */
    kz_http_kv headers[KZ_HTTP_RESP_HEADERS]; /* strings static or in the request arena */
    size_t n_headers;
    char who[80]; /* who made the request, for the access log ("-") */
} kz_http_response;

/* Value of the first header called name (ASCII case-insensitive) or NULL. */
const char *kz_http_header(const kz_http_request *r, const char *name);
/* Value of the first query argument called name or NULL; *count (optional)
 * receives how many times it appears. */
const char *kz_http_query_get(const kz_http_request *r, const char *name, size_t *count);
/* Adds a response header (strings must outlive the response: static or in
 * the request arena). KZ_ETOOBIG past KZ_HTTP_RESP_HEADERS. */
kz_err kz_http_response_header(kz_http_response *resp, const char *name, const char *value);

/* Parses a raw query string (what follows '?', without it) into decoded
 * name/value pairs in arena a: '+' is a space, %XX a byte; a pair without
 * '=' has an empty value. More than max_args pairs: KZ_ETOOBIG. A bad %
 * escape or a decoded NUL: KZ_EPARSE. *out is in the arena. */
kz_err kz_http_query_parse(kz_arena *a, const char *raw, size_t len, size_t max_args,
                           kz_http_kv **out, size_t *n_out);
/* Percent-decodes s[0..len) into the arena (no '+' rule: paths). */
kz_err kz_http_path_decode(kz_arena *a, const char *s, size_t len, char **out);

typedef void (*kz_http_handler_fn)(void *ctx, const kz_http_request *req, kz_http_response *resp);

typedef struct kz_http_opts {
    const char *host;         /* numeric IPv4 or IPv6 address to bind; NULL: 127.0.0.1 */
    uint16_t port;            /* 0: any free port (see kz_http_server_port) */
    const char *cert_pem;     /* PEM certificate chain; NULL: plain HTTP */
    const char *key_pem;      /* PEM private key */
    const char *trust_pem;    /* PEM certificates whose holders may present client
                                 certificates (enables mutual TLS); NULL: none */
    unsigned threads;         /* worker threads, 0: 4 */
    unsigned max_connections; /* 0: 1024 */
    unsigned timeout_s;       /* idle connection timeout, 0: 30 */
    size_t max_body;          /* request body cap, 0: 10 MiB (bigger -> body_too_big) */
    size_t max_header_bytes;  /* per-connection memory for request line + headers, 0: 32 KiB */
    size_t arena_cap;         /* per-request arena cap, 0: 64 MiB */
    bool access_log;          /* one line per request through kz_log */
    kz_http_handler_fn handler;
    void *ctx;
} kz_http_opts;

typedef struct kz_http_server kz_http_server;

/* Starts listening and serving on a thread pool. *out is the caller's,
 * freed by kz_http_server_stop. KZ_ETLS for a bad certificate/key, KZ_ENET
 * when the address cannot be bound, KZ_EINVAL for bad options. errbuf
 * (optional) receives a one-line reason. */
kz_err kz_http_server_start(const kz_http_opts *o, kz_http_server **out, char *errbuf,
                            size_t errlen);
/* The port actually bound. */
uint16_t kz_http_server_port(const kz_http_server *s);
/* Requests currently being handled. */
unsigned kz_http_server_inflight(const kz_http_server *s);
/* Graceful stop: stops accepting, waits up to grace_ms for in-flight
 * requests to finish, then closes everything and frees s. NULL is a no-op. */
void kz_http_server_stop(kz_http_server *s, unsigned grace_ms);

/* ---- certificates (lib/http/tls_cert.c) ---- */
/* Makes an ECDSA P-256 key and a self-signed certificate (CN, SAN
 * 127.0.0.1, ::1, localhost and, if given, extra_dns) valid for `days`,
 * written as PEM to cert_path and key_path (key mode 0600). KZ_EEXIST if
 * either file exists; KZ_ECRYPTO, KZ_EIO. */
kz_err kz_http_tls_make_cert(const char *cert_path, const char *key_path, const char *cn,
                             const char *extra_dns, unsigned days);
/* A node's own certificate: makes DIR/tls/ (0700) and a self-signed
 * DIR/tls/cert.pem + DIR/tls/key.pem unless both exist (*made tells which).
 * errbuf (optional) receives a one-line reason. */
kz_err kz_http_tls_init_dir(const char *dir, bool *made, char *errbuf, size_t errlen);
/* SHA-256 fingerprint (hex) of the first certificate of PEM text. */
kz_err kz_http_tls_fingerprint_pem(const char *pem, size_t len, char out[KZ_HTTP_FPR_HEX]);

#endif
