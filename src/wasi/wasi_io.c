/*
 * wasi_io.c — wasi:io: error, poll and streams, over the stream and
 * pollable objects of wasi_int.h.
 *
 * A blocking-* function is the non-blocking one plus a wait: when nothing
 * is ready it arms the source and returns WH_SUSPEND; the retry on resume
 * starts over, so it is written to be repeatable until it does something.
 */
#include "wasi_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define IO_ERROR   "wasi:io/error" WASI_V
#define IO_POLL    "wasi:io/poll" WASI_V
#define IO_STREAMS "wasi:io/streams" WASI_V

/* Reads and writes move at most this much per call: a guest asking for 4
 * GiB gets a reasonable chunk, and the host never allocates more than this
 * for one read. */
enum { MAX_CHUNK = 1 << 20 };

/* ---- errors ---- */

static void error_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wh_free(o);
}

const wasi_objtype_t wasi_type_error = {"error", error_destroy};

uint32_t wasi_error_new(wasi_ctx_t *ctx, const wasi_ioerr_t *e)
{
    const char *msg = e->msg ? e->msg : "I/O error";
    size_t n = strlen(msg);
    wasi_error_t *err = wh_malloc(sizeof *err + n + 1);
    if (!err)
        return 0;
    err->obj = (wasi_obj_t){&wasi_type_error, 1};
    err->e = *e;
    memcpy(err->msg, msg, n + 1);
    err->e.msg = err->msg;
    return wasi_table_add(ctx, &err->obj);
}

static wh_rc error_to_debug_string(cm_call_t *call, void *env, const cm_val_t *args,
                                   cm_val_t *result)
{
    wasi_error_t *e = WASI_ARG(call, &args[0], wasi_error_t, wasi_type_error);
    if (!e)
        return WH_TRAP;
    *result = wasi_str(call, e->msg, strlen(e->msg));
    return WH_OK;
}

/* ---- pollables ---- */

typedef struct {
    wasi_obj_t obj;
    const wasi_pollops_t *ops; /* NULL: a timer */
    wasi_obj_t *src;
    uint64_t due;
} pollable_t;

static void pollable_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    pollable_t *p = (pollable_t *)o;
    wasi_obj_unref(ctx, p->src);
    wh_free(p);
}

static const wasi_objtype_t type_pollable = {"pollable", pollable_destroy};

static bool always(wasi_ctx_t *ctx, wasi_obj_t *src)
{
    return true;
}

static void arm_nothing(wasi_ctx_t *ctx, wasi_obj_t *src)
{
}

const wasi_pollops_t wasi_pollops_ready = {always, arm_nothing};

uint32_t wasi_pollable_new(wasi_ctx_t *ctx, wasi_obj_t *src, const wasi_pollops_t *ops,
                           uint64_t due)
{
    pollable_t *p = wh_malloc(sizeof *p);
    if (!p)
        return 0;
    *p = (pollable_t){{&type_pollable, 1}, ops, src, due};
    if (src)
        wasi_obj_ref(src);
    return wasi_table_add(ctx, &p->obj);
}

static bool pollable_ready(wasi_ctx_t *ctx, pollable_t *p)
{
    if (!p->ops)
        return wasi_now_ns() >= p->due;
    return p->ops->ready(ctx, p->src);
}

/* Notes the pollables of a wait in ctx->waiting_on ("poll(a, b, ...)"),
 * for the message of a guest that waits past its deadline. */
static void note_wait(wasi_ctx_t *ctx, const char *how, pollable_t *const *ps, uint32_t n)
{
    char *b = ctx->waiting_on, *end = b + sizeof ctx->waiting_on;
    int k = snprintf(b, (size_t)(end - b), "%s(", how);
    for (uint32_t i = 0; i < n && k > 0 && b + k < end; i++)
        k += snprintf(b + k, (size_t)(end - b - k), "%s%s", i ? ", " : "",
                      ps[i]->src ? ps[i]->src->type->name : "a timer");
    if (k > 0 && b + k < end)
        snprintf(b + k, (size_t)(end - b - k), ")");
}

static void pollable_arm(wasi_ctx_t *ctx, pollable_t *p)
{
    if (!p->ops)
        wasi_timer_arm(ctx, p->due);
    else
        p->ops->arm(ctx, p->src);
}

