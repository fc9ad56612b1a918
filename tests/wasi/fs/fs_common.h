/*
 * fs_common.h — what the filesystem test programs share. They are built
 * for wasm32-wasi (and, by hand, natively, to compare); errno values go out
 * as names, which are the same under every libc, never as numbers or
 * strerror texts, which are not.
 */
#ifndef FS_COMMON_H
#define FS_COMMON_H

#include <errno.h>
#include <stdio.h>

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
        E(ENOTEMPTY)
        E(ELOOP)
        E(EROFS)
        E(ENOSYS)
        E(ENOTSUP)
        E(ENAMETOOLONG)
        E(ENOSPC)
#undef E
    default:
        return "E?";
    }
}

/* "ok" for rc >= 0, else the errno name. */
static inline const char *res(long rc)
{
    return rc >= 0 ? "ok" : errname(errno);
}

#endif
