/*
 * lifecycle.h — wasmhttpd:http/lifecycle@0.1.0 (wit/lifecycle.wit), the
 * export a guest of the world stateful-proxy adds to those of
 * wasi:http/proxy: init, which the host calls once per instance before its
 * first request.
 *
 * A guest built for both worlds is compiled with -DSTATEFUL=1 for
 * stateful-proxy and without for serverless-proxy, and defines init under
 * `#if STATEFUL`:
 *
 *   EXPORT("wasmhttpd:http/lifecycle@0.1.0#init")
 *   void *lifecycle_init(void) { ...; return ret_result_string(why or NULL); }
 *
 * init: () -> result<_, string>, returned as a pointer to the return area
 * (cabi.h ret_result_string); an error message must outlive the call, as no
 * post-return function frees it.
 */
#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include "cabi.h"

#ifndef STATEFUL
#define STATEFUL 0
#endif

#if STATEFUL
void *lifecycle_init(void);
#endif

#endif
