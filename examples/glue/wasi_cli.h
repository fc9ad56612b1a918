/*
 * wasi_cli.h — wasi:cli (environment, stdout, stderr, exit) for the
 * hand-written C guests: the core imports with their flat signatures and
 * return-area layouts. See cabi.h for the conventions.
 *
 * Layouts: get-environment's list<tuple<string, string>> is {ptr; len} of
 * env_var_t (16 bytes: key ptr, len, value ptr, len); get-arguments'
 * list<string> is {ptr; len} of str_t. Both lists and every non-empty
 * string in them are allocated through cabi_realloc, the guest's to free
 * (cabi_free_pairs, cabi_free).
 */
#ifndef WASI_CLI_H
#define WASI_CLI_H

#include "cabi.h"

typedef struct {
    str_t key;
    str_t value;
} env_var_t;

IMPORT(WASI("cli/environment"), "get-environment") void get_environment(void *ret);
IMPORT(WASI("cli/environment"), "get-arguments") void get_arguments(void *ret);
IMPORT(WASI("cli/stdout"), "get-stdout") handle get_stdout(void);
IMPORT(WASI("cli/stderr"), "get-stderr") handle get_stderr(void);
/* exit(status: result): flat, 0 ok, 1 err */
IMPORT(WASI("cli/exit"), "exit") void cli_exit(int32_t is_err);

/* The environment: *out_n variables, ours to free with cabi_free_pairs. */
static inline env_var_t *environment(size_t *out_n)
{
    get_environment(ret);
    *out_n = ret_u32(4);
    return ret_ptr(0);
}

#endif
