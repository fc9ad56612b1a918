/* What the C guests with generated bindings share: a whole response
 * written, a whole body read, the request's path. Built against the
 * bindings `wit-bindgen c --rename-world guest` generates for the guest's
 * world (guest.h), the same names for every world here.
 */
#ifndef UTIL_H
#define UTIL_H

#include "guest.h"

#include <stddef.h>
#include <stdint.h>

typedef wasi_http_types_own_incoming_request_t request_t;
typedef wasi_http_types_own_response_outparam_t outparam_t;

/* Sets a response of status, with content-type ctype and the len bytes of
 * body, on out (which it consumes), and writes and finishes the body. */
void respond(outparam_t out, uint16_t status, const char *ctype, const void *body, size_t len);
/* respond() with a NUL-terminated text. */
void respond_text(outparam_t out, uint16_t status, const char *ctype, const char *text);

/* The whole of an incoming body, which it consumes (and finishes), into a
 * malloc'd buffer (*out_data, *out_len; a NUL after it). 0 on success, else
 * -1 with *out_data a static text that says what failed. */
int read_all(wasi_http_types_own_incoming_body_t body, char **out_data, size_t *out_len);

/* The request's path and query ("/" when it has none), malloc'd and
 * NUL-terminated. */
char *path_with_query(request_t request);

/* Text builders: append to p, return the end (no NUL). The guests use
 * these, not snprintf: wasi-libc's printf family links its stdio, whose
 * stdout imports wasi_snapshot_preview1 (fd_write, fd_seek, fd_close),
 * which a component without the preview1 adapter cannot have. */
char *put_str(char *p, const char *s);
char *put_i64(char *p, int64_t v);

/* The WIT name of an error-code case ("HTTP-request-denied"). */
const char *error_code_name(const wasi_http_types_error_code_t *e);

#endif
