/* The counter of examples/counter (its contract: kit/README.md) on
 * generated bindings: a module-level counter that every request
 * increments.
 *
 *   /          "Hello from WASM! (N)": N = the requests this instance
 *              handled (1 forever serverless; 1, 2, 3 on a stateful instance)
 *   /init      "init=K count=N": K = how often `init` ran on this instance
 *   /trap      traps (__builtin_trap) before any response is set
 *
 * Built twice (CMakeLists.txt): for the world proxy, and with -DSTATEFUL
 * for the world stateful, which also exports
 * wasmhttpd:http/lifecycle@0.1.0#init. The stateful build works on hosts
 * that never call `init` too: /init then says init=0.
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The module state the whole guest is about. */
static uint32_t requests;
static uint32_t inits;

void exports_wasi_http_incoming_handler_handle(request_t request, outparam_t out)
{
    uint32_t n = ++requests;
    char *target = path_with_query(request);
    wasi_http_types_incoming_request_drop_own(request);
    target[strcspn(target, "?")] = '\0';
    char text[64], *p = text;
    if (strcmp(target, "/trap") == 0)
        __builtin_trap();
    if (strcmp(target, "/init") == 0) {
        p = put_str(put_i64(put_str(p, "init="), inits), " count=");
        p = put_str(put_i64(p, n), "\n");
    } else {
        p = put_str(put_i64(put_str(p, "Hello from WASM! ("), n), ")\n");
    }
    free(target);
    respond(out, 200, "text/plain", text, (size_t)(p - text));
}

#ifdef STATEFUL
bool exports_wasmhttpd_http_lifecycle_init(guest_string_t *err)
{
    (void)err;
    inits++;
    return true;
}
#endif
