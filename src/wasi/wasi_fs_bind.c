/*
 * wasi_fs_bind.c — wasi:filesystem (types, preopens) over the sandbox core
 * of wasi_fs.c.
 *
 * A descriptor is a table object that owns one host fd (closed when the
 * object goes) and remembers the descriptor-flags it was opened with and
 * whether the tree beneath it is read-only. Every path operation is the
 * core's, given that fd and that read-only bit: this file lifts arguments
 * and lowers results, and decides nothing about paths. Streams and
 * directory iterators made from a descriptor never outlive its fd: a stream
 * holds a reference on the descriptor, an iterator has an fd of its own.
 *
 * Every call here finishes at once (files are read and written with
 * blocking host calls; a disk does not make a guest wait the way a socket
 * does), so nothing in this file suspends.
 */
#include "wasi_int.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FS_TYPES    "wasi:filesystem/types" WASI_V
#define FS_PREOPENS "wasi:filesystem/preopens" WASI_V

/* read moves at most this much per call, as the streams do (wasi_io.c): the
 * WIT lets a host return fewer bytes than asked, and a guest asking for 4
 * GiB should not make the host allocate them. */
enum { MAX_CHUNK = 1 << 20 };

/* ---- objects ---- */

typedef struct {
    wasi_obj_t obj;
    int fd;              /* owned */
    uint32_t flags;      /* descriptor-flags asked for (read, write, sync) */
    bool read_only;      /* no mutate-directory: see wasi_fs_child_read_only */
    wasi_fs_type_t type; /* of the object fd is open on, which cannot change */
} desc_t;

static void desc_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    desc_t *d = (desc_t *)o;
    close(d->fd);
    wh_free(d);
}

static const wasi_objtype_t type_descriptor = {"descriptor", desc_destroy};

/* A descriptor for fd (which it takes over: closed on failure too) in the
 * table; its rep, or 0 when out of memory. */
static uint32_t desc_new(wasi_ctx_t *ctx, int fd, uint32_t flags, bool read_only)
{
    desc_t *d = wh_malloc(sizeof *d);
    if (!d) {
        close(fd);
        return 0;
    }
    *d = (desc_t){{&type_descriptor, 1}, fd, flags, read_only, WASI_FS_TYPE_UNKNOWN};
    wasi_fs_stat_t st;
    wasi_fs_error_t e;
    if (wasi_fs_stat(fd, &st, &e))
        d->type = st.type;
    return wasi_table_add(ctx, &d->obj);
}

typedef struct {
    wasi_obj_t obj;
    wasi_fs_dir_iter_t it; /* has its own host fd */
} dirstream_t;

static void dirstream_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    dirstream_t *s = (dirstream_t *)o;
    wasi_fs_dir_close(&s->it);
    wh_free(s);
}

static const wasi_objtype_t type_dirstream = {"directory-entry-stream", dirstream_destroy};

/* ---- append-via-stream: an output stream that writes at the end ---- */

typedef struct {
    wasi_ostream_t s;
    int afd;   /* an O_APPEND description of the file (owned), or -1 */
    desc_t *d; /* the descriptor, kept alive: without afd, writes go to d->fd */
} append_stream_t;

static wasi_io_status append_check_write(wasi_ctx_t *ctx, wasi_ostream_t *st, size_t *n,
                                         wasi_ioerr_t *e)
{
    *n = MAX_CHUNK; /* blocking writes: always room */
    return WASI_IO_OK;
}

static wasi_io_status append_write(wasi_ctx_t *ctx, wasi_ostream_t *st, const uint8_t *buf,
                                   size_t n, wasi_ioerr_t *e)
{
    append_stream_t *s = (append_stream_t *)st;
    while (n) {
        ssize_t r;
        if (s->afd >= 0) {
            r = write(s->afd, buf, n);
        } else {
            /* No second description to be had (no /proc): write at the
             * size. Not atomic against other writers, but at the end. */
            struct stat sb;
            r = fstat(s->d->fd, &sb) != 0 ? -1 : pwrite(s->d->fd, buf, n, sb.st_size);
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *e = (wasi_ioerr_t){WASI_ERRDOM_FS, (int)wasi_fs_error_from_errno(errno),
                                strerror(errno)};
            return WASI_IO_FAILED;
        }
        buf += r;
        n -= (size_t)r;
    }
    return WASI_IO_OK;
}

