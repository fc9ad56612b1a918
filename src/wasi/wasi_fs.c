/*
 * wasi_fs.c — wasi:filesystem over host file descriptors: preopens, the
 * sandboxed path resolver and the descriptor operations.
 *
 * Invariant: no guest path is ever given to a host call that resolves more
 * than one component on its own, except openat2(2) with RESOLVE_BENEATH,
 * where the kernel holds the walk beneath the starting directory. Everything
 * else goes through resolve(): either openat2, or walk(), which opens one
 * component at a time with O_NOFOLLOW, keeps the chain of directories it
 * went through (so `..` pops and can never pop past the start), and expands
 * symlinks itself, refusing absolute targets, with a limit on expansions.
 * Operations on a last component (unlink, mkdir, rename ...) first resolve
 * the parent that way, then call the *at() function with a single name.
 *
 * An escape is reported inside this file as EXDEV (what openat2 returns for
 * it) and becomes not-permitted, as the WIT's path-resolution rules ask.
 */
#define _GNU_SOURCE
#include "wasi/wasi_host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HAVE_OPENAT2_H 1
#endif
#endif
#if defined(__linux__) && !defined(HAVE_OPENAT2_H)
/* Old headers: the ABI is fixed (linux/openat2.h, Linux 5.6). */
struct open_how {
    uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_BENEATH       0x08
#endif
#if defined(__linux__) && !defined(SYS_openat2)
#define SYS_openat2 437 /* the same number on every architecture */
#endif

/* Linux's own limit on symlink expansions in one lookup (MAXSYMLINKS). */
#define MAX_SYMLINKS 40

/* ---- Error codes ---- */

static const char *const error_names[] = {
#define WASI_FS_ERR_NAME(name, text) text,
    WASI_FS_ERROR_MAP(WASI_FS_ERR_NAME)
#undef WASI_FS_ERR_NAME
};

const char *wasi_fs_error_name(wasi_fs_error_t e)
{
    if ((unsigned)e >= WH_ARRAY_LEN(error_names))
        return "unknown error-code";
    return error_names[e];
}

wasi_fs_error_t wasi_fs_error_from_errno(int e)
{
    switch (e) {
    case EACCES:
        return WASI_FS_ERR_ACCESS;
    case EAGAIN:
        return WASI_FS_ERR_WOULD_BLOCK;
    case EALREADY:
        return WASI_FS_ERR_ALREADY;
    case EBADF:
        return WASI_FS_ERR_BAD_DESCRIPTOR;
    case EBUSY:
        return WASI_FS_ERR_BUSY;
    case EDEADLK:
        return WASI_FS_ERR_DEADLOCK;
    case EDQUOT:
        return WASI_FS_ERR_QUOTA;
    case EEXIST:
        return WASI_FS_ERR_EXIST;
    case EFBIG:
        return WASI_FS_ERR_FILE_TOO_LARGE;
    case EILSEQ:
        return WASI_FS_ERR_ILLEGAL_BYTE_SEQUENCE;
    case EINPROGRESS:
        return WASI_FS_ERR_IN_PROGRESS;
    case EINTR:
        return WASI_FS_ERR_INTERRUPTED;
    case EINVAL:
        return WASI_FS_ERR_INVALID;
    case EIO:
        return WASI_FS_ERR_IO;
    case EISDIR:
        return WASI_FS_ERR_IS_DIRECTORY;
    case ELOOP:
        return WASI_FS_ERR_LOOP;
    case EMLINK:
        return WASI_FS_ERR_TOO_MANY_LINKS;
    case EMSGSIZE:
        return WASI_FS_ERR_MESSAGE_SIZE;
    case ENAMETOOLONG:
        return WASI_FS_ERR_NAME_TOO_LONG;
    case ENODEV:
        return WASI_FS_ERR_NO_DEVICE;
    case ENOENT:
        return WASI_FS_ERR_NO_ENTRY;
    case ENOLCK:
        return WASI_FS_ERR_NO_LOCK;
    case ENOMEM:
        return WASI_FS_ERR_INSUFFICIENT_MEMORY;
    case ENOSPC:
        return WASI_FS_ERR_INSUFFICIENT_SPACE;
    case ENOTDIR:
        return WASI_FS_ERR_NOT_DIRECTORY;
    case ENOTEMPTY:
        return WASI_FS_ERR_NOT_EMPTY;
    case ENOTRECOVERABLE:
        return WASI_FS_ERR_NOT_RECOVERABLE;
    case ENOTSUP:
        return WASI_FS_ERR_UNSUPPORTED;
    case ENOTTY:
        return WASI_FS_ERR_NO_TTY;
    case ENXIO:
        return WASI_FS_ERR_NO_SUCH_DEVICE;
    case EOVERFLOW:
        return WASI_FS_ERR_OVERFLOW;
    case EPERM:
        return WASI_FS_ERR_NOT_PERMITTED;
    case EPIPE:
        return WASI_FS_ERR_PIPE;
    case EROFS:
        return WASI_FS_ERR_READ_ONLY;
    case ESPIPE:
        return WASI_FS_ERR_INVALID_SEEK;
    case ETXTBSY:
        return WASI_FS_ERR_TEXT_FILE_BUSY;
    case EXDEV:
        return WASI_FS_ERR_CROSS_DEVICE;
    default:
        return WASI_FS_ERR_IO;
    }
}

/* For errors of path resolution, where EXDEV means "would escape". */
static bool fail_path(int e, wasi_fs_error_t *out_err)
{
    *out_err = e == EXDEV ? WASI_FS_ERR_NOT_PERMITTED : wasi_fs_error_from_errno(e);
    return false;
}

static bool fail_errno(int e, wasi_fs_error_t *out_err)
{
    *out_err = wasi_fs_error_from_errno(e);
    return false;
}

static bool fail(wasi_fs_error_t code, wasi_fs_error_t *out_err)
{
    *out_err = code;
    return false;
}

/* ---- The resolver ---- */

/* 0: try openat2; 1: walk only (forced, or the kernel said ENOSYS). A
 * process-wide switch because it describes the kernel, not a guest. */
static atomic_int use_walk;

void wasi_fs_set_resolver(wasi_fs_resolver_t r)
{
    atomic_store(&use_walk, r == WASI_FS_RESOLVER_WALK);
}

static bool is_dot(const char *s, size_t n)
{
    return n == 1 && s[0] == '.';
}

static bool is_dotdot(const char *s, size_t n)
{
    return n == 2 && s[0] == '.' && s[1] == '.';
}

/* Replaces *rest (from *pos on) by target + the unread tail, as the kernel
 * does when it meets a symlink mid-walk. Returns 0 or an errno. */
static int splice_link(int linkfd, char **rest, size_t *pos, int *links)
{
    char target[PATH_MAX];
    if (++*links > MAX_SYMLINKS)
        return ELOOP;
    /* An empty name with an O_PATH fd of the link reads that link itself
     * (readlinkat(2), Linux 2.6.39), so nothing is looked up again. */
    ssize_t n = readlinkat(linkfd, "", target, sizeof target);
    if (n < 0)
        return errno;
    if ((size_t)n >= sizeof target)
        return ENAMETOOLONG;
    if (n == 0)
        return ENOENT;
    if (target[0] == '/')
        return EXDEV; /* an absolute target is never usable in the sandbox */
    size_t tail = strlen(*rest + *pos);
    char *next = wh_malloc((size_t)n + tail + 1);
    if (!next)
        return ENOMEM;
    memcpy(next, target, (size_t)n);
    memcpy(next + n, *rest + *pos, tail + 1);
    wh_free(*rest);
    *rest = next;
    *pos = 0;
    return 0;
}

/* The portable resolver: see the file comment. `oflags` are the final
 * open's flags (O_NOFOLLOW is added by the walk itself). */
static int walk(int dirfd, const char *path, int oflags, mode_t mode, bool follow_last, int *out_fd)
{
    WH_VEC(int) stack = {0}; /* directories entered, owned; empty = at dirfd */
    char *rest = wh_strdup(path);
    size_t pos = 0;
    int links = 0, rc = 0, fd = -1;
    char name[NAME_MAX + 1];
    if (!rest)
        return ENOMEM;
    for (;;) {
        int cur = stack.len ? stack.data[stack.len - 1] : dirfd;
        if (rest[pos] == '/') {
            /* Only a symlink target can start here with '/', and those are
             * refused in splice_link; the caller refuses absolute paths. */
            rc = EXDEV;
            break;
        }
        size_t start = pos;
        while (rest[pos] && rest[pos] != '/')
            pos++;
        size_t len = pos - start, q = pos;
        while (rest[q] == '/')
            q++;
        bool last = rest[q] == '\0';
        bool dir_wanted = q > pos; /* "name/": must be a directory */
        pos = q;
        if (len > NAME_MAX) {
            rc = ENAMETOOLONG;
            break;
        }
        memcpy(name, rest + start, len);
        name[len] = '\0';
        if (len == 0 || is_dot(name, len) || is_dotdot(name, len)) {
            if (is_dotdot(name, len)) {
                if (stack.len == 0) {
                    rc = EXDEV; /* `..` above the starting directory */
                    break;
                }
                close(stack.data[--stack.len]);
                cur = stack.len ? stack.data[stack.len - 1] : dirfd;
            }
            if (!last)
                continue;
            fd = openat(cur, ".", oflags | O_CLOEXEC, mode);
            rc = fd < 0 ? errno : 0;
            break;
        }
        if (!last || dir_wanted) {
            int nfd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            struct stat st;
            if (nfd < 0 || fstat(nfd, &st) != 0) {
                rc = errno;
                if (nfd >= 0)
                    close(nfd);
                break;
            }
            if (S_ISLNK(st.st_mode)) {
                /* Re-read from the link target with the '/' kept, so
                 * "link/" still demands a directory. */
                if (dir_wanted)
                    pos = start + len;
                rc = splice_link(nfd, &rest, &pos, &links);
                close(nfd);
                if (rc)
                    break;
                continue;
            }
            if (!S_ISDIR(st.st_mode)) {
                close(nfd);
                rc = ENOTDIR;
                break;
            }
            if (!wh_vec_push(&stack, nfd)) {
                close(nfd);
                rc = ENOMEM;
                break;
            }
            if (!last)
                continue;
            fd = openat(nfd, ".", oflags | O_CLOEXEC, mode);
            rc = fd < 0 ? errno : 0;
            break;
        }
        /* The last component: open it without following; if it is a
         * symlink and the caller follows, expand it and go on walking. */
        fd = openat(cur, name, oflags | O_NOFOLLOW | O_CLOEXEC, mode);
        int lfd = -1;
        if (fd >= 0) {
            struct stat st;
            if (!(oflags & O_PATH) || !follow_last)
                break;
            if (fstat(fd, &st) != 0) {
                rc = errno;
                break;
            }
            if (!S_ISLNK(st.st_mode))
                break;
            lfd = fd; /* O_PATH opened the link itself */
            fd = -1;
        } else {
            rc = errno;
            /* A symlink refused by O_NOFOLLOW shows as ELOOP, or ENOTDIR
             * with O_DIRECTORY; look at what is there to know which. */
            if (!follow_last || (rc != ELOOP && rc != ENOTDIR))
                break;
            lfd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            struct stat st;
            if (lfd < 0 || fstat(lfd, &st) != 0 || !S_ISLNK(st.st_mode)) {
                if (lfd >= 0)
                    close(lfd);
                break; /* rc stays the open's error */
            }
        }
        size_t end = strlen(rest);
        pos = end;
        rc = splice_link(lfd, &rest, &pos, &links);
        close(lfd);
        if (rc)
            break;
    }
    if (rc && fd >= 0) {
        close(fd);
        fd = -1;
    }
    for (uint32_t i = 0; i < stack.len; i++)
        close(stack.data[i]);
    wh_vec_free(&stack);
    wh_free(rest);
    *out_fd = fd;
    return rc;
}

/* Opens `path` beneath `dirfd` with `oflags`. Returns 0 and *out_fd, or an
 * errno where EXDEV means an escape was refused. */
static int resolve(int dirfd, const char *path, int oflags, mode_t mode, bool follow_last,
                   int *out_fd)
{
    *out_fd = -1;
    if (path[0] == '\0')
        return ENOENT;
    if (path[0] == '/')
        return EXDEV;
#if defined(__linux__) && !defined(WH_WASI_NO_OPENAT2)
    if (!atomic_load(&use_walk)) {
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = (uint64_t)(oflags | O_CLOEXEC | (follow_last ? 0 : O_NOFOLLOW));
        how.mode = (oflags & O_CREAT) ? mode : 0;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        /* EAGAIN: a concurrent rename made the kernel unsure a `..` stayed
         * beneath; it asks to retry. After a few tries the walk decides. */
        for (int tries = 0; tries < 8; tries++) {
            long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
            if (fd >= 0) {
                *out_fd = (int)fd;
                return 0;
            }
            if (errno == ENOSYS || errno == EPERM) {
                /* EPERM: a seccomp filter that does not know openat2. */
                if (errno == ENOSYS)
                    atomic_store(&use_walk, 1);
                break;
            }
            if (errno != EAGAIN)
                return errno;
        }
    }
#endif
    return walk(dirfd, path, oflags, mode, follow_last, out_fd);
}

/* Splits path into a parent directory, opened beneath dirfd (O_PATH), and
 * a last name. A last name of "." or ".." (or none: "a/") makes the whole
 * path the parent and the name ".", so the *at() calls only ever see one
 * plain component or "." and `..` is still checked by the resolver. */
static int resolve_parent(int dirfd, const char *path, int *out_parent, char *out_name,
                          bool *out_trailing_slash)
{
    *out_parent = -1;
    *out_trailing_slash = false;
    if (path[0] == '\0')
        return ENOENT;
    if (path[0] == '/')
        return EXDEV;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') {
        n--;
        *out_trailing_slash = true;
    }
    size_t slash = n;
    while (slash > 0 && path[slash - 1] != '/')
        slash--;
    const char *leaf = path + slash;
    size_t leaf_len = n - slash;
    char *parent;
    if (is_dot(leaf, leaf_len) || is_dotdot(leaf, leaf_len)) {
        parent = wh_strndup(path, n);
        leaf = ".";
        leaf_len = 1;
    } else {
        parent = slash ? wh_strndup(path, slash) : wh_strdup(".");
    }
    if (!parent)
        return ENOMEM;
    if (leaf_len > NAME_MAX) {
        wh_free(parent);
        return ENAMETOOLONG;
    }
    memcpy(out_name, leaf, leaf_len);
    out_name[leaf_len] = '\0';
    int rc = resolve(dirfd, parent, O_PATH | O_DIRECTORY, 0, true, out_parent);
    wh_free(parent);
    return rc;
}

