/*
 * main.c — `wasmhttpd COMMAND …`: finds the subcommand and hands over.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The build sets it from the project version (CMakeLists.txt). */
#ifndef WH_VERSION
#define WH_VERSION "0.1.0"
#endif

static const struct {
    const char *name;
    int (*main)(int, char **);
    const char *help;
} commands[] = {
    {"serve", cli_serve_main,
     "serve COMPONENT.wasm                      serve a wasi:http component over HTTP"},
    {"run", cli_run_main,
     "run COMPONENT.wasm [ARGS...]              run a wasi:cli/command component"},
    {"run", cli_run_main,
     "run --invoke EXPR FILE.wasm [ARGS...]     call one export of a component or module"},
    {"inspect", cli_inspect_main,
     "inspect COMPONENT.wasm                    imports, exports and instance model of a "
     "component"},
    {"wast", cli_wast_main,
     "wast FILE.wast...                         run WebAssembly spec scripts"},
    {"cm-wast", cli_cm_wast_main,
     "cm-wast FILE.wast...                      run Component Model test scripts"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: wasmhttpd COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %s\n", commands[i].help);
    fprintf(to, "\n  wasmhttpd COMMAND --help   for a command's options\n"
                "  wasmhttpd -h, --help       this text\n"
                "  wasmhttpd -V, --version    the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    /* For tests and benchmarks: which modules get a data image (wm.h). */
    const char *image_min = getenv("WH_DATA_IMAGE_MIN");
    if (image_min)
        wm_set_data_image_min((size_t)strtoull(image_min, NULL, 10));
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("wasmhttpd %s\n", WH_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "wasmhttpd: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
