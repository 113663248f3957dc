/* logsrc.c - where log lines come from: a file, stdin or a glob, plain or
 * gzip-compressed (by magic bytes, several members allowed), optionally
 * followed like `tail -F` (polling: appended lines, rotation by rename or
 * re-creation, truncation), cut into lines for a kz_logreader with a hard
 * cap on line length. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "kizuna/alloc.h"
#include "match/reader_int.h"

#define CHUNK (1u << 20)     /* bytes read per call */
#define ZCHUNK (256u << 10)  /* compressed bytes read per call */

typedef struct src {
    int fd;
    const char *path;
    bool gz;
    bool gz_pending; /* inside a gzip member: EOF now means truncated */
    z_stream z;
    unsigned char *zin;
    char *err;
    size_t errlen;
} src;

/* "'<path>': <what>" into the caller's message buffer. */
static kz_err errf(src *s, kz_err rc, const char *what)
{
    if (s->err && s->errlen)
        snprintf(s->err, s->errlen, "'%s': %s", s->path, what);
    return rc;
}

/* Reads raw bytes; a short count of 0 is end of input. */
static kz_err raw_read(src *s, void *dst, size_t cap, size_t *got)
{
    for (;;) {
        ssize_t n = read(s->fd, dst, cap);
        if (n >= 0) {
            *got = (size_t)n;
            return KZ_OK;
        }
        if (errno != EINTR)
            return errf(s, KZ_EIO, strerror(errno));
    }
}

/* Decompressed (or plain) bytes into dst; *got 0 at end of input. */
static kz_err pull(src *s, char *dst, size_t cap, size_t *got)
{
    if (!s->gz)
        return raw_read(s, dst, cap, got);
    s->z.next_out = (unsigned char *)dst;
    s->z.avail_out = (uInt)cap;
    for (;;) {
        if (s->z.avail_in == 0) {
            size_t n;
            kz_err rc = raw_read(s, s->zin, ZCHUNK, &n);
            if (rc)
                return rc;
            if (n == 0) {
                *got = cap - s->z.avail_out;
                if (*got == 0 && s->gz_pending)
                    return errf(s, KZ_EPARSE, "truncated gzip data");
                return KZ_OK;
            }
            s->z.next_in = s->zin;
            s->z.avail_in = (uInt)n;
        }
        s->gz_pending = true;
        int zr = inflate(&s->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            s->gz_pending = false;
            if (inflateReset(&s->z) != Z_OK)
                return errf(s, KZ_EPARSE, "corrupt gzip data");
        } else if (zr == Z_MEM_ERROR) {
            return KZ_ENOMEM;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return errf(s, KZ_EPARSE, "corrupt gzip data");
        }
        size_t produced = cap - s->z.avail_out;
        if (produced) {
            *got = produced;
            return KZ_OK;
        }
    }
}

/* first: bytes of the first read (up to the line buffer's size), which
 * the caller hands to zlib through zin: zin holds at least that many. */
static kz_err gz_start(src *s, size_t first)
{
    s->zin = kz_malloc(first > ZCHUNK ? first : ZCHUNK);
    if (!s->zin)
        return KZ_ENOMEM;
    memset(&s->z, 0, sizeof s->z);
    if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
        kz_free(s->zin);
        s->zin = NULL;
        return KZ_ENOMEM;
    }
    s->gz = true;
    return KZ_OK;
}

static void src_close(src *s)
{
    if (s->gz)
        inflateEnd(&s->z);
    kz_free(s->zin);
    s->zin = NULL;
    s->gz = s->gz_pending = false;
    if (s->fd > 0)
        close(s->fd);
    s->fd = -1;
}

static kz_err src_open(src *s, const char *path)
{
    s->path = path;
    if (strcmp(path, "-") == 0) {
        s->fd = STDIN_FILENO;
        return KZ_OK;
    }
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int e = errno;
        if (s->err && s->errlen)
            snprintf(s->err, s->errlen, "cannot open '%s': %s", path,
                     e == ENOENT ? "no such file" : strerror(e));
        return e == ENOMEM ? KZ_ENOMEM : KZ_EIO;
    }
    return KZ_OK;
}

/* Line assembly over one buffer: complete lines go to the reader; a line
 * longer than max_line is counted bad and skipped up to its newline. */
typedef struct lines {
    kz_logreader *r;
    char *buf;
    size_t cap, fill;
    uint64_t lineno;
    bool skipping;  /* inside an over-long line */
    bool started;   /* format detected for this source */
    kz_logrec_fn fn;
    void *ctx;
} lines;

