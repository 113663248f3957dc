/* server.c - the libmicrohttpd binding: a TLS (GnuTLS) server on a thread
 * pool that collects each request (headers, decoded query, capped body,
 * client certificate) into a kz_http_request, calls the handler, and sends
 * its kz_http_response; graceful stop and an access log. */
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kizuna/alloc.h"
#include "kizuna/http.h"
#include "kizuna/log.h"

/* TLS 1.3 first, TLS 1.2 as the floor: older versions are never offered. */
static const char tls_priorities[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

struct kz_http_server {
    struct MHD_Daemon *d;
    kz_http_opts o;
    char *cert, *key, *trust; /* copies: MHD keeps pointers to them */
    uint16_t port;
    atomic_uint inflight;
};

/* State of one request, from its first callback to its completion. */
typedef struct conn_req {
    kz_arena *arena;
    kz_buf body;
    bool too_big;
    struct timespec t0;
} conn_req;

typedef struct kv_list {
    kz_arena *a;
    kz_http_kv *kv;
    size_t n, cap;
    bool oom;
} kv_list;

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    kv_list *l = cls;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        kz_http_kv *nkv = kz_arena_calloc(l->a, ncap, sizeof *nkv);
        if (!nkv) {
            l->oom = true;
            return MHD_NO;
        }
        if (l->n)
            memcpy(nkv, l->kv, l->n * sizeof *nkv);
        l->kv = nkv;
        l->cap = ncap;
    }
    l->kv[l->n].name = key ? key : "";
    l->kv[l->n].value = value ? value : "";
    l->n++;
    return MHD_YES;
}

static void peer_ip(struct MHD_Connection *c, char *out, size_t outsz)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, outsz, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outsz);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outsz);
}

/* Fingerprint of the peer's leaf certificate, when it sent one. GnuTLS has
 * already checked the handshake signature; whether this certificate is
 * acceptable for an account is decided by comparing fingerprints in
 * lib/auth, so an unknown CA is not a reason to fail here. */
static const char *client_cert(struct MHD_Connection *c, kz_arena *a)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return NULL;
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(ci->tls_session, &n);
    if (!certs || n == 0)
        return NULL;
    unsigned char md[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size, md) < 0)
        return NULL;
    char *hex = kz_arena_alloc(a, KZ_HTTP_FPR_HEX);
    if (!hex)
        return NULL;
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    return hex;
}

static enum MHD_Result send_plain(struct MHD_Connection *c, unsigned status, const char *msg)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/taxii+json;version=2.1");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A copy of s fit for one log line: control characters, quotes and
 * backslashes (a decoded path may hold any of them) become '?', and long
 * values are cut, so that a request cannot forge or split log lines. */
static void log_safe(char *out, size_t outsz, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 1 < outsz; s++) {
        unsigned char c = (unsigned char)*s;
        out[o++] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
    }
    out[o] = '\0';
}

