/*
 * wasi_host.h — the WASI 0.2 host: what wasmhttpd gives a component for the
 * wasi:* interfaces (io, clocks, random, cli, filesystem, sockets).
 *
 * How an embedder uses it (the `run` command and each serve worker):
 *   1. wasi_link() defines every interface of the wasi:cli/command world in
 *      a cm_linker_t (once; the linker is then shared read-only).
 *   2. Per instance, wasi_ctx_new() makes the context its host functions
 *      use; the instance's cm_config_t.user must point to it.
 *   3. A call that returns WH_SUSPEND is waiting on the context's libuv
 *      loop: run the loop, and call cm_resume once the waker (see
 *      wasi_ctx_set_waker) has run (or, simply, after each loop turn; a
 *      resume with nothing ready suspends again).
 *   4. wasi_ctx_free() after cm_instance_free().
 *
 * Guests see only what the configuration gives them: no host environment
 * variable, no directory and no outbound address unless configured.
 *
 * The filesystem part also works on its own, as plain C over host file
 * descriptors (below), so that the component bindings stay thin.
 * Sandbox invariant: every guest path is resolved beneath the directory
 * descriptor it is relative to. Absolute paths, `..` steps and symbolic
 * links (absolute or relative) that would leave that directory fail with
 * WASI_FS_ERR_NOT_PERMITTED; symlink loops fail with WASI_FS_ERR_LOOP.
 * Linux openat2(2) with RESOLVE_BENEATH does the resolution when the kernel
 * has it; otherwise a component-by-component walk gives the same answers.
 *
 * Thread-safety: the functions are safe on distinct descriptors. A preopen
 * table is not locked; build it before workers start, then only read it.
 */
#ifndef WASI_HOST_H
#define WASI_HOST_H

#include "base/wh_base.h"
#include "component/cm.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

/* ======================= wasi:filesystem ======================= */

/* clang-format off */
/* error-code of wasi:filesystem/types, in the WIT's order (the enum value
 * is the WIT discriminant). */
#define WASI_FS_ERROR_MAP(X)                                                 \
    X(ACCESS, "access")                 X(WOULD_BLOCK, "would-block")        \
    X(ALREADY, "already")               X(BAD_DESCRIPTOR, "bad-descriptor")  \
    X(BUSY, "busy")                     X(DEADLOCK, "deadlock")              \
    X(QUOTA, "quota")                   X(EXIST, "exist")                    \
    X(FILE_TOO_LARGE, "file-too-large")                                      \
    X(ILLEGAL_BYTE_SEQUENCE, "illegal-byte-sequence")                        \
    X(IN_PROGRESS, "in-progress")       X(INTERRUPTED, "interrupted")        \
    X(INVALID, "invalid")               X(IO, "io")                          \
    X(IS_DIRECTORY, "is-directory")     X(LOOP, "loop")                      \
    X(TOO_MANY_LINKS, "too-many-links") X(MESSAGE_SIZE, "message-size")      \
    X(NAME_TOO_LONG, "name-too-long")   X(NO_DEVICE, "no-device")            \
    X(NO_ENTRY, "no-entry")             X(NO_LOCK, "no-lock")                \
    X(INSUFFICIENT_MEMORY, "insufficient-memory")                            \
    X(INSUFFICIENT_SPACE, "insufficient-space")                              \
    X(NOT_DIRECTORY, "not-directory")   X(NOT_EMPTY, "not-empty")            \
    X(NOT_RECOVERABLE, "not-recoverable")                                    \
    X(UNSUPPORTED, "unsupported")       X(NO_TTY, "no-tty")                  \
    X(NO_SUCH_DEVICE, "no-such-device") X(OVERFLOW, "overflow")              \
    X(NOT_PERMITTED, "not-permitted")   X(PIPE, "pipe")                      \
    X(READ_ONLY, "read-only")           X(INVALID_SEEK, "invalid-seek")      \
    X(TEXT_FILE_BUSY, "text-file-busy") X(CROSS_DEVICE, "cross-device")
/* clang-format on */