/* resolve_parent, and then, when follow is set (or the path ends in '/',
 * which makes the kernel follow too), as long as the last name is a
 * symlink: its target replaces the last component of the path, and the
 * new path is resolved again from dirfd. That is what the kernel does with
 * a trailing link, done as strings so that every `..` of a target is still
 * checked against dirfd, never only against the link's directory. At most
 * MAX_SYMLINKS expansions. On success *out_name is never a symlink when
 * following, and the *at() call can be told not to follow. */
static int resolve_leaf(int dirfd, const char *path, bool follow, int *out_parent, char *out_name)
{
    char *cur = wh_strdup(path);
    int rc = 0, links = 0;
    *out_parent = -1;
    if (!cur)
        return ENOMEM;
    for (;;) {
        int parent;
        bool trailing;
        rc = resolve_parent(dirfd, cur, &parent, out_name, &trailing);
        if (rc)
            break;
        struct stat st;
        bool seen =
            (follow || trailing) && fstatat(parent, out_name, &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (!seen || !S_ISLNK(st.st_mode)) {
            if (seen && trailing && !S_ISDIR(st.st_mode)) {
                close(parent); /* "file/" */
                rc = ENOTDIR;
                break;
            }
            *out_parent = parent; /* a missing name is for the caller's call to report */
            break;
        }
        char target[PATH_MAX];
        ssize_t n = ++links > MAX_SYMLINKS ? (errno = ELOOP, -1)
                                           : readlinkat(parent, out_name, target, sizeof target);
        rc = n < 0 ? errno : (size_t)n >= sizeof target ? ENAMETOOLONG : n == 0 ? ENOENT : 0;
        close(parent);
        if (rc)
            break;
        if (target[0] == '/') {
            rc = EXDEV;
            break;
        }
        /* The link's directory as the path named it: everything up to the
         * last '/' before the (slash-stripped) last component. */
        size_t end = strlen(cur);
        while (end > 1 && cur[end - 1] == '/')
            end--;
        size_t dir = end;
        while (dir > 0 && cur[dir - 1] != '/')
            dir--;
        char *next = wh_malloc(dir + (size_t)n + 2);
        if (!next) {
            rc = ENOMEM;
            break;
        }
        memcpy(next, cur, dir);
        memcpy(next + dir, target, (size_t)n);
        strcpy(next + dir + n, trailing ? "/" : "");
        wh_free(cur);
        cur = next;
    }
    wh_free(cur);
    return rc;
}

/* ---- Preopens ---- */

wh_rc wasi_preopens_add(wasi_preopens_t *t, const char *host_dir, const char *guest_name,
                        bool read_only, wh_err_t *err)
{
    int fd = open(host_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wh_err(err, WH_IO, -1, "--dir %s: cannot open directory: %s", host_dir,
                      strerror(errno));
    wasi_preopen_t p = {fd, wh_strdup(guest_name ? guest_name : host_dir), read_only};
    if (!p.guest || !wh_vec_push(&t->dirs, p)) {
        wh_free(p.guest);
        close(fd);
        return wh_err(err, WH_NOMEM, -1, "--dir %s: out of memory", host_dir);
    }
    return WH_OK;
}

wh_rc wasi_preopens_add_spec(wasi_preopens_t *t, const char *spec, bool read_only, wh_err_t *err)
{
    const char *sep = strstr(spec, "::");
    if (!sep)
        return wasi_preopens_add(t, spec, NULL, read_only, err);
    if (sep == spec || sep[2] == '\0')
        return wh_err(err, WH_ARG, -1, "--dir %s: expected HOST or HOST::GUEST", spec);
    char *host = wh_strndup(spec, (size_t)(sep - spec));
    if (!host)
        return wh_err(err, WH_NOMEM, -1, "--dir %s: out of memory", spec);
    wh_rc rc = wasi_preopens_add(t, host, sep + 2, read_only, err);
    wh_free(host);
    return rc;
}

void wasi_preopens_free(wasi_preopens_t *t)
{
    for (uint32_t i = 0; i < t->dirs.len; i++) {
        close(t->dirs.data[i].fd);
        wh_free(t->dirs.data[i].guest);
    }
    wh_vec_free(&t->dirs);
}

bool wasi_fs_preopen_fd(const wasi_preopen_t *p, int *out_fd, wasi_fs_error_t *out_err)
{
    /* "." is one component beneath the preopen itself: nothing to resolve. */
    int fd = openat(p->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 0); /* no read permission: O_PATH still works */
    *out_fd = fd;
    if (fd < 0)
        return fail_errno(errno, out_err);
    return true;
}

/* ---- open-at ---- */

bool wasi_fs_open_at(int dirfd, const char *path, uint32_t path_flags, uint32_t open_flags,
                     uint32_t desc_flags, bool read_only, int *out_fd, wasi_fs_error_t *out_err)
{
    *out_fd = -1;
    /* WIT open-at: write, mutate-directory, create or truncate through a
     * descriptor without mutate-directory is read-only, checked here and not
     * left to host permissions, which may well allow it. */
    if (read_only && ((desc_flags & (WASI_FS_DESC_WRITE | WASI_FS_DESC_MUTATE_DIRECTORY)) ||
                      (open_flags & (WASI_FS_OPEN_CREATE | WASI_FS_OPEN_TRUNCATE))))
        return fail(WASI_FS_ERR_READ_ONLY, out_err);
    int oflags;
    bool want_dir = open_flags & WASI_FS_OPEN_DIRECTORY;
    if (want_dir) {
        if (open_flags & (WASI_FS_OPEN_CREATE | WASI_FS_OPEN_TRUNCATE) ||
            (desc_flags & WASI_FS_DESC_WRITE))
            return fail(WASI_FS_ERR_INVALID, out_err);
        oflags = O_RDONLY | O_DIRECTORY;
    } else if (desc_flags & WASI_FS_DESC_WRITE) {
        oflags = (desc_flags & WASI_FS_DESC_READ) ? O_RDWR : O_WRONLY;
    } else {
        /* read, or no access at all (stat only): O_RDONLY serves both and
         * also opens directories. */
        oflags = O_RDONLY;
    }
    if (open_flags & WASI_FS_OPEN_CREATE)
        oflags |= O_CREAT;
    if (open_flags & WASI_FS_OPEN_EXCLUSIVE)
        oflags |= O_EXCL;
    if (open_flags & WASI_FS_OPEN_TRUNCATE)
        oflags |= O_TRUNC;
    if (desc_flags & WASI_FS_DESC_FILE_INTEGRITY_SYNC)
        oflags |= O_SYNC;
    if (desc_flags & WASI_FS_DESC_DATA_INTEGRITY_SYNC)
        oflags |= O_DSYNC;
    oflags |= O_NOCTTY;
    int rc = resolve(dirfd, path, oflags, 0666, path_flags & WASI_FS_PATH_SYMLINK_FOLLOW, out_fd);
    if (rc)
        return fail_path(rc, out_err);
    return true;
}

/* ---- stat ---- */

static wasi_fs_type_t type_of_mode(mode_t m)
{
    if (S_ISREG(m))
        return WASI_FS_TYPE_REGULAR_FILE;
    if (S_ISDIR(m))
        return WASI_FS_TYPE_DIRECTORY;
    if (S_ISLNK(m))
        return WASI_FS_TYPE_SYMBOLIC_LINK;
    if (S_ISCHR(m))
        return WASI_FS_TYPE_CHARACTER_DEVICE;
    if (S_ISBLK(m))
        return WASI_FS_TYPE_BLOCK_DEVICE;
    if (S_ISFIFO(m))
        return WASI_FS_TYPE_FIFO;
    if (S_ISSOCK(m))
        return WASI_FS_TYPE_SOCKET;
    return WASI_FS_TYPE_UNKNOWN;
}

/* datetime is unsigned; a time before 1970 is reported as unknown (none)
 * rather than wrapped into the far future. */
static wasi_fs_time_t time_of(struct timespec ts)
{
    wasi_fs_time_t t = {false, 0, 0};
    if (ts.tv_sec >= 0) {
        t.present = true;
        t.seconds = (uint64_t)ts.tv_sec;
        t.nanoseconds = (uint32_t)ts.tv_nsec;
    }
    return t;
}

static void stat_of(const struct stat *st, wasi_fs_stat_t *out)
{
    out->type = type_of_mode(st->st_mode);
    out->link_count = (uint64_t)st->st_nlink;
    out->size = (uint64_t)st->st_size;
    out->atime = time_of(st->st_atim);
    out->mtime = time_of(st->st_mtim);
    out->ctime = time_of(st->st_ctim);
}

bool wasi_fs_stat(int fd, wasi_fs_stat_t *out, wasi_fs_error_t *out_err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail_errno(errno, out_err);
    stat_of(&st, out);
    return true;
}

bool wasi_fs_stat_at(int dirfd, const char *path, uint32_t path_flags, wasi_fs_stat_t *out,
                     wasi_fs_error_t *out_err)
{
    /* An O_PATH fd of the object itself (of the link when not following):
     * fstat on it is lstat or stat as asked, with nothing resolved twice. */
    int fd;
    int rc = resolve(dirfd, path, O_PATH, 0, path_flags & WASI_FS_PATH_SYMLINK_FOLLOW, &fd);
    if (rc)
        return fail_path(rc, out_err);
    bool ok = wasi_fs_stat(fd, out, out_err);
    close(fd);
    return ok;
}

/* ---- Operations on a last component ---- */

typedef enum { OP_MKDIR, OP_RMDIR, OP_UNLINK, OP_SYMLINK } leaf_op;

static bool at_leaf(int dirfd, const char *path, bool read_only, leaf_op op, const char *target,
                    wasi_fs_error_t *out_err)
{
    if (read_only)
        return fail(WASI_FS_ERR_READ_ONLY, out_err);
    int parent;
    char name[NAME_MAX + 1];
    bool trailing;
    int rc = resolve_parent(dirfd, path, &parent, name, &trailing);
    if (rc)
        return fail_path(rc, out_err);
    int r;
    switch (op) {
    case OP_MKDIR:
        r = mkdirat(parent, name, 0777);
        break;
    case OP_RMDIR:
        r = unlinkat(parent, name, AT_REMOVEDIR);
        break;
    case OP_UNLINK:
        if (trailing) {
            /* "x/" names a directory: unlink(2) says ENOTDIR or EISDIR. */
            struct stat st;
            r = fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW);
            if (r == 0) {
                errno = S_ISDIR(st.st_mode) ? EISDIR : ENOTDIR;
                r = -1;
            }
            break;
        }
        r = unlinkat(parent, name, 0);
        break;
    case OP_SYMLINK:
        r = symlinkat(target, parent, name);
        break;
    default:
        r = -1;
        errno = EINVAL;
        break;
    }
    int e = errno;
    close(parent);
    if (r != 0)
        return fail_errno(e, out_err);
    return true;
}

bool wasi_fs_create_directory_at(int dirfd, const char *path, bool read_only,
                                 wasi_fs_error_t *out_err)
{
    return at_leaf(dirfd, path, read_only, OP_MKDIR, NULL, out_err);
}

bool wasi_fs_remove_directory_at(int dirfd, const char *path, bool read_only,
                                 wasi_fs_error_t *out_err)
{
    return at_leaf(dirfd, path, read_only, OP_RMDIR, NULL, out_err);
}

bool wasi_fs_unlink_file_at(int dirfd, const char *path, bool read_only, wasi_fs_error_t *out_err)
{
    return at_leaf(dirfd, path, read_only, OP_UNLINK, NULL, out_err);
}

bool wasi_fs_symlink_at(int dirfd, const char *target, const char *path, bool read_only,
                        wasi_fs_error_t *out_err)
{
    /* WIT symlink-at: an old-path starting with '/' is not-permitted. A
     * relative target is stored as given; it is only text until a lookup,
     * and every lookup through it goes by resolve(). */
    if (target[0] == '/')
        return fail(WASI_FS_ERR_NOT_PERMITTED, out_err);
    return at_leaf(dirfd, path, read_only, OP_SYMLINK, target, out_err);
}

bool wasi_fs_rename_at(int old_dirfd, const char *old_path, bool old_read_only, int new_dirfd,
                       const char *new_path, bool new_read_only, wasi_fs_error_t *out_err)
{
    if (old_read_only || new_read_only)
        return fail(WASI_FS_ERR_READ_ONLY, out_err);
    int op, np;
    char on[NAME_MAX + 1], nn[NAME_MAX + 1];
    bool ot, nt;
    int rc = resolve_parent(old_dirfd, old_path, &op, on, &ot);
    if (rc)
        return fail_path(rc, out_err);
    rc = resolve_parent(new_dirfd, new_path, &np, nn, &nt);
    if (rc) {
        close(op);
        return fail_path(rc, out_err);
    }
    /* Both parents are already beneath their bases, so an EXDEV from here on
     * is a real cross-device rename. */
    int r = renameat(op, on, np, nn);
    int e = errno;
    close(op);
    close(np);
    if (r != 0)
        return fail_errno(e, out_err);
    return true;
}

bool wasi_fs_link_at(int old_dirfd, uint32_t old_path_flags, const char *old_path,
                     bool old_read_only, int new_dirfd, const char *new_path, bool new_read_only,
                     wasi_fs_error_t *out_err)
{
    if (old_read_only || new_read_only)
        return fail(WASI_FS_ERR_READ_ONLY, out_err);
    int op, np;
    char on[NAME_MAX + 1], nn[NAME_MAX + 1];
    bool nt;
    /* linkat's AT_SYMLINK_FOLLOW would let the kernel follow the link with
     * no beneath rule; resolve_leaf expands it beneath old_dirfd instead,
     * and linkat is told not to follow. */
    int rc =
        resolve_leaf(old_dirfd, old_path, old_path_flags & WASI_FS_PATH_SYMLINK_FOLLOW, &op, on);
    if (rc)
        return fail_path(rc, out_err);
    rc = resolve_parent(new_dirfd, new_path, &np, nn, &nt);
    if (rc) {
        close(op);
        return fail_path(rc, out_err);
    }
    int r = linkat(op, on, np, nn, 0);
    int e = errno;
    close(op);
    close(np);
    if (r != 0)
        return fail_errno(e, out_err);
    return true;
}

bool wasi_fs_readlink_at(int dirfd, const char *path, char **out_target, wasi_fs_error_t *out_err)
{
    *out_target = NULL;
    int fd;
    int rc = resolve(dirfd, path, O_PATH, 0, false, &fd);
    if (rc)
        return fail_path(rc, out_err);
    char buf[PATH_MAX];
    ssize_t n = readlinkat(fd, "", buf, sizeof buf);
    int e = errno;
    close(fd);
    if (n < 0)
        return fail_errno(e == ENOENT ? EINVAL : e, out_err); /* not a link */
    if ((size_t)n >= sizeof buf)
        return fail(WASI_FS_ERR_NAME_TOO_LONG, out_err);
    if (n > 0 && buf[0] == '/')
        return fail(WASI_FS_ERR_NOT_PERMITTED, out_err); /* WIT readlink-at */
    *out_target = wh_strndup(buf, (size_t)n);
    if (!*out_target)
        return fail(WASI_FS_ERR_INSUFFICIENT_MEMORY, out_err);
    return true;
}

/* ---- Operations on an open descriptor ---- */

bool wasi_fs_set_size(int fd, uint32_t desc_flags, uint64_t size, wasi_fs_error_t *out_err)
{
    if (!(desc_flags & WASI_FS_DESC_WRITE))
        return fail(WASI_FS_ERR_BAD_DESCRIPTOR, out_err);
    if (size > (uint64_t)INT64_MAX)
        return fail(WASI_FS_ERR_FILE_TOO_LARGE, out_err);
    if (ftruncate(fd, (off_t)size) != 0)
        return fail_errno(errno, out_err);
    return true;
}

bool wasi_fs_sync(int fd, wasi_fs_error_t *out_err)
{
    if (fsync(fd) != 0)
        return fail_errno(errno, out_err);
    return true;
}

bool wasi_fs_sync_data(int fd, wasi_fs_error_t *out_err)
{
    if (fdatasync(fd) != 0)
        return fail_errno(errno, out_err);
    return true;
}

bool wasi_fs_read(int fd, uint32_t desc_flags, uint64_t offset, void *buf, size_t len,
                  size_t *out_n, bool *out_eof, wasi_fs_error_t *out_err)
{
    *out_n = 0;
    *out_eof = false;
    if (!(desc_flags & WASI_FS_DESC_READ))
        return fail(WASI_FS_ERR_BAD_DESCRIPTOR, out_err);
    if (offset > (uint64_t)INT64_MAX)
        return fail(WASI_FS_ERR_INVALID, out_err);
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(offset + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            if (got)
                break; /* what was read is the answer; the error comes again next time */
            return fail_errno(errno, out_err);
        }
        if (r == 0) {
            *out_eof = true;
            break;
        }
        got += (size_t)r;
    }
    *out_n = got;
    return true;
}

