/*
 * stdio — output on stdout and stderr. The argument picks what:
 *   both     lines on both streams, stdio and write(2) mixed
 *   big N    N numbered lines on stdout (large output, many writes)
 *   nonl     text without a final newline, on both streams
 *   isatty   whether fds 0, 1, 2 are terminals (the runner uses pipes: no)
 */
#include "common.h"
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "both";
    if (strcmp(mode, "both") == 0) {
        printf("out 1\n");
        fflush(stdout);
        fprintf(stderr, "err 1\n");
        write(1, "out 2 (write)\n", 14);
        write(2, "err 2 (write)\n", 14);
        printf("out 3 %s\n", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac");
        fputs("err 3\n", stderr);
        return 0;
    }
    if (strcmp(mode, "big") == 0) {
        long n = argc > 2 ? atol(argv[2]) : 100000;
        for (long i = 0; i < n; i++)
            printf("line %06ld of %ld\n", i, n);
        return 0;
    }
    if (strcmp(mode, "nonl") == 0) {
        printf("no newline on stdout");
        fprintf(stderr, "no newline on stderr");
        return 0;
    }
    if (strcmp(mode, "isatty") == 0) {
        for (int fd = 0; fd < 3; fd++)
            printf("isatty(%d) %s\n", fd, isatty(fd) ? "yes" : "no");
        return 0;
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