typedef enum {
#define WASI_FS_ERR_ENUM(name, text) WASI_FS_ERR_##name,
    WASI_FS_ERROR_MAP(WASI_FS_ERR_ENUM)
#undef WASI_FS_ERR_ENUM
} wasi_fs_error_t;

/* The WIT name of an error code ("not-permitted"). */
const char *wasi_fs_error_name(wasi_fs_error_t e);
/* Maps a host errno to the nearest error code (unknown ones to io). */
wasi_fs_error_t wasi_fs_error_from_errno(int errnum);

/* descriptor-type, in the WIT's order. */
typedef enum {
    WASI_FS_TYPE_UNKNOWN,
    WASI_FS_TYPE_BLOCK_DEVICE,
    WASI_FS_TYPE_CHARACTER_DEVICE,
    WASI_FS_TYPE_DIRECTORY,
    WASI_FS_TYPE_FIFO,
    WASI_FS_TYPE_SYMBOLIC_LINK,
    WASI_FS_TYPE_REGULAR_FILE,
    WASI_FS_TYPE_SOCKET,
} wasi_fs_type_t;

/* Flags, bit i being the WIT's i-th flag (the canonical ABI's layout). */
enum { WASI_FS_PATH_SYMLINK_FOLLOW = 1u << 0 }; /* path-flags */
enum {                                          /* open-flags */
       WASI_FS_OPEN_CREATE = 1u << 0,
       WASI_FS_OPEN_DIRECTORY = 1u << 1,
       WASI_FS_OPEN_EXCLUSIVE = 1u << 2,
       WASI_FS_OPEN_TRUNCATE = 1u << 3,
};
enum { /* descriptor-flags */
       WASI_FS_DESC_READ = 1u << 0,
       WASI_FS_DESC_WRITE = 1u << 1,
       WASI_FS_DESC_FILE_INTEGRITY_SYNC = 1u << 2,
       WASI_FS_DESC_DATA_INTEGRITY_SYNC = 1u << 3,
       WASI_FS_DESC_REQUESTED_WRITE_SYNC = 1u << 4,
       WASI_FS_DESC_MUTATE_DIRECTORY = 1u << 5,
};

/* wall-clock datetime; `present` false is the WIT's option::none. */
typedef struct {
    bool present;
    uint64_t seconds;
    uint32_t nanoseconds;
} wasi_fs_time_t;

/* descriptor-stat. */
typedef struct {
    wasi_fs_type_t type;
    uint64_t link_count;
    uint64_t size;
    wasi_fs_time_t atime, mtime, ctime;
} wasi_fs_stat_t;

/* ---- Preopens (--dir HOST[::GUEST], --dir-rw) ---- */

typedef struct {
    int fd;         /* host directory, O_PATH|O_DIRECTORY; owned by the table */
    char *guest;    /* the name the guest sees (get-directories) */
    bool read_only; /* true: the descriptor lacks mutate-directory */
} wasi_preopen_t;

typedef struct {
    WH_VEC(wasi_preopen_t) dirs;
} wasi_preopens_t;

/* Opens host_dir and adds it under guest_name (host_dir itself when NULL).
 * Fails with WH_IO (message names the directory and the reason) when it
 * cannot be opened or is not a directory, WH_NOMEM when out of memory. */
wh_rc wasi_preopens_add(wasi_preopens_t *t, const char *host_dir, const char *guest_name,
                        bool read_only, wh_err_t *err);
/* Parses a --dir / --dir-rw argument "HOST[::GUEST]" and adds it. */
wh_rc wasi_preopens_add_spec(wasi_preopens_t *t, const char *spec, bool read_only, wh_err_t *err);
/* Closes every directory and frees the table (zeroed, reusable). */
void wasi_preopens_free(wasi_preopens_t *t);

