/*
 * hx_detached.h — how the HTTP server's fuzz targets (http1_request.c,
 * http2_frames.c) drive one client connection without a socket: a detached
 * server and connection, the input cut into reads, the embedder's turn
 * after each read, and the client's EOF at the end.
 */
#ifndef HX_DETACHED_H
#define HX_DETACHED_H

#include "http/internal.h"

/* Runs the connection on input (the fuzzer's, without its first byte,
 * which the target reads itself; the second cuts the rest into reads of 1
 * to 64 bytes). preface, when not NULL, is the client's first read.
 * later(ud, c, tick) is what the embedder does between two reads; sink
 * gets the connection's output. */
static void fz_connection(const hx_config_t *cfg, const hx_handler_t *handler, void *ud,
                          hx__sink_fn sink, void (*later)(void *, hx_conn_t *, unsigned),
                          const char *preface, size_t preface_len, const uint8_t *input,
                          size_t size)
{
    if (size < 1)
        return;
    size_t piece = (size_t)(input[0] % 64) + 1;
    input++;
    size--;
    hx_server_t *srv = hx__server_new_detached(cfg, handler, ud);
    hx_conn_t *c = srv ? hx__conn_new_detached(srv, sink, ud) : NULL;
    if (c && (!preface || hx__conn_feed(c, preface, preface_len))) {
        unsigned tick = 0;
        size_t off = 0;
        while (off < size && !c->closed && tick < 100000) {
            size_t n = size - off < piece ? size - off : piece;
            hx__conn_feed(c, (const char *)input + off, n);
            off += n;
            later(ud, c, ++tick);
        }
        for (int i = 0; i < 4 && !c->closed; i++)
            later(ud, c, ++tick);
        hx__conn_feed(c, NULL, 0);
    }
    hx__conn_free_detached(c);
    hx__server_free_detached(srv);
}

#endif
