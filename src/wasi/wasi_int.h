/*
 * wasi_int.h — what the WASI bindings share (not a public header; the
 * wasi:http host in src/http uses it too, since its bodies are wasi:io
 * streams and its futures are wasi:io pollables).
 *
 * Objects. Every host resource a guest holds (a stream, a pollable, an
 * error, a descriptor, a socket, an HTTP request, …) is a wasi_obj_t in the
 * instance's table; the guest's handle carries the table index as its
 * representation ("rep"). Objects are reference counted: the table holds one
 * reference while the guest owns the handle, and a child (a pollable of a
 * stream, a stream of a body) holds one on its parent. So the guest may drop
 * handles in any order without the host ever touching freed memory: a
 * parent dropped first lives on, unreachable, until its last child goes.
 *
 * Waiting. A host function that has to wait (poll, blocking-read, …) arms
 * what it waits on and returns WH_SUSPEND through wasi_wait(); the embedder's
 * loop runs, and the source calls wasi_ctx_notify() when something may have
 * changed; the embedder then resumes the call (cm_resume), which retries the
 * same host function with the same arguments. A retry that finds nothing
 * ready waits again, so spurious wake-ups are harmless.
 */
#ifndef WASI_INT_H
#define WASI_INT_H

#include "component/cm.h"
#include "wasi_host.h"

#include <uv.h>

/* ---- objects and the table ---- */

typedef struct wasi_obj wasi_obj_t;

typedef struct {
    const char *name; /* the WIT resource name, for messages */
    /* Frees what the object holds and the object itself (its memory came
     * from wh_malloc). Called when the last reference goes. An object with a
     * libuv handle closes it here and frees itself in the close callback;
     * it must not touch ctx after this returns. */
    void (*destroy)(wasi_ctx_t *ctx, wasi_obj_t *o);
} wasi_objtype_t;

struct wasi_obj {
    const wasi_objtype_t *type;
    uint32_t refs;
};

/* Takes and releases a reference; the last release destroys the object. */
void wasi_obj_ref(wasi_obj_t *o);
void wasi_obj_unref(wasi_ctx_t *ctx, wasi_obj_t *o);

/* Puts o in the table, taking over one reference (the caller's), and
 * returns its rep (never 0), or 0 when out of memory (then o is released). */
uint32_t wasi_table_add(wasi_ctx_t *ctx, wasi_obj_t *o);
/* The object at rep if it is of that type, else NULL. */
wasi_obj_t *wasi_table_get(wasi_ctx_t *ctx, uint32_t rep, const wasi_objtype_t *type);
/* Removes rep from the table and releases the table's reference. */
void wasi_table_remove(wasi_ctx_t *ctx, uint32_t rep);

/* ---- the context ---- */

struct wasi_ctx {
    const wasi_config_t *cfg;
    uv_loop_t *loop;
    WH_VEC(wasi_obj_t *) table; /* slot 0 unused; NULL slots are free */
    uint32_t free_hint;
    /* waiting */
    bool waiting;
    void (*wake)(void *ud);
    void *wake_ud;
    uv_timer_t *timer;  /* made on first use; closed by wasi_ctx_free */
    uint64_t timer_due; /* monotonic ns the timer is set for, 0 when idle */
    /* wasi:cli/exit */
    bool exited;
    int exit_code;
    /* the embedder's (the wasi:http host) */
    void *ext;
    void (*free_ext)(void *ext);
    wasi_obj_t *stdio[3]; /* made on first get-stdin/out/err */
};

/* The context of the instance making this call. */
static inline wasi_ctx_t *wasi_ctx_of(cm_call_t *call)
{
    return cm_instance_user(cm_call_instance(call));
}

/* Wakes the guest waiting on this context, if any (see the top). Safe to
 * call at any time on the loop's thread. */
void wasi_ctx_notify(wasi_ctx_t *ctx);

/* Monotonic clock in nanoseconds (the one wasi:clocks/monotonic-clock shows). */
uint64_t wasi_now_ns(void);

/* Makes the context's timer fire no later than `due` (monotonic ns). */
void wasi_timer_arm(wasi_ctx_t *ctx, uint64_t due);

/* Marks the context as waiting and returns WH_SUSPEND for the host function
 * to return. */
