/*
 * cli_run_component.c — `wasmhttpd run --invoke 'NAME(ARGS)' COMPONENT`:
 * calls an exported function of a component with arguments written in WAVE
 * and prints the result in WAVE, as `wasmtime run --invoke` does. This is
 * how the canonical ABI can be checked from outside.
 */
#include "cli.h"
#include "component/cm.h"

#include <stdio.h>

int cli_run_component(const char *file, const uint8_t *bytes, size_t len, const char *invoke,
                      int64_t fuel)
{
    wh_err_t err = {0};
    cm_component_t *c = NULL;
    cm_instance_t *inst = NULL;
    int status = CLI_EXIT_OK;
    wh_rc rc = cm_component_load(bytes, len, &c, &err);
    if (rc) {
        fprintf(stderr, "error: %s: %s\n", file, err.msg[0] ? err.msg : wh_rc_name(rc));
        status = CLI_EXIT_MODULE;
        goto out;
    }
    cm_config_t cfg = {.fuel = fuel};
    if ((rc = cm_instantiate(c, NULL, &cfg, &inst, &err))) {
        fprintf(stderr, "error: %s cannot be instantiated: %s\n", file,
                err.msg[0] ? err.msg : wh_rc_name(rc));
        status = rc == WH_TRAP ? CLI_EXIT_TRAP : CLI_EXIT_LINK;
        goto out;
    }
    if (fuel >= 0)
        wm_store_set_fuel(cm_instance_store(inst), fuel);
    rc = cm_invoke(inst, invoke, stdout, &err);
    if (rc == WH_ARG) {
        fprintf(stderr, "error: --invoke %s: %s\n", invoke, err.msg);
        status = CLI_EXIT_USAGE;
    } else if (rc == WH_NOTFOUND) {
        fprintf(stderr, "error: %s: %s\n", file, err.msg);
        status = CLI_EXIT_EXPORT;
    } else if (rc) {
        fprintf(stderr, "error: %s: %s\n", rc == WH_TRAP || rc == WH_EXHAUSTED ? "trap" : "call",
                err.msg[0] ? err.msg : wh_rc_name(rc));
        status = CLI_EXIT_TRAP;
    }
out:
    cm_instance_free(inst);
    cm_component_free(c);
    return status;
}
