/*
 * wasi_sockets.c — wasi:sockets: TCP client sockets on libuv, name lookup,
 * and the outbound allow-list.
 */
#include "wasi_int.h"

wh_rc wasi_link_sockets(cm_linker_t *l, wh_err_t *err)
{
    return WH_OK;
}

wh_rc wasi_allow_parse(const char *spec, wasi_allow_t *out, wh_err_t *err)
{
    return wh_err(err, WH_UNSUPPORTED, -1, "--allow-connect: sockets are not built yet");
}

bool wasi_allowed(const wasi_config_t *cfg, const struct sockaddr *addr)
{
    return false;
}
