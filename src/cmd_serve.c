/* cmd_serve.c - `kizuna serve`: the node's TAXII 2.1 server over HTTPS
 * until SIGTERM/SIGINT, then a graceful stop (in-flight requests finish). */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/alloc.h"
#include "kizuna/auth.h"
#include "kizuna/config.h"
#include "kizuna/fed.h"
#include "kizuna/fed_publish.h"
#include "kizuna/file.h"
#include "kizuna/http.h"
#include "kizuna/log.h"
#include "kizuna/taxii.h"

static const char usage_text[] =
    "usage: kizuna serve [--listen ADDR:PORT] [--cert FILE --key FILE] [--client-ca FILE]\n"
    "                    [--org ORG] [--threads N] [--max-connections N] [--timeout S]\n"
    "                    [--max-body BYTES] [--page-max N] [--plain-http] [--port-file FILE]\n"
    "                    [--no-access-log] [--no-response-cache]\n"
    "\n"
    "Serves the node's collections over TAXII 2.1 on https://ADDR:PORT/taxii2/\n"
    "(default 127.0.0.1:8443; port 0 picks a free one, written to --port-file).\n"
    "Without --cert/--key it uses DIR/tls/cert.pem and DIR/tls/key.pem, making a\n"
    "self-signed certificate there first if they do not exist. --client-ca FILE\n"
    "(PEM) asks clients for certificates, for accounts bound to one.\n"
    "--plain-http serves without TLS and is refused unless ADDR is loopback.\n"
    "--org names the node's organisation (TLP:AMBER+STRICT readers); default\n"
    "node.org from kizuna.conf. Other settings there: serve.listen, serve.threads,\n"
    "taxii.title, taxii.description, taxii.contact, taxii.api_root,\n"
    "taxii.status_days (how long status resources are kept, default 7),\n"
    "sign_on_publish (default true): objects POSTed by an account that is not a\n"
    "peer node's (account add --peer) are signed with the node key before they\n"
    "are stored, unless already signed; what peers post is stored as received.\n"
    "The account that first delivered each POSTed version is recorded (kizuna show).\n"
    "Read responses are kept in memory until the database changes (any commit,\n"
    "from any process); --no-response-cache turns that off.\n"
    "Stops cleanly on SIGTERM or SIGINT. Access log lines go to stderr.\n";

typedef struct serve_opts {
    const char *listen, *cert, *key, *client_ca, *org, *port_file;
    unsigned long threads, max_conn, timeout, page_max;
    unsigned long long max_body;
    bool plain, no_log, no_cache;
} serve_opts;

/* What the TAXII server's hooks need: the node key (NULL: no signing) and
 * the POST provenance log. Lives for the whole of serve. */
typedef struct publish_ctx {
    kz_fed_key *key;
    kz_fed_postlog *log;
    kz_arena *arena; /* the extension-definition texts */
    const char *extra[2];
} publish_ctx;

/* kz_taxii_opts.publish: the node publishes what local tools post, as its
 * own, signed; a peer node's objects were written elsewhere and are
 * stored as received (signing them would claim their authorship). */
static kz_err publish_hook(void *ctx, const kz_account *acct, kz_arena *a, const kz_json *obj,
                           const char **out, size_t *out_len, char *why, size_t why_len)
{
    publish_ctx *pc = ctx;
    *out = NULL;
    *out_len = 0;
    if (!pc->key || acct->peer)
        return KZ_OK;
    kz_json *signed_obj = NULL;
    kz_err rc = kz_fed_publish_sign(a, obj, pc->key, &signed_obj, out, out_len);
    if (rc && rc != KZ_ENOMEM)
        snprintf(why, why_len, "cannot be signed: %s", kz_fed_publish_strerror(rc));
    return rc;
}

