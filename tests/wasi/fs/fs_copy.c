/*
 * fs_copy — larger transfers and directories, and exit statuses.
 *
 *   fs_copy copy SRC DST   copies SRC to DST with stdio (64 KiB chunks),
 *                          appends a trailer through O_APPEND after a seek
 *                          to 0, reads DST back; prints sizes and FNV-1a
 *                          checksums
 *   fs_copy list DIR       the number of entries of DIR and the first and
 *                          last names in sorted order
 *   fs_copy ...            a missing SRC or DIR: a message on stderr and
 *                          exit status 2 (which the preview1 adapter
 *                          reports to the host as a failure: status 1)
 */
#include "fs_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t fnv1a(uint32_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static unsigned char buf[1 << 16];

/* Size and checksum of a file, read with read(2) in odd-sized pieces. */
static int sum(const char *path, long *size, uint32_t *h)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n;
    *size = 0;
    *h = 2166136261u;
    while ((n = read(fd, buf, 4093)) > 0) {
        *h = fnv1a(*h, buf, (size_t)n);
        *size += n;
    }
    close(fd);
    return n < 0 ? -1 : 0;
}

static int copy(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in) {
        fprintf(stderr, "fs_copy: %s: %s\n", src, errname(errno));
        return 2;
    }
    FILE *out = fopen(dst, "wb");
    if (!out) {
        fprintf(stderr, "fs_copy: %s: %s\n", dst, errname(errno));
        return 2;
    }
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, out) != n) {
            fprintf(stderr, "fs_copy: write: %s\n", errname(errno));
            return 2;
        }
        total += n;
    }
    fclose(in);
    if (fclose(out) != 0)
        return 2;
    printf("copied %zu bytes\n", total);
    int fd = open(dst, O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    printf("append after seek to 0: %s\n", write(fd, "TRAILER\n", 8) == 8 ? "ok" : errname(errno));
    close(fd);
    long s1, s2;
    uint32_t h1, h2;
    if (sum(src, &s1, &h1) || sum(dst, &s2, &h2))
        return 2;
    /* the trailer goes into the source's checksum too, to compare */
    h1 = fnv1a(h1, (const unsigned char *)"TRAILER\n", 8);
    printf("source %ld bytes, copy %ld bytes, checksums %s\n", s1, s2,
           h1 == h2 ? "agree" : "DIFFER");
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fs_copy: %s: %s\n", dir, errname(errno));
        return 2;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%zu entries, first %s, last %s\n", n, n ? names[0] : "-", n ? names[n - 1] : "-");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "copy"))
        return copy(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "list"))
        return list(argv[2]);
    fprintf(stderr, "usage: fs_copy copy SRC DST | fs_copy list DIR\n");
    return 2;
}