wh_rc wasi_wait(wasi_ctx_t *ctx);

/* ---- pollables ---- */

/* What a pollable asks of its source. ready() says whether it is ready now;
 * arm() makes sure the source calls wasi_ctx_notify when it may become so. */
typedef struct {
    bool (*ready)(wasi_ctx_t *ctx, wasi_obj_t *src);
    void (*arm)(wasi_ctx_t *ctx, wasi_obj_t *src);
} wasi_pollops_t;

/* A new pollable on src (which it keeps alive) and its rep, or 0 when out
 * of memory. src NULL with ops NULL: a timer due at `due`. */
uint32_t wasi_pollable_new(wasi_ctx_t *ctx, wasi_obj_t *src, const wasi_pollops_t *ops,
                           uint64_t due);
/* A pollable that is always ready. */
extern const wasi_pollops_t wasi_pollops_ready;

/* ---- errors (wasi:io/error) ---- */

/* Where an error came from, so that filesystem-error-code and
 * http-error-code can give its code back. */
typedef enum {
    WASI_ERRDOM_NONE,
    WASI_ERRDOM_FS,      /* code: wasi_fs_error_t */
    WASI_ERRDOM_SOCKETS, /* code: wasi:sockets/network error-code */
    WASI_ERRDOM_HTTP,    /* code: the embedder's (src/http) */
} wasi_errdom;

typedef struct {
    wasi_errdom dom;
    int code;
    const char *msg; /* for to-debug-string; copied */
} wasi_ioerr_t;

extern const wasi_objtype_t wasi_type_error;
typedef struct {
    wasi_obj_t obj;
    wasi_ioerr_t e;
    char msg[];
} wasi_error_t;

/* A new error resource; its rep, or 0 when out of memory. */
uint32_t wasi_error_new(wasi_ctx_t *ctx, const wasi_ioerr_t *e);

/* ---- streams (wasi:io/streams) ---- */

typedef enum { WASI_IO_OK, WASI_IO_CLOSED, WASI_IO_FAILED } wasi_io_status;

typedef struct wasi_istream wasi_istream_t;
typedef struct wasi_ostream wasi_ostream_t;

typedef struct {
    /* Reads up to max (> 0) bytes into buf. WASI_IO_OK with *n == 0 means
     * nothing is available yet (the caller may wait on ready/arm). */
    wasi_io_status (*read)(wasi_ctx_t *ctx, wasi_istream_t *s, uint8_t *buf, size_t max, size_t *n,
                           wasi_ioerr_t *e);
    bool (*ready)(wasi_ctx_t *ctx, wasi_istream_t *s); /* NULL: always ready */
    void (*arm)(wasi_ctx_t *ctx, wasi_istream_t *s);
    void (*destroy)(wasi_ctx_t *ctx, wasi_istream_t *s); /* frees s */
} wasi_istream_ops;

typedef struct {
    /* How many bytes write may take now; 0 means "wait". */
    wasi_io_status (*check_write)(wasi_ctx_t *ctx, wasi_ostream_t *s, size_t *n, wasi_ioerr_t *e);
    wasi_io_status (*write)(wasi_ctx_t *ctx, wasi_ostream_t *s, const uint8_t *buf, size_t n,
                            wasi_ioerr_t *e);
    /* Optional: pushes out what write buffered. */
    wasi_io_status (*flush)(wasi_ctx_t *ctx, wasi_ostream_t *s, wasi_ioerr_t *e);
    bool (*ready)(wasi_ctx_t *ctx, wasi_ostream_t *s); /* NULL: always ready */
    void (*arm)(wasi_ctx_t *ctx, wasi_ostream_t *s);
    void (*destroy)(wasi_ctx_t *ctx, wasi_ostream_t *s); /* frees s */
} wasi_ostream_ops;

struct wasi_istream {
    wasi_obj_t obj;
    const wasi_istream_ops *ops;
    bool closed; /* a read reported closed: later reads say closed at once */
};

struct wasi_ostream {
    wasi_obj_t obj;
    const wasi_ostream_ops *ops;
    bool closed;
};

extern const wasi_objtype_t wasi_type_istream, wasi_type_ostream;

/* Initialises the stream part of an object the caller allocated
 * (refs = 1); the caller then usually puts it in the table. */
