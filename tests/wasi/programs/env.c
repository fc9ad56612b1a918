/*
 * env — prints the whole environment, sorted (the order a host hands it
 * over is not specified), then getenv() of each name given as an argument.
 * The host must pass exactly the variables given with --env, nothing of
 * its own.
 */
#include "common.h"

extern char **environ;

int main(int argc, char **argv)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **v = malloc((n + 1) * sizeof *v);
    if (!v)
        return 2;
    memcpy(v, environ, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_str);
    printf("environ %zu\n", n);
    for (size_t i = 0; i < n; i++) {
        printf("  ");
        print_escaped(v[i], strlen(v[i]));
        putchar('\n');
    }
    for (int i = 1; i < argc; i++) {
        const char *s = getenv(argv[i]);
        printf("getenv %s: ", argv[i]);
        if (s) {
            print_quoted(s, (long)strlen(s));
        } else {
            puts("(unset)");
        }
    }
    free(v);
    return 0;
}