/* ---- Descriptor operations ----
 * Each takes host fds and returns true on success. On failure it returns
 * false and sets *out_err to the WIT error code: such a failure is an
 * ordinary result for the guest (result<_, error-code>), not a host error,
 * which is why these do not return wh_rc.
 *
 * `dirfd` is a directory descriptor (a preopen or one from open-at; O_PATH is
 * fine). `read_only` is true when that descriptor lacks mutate-directory;
 * operations that would create, remove, rename or modify anything through
 * it then fail with WASI_FS_ERR_READ_ONLY before touching the host, so the
 * rule holds even where host permissions would allow the change.
 * Paths are guest strings (NUL-terminated, relative). */

/* open-at. On success *out_fd is a new host fd the caller owns (O_CLOEXEC).
 * The new descriptor is read-only in the sense above exactly when
 * wasi_fs_child_read_only() says so. */
bool wasi_fs_open_at(int dirfd, const char *path, uint32_t path_flags, uint32_t open_flags,
                     uint32_t desc_flags, bool read_only, int *out_fd, wasi_fs_error_t *out_err);
/* Read-only-ness is inherited, both ways: beneath a read-only descriptor
 * nothing can ask for mutate-directory (open-at fails), and beneath a
 * writable one a directory gets mutate-directory whether it asked or not.
 * The second half is a choice: the preview1 adapter that every wasi-libc
 * program goes through never asks for mutate-directory, so the strict
 * reading would make `mkdirat(dirfd(opendir("x")), ...)` fail where it
 * works natively (wasmtime also lets a directory inherit its parent's
 * permissions). Either way nothing writable is reachable from a read-only
 * preopen. */
static inline bool wasi_fs_child_read_only(bool parent_read_only)
{
    return parent_read_only;
}
/* A new host fd for the preopen p, owned by the caller: the directory opened
 * for reading when the host allows it (so sync, set-times and advise work on
 * it), else a duplicate of the preopen's O_PATH fd. */
bool wasi_fs_preopen_fd(const wasi_preopen_t *p, int *out_fd, wasi_fs_error_t *out_err);

bool wasi_fs_stat(int fd, wasi_fs_stat_t *out, wasi_fs_error_t *out_err);
bool wasi_fs_stat_at(int dirfd, const char *path, uint32_t path_flags, wasi_fs_stat_t *out,
                     wasi_fs_error_t *out_err);
bool wasi_fs_create_directory_at(int dirfd, const char *path, bool read_only,
                                 wasi_fs_error_t *out_err);
bool wasi_fs_remove_directory_at(int dirfd, const char *path, bool read_only,
                                 wasi_fs_error_t *out_err);
bool wasi_fs_unlink_file_at(int dirfd, const char *path, bool read_only, wasi_fs_error_t *out_err);
bool wasi_fs_rename_at(int old_dirfd, const char *old_path, bool old_read_only, int new_dirfd,
                       const char *new_path, bool new_read_only, wasi_fs_error_t *out_err);
/* link-at. With symlink-follow, a symlink as the last component of
 * old_path is expanded beneath old_dirfd (as set-times-at does) and its
 * target is linked. A read-only old side is refused too, though nothing
 * changes there: a new name in a writable tree would make a file of the
 * read-only one writable. */
bool wasi_fs_link_at(int old_dirfd, uint32_t old_path_flags, const char *old_path,
                     bool old_read_only, int new_dirfd, const char *new_path, bool new_read_only,
                     wasi_fs_error_t *out_err);
/* symlink-at. A target starting with '/' is refused (not-permitted); a
 * relative target may contain `..`: creating it is allowed, and every later
 * resolution through it is still held beneath its preopen. */
bool wasi_fs_symlink_at(int dirfd, const char *target, const char *path, bool read_only,
                        wasi_fs_error_t *out_err);
/* readlink-at. *out_target is a new string (wh_free) on success. Contents
 * that are an absolute path fail with not-permitted. */
bool wasi_fs_readlink_at(int dirfd, const char *path, char **out_target, wasi_fs_error_t *out_err);
/* set-size; `desc_flags` are the descriptor's: without write it fails with
 * bad-descriptor. */
