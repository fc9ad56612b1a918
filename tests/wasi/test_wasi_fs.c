/* Tests for src/wasi/wasi_fs.c: the filesystem sandbox and the descriptor
 * operations. Each test builds a fresh tree in a temporary directory:
 *
 *   root/secret              outside the preopen
 *   root/pre/                the preopen
 *   root/pre/file            "hello"
 *   root/pre/sub/inner       "inner"
 *   root/pre/abs     -> root/secret (absolute)
 *   root/pre/rel     -> ../secret
 *   root/pre/sub/deep -> ../../secret
 *   root/pre/outdir  -> ..
 *   root/pre/ok      -> sub/inner
 *   root/pre/sub/up  -> ../file        (goes up but stays inside)
 *   root/pre/dirlink -> sub
 *   root/pre/loop1 -> loop2, root/pre/loop2 -> loop1
 *
 * The expected answers come from the sandbox rules (wasi:filesystem
 * path resolution), and every test runs twice: with openat2 and with the
 * portable walk forced. */
#define _GNU_SOURCE
#include "th.h"
#include "wasi/wasi_host.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char root[64];
    char pre[96];
    char secret[96];
    wasi_preopens_t po;
    int rw; /* the preopen as --dir-rw */
    int ro; /* the same directory as --dir */
} fixture;

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static bool setup(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    snprintf(fx->root, sizeof fx->root, "/tmp/wasi_fs_XXXXXX");
    if (!mkdtemp(fx->root))
        return false;
    snprintf(fx->pre, sizeof fx->pre, "%s/pre", fx->root);
    snprintf(fx->secret, sizeof fx->secret, "%s/secret", fx->root);
    char p[PATH_MAX];
    mkdir(fx->pre, 0777);
    put(fx->secret, "secret");
#define AT(rel) (snprintf(p, sizeof p, "%s/%s", fx->pre, rel), p)
    put(AT("file"), "hello");
    mkdir(AT("sub"), 0777);
    put(AT("sub/inner"), "inner");
    bool ok = symlink(fx->secret, AT("abs")) == 0 && symlink("../secret", AT("rel")) == 0 &&
              symlink("../../secret", AT("sub/deep")) == 0 && symlink("..", AT("outdir")) == 0 &&
              symlink("sub/inner", AT("ok")) == 0 && symlink("../file", AT("sub/up")) == 0 &&
              symlink("sub", AT("dirlink")) == 0 && symlink("loop2", AT("loop1")) == 0 &&
              symlink("loop1", AT("loop2")) == 0;
#undef AT
    wh_err_t err;
    ok = ok && wasi_preopens_add(&fx->po, fx->pre, "/data", false, &err) == WH_OK &&
         wasi_preopens_add(&fx->po, fx->pre, NULL, true, &err) == WH_OK;
    fx->rw = ok ? fx->po.dirs.data[0].fd : -1;
    fx->ro = ok ? fx->po.dirs.data[1].fd : -1;
    return ok;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void teardown(fixture *fx)
{
    wasi_preopens_free(&fx->po);
    nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool host_exists(const fixture *fx, const char *rel)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", fx->root, rel);
    return lstat(p, &st) == 0;
}

/* Opens path for reading; returns the error code, or -1 on success (and
 * checks the content when want is given). */
static int open_read(int dirfd, const char *path, uint32_t pflags, const char *want)
{
    int fd;
    wasi_fs_error_t e;
    if (!wasi_fs_open_at(dirfd, path, pflags, 0, WASI_FS_DESC_READ, true, &fd, &e))
        return (int)e;
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (want && (n < 0 || strcmp(buf, want) != 0))
        return 1000; /* opened the wrong thing */
    return -1;
}

#define FOLLOW WASI_FS_PATH_SYMLINK_FOLLOW
#define NP     WASI_FS_ERR_NOT_PERMITTED

/* Each case runs under both resolvers. */
#define TEST_BOTH(name)                                                                            \
    static void name(fixture *fx);                                                                 \
    static void name##_run(wasi_fs_resolver_t r)                                                   \
    {                                                                                              \
        fixture fx;                                                                                \
        wasi_fs_set_resolver(r);                                                                   \
        if (TH_OK(setup(&fx)))                                                                     \
            name(&fx);                                                                             \
        teardown(&fx);                                                                             \
        wasi_fs_set_resolver(WASI_FS_RESOLVER_AUTO);                                               \
    }                                                                                              \
    TH_TEST(name##_openat2)                                                                        \
    {                                                                                              \
        name##_run(WASI_FS_RESOLVER_AUTO);                                                         \
    }                                                                                              \
    TH_TEST(name##_walk)                                                                           \
    {                                                                                              \
        name##_run(WASI_FS_RESOLVER_WALK);                                                         \
    }                                                                                              \
    static void name(fixture *fx)

TEST_BOTH(plain_paths_open)
{
    TH_EQ(open_read(fx->ro, "file", FOLLOW, "hello"), -1);
    TH_EQ(open_read(fx->ro, "sub/inner", FOLLOW, "inner"), -1);
    TH_EQ(open_read(fx->ro, "./sub//inner", FOLLOW, "inner"), -1);
    TH_EQ(open_read(fx->ro, "sub/../file", FOLLOW, "hello"), -1);
    TH_EQ(open_read(fx->ro, "missing", FOLLOW, NULL), WASI_FS_ERR_NO_ENTRY);
    TH_EQ(open_read(fx->ro, "", FOLLOW, NULL), WASI_FS_ERR_NO_ENTRY);
    TH_EQ(open_read(fx->ro, "file/x", FOLLOW, NULL), WASI_FS_ERR_NOT_DIRECTORY);
}

TEST_BOTH(dotdot_escapes_refused)
{
    TH_EQ(open_read(fx->ro, "..", FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "../secret", FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "sub/../../secret", FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "sub/../..", FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "./../pre/file", FOLLOW, NULL), NP);
    wasi_fs_stat_t st;
    wasi_fs_error_t e;
    TH_OK(!wasi_fs_stat_at(fx->ro, "../secret", 0, &st, &e));
    TH_EQ(e, NP);
}

TEST_BOTH(absolute_paths_refused)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/file", fx->pre); /* even one inside the preopen */
    TH_EQ(open_read(fx->ro, p, FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, fx->secret, FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "/", FOLLOW, NULL), NP);
    wasi_fs_error_t e;
    TH_OK(!wasi_fs_create_directory_at(fx->rw, "/tmp/x", false, &e));
    TH_EQ(e, NP);
}

TEST_BOTH(symlinks_outside_refused)
{
    TH_EQ(open_read(fx->ro, "abs", FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "rel", FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "sub/deep", FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "outdir/secret", FOLLOW, NULL), NP);
    TH_EQ(open_read(fx->ro, "outdir/pre/file", FOLLOW, NULL), NP);
    /* As intermediate components they are followed regardless of
     * symlink-follow, and still held beneath. */
    TH_EQ(open_read(fx->ro, "outdir/secret", 0, NULL), NP);
    wasi_fs_stat_t st;
    wasi_fs_error_t e;
    TH_OK(!wasi_fs_stat_at(fx->ro, "abs", FOLLOW, &st, &e));
    TH_EQ(e, NP);
    /* Without follow, the link itself is looked at: allowed. */
    TH_OK(wasi_fs_stat_at(fx->ro, "abs", 0, &st, &e));
    TH_EQ(st.type, WASI_FS_TYPE_SYMBOLIC_LINK);
    /* Creating a file through an escaping (dangling or not) link. */
    int fd;
    TH_OK(!wasi_fs_open_at(fx->rw, "rel", FOLLOW, WASI_FS_OPEN_CREATE, WASI_FS_DESC_WRITE, false,
                           &fd, &e));
    TH_EQ(e, NP);
    TH_OK(!wasi_fs_create_directory_at(fx->rw, "outdir/made", false, &e));
    TH_EQ(e, NP);
    TH_OK(!host_exists(fx, "made"));
}

TEST_BOTH(symlinks_inside_allowed)
{
    TH_EQ(open_read(fx->ro, "ok", FOLLOW, "inner"), -1);
    TH_EQ(open_read(fx->ro, "sub/up", FOLLOW, "hello"), -1);
    TH_EQ(open_read(fx->ro, "dirlink/inner", FOLLOW, "inner"), -1);
    TH_EQ(open_read(fx->ro, "dirlink/up", FOLLOW, "hello"), -1);
    /* Not following a last-component link: opening it for reading fails
     * with loop (O_NOFOLLOW), as in POSIX. */
    TH_EQ(open_read(fx->ro, "ok", 0, NULL), WASI_FS_ERR_LOOP);
    int fd;
    wasi_fs_error_t e;
    TH_OK(wasi_fs_open_at(fx->ro, "dirlink", FOLLOW, WASI_FS_OPEN_DIRECTORY, WASI_FS_DESC_READ,
                          true, &fd, &e));
    if (fd >= 0) {
        TH_EQ(open_read(fd, "inner", FOLLOW, "inner"), -1);
        /* The new directory is a sandbox of its own: `..` leaves it. */
        TH_EQ(open_read(fd, "../file", FOLLOW, NULL), NP);
        TH_EQ(open_read(fd, "up", FOLLOW, NULL), NP);
        close(fd);
    }
}

TEST_BOTH(symlink_loops_end)
{
    TH_EQ(open_read(fx->ro, "loop1", FOLLOW, NULL), WASI_FS_ERR_LOOP);
    TH_EQ(open_read(fx->ro, "loop1/x", 0, NULL), WASI_FS_ERR_LOOP);
    wasi_fs_stat_t st;
    wasi_fs_error_t e;
    TH_OK(!wasi_fs_stat_at(fx->ro, "loop2", FOLLOW, &st, &e));
    TH_EQ(e, WASI_FS_ERR_LOOP);
}

TEST_BOTH(read_only_preopen_refuses_changes)
{
    int fd = -1;
    wasi_fs_error_t e;
    TH_OK(!wasi_fs_open_at(fx->ro, "new", FOLLOW, WASI_FS_OPEN_CREATE, WASI_FS_DESC_READ, true, &fd,
                           &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_open_at(fx->ro, "file", FOLLOW, 0, WASI_FS_DESC_WRITE, true, &fd, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_open_at(fx->ro, "file", FOLLOW, WASI_FS_OPEN_TRUNCATE, WASI_FS_DESC_READ, true,
                           &fd, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_open_at(fx->ro, "sub", FOLLOW, WASI_FS_OPEN_DIRECTORY,
                           WASI_FS_DESC_READ | WASI_FS_DESC_MUTATE_DIRECTORY, true, &fd, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_unlink_file_at(fx->ro, "file", true, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_create_directory_at(fx->ro, "d", true, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_remove_directory_at(fx->ro, "sub", true, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_rename_at(fx->ro, "file", true, fx->ro, "file2", true, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_rename_at(fx->rw, "file", false, fx->ro, "file2", true, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_symlink_at(fx->ro, "file", "l", true, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!wasi_fs_link_at(fx->ro, 0, "file", true, fx->ro, "hard", true, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    /* A writable name for a file of the read-only tree is refused too. */
    TH_OK(!wasi_fs_link_at(fx->ro, 0, "file", true, fx->rw, "hard", false, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(!host_exists(fx, "pre/hard"));
    TH_OK(host_exists(fx, "pre/file") && !host_exists(fx, "pre/file2") &&
          !host_exists(fx, "pre/new") && !host_exists(fx, "pre/d"));

    /* Read-only is inherited: a directory opened beneath has no
     * mutate-directory, so it refuses the same things. */
    TH_OK(!wasi_fs_open_at(fx->ro, "sub", FOLLOW, WASI_FS_OPEN_DIRECTORY,
                           WASI_FS_DESC_READ | WASI_FS_DESC_MUTATE_DIRECTORY, true, &fd, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(wasi_fs_open_at(fx->ro, "sub", FOLLOW, WASI_FS_OPEN_DIRECTORY, WASI_FS_DESC_READ, true,
                          &fd, &e));
    bool child_ro = wasi_fs_child_read_only(true);
    TH_OK(child_ro);
    if (fd >= 0) {
        int f2;
        TH_OK(!wasi_fs_open_at(fd, "x", FOLLOW, WASI_FS_OPEN_CREATE, WASI_FS_DESC_WRITE, child_ro,
                               &f2, &e));
        TH_EQ(e, WASI_FS_ERR_READ_ONLY);
        TH_OK(!wasi_fs_unlink_file_at(fd, "inner", child_ro, &e));
        TH_EQ(e, WASI_FS_ERR_READ_ONLY);
        close(fd);
    }
    /* A file opened read-only cannot be resized. */
    TH_OK(wasi_fs_open_at(fx->ro, "file", FOLLOW, 0, WASI_FS_DESC_READ, true, &fd, &e));
    if (fd >= 0) {
        TH_OK(!wasi_fs_set_size(fd, WASI_FS_DESC_READ, 0, &e));
        TH_EQ(e, WASI_FS_ERR_BAD_DESCRIPTOR);
        close(fd);
    }
    /* Beneath a writable preopen a directory stays writable, asked or not
     * (the preview1 adapter never asks for mutate-directory). */
    TH_OK(!wasi_fs_child_read_only(false));
}

TEST_BOTH(read_write_preopen_operations)
{
    int fd = -1;
    wasi_fs_error_t e;
    TH_OK(wasi_fs_open_at(fx->rw, "sub/new", FOLLOW, WASI_FS_OPEN_CREATE | WASI_FS_OPEN_EXCLUSIVE,
                          WASI_FS_DESC_READ | WASI_FS_DESC_WRITE, false, &fd, &e));
    if (fd >= 0) {
        TH_EQ(write(fd, "abcdef", 6), 6);
        TH_OK(wasi_fs_set_size(fd, WASI_FS_DESC_WRITE, 3, &e));
        TH_OK(wasi_fs_sync(fd, &e));
        TH_OK(wasi_fs_sync_data(fd, &e));
        wasi_fs_stat_t st;
        TH_OK(wasi_fs_stat(fd, &st, &e));
        TH_EQ(st.size, 3);
        TH_EQ(st.type, WASI_FS_TYPE_REGULAR_FILE);
        TH_EQ(st.link_count, 1);
        TH_OK(st.mtime.present && st.mtime.seconds > 0);
        close(fd);
    }
    TH_OK(!wasi_fs_open_at(fx->rw, "sub/new", FOLLOW, WASI_FS_OPEN_CREATE | WASI_FS_OPEN_EXCLUSIVE,
                           WASI_FS_DESC_WRITE, false, &fd, &e));
    TH_EQ(e, WASI_FS_ERR_EXIST);
    /* Creating through an inside link follows it. */
    TH_OK(wasi_fs_open_at(fx->rw, "dirlink/viafollow", FOLLOW, WASI_FS_OPEN_CREATE,
                          WASI_FS_DESC_WRITE, false, &fd, &e));
    if (fd >= 0)
        close(fd);
    TH_OK(host_exists(fx, "pre/sub/viafollow"));

    TH_OK(wasi_fs_create_directory_at(fx->rw, "d", false, &e));
    TH_OK(!wasi_fs_create_directory_at(fx->rw, "d", false, &e));
    TH_EQ(e, WASI_FS_ERR_EXIST);
    TH_OK(wasi_fs_rename_at(fx->rw, "sub/new", false, fx->rw, "d/moved", false, &e));
    TH_OK(host_exists(fx, "pre/d/moved") && !host_exists(fx, "pre/sub/new"));
    TH_OK(!wasi_fs_rename_at(fx->rw, "d/moved", false, fx->rw, "../stolen", false, &e));
    TH_EQ(e, NP);
    TH_OK(!host_exists(fx, "stolen"));
    TH_OK(!wasi_fs_remove_directory_at(fx->rw, "d", false, &e));
    TH_EQ(e, WASI_FS_ERR_NOT_EMPTY);
    TH_OK(!wasi_fs_unlink_file_at(fx->rw, "d", false, &e));
    TH_EQ(e, WASI_FS_ERR_IS_DIRECTORY);
    TH_OK(wasi_fs_link_at(fx->rw, 0, "d/moved", false, fx->rw, "hard", false, &e));
    TH_OK(wasi_fs_unlink_file_at(fx->rw, "d/moved", false, &e));
    TH_OK(wasi_fs_unlink_file_at(fx->rw, "hard", false, &e));
    TH_OK(wasi_fs_remove_directory_at(fx->rw, "d", false, &e));
    TH_OK(!host_exists(fx, "pre/d"));
    /* Removing through `..` out of the preopen, or the preopen itself. */
    TH_OK(!wasi_fs_unlink_file_at(fx->rw, "../secret", false, &e));
    TH_EQ(e, NP);
    TH_OK(!wasi_fs_unlink_file_at(fx->rw, "rel/../secret", false, &e));
    TH_OK(!wasi_fs_remove_directory_at(fx->rw, "sub/../..", false, &e));
    TH_EQ(e, NP);
    TH_OK(host_exists(fx, "secret") && host_exists(fx, "pre"));
    /* Unlinking an escaping link removes the link, not its target. */
    TH_OK(wasi_fs_unlink_file_at(fx->rw, "abs", false, &e));
    TH_OK(!host_exists(fx, "pre/abs") && host_exists(fx, "secret"));
}

TEST_BOTH(symlink_and_readlink)
{
    wasi_fs_error_t e;
    TH_OK(!wasi_fs_symlink_at(fx->rw, "/etc/passwd", "evil", false, &e));
    TH_EQ(e, NP);
    TH_OK(!host_exists(fx, "pre/evil"));
    /* A relative escaping target may be created; it is never usable. */
    TH_OK(wasi_fs_symlink_at(fx->rw, "../../secret", "sub/esc", false, &e));
    TH_EQ(open_read(fx->ro, "sub/esc", FOLLOW, NULL), NP);
    TH_OK(wasi_fs_symlink_at(fx->rw, "inner", "sub/good", false, &e));
    TH_EQ(open_read(fx->ro, "sub/good", FOLLOW, "inner"), -1);
    char *t = NULL;
    TH_OK(wasi_fs_readlink_at(fx->ro, "sub/esc", &t, &e));
    TH_STR(t, "../../secret");
    wh_free(t);
    TH_OK(wasi_fs_readlink_at(fx->ro, "dirlink", &t, &e));
    TH_STR(t, "sub");
    wh_free(t);
    TH_OK(!wasi_fs_readlink_at(fx->ro, "abs", &t, &e));
    TH_EQ(e, NP);
    TH_OK(!wasi_fs_readlink_at(fx->ro, "file", &t, &e));
    TH_EQ(e, WASI_FS_ERR_INVALID);
    TH_OK(!wasi_fs_readlink_at(fx->ro, "outdir/pre/ok", &t, &e));
    TH_EQ(e, NP);
}

TEST_BOTH(stat_and_read_directory)
{
    wasi_fs_stat_t st;
    wasi_fs_error_t e;
    TH_OK(wasi_fs_stat_at(fx->ro, "sub", FOLLOW, &st, &e));
    TH_EQ(st.type, WASI_FS_TYPE_DIRECTORY);
    TH_OK(wasi_fs_stat_at(fx->ro, "ok", FOLLOW, &st, &e));
    TH_EQ(st.type, WASI_FS_TYPE_REGULAR_FILE);
    TH_EQ(st.size, 5);
    TH_OK(wasi_fs_stat_at(fx->ro, "ok", 0, &st, &e));
    TH_EQ(st.type, WASI_FS_TYPE_SYMBOLIC_LINK);
    TH_EQ(st.size, strlen("sub/inner"));
    TH_OK(wasi_fs_stat(fx->ro, &st, &e));
    TH_EQ(st.type, WASI_FS_TYPE_DIRECTORY);

    wasi_fs_dir_iter_t it;
    TH_OK(wasi_fs_read_directory(fx->ro, &it, &e));
    int seen = 0, files = 0, links = 0, dirs = 0;
    bool done = false;
    wasi_fs_dirent_t de;
    while (wasi_fs_dir_next(&it, &de, &done, &e) && !done) {
        seen++;
        files += de.type == WASI_FS_TYPE_REGULAR_FILE;
        links += de.type == WASI_FS_TYPE_SYMBOLIC_LINK;
        dirs += de.type == WASI_FS_TYPE_DIRECTORY;
        TH_OK(strcmp(de.name, ".") != 0 && strcmp(de.name, "..") != 0);
    }
    TH_OK(done);
    wasi_fs_dir_close(&it);
    /* file, sub; abs rel outdir ok dirlink loop1 loop2 */
    TH_EQ(seen, 9);
    TH_EQ(files, 1);
    TH_EQ(dirs, 1);
    TH_EQ(links, 7);
}

/* The host's times of root/rel, without following a last symlink. */
static bool host_times(const fixture *fx, const char *rel, int64_t *atime, int64_t *mtime)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", fx->root, rel);
    if (lstat(p, &st) != 0)
        return false;
    *atime = st.st_atim.tv_sec;
    *mtime = st.st_mtim.tv_sec;
    return true;
}

static const wasi_fs_newtime_t T_KEEP = {WASI_FS_TIME_NO_CHANGE, 0, 0};
static const wasi_fs_newtime_t T_NOW = {WASI_FS_TIME_NOW, 0, 0};
static const wasi_fs_newtime_t T_A = {WASI_FS_TIME_SET, 1000000000, 5};
static const wasi_fs_newtime_t T_M = {WASI_FS_TIME_SET, 1500000000, 250000000};

TEST_BOTH(set_times_beneath)
{
    wasi_fs_error_t e;
    int64_t a, m, sa, sm;
    TH_OK(host_times(fx, "secret", &sa, &sm));
    TH_OK(wasi_fs_set_times_at(fx->rw, FOLLOW, "file", false, &T_A, &T_M, &e));
    TH_OK(host_times(fx, "pre/file", &a, &m));
    TH_EQ(a, 1000000000);
    TH_EQ(m, 1500000000);
    /* no-change keeps one, now sets the other to now */
    TH_OK(wasi_fs_set_times_at(fx->rw, 0, "file", false, &T_KEEP, &T_NOW, &e));
    TH_OK(host_times(fx, "pre/file", &a, &m));
    TH_EQ(a, 1000000000);
    TH_OK(m > 1500000000 && m <= (int64_t)time(NULL) + 1);
    /* Following an inside link sets its target; not following, the link. */
    TH_OK(wasi_fs_set_times_at(fx->rw, FOLLOW, "ok", false, &T_A, &T_A, &e));
    TH_OK(host_times(fx, "pre/sub/inner", &a, &m));
    TH_EQ(m, 1000000000);
    TH_OK(host_times(fx, "pre/ok", &a, &m));
    TH_OK(m != 1000000000);
    TH_OK(wasi_fs_set_times_at(fx->rw, 0, "ok", false, &T_M, &T_M, &e));
    TH_OK(host_times(fx, "pre/ok", &a, &m));
    TH_EQ(m, 1500000000);
    TH_OK(host_times(fx, "pre/sub/inner", &a, &m));
    TH_EQ(m, 1000000000);
    /* A link that climbs and comes back in (sub/up -> ../file) is fine. */
    TH_OK(wasi_fs_set_times_at(fx->rw, FOLLOW, "sub/up", false, &T_M, &T_M, &e));
    TH_OK(host_times(fx, "pre/file", &a, &m));
    TH_EQ(m, 1500000000);
    TH_OK(wasi_fs_set_times_at(fx->rw, FOLLOW, "dirlink/", false, &T_A, &T_A, &e));
    TH_OK(host_times(fx, "pre/sub", &a, &m));
    TH_EQ(m, 1000000000);
    TH_OK(!wasi_fs_set_times_at(fx->rw, FOLLOW, "file/", false, &T_A, &T_A, &e));
    TH_EQ(e, WASI_FS_ERR_NOT_DIRECTORY);
    /* Escapes: every one refused, and the secret keeps its times. */
    const char *out[] = {"../secret",
                         "rel",
                         "abs",
                         "sub/deep",
                         "outdir",
                         "outdir/secret",
                         "sub/../../secret",
                         "dirlink/../../secret"};
    for (size_t i = 0; i < WH_ARRAY_LEN(out); i++) {
        e = 0;
        TH_OK(!wasi_fs_set_times_at(fx->rw, FOLLOW, out[i], false, &T_A, &T_A, &e));
        TH_EQ(e, NP);
    }
    TH_OK(wasi_fs_set_times_at(fx->rw, 0, "rel", false, &T_A, &T_A, &e)); /* the link itself */
    TH_OK(host_times(fx, "secret", &a, &m));
    TH_EQ(a, sa);
    TH_EQ(m, sm);
    TH_OK(!wasi_fs_set_times_at(fx->rw, FOLLOW, "loop1", false, &T_A, &T_A, &e));
    TH_EQ(e, WASI_FS_ERR_LOOP);
    TH_OK(!wasi_fs_set_times_at(fx->rw, FOLLOW, "missing", false, &T_A, &T_A, &e));
    TH_EQ(e, WASI_FS_ERR_NO_ENTRY);
    /* Bad times, and a read-only preopen. */
    wasi_fs_newtime_t bad = {WASI_FS_TIME_SET, 1, 1000000000};
    TH_OK(!wasi_fs_set_times_at(fx->rw, 0, "file", false, &bad, &T_KEEP, &e));
    TH_EQ(e, WASI_FS_ERR_INVALID);
    TH_OK(!wasi_fs_set_times_at(fx->ro, FOLLOW, "file", true, &T_A, &T_A, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(host_times(fx, "pre/file", &a, &m));
    TH_EQ(m, 1500000000);

    /* set-times on descriptors: a file, and the preopen itself (O_PATH) */
    int fd;
    TH_OK(wasi_fs_open_at(fx->rw, "sub/inner", FOLLOW, 0, WASI_FS_DESC_READ, false, &fd, &e));
    if (fd >= 0) {
        TH_OK(!wasi_fs_set_times(fd, true, &T_M, &T_M, &e));
        TH_EQ(e, WASI_FS_ERR_READ_ONLY);
        TH_OK(wasi_fs_set_times(fd, false, &T_M, &T_M, &e));
        close(fd);
    }
    TH_OK(host_times(fx, "pre/sub/inner", &a, &m));
    TH_EQ(m, 1500000000);
    TH_OK(wasi_fs_set_times(fx->rw, false, &T_KEEP, &T_M, &e));
    TH_OK(host_times(fx, "pre", &a, &m));
    TH_EQ(m, 1500000000);
    TH_OK(!wasi_fs_set_times(fx->ro, true, &T_KEEP, &T_A, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
}

TEST_BOTH(link_at_follow)
{
    wasi_fs_error_t e;
    wasi_fs_stat_t st;
    /* Following: the target (sub/inner) gets a second name. */
    TH_OK(wasi_fs_link_at(fx->rw, FOLLOW, "ok", false, fx->rw, "hard", false, &e));
    TH_EQ(open_read(fx->ro, "hard", 0, "inner"), -1);
    TH_OK(wasi_fs_stat_at(fx->ro, "sub/inner", 0, &st, &e));
    TH_EQ(st.link_count, 2);
    /* Not following: the link itself gets a second name. */
    TH_OK(wasi_fs_link_at(fx->rw, 0, "ok", false, fx->rw, "hardlink", false, &e));
    TH_OK(wasi_fs_stat_at(fx->ro, "hardlink", 0, &st, &e));
    TH_EQ(st.type, WASI_FS_TYPE_SYMBOLIC_LINK);
    /* Never the secret. */
    TH_OK(!wasi_fs_link_at(fx->rw, FOLLOW, "rel", false, fx->rw, "stolen", false, &e));
    TH_EQ(e, NP);
    TH_OK(!wasi_fs_link_at(fx->rw, FOLLOW, "abs", false, fx->rw, "stolen", false, &e));
    TH_EQ(e, NP);
    TH_OK(!wasi_fs_link_at(fx->rw, FOLLOW, "sub/deep", false, fx->rw, "stolen", false, &e));
    TH_EQ(e, NP);
    TH_OK(!host_exists(fx, "pre/stolen"));
    TH_OK(!wasi_fs_link_at(fx->rw, FOLLOW, "loop1", false, fx->rw, "l", false, &e));
    TH_EQ(e, WASI_FS_ERR_LOOP);
}

TEST_BOTH(read_write_append)
{
    wasi_fs_error_t e;
    int fd = -1, afd = -1;
    char buf[32] = {0};
    size_t n = 0;
    bool eof = false;
    const uint32_t RW = WASI_FS_DESC_READ | WASI_FS_DESC_WRITE;
    TH_OK(wasi_fs_open_at(fx->rw, "file", FOLLOW, 0, RW, false, &fd, &e));
    if (fd < 0)
        return;
    TH_OK(wasi_fs_write(fd, RW, 2, "XY", 2, &n, &e));
    TH_EQ(n, 2);
    TH_OK(wasi_fs_read(fd, RW, 0, buf, sizeof buf, &n, &eof, &e));
    TH_EQ(n, 5);
    TH_OK(eof);
    TH_STR(buf, "heXYo");
    memset(buf, 0, sizeof buf);
    TH_OK(wasi_fs_read(fd, RW, 1, buf, 2, &n, &eof, &e));
    TH_EQ(n, 2);
    TH_OK(!eof);
    TH_STR(buf, "eX");
    TH_OK(wasi_fs_read(fd, RW, 100, buf, 2, &n, &eof, &e));
    TH_EQ(n, 0);
    TH_OK(eof);
    TH_OK(!wasi_fs_read(fd, WASI_FS_DESC_WRITE, 0, buf, 2, &n, &eof, &e));
    TH_EQ(e, WASI_FS_ERR_BAD_DESCRIPTOR);
    TH_OK(!wasi_fs_write(fd, WASI_FS_DESC_READ, 0, "z", 1, &n, &e));
    TH_EQ(e, WASI_FS_ERR_BAD_DESCRIPTOR);
    TH_OK(!wasi_fs_open_append(fd, WASI_FS_DESC_READ, &afd, &e));
    TH_EQ(e, WASI_FS_ERR_BAD_DESCRIPTOR);
    /* Appending goes to the end whatever the other writes do, and does not
     * turn the descriptor's positional writes into appends. */
    TH_OK(wasi_fs_open_append(fd, RW, &afd, &e));
    TH_OK(afd >= 0); /* this host has /proc */
    if (afd >= 0) {
        TH_EQ(write(afd, "++", 2), 2);
        TH_OK(wasi_fs_write(fd, RW, 0, "H", 1, &n, &e));
        TH_EQ(write(afd, "!", 1), 1);
        close(afd);
    }
    memset(buf, 0, sizeof buf);
    TH_OK(wasi_fs_read(fd, RW, 0, buf, sizeof buf, &n, &eof, &e));
    TH_STR(buf, "HeXYo++!");
    /* advise */
    TH_OK(wasi_fs_advise(fd, 0, 0, WASI_FS_ADVICE_SEQUENTIAL, &e));
    TH_OK(wasi_fs_advise(fd, 0, 4, WASI_FS_ADVICE_DONT_NEED, &e));
    TH_OK(!wasi_fs_advise(fd, 0, 0, (wasi_fs_advice_t)6, &e));
    TH_EQ(e, WASI_FS_ERR_INVALID);
    close(fd);
    /* On a directory, read is an error the host reports. */
    TH_OK(wasi_fs_open_at(fx->rw, "sub", FOLLOW, WASI_FS_OPEN_DIRECTORY, WASI_FS_DESC_READ, false,
                          &fd, &e));
    if (fd >= 0) {
        TH_OK(!wasi_fs_read(fd, WASI_FS_DESC_READ, 0, buf, 1, &n, &eof, &e));
        TH_EQ(e, WASI_FS_ERR_IS_DIRECTORY);
        close(fd);
    }
}

static void close_all(const int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

TEST_BOTH(flags_identity_and_hashes)
{
    wasi_fs_error_t e;
    uint32_t f = 0;
    int d_rw = -1, d_ro = -1, file = -1, inner = -1, viaok = -1;
    TH_OK(wasi_fs_open_at(fx->rw, "sub", FOLLOW, WASI_FS_OPEN_DIRECTORY, WASI_FS_DESC_READ, false,
                          &d_rw, &e));
    TH_OK(wasi_fs_open_at(fx->ro, "sub", FOLLOW, WASI_FS_OPEN_DIRECTORY, WASI_FS_DESC_READ, true,
                          &d_ro, &e));
    TH_OK(wasi_fs_open_at(fx->rw, "file", FOLLOW, 0, WASI_FS_DESC_READ | WASI_FS_DESC_WRITE, false,
                          &file, &e));
    TH_OK(wasi_fs_open_at(fx->ro, "sub/inner", FOLLOW, 0, WASI_FS_DESC_READ, true, &inner, &e));
    TH_OK(wasi_fs_open_at(fx->ro, "ok", FOLLOW, 0, WASI_FS_DESC_READ, true, &viaok, &e));
    if (d_rw < 0 || d_ro < 0 || file < 0 || inner < 0 || viaok < 0)
        goto out;
    TH_OK(wasi_fs_get_flags(d_rw, WASI_FS_DESC_READ, wasi_fs_child_read_only(false), &f, &e));
    TH_EQ(f, WASI_FS_DESC_READ | WASI_FS_DESC_MUTATE_DIRECTORY);
    TH_OK(wasi_fs_get_flags(d_ro, WASI_FS_DESC_READ, wasi_fs_child_read_only(true), &f, &e));
    TH_EQ(f, WASI_FS_DESC_READ);
    TH_OK(wasi_fs_get_flags(file, WASI_FS_DESC_READ | WASI_FS_DESC_WRITE, false, &f, &e));
    TH_EQ(f, WASI_FS_DESC_READ | WASI_FS_DESC_WRITE);
    TH_OK(wasi_fs_get_flags(fx->ro, WASI_FS_DESC_READ, true, &f, &e));
    TH_EQ(f, WASI_FS_DESC_READ);
    TH_OK(!wasi_fs_get_flags(-1, 0, false, &f, &e));
    TH_EQ(e, WASI_FS_ERR_BAD_DESCRIPTOR);

    TH_OK(wasi_fs_is_same_object(inner, viaok));
    TH_OK(wasi_fs_is_same_object(d_rw, d_ro));
    TH_OK(wasi_fs_is_same_object(fx->rw, fx->ro));
    TH_OK(!wasi_fs_is_same_object(inner, file));
    TH_OK(!wasi_fs_is_same_object(inner, -1));

    wasi_fs_hash_t h1, h2, h3;
    TH_OK(wasi_fs_metadata_hash(inner, &h1, &e));
    TH_OK(wasi_fs_metadata_hash_at(fx->ro, FOLLOW, "ok", &h2, &e));
    TH_OK(h1.lower == h2.lower && h1.upper == h2.upper);
    TH_OK(wasi_fs_metadata_hash_at(fx->ro, 0, "ok", &h3, &e)); /* the link itself */
    TH_OK(h1.lower != h3.lower && h1.upper != h3.upper);
    TH_OK(wasi_fs_metadata_hash(file, &h3, &e));
    TH_OK(h1.lower != h3.lower);
    TH_OK(wasi_fs_metadata_hash_at(fx->ro, FOLLOW, "sub/inner", &h3, &e));
    TH_OK(h1.lower == h3.lower && h1.upper == h3.upper); /* stable */
    TH_OK(!wasi_fs_metadata_hash_at(fx->ro, FOLLOW, "rel", &h3, &e));
    TH_EQ(e, NP);
    TH_OK(!wasi_fs_metadata_hash_at(fx->ro, 0, "../secret", &h3, &e));
    TH_EQ(e, NP);
out:
    close_all((int[]){d_rw, d_ro, file, inner, viaok}, 5);
}

TH_TEST(preopen_descriptors)
{
    fixture fx;
    wasi_fs_error_t e;
    int fd = -1;
    if (!TH_OK(setup(&fx)))
        goto out;
    /* A descriptor of its own, readable, the same directory. */
    TH_OK(wasi_fs_preopen_fd(&fx.po.dirs.data[1], &fd, &e));
    TH_OK(fd >= 0 && fd != fx.ro);
    TH_OK(wasi_fs_is_same_object(fd, fx.ro));
    TH_OK((fcntl(fd, F_GETFL) & O_PATH) == 0);
    TH_OK(wasi_fs_sync(fd, &e));
    if (fd >= 0)
        close(fd);
    /* Without read permission on the directory it is still usable for
     * lookups (unless the tests run as root, who may read anyway). */
    chmod(fx.pre, 0311);
    TH_OK(wasi_fs_preopen_fd(&fx.po.dirs.data[0], &fd, &e));
    TH_EQ(open_read(fd, "file", FOLLOW, "hello"), -1);
    if (fd >= 0)
        close(fd);
    chmod(fx.pre, 0755);
out:
    teardown(&fx);
}

TH_TEST(preopen_specs_and_errors)
{
    wasi_preopens_t po = {0};
    wh_err_t err;
    TH_EQ(wasi_preopens_add_spec(&po, "/tmp::/scratch", true, &err), WH_OK);
    TH_EQ(wasi_preopens_add_spec(&po, "/tmp", false, &err), WH_OK);
    TH_EQ(po.dirs.len, 2);
    if (po.dirs.len == 2) {
        TH_STR(po.dirs.data[0].guest, "/scratch");
        TH_OK(po.dirs.data[0].read_only);
        TH_STR(po.dirs.data[1].guest, "/tmp");
        TH_OK(!po.dirs.data[1].read_only);
    }
    TH_EQ(wasi_preopens_add_spec(&po, "/no/such/dir", true, &err), WH_IO);
    TH_HAS(err.msg, "/no/such/dir");
    TH_EQ(wasi_preopens_add_spec(&po, "::x", true, &err), WH_ARG);
    TH_EQ(po.dirs.len, 2);
    wasi_preopens_free(&po);
    TH_EQ(po.dirs.len, 0);
    TH_STR(wasi_fs_error_name(WASI_FS_ERR_NOT_PERMITTED), "not-permitted");
    TH_EQ(WASI_FS_ERR_CROSS_DEVICE, 36); /* the WIT's 37 cases, in order */
    TH_EQ(wasi_fs_error_from_errno(ELOOP), WASI_FS_ERR_LOOP);
}
