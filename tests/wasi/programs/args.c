/*
 * args — prints the arguments after argv[0], one a line, with their length
 * in bytes. argv[0] is left out: natively it is the binary's path, in a
 * component it is whatever name the host chose.
 */
#include "common.h"

int main(int argc, char **argv)
{
    printf("argc-1 %d\n", argc - 1);
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        printf("arg %d len %zu: ", i, n);
        if (n > 64)
            printf("fnv %08x", fnv1a(FNV_INIT, argv[i], n));
        else
            print_escaped(argv[i], n);
        putchar('\n');
    }
    return 0;
}