static kz_err feed(lines *L)
{
    size_t start = 0;
    kz_err rc = KZ_OK;
    if (!L->started && L->fill) {
        kz_logreader_detect(L->r, L->buf, L->fill);
        L->started = true;
    }
    for (;;) {
        char *nl = memchr(L->buf + start, '\n', L->fill - start);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (L->buf + start));
        if (L->skipping) {
            L->skipping = false;
            L->lineno++;
        } else {
            rc = kz_logreader_line(L->r, L->buf + start, len, ++L->lineno, L->fn, L->ctx);
            if (rc)
                break;
        }
        start += len + 1;
    }
    if (!rc && L->fill - start > L->r->o.max_line) {
        if (!L->skipping) {
            L->r->st.lines++;
            kz_reader_bad(L->r, L->lineno + 1, "line too long");
            L->skipping = true;
        }
        start = L->fill;
    }
    memmove(L->buf, L->buf + start, L->fill - start);
    L->fill -= start;
    return rc;
}

/* The unterminated last line of a source. */
static kz_err flush_last(lines *L)
{
    kz_err rc = KZ_OK;
    if (L->fill && !L->skipping)
        rc = kz_logreader_line(L->r, L->buf, L->fill, ++L->lineno, L->fn, L->ctx);
    L->fill = 0;
    L->skipping = false;
    return rc;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Reads s until end of input (or, following, until stopped). */
static kz_err read_all(src *s, lines *L, const kz_logsrc_opts *o)
{
    unsigned idle = 0;
    unsigned poll = o && o->poll_ms ? o->poll_ms : 250;
    bool follow = o && o->follow && s->fd != STDIN_FILENO;
    kz_err rc;
    bool first = true;
    for (;;) {
        size_t got;
        rc = pull(s, L->buf + L->fill, L->cap - L->fill, &got);
        if (rc)
            return rc;
        while (first && !s->gz && got == 1) {
            /* a pipe may hand out one byte: gzip's magic needs two */
            size_t more;
            rc = pull(s, L->buf + L->fill + 1, L->cap - L->fill - 1, &more);
            if (rc)
                return rc;
            if (!more)
                break;
            got += more;
        }
        if (first && !s->gz && got >= 2 && (unsigned char)L->buf[L->fill] == 0x1f &&
            (unsigned char)L->buf[L->fill + 1] == 0x8b) {
            /* gzip: hand the bytes read so far to zlib and start over */
            rc = gz_start(s, got);
            if (rc)
                return rc;
            memcpy(s->zin, L->buf + L->fill, got);
            s->z.next_in = s->zin;
            s->z.avail_in = (uInt)got;
            first = false;
            continue;
        }
        first = false;
        if (got) {
            idle = 0;
            L->fill += got;
            rc = feed(L);
            if (rc)
                return rc;
            continue;
        }
        if (!follow)
            return flush_last(L);
        /* Following: end of data for now. */
        if (o->stop && *o->stop)
            return flush_last(L);
        if (o->idle_exit_ms && idle >= o->idle_exit_ms)
            return flush_last(L);
        struct stat now, cur;
        if (fstat(s->fd, &cur) == 0 && !s->gz && lseek(s->fd, 0, SEEK_CUR) > cur.st_size) {
            /* truncated in place: start again from the top */
            lseek(s->fd, 0, SEEK_SET);
            L->fill = 0;
            L->skipping = false;
            L->lineno = 0;
            kz_logreader_begin(L->r, s->path);
            L->started = false;
            continue;
        }
        if (stat(s->path, &now) == 0 && (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev)) {
            /* rotated: the old file is drained (we are at its end), the
             * new one is read from its start */
            rc = flush_last(L);
            if (rc)
                return rc;
            const char *path = s->path;
            src_close(s);
            rc = src_open(s, path);
            if (rc)
                return rc;
            L->lineno = 0;
            kz_logreader_begin(L->r, path);
            L->started = false;
            first = true;
            continue;
        }
        sleep_ms(poll);
        idle += poll;
    }
}

/* A mapped file that another process truncates while it is being read
 * raises SIGBUS on the first access past the new end (logrotate's
 * copytruncate does exactly that). Rather than let that kill the process
 * and lose the results so far, the handler below puts zeros over
 * the rest of the mapping being read from the faulting page on, the line
 * being read ends over zeros, and read_mapped stops there and reports the
 * file as cut short. A SIGBUS anywhere else is left to the default action.
 * One mapping is read at a time (the match command is single-threaded);
 * the globals are what the handler may look at. */
static const char *volatile map_base;
static volatile size_t map_len;
static volatile sig_atomic_t map_cut;
static size_t map_page;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    const char *a = si->si_addr;
    const char *b = map_base;
    if (b && a >= b && a < b + map_len) {
        char *pg = (char *)((uintptr_t)a & ~(uintptr_t)(map_page - 1));
        /* zeros from that page to the mapping's end in one go (one signal,
         * not one per page); mmap is a plain system call, MAP_FIXED
         * replaces what was there */
        size_t rest = (size_t)(b + map_len - pg);
        if (mmap(pg, rest, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
            MAP_FAILED) {
            map_cut = 1;
            return; /* the load is retried and reads zeros */
        }
    }
    /* not ours (or no page): the default action on return */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
}

/* A regular, uncompressed file read once (not followed) is mapped and
 * its lines handed to the reader where they lie: no read() copy into the
 * line buffer (perf: 7 % of a Zeek scan and 11 % of an EVE scan in the
 * kernel's copy) and no memmove of each buffer's tail. The lines, line
 * numbers, format detection (on the bytes one first read() would have
 * returned) and bad-line reports are those of the buffered path; only an
 * over-long line is counted in the byte total here. A file truncated by
 * someone else while it is being read is reported as cut short (see
 * on_sigbus) where grep -mmap or rg would die of SIGBUS; a followed file
 * (the case where logs are rotated under the reader) always takes the
 * buffered path. *done false: not mapped (a pipe, a special or empty file,
 * gzip, mmap refused), read it the usual way. */
static kz_err read_mapped(src *s, lines *L, bool *done)
{
    struct stat st;
    *done = false;
    if (s->fd == STDIN_FILENO || fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size < 2 || (uintmax_t)st.st_size > SIZE_MAX / 2)
        return KZ_OK;
    size_t size = (size_t)st.st_size;
    const char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, s->fd, 0);
    if (p == MAP_FAILED)
        return KZ_OK;
    if ((unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b) {
        munmap((void *)p, size);
        return KZ_OK; /* gzip: the buffered path inflates it */
    }
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0 || sigaction(SIGBUS, &sa, &old) != 0) {
        munmap((void *)p, size);
        return KZ_OK; /* no safety net: read it the buffered way */
    }
    map_page = (size_t)pg;
    map_len = size;
    map_cut = 0;
    map_base = p;
    *done = true;
    kz_logreader_detect(L->r, p, size < L->cap ? size : L->cap);
    L->started = true;
    kz_err rc = KZ_OK;
    size_t start = 0;
    while (start < size && !map_cut) {
        const char *nl = memchr(p + start, '\n', size - start);
        size_t len = nl ? (size_t)(nl - (p + start)) : size - start;
        rc = kz_logreader_line(L->r, p + start, len, ++L->lineno, L->fn, L->ctx);
        if (rc)
            break;
        start += len + 1;
    }
    map_base = NULL;
    sigaction(SIGBUS, &old, NULL);
    munmap((void *)p, size);
    if (map_cut && (!rc || rc == KZ_EOF))
        rc = errf(s, KZ_EIO, "cut short while being read (truncated by another process?); "
                             "the lines after the cut were not read");
    return rc;
}

