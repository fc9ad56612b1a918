/*
 * wasi_io.h — wasi:io (streams, poll, error) for the hand-written C guests:
 * the core imports with their flat signatures, and the loops every guest
 * writes on them (write all, read some). See cabi.h for the conventions.
 *
 * Layouts: result<_, stream-error> is {u8 is_err @0; stream-error @4}, and
 * a stream-error is {u8 case (0 last-operation-failed, 1 closed); own<error>
 * @4 for last-operation-failed}. check-write's result<u64, stream-error>
 * has its payload, and so the stream-error, at 8. A list read comes back
 * allocated through cabi_realloc (the guest's to free, cabi_free).
 *
 * Two ways to write and to read: with check-write, write and read, which
 * never wait (write_some, read_chunk) or wait on the stream's pollable
 * (write_all, read_some); or with the blocking calls (blocking_write_all,
 * blocking_read_chunk), which need nothing of wasi:io/poll.
 */
#ifndef WASI_IO_H
#define WASI_IO_H

#include "cabi.h"

/* ---- wasi:io/error ---- */

IMPORT(WASI("io/error"), "[resource-drop]error") void error_drop(handle h);
/* to-debug-string() -> string: ret = {ptr; len}, ours to free */
IMPORT(WASI("io/error"), "[method]error.to-debug-string")
void error_to_debug_string(handle self, void *ret);

/* ---- wasi:io/poll ---- */

IMPORT(WASI("io/poll"), "[method]pollable.block") void pollable_block(handle self);
/* poll(list<borrow<pollable>>) -> list<u32>: ret = {ptr; len}, the indices
 * of the ready ones, ours to free */
IMPORT(WASI("io/poll"), "poll") void poll_list(const handle *pollables, size_t n, void *ret);
IMPORT(WASI("io/poll"), "[resource-drop]pollable") void pollable_drop(handle h);

/* ---- wasi:io/streams ---- */

/* read(len: u64) -> result<list<u8>, stream-error>: ret = {u8 is_err; ok:
 * ptr @4, len @8; err: stream-error @4}. read gives what is there, maybe
 * nothing; blocking-read waits for some. */
IMPORT(WASI("io/streams"), "[method]input-stream.read")
void input_stream_read(handle self, int64_t len, void *ret);
IMPORT(WASI("io/streams"), "[method]input-stream.blocking-read")
void input_stream_blocking_read(handle self, int64_t len, void *ret);
IMPORT(WASI("io/streams"), "[method]input-stream.subscribe")
handle input_stream_subscribe(handle self);
IMPORT(WASI("io/streams"), "[resource-drop]input-stream") void input_stream_drop(handle h);

/* check-write() -> result<u64, stream-error>: ret = {u8 is_err; u64 @8 or
 * stream-error @8}, how many bytes write may take now */
IMPORT(WASI("io/streams"), "[method]output-stream.check-write")
void output_stream_check_write(handle self, void *ret);
/* write(list<u8>) -> result<_, stream-error>: ret = {u8 is_err; stream-error @4} */
IMPORT(WASI("io/streams"), "[method]output-stream.write")
void output_stream_write(handle self, const void *buf, size_t len, void *ret);
/* blocking-write-and-flush(list<u8>) -> result<_, stream-error>: as write,
 * at most 4096 bytes a call */
IMPORT(WASI("io/streams"), "[method]output-stream.blocking-write-and-flush")
void output_stream_blocking_write_and_flush(handle self, const void *buf, size_t len, void *ret);
IMPORT(WASI("io/streams"), "[method]output-stream.subscribe")
handle output_stream_subscribe(handle self);
IMPORT(WASI("io/streams"), "[resource-drop]output-stream") void output_stream_drop(handle h);

/* ---- helpers ---- */

/* How a stream call ended. */
typedef enum { STREAM_OK, STREAM_CLOSED, STREAM_FAILED } stream_status_t;

/* The stream-error at ret + off: STREAM_CLOSED, or STREAM_FAILED with its
 * error, which goes to *out_err (the caller's to drop) or, when out_err is
 * NULL, is dropped here. */