bool wasi_fs_set_size(int fd, uint32_t desc_flags, uint64_t size, wasi_fs_error_t *out_err);
bool wasi_fs_sync(int fd, wasi_fs_error_t *out_err);
bool wasi_fs_sync_data(int fd, wasi_fs_error_t *out_err);

/* read and write (the descriptor methods, not the streams): at most len
 * bytes at offset, without moving any position. read needs `read` in
 * desc_flags, write needs `write`, else bad-descriptor. read sets *out_eof
 * when it reached the end of the file before len bytes. */
bool wasi_fs_read(int fd, uint32_t desc_flags, uint64_t offset, void *buf, size_t len,
                  size_t *out_n, bool *out_eof, wasi_fs_error_t *out_err);
bool wasi_fs_write(int fd, uint32_t desc_flags, uint64_t offset, const void *buf, size_t len,
                   size_t *out_n, wasi_fs_error_t *out_err);

/* A second host fd on the same file, opened for appending (every write goes
 * to the end, atomically), for append-via-stream; the caller owns it. Needs
 * `write` in desc_flags (else bad-descriptor). On a host without
 * /proc/self/fd, *out_fd is -1 and the call still succeeds: the caller then
 * writes at the size fstat reports. */
bool wasi_fs_open_append(int fd, uint32_t desc_flags, int *out_fd, wasi_fs_error_t *out_err);

/* new-timestamp. */
typedef enum {
    WASI_FS_TIME_NO_CHANGE,
    WASI_FS_TIME_NOW,
    WASI_FS_TIME_SET, /* seconds, nanoseconds */
} wasi_fs_newtime_kind;

typedef struct {
    wasi_fs_newtime_kind kind;
    uint64_t seconds;
    uint32_t nanoseconds;
} wasi_fs_newtime_t;

/* set-times and set-times-at. Through a read-only descriptor they fail with
 * read-only. Nanoseconds of 10^9 or more are invalid; seconds beyond the
 * host's time_t are overflow. set-times-at without symlink-follow sets the
 * times of a symlink itself; with it, each trailing symlink is expanded
 * beneath dirfd as every other lookup is. */
bool wasi_fs_set_times(int fd, bool read_only, const wasi_fs_newtime_t *atime,
                       const wasi_fs_newtime_t *mtime, wasi_fs_error_t *out_err);
bool wasi_fs_set_times_at(int dirfd, uint32_t path_flags, const char *path, bool read_only,
                          const wasi_fs_newtime_t *atime, const wasi_fs_newtime_t *mtime,
                          wasi_fs_error_t *out_err);

/* advice, in the WIT's order. */
typedef enum {
    WASI_FS_ADVICE_NORMAL,
    WASI_FS_ADVICE_SEQUENTIAL,
    WASI_FS_ADVICE_RANDOM,
    WASI_FS_ADVICE_WILL_NEED,
    WASI_FS_ADVICE_DONT_NEED,
    WASI_FS_ADVICE_NO_REUSE,
} wasi_fs_advice_t;

/* advise: posix_fadvise(2). A length of 0 means "to the end of the file". */
bool wasi_fs_advise(int fd, uint64_t offset, uint64_t len, wasi_fs_advice_t advice,
                    wasi_fs_error_t *out_err);

/* get-flags. desc_flags are those the descriptor was opened with; the
 * answer keeps read, write and the sync flags from them, and has
 * mutate-directory exactly when fd is a directory and read_only is false
 * (see wasi_fs_child_read_only). */
bool wasi_fs_get_flags(int fd, uint32_t desc_flags, bool read_only, uint32_t *out_flags,
                       wasi_fs_error_t *out_err);

/* is-same-object: same device and inode. False when either fstat fails. */
bool wasi_fs_is_same_object(int fd1, int fd2);

/* metadata-hash-value: a 128-bit mix of the device and inode numbers, so
 * that it stays the same while the object exists (the preview1 adapter
 * shows `lower` as st_ino) and differs between objects. The mix is fixed,
 * not keyed: it hides nothing a guest could not learn otherwise. */
typedef struct {
    uint64_t lower, upper;
} wasi_fs_hash_t;

