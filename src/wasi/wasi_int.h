/*
 * wasi_int.h — what the WASI bindings share (not a public header: what
 * other hosts built on this one need, objects, streams, pollables, is in
 * wasi_host.h).
 */
#ifndef WASI_INT_H
#define WASI_INT_H

#include "component/cm.h"
#include "wasi_host.h"

#include <uv.h>

/* ---- the context ---- */

struct wasi_ctx {
    const wasi_config_t *cfg;
    uv_loop_t *loop;
    WH_VEC(wasi_obj_t *) table; /* slot 0 unused; NULL slots are free */
    uint32_t free_hint;
    /* waiting */
    bool waiting;
    char waiting_on[120]; /* what the last wait was for, for messages */
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
    /* the embedder's sink for stdout and stderr (wasi_ctx_set_output) */
    void (*out)(void *ud, int which, const uint8_t *buf, size_t n);
    void *out_ud;
};

/* Makes the context's timer fire no later than `due` (monotonic ns). */
void wasi_timer_arm(wasi_ctx_t *ctx, uint64_t due);

/* Marks the context as waiting and returns WH_SUSPEND for the host function
 * to return. what names the call that waits (a static string), for the
 * message of a guest that waits past its deadline; NULL when the caller
 * wrote ctx->waiting_on itself. */
wh_rc wasi_wait(wasi_ctx_t *ctx, const char *what);

/* ---- streams over host descriptors ---- */

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

/* Each part's definitions. */
wh_rc wasi_link_io(cm_linker_t *l, wh_err_t *err);
wh_rc wasi_link_cli(cm_linker_t *l, wh_err_t *err);
wh_rc wasi_link_filesystem(cm_linker_t *l, wh_err_t *err);
wh_rc wasi_link_sockets(cm_linker_t *l, wh_err_t *err);

#endif
