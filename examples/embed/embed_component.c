/*
 * embed_component.c — a WebAssembly component called from another program
 * through the installed library: loads a component, defines the function
 * it imports (`factor: func() -> u32`) in a linker, instantiates it and
 * calls an export given as a WAVE expression, printing the result in WAVE.
 *
 *   cc -o embed_component embed_component.c $(pkg-config --cflags --libs wasmhttpd)
 *   jco parse adder.wat -o adder.wasm
 *   ./embed_component adder.wasm 'scaled-add(2, 3)'     # 15
 *
 * Exits 0 after printing the result, 1 when something failed (said on
 * stderr), 2 for bad usage.
 */
#include <wasmhttpd/cm.h>

#include <stdio.h>

/* The import `factor`: no arguments, a u32 result. */
static wh_rc factor(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    (void)call;
    (void)args;
    result->kind = CM_U32;
    result->of.u = *(const uint32_t *)env;
    return WH_OK;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embed_component COMPONENT.wasm 'NAME(WAVE ARGS)'\n");
        return 2;
    }
    size_t len;
    uint8_t *bytes;
    wh_err_t rerr;
    if (wh_read_file(argv[1], &bytes, &len, &rerr) != WH_OK) {
        fprintf(stderr, "embed_component: %s\n", rerr.msg);
        return 1;
    }

    int status = 1;
    wh_err_t err = {0};
    cm_component_t *component = NULL;
    cm_linker_t *linker = NULL;
    cm_instance_t *inst = NULL;
    static const uint32_t three = 3;

    /* The bytes are borrowed by the component: freed after it. */
    wh_rc rc = cm_component_load(bytes, len, &component, &err);
    if (rc != WH_OK) {
        fprintf(stderr, "embed_component: load: %s: %s\n", wh_rc_name(rc), err.msg);
        goto done;
    }
    linker = cm_linker_new();
    if (!linker) {
        fprintf(stderr, "embed_component: out of memory\n");
        goto done;
    }
    /* "" is the top level: the component imports a bare function. */
    rc = cm_linker_define_func(linker, "", "factor", "func() -> u32", factor, (void *)&three, &err);
    if (rc == WH_OK)
        rc = cm_instantiate(component, linker, NULL, &inst, &err);
    if (rc != WH_OK) {
        fprintf(stderr, "embed_component: instantiate: %s: %s\n", wh_rc_name(rc), err.msg);
        goto done;
    }
    rc = cm_invoke(inst, argv[2], stdout, &err);
    if (rc != WH_OK) {
        fprintf(stderr, "embed_component: %s: %s: %s\n", argv[2], wh_rc_name(rc), err.msg);
        goto done;
    }
    status = 0;

done:
    cm_instance_free(inst);
    cm_linker_free(linker);
    cm_component_free(component);
    wh_free(bytes);
    return status;
}