static enum MHD_Result dispatch(kz_http_server *s, struct MHD_Connection *c, conn_req *cr,
                                const char *url, const char *method)
{
    kv_list hl = {.a = cr->arena}, ql = {.a = cr->arena};
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_kv, &hl);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_kv, &ql);
    if (hl.oom || ql.oom)
        return send_plain(c, 500, "{\"title\":\"out of memory\",\"http_status\":\"500\"}");
    char ip[INET6_ADDRSTRLEN + 1];
    peer_ip(c, ip, sizeof ip);
    kz_http_request req = {
        .method = method,
        .path = url,
        .query = ql.kv,
        .n_query = ql.n,
        .headers = hl.kv,
        .n_headers = hl.n,
        .body = cr->body.data,
        .body_len = cr->body.len,
        .body_too_big = cr->too_big,
        .remote_ip = ip,
        .client_cert_sha256 = s->o.trust_pem ? client_cert(c, cr->arena) : NULL,
        .arena = cr->arena,
    };
    kz_http_response resp;
    memset(&resp, 0, sizeof resp);
    kz_buf_init(&resp.body, 0);
    snprintf(resp.who, sizeof resp.who, "-");
    s->o.handler(s->o.ctx, &req, &resp);
    if (resp.status < 100 || resp.status > 599)
        resp.status = 500;
    size_t blen = 0;
    char *bytes = kz_buf_detach(&resp.body, &blen);
    if (!bytes)
        return send_plain(c, 500, "{\"title\":\"out of memory\",\"http_status\":\"500\"}");
    /* kz_buf storage comes from kz_malloc, which is malloc: MHD may free() it. */
    struct MHD_Response *r = MHD_create_response_from_buffer(blen, bytes, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        kz_free(bytes);
        return MHD_NO;
    }
    if (resp.content_type)
        MHD_add_response_header(r, "Content-Type", resp.content_type);
    for (size_t i = 0; i < resp.n_headers; i++)
        MHD_add_response_header(r, resp.headers[i].name, resp.headers[i].value);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)resp.status, r);
    MHD_destroy_response(r);
    if (s->o.access_log) {
        char lpath[512], lmethod[32];
        log_safe(lpath, sizeof lpath, url);
        log_safe(lmethod, sizeof lmethod, method);
        kz_log(KZ_LOG_INFO, "access",
               "ip=%s who=%s method=%s path=\"%s\" status=%d bytes=%zu in=%zu ms=%.3f", ip,
               resp.who, lmethod, lpath, resp.status, blen, cr->body.len, elapsed_ms(&cr->t0));
    }
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    kz_http_server *s = cls;
    conn_req *cr = *con_cls;
    if (!cr) {
        cr = kz_calloc(1, sizeof *cr);
        if (!cr)
            return MHD_NO;
        cr->arena = kz_arena_new(0);
        if (!cr->arena) {
            kz_free(cr);
            return MHD_NO;
        }
        kz_arena_set_cap(cr->arena, s->o.arena_cap);
        kz_buf_init(&cr->body, s->o.max_body);
        clock_gettime(CLOCK_MONOTONIC, &cr->t0);
        atomic_fetch_add(&s->inflight, 1);
        *con_cls = cr;
        /* A declared oversize body is refused without being stored. The
         * answer goes out at once when the client waits for "100 Continue"
         * (it sends nothing then) or the body is far over the limit; a
         * moderately oversize body is read and dropped first (the upload
         * branch below), because closing on a client that is still sending
         * makes its TCP stack see a reset instead of the 413. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end = NULL;
            unsigned long long v = strtoull(cl, &end, 10);
            if (end && *end == '\0' && v > s->o.max_body) {
                cr->too_big = true;
                unsigned long long drain_max = 2ull * s->o.max_body + (1u << 20);
                if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect") || v > drain_max)
                    return dispatch(s, c, cr, url, method);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!cr->too_big && kz_buf_append(&cr->body, upload_data, *upload_data_size) != KZ_OK) {
            cr->too_big = true;
            kz_buf_release(&cr->body);
            kz_buf_init(&cr->body, s->o.max_body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(s, c, cr, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    kz_http_server *s = cls;
    conn_req *cr = *con_cls;
    if (!cr)
        return;
    kz_buf_release(&cr->body);
    kz_arena_free(cr->arena);
    kz_free(cr);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    kz_log(KZ_LOG_DEBUG, "http", "%s", line);
}

static void errf(char *errbuf, size_t errlen, const char *msg, const char *detail)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
}

kz_err kz_http_server_start(const kz_http_opts *o, kz_http_server **out, char *errbuf,
                            size_t errlen)
{
    *out = NULL;
    if (!o->handler || (o->cert_pem && !o->key_pem)) {
        errf(errbuf, errlen, "bad server options", NULL);
        return KZ_EINVAL;
    }
    kz_http_server *s = kz_calloc(1, sizeof *s);
    if (!s)
        return KZ_ENOMEM;
    s->o = *o;
    if (!s->o.threads)
        s->o.threads = 4;
    if (!s->o.max_connections)
        s->o.max_connections = 1024;
    if (!s->o.timeout_s)
        s->o.timeout_s = 30;
    if (!s->o.max_body)
        s->o.max_body = 10u << 20;
    if (!s->o.max_header_bytes)
        s->o.max_header_bytes = 32u << 10;
    if (!s->o.arena_cap)
        s->o.arena_cap = 64u << 20;
    const char *host = o->host ? o->host : "127.0.0.1";

    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
    memset(&sin, 0, sizeof sin);
    memset(&sin6, 0, sizeof sin6);
    if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        sin.sin_port = htons(o->port);
        sa = (struct sockaddr *)&sin;
    } else if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(o->port);
        sa = (struct sockaddr *)&sin6;
        flags |= MHD_USE_IPv6;
    } else {
        kz_free(s);
        errf(errbuf, errlen, "not a numeric address", host);
        return KZ_EINVAL;
    }
    if (o->cert_pem) {
        flags |= MHD_USE_TLS;
        s->cert = kz_strdup(o->cert_pem);
        s->key = kz_strdup(o->key_pem);
        s->trust = o->trust_pem ? kz_strdup(o->trust_pem) : NULL;
        if (!s->cert || !s->key || (o->trust_pem && !s->trust)) {
            kz_free(s->cert);
            kz_free(s->key);
            kz_free(s->trust);
            kz_free(s);
            return KZ_ENOMEM;
        }
    }
    struct MHD_OptionItem opts[16];
    size_t k = 0;
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, sa};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, s->o.threads, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, s->o.max_connections, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, s->o.timeout_s, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                        (intptr_t)s->o.max_header_bytes, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL};
    if (o->cert_pem) {
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert};
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->key};
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)tls_priorities};
        if (s->trust)
            opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, s->trust};
    }
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    s->d = MHD_start_daemon(flags | MHD_USE_ERROR_LOG, o->port, NULL, NULL, on_request, s,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!s->d) {
        kz_free(s->cert);
        kz_free(s->key);
        kz_free(s->trust);
        kz_free(s);
        errf(errbuf, errlen,
             o->cert_pem ? "cannot start the HTTPS server (address in use, or a bad "
                           "certificate or key)"
                         : "cannot start the HTTP server (address in use?)",
             host);
        return o->cert_pem ? KZ_ETLS : KZ_ENET;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : o->port;
    *out = s;
    return KZ_OK;
}

uint16_t kz_http_server_port(const kz_http_server *s)
{
    return s->port;
}

unsigned kz_http_server_inflight(const kz_http_server *s)
{
    return atomic_load(&((kz_http_server *)s)->inflight);
}

void kz_http_server_stop(kz_http_server *s, unsigned grace_ms)
{
    if (!s)
        return;
    /* Stop accepting first so that no new request starts, then let the
     * handlers that are running finish and send their responses. */
    MHD_socket lsock = MHD_quiesce_daemon(s->d);
    for (unsigned waited = 0; waited < grace_ms && atomic_load(&s->inflight) > 0; waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->d);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    kz_free(s->cert);
    kz_free(s->key);
    kz_free(s->trust);
    kz_free(s);
}
