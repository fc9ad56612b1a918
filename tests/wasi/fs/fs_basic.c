/*
 * fs_basic — ordinary file work in the writable directory argv[1], the way
 * a C program does it: stdio, POSIX calls, directories, links, times. Each
 * step prints one line; fs_component_test.sh states the expected lines
 * (what any POSIX system prints for this program) and checks the host tree
 * afterwards. Exit status: 0, or 3 when a step could not even start.
 */
#include "fs_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *base;
static char pbuf[4][512];

/* base/rel in one of four buffers, so a call can take two paths. */
static const char *P(int i, const char *rel)
{
    snprintf(pbuf[i], sizeof pbuf[i], "%s/%s", base, rel);
    return pbuf[i];
}

static void step(const char *what, long rc)
{
    printf("%s: %s\n", what, res(rc));
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a directory, sorted, "." and ".." left out. */
static void list(const char *rel)
{
    DIR *d = opendir(P(0, rel));
    if (!d) {
        printf("list %s: %s\n", rel, errname(errno));
        return;
    }
    char *names[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("list %s:", rel);
    for (size_t i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void cat(const char *rel)
{
    char buf[256];
    FILE *f = fopen(P(0, rel), "r");
    if (!f) {
        printf("cat %s: %s\n", rel, errname(errno));
        return;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    for (char *c = buf; *c; c++)
        if (*c == '\n')
            *c = '|';
    printf("cat %s: [%s]\n", rel, buf);
}

/* UTIME_OMIT, UTIME_NOW and a NULL times[] do not reach the host through
 * Debian 12's wasi-libc (git 2022-05-10): its futimens and utimensat read
 * times[1] as a plain timestamp whatever its tv_nsec says, and read
 * times[] even when it is NULL. So the component calls the WASI functions
 * under them; a native build uses the POSIX calls. */
#ifdef __wasi__
#include <wasi/api.h>

static int wasi_result(__wasi_errno_t e)
{
    errno = e;
    return e ? -1 : 0;
}
#endif

/* futimens(fd, {UTIME_OMIT, UTIME_NOW}) */
static int mtime_now(int fd)
{
#ifdef __wasi__
    return wasi_result(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
#else
    struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    return futimens(fd, ts);
#endif
}

/* utimensat(AT_FDCWD, base/rel, NULL, 0) */
static int both_now(const char *rel)
{
#ifdef __wasi__
    int dfd = open(base, O_RDONLY | O_DIRECTORY);
    int rc = wasi_result(
        __wasi_path_filestat_set_times(dfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, rel, 0, 0,
                                       __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
    close(dfd);
    return rc;
#else
    return utimensat(AT_FDCWD, P(3, rel), NULL, 0);
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 3;
    base = argv[1];
    struct stat st, st2;

    printf("hello from %s\n", base);

    /* stdio: write, append, read back, seek */
    FILE *f = fopen(P(0, "notes.txt"), "w");
    if (!f)
        return 3;
    fprintf(f, "line one\nline two\n");
    fclose(f);
    f = fopen(P(0, "notes.txt"), "a");
    fputs("line three\n", f);
    fclose(f);
    cat("notes.txt");
    f = fopen(P(0, "notes.txt"), "r+");
    fseek(f, 5, SEEK_SET);
    fputs("ONE", f);
    fseek(f, 0, SEEK_END);
    printf("ftell at end: %ld\n", ftell(f));
    fclose(f);
    cat("notes.txt");

    /* POSIX I/O: positional reads and writes, truncate */
    int fd = open(P(0, "data.bin"), O_CREAT | O_EXCL | O_RDWR, 0644);
    step("open O_CREAT|O_EXCL", fd);
    step("open O_CREAT|O_EXCL again", open(P(0, "data.bin"), O_CREAT | O_EXCL | O_RDWR, 0644));
    printf("write: %zd\n", write(fd, "abcdefghij", 10));
    printf("pwrite: %zd\n", pwrite(fd, "XY", 2, 3));
    char b[16] = {0};
    printf("pread: %zd [%s]\n", pread(fd, b, 6, 2), b);
    printf("lseek cur: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    step("ftruncate 4", ftruncate(fd, 4));
    step("fstat", fstat(fd, &st));
    printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    step("fsync", fsync(fd));
    step("fdatasync", fdatasync(fd));
    printf("posix_fadvise SEQUENTIAL: %s\n",
           errname(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)));
    printf("posix_fadvise DONTNEED: %s\n", errname(posix_fadvise(fd, 0, 4, POSIX_FADV_DONTNEED)));
    close(fd);
    step("truncate 2", truncate(P(0, "data.bin"), 2));
    cat("data.bin");

    /* directories */
    step("mkdir sub", mkdir(P(0, "sub"), 0755));
    step("mkdir sub again", mkdir(P(0, "sub"), 0755));
    step("mkdir sub/inner", mkdir(P(0, "sub/inner"), 0755));
    step("stat sub", stat(P(0, "sub"), &st));
    printf("sub is a directory: %d\n", S_ISDIR(st.st_mode));
    step("rmdir sub (not empty)", rmdir(P(0, "sub")));
    step("rename notes.txt -> sub/notes.txt", rename(P(0, "notes.txt"), P(1, "sub/notes.txt")));
    step("stat notes.txt", stat(P(0, "notes.txt"), &st));
    step("unlink sub/inner (a directory)", unlink(P(0, "sub/inner")));
    step("rmdir sub/inner", rmdir(P(0, "sub/inner")));
    list(".");
    list("sub");

    /* a directory fd as a base, opened beneath the preopen: still writable */
    DIR *d = opendir(P(0, "sub"));
    fd = d ? openat(dirfd(d), "at.txt", O_CREAT | O_WRONLY, 0644) : -1;
    step("openat(sub, at.txt, O_CREAT)", fd);
    if (fd >= 0) {
        printf("write: %zd\n", write(fd, "at\n", 3));
        close(fd);
    }
    step("mkdirat(sub, made)", d ? mkdirat(dirfd(d), "made", 0755) : -1);
    step("fstatat(sub, at.txt)", d ? fstatat(dirfd(d), "at.txt", &st, 0) : -1);
    printf("size %lld\n", (long long)st.st_size);
    if (d)
        closedir(d);

    /* links */
    step("symlink notes.txt <- sub/ln", symlink("notes.txt", P(0, "sub/ln")));
    char t[64] = {0};
    printf("readlink: %zd [%s]\n", readlink(P(0, "sub/ln"), t, sizeof t - 1), t);
    cat("sub/ln");
    step("lstat sub/ln", lstat(P(0, "sub/ln"), &st));
    printf("lstat says link: %d\n", S_ISLNK(st.st_mode));
    step("link sub/notes.txt <- hard.txt", link(P(0, "sub/notes.txt"), P(1, "hard.txt")));
    step("stat hard.txt", stat(P(0, "hard.txt"), &st));
    step("stat sub/notes.txt", stat(P(0, "sub/notes.txt"), &st2));
    printf("nlink %lu, same inode %d\n", (unsigned long)st.st_nlink, st.st_ino == st2.st_ino);
    step("stat data.bin", stat(P(0, "data.bin"), &st2));
    printf("other file, other inode %d\n", st.st_ino != st2.st_ino);
    step("unlink hard.txt", unlink(P(0, "hard.txt")));
    step("symlink dangling", symlink("nowhere", P(0, "dangling")));
    step("open dangling", open(P(0, "dangling"), O_RDONLY));
    step("unlink dangling", unlink(P(0, "dangling")));

    /* times */
    struct timespec ts[2] = {{1000000000, 0}, {1500000000, 0}};
    step("utimensat fixed", utimensat(AT_FDCWD, P(0, "data.bin"), ts, 0));
    step("stat data.bin", stat(P(0, "data.bin"), &st));
    printf("atime %lld mtime %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
    time_t before = time(NULL);
    fd = open(P(0, "data.bin"), O_WRONLY);
    step("futimens: atime kept, mtime now", mtime_now(fd));
    close(fd);
    stat(P(0, "data.bin"), &st);
    printf("atime %lld, mtime is now: %d\n", (long long)st.st_atim.tv_sec,
           st.st_mtim.tv_sec >= before - 5 && st.st_mtim.tv_sec <= before + 5);
    step("utimensat both now", both_now("data.bin"));
    stat(P(0, "data.bin"), &st);
    printf("atime is now: %d\n",
           st.st_atim.tv_sec >= before - 5 && st.st_atim.tv_sec <= before + 5);

    /* errors */
    step("open missing", open(P(0, "missing"), O_RDONLY));
    step("open through a file", open(P(0, "data.bin/x"), O_RDONLY));
    step("open a directory for writing", open(P(0, "sub"), O_WRONLY));
    step("rename missing", rename(P(0, "missing"), P(1, "x")));
    fd = open(P(0, "data.bin"), O_RDONLY);
    printf("write to O_RDONLY: %s\n", write(fd, "x", 1) < 0 ? errname(errno) : "ok?");
    close(fd);
    fd = open(P(0, "data.bin"), O_WRONLY);
    printf("read from O_WRONLY: %s\n", read(fd, b, 1) < 0 ? errname(errno) : "ok?");
    close(fd);
    return 0;
}
