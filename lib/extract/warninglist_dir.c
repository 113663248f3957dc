/* warninglist_dir.c - where warninglists come from: one file, a folder of
 * files, and the built-in folder found relative to the binary, an install
 * path or $KZ_WARNINGLISTS. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kizuna/alloc.h"
#include "kizuna/file.h"
#include "extract/warninglist_int.h"

static void file_err(kz_warninglist_error *err, const char *file, const char *msg)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", file);
    err->path[0] = '\0';
    snprintf(err->msg, sizeof err->msg, "%s", msg);
}

/* Reads a whole warninglist file (at most max bytes) into a heap buffer. */
static kz_err read_all(const char *path, size_t max, char **out, size_t *out_len,
                       kz_warninglist_error *err)
{
    char why[256];
    kz_err rc = kz_file_read(path, max, out, out_len, why, sizeof why);
    if (rc)
        file_err(err, path,
                 rc == KZ_ETOOBIG ? "larger than the 64 MiB a warninglist may have" : why);
    return rc;
}

kz_err kz_warninglist_load_file(kz_warninglist_set *s, const char *path,
                                kz_warninglist_error *err)
{
    if (!s || !path)
        return KZ_EINVAL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".json") == 0)
        bl -= 5;
    char id[256];
    if (bl == 0 || bl >= sizeof id) {
        file_err(err, path, "file name unusable as a list name");
        return KZ_EINVAL;
    }
    memcpy(id, base, bl);
    id[bl] = '\0';
    char *buf = NULL;
    size_t len = 0;
    kz_err rc = read_all(path, KZ_WL_MAX_FILE, &buf, &len, err);
    if (rc)
        return rc;
    rc = kz_warninglist_load_mem(s, id, path, buf, len, err);
    kz_free(buf);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kz_free(names[i]);
    kz_free(names);
}

/* The "*.json" files of dir (not schema.json, no dot files) in name
 * order: the same lists load in the same order on every machine. */
static kz_err list_names(const char *dir, char ***out, size_t *out_n, kz_warninglist_error *err)
{
    *out = NULL;
    *out_n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        file_err(err, dir, errno == ENOENT ? "no such directory" : strerror(errno));
        return errno == ENOENT ? KZ_ENOTFOUND : KZ_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    kz_err rc = KZ_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l <= 5 || strcmp(e->d_name + l - 5, ".json") != 0 || e->d_name[0] == '.' ||
            strcmp(e->d_name, "schema.json") == 0)
            continue;
        if (n == KZ_WL_MAX_LISTS) {
            file_err(err, dir, "more than 1024 list files");
            rc = KZ_ETOOBIG;
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **p = kz_realloc(names, nc * sizeof *p);
            if (!p) {
                rc = KZ_ENOMEM;
                break;
            }
            names = p;
            cap = nc;
        }
        names[n] = kz_strdup(e->d_name);
        if (!names[n]) {
            rc = KZ_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc) {
        free_names(names, n);
        if (rc == KZ_ENOMEM)
            file_err(err, dir, "out of memory");
        return rc;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *out_n = n;
    return KZ_OK;
}

static kz_err load_names(kz_warninglist_set *s, const char *dir, char *const *names, size_t n,
                         size_t *n_skipped, kz_warninglist_error *err)
{
    kz_err rc = KZ_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        char path[PATH_MAX];
        int pl = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (pl < 0 || (size_t)pl >= sizeof path) {
            file_err(err, names[i], "path too long");
            rc = KZ_ETOOBIG;
            break;
        }
        rc = kz_warninglist_load_file(s, path, err);
        if (rc == KZ_EEXIST) {
            if (n_skipped)
                (*n_skipped)++;
            rc = KZ_OK;
        }
    }
    if (rc == KZ_ENOMEM)
        file_err(err, dir, "out of memory");
    return rc;
}

/* ---- snapshots: the files ---- */

static bool snap_env_off(void)
{
    const char *v = getenv("KZ_WL_SNAPSHOT");
    return v && strcmp(v, "off") == 0;
}

kz_err wl_snap_stat(const char *dir, const char *name, wl_snap_stamp *st)
{
    char path[PATH_MAX];
    struct stat sb;
    int pl = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (pl < 0 || (size_t)pl >= sizeof path)
        return KZ_ETOOBIG;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? KZ_ENOTFOUND : KZ_EIO;
    memset(st, 0, sizeof *st);
    st->size = (uint64_t)sb.st_size;
    st->ino = (uint64_t)sb.st_ino;
    st->mtime_s = (int64_t)sb.st_mtim.tv_sec;
    st->mtime_ns = (int64_t)sb.st_mtim.tv_nsec;
    st->ctime_s = (int64_t)sb.st_ctim.tv_sec;
    st->ctime_ns = (int64_t)sb.st_ctim.tv_nsec;
    return KZ_OK;
}

