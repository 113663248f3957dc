/* file.c - kz_file_read: a whole regular file of bounded size into memory. */
#include "kizuna/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kizuna/alloc.h"

static kz_err fail(kz_err rc, char *why, size_t why_len, const char *msg)
{
    if (why && why_len)
        snprintf(why, why_len, "%s", msg);
    return rc;
}

kz_err kz_file_read(const char *path, size_t max, char **out, size_t *len, char *why,
                    size_t why_len)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? fail(KZ_ENOTFOUND, why, why_len, "no such file")
                               : fail(KZ_EIO, why, why_len, strerror(errno));
    kz_err rc = KZ_OK;
    char *buf = NULL;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        rc = fail(KZ_EIO, why, why_len, "not a regular file");
        goto done;
    }
    if ((uint64_t)st.st_size > max) {
        char msg[64];
        snprintf(msg, sizeof msg, "larger than %zu bytes", max);
        rc = fail(KZ_ETOOBIG, why, why_len, msg);
        goto done;
    }
    size_t n = (size_t)st.st_size, got = 0;
    buf = kz_malloc(n + 1);
    if (!buf) {
        rc = fail(KZ_ENOMEM, why, why_len, "out of memory");
        goto done;
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = fail(KZ_EIO, why, why_len, r < 0 ? strerror(errno) : "file shrank while read");
            goto done;
        }
        got += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    buf = NULL;
done:
    kz_free(buf);
    close(fd);
    return rc;
}