void wasi_istream_init(wasi_istream_t *s, const wasi_istream_ops *ops);
void wasi_ostream_init(wasi_ostream_t *s, const wasi_ostream_ops *ops);

/* Streams over a host fd with blocking I/O: for `run`'s stdio, and files
 * (where pread/pwrite at a moving offset; offset < 0: plain read/write).
 * append: write at the end. fd is borrowed (not closed). parent, if not
 * NULL, is kept alive as long as the stream (the descriptor it reads). */
wasi_istream_t *wasi_fd_istream(int fd, int64_t offset, wasi_obj_t *parent);
wasi_ostream_t *wasi_fd_ostream(int fd, int64_t offset, bool append, wasi_obj_t *parent);
/* An input stream that is at its end, and an output stream that drops
 * everything (for stdin/stdout where the embedder gives none). */
wasi_istream_t *wasi_empty_istream(void);
wasi_ostream_t *wasi_null_ostream(void);

/* ---- defining interfaces ---- */

typedef struct {
    const char *name; /* "[method]input-stream.read" */
    const char *sig;  /* "func(self: borrow<input-stream>, len: u64) -> …" */
    cm_host_fn fn;
} wasi_func_t;

typedef struct {
    const char *name; /* "input-stream", "stream-error" */
    const char *def;  /* "resource", "variant { … }" */
} wasi_typedef_t;

/* Defines the types (in order) and functions of one interface. Resources
 * get the shared destructor that releases the table's reference. */
wh_rc wasi_define(cm_linker_t *l, const char *iface, const wasi_typedef_t *types, size_t ntypes,
                  const wasi_func_t *funcs, size_t nfuncs, wh_err_t *err);

/* The version every wasi:* interface is defined at (guests built for any
 * 0.2.x link, by semver). */
#define WASI_V "@0.2.12"

/* Each part's definitions. */
wh_rc wasi_link_io(cm_linker_t *l, wh_err_t *err);
wh_rc wasi_link_cli(cm_linker_t *l, wh_err_t *err);
wh_rc wasi_link_filesystem(cm_linker_t *l, wh_err_t *err);
wh_rc wasi_link_sockets(cm_linker_t *l, wh_err_t *err);

/* ---- helpers for host functions ---- */

/* The object behind a handle argument, or a trap naming the type. */
#define WASI_ARG(call, val, T, type) ((T *)wasi__arg((call), (val), &(type)))
void *wasi__arg(cm_call_t *call, const cm_val_t *v, const wasi_objtype_t *type);

/* Result builders: own<resource> from a rep, result<ok, err> wrappers. */
static inline cm_val_t wasi_own(uint32_t rep)
{
    cm_val_t v = {.kind = CM_OWN};
    v.of.handle.rep = rep;
    return v;
}
/* A cm_val_t in the call's arena, copied from v (NULL when out of memory). */
cm_val_t *wasi_box(cm_call_t *call, cm_val_t v);
/* Sets *result to ok(payload) / err(payload); payload may be NULL (none). */
wh_rc wasi_ok(cm_call_t *call, cm_val_t *result, const cm_val_t *payload);
wh_rc wasi_errv(cm_call_t *call, cm_val_t *result, const cm_val_t *payload);
static inline cm_val_t wasi_u64(uint64_t u)
{
    cm_val_t v = {.kind = CM_U64};
    v.of.u = u;
    return v;
}
static inline cm_val_t wasi_enum(uint32_t tag)
{
    cm_val_t v = {.kind = CM_ENUM};
    v.of.var.tag = tag;
    return v;
}
/* A string in the call's arena (copied). */
cm_val_t wasi_str(cm_call_t *call, const char *s, size_t n);
/* A list<u8> value of the n bytes at p, and a list<u8> argument as bytes,
 * both in the call's arena (NULL / WH_TRAP when out of memory). */
wh_rc wasi_bytes(cm_call_t *call, const uint8_t *p, size_t n, cm_val_t *out);
uint8_t *wasi_list_bytes(cm_call_t *call, const cm_val_t *list);
/* A NUL-terminated copy of a string argument in the call's arena. */
char *wasi_cstr(cm_call_t *call, const cm_val_t *v);
wh_rc wasi_nomem(cm_call_t *call);

#endif
