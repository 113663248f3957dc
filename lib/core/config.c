/* config.c - the kizuna.conf parser: `key = value` lines, bounded, with
 * errors that name the line (see include/kizuna/config.h). */
#include "kizuna/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kizuna/alloc.h"

typedef struct kz_config_entry {
    char *key;   /* heap, owned by the config */
    char *value; /* heap, owned by the config */
    size_t line;
} kz_config_entry;

struct kz_config {
    kz_config_entry *e;
    size_t n, cap;
};

kz_config *kz_config_new(void)
{
    return kz_calloc(1, sizeof(kz_config));
}

void kz_config_free(kz_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        kz_free(c->e[i].key);
        kz_free(c->e[i].value);
    }
    kz_free(c->e);
    kz_free(c);
}

static void set_err(kz_config_error *err, size_t line, const char *msg, const char *arg)
{
    if (!err)
        return;
    err->line = line;
    if (arg)
        snprintf(err->msg, sizeof err->msg, "%s '%.60s'", msg, arg);
    else
        snprintf(err->msg, sizeof err->msg, "%s", msg);
}

static bool key_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == '-';
}

static bool key_ok(const char *k, size_t len)
{
    if (len == 0 || len > KZ_CONFIG_MAX_KEY)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!key_char((unsigned char)k[i]))
            return false;
    return true;
}

static bool value_ok(const char *v, size_t len)
{
    if (len > KZ_CONFIG_MAX_VALUE)
        return false;
    for (size_t i = 0; i < len; i++)
        if (v[i] == '\n' || v[i] == '\r' || v[i] == '\0')
            return false;
    return true;
}

static kz_config_entry *find(const kz_config *c, const char *key, size_t klen)
{
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->e[i].key) == klen && memcmp(c->e[i].key, key, klen) == 0)
            return &c->e[i];
    return NULL;
}

/* Appends a new entry taking copies of key and value. */
static kz_err push(kz_config *c, const char *key, size_t klen, const char *val, size_t vlen,
                   size_t line)
{
    if (c->n >= KZ_CONFIG_MAX_KEYS)
        return KZ_ETOOBIG;
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        kz_config_entry *ne = kz_realloc(c->e, ncap * sizeof *ne);
        if (!ne)
            return KZ_ENOMEM;
        c->e = ne;
        c->cap = ncap;
    }
    char *k = kz_strndup(key, klen);
    char *v = kz_strndup(val, vlen);
    if (!k || !v) {
        kz_free(k);
        kz_free(v);
        return KZ_ENOMEM;
    }
    c->e[c->n].key = k;
    c->e[c->n].value = v;
    c->e[c->n].line = line;
    c->n++;
    return KZ_OK;
}

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Unquotes "..." (s[0] == '"') of a line [s, end) into out (cap
 * KZ_CONFIG_MAX_VALUE); anything but blanks or a comment after the closing
 * quote is an error. */
static kz_err unquote(const char *s, const char *end, char *out, size_t *outlen, const char **why)
{
    size_t n = 0;
    const char *p = s + 1;
    for (;;) {
        if (p >= end) {
            *why = "unterminated quoted value";
            return KZ_EPARSE;
        }
        char ch = *p++;
        if (ch == '"')
            break;
        if (ch == '\\') {
            if (p >= end || (*p != '"' && *p != '\\')) {
                *why = "bad escape in quoted value (only \\\" and \\\\)";
                return KZ_EPARSE;
            }
            ch = *p++;
        }
        if (ch == '\0') {
            *why = "NUL byte in value";
            return KZ_EPARSE;
        }
        if (n >= KZ_CONFIG_MAX_VALUE) {
            *why = "value longer than 1024 bytes";
            return KZ_ETOOBIG;
        }
        out[n++] = ch;
    }
    while (p < end && blank(*p))
        p++;
    if (p < end && *p != '#') {
        *why = "text after the closing quote";
        return KZ_EPARSE;
    }
    *outlen = n;
    return KZ_OK;
}

