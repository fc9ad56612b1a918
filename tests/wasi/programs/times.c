/*
 * times — sets file times and reads them back (seconds only: how finely a
 * file system keeps them varies). Works under the directory argv[1].
 */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void show(const char *label, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("%-32s %s\n", label, errname(errno));
        return;
    }
    printf("%-32s atime %lld mtime %lld\n", label, (long long)st.st_atim.tv_sec,
           (long long)st.st_mtim.tv_sec);
}

int main(int argc, char **argv)
{
    const char *b = argc > 1 ? argv[1] : "rw";
    char p[512];
    snprintf(p, sizeof p, "%s/t.txt", b);
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("%-32s %s\n", "create t.txt", res(fd));

    struct timespec ts[2] = {{1000000000, 0}, {1500000000, 250000000}};
    printf("%-32s %s\n", "utimensat", res(utimensat(AT_FDCWD, p, ts, 0)));
    show("stat", p);

    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_sec = 1600000000;
    printf("%-32s %s\n", "utimensat, atime UTIME_OMIT", res(utimensat(AT_FDCWD, p, ts, 0)));
    show("stat", p);

    struct timespec ft[2] = {{1200000000, 0}, {1300000000, 0}};
    printf("%-32s %s\n", "futimens", res(futimens(fd, ft)));
    show("stat", p);

    ft[0].tv_nsec = UTIME_NOW;
    ft[1].tv_nsec = UTIME_NOW;
    time_t before = time(NULL);
    printf("%-32s %s\n", "futimens UTIME_NOW", res(futimens(fd, ft)));
    struct stat st;
    fstat(fd, &st);
    printf("%-32s %s\n", "mtime is now (within 60 s)",
           st.st_mtim.tv_sec >= before - 60 && st.st_mtim.tv_sec <= before + 60 ? "yes" : "no");
    close(fd);

    snprintf(p, sizeof p, "%s/missing", b);
    printf("%-32s %s\n", "utimensat missing file", res(utimensat(AT_FDCWD, p, ts, 0)));
    return 0;
}