static void append_destroy(wasi_ctx_t *ctx, wasi_ostream_t *st)
{
    append_stream_t *s = (append_stream_t *)st;
    if (s->afd >= 0)
        close(s->afd);
    wasi_obj_unref(ctx, &s->d->obj);
    wh_free(s);
}

static const wasi_ostream_ops append_ops = {append_check_write, append_write, NULL, NULL, NULL,
                                            append_destroy};

/* ---- argument and result helpers ---- */

static desc_t *desc_arg(cm_call_t *call, const cm_val_t *v)
{
    return WASI_ARG(call, v, desc_t, type_descriptor);
}

/* err(error-code) */
static wh_rc fs_err(cm_call_t *call, cm_val_t *result, wasi_fs_error_t e)
{
    cm_val_t v = wasi_enum((uint32_t)e);
    return wasi_errv(call, result, &v);
}

/* ok(payload) when ok, else err(e). Call it with ok already computed: an
 * argument list does not order the core call before reading e. */
static wh_rc fs_result(cm_call_t *call, cm_val_t *result, bool ok, const cm_val_t *payload,
                       wasi_fs_error_t e)
{
    return ok ? wasi_ok(call, result, payload) : fs_err(call, result, e);
}

/* A path argument as a C string in the call's arena. NULL when it cannot
 * be one: out of memory (*rc is a trap), or a NUL byte inside, which no
 * host path can hold (*rc is WH_OK with err(invalid) in *result). */
static char *path_arg(cm_call_t *call, const cm_val_t *v, cm_val_t *result, wh_rc *rc)
{
    if (memchr(v->of.str.ptr, 0, v->of.str.len)) {
        *rc = fs_err(call, result, WASI_FS_ERR_INVALID);
        return NULL;
    }
    char *p = wasi_cstr(call, v);
    if (!p)
        *rc = wasi_nomem(call);
    return p;
}

/* new-timestamp: no-change, now, timestamp(datetime). */
static wasi_fs_newtime_t newtime_arg(const cm_val_t *v)
{
    wasi_fs_newtime_t t = {WASI_FS_TIME_NO_CHANGE, 0, 0};
    if (v->of.var.tag == 1) {
        t.kind = WASI_FS_TIME_NOW;
    } else if (v->of.var.tag == 2 && v->of.var.v) {
        t.kind = WASI_FS_TIME_SET;
        t.seconds = v->of.var.v->of.list.v[0].of.u;
        t.nanoseconds = (uint32_t)v->of.var.v->of.list.v[1].of.u;
    }
    return t;
}

/* option<datetime> */
static bool datetime_opt(cm_call_t *call, const wasi_fs_time_t *t, cm_val_t *out)
{
    *out = (cm_val_t){.kind = CM_OPTION};
    if (!t->present)
        return true;
    cm_val_t *f = cm_call_alloc(call, 3 * sizeof *f);
    if (!f)
        return false;
    f[0] = wasi_u64(t->seconds);
    f[1] = (cm_val_t){.kind = CM_U32, .of.u = t->nanoseconds};
    f[2] = (cm_val_t){.kind = CM_RECORD};
    f[2].of.list.v = f;
    f[2].of.list.n = 2;
    out->of.var.tag = 1;
    out->of.var.v = &f[2];
    return true;
}

/* ok(descriptor-stat) */
static wh_rc stat_result(cm_call_t *call, cm_val_t *result, const wasi_fs_stat_t *st)
{
    cm_val_t *f = cm_call_alloc(call, 6 * sizeof *f);
    if (!f)
        return wasi_nomem(call);
    f[0] = wasi_enum((uint32_t)st->type);
    f[1] = wasi_u64(st->link_count);
    f[2] = wasi_u64(st->size);
    if (!datetime_opt(call, &st->atime, &f[3]) || !datetime_opt(call, &st->mtime, &f[4]) ||
        !datetime_opt(call, &st->ctime, &f[5]))
        return wasi_nomem(call);
    cm_val_t rec = {.kind = CM_RECORD};
    rec.of.list.v = f;
    rec.of.list.n = 6;
    return wasi_ok(call, result, &rec);
}

/* ok(metadata-hash-value) */
static wh_rc hash_result(cm_call_t *call, cm_val_t *result, const wasi_fs_hash_t *h)
{
    cm_val_t *f = cm_call_alloc(call, 2 * sizeof *f);
    if (!f)
        return wasi_nomem(call);
    f[0] = wasi_u64(h->lower);
    f[1] = wasi_u64(h->upper);
    cm_val_t rec = {.kind = CM_RECORD};
    rec.of.list.v = f;
    rec.of.list.n = 2;
    return wasi_ok(call, result, &rec);
}

