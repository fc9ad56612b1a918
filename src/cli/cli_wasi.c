/*
 * cli_wasi.c — the WASI host's configuration from the command line
 * (--dir, --dir-rw, --env, --allow-connect), shared by `run` and `serve`.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_wasi_setup(cli_wasi_t *h, const char *file, const cli_run_opts_t *o, int nargs,
                   char **args)
{
    wh_err_t err = {0};
    wasi_config_init(&h->cfg);
    h->cfg.stdin_fd = 0;
    h->args = calloc((size_t)nargs + 1, sizeof *h->args);
    h->env = calloc(o->nenvs + 1, sizeof *h->env);
    h->allow = calloc(o->nallow + 1, sizeof *h->allow);
    if (!h->args || !h->env || !h->allow) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_EXIT_TRAP;
    }
    h->args[0] = file;
    for (int i = 0; i < nargs; i++)
        h->args[i + 1] = args[i];
    h->cfg.args = h->args;
    h->cfg.nargs = (size_t)nargs + 1;
    size_t ne = 0;
    for (size_t i = 0; i < o->nenvs; i++) {
        const char *e = o->envs[i];
        if (!e[0] || e[0] == '=') {
            fprintf(stderr, "error: --env wants KEY=VALUE or KEY, not \"%s\"\n", e);
            return CLI_EXIT_USAGE;
        }
        if (!strchr(e, '=')) {
            /* --env KEY: the host's value, if it has one */
            const char *v = getenv(e);
            if (!v)
                continue;
            char *kv = malloc(strlen(e) + strlen(v) + 2);
            if (!kv) {
                fprintf(stderr, "error: out of memory\n");
                return CLI_EXIT_TRAP;
            }
            sprintf(kv, "%s=%s", e, v);
            e = kv; /* freed at exit with the process */
        }
        h->env[ne++] = e;
    }
    h->cfg.env = h->env;
    h->cfg.nenv = ne;
    for (size_t i = 0; i < o->ndirs; i++) {
        wh_rc rc = wasi_preopens_add_spec(&h->preopens, o->dirs[i], !o->dirs_rw[i], &err);
        if (rc) {
            fprintf(stderr, "error: %s %s: %s\n", o->dirs_rw[i] ? "--dir-rw" : "--dir",
                    o->dirs[i], err.msg);
            return rc == WH_IO ? CLI_EXIT_FILE : CLI_EXIT_USAGE;
        }
    }
    h->cfg.preopens = &h->preopens;
    for (size_t i = 0; i < o->nallow; i++)
        if (wasi_allow_parse(o->allow[i], &h->allow[i], &err)) {
            fprintf(stderr, "error: --allow-connect %s: %s\n", o->allow[i], err.msg);
            return CLI_EXIT_USAGE;
        }
    h->cfg.allow = h->allow;
    h->cfg.nallow = o->nallow;
    return CLI_EXIT_OK;
}

void cli_wasi_free(cli_wasi_t *h)
{
    wasi_preopens_free(&h->preopens);
    free(h->args);
    free(h->env);
    free(h->allow);
}