/* Parses one line [s, end) (no newline). */
static kz_err parse_line(kz_config *c, const char *s, const char *end, size_t line,
                         kz_config_error *err)
{
    while (s < end && blank(*s))
        s++;
    while (end > s && (blank(end[-1]) || end[-1] == '\r'))
        end--;
    if (s == end || *s == '#')
        return KZ_OK;
    const char *k = s;
    while (s < end && key_char((unsigned char)*s))
        s++;
    size_t klen = (size_t)(s - k);
    if (klen == 0) {
        set_err(err, line, "expected 'key = value'", NULL);
        return KZ_EPARSE;
    }
    if (klen > KZ_CONFIG_MAX_KEY) {
        set_err(err, line, "key longer than 64 characters", NULL);
        return KZ_ETOOBIG;
    }
    while (s < end && blank(*s))
        s++;
    if (s >= end || *s != '=') {
        set_err(err, line, "expected 'key = value'", NULL);
        return KZ_EPARSE;
    }
    s++;
    while (s < end && blank(*s))
        s++;
    char tmp[KZ_CONFIG_MAX_VALUE];
    const char *v = s;
    size_t vlen = (size_t)(end - s);
    if (s < end && *s == '"') {
        const char *why = NULL;
        kz_err rc = unquote(s, end, tmp, &vlen, &why);
        if (rc) {
            set_err(err, line, why, NULL);
            return rc;
        }
        v = tmp;
    } else {
        if (memchr(v, '\0', vlen)) {
            set_err(err, line, "NUL byte in value", NULL);
            return KZ_EPARSE;
        }
        if (vlen > KZ_CONFIG_MAX_VALUE) {
            set_err(err, line, "value longer than 1024 bytes", NULL);
            return KZ_ETOOBIG;
        }
    }
    char kbuf[KZ_CONFIG_MAX_KEY + 1];
    memcpy(kbuf, k, klen);
    kbuf[klen] = '\0';
    kz_config_entry *old = find(c, k, klen);
    if (old) {
        char msg[96];
        snprintf(msg, sizeof msg, "duplicate key (first set on line %zu):", old->line);
        set_err(err, line, msg, kbuf);
        return KZ_EEXIST;
    }
    kz_err rc = push(c, k, klen, v, vlen, line);
    if (rc == KZ_ETOOBIG)
        set_err(err, line, "more than 1024 keys", NULL);
    else if (rc)
        set_err(err, line, "out of memory", NULL);
    return rc;
}

kz_err kz_config_parse(const char *buf, size_t len, kz_config **out, kz_config_error *err)
{
    *out = NULL;
    if (err) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    if (len > KZ_CONFIG_MAX_BYTES) {
        set_err(err, 0, "file larger than 1 MiB", NULL);
        return KZ_ETOOBIG;
    }
    kz_config *c = kz_config_new();
    if (!c) {
        set_err(err, 0, "out of memory", NULL);
        return KZ_ENOMEM;
    }
    const char *p = buf, *end = buf + len;
    size_t line = 1;
    kz_err rc = KZ_OK;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        rc = parse_line(c, p, le, line, err);
        if (rc)
            goto fail;
        line++;
        p = nl ? nl + 1 : end;
    }
    *out = c;
    return KZ_OK;
fail:
    kz_config_free(c);
    return rc;
}

kz_err kz_config_load(const char *path, kz_config **out, kz_config_error *err)
{
    *out = NULL;
    if (err) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno; /* set_err may change errno */
        set_err(err, 0, e == ENOENT ? "no such file" : strerror(e), NULL);
        return e == ENOENT ? KZ_ENOTFOUND : KZ_EIO;
    }
    /* Read at most one byte past the cap so that an oversized file is
     * detected without reading it all. */
    size_t cap = KZ_CONFIG_MAX_BYTES + 1, len = 0;
    char *buf = kz_malloc(cap);
    kz_err rc = KZ_OK;
    if (!buf) {
        rc = KZ_ENOMEM;
        set_err(err, 0, "out of memory", NULL);
        goto done;
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            set_err(err, 0, strerror(errno), NULL);
            rc = KZ_EIO;
            goto done;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == cap)
            break;
    }
    rc = kz_config_parse(buf, len, out, err);
done:
    kz_free(buf);
    close(fd);
    return rc;
}

const char *kz_config_get(const kz_config *c, const char *key)
{
    if (!c || !key)
        return NULL;
    kz_config_entry *e = find(c, key, strlen(key));
    return e ? e->value : NULL;
}

size_t kz_config_line(const kz_config *c, const char *key)
{
    if (!c || !key)
        return 0;
    kz_config_entry *e = find(c, key, strlen(key));
    return e ? e->line : 0;
}