static inline stream_status_t stream_error_at(size_t off, handle *out_err)
{
    if (ret_u8(off) == 1)
        return STREAM_CLOSED;
    handle err = ret_handle(off + 4);
    if (out_err)
        *out_err = err;
    else
        error_drop(err);
    return STREAM_FAILED;
}

/* Blocks on a pollable, then drops it. */
static inline void block_on(handle pollable)
{
    pollable_block(pollable);
    pollable_drop(pollable);
}

/* Writes as much of the n bytes at p as check-write allows now, without
 * waiting: STREAM_OK with *out_n written (0 when there is no room), or how
 * the stream ended (the error as stream_error_at says). */
static inline stream_status_t write_some(handle stream, const void *p, size_t n, size_t *out_n,
                                         handle *out_err)
{
    *out_n = 0;
    output_stream_check_write(stream, ret);
    if (ret_u8(0))
        return stream_error_at(8, out_err);
    uint64_t room = ret_u64(8);
    size_t k = n < room ? n : (size_t)room;
    if (k == 0)
        return STREAM_OK;
    output_stream_write(stream, p, k, ret);
    if (ret_u8(0))
        return stream_error_at(4, out_err);
    *out_n = k;
    return STREAM_OK;
}

/* Writes all n bytes of p, as much at a time as check-write allows, waiting
 * on the stream when it allows nothing. As write_some. */
static inline stream_status_t write_all(handle stream, const void *p, size_t n, handle *out_err)
{
    const uint8_t *b = p;
    while (n > 0) {
        size_t k;
        stream_status_t st = write_some(stream, b, n, &k, out_err);
        if (st != STREAM_OK)
            return st;
        if (k == 0)
            block_on(output_stream_subscribe(stream));
        b += k;
        n -= k;
    }
    return STREAM_OK;
}

/* Writes all n bytes of p with blocking-write-and-flush, in pieces of at
 * most 4096, the most it promises to take in one call. As write_some. */
static inline stream_status_t blocking_write_all(handle stream, const void *p, size_t n,
                                                 handle *out_err)
{
    const uint8_t *b = p;
    while (n > 0) {
        size_t k = n < 4096 ? n : 4096;
        output_stream_blocking_write_and_flush(stream, b, k, ret);
        if (ret_u8(0))
            return stream_error_at(4, out_err);
        b += k;
        n -= k;
    }
    return STREAM_OK;
}

/* Reads up to max bytes with read, without waiting: STREAM_OK with *out
 * what is there (maybe nothing), allocated through cabi_realloc (cabi_free
 * it), or how the stream ended (STREAM_CLOSED at its end; the error as
 * stream_error_at says). */
static inline stream_status_t read_chunk(handle stream, uint64_t max, bytes_t *out, handle *out_err)
{
    *out = (bytes_t){NULL, 0};
    input_stream_read(stream, (int64_t)max, ret);
    if (ret_u8(0))
        return stream_error_at(4, out_err);
    *out = (bytes_t){ret_ptr(4), ret_u32(8)};
    return STREAM_OK;
}

/* The same with blocking-read, which waits for some bytes. */
static inline stream_status_t blocking_read_chunk(handle stream, uint64_t max, bytes_t *out,
                                                  handle *out_err)
{
    *out = (bytes_t){NULL, 0};
    input_stream_blocking_read(stream, (int64_t)max, ret);
    if (ret_u8(0))
        return stream_error_at(4, out_err);
    *out = (bytes_t){ret_ptr(4), ret_u32(8)};
    return STREAM_OK;
}

/* Reads up to max bytes into buf, waiting on the stream while none are
 * there: STREAM_OK with *out_n (more than 0) bytes, or how the stream
 * ended, as read_chunk. */
static inline stream_status_t read_some(handle stream, void *buf, size_t max, size_t *out_n,
                                        handle *out_err)
{
    for (;;) {
        bytes_t chunk;
        stream_status_t st = read_chunk(stream, max, &chunk, out_err);
        if (st != STREAM_OK)
            return st;
        if (chunk.len > 0) {
            memcpy(buf, chunk.ptr, chunk.len);
            cabi_free(chunk.ptr, chunk.len);
            *out_n = chunk.len;
            return STREAM_OK;
        }
        /* an empty list: nothing was allocated for it */
        block_on(input_stream_subscribe(stream));
    }
}

#endif
