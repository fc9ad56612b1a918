/* cli_run.c — `wasmhttpd run` (placeholder until the engine lands). */
#include "cli.h"

#include <stdio.h>

int cli_run_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wasmhttpd run: not implemented yet\n");
    return 2;
}
