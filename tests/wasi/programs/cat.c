/*
 * cat — reads all of stdin with read(2), then prints its length and
 * checksum and echoes it to stdout unchanged (binary-safe). By default it
 * reads into a heap buffer that doubles as it fills, so linear memory grows
 * between reads. Arguments, in any combination:
 *   static   read into a static 4 MiB buffer instead (memory never grows)
 *   count    print length and checksum only, no echo
 */
#include "common.h"
#include <unistd.h>

static unsigned char fixed[4 << 20];

int main(int argc, char **argv)
{
    int is_static = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "static") == 0)
            is_static = 1;
        else if (strcmp(argv[i], "count") == 0)
            count = 1;
        else
            return 2;
    }
    size_t cap = is_static ? sizeof fixed : 1 << 16, len = 0;
    unsigned char *buf = is_static ? fixed : malloc(cap);
    if (!buf)
        return 2;
    for (;;) {
        if (len == cap) {
            if (is_static) {
                fprintf(stderr, "stdin longer than %zu bytes\n", cap);
                return 2;
            }
            cap *= 2;
            unsigned char *nb = realloc(buf, cap);
            if (!nb)
                return 2;
            buf = nb;
        }
        ssize_t r = read(0, buf + len, cap - len);
        if (r < 0) {
            printf("read: %s\n", errname(errno));
            return 1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    printf("stdin %zu bytes, fnv %08x\n", len, fnv1a(FNV_INIT, buf, len));
    fflush(stdout);
    if (count)
        return 0;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(1, buf + off, len - off);
        if (w <= 0) {
            fprintf(stderr, "write: %s\n", errname(errno));
            return 1;
        }
        off += (size_t)w;
    }
    return 0;
}