bool wasi_fs_write(int fd, uint32_t desc_flags, uint64_t offset, const void *buf, size_t len,
                   size_t *out_n, wasi_fs_error_t *out_err)
{
    *out_n = 0;
    if (!(desc_flags & WASI_FS_DESC_WRITE))
        return fail(WASI_FS_ERR_BAD_DESCRIPTOR, out_err);
    if (offset > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - offset)
        return fail(WASI_FS_ERR_FILE_TOO_LARGE, out_err);
    size_t put = 0;
    while (put < len) {
        ssize_t r = pwrite(fd, (const char *)buf + put, len - put, (off_t)(offset + put));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            if (put)
                break;
            return fail_errno(errno, out_err);
        }
        put += (size_t)r;
    }
    *out_n = put;
    return true;
}

bool wasi_fs_open_append(int fd, uint32_t desc_flags, int *out_fd, wasi_fs_error_t *out_err)
{
    *out_fd = -1;
    if (!(desc_flags & WASI_FS_DESC_WRITE))
        return fail(WASI_FS_ERR_BAD_DESCRIPTOR, out_err);
    /* O_APPEND belongs to the open file description, which fd shares with
     * every stream and read/write call on the descriptor, and Linux makes
     * even pwrite append on an O_APPEND description: so a new description
     * of the same file, reached through the process's own fd table. This is
     * no guest path; the magic link names the very file fd is open on. */
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    struct stat a, b;
    int afd = open(proc, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
    if (afd >= 0 && (fstat(afd, &a) != 0 || fstat(fd, &b) != 0 || a.st_dev != b.st_dev ||
                     a.st_ino != b.st_ino)) {
        close(afd); /* not the same file after all (no real /proc): do without */
        afd = -1;
    }
    *out_fd = afd;
    return true;
}

/* new-timestamp to utimensat's timespec. */
static bool timespec_of(const wasi_fs_newtime_t *t, struct timespec *ts, wasi_fs_error_t *out_err)
{
    ts->tv_sec = 0;
    switch (t->kind) {
    case WASI_FS_TIME_NO_CHANGE:
        ts->tv_nsec = UTIME_OMIT;
        return true;
    case WASI_FS_TIME_NOW:
        ts->tv_nsec = UTIME_NOW;
        return true;
    case WASI_FS_TIME_SET:
        if (t->nanoseconds >= 1000000000u)
            return fail(WASI_FS_ERR_INVALID, out_err);
        if (t->seconds > (uint64_t)INT64_MAX || (time_t)t->seconds != (int64_t)t->seconds)
            return fail(WASI_FS_ERR_OVERFLOW, out_err);
        ts->tv_sec = (time_t)t->seconds;
        ts->tv_nsec = (long)t->nanoseconds;
        return true;
    }
    return fail(WASI_FS_ERR_INVALID, out_err);
}

bool wasi_fs_set_times(int fd, bool read_only, const wasi_fs_newtime_t *atime,
                       const wasi_fs_newtime_t *mtime, wasi_fs_error_t *out_err)
{
    if (read_only)
        return fail(WASI_FS_ERR_READ_ONLY, out_err);
    struct timespec ts[2];
    if (!timespec_of(atime, &ts[0], out_err) || !timespec_of(mtime, &ts[1], out_err))
        return false;
    if (futimens(fd, ts) == 0)
        return true;
    int e = errno;
    if (e == EBADF) {
        /* An O_PATH directory (a preopen without read permission): its "."
         * opened for reading is the same directory. */
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            int r = futimens(dfd, ts);
            e = errno;
            close(dfd);
            if (r == 0)
                return true;
        }
    }
    return fail_errno(e, out_err);
}