static wh_rc pollable_ready_fn(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    pollable_t *p = WASI_ARG(call, &args[0], pollable_t, type_pollable);
    if (!p)
        return WH_TRAP;
    result->kind = CM_BOOL;
    result->of.b = pollable_ready(wasi_ctx_of(call), p);
    return WH_OK;
}

static wh_rc pollable_block(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    pollable_t *p = WASI_ARG(call, &args[0], pollable_t, type_pollable);
    if (!p)
        return WH_TRAP;
    if (pollable_ready(ctx, p))
        return WH_OK;
    note_wait(ctx, "pollable.block", &p, 1);
    pollable_arm(ctx, p);
    return wasi_wait(ctx, NULL);
}

static wh_rc poll_fn(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    const cm_val_t *in = args[0].of.list.v;
    uint32_t n = args[0].of.list.n;
    if (n == 0)
        return cm_call_trap(call, "wasi:io/poll.poll: the list of pollables is empty");
    pollable_t **ps = cm_call_alloc(call, n * sizeof *ps);
    cm_val_t *out = cm_call_alloc(call, n * sizeof *out);
    if (!ps || !out)
        return wasi_nomem(call);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!(ps[i] = WASI_ARG(call, &in[i], pollable_t, type_pollable)))
            return WH_TRAP;
        if (pollable_ready(ctx, ps[i]))
            out[k++] = (cm_val_t){.kind = CM_U32, .of.u = i};
    }
    if (k == 0) {
        note_wait(ctx, "poll", ps, n);
        for (uint32_t i = 0; i < n; i++)
            pollable_arm(ctx, ps[i]);
        return wasi_wait(ctx, NULL);
    }
    result->kind = CM_LIST;
    result->of.list.v = out;
    result->of.list.n = k;
    return WH_OK;
}

/* ---- streams: objects ---- */

static void istream_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wasi_istream_t *s = (wasi_istream_t *)o;
    s->ops->destroy(ctx, s);
}

static void ostream_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wasi_ostream_t *s = (wasi_ostream_t *)o;
    s->ops->destroy(ctx, s);
}

const wasi_objtype_t wasi_type_istream = {"input-stream", istream_destroy};
const wasi_objtype_t wasi_type_ostream = {"output-stream", ostream_destroy};

void wasi_istream_init(wasi_istream_t *s, const wasi_istream_ops *ops)
{
    *s = (wasi_istream_t){{&wasi_type_istream, 1}, ops, false};
}

void wasi_ostream_init(wasi_ostream_t *s, const wasi_ostream_ops *ops)
{
    *s = (wasi_ostream_t){{&wasi_type_ostream, 1}, ops, false};
}

static bool istream_ready(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wasi_istream_t *s = (wasi_istream_t *)o;
    return s->closed || !s->ops->ready || s->ops->ready(ctx, s);
}

static void istream_arm(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wasi_istream_t *s = (wasi_istream_t *)o;
    if (s->ops->arm)
        s->ops->arm(ctx, s);
}

static bool ostream_ready(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wasi_ostream_t *s = (wasi_ostream_t *)o;
    return s->closed || !s->ops->ready || s->ops->ready(ctx, s);
}

static void ostream_arm(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wasi_ostream_t *s = (wasi_ostream_t *)o;
    if (s->ops->arm)
        s->ops->arm(ctx, s);
}

static const wasi_pollops_t istream_poll = {istream_ready, istream_arm};
static const wasi_pollops_t ostream_poll = {ostream_ready, ostream_arm};

/* ---- streams: results ---- */

/* result<_, stream-error> (or with a payload) from a failed status. */
static wh_rc stream_error(cm_call_t *call, cm_val_t *result, wasi_io_status st,
                          const wasi_ioerr_t *e)
{
    cm_val_t se = {.kind = CM_VARIANT};
    if (st == WASI_IO_CLOSED) {
        se.of.var.tag = 1; /* closed */
    } else {
        uint32_t rep = wasi_error_new(wasi_ctx_of(call), e);
        if (!rep)
            return wasi_nomem(call);
        se.of.var.tag = 0; /* last-operation-failed(error) */
        if (!(se.of.var.v = wasi_box(call, wasi_own(rep))))
            return wasi_nomem(call);
    }
    return wasi_errv(call, result, &se);
}

