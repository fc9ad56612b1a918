/*
 * errname.h — errno values as names, for the C programs of the WASI tests:
 * the differential programs here (common.h) and the filesystem programs of
 * ../fs (fs_common.h). Each is built for wasm32-wasi with wasi-libc and
 * natively with glibc, and what they print is compared between the two or
 * with stated lines; errno numbers differ between the two libcs and
 * strerror texts do too, so a program prints an errno only by its name.
 *
 * Header-only: every program is one translation unit.
 */
#ifndef WASI_TESTS_ERRNAME_H
#define WASI_TESTS_ERRNAME_H

#include <errno.h>

/* The name of an errno value, the same on both sides. A value outside this
 * list prints as "E?" so a mismatch is still visible without leaking the
 * libc-specific number. */
static inline const char *errname(int e)
{
    switch (e) {
    case 0:
        return "OK";
#define E(x)                                                                                       \
    case x:                                                                                        \
        return #x;
        E(EPERM)
        E(ENOENT)
        E(EIO)
        E(EBADF)
        E(EACCES)
        E(EEXIST)
        E(EXDEV)
        E(ENOTDIR)
        E(EISDIR)
        E(EINVAL)
        E(EMFILE)
        E(EFBIG)
        E(ENOSPC)
        E(ESPIPE)
        E(EROFS)
        E(EMLINK)
        E(ENAMETOOLONG)
        E(ENOTEMPTY)
        E(ELOOP)
        E(ENOSYS)
        E(ENOTSUP)
        E(ENOMEM)
        E(EAGAIN)
        E(ECONNREFUSED)
        E(EADDRNOTAVAIL)
        E(ENETUNREACH)
        E(ETIMEDOUT)
        E(EILSEQ)
#ifdef ENOTCAPABLE
        E(ENOTCAPABLE)
#endif
#undef E
    default:
        return "E?";
    }
}

/* "ok" when rc >= 0, otherwise the errno name. */
static inline const char *res(long rc)
{
    return rc >= 0 ? "ok" : errname(errno);
}

#endif
