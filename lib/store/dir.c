/* dir.c - a node's data directory: kizuna.db and kizuna.conf, created by
 * `kizuna init` and opened by every command that needs the node. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kizuna/config.h"
#include "store/store_int.h"

static const char default_conf[] =
    "# kizuna.conf - this node's settings (key = value; # starts a comment).\n"
    "# Command-line flags override what is set here.\n"
    "\n"
    "# Durability of each commit: full (fsync, the default: no acknowledged\n"
    "# write is lost even on power failure), normal (safe across process\n"
    "# crashes, may lose the last commits on power failure) or off.\n"
    "store.synchronous = full\n"
    "\n"
    "# How long (ms) a writer waits for another writer before giving up.\n"
    "store.busy_timeout_ms = 10000\n"
    "\n"
    "# SQLite page cache per connection, KiB.\n"
    "store.cache_kib = 65536\n"
    "\n"
    "# Indicator scoring with decay (docs/score.md): score = confidence x\n"
    "# source reliability, decayed as base x (1 - (t/lifetime)^(1/decay)) with\n"
    "# t the time since valid_from or the latest sighting. Uncomment to change\n"
    "# the built-in values shown (OpenCTI's decay rules); classes ipv4, ipv6,\n"
    "# url, domain, hash, email, other.\n"
    "# score.threshold = 20\n"
    "# score.default_confidence = 50\n"
    "# score.reliability.default = 100\n"
    "# score.reliability.<identity id or peer name> = 80\n"
    "# score.ipv4.lifetime = 47d\n"
    "# score.ipv4.decay = 1.65\n"
    "# match.min_score = 20\n"
    "# taxii.min_score = 20\n";

static void errf(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void errf(char *errbuf, size_t errlen, const char *fmt, ...)
{
    if (!errbuf || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

static kz_err path_join(char *out, size_t outsz, const char *dir, const char *name)
{
    int n = snprintf(out, outsz, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= outsz ? KZ_ETOOBIG : KZ_OK;
}

kz_err kz_store_init_dir(const char *dir, char *errbuf, size_t errlen)
{
    char db[4096], conf[4096];
    if (path_join(db, sizeof db, dir, "kizuna.db") || path_join(conf, sizeof conf, dir, "kizuna.conf")) {
        errf(errbuf, errlen, "path too long: '%s'", dir);
        return KZ_ETOOBIG;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        errf(errbuf, errlen, "cannot create '%s': %s", dir, strerror(errno));
        return KZ_EIO;
    }
    struct stat st;
    if (stat(db, &st) == 0) {
        errf(errbuf, errlen, "'%s' already holds a node (kizuna.db exists)", dir);
        return KZ_EEXIST;
    }
    if (stat(conf, &st) != 0) {
        int fd = open(conf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            errf(errbuf, errlen, "cannot create '%s': %s", conf, strerror(errno));
            return KZ_EIO;
        }
        ssize_t w = write(fd, default_conf, sizeof default_conf - 1);
        int fr = fsync(fd);
        close(fd);
        if (w != (ssize_t)(sizeof default_conf - 1) || fr != 0) {
            errf(errbuf, errlen, "cannot write '%s': %s", conf, strerror(errno));
            return KZ_EIO;
        }
    }
    kz_store *s = NULL;
    kz_err rc = kz_store_open_dir(dir, false, &s, errbuf, errlen);
    if (rc == KZ_ENOTFOUND) {
        /* open_dir does not create; init does. */
        kz_store_opts o = {.create = true};
        rc = kz_store_open(db, &o, &s);
        if (rc)
            errf(errbuf, errlen, "cannot create '%s': %s", db, kz_strerror(rc));
    }
    kz_store_close(s);
    return rc;
}

/* Allowed values of store.synchronous, a table rather than a ladder. */
static const struct {
    const char *name;
    kz_store_sync sync;
} sync_names[] = {
    {"full", KZ_STORE_SYNC_FULL}, {"normal", KZ_STORE_SYNC_NORMAL}, {"off", KZ_STORE_SYNC_OFF}};

static kz_err read_conf(const char *dir, kz_store_opts *o, char *errbuf, size_t errlen)
{
    char conf[4096];
    if (path_join(conf, sizeof conf, dir, "kizuna.conf"))
        return KZ_ETOOBIG;
    kz_config *c = NULL;
    kz_config_error ce;
    kz_err rc = kz_config_load(conf, &c, &ce);
    if (rc == KZ_ENOTFOUND)
        return KZ_OK; /* defaults */
    if (rc) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s:%zu: %s", conf, ce.line, ce.msg);
        return rc;
    }
    const char *v = kz_config_get(c, "store.synchronous");
    if (v) {
        size_t i = 0, n = sizeof sync_names / sizeof sync_names[0];
        while (i < n && strcmp(v, sync_names[i].name) != 0)
            i++;
        if (i == n) {
            if (errbuf && errlen)
                snprintf(errbuf, errlen, "%s:%zu: unknown value '%s' for store.synchronous "
                         "(full, normal or off)", conf, kz_config_line(c, "store.synchronous"), v);
            rc = KZ_EINVAL;
            goto done;
        }
        o->sync = sync_names[i].sync;
    }
    int64_t x;
    rc = kz_config_get_int(c, "store.busy_timeout_ms", 0, 3600000, 10000, &x);
    if (rc) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s:%zu: store.busy_timeout_ms must be 0..3600000", conf,
                     kz_config_line(c, "store.busy_timeout_ms"));
        goto done;
    }
    o->busy_timeout_ms = (int)x;
    rc = kz_config_get_int(c, "store.cache_kib", 0, 64 * 1024 * 1024, 65536, &x);
    if (rc) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s:%zu: store.cache_kib must be 0..67108864", conf,
                     kz_config_line(c, "store.cache_kib"));
        goto done;
    }
    o->cache_kib = (size_t)x;
done:
    kz_config_free(c);
    return rc;
}

kz_err kz_store_open_dir(const char *dir, bool readonly, kz_store **out, char *errbuf,
                         size_t errlen)
{
    *out = NULL;
    char db[4096];
    if (path_join(db, sizeof db, dir, "kizuna.db")) {
        errf(errbuf, errlen, "path too long: '%s'", dir);
        return KZ_ETOOBIG;
    }
    kz_store_opts o = {.readonly = readonly};
    kz_err rc = read_conf(dir, &o, errbuf, errlen);
    if (rc)
        return rc;
    rc = kz_store_open(db, &o, out);
    if (rc == KZ_ENOTFOUND)
        errf(errbuf, errlen, "no node in '%s' (run 'kizuna init %s')", dir, dir);
    else if (rc == KZ_EVERSION)
        errf(errbuf, errlen, "'%s' was written by a newer kizuna", db);
    else if (rc)
        errf(errbuf, errlen, "cannot open '%s': %s", db, kz_strerror(rc));
    return rc;
}