kz_err kz_config_get_int(const kz_config *c, const char *key, int64_t min, int64_t max,
                         int64_t def, int64_t *out)
{
    const char *v = kz_config_get(c, key);
    if (!v) {
        *out = def;
        return KZ_OK;
    }
    if (!*v)
        return KZ_EPARSE;
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*end != '\0')
        return KZ_EPARSE;
    if (errno == ERANGE || x < min || x > max)
        return KZ_ERANGE;
    *out = (int64_t)x;
    return KZ_OK;
}

/* Spellings of a boolean, a table rather than a ladder. */
static const struct {
    const char *word;
    bool value;
} bool_words[] = {
    {"true", true}, {"yes", true}, {"on", true}, {"1", true},
    {"false", false}, {"no", false}, {"off", false}, {"0", false},
};

kz_err kz_config_get_bool(const kz_config *c, const char *key, bool def, bool *out)
{
    const char *v = kz_config_get(c, key);
    if (!v) {
        *out = def;
        return KZ_OK;
    }
    for (size_t i = 0; i < sizeof bool_words / sizeof bool_words[0]; i++) {
        if (strcasecmp(v, bool_words[i].word) == 0) {
            *out = bool_words[i].value;
            return KZ_OK;
        }
    }
    return KZ_EPARSE;
}

kz_err kz_config_set(kz_config *c, const char *key, const char *value)
{
    size_t klen = strlen(key), vlen = strlen(value);
    if (!key_ok(key, klen) || !value_ok(value, vlen))
        return KZ_EINVAL;
    kz_config_entry *e = find(c, key, klen);
    if (e) {
        char *nv = kz_strndup(value, vlen);
        if (!nv)
            return KZ_ENOMEM;
        kz_free(e->value);
        e->value = nv;
        return KZ_OK;
    }
    return push(c, key, klen, value, vlen, 0);
}

size_t kz_config_count(const kz_config *c)
{
    return c ? c->n : 0;
}

const char *kz_config_key_at(const kz_config *c, size_t i)
{
    return c && i < c->n ? c->e[i].key : NULL;
}

const char *kz_config_value_at(const kz_config *c, size_t i)
{
    return c && i < c->n ? c->e[i].value : NULL;
}

/* A value must be quoted when written bare it would not come back the same:
 * empty, surrounding blanks, a leading quote or '#'. */
static bool needs_quotes(const char *v)
{
    size_t n = strlen(v);
    if (n == 0)
        return false;
    return blank(v[0]) || blank(v[n - 1]) || v[0] == '"' || v[0] == '#' || v[n - 1] == '\r';
}

kz_err kz_config_write(const kz_config *c, kz_buf *out)
{
    kz_err rc = KZ_OK;
    for (size_t i = 0; c && i < c->n; i++) {
        const char *v = c->e[i].value;
        rc = kz_buf_append_str(out, c->e[i].key);
        if (rc)
            return rc;
        rc = kz_buf_append_str(out, " = ");
        if (rc)
            return rc;
        if (needs_quotes(v)) {
            rc = kz_buf_append_char(out, '"');
            for (const char *p = v; !rc && *p; p++) {
                if (*p == '"' || *p == '\\')
                    rc = kz_buf_append_char(out, '\\');
                if (!rc)
                    rc = kz_buf_append_char(out, *p);
            }
            if (!rc)
                rc = kz_buf_append_char(out, '"');
        } else {
            rc = kz_buf_append_str(out, v);
        }
        if (!rc)
            rc = kz_buf_append_char(out, '\n');
        if (rc)
            return rc;
    }
    return rc;
}

kz_err kz_config_load_node(const char *dir, kz_config **out, kz_config_error *err)
{
    *out = NULL;
    if (err) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/kizuna.conf", dir) >= sizeof path) {
        set_err(err, 0, "data directory path too long", NULL);
        return KZ_ETOOBIG;
    }
    kz_err rc = kz_config_load(path, out, err);
    if (rc != KZ_ENOTFOUND)
        return rc;
    /* A node without kizuna.conf runs on the defaults. */
    *out = kz_config_new();
    if (!*out) {
        set_err(err, 0, "out of memory", NULL);
        return KZ_ENOMEM;
    }
    if (err)
        err->msg[0] = '\0';
    return KZ_OK;
}