bool wasi_fs_metadata_hash(int fd, wasi_fs_hash_t *out, wasi_fs_error_t *out_err);
bool wasi_fs_metadata_hash_at(int dirfd, uint32_t path_flags, const char *path, wasi_fs_hash_t *out,
                              wasi_fs_error_t *out_err);

/* read-directory: an iterator over the entries of a directory, without "."
 * and "..". The iterator has its own host fd; it does not borrow `fd`. */
typedef struct {
    DIR *dir;
} wasi_fs_dir_iter_t;

typedef struct {
    wasi_fs_type_t type;
    const char *name; /* valid until the next call on the iterator */
} wasi_fs_dirent_t;

bool wasi_fs_read_directory(int fd, wasi_fs_dir_iter_t *out_iter, wasi_fs_error_t *out_err);
/* Sets *out_done when there are no more entries. */
bool wasi_fs_dir_next(wasi_fs_dir_iter_t *it, wasi_fs_dirent_t *out_entry, bool *out_done,
                      wasi_fs_error_t *out_err);
void wasi_fs_dir_close(wasi_fs_dir_iter_t *it);

/* Which resolver is used. AUTO uses openat2 and falls back to the portable
 * walk when the kernel lacks it (ENOSYS, remembered); WALK forces the walk.
 * Process-wide and meant for tests (like wh_alloc_fail_after); building with
 * -DWH_WASI_NO_OPENAT2 makes WALK the only resolver. */
typedef enum { WASI_FS_RESOLVER_AUTO, WASI_FS_RESOLVER_WALK } wasi_fs_resolver_t;
void wasi_fs_set_resolver(wasi_fs_resolver_t r);

/* ======================= the host context ======================= */

/* An entry of the outbound allow-list (--allow-connect HOST:PORT): host is
 * an IP address, a name (matched against what the guest resolved it from is
 * not possible, so names are resolved when the list is built) or "*"; port
 * 0 means any port. */
typedef struct {
    struct sockaddr_storage addr; /* family AF_UNSPEC: any address */
    uint16_t port;                /* 0: any port */
} wasi_allow_t;

/* What instances see. Built once, shared read-only by every instance and
 * worker; it must outlive them. */
typedef struct {
    const char *const *args; /* wasi:cli/environment get-arguments (args[0]
                                is the program name) */
    size_t nargs;
    const char *const *env; /* "KEY=VALUE" strings */
    size_t nenv;
    const wasi_preopens_t *preopens; /* may be NULL: no directories */
    int stdin_fd;                    /* -1: an empty stdin */
    int stdout_fd;                   /* -1: output is dropped */
    int stderr_fd;
    const wasi_allow_t *allow; /* outbound TCP allow-list */
    size_t nallow;
} wasi_config_t;

/* Fills cfg with an empty configuration: no args, env, dirs or network;
 * stdin empty; stdout and stderr to the host's fds 1 and 2. */
void wasi_config_init(wasi_config_t *cfg);

/* Parses "HOST:PORT" ("127.0.0.1:5432", "[::1]:80", "localhost:6379",
 * "*:443", "10.0.0.1:*") into an allow-list entry; a name is resolved now
 * (to its first address). */
wh_rc wasi_allow_parse(const char *spec, wasi_allow_t *out, wh_err_t *err);
/* Is a connection to addr allowed? */
bool wasi_allowed(const wasi_config_t *cfg, const struct sockaddr *addr);

typedef struct wasi_ctx wasi_ctx_t;

/* A context for one instance on loop (which must outlive it). NULL when
 * out of memory. */
wasi_ctx_t *wasi_ctx_new(const wasi_config_t *cfg, uv_loop_t *loop);
/* Frees the context and every host object its instance still held. Call it
 * after cm_instance_free (the instance's handles point into it). */
void wasi_ctx_free(wasi_ctx_t *ctx);
/* wake(ud) runs on the loop's thread when a suspended call of this
 * context has something to look at: the embedder then calls cm_resume
 * (not from inside wake's caller's stack if it prefers; either is safe). */
