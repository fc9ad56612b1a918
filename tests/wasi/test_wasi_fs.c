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
    TH_OK(!wasi_fs_link_at(fx->ro, 0, "file", fx->ro, "hard", true, &e));
    TH_EQ(e, WASI_FS_ERR_READ_ONLY);
    TH_OK(host_exists(fx, "pre/file") && !host_exists(fx, "pre/file2") &&
          !host_exists(fx, "pre/new") && !host_exists(fx, "pre/d"));

    /* Read-only is inherited: a directory opened beneath has no
     * mutate-directory, so it refuses the same things. */
    TH_OK(wasi_fs_open_at(fx->ro, "sub", FOLLOW, WASI_FS_OPEN_DIRECTORY, WASI_FS_DESC_READ, true,
                          &fd, &e));
    bool child_ro = wasi_fs_child_read_only(true, WASI_FS_DESC_READ);
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
    TH_OK(!wasi_fs_child_read_only(false, WASI_FS_DESC_MUTATE_DIRECTORY));
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
    TH_OK(wasi_fs_link_at(fx->rw, 0, "d/moved", fx->rw, "hard", false, &e));
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