static size_t chunk(uint64_t len)
{
    return len > MAX_CHUNK ? MAX_CHUNK : (size_t)len;
}

/* The read both read and blocking-read do; *would_block when nothing was
 * there (and the result is not set). */
static wh_rc do_read(cm_call_t *call, const cm_val_t *args, cm_val_t *result, bool *would_block,
                     wasi_istream_t **out_s)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    wasi_istream_t *s = *out_s = WASI_ARG(call, &args[0], wasi_istream_t, wasi_type_istream);
    if (!s)
        return WH_TRAP;
    *would_block = false;
    size_t max = chunk(args[1].of.u), n = 0;
    uint8_t *buf = max ? cm_call_alloc(call, max) : NULL;
    if (max && !buf)
        return wasi_nomem(call);
    wasi_ioerr_t e = {0};
    wasi_io_status st = WASI_IO_CLOSED;
    if (!s->closed)
        st = max ? s->ops->read(ctx, s, buf, max, &n, &e) : WASI_IO_OK;
    if (st != WASI_IO_OK) {
        s->closed = true;
        return stream_error(call, result, st, &e);
    }
    if (n == 0 && max) {
        *would_block = true;
        return WH_OK;
    }
    cm_val_t list;
    wh_rc rc = wasi_bytes(call, buf, n, &list);
    return rc ? rc : wasi_ok(call, result, &list);
}

static wh_rc empty_ok_list(cm_call_t *call, cm_val_t *result)
{
    static const uint8_t none[1];
    cm_val_t list = {.kind = CM_LIST, .of.bytes = {none, 0}};
    return wasi_ok(call, result, &list);
}

static wh_rc is_read(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    bool wb;
    wasi_istream_t *s;
    wh_rc rc = do_read(call, args, result, &wb, &s);
    return rc || !wb ? rc : empty_ok_list(call, result);
}

static wh_rc is_blocking_read(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    bool wb;
    wasi_istream_t *s;
    wh_rc rc = do_read(call, args, result, &wb, &s);
    if (rc || !wb)
        return rc;
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    istream_arm(ctx, &s->obj);
    return wasi_wait(ctx, "input-stream.blocking-read");
}

/* skip: a read whose bytes are dropped. */
static wh_rc do_skip(cm_call_t *call, const cm_val_t *args, cm_val_t *result, bool block)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    wasi_istream_t *s = WASI_ARG(call, &args[0], wasi_istream_t, wasi_type_istream);
    if (!s)
        return WH_TRAP;
    size_t max = chunk(args[1].of.u), n = 0;
    uint8_t buf[16384];
    if (max > sizeof buf)
        max = sizeof buf;
    wasi_ioerr_t e = {0};
    wasi_io_status st = WASI_IO_CLOSED;
    if (!s->closed)
        st = max ? s->ops->read(ctx, s, buf, max, &n, &e) : WASI_IO_OK;
    if (st != WASI_IO_OK) {
        s->closed = true;
        return stream_error(call, result, st, &e);
    }
    if (n == 0 && max && block) {
        istream_arm(ctx, &s->obj);
        return wasi_wait(ctx, "input-stream.blocking-skip");
    }
    cm_val_t v = wasi_u64(n);
    return wasi_ok(call, result, &v);
}

static wh_rc is_skip(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return do_skip(call, args, result, false);
}

static wh_rc is_blocking_skip(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return do_skip(call, args, result, true);
}