bool wasi_fs_set_times_at(int dirfd, uint32_t path_flags, const char *path, bool read_only,
                          const wasi_fs_newtime_t *atime, const wasi_fs_newtime_t *mtime,
                          wasi_fs_error_t *out_err)
{
    if (read_only)
        return fail(WASI_FS_ERR_READ_ONLY, out_err);
    struct timespec ts[2];
    if (!timespec_of(atime, &ts[0], out_err) || !timespec_of(mtime, &ts[1], out_err))
        return false;
    int parent;
    char name[NAME_MAX + 1];
    int rc = resolve_leaf(dirfd, path, path_flags & WASI_FS_PATH_SYMLINK_FOLLOW, &parent, name);
    if (rc)
        return fail_path(rc, out_err);
    /* name is one component, and not a link to follow (resolve_leaf). */
    int r = utimensat(parent, name, ts, AT_SYMLINK_NOFOLLOW);
    int e = errno;
    close(parent);
    if (r != 0)
        return fail_errno(e, out_err);
    return true;
}

bool wasi_fs_advise(int fd, uint64_t offset, uint64_t len, wasi_fs_advice_t advice,
                    wasi_fs_error_t *out_err)
{
    static const int host[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
    if ((unsigned)advice >= WH_ARRAY_LEN(host) || offset > (uint64_t)INT64_MAX ||
        len > (uint64_t)INT64_MAX)
        return fail(WASI_FS_ERR_INVALID, out_err);
    int r = posix_fadvise(fd, (off_t)offset, (off_t)len, host[advice]);
    if (r != 0)
        return fail_errno(r, out_err); /* posix_fadvise returns the error */
    return true;
}

bool wasi_fs_get_flags(int fd, uint32_t desc_flags, bool read_only, uint32_t *out_flags,
                       wasi_fs_error_t *out_err)
{
    struct stat st;
    *out_flags = 0;
    if (fstat(fd, &st) != 0)
        return fail_errno(errno, out_err);
    uint32_t f = desc_flags & ~(uint32_t)WASI_FS_DESC_MUTATE_DIRECTORY;
    if (S_ISDIR(st.st_mode) && !read_only)
        f |= WASI_FS_DESC_MUTATE_DIRECTORY;
    *out_flags = f;
    return true;
}

bool wasi_fs_is_same_object(int fd1, int fd2)
{
    struct stat a, b;
    return fstat(fd1, &a) == 0 && fstat(fd2, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* splitmix64's finaliser: a bijection on 64 bits that spreads every input
 * bit over the output. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void hash_of(const struct stat *st, wasi_fs_hash_t *out)
{
    uint64_t dev = (uint64_t)st->st_dev, ino = (uint64_t)st->st_ino;
    /* For one device, lower is a bijection of the inode: no two files of a
     * file system share it. upper mixes the other way round. */
    out->lower = mix64(ino ^ mix64(dev ^ 0x9e3779b97f4a7c15u));
    out->upper = mix64(dev ^ mix64(ino + 0x6a09e667f3bcc909u));
}

bool wasi_fs_metadata_hash(int fd, wasi_fs_hash_t *out, wasi_fs_error_t *out_err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail_errno(errno, out_err);
    hash_of(&st, out);
    return true;
}

bool wasi_fs_metadata_hash_at(int dirfd, uint32_t path_flags, const char *path, wasi_fs_hash_t *out,
                              wasi_fs_error_t *out_err)
{
    int fd;
    int rc = resolve(dirfd, path, O_PATH, 0, path_flags & WASI_FS_PATH_SYMLINK_FOLLOW, &fd);
    if (rc)
        return fail_path(rc, out_err);
    bool ok = wasi_fs_metadata_hash(fd, out, out_err);
    close(fd);
    return ok;
}

/* ---- read-directory ---- */

bool wasi_fs_read_directory(int fd, wasi_fs_dir_iter_t *out_iter, wasi_fs_error_t *out_err)
{
    out_iter->dir = NULL;
    /* A fresh fd: the descriptor may be O_PATH (a preopen), and the
     * iterator's position must not be shared with other readers. */
    int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return fail_errno(errno, out_err);
    DIR *d = fdopendir(dfd);
    if (!d) {
        int e = errno;
        close(dfd);
        return fail_errno(e, out_err);
    }
    out_iter->dir = d;
    return true;
}

bool wasi_fs_dir_next(wasi_fs_dir_iter_t *it, wasi_fs_dirent_t *out_entry, bool *out_done,
                      wasi_fs_error_t *out_err)
{
    *out_done = false;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(it->dir);
        if (!de) {
            if (errno)
                return fail_errno(errno, out_err);
            *out_done = true;
            return true;
        }
        size_t n = strlen(de->d_name);
        if (is_dot(de->d_name, n) || is_dotdot(de->d_name, n))
            continue;
        out_entry->name = de->d_name;
        if (de->d_type != DT_UNKNOWN) {
            out_entry->type = type_of_mode(DTTOIF(de->d_type));
        } else {
            /* Some filesystems leave d_type unknown; ask, without following. */
            struct stat st;
            out_entry->type = fstatat(dirfd(it->dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                                  ? type_of_mode(st.st_mode)
                                  : WASI_FS_TYPE_UNKNOWN;
        }
        return true;
    }
}

void wasi_fs_dir_close(wasi_fs_dir_iter_t *it)
{
    if (it->dir)
        closedir(it->dir);
    it->dir = NULL;
}
