/*
 * embed.c — wasmhttpd's engine inside another program, through the
 * installed library: loads a core WebAssembly module, gives it a host
 * function to import, and calls its exports.
 *
 * Build it against an installed wasmhttpd (docs/embedding.md):
 *
 *   cc -o embed embed.c $(pkg-config --cflags --libs wasmhttpd)
 *
 * Run it with no argument for the module built in below (embed.wat, its
 * source), or with the path of a module of the same shape. It prints
 *
 *   fib(20) = 6765
 *   scaled_fib(10) = 165
 *   fail: trap: unreachable...
 *
 * and exits 0, or prints what failed and exits 1.
 */
#include <wasmhttpd/wm.h>

#include <stdio.h>

/* embed.wat, assembled by wat2wasm. */
static const uint8_t module_bytes[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60, 0x01, 0x7f, 0x01,
    0x7f, 0x60, 0x00, 0x00, 0x02, 0x0e, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x05, 0x73, 0x63,
    0x61, 0x6c, 0x65, 0x00, 0x00, 0x03, 0x04, 0x03, 0x00, 0x00, 0x01, 0x07, 0x1b, 0x03, 0x03,
    0x66, 0x69, 0x62, 0x00, 0x01, 0x0a, 0x73, 0x63, 0x61, 0x6c, 0x65, 0x64, 0x5f, 0x66, 0x69,
    0x62, 0x00, 0x02, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x03, 0x0a, 0x3c, 0x03, 0x2d, 0x01,
    0x03, 0x7f, 0x41, 0x01, 0x21, 0x02, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01,
    0x20, 0x01, 0x20, 0x02, 0x6a, 0x21, 0x03, 0x20, 0x02, 0x21, 0x01, 0x20, 0x03, 0x21, 0x02,
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x08,
    0x00, 0x20, 0x00, 0x10, 0x01, 0x10, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x0b,
};

/* The import host.scale: (i32) -> i32, multiplies by the factor the
 * embedder passed as env. Arguments arrive in args[0..]; the result is
 * written over them. */
static wh_rc scale(wm_call_t *call, void *env, wm_slot *args)
{
    (void)call;
    args[0].i32 = args[0].i32 * *(const uint32_t *)env;
    return WH_OK;
}

/* Calls the export name with one i32 (or none when nargs is 0). */
static wh_rc call_export(wm_store_t *store, wm_instance_t *inst, const char *name, uint32_t nargs,
                         uint32_t arg, uint32_t nresults, uint32_t *out, wh_err_t *err)
{
    wm_extern_t ext;
    wh_rc rc = wm_instance_export(inst, name, &ext);
    if (rc != WH_OK || ext.kind != WM_EXTERN_FUNC)
        return wh_err(err, WH_NOTFOUND, -1, "no function export '%s'", name);
    wm_val_t args[1] = {{.type = WM_I32, .of.i32 = arg}};
    wm_val_t results[1];
    rc = wm_func_call(store, ext.of.func, args, nargs, results, nresults, err);
    if (rc == WH_OK && nresults)
        *out = results[0].of.i32;
    return rc;
}

int main(int argc, char **argv)
{
    const uint8_t *bytes = module_bytes;
    size_t len = sizeof module_bytes;
    uint8_t *file = NULL;
    if (argc > 1) {
        wh_err_t rerr;
        if (wh_read_file(argv[1], &file, &len, &rerr) != WH_OK) {
            fprintf(stderr, "embed: %s\n", rerr.msg);
            return 1;
        }
        bytes = file;
    }

    int status = 1;
    wh_err_t err = {0};
    wm_module_t *module = NULL;
    wm_store_t *store = NULL;
    wh_rc rc = wm_module_load(bytes, len, NULL, &module, &err);
    if (rc != WH_OK) {
        fprintf(stderr, "embed: load: %s: %s\n", wh_rc_name(rc), err.msg);
        goto done;
    }
    store = wm_store_new(NULL);
    if (!store) {
        fprintf(stderr, "embed: out of memory\n");
        goto done;
    }

    /* The host function's type: borrowed, so static. */
    static const uint8_t i32[] = {WM_I32};
    static const wm_functype_t scale_type = {1, 1, i32, i32};
    static const uint32_t factor = 3;
    wm_extern_t imports[1] = {{.kind = WM_EXTERN_FUNC}};
    imports[0].of.func = wm_func_new_host(store, &scale_type, scale, (void *)&factor);
    if (!imports[0].of.func) {
        fprintf(stderr, "embed: out of memory\n");
        goto done;
    }
    wm_instance_t *inst;
    rc = wm_instantiate(store, module, imports, 1, &inst, &err);
    if (rc != WH_OK) {
        fprintf(stderr, "embed: instantiate: %s: %s\n", wh_rc_name(rc), err.msg);
        goto done;
    }

    uint32_t result;
    if ((rc = call_export(store, inst, "fib", 1, 20, 1, &result, &err)) != WH_OK) {
        fprintf(stderr, "embed: fib: %s: %s\n", wh_rc_name(rc), err.msg);
        goto done;
    }
    printf("fib(20) = %u\n", result);
    if ((rc = call_export(store, inst, "scaled_fib", 1, 10, 1, &result, &err)) != WH_OK) {
        fprintf(stderr, "embed: scaled_fib: %s: %s\n", wh_rc_name(rc), err.msg);
        goto done;
    }
    printf("scaled_fib(10) = %u\n", result);

    /* A trap is a result code with a message, and the store stays usable. */
    rc = call_export(store, inst, "fail", 0, 0, 0, NULL, &err);
    if (rc != WH_TRAP) {
        fprintf(stderr, "embed: fail: expected a trap, got %s\n", wh_rc_name(rc));
        goto done;
    }
    printf("fail: %s: %s\n", wh_rc_name(rc), err.msg);
    if (call_export(store, inst, "fib", 1, 1, 1, &result, &err) != WH_OK || result != 1) {
        fprintf(stderr, "embed: fib after a trap failed: %s\n", err.msg);
        goto done;
    }
    status = 0;

done:
    wm_store_free(store);
    wm_module_free(module);
    wh_free(file);
    return status;
}