/* kz_taxii_opts.on_added: who delivered each new version first. */
static void added_hook(void *ctx, const kz_account *acct, const char *coll_id,
                       const char *const *ids, const char *const *versions, size_t n)
{
    publish_ctx *pc = ctx;
    kz_err rc = kz_fed_postlog_record(pc->log, acct->name, ids, versions, n);
    if (rc)
        kz_log(KZ_LOG_WARN, "serve",
               "provenance of %zu version(s) posted by '%s' to %s not recorded: %s", n,
               acct->name, coll_id, kz_strerror(rc));
}

/* Opens what the hooks need. Nonzero: an error was reported. */
static int publish_open(const char *dir, publish_ctx *pc)
{
    char err[512];
    bool on = true;
    if (kz_fed_publish_config(dir, &on, err, sizeof err))
        return kz_cli_error("serve: %s", err);
    if (kz_fed_postlog_open(dir, &pc->log, err, sizeof err))
        return kz_cli_error("serve: %s", err);
    pc->arena = kz_arena_new(1 << 14);
    size_t l0, l1;
    if (!pc->arena || kz_fed_publish_ext_json(pc->arena, &pc->extra[0], &l0, &pc->extra[1], &l1))
        return kz_cli_error("serve: out of memory");
    if (!on)
        return 0;
    kz_err rc = kz_fed_key_load_dir(dir, &pc->key);
    if (rc == KZ_ENOTFOUND) {
        kz_log(KZ_LOG_WARN, "serve",
               "no node key in '%s/keys' ('kizuna trust keygen' makes one): posted objects are "
               "stored unsigned",
               dir);
        return 0;
    }
    if (rc)
        return kz_cli_error("serve: cannot load the node key: %s", kz_strerror(rc));
    return 0;
}

static void publish_close(publish_ctx *pc)
{
    kz_fed_key_free(pc->key);
    kz_fed_postlog_close(pc->log);
    kz_arena_free(pc->arena);
}

static bool parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (!end || *end || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, serve_opts *so)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        bool has = i + 1 < argc;
        unsigned long long v;
        if (strcmp(o, "--listen") == 0 && has)
            so->listen = argv[++i];
        else if (strcmp(o, "--cert") == 0 && has)
            so->cert = argv[++i];
        else if (strcmp(o, "--key") == 0 && has)
            so->key = argv[++i];
        else if (strcmp(o, "--client-ca") == 0 && has)
            so->client_ca = argv[++i];
        else if (strcmp(o, "--org") == 0 && has)
            so->org = argv[++i];
        else if (strcmp(o, "--port-file") == 0 && has)
            so->port_file = argv[++i];
        else if (strcmp(o, "--plain-http") == 0)
            so->plain = true;
        else if (strcmp(o, "--no-access-log") == 0)
            so->no_log = true;
        else if (strcmp(o, "--no-response-cache") == 0)
            so->no_cache = true;
        else if (strcmp(o, "--threads") == 0 && has && parse_ulong(argv[++i], 256, &v) && v)
            so->threads = (unsigned long)v;
        else if (strcmp(o, "--max-connections") == 0 && has && parse_ulong(argv[++i], 100000, &v) &&
                 v)
            so->max_conn = (unsigned long)v;
        else if (strcmp(o, "--timeout") == 0 && has && parse_ulong(argv[++i], 3600, &v) && v)
            so->timeout = (unsigned long)v;
        else if (strcmp(o, "--page-max") == 0 && has && parse_ulong(argv[++i], 100000, &v) && v)
            so->page_max = (unsigned long)v;
        else if (strcmp(o, "--max-body") == 0 && has && parse_ulong(argv[++i], 1ULL << 32, &v) && v)
            so->max_body = v;
        else
            return kz_cli_usage("serve", "unknown option, missing or bad value '%s'", o);
    }
    if ((so->cert == NULL) != (so->key == NULL))
        return kz_cli_usage("serve", "give --cert and --key together");
    return 0;
}

