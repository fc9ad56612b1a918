/* cli_wast.c — `wasmhttpd wast` (placeholder until the engine lands). */
#include "cli.h"

#include <stdio.h>

int cli_wast_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wasmhttpd wast: not implemented yet\n");
    return 2;
}
