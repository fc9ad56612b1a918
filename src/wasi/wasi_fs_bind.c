/*
 * wasi_fs_bind.c — wasi:filesystem (types, preopens) over the sandbox core
 * of wasi_fs.c.
 */
#include "wasi_int.h"

wh_rc wasi_link_filesystem(cm_linker_t *l, wh_err_t *err)
{
    return WH_OK;
}
