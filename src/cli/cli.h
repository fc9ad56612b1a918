/*
 * cli.h — the subcommands of the wasmhttpd binary. Each takes the arguments
 * after its name (argv[0] is the subcommand) and returns the process exit code.
 */
#ifndef CLI_H
#define CLI_H

int cli_wast_main(int argc, char **argv);
int cli_run_main(int argc, char **argv);

#endif