void wasi_ctx_set_waker(wasi_ctx_t *ctx, void (*wake)(void *ud), void *ud);
/* What a suspended call waits for ("poll(output-stream, a timer)",
 * "input-stream.blocking-read"), for the message of a guest that waited
 * past its deadline; NULL when nothing waits. */
const char *wasi_ctx_waiting_on(const wasi_ctx_t *ctx);
/* Guest stdout (which 1) and stderr (which 2) go to out(ud, which, bytes)
 * instead of the configured descriptors: for a server that logs them.
 * Called on the loop's thread, from inside the guest's write; out must not
 * block (the guest's call waits for it) and keeps nothing of buf. Set it
 * before the guest's first get-stdout/get-stderr; NULL: the descriptors. */
void wasi_ctx_set_output(wasi_ctx_t *ctx,
                         void (*out)(void *ud, int which, const uint8_t *buf, size_t n), void *ud);
/* Did the guest call wasi:cli/exit? Then *code is its status (0 for
 * ok, 1 for err, or the code it gave), and the call that made it returned
 * WH_TRAP with the message "exit". */
bool wasi_ctx_exited(const wasi_ctx_t *ctx, int *code);
/* The embedder's own pointer, for the interfaces it adds (wasi:http).
 * free_ext (may be NULL) is called with it by wasi_ctx_free, after every
 * object of the context is gone (their destructors may still use it). */
void wasi_ctx_set_ext(wasi_ctx_t *ctx, void *ext, void (*free_ext)(void *ext));
void *wasi_ctx_ext(const wasi_ctx_t *ctx);

/* Defines every interface of the wasi:cli/command world (0.2.x) in l. */
wh_rc wasi_link(cm_linker_t *l, wh_err_t *err);

/* ============== for the hosts of further interfaces ==============
 *
 * What a host of interfaces beyond wasi:* builds on (the wasi:http host in
 * src/wasihttp: its bodies are wasi:io streams, its futures wasi:io
 * pollables, its resources objects in the same table).
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
 * what it waits on and returns WH_SUSPEND; the embedder's loop runs, and the
 * source calls wasi_ctx_notify() when something may have changed; the
 * embedder then resumes the call (cm_resume), which retries the same host
 * function with the same arguments. A retry that finds nothing ready waits
 * again, so spurious wake-ups are harmless.
 *
 * Everything here runs on the context's loop thread.
 */

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

/* ---- the context, for host functions ---- */

/* The context of the instance making this call. */
static inline wasi_ctx_t *wasi_ctx_of(cm_call_t *call)
{
    return cm_instance_user(cm_call_instance(call));
}

/* The loop the context was made on: handles of host objects live there. */
uv_loop_t *wasi_ctx_loop(const wasi_ctx_t *ctx);

/* Wakes the guest waiting on this context, if any (see above). Safe to
 * call at any time on the loop's thread. */
void wasi_ctx_notify(wasi_ctx_t *ctx);

/* Monotonic clock in nanoseconds (the one wasi:clocks/monotonic-clock shows). */
uint64_t wasi_now_ns(void);

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
    WASI_ERRDOM_HTTP,    /* code: the embedder's (src/wasihttp) */
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

/* ---- helpers for host functions ---- */

/* The object behind a handle argument, or a trap naming the type. */
#define WASI_ARG(call, val, T, type) ((T *)wasi_arg_obj((call), (val), &(type)))
void *wasi_arg_obj(cm_call_t *call, const cm_val_t *v, const wasi_objtype_t *type);

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
/* A list<u8> value of (a copy in the call's arena of) the n bytes at p;
 * WH_TRAP when out of memory. A list<u8> argument is its bytes already:
 * args[i].of.bytes (cm.h). */
wh_rc wasi_bytes(cm_call_t *call, const uint8_t *p, size_t n, cm_val_t *out);
/* A NUL-terminated copy of a string argument in the call's arena. */
char *wasi_cstr(cm_call_t *call, const cm_val_t *v);
wh_rc wasi_nomem(cm_call_t *call);

#endif