static bool stamp_eq(const wl_snap_stamp *a, const wl_snap_stamp *b)
{
    return a->size == b->size && a->ino == b->ino && a->mtime_s == b->mtime_s &&
           a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

static bool snap_path(const char *dir, char *out, size_t cap)
{
    int pl = snprintf(out, cap, "%s/%s", dir, KZ_WL_SNAPSHOT_NAME);
    return pl > 0 && (size_t)pl < cap;
}

/* Whether the snapshot's stamps name exactly the files names[0..n) of dir
 * as they are now (size, inode, mtime and ctime to the nanosecond). Only
 * the header and the stamp and string sections are read, bounds checked;
 * wl_snap_attach checks the rest. */
static bool snap_fresh(const uint8_t *buf, size_t len, const char *dir, char *const *names,
                       size_t n)
{
    wl_snap_hdr h;
    if (len < sizeof h)
        return false;
    memcpy(&h, buf, sizeof h);
    if (memcmp(h.magic, WL_SNAP_MAGIC, sizeof h.magic) != 0 || h.n_stamps != n ||
        h.sec[WS_STAMPS].off > len || h.sec[WS_STAMPS].off & 7 ||
        h.sec[WS_STAMPS].len != n * sizeof(wl_snap_stamp) ||
        h.sec[WS_STAMPS].len > len - h.sec[WS_STAMPS].off || h.sec[WS_STR].off > len ||
        !h.sec[WS_STR].len || h.sec[WS_STR].len > len - h.sec[WS_STR].off ||
        buf[h.sec[WS_STR].off + h.sec[WS_STR].len - 1] != '\0')
        return false;
    const wl_snap_stamp *st = (const wl_snap_stamp *)(const void *)(buf + h.sec[WS_STAMPS].off);
    const char *str = (const char *)buf + h.sec[WS_STR].off;
    for (size_t i = 0; i < n; i++) {
        wl_snap_stamp now;
        if (st[i].name_off >= h.sec[WS_STR].len || strcmp(str + st[i].name_off, names[i]) != 0 ||
            wl_snap_stat(dir, names[i], &now) || !stamp_eq(&now, &st[i]))
            return false;
    }
    return true;
}

bool wl_snap_try_dir(kz_warninglist_set *s, const char *dir, char *const *names, size_t n)
{
    char path[PATH_MAX];
    if (s->no_snap || wl_snap_disabled || snap_env_off() || s->compiled || s->broken ||
        s->n_snaps >= WL_SNAP_MAX_PARTS || !snap_path(dir, path, sizeof path))
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < (off_t)sizeof(wl_snap_hdr) ||
        sb.st_size > (off_t)1 << 30) {
        close(fd);
        return false;
    }
    size_t len = (size_t)sb.st_size;
    /* populated: the checksum reads every page at once anyway */
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return false;
    if (!snap_fresh(m, len, dir, names, n)) {
        munmap(m, len);
        return false;
    }
    /* attach releases the mapping on failure: the JSON is read instead */
    return wl_snap_attach(s, dir, m, len, true, false, NULL) == KZ_OK;
}

/* Writes buf[0..len) to path through a temporary file and rename(2), so
 * that a reader sees the old file or the new one, never half of one. */
static kz_err write_atomic(const char *path, const void *buf, size_t len, kz_warninglist_error *err)
{
    char tmp[PATH_MAX];
    int pl = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (pl < 0 || (size_t)pl >= sizeof tmp) {
        file_err(err, path, "path too long");
        return KZ_ETOOBIG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        file_err(err, path, strerror(errno));
        return KZ_EIO;
    }
    const char *p = buf;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    int cerr = close(fd);
    if (left || cerr != 0 || rename(tmp, path) != 0) {
        file_err(err, path, strerror(errno ? errno : EIO));
        unlink(tmp);
        return KZ_EIO;
    }
    return KZ_OK;
}

/* Loads names[0..n) of dir from JSON into s (empty) recording what the
 * snapshot writer needs: the cidr entries, and each file's stamp before
 * it was read (*before, heap, the caller frees; NULL when a file could not
 * be stat'ed: no snapshot then). The load's own error otherwise. */
static kz_err load_recording(kz_warninglist_set *s, const char *dir, char *const *names,
                             size_t n, wl_snap_stamp **before, kz_warninglist_error *err)
{
    *before = kz_calloc(n ? n : 1, sizeof **before);
    for (size_t i = 0; *before && i < n; i++) {
        if (wl_snap_stat(dir, names[i], &(*before)[i])) {
            kz_free(*before);
            *before = NULL;
        }
    }
    s->rec_ip = *before != NULL;
    kz_err rc = load_names(s, dir, names, n, NULL, err);
    if (rc) {
        kz_free(*before);
        *before = NULL;
    }
    return rc;
}

/* Writes the snapshot of the set load_recording filled to out, unless a
 * file changed since it was stamped; forgets the recording. */