static wh_rc subscribe(cm_call_t *call, const cm_val_t *arg, const wasi_objtype_t *type,
                       const wasi_pollops_t *ops, cm_val_t *result)
{
    wasi_obj_t *o = wasi_arg_obj(call, arg, type);
    if (!o)
        return WH_TRAP;
    uint32_t rep = wasi_pollable_new(wasi_ctx_of(call), o, ops, 0);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

static wh_rc is_subscribe(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return subscribe(call, &args[0], &wasi_type_istream, &istream_poll, result);
}

static wh_rc os_subscribe(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return subscribe(call, &args[0], &wasi_type_ostream, &ostream_poll, result);
}

/* ---- output streams ---- */

static wasi_ostream_t *ostream_arg(cm_call_t *call, const cm_val_t *v)
{
    return WASI_ARG(call, v, wasi_ostream_t, wasi_type_ostream);
}

static wasi_io_status check_write(wasi_ctx_t *ctx, wasi_ostream_t *s, size_t *n, wasi_ioerr_t *e)
{
    if (s->closed)
        return WASI_IO_CLOSED;
    wasi_io_status st = s->ops->check_write(ctx, s, n, e);
    if (st != WASI_IO_OK)
        s->closed = true;
    return st;
}

static wasi_io_status write_bytes(wasi_ctx_t *ctx, wasi_ostream_t *s, const uint8_t *p, size_t n,
                                  wasi_ioerr_t *e)
{
    if (s->closed)
        return WASI_IO_CLOSED;
    wasi_io_status st = n ? s->ops->write(ctx, s, p, n, e) : WASI_IO_OK;
    if (st == WASI_IO_OK && s->ops->flush)
        st = s->ops->flush(ctx, s, e);
    if (st != WASI_IO_OK)
        s->closed = true;
    return st;
}

static wh_rc os_check_write(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ostream_t *s = ostream_arg(call, &args[0]);
    if (!s)
        return WH_TRAP;
    size_t n = 0;
    wasi_ioerr_t e = {0};
    wasi_io_status st = check_write(wasi_ctx_of(call), s, &n, &e);
    if (st != WASI_IO_OK)
        return stream_error(call, result, st, &e);
    cm_val_t v = wasi_u64(n);
    return wasi_ok(call, result, &v);
}

static wh_rc os_write(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    wasi_ostream_t *s = ostream_arg(call, &args[0]);
    if (!s)
        return WH_TRAP;
    const uint8_t *p = args[1].of.bytes.ptr;
    size_t n = args[1].of.bytes.n, allowed = 0;
    wasi_ioerr_t e = {0};
    wasi_io_status st = check_write(ctx, s, &allowed, &e);
    if (st == WASI_IO_OK && n > allowed)
        return cm_call_trap(call, "wasi:io/streams write: %zu bytes, but check-write allowed %zu",
                            n, allowed);
    if (st == WASI_IO_OK && n && (st = s->ops->write(ctx, s, p, n, &e)) != WASI_IO_OK)
        s->closed = true;
    if (st != WASI_IO_OK)
        return stream_error(call, result, st, &e);
    return wasi_ok(call, result, NULL);
}

/* blocking-write-and-flush and blocking-write-zeroes-and-flush: wait until
 * the stream takes the bytes (at most 4096, as the WIT says), then write
 * and flush. */
static wh_rc blocking_write(cm_call_t *call, const cm_val_t *self, const uint8_t *p, size_t n,
                            cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    wasi_ostream_t *s = ostream_arg(call, self);
    if (!s)
        return WH_TRAP;
    if (n > 4096)
        return cm_call_trap(call, "wasi:io/streams blocking write: %zu bytes is more than 4096", n);
    size_t allowed = 0;
    wasi_ioerr_t e = {0};
    wasi_io_status st = check_write(ctx, s, &allowed, &e);
    if (st == WASI_IO_OK && allowed < n) {
        ostream_arm(ctx, &s->obj);
        return wasi_wait(ctx, "output-stream.blocking-write-and-flush");
    }
    if (st == WASI_IO_OK)
        st = write_bytes(ctx, s, p, n, &e);
    if (st != WASI_IO_OK)
        return stream_error(call, result, st, &e);
    return wasi_ok(call, result, NULL);
}

static wh_rc os_blocking_write_and_flush(cm_call_t *call, void *env, const cm_val_t *args,
                                         cm_val_t *result)
{
    return blocking_write(call, &args[0], args[1].of.bytes.ptr, args[1].of.bytes.n, result);
}

static const uint8_t zeroes[4096];

static wh_rc os_blocking_write_zeroes_and_flush(cm_call_t *call, void *env, const cm_val_t *args,
                                                cm_val_t *result)
{
    if (args[1].of.u > sizeof zeroes)
        return cm_call_trap(call,
                            "wasi:io/streams blocking-write-zeroes-and-flush: %llu bytes "
                            "is more than 4096",
                            (unsigned long long)args[1].of.u);
    return blocking_write(call, &args[0], zeroes, (size_t)args[1].of.u, result);
}

static wh_rc os_write_zeroes(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    wasi_ostream_t *s = ostream_arg(call, &args[0]);
    if (!s)
        return WH_TRAP;
    uint64_t n = args[1].of.u;
    size_t allowed = 0;
    wasi_ioerr_t e = {0};
    wasi_io_status st = check_write(ctx, s, &allowed, &e);
    if (st == WASI_IO_OK && n > allowed)
        return cm_call_trap(call, "wasi:io/streams write-zeroes: more than check-write allowed");
    while (st == WASI_IO_OK && n) {
        size_t k = n > sizeof zeroes ? sizeof zeroes : (size_t)n;
        if ((st = s->ops->write(ctx, s, zeroes, k, &e)) != WASI_IO_OK)
            s->closed = true;
        n -= k;
    }
    if (st != WASI_IO_OK)
        return stream_error(call, result, st, &e);
    return wasi_ok(call, result, NULL);
}

/* flush and blocking-flush. A blocking flush then waits until the stream
 * has room again: our streams hand written bytes to the OS or the socket
 * queue at once, so "room again" is what "flushed" can mean here. */
static wh_rc do_flush(cm_call_t *call, const cm_val_t *args, cm_val_t *result, bool block)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    wasi_ostream_t *s = ostream_arg(call, &args[0]);
    if (!s)
        return WH_TRAP;
    wasi_ioerr_t e = {0};
    wasi_io_status st = write_bytes(ctx, s, NULL, 0, &e);
    if (block && st == WASI_IO_OK && !ostream_ready(ctx, &s->obj)) {
        ostream_arm(ctx, &s->obj);
        return wasi_wait(ctx, "output-stream.blocking-flush");
    }
    if (st != WASI_IO_OK)
        return stream_error(call, result, st, &e);
    return wasi_ok(call, result, NULL);
}

