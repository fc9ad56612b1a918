/* "Hello from C!" for every request: the smallest handler on the bindings
 * `wit-bindgen c` generates (world proxy of guests.wit). */
#include "util.h"

void exports_wasi_http_incoming_handler_handle(request_t request, outparam_t out)
{
    wasi_http_types_incoming_request_drop_own(request);
    respond_text(out, 200, "text/plain", "Hello from C!\n");
}