/* Splits "ADDR:PORT" or "[V6]:PORT". */
static int split_listen(const char *l, char *host, size_t hostsz, uint16_t *port)
{
    const char *colon;
    const char *h = l;
    size_t hl;
    if (l[0] == '[') {
        const char *rb = strchr(l, ']');
        if (!rb || rb[1] != ':')
            return -1;
        h = l + 1;
        hl = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(l, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - l);
    }
    unsigned long long p;
    if (hl == 0 || hl >= hostsz || !parse_ulong(colon + 1, 65535, &p))
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (uint16_t)p;
    return 0;
}

static bool is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int cmd_serve(kz_cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (kz_cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return KZ_EXIT_OK;
        }
    serve_opts so;
    memset(&so, 0, sizeof so);
    if (parse_args(argc, argv, &so))
        return KZ_EXIT_ERROR;
    /* SQLite's memory statistics take one global mutex on every allocation:
     * with several worker threads reading, that lock is contended on every
     * row. The server does not use the statistics. Must precede any other
     * SQLite call (it fails harmlessly otherwise). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    const char *dir = cli->data_dir;
    int ret = KZ_EXIT_ERROR;
    kz_config *conf = NULL;
    kz_auth *au = NULL;
    kz_taxii *tx = NULL;
    kz_http_server *srv = NULL;
    kz_fed_runner *fed = NULL;
    publish_ctx pub = {0};
    char *cert_pem = NULL, *key_pem = NULL, *ca_pem = NULL;
    char path[4096], err[512];

    kz_config_error ce;
    kz_err rc = kz_config_load_node(dir, &conf, &ce);
    if (rc)
        return kz_cli_error("serve: %s/kizuna.conf:%zu: %s", dir, ce.line, ce.msg);
    const char *listen = so.listen ? so.listen : kz_config_get(conf, "serve.listen");
    if (!listen)
        listen = "127.0.0.1:8443";
    char host[128];
    uint16_t port;
    if (split_listen(listen, host, sizeof host, &port)) {
        kz_cli_usage("serve", "bad listen address '%s' (ADDR:PORT)", listen);
        goto out;
    }
    if (so.plain && !is_loopback(host)) {
        kz_cli_error("serve: --plain-http only on a loopback address, not '%s'", host);
        goto out;
    }
    int64_t threads = 0;
    if (kz_config_get_int(conf, "serve.threads", 1, 256, 4, &threads)) {
        kz_cli_error("serve: serve.threads must be 1..256");
        goto out;
    }
    if (so.threads)
        threads = (int64_t)so.threads;
    const char *org = so.org ? so.org : kz_config_get(conf, "node.org");
    int64_t status_days = 7;
    if (kz_config_get_int(conf, "taxii.status_days", 1, 3650, 7, &status_days)) {
        kz_cli_error("serve: taxii.status_days must be 1..3650");
        goto out;
    }

    snprintf(path, sizeof path, "%s/kizuna.db", dir);
    if (access(path, F_OK) != 0) {
        kz_cli_error("serve: no node in '%s' (run 'kizuna init %s' first)", dir, dir);
        goto out;
    }
    if (kz_auth_open(path, &au, err, sizeof err)) {
        kz_cli_error("serve: %s", err);
        goto out;
    }
    if (publish_open(dir, &pub))
        goto out;
    kz_taxii_opts to = {
        .data_dir = dir,
        .node_org = org,
        .title = kz_config_get(conf, "taxii.title"),
        .description = kz_config_get(conf, "taxii.description"),
        .contact = kz_config_get(conf, "taxii.contact"),
        .api_root = kz_config_get(conf, "taxii.api_root"),
        .max_content_length = (size_t)so.max_body,
        .page_max = so.page_max,
        .plain_http = so.plain,
        .no_cache = so.no_cache,
        .status_days = (unsigned)status_days,
        .publish = publish_hook,
        .on_added = added_hook,
        .hook_ctx = &pub,
        .publish_extra = pub.extra,
        .n_publish_extra = 2,
    };
    if (kz_taxii_new(&to, au, &tx, err, sizeof err)) {
        kz_cli_error("serve: %s", err);
        goto out;
    }
    if (!so.plain) {
        char cbuf[4200], kbuf[4200];
        if (!so.cert) {
            bool made = false;
            if (kz_http_tls_init_dir(dir, &made, err, sizeof err)) {
                kz_cli_error("serve: %s", err);
                goto out;
            }
            snprintf(cbuf, sizeof cbuf, "%s/tls/cert.pem", dir);
            snprintf(kbuf, sizeof kbuf, "%s/tls/key.pem", dir);
            if (made)
                fprintf(stderr, "kizuna: made a self-signed certificate: %s\n", cbuf);
            so.cert = cbuf;
            so.key = kbuf;
        }
        if (kz_file_read(so.cert, 1 << 20, &cert_pem, NULL, NULL, 0) ||
            kz_file_read(so.key, 1 << 20, &key_pem, NULL, NULL, 0)) {
            kz_cli_error("serve: cannot read '%s' or '%s'", so.cert, so.key);
            goto out;
        }
        if (so.client_ca && kz_file_read(so.client_ca, 4 << 20, &ca_pem, NULL, NULL, 0)) {
            kz_cli_error("serve: cannot read '%s'", so.client_ca);
            goto out;
        }
    }
    /* Block the stop signals before the server threads exist so that they
     * inherit the mask and only sigwait below ever sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    kz_http_opts ho = {
        .host = host,
        .port = port,
        .cert_pem = cert_pem,
        .key_pem = key_pem,
        .trust_pem = ca_pem,
        .threads = (unsigned)threads,
        .max_connections = (unsigned)so.max_conn,
        .timeout_s = (unsigned)so.timeout,
        .max_body = so.max_body ? (size_t)so.max_body : 10u << 20,
        .access_log = !so.no_log,
        .handler = kz_taxii_handle,
        .ctx = tx,
    };
    if (kz_http_server_start(&ho, &srv, err, sizeof err)) {
        kz_cli_error("serve: %s (%s)", err, listen);
        goto out;
    }
    unsigned p = kz_http_server_port(srv);
    if (so.port_file) {
        FILE *f = fopen(so.port_file, "w");
        if (!f || fprintf(f, "%u\n", p) < 0 || fclose(f) != 0) {
            kz_cli_error("serve: cannot write '%s'", so.port_file);
            goto out;
        }
    }
    bool v6 = strchr(host, ':') != NULL;
    printf("kizuna: serving TAXII 2.1 on %s://%s%s%s:%u/taxii2/\n", so.plain ? "http" : "https",
           v6 ? "[" : "", host, v6 ? "]" : "", p);
    fflush(stdout);
    kz_log(KZ_LOG_INFO, "serve", "listening on %s:%u (%s, %u threads)", host, p,
           so.plain ? "plain HTTP" : "TLS 1.2+", (unsigned)threads);
    /* federation next to the API: fed.pull_interval / fed.push_interval */
    err[0] = '\0';
    kz_fed_runner_opts fo;
    if (kz_fed_runner_config(dir, &fo, err, sizeof err) || kz_fed_runner_start(&fo, &fed)) {
        kz_cli_error("serve: federation: %s", err[0] ? err : "cannot start");
        goto out;
    }
    int sig = 0;
    sigwait(&stop, &sig);
    kz_log(KZ_LOG_INFO, "serve", "signal %d: finishing %u in-flight request(s)", sig,
           kz_http_server_inflight(srv));
    kz_fed_runner_stop(fed);
    fed = NULL;
    kz_http_server_stop(srv, 10000);
    srv = NULL;
    kz_log(KZ_LOG_INFO, "serve", "stopped");
    ret = KZ_EXIT_OK;
out:
    kz_fed_runner_stop(fed);
    kz_http_server_stop(srv, 0);
    kz_taxii_free(tx);
    publish_close(&pub);
    kz_auth_close(au);
    kz_config_free(conf);
    kz_free(cert_pem);
    kz_free(key_pem);
    kz_free(ca_pem);
    return ret;
}