static wh_rc os_flush(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return do_flush(call, args, result, false);
}

static wh_rc os_blocking_flush(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return do_flush(call, args, result, true);
}

/* splice: read from src what dst can take now, and write it. */
static wh_rc do_splice(cm_call_t *call, const cm_val_t *args, cm_val_t *result, bool block)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    wasi_ostream_t *dst = ostream_arg(call, &args[0]);
    wasi_istream_t *src = WASI_ARG(call, &args[1], wasi_istream_t, wasi_type_istream);
    if (!dst || !src)
        return WH_TRAP;
    size_t want = chunk(args[2].of.u), allowed = 0, n = 0;
    wasi_ioerr_t e = {0};
    wasi_io_status st = check_write(ctx, dst, &allowed, &e);
    if (st != WASI_IO_OK)
        return stream_error(call, result, st, &e);
    if (allowed < want)
        want = allowed;
    if (want == 0 && args[2].of.u && block) {
        ostream_arm(ctx, &dst->obj);
        return wasi_wait(ctx, "output-stream.blocking-splice");
    }
    uint8_t buf[16384];
    if (want > sizeof buf)
        want = sizeof buf;
    st = src->closed ? WASI_IO_CLOSED
                     : (want ? src->ops->read(ctx, src, buf, want, &n, &e) : WASI_IO_OK);
    if (st != WASI_IO_OK) {
        src->closed = true;
        return stream_error(call, result, st, &e);
    }
    if (n == 0 && want && block) {
        istream_arm(ctx, &src->obj);
        return wasi_wait(ctx, "output-stream.blocking-splice");
    }
    if (n && (st = dst->ops->write(ctx, dst, buf, n, &e)) != WASI_IO_OK) {
        dst->closed = true;
        return stream_error(call, result, st, &e);
    }
    cm_val_t v = wasi_u64(n);
    return wasi_ok(call, result, &v);
}

static wh_rc os_splice(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return do_splice(call, args, result, false);
}

static wh_rc os_blocking_splice(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return do_splice(call, args, result, true);
}

/* ---- streams over host fds (run's stdio, files) ---- */

typedef struct {
    wasi_istream_t s;
    int fd;
    int64_t off;
    wasi_obj_t *parent;
} fd_istream_t;

