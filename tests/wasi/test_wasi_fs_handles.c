/*
 * test_wasi_fs_handles.c — wasi:filesystem handles as a guest holds them:
 * fs_handles.wat (built by jco parse, see CMakeLists.txt) linked to the
 * real WASI host. A read stream outlives the descriptors it came from, and
 * every host fd is closed once the guest has dropped all it held; each
 * get-directories call gives new descriptors of the same directories; a
 * read-only preopen lacks mutate-directory.
 */
#define _GNU_SOURCE
#include "th.h"
#include "wasi/wasi_host.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open fds of this process (the one /proc/self/fd itself takes excluded). */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the DIR's own fd */
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

typedef struct {
    char root[64];
    wasi_preopens_t po;
    wasi_config_t cfg;
    uv_loop_t loop;
    cm_component_t *c;
    cm_linker_t *l;
    wasi_ctx_t *ctx;
    cm_instance_t *inst;
    wh_arena_t arena;
} fixture;

static bool setup(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    wh_arena_init(&fx->arena, 1024);
    uv_loop_init(&fx->loop);
    char path[512];
    snprintf(fx->root, sizeof fx->root, "/tmp/wasi_fsh_XXXXXX");
    if (!mkdtemp(fx->root))
        return false;
    snprintf(path, sizeof path, "%s/a", fx->root);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/b", fx->root);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/a/file", fx->root);
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("hello", f);
    fclose(f);
    wh_err_t err = {0};
    char a[96], b[96];
    snprintf(a, sizeof a, "%s/a", fx->root);
    snprintf(b, sizeof b, "%s/b", fx->root);
    if (wasi_preopens_add(&fx->po, a, "/a", false, &err) ||
        wasi_preopens_add(&fx->po, b, "/b", true, &err))
        return false;
    wasi_config_init(&fx->cfg);
    fx->cfg.preopens = &fx->po;
    uint8_t *bytes;
    size_t len;
    if (wh_read_file(WH_TEST_FS_HANDLES_WASM, &bytes, &len, &err)) {
        fprintf(stderr, "%s (node and jco build it: see tests/wasi/CMakeLists.txt)\n", err.msg);
        return false;
    }
    wh_rc rc = cm_component_load(bytes, len, &fx->c, &err);
    wh_free(bytes);
    if (rc)
        fprintf(stderr, "load: %s\n", err.msg);
    if (rc || !(fx->l = cm_linker_new()) || wasi_link(fx->l, &err) != WH_OK)
        return false;
    if (!(fx->ctx = wasi_ctx_new(&fx->cfg, &fx->loop)))
        return false;
    cm_config_t cc = {.fuel = -1, .user = fx->ctx};
    rc = cm_instantiate(fx->c, fx->l, &cc, &fx->inst, &err);
    if (rc)
        fprintf(stderr, "instantiate: %s\n", err.msg);
    return rc == WH_OK;
}

static void teardown(fixture *fx)
{
    cm_instance_free(fx->inst);
    wasi_ctx_free(fx->ctx);
    cm_linker_free(fx->l);
    cm_component_free(fx->c);
    wasi_preopens_free(&fx->po);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    uv_loop_close(&fx->loop);
    wh_arena_free(&fx->arena);
    if (fx->root[0])
        nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Calls an export without arguments; its s32/u32 result, or INT64_MIN. */
static int64_t call0(fixture *fx, const char *name)
{
    cm_func_t *f;
    cm_val_t r;
    wh_err_t err = {0};
    if (!TH_EQ(cm_instance_func(fx->inst, name, &f), WH_OK))
        return INT64_MIN;
    wh_rc rc = cm_call(fx->inst, f, NULL, &r, &fx->arena, &err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        return INT64_MIN;
    }
    return r.kind == CM_S32 ? r.of.s : (int64_t)r.of.u;
}

TH_TEST(fs_handles_stream_outlives_descriptor)
{
    fixture fx;
    if (TH_OK(setup(&fx))) {
        int before = count_fds();
        /* 5 bytes, the first 'h': the stream read the file after the guest
         * had dropped the file's descriptor and both preopens' */
        TH_EQ(call0(&fx, "read-after-drop"), 5 * 256 + 'h');
        /* and, the stream dropped too, no host fd is left open */
        TH_EQ(count_fds(), before);
    }
    teardown(&fx);
}

TH_TEST(fs_handles_preopen_flags)
{
    fixture fx;
    if (TH_OK(setup(&fx))) {
        int before = count_fds();
        /* /a: read | mutate-directory; /b (read-only): read */
        TH_EQ(call0(&fx, "preopen-flags"),
              (WASI_FS_DESC_READ | WASI_FS_DESC_MUTATE_DIRECTORY) | (WASI_FS_DESC_READ << 8));
        TH_EQ(count_fds(), before);
    }
    teardown(&fx);
}

TH_TEST(fs_handles_same_object)
{
    fixture fx;
    if (TH_OK(setup(&fx))) {
        /* bit 0: /a from two calls is the same directory; bit 1: /a is not
         * /b; bit 2: each call gave new handles */
        TH_EQ(call0(&fx, "same-object"), 1 | 0 | 4);
    }
    teardown(&fx);
}
