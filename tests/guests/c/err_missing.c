/*
 * err_missing.c — world `err-missing`: imports
 * wasmhttpd:test/missing@0.1.0#nope, which no host provides, so
 * instantiation must fail and name it. Exports the top-level function
 * call-nope.
 */
#include "guest.h"

IMPORT("wasmhttpd:test/missing@0.1.0", "nope") int32_t nope(void);

EXPORT("call-nope") int32_t call_nope(void)
{
    return nope();
}
