/*
 * exitcode — ends in the way the argument says, after printing a line:
 *   exit0, exit3, ret42 (return from main), exit1-unflushed (stdio buffer
 *   left for exit() to flush), abort
 * A component built with the preview1 command adapter can only report
 * success or failure (wasi:cli/exit.exit takes result<_, _>), so a
 * non-zero status reaches the host as a failure; diff.py states what each
 * side must return.
 */
#include "common.h"

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "exit0";
    printf("mode %s\n", mode);
    if (strcmp(mode, "exit1-unflushed") == 0) {
        printf("partial line without newline");
        exit(1);
    }
    fflush(stdout);
    if (strcmp(mode, "exit0") == 0)
        exit(0);
    if (strcmp(mode, "exit3") == 0)
        exit(3);
    if (strcmp(mode, "ret42") == 0)
        return 42;
    if (strcmp(mode, "abort") == 0)
        abort();
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