/* ok(own<T>) for an object just put in the table (rep 0: out of memory). */
static wh_rc own_result(cm_call_t *call, cm_val_t *result, uint32_t rep)
{
    if (!rep)
        return wasi_nomem(call);
    cm_val_t v = wasi_own(rep);
    return wasi_ok(call, result, &v);
}

/* Every descriptor method starts the same way: the descriptor behind self
 * (a dead handle is a trap). */
#define SELF(d)                                                                                    \
    desc_t *d = desc_arg(call, &args[0]);                                                          \
    if (!d)                                                                                        \
    return WH_TRAP

/* A path argument into a local, returning from the host function when
 * there is none (see path_arg). */
#define PATH(p, v)                                                                                 \
    wh_rc p##_rc = WH_OK;                                                                          \
    char *p = path_arg(call, (v), result, &p##_rc);                                                \
    if (!p)                                                                                        \
    return p##_rc

/* ---- descriptor: streams ---- */

static wh_rc d_read_via_stream(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    uint64_t off = args[1].of.u;
    if (!(d->flags & WASI_FS_DESC_READ))
        return fs_err(call, result, WASI_FS_ERR_BAD_DESCRIPTOR);
    if (d->type == WASI_FS_TYPE_DIRECTORY)
        return fs_err(call, result, WASI_FS_ERR_IS_DIRECTORY);
    if (off > (uint64_t)INT64_MAX)
        return fs_err(call, result, WASI_FS_ERR_INVALID);
    wasi_istream_t *s = wasi_fd_istream(d->fd, (int64_t)off, &d->obj);
    return own_result(call, result, s ? wasi_table_add(wasi_ctx_of(call), &s->obj) : 0);
}

/* The checks write-via-stream and append-via-stream share. */
static bool writable(const desc_t *d, wasi_fs_error_t *e)
{
    if (!(d->flags & WASI_FS_DESC_WRITE)) {
        *e = WASI_FS_ERR_BAD_DESCRIPTOR; /* as set-size and write */
        return false;
    }
    if (d->type == WASI_FS_TYPE_DIRECTORY) {
        *e = WASI_FS_ERR_IS_DIRECTORY;
        return false;
    }
    return true;
}

static wh_rc d_write_via_stream(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    uint64_t off = args[1].of.u;
    wasi_fs_error_t e;
    if (!writable(d, &e))
        return fs_err(call, result, e);
    if (off > (uint64_t)INT64_MAX)
        return fs_err(call, result, WASI_FS_ERR_FILE_TOO_LARGE);
    wasi_ostream_t *s = wasi_fd_ostream(d->fd, (int64_t)off, false, &d->obj);
    return own_result(call, result, s ? wasi_table_add(wasi_ctx_of(call), &s->obj) : 0);
}

static wh_rc d_append_via_stream(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_error_t e;
    int afd;
    if (!writable(d, &e) || !wasi_fs_open_append(d->fd, d->flags, &afd, &e))
        return fs_err(call, result, e);
    append_stream_t *s = wh_calloc(1, sizeof *s);
    if (!s) {
        if (afd >= 0)
            close(afd);
        return wasi_nomem(call);
    }
    wasi_ostream_init(&s->s, &append_ops);
    s->afd = afd;
    s->d = d;
    wasi_obj_ref(&d->obj);
    return own_result(call, result, wasi_table_add(wasi_ctx_of(call), &s->s.obj));
}

/* ---- descriptor: the open object ---- */

static wh_rc d_advise(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_error_t e;
    bool ok =
        wasi_fs_advise(d->fd, args[1].of.u, args[2].of.u, (wasi_fs_advice_t)args[3].of.var.tag, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_sync_data(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_error_t e;
    bool ok = wasi_fs_sync_data(d->fd, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_sync(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_error_t e;
    bool ok = wasi_fs_sync(d->fd, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_get_flags(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_error_t e;
    uint32_t f;
    bool ok = wasi_fs_get_flags(d->fd, d->flags, d->read_only, &f, &e);
    cm_val_t v = {.kind = CM_FLAGS, .of.flags = f};
    return fs_result(call, result, ok, &v, e);
}

static wh_rc d_get_type(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    cm_val_t v = wasi_enum((uint32_t)d->type);
    return wasi_ok(call, result, &v);
}

static wh_rc d_set_size(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_error_t e;
    /* Only a descriptor with write can have its file truncated, and none
     * beneath a read-only preopen has write (open-at refuses it). */
    bool ok = wasi_fs_set_size(d->fd, d->flags, args[1].of.u, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_set_times(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_error_t e;
    wasi_fs_newtime_t a = newtime_arg(&args[1]), m = newtime_arg(&args[2]);
    bool ok = wasi_fs_set_times(d->fd, d->read_only, &a, &m, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_read(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    size_t len = args[1].of.u > MAX_CHUNK ? MAX_CHUNK : (size_t)args[1].of.u, n = 0;
    uint8_t *buf = cm_call_alloc(call, len ? len : 1);
    if (!buf)
        return wasi_nomem(call);
    wasi_fs_error_t e;
    bool eof;
    if (!wasi_fs_read(d->fd, d->flags, args[2].of.u, buf, len, &n, &eof, &e))
        return fs_err(call, result, e);
    cm_val_t *t = cm_call_alloc(call, 2 * sizeof *t);
    if (!t)
        return wasi_nomem(call);
    t[0] = (cm_val_t){.kind = CM_LIST};
    t[0].of.bytes.ptr = buf; /* in the call's arena */
    t[0].of.bytes.n = (uint32_t)n;
    t[1] = (cm_val_t){.kind = CM_BOOL, .of.b = eof};
    cm_val_t tuple = {.kind = CM_TUPLE};
    tuple.of.list.v = t;
    tuple.of.list.n = 2;
    return wasi_ok(call, result, &tuple);
}

static wh_rc d_write(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    uint32_t len = args[1].of.bytes.n;
    const uint8_t *buf = args[1].of.bytes.ptr;
    wasi_fs_error_t e;
    size_t n;
    bool ok = wasi_fs_write(d->fd, d->flags, args[2].of.u, buf, len, &n, &e);
    cm_val_t v = wasi_u64(n);
    return fs_result(call, result, ok, &v, e);
}

static wh_rc d_stat(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_stat_t st;
    wasi_fs_error_t e;
    if (!wasi_fs_stat(d->fd, &st, &e))
        return fs_err(call, result, e);
    return stat_result(call, result, &st);
}

static wh_rc d_is_same_object(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    desc_t *other = desc_arg(call, &args[1]);
    if (!other)
        return WH_TRAP;
    *result = (cm_val_t){.kind = CM_BOOL, .of.b = wasi_fs_is_same_object(d->fd, other->fd)};
    return WH_OK;
}

static wh_rc d_metadata_hash(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    wasi_fs_hash_t h;
    wasi_fs_error_t e;
    if (!wasi_fs_metadata_hash(d->fd, &h, &e))
        return fs_err(call, result, e);
    return hash_result(call, result, &h);
}

/* ---- descriptor: directories ---- */

static wh_rc d_read_directory(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    dirstream_t *s = wh_calloc(1, sizeof *s);
    if (!s)
        return wasi_nomem(call);
    wasi_fs_error_t e;
    if (!wasi_fs_read_directory(d->fd, &s->it, &e)) {
        wh_free(s);
        return fs_err(call, result, e);
    }
    s->obj = (wasi_obj_t){&type_dirstream, 1};
    return own_result(call, result, wasi_table_add(wasi_ctx_of(call), &s->obj));
}

static wh_rc ds_read_directory_entry(cm_call_t *call, void *env, const cm_val_t *args,
                                     cm_val_t *result)
{
    dirstream_t *s = WASI_ARG(call, &args[0], dirstream_t, type_dirstream);
    if (!s)
        return WH_TRAP;
    wasi_fs_dirent_t de;
    wasi_fs_error_t e;
    bool done = true;
    if (s->it.dir && !wasi_fs_dir_next(&s->it, &de, &done, &e))
        return fs_err(call, result, e);
    cm_val_t opt = {.kind = CM_OPTION};
    if (done) {
        wasi_fs_dir_close(&s->it); /* its fd is not needed any more */
        return wasi_ok(call, result, &opt);
    }
    cm_val_t *f = cm_call_alloc(call, 3 * sizeof *f);
    if (!f)
        return wasi_nomem(call);
    f[0] = wasi_enum((uint32_t)de.type);
    f[1] = wasi_str(call, de.name, strlen(de.name));
    f[2] = (cm_val_t){.kind = CM_RECORD};
    f[2].of.list.v = f;
    f[2].of.list.n = 2;
    opt.of.var.tag = 1;
    opt.of.var.v = &f[2];
    return wasi_ok(call, result, &opt);
}

/* create-directory-at, remove-directory-at, unlink-file-at: a path
 * beneath the descriptor, nothing returned. */
typedef bool (*path_op_fn)(int dirfd, const char *path, bool read_only, wasi_fs_error_t *e);

static wh_rc path_op(cm_call_t *call, const cm_val_t *args, cm_val_t *result, path_op_fn op)
{
    SELF(d);
    PATH(path, &args[1]);
    wasi_fs_error_t e;
    bool ok = op(d->fd, path, d->read_only, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_create_directory_at(cm_call_t *call, void *env, const cm_val_t *args,
                                   cm_val_t *result)
{
    return path_op(call, args, result, wasi_fs_create_directory_at);
}

static wh_rc d_stat_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    PATH(path, &args[2]);
    wasi_fs_stat_t st;
    wasi_fs_error_t e;
    if (!wasi_fs_stat_at(d->fd, path, args[1].of.flags, &st, &e))
        return fs_err(call, result, e);
    return stat_result(call, result, &st);
}

static wh_rc d_set_times_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    PATH(path, &args[2]);
    wasi_fs_error_t e;
    wasi_fs_newtime_t a = newtime_arg(&args[3]), m = newtime_arg(&args[4]);
    bool ok = wasi_fs_set_times_at(d->fd, args[1].of.flags, path, d->read_only, &a, &m, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_link_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    PATH(old_path, &args[2]);
    desc_t *nd = desc_arg(call, &args[3]);
    if (!nd)
        return WH_TRAP;
    PATH(new_path, &args[4]);
    wasi_fs_error_t e;
    bool ok = wasi_fs_link_at(d->fd, args[1].of.flags, old_path, d->read_only, nd->fd, new_path,
                              nd->read_only, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_open_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    PATH(path, &args[2]);
    uint32_t pflags = args[1].of.flags, oflags = args[3].of.flags, dflags = args[4].of.flags;
    wasi_fs_error_t e;
    int fd;
    if (!wasi_fs_open_at(d->fd, path, pflags, oflags, dflags, d->read_only, &fd, &e))
        return fs_err(call, result, e);
    uint32_t rep =
        desc_new(wasi_ctx_of(call), fd, dflags & ~(uint32_t)WASI_FS_DESC_MUTATE_DIRECTORY,
                 wasi_fs_child_read_only(d->read_only));
    return own_result(call, result, rep);
}

static wh_rc d_readlink_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    PATH(path, &args[1]);
    char *target;
    wasi_fs_error_t e;
    if (!wasi_fs_readlink_at(d->fd, path, &target, &e))
        return fs_err(call, result, e);
    size_t n = strlen(target);
    cm_val_t v = wasi_str(call, target, n);
    wh_free(target);
    if (n && !v.of.str.len)
        return wasi_nomem(call);
    return wasi_ok(call, result, &v);
}

static wh_rc d_remove_directory_at(cm_call_t *call, void *env, const cm_val_t *args,
                                   cm_val_t *result)
{
    return path_op(call, args, result, wasi_fs_remove_directory_at);
}

static wh_rc d_rename_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    PATH(old_path, &args[1]);
    desc_t *nd = desc_arg(call, &args[2]);
    if (!nd)
        return WH_TRAP;
    PATH(new_path, &args[3]);
    wasi_fs_error_t e;
    bool ok = wasi_fs_rename_at(d->fd, old_path, d->read_only, nd->fd, new_path, nd->read_only, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_symlink_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    PATH(target, &args[1]);
    PATH(path, &args[2]);
    wasi_fs_error_t e;
    bool ok = wasi_fs_symlink_at(d->fd, target, path, d->read_only, &e);
    return fs_result(call, result, ok, NULL, e);
}

static wh_rc d_unlink_file_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return path_op(call, args, result, wasi_fs_unlink_file_at);
}

static wh_rc d_metadata_hash_at(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    SELF(d);
    PATH(path, &args[2]);
    wasi_fs_hash_t h;
    wasi_fs_error_t e;
    if (!wasi_fs_metadata_hash_at(d->fd, args[1].of.flags, path, &h, &e))
        return fs_err(call, result, e);
    return hash_result(call, result, &h);
}

/* ---- filesystem-error-code ---- */

static wh_rc filesystem_error_code(cm_call_t *call, void *env, const cm_val_t *args,
                                   cm_val_t *result)
{
    wasi_error_t *err = WASI_ARG(call, &args[0], wasi_error_t, wasi_type_error);
    if (!err)
        return WH_TRAP;
    *result = (cm_val_t){.kind = CM_OPTION};
    if (err->e.dom != WASI_ERRDOM_FS)
        return WH_OK;
    result->of.var.tag = 1;
    if (!(result->of.var.v = wasi_box(call, wasi_enum((uint32_t)err->e.code))))
        return wasi_nomem(call);
    return WH_OK;
}

/* ---- preopens ---- */

/* Each call makes new descriptors (the guest owns and may drop them), each
 * with its own host fd, read-only as the preopen is. */
static wh_rc get_directories(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    const wasi_preopens_t *po = ctx->cfg->preopens;
    uint32_t n = po ? po->dirs.len : 0;
    cm_val_t *pairs = cm_call_alloc(call, (n ? n : 1) * sizeof *pairs);
    cm_val_t *items = cm_call_alloc(call, (n ? n : 1) * 2 * sizeof *items);
    if (!pairs || !items)
        return wasi_nomem(call);
    for (uint32_t i = 0; i < n; i++) {
        const wasi_preopen_t *p = &po->dirs.data[i];
        int fd;
        wasi_fs_error_t e;
        if (!wasi_fs_preopen_fd(p, &fd, &e))
            return cm_call_trap(call, "wasi:filesystem/preopens: cannot open the preopen %s: %s",
                                p->guest, wasi_fs_error_name(e));
        uint32_t rep = desc_new(ctx, fd, WASI_FS_DESC_READ, p->read_only);
        if (!rep)
            return wasi_nomem(call);
        items[2 * i] = wasi_own(rep);
        items[2 * i + 1] = wasi_str(call, p->guest, strlen(p->guest));
        pairs[i] = (cm_val_t){.kind = CM_TUPLE};
        pairs[i].of.list.v = &items[2 * i];
        pairs[i].of.list.n = 2;
    }
    result->kind = CM_LIST;
    result->of.list.v = pairs;
    result->of.list.n = n;
    return WH_OK;
}

/* ---- the interfaces ---- */

/* clang-format off */
#define ERROR_CODE_NAME(name, text) text ", "
static const wasi_typedef_t types_types[] = {
    {"input-stream", "resource"},
    {"output-stream", "resource"},
    {"error", "resource"},
    {"datetime", "record { seconds: u64, nanoseconds: u32 }"},
    {"filesize", "u64"},
    {"descriptor-type", "enum { unknown, block-device, character-device, directory, fifo, "
                        "symbolic-link, regular-file, socket }"},
    {"descriptor-flags", "flags { read, write, file-integrity-sync, data-integrity-sync, "
                         "requested-write-sync, mutate-directory }"},
    {"link-count", "u64"},
    {"descriptor-stat", "record { %type: descriptor-type, link-count: link-count, "
                        "size: filesize, data-access-timestamp: option<datetime>, "
                        "data-modification-timestamp: option<datetime>, "
                        "status-change-timestamp: option<datetime> }"},
    {"path-flags", "flags { symlink-follow }"},
    {"open-flags", "flags { create, directory, exclusive, truncate }"},
    {"new-timestamp", "variant { no-change, now, timestamp(datetime) }"},
    {"directory-entry", "record { %type: descriptor-type, name: string }"},
    {"error-code", "enum { " WASI_FS_ERROR_MAP(ERROR_CODE_NAME) "}"},
    {"advice", "enum { normal, sequential, random, will-need, dont-need, no-reuse }"},
    {"metadata-hash-value", "record { lower: u64, upper: u64 }"},
    {"descriptor", "resource"},
    {"directory-entry-stream", "resource"},
};
#undef ERROR_CODE_NAME

#define D   "self: borrow<descriptor>"
#define M   "[method]descriptor."
#define ERR ", error-code>"
static const wasi_func_t types_funcs[] = {
    {M "read-via-stream", "func(" D ", offset: filesize) -> result<input-stream" ERR,
     d_read_via_stream},
    {M "write-via-stream", "func(" D ", offset: filesize) -> result<output-stream" ERR,
     d_write_via_stream},
    {M "append-via-stream", "func(" D ") -> result<output-stream" ERR, d_append_via_stream},
    {M "advise", "func(" D ", offset: filesize, length: filesize, advice: advice) -> "
                 "result<_" ERR, d_advise},
    {M "sync-data", "func(" D ") -> result<_" ERR, d_sync_data},
    {M "get-flags", "func(" D ") -> result<descriptor-flags" ERR, d_get_flags},
    {M "get-type", "func(" D ") -> result<descriptor-type" ERR, d_get_type},
    {M "set-size", "func(" D ", size: filesize) -> result<_" ERR, d_set_size},
    {M "set-times", "func(" D ", data-access-timestamp: new-timestamp, "
                    "data-modification-timestamp: new-timestamp) -> result<_" ERR, d_set_times},
    {M "read", "func(" D ", length: filesize, offset: filesize) -> "
               "result<tuple<list<u8>, bool>" ERR, d_read},
    {M "write", "func(" D ", buffer: list<u8>, offset: filesize) -> result<filesize" ERR,
     d_write},
    {M "read-directory", "func(" D ") -> result<directory-entry-stream" ERR, d_read_directory},
    {M "sync", "func(" D ") -> result<_" ERR, d_sync},
    {M "create-directory-at", "func(" D ", path: string) -> result<_" ERR,
     d_create_directory_at},
    {M "stat", "func(" D ") -> result<descriptor-stat" ERR, d_stat},
    {M "stat-at", "func(" D ", path-flags: path-flags, path: string) -> "
                  "result<descriptor-stat" ERR, d_stat_at},
    {M "set-times-at", "func(" D ", path-flags: path-flags, path: string, "
                       "data-access-timestamp: new-timestamp, "
                       "data-modification-timestamp: new-timestamp) -> result<_" ERR,
     d_set_times_at},
    {M "link-at", "func(" D ", old-path-flags: path-flags, old-path: string, "
                  "new-descriptor: borrow<descriptor>, new-path: string) -> result<_" ERR,
     d_link_at},
    {M "open-at", "func(" D ", path-flags: path-flags, path: string, open-flags: open-flags, "
                  "%flags: descriptor-flags) -> result<descriptor" ERR, d_open_at},
    {M "readlink-at", "func(" D ", path: string) -> result<string" ERR, d_readlink_at},
    {M "remove-directory-at", "func(" D ", path: string) -> result<_" ERR,
     d_remove_directory_at},
    {M "rename-at", "func(" D ", old-path: string, new-descriptor: borrow<descriptor>, "
                    "new-path: string) -> result<_" ERR, d_rename_at},
    {M "symlink-at", "func(" D ", old-path: string, new-path: string) -> result<_" ERR,
     d_symlink_at},
    {M "unlink-file-at", "func(" D ", path: string) -> result<_" ERR, d_unlink_file_at},
    {M "is-same-object", "func(" D ", other: borrow<descriptor>) -> bool", d_is_same_object},
    {M "metadata-hash", "func(" D ") -> result<metadata-hash-value" ERR, d_metadata_hash},
    {M "metadata-hash-at", "func(" D ", path-flags: path-flags, path: string) -> "
                           "result<metadata-hash-value" ERR, d_metadata_hash_at},
    {"[method]directory-entry-stream.read-directory-entry",
     "func(self: borrow<directory-entry-stream>) -> result<option<directory-entry>" ERR,
     ds_read_directory_entry},
    {"filesystem-error-code", "func(err: borrow<error>) -> option<error-code>",
     filesystem_error_code},
};
#undef D
#undef M
#undef ERR

static const wasi_typedef_t preopens_types[] = {{"descriptor", "resource"}};
static const wasi_func_t preopens_funcs[] = {
    {"get-directories", "func() -> list<tuple<descriptor, string>>", get_directories},
};
/* clang-format on */

wh_rc wasi_link_filesystem(cm_linker_t *l, wh_err_t *err)
{
    wh_rc rc;
    if ((rc = wasi_define(l, FS_TYPES, types_types, WH_ARRAY_LEN(types_types), types_funcs,
                          WH_ARRAY_LEN(types_funcs), err)) ||
        (rc = wasi_define(l, FS_PREOPENS, preopens_types, WH_ARRAY_LEN(preopens_types),
                          preopens_funcs, WH_ARRAY_LEN(preopens_funcs), err)))
        return rc;
    return WH_OK;
}
