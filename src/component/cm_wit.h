/*
 * cm_wit.h — the component layer's text helpers: WIT type expressions and
 * function signatures parsed into cm_type_t / cm_functype_t (the linker
 * declares host functions with them), and what the WIT and WAVE code share
 * (kebab-case labels, UTF-8, printing to a FILE or a buffer).
 *
 * Nothing outside src/component/ includes this.
 */
#ifndef CM_WIT_H
#define CM_WIT_H

#include "internal.h"

#include <stdio.h>

/* How a WIT text finds the names it uses: the types and resources defined
 * earlier in the same interface. Either callback may be NULL (no such
 * names); each returns NULL for a name it does not know. name is not
 * NUL-terminated and has no '%' prefix. */
typedef struct cm__wit_scope {
    void *ctx;
    const cm_type_t *(*type)(void *ctx, const char *name, size_t len);
    const cm_resource_t *(*resource)(void *ctx, const char *name, size_t len);
} cm__wit_scope;

/* Parses a WIT type expression: a primitive, list<T>, option<T>, result,
 * result<T>, result<_, E>, result<T, E>, tuple<T, …>, borrow<R>, own<R>, a
 * resource's bare name (meaning own<R>) or the name of a type of the scope.
 * src need not be NUL-terminated; comments and whitespace may surround the
 * type. Types it makes live in arena and have their layout. scope may be
 * NULL. On failure *out is NULL and err's message starts "at N: " (N the
 * byte offset in src, also in err->offset) and says what was expected. The
 * code is WH_ARG for bad syntax, WH_NOTFOUND for an unknown name,
 * WH_INVALID for a type that cannot be (a duplicate field, more than 32
 * flags, a borrow of a non-resource), WH_UNSUPPORTED for stream, future
 * and error-context, WH_NOMEM. */
wh_rc cm__wit_parse_type(const char *src, size_t len, const cm__wit_scope *scope,
                         wh_arena_t *arena, const cm_type_t **out, wh_err_t *err);

/* Parses the definition of the type called name (a NUL-terminated WIT
 * identifier without '%'): "record { a: u32, b: string }",
 * "variant { a, b(u32) }", "enum { x, y }", "flags { r, w }", "resource",
 * or a type expression (an alias). The type made has name set, so WIT
 * prints it by its name. "resource" makes no type: *out is NULL and
 * *out_is_resource true (the caller makes the cm_resource_t, whose identity
 * it owns); out_is_resource may be NULL when a resource is not acceptable.
 * Errors as cm__wit_parse_type. */
wh_rc cm__wit_parse_typedef(const char *name, const char *src, size_t len,
                            const cm__wit_scope *scope, wh_arena_t *arena, const cm_type_t **out,
                            bool *out_is_resource, wh_err_t *err);

/* Parses a function signature "func(a: u32, b: string) -> list<u8>" or
 * "func()". Errors as cm__wit_parse_type. */
wh_rc cm__wit_parse_func(const char *src, size_t len, const cm__wit_scope *scope,
                         wh_arena_t *arena, cm_functype_t **out, wh_err_t *err);

/* ---- Shared by the WIT and WAVE code ---- */

/* Output to a FILE, or to a fixed buffer that is always NUL-terminated and
 * silently truncated (for types named in error messages). */
typedef struct {
    FILE *f;
    char *buf;
    size_t cap, len;
} cm__out;

void cm__put(cm__out *o, const char *s, size_t n);
void cm__puts(cm__out *o, const char *s);
void cm__printf(cm__out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes t in WIT syntax (as cm_wit_print_type). */
void cm__wit_type(cm__out *o, const cm_type_t *t);
/* t in WIT syntax into buf (truncated to cap), for messages; returns buf. */
const char *cm__wit_type_str(const cm_type_t *t, char *buf, size_t cap);

/* Is s[0..n) a WIT/WAVE label: kebab-case words, each a letter then letters
 * and digits all of one case (a later word may start with a digit)? */
bool cm__label_valid(const char *s, size_t n);
/* Is s[0..n) a WIT keyword (so that an identifier needs a '%')? */
bool cm__wit_keyword(const char *s, size_t n);
/* Does NUL-terminated a equal s[0..n)? */
bool cm__name_eq(const char *a, const char *s, size_t n);


#endif