kz_err kz_logsrc_read(kz_logreader *r, const char *path, const kz_logsrc_opts *o,
                      kz_logrec_fn fn, void *ctx, char *err, size_t errlen)
{
    src s = {.fd = -1, .err = err, .errlen = errlen};
    lines L = {.r = r, .fn = fn, .ctx = ctx};
    if (err && errlen)
        err[0] = 0;
    L.cap = r->o.max_line + 1 + CHUNK;
    L.buf = kz_malloc(L.cap);
    if (!L.buf)
        return KZ_ENOMEM;
    kz_err rc = src_open(&s, path);
    if (rc)
        goto out;
    kz_logreader_begin(r, path);
    bool mapped = false;
    if (!(o && o->follow))
        rc = read_mapped(&s, &L, &mapped);
    if (!mapped)
        rc = read_all(&s, &L, o);
    if (rc == KZ_EOF)
        rc = KZ_OK; /* the callback asked to stop */
out:
    src_close(&s);
    kz_free(L.buf);
    return rc;
}

int kz_logsrc_glob(const char *pattern, int (*each)(void *ctx, const char *path), void *ctx)
{
    if (!strpbrk(pattern, "*?["))
        return each(ctx, pattern);
    glob_t g;
    memset(&g, 0, sizeof g);
    int gr = glob(pattern, GLOB_NOCHECK, NULL, &g);
    if (gr != 0) {
        globfree(&g);
        return each(ctx, pattern);
    }
    int ret = 0;
    for (size_t i = 0; i < g.gl_pathc && !ret; i++)
        ret = each(ctx, g.gl_pathv[i]);
    globfree(&g);
    return ret;
}