typedef struct {
    wasi_ostream_t s;
    int fd;
    int64_t off;
    bool append;
    wasi_obj_t *parent;
} fd_ostream_t;

static wasi_ioerr_t errno_err(int errnum)
{
    return (wasi_ioerr_t){WASI_ERRDOM_FS, (int)wasi_fs_error_from_errno(errnum), strerror(errnum)};
}

static wasi_io_status fd_read(wasi_ctx_t *ctx, wasi_istream_t *st, uint8_t *buf, size_t max,
                              size_t *n, wasi_ioerr_t *e)
{
    fd_istream_t *s = (fd_istream_t *)st;
    ssize_t r;
    do
        r = s->off >= 0 ? pread(s->fd, buf, max, s->off) : read(s->fd, buf, max);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        *e = errno_err(errno);
        return WASI_IO_FAILED;
    }
    if (r == 0)
        return WASI_IO_CLOSED;
    if (s->off >= 0)
        s->off += r;
    *n = (size_t)r;
    return WASI_IO_OK;
}

static void fd_istream_destroy(wasi_ctx_t *ctx, wasi_istream_t *st)
{
    fd_istream_t *s = (fd_istream_t *)st;
    wasi_obj_unref(ctx, s->parent);
    wh_free(s);
}

static const wasi_istream_ops fd_istream_ops = {fd_read, NULL, NULL, fd_istream_destroy};

wasi_istream_t *wasi_fd_istream(int fd, int64_t offset, wasi_obj_t *parent)
{
    fd_istream_t *s = wh_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    wasi_istream_init(&s->s, &fd_istream_ops);
    s->fd = fd;
    s->off = offset;
    if ((s->parent = parent))
        wasi_obj_ref(parent);
    return &s->s;
}

static wasi_io_status fd_check_write(wasi_ctx_t *ctx, wasi_ostream_t *st, size_t *n,
                                     wasi_ioerr_t *e)
{
    *n = MAX_CHUNK; /* blocking writes: always room */
    return WASI_IO_OK;
}

static wasi_io_status fd_write(wasi_ctx_t *ctx, wasi_ostream_t *st, const uint8_t *buf, size_t n,
                               wasi_ioerr_t *e)
{
    fd_ostream_t *s = (fd_ostream_t *)st;
    if (s->fd < 0)
        return WASI_IO_OK;
    while (n) {
        ssize_t r = s->append || s->off < 0 ? write(s->fd, buf, n) : pwrite(s->fd, buf, n, s->off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *e = errno_err(errno);
            return errno == EPIPE ? WASI_IO_CLOSED : WASI_IO_FAILED;
        }
        if (s->off >= 0)
            s->off += r;
        buf += r;
        n -= (size_t)r;
    }
    return WASI_IO_OK;
}

static void fd_ostream_destroy(wasi_ctx_t *ctx, wasi_ostream_t *st)
{
    fd_ostream_t *s = (fd_ostream_t *)st;
    wasi_obj_unref(ctx, s->parent);
    wh_free(s);
}

static const wasi_ostream_ops fd_ostream_ops = {fd_check_write, fd_write, NULL,
                                                NULL,           NULL,     fd_ostream_destroy};

wasi_ostream_t *wasi_fd_ostream(int fd, int64_t offset, bool append, wasi_obj_t *parent)
{
    fd_ostream_t *s = wh_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    wasi_ostream_init(&s->s, &fd_ostream_ops);
    s->fd = fd;
    s->off = offset;
    s->append = append;
    if ((s->parent = parent))
        wasi_obj_ref(parent);
    return &s->s;
}

static wasi_io_status empty_read(wasi_ctx_t *ctx, wasi_istream_t *s, uint8_t *buf, size_t max,
                                 size_t *n, wasi_ioerr_t *e)
{
    return WASI_IO_CLOSED;
}

static void plain_istream_destroy(wasi_ctx_t *ctx, wasi_istream_t *s)
{
    wh_free(s);
}

static const wasi_istream_ops empty_ops = {empty_read, NULL, NULL, plain_istream_destroy};