static kz_err write_snapshot(kz_warninglist_set *s, const char *dir, char *const *names,
                             size_t n, wl_snap_stamp *before, const char *out,
                             kz_warninglist_error *err)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_err rc = KZ_OK;
    if (!before) {
        file_err(err, dir, "cannot stat a list file");
        rc = KZ_EIO;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        wl_snap_stamp now;
        if (wl_snap_stat(dir, names[i], &now) || !stamp_eq(&now, &before[i])) {
            file_err(err, names[i], "changed while it was read: not compiled");
            rc = KZ_ECONFLICT;
        }
    }
    if (!rc)
        rc = wl_snap_build(s, before, (const char *const *)names, n, &b, err);
    if (!rc)
        rc = write_atomic(out, b.data, b.len, err);
    s->rec_ip = false;
    kz_free(s->iprec);
    s->iprec = NULL;
    s->n_iprec = s->cap_iprec = 0;
    kz_buf_release(&b);
    return rc;
}

kz_err kz_warninglist_snapshot_write(const char *dir, const char *out, kz_warninglist_error *err)
{
    char def[PATH_MAX];
    char **names = NULL;
    size_t n = 0;
    wl_snap_stamp *before = NULL;
    if (!dir)
        return KZ_EINVAL;
    if (!out) {
        if (!snap_path(dir, def, sizeof def)) {
            file_err(err, dir, "path too long");
            return KZ_ETOOBIG;
        }
        out = def;
    }
    kz_err rc = list_names(dir, &names, &n, err);
    if (rc)
        return rc;
    kz_warninglist_set *s = kz_warninglist_set_new();
    if (!s) {
        free_names(names, n);
        file_err(err, dir, "out of memory");
        return KZ_ENOMEM;
    }
    s->no_snap = true;
    rc = load_recording(s, dir, names, n, &before, err);
    /* substring and regex entries must compile, as they will after a load */
    if (!rc)
        rc = kz_warninglist_set_compile(s, err);
    if (!rc)
        rc = write_snapshot(s, dir, names, n, before, out, err);
    kz_free(before);
    kz_warninglist_set_free(s);
    free_names(names, n);
    return rc;
}

kz_err kz_warninglist_load_dir(kz_warninglist_set *s, const char *dir, size_t *n_skipped,
                               kz_warninglist_error *err)
{
    char **names = NULL;
    size_t n = 0;
    if (n_skipped)
        *n_skipped = 0;
    if (!s || !dir)
        return KZ_EINVAL;
    kz_err rc = list_names(dir, &names, &n, err);
    if (rc)
        return rc;
    if (wl_snap_try_dir(s, dir, names, n)) {
        free_names(names, n);
        return KZ_OK;
    }
    /* the built-in folder without a fresh snapshot: read the JSON and
     * leave a snapshot for the next start if the folder is writable
     * (quietly not otherwise: the JSON stays the source of truth) */
    char def[PATH_MAX], out[PATH_MAX];
    if (!s->no_snap && !wl_snap_disabled && !snap_env_off() && !s->n_lists && !s->n_snaps &&
        !s->compiled && !s->broken && kz_warninglist_default_dir(def, sizeof def) == KZ_OK &&
        strcmp(def, dir) == 0 && snap_path(dir, out, sizeof out) && access(dir, W_OK) == 0) {
        wl_snap_stamp *before = NULL;
        rc = load_recording(s, dir, names, n, &before, err);
        if (!rc)
            write_snapshot(s, dir, names, n, before, out, NULL);
        kz_free(before);
        free_names(names, n);
        return rc;
    }
    rc = load_names(s, dir, names, n, n_skipped, err);
    free_names(names, n);
    return rc;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static kz_err put_out(char *out, size_t cap, const char *p)
{
    size_t l = strlen(p);
    if (l >= cap)
        return KZ_ETOOBIG;
    memcpy(out, p, l + 1);
    return KZ_OK;
}

kz_err kz_warninglist_default_dir(char *out, size_t cap)
{
    if (!out || !cap)
        return KZ_EINVAL;
    const char *env = getenv("KZ_WARNINGLISTS");
    if (env && *env)
        return is_dir(env) ? put_out(out, cap, env) : KZ_ENOTFOUND;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        /* the build tree (build-x/kizuna next to data/) and an install
         * (bin/kizuna next to share/kizuna/) */
        static const char *const rel[] = {"/../data/warninglists",
                                          "/../share/kizuna/warninglists"};
        for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
            char cand[PATH_MAX];
            int l = snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
            if (l > 0 && (size_t)l < sizeof cand && is_dir(cand)) {
                char real[PATH_MAX];
                return put_out(out, cap, realpath(cand, real) ? real : cand);
            }
        }
    }
    if (is_dir(KZ_WL_INSTALL_DIR))
        return put_out(out, cap, KZ_WL_INSTALL_DIR);
    return KZ_ENOTFOUND;
}
