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

kz_err kz_warninglist_load_dir(kz_warninglist_set *s, const char *dir, size_t *n_skipped,
                               kz_warninglist_error *err)
{
    if (n_skipped)
        *n_skipped = 0;
    if (!s || !dir)
        return KZ_EINVAL;
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
            goto done;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **p = kz_realloc(names, nc * sizeof *p);
            if (!p) {
                rc = KZ_ENOMEM;
                goto done;
            }
            names = p;
            cap = nc;
        }
        names[n] = kz_strdup(e->d_name);
        if (!names[n]) {
            rc = KZ_ENOMEM;
            goto done;
        }
        n++;
    }
    /* name order: the same lists load in the same order on every machine */
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
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
done:
    for (size_t i = 0; i < n; i++)
        kz_free(names[i]);
    kz_free(names);
    closedir(d);
    if (rc == KZ_ENOMEM)
        file_err(err, dir, "out of memory");
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