wasi_istream_t *wasi_empty_istream(void)
{
    wasi_istream_t *s = wh_malloc(sizeof *s);
    if (s)
        wasi_istream_init(s, &empty_ops);
    return s;
}

wasi_ostream_t *wasi_null_ostream(void)
{
    return wasi_fd_ostream(-1, -1, false, NULL);
}

/* ---- the interfaces ---- */

static const wasi_typedef_t error_types[] = {{"error", "resource"}};
static const wasi_func_t error_funcs[] = {
    {"[method]error.to-debug-string", "func(self: borrow<error>) -> string", error_to_debug_string},
};

static const wasi_typedef_t poll_types[] = {{"pollable", "resource"}};
static const wasi_func_t poll_funcs[] = {
    {"[method]pollable.ready", "func(self: borrow<pollable>) -> bool", pollable_ready_fn},
    {"[method]pollable.block", "func(self: borrow<pollable>)", pollable_block},
    {"poll", "func(in: list<borrow<pollable>>) -> list<u32>", poll_fn},
};

static const wasi_typedef_t streams_types[] = {
    {"error", "resource"},
    {"pollable", "resource"},
    {"stream-error", "variant { last-operation-failed(error), closed }"},
    {"input-stream", "resource"},
    {"output-stream", "resource"},
};

#define IS "borrow<input-stream>"
#define OS "borrow<output-stream>"
static const wasi_func_t streams_funcs[] = {
    {"[method]input-stream.read", "func(self: " IS ", len: u64) -> result<list<u8>, stream-error>",
     is_read},
    {"[method]input-stream.blocking-read",
     "func(self: " IS ", len: u64) -> result<list<u8>, stream-error>", is_blocking_read},
    {"[method]input-stream.skip", "func(self: " IS ", len: u64) -> result<u64, stream-error>",
     is_skip},
    {"[method]input-stream.blocking-skip",
     "func(self: " IS ", len: u64) -> result<u64, stream-error>", is_blocking_skip},
    {"[method]input-stream.subscribe", "func(self: " IS ") -> pollable", is_subscribe},
    {"[method]output-stream.check-write", "func(self: " OS ") -> result<u64, stream-error>",
     os_check_write},
    {"[method]output-stream.write",
     "func(self: " OS ", contents: list<u8>) -> "
     "result<_, stream-error>",
     os_write},
    {"[method]output-stream.blocking-write-and-flush",
     "func(self: " OS ", contents: list<u8>) -> result<_, stream-error>",
     os_blocking_write_and_flush},
    {"[method]output-stream.flush", "func(self: " OS ") -> result<_, stream-error>", os_flush},
    {"[method]output-stream.blocking-flush", "func(self: " OS ") -> result<_, stream-error>",
     os_blocking_flush},
    {"[method]output-stream.subscribe", "func(self: " OS ") -> pollable", os_subscribe},
    {"[method]output-stream.write-zeroes",
     "func(self: " OS ", len: u64) -> "
     "result<_, stream-error>",
     os_write_zeroes},
    {"[method]output-stream.blocking-write-zeroes-and-flush",
     "func(self: " OS ", len: u64) -> result<_, stream-error>", os_blocking_write_zeroes_and_flush},
    {"[method]output-stream.splice",
     "func(self: " OS ", src: " IS ", len: u64) -> result<u64, stream-error>", os_splice},
    {"[method]output-stream.blocking-splice",
     "func(self: " OS ", src: " IS ", len: u64) -> result<u64, stream-error>", os_blocking_splice},
};
#undef IS
#undef OS

wh_rc wasi_link_io(cm_linker_t *l, wh_err_t *err)
{
    wh_rc rc;
    if ((rc = wasi_define(l, IO_ERROR, error_types, WH_ARRAY_LEN(error_types), error_funcs,
                          WH_ARRAY_LEN(error_funcs), err)) ||
        (rc = wasi_define(l, IO_POLL, poll_types, WH_ARRAY_LEN(poll_types), poll_funcs,
                          WH_ARRAY_LEN(poll_funcs), err)) ||
        (rc = wasi_define(l, IO_STREAMS, streams_types, WH_ARRAY_LEN(streams_types), streams_funcs,
                          WH_ARRAY_LEN(streams_funcs), err)))
        return rc;
    return WH_OK;
}
