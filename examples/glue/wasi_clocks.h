/*
 * wasi_clocks.h — wasi:clocks/monotonic-clock for the hand-written C
 * guests: the core imports with their flat signatures. See cabi.h for the
 * conventions. An instant and a duration are u64 nanoseconds, i64 flat.
 */
#ifndef WASI_CLOCKS_H
#define WASI_CLOCKS_H

#include "cabi.h"

IMPORT(WASI("clocks/monotonic-clock"), "now") int64_t monotonic_clock_now(void);
/* subscribe-duration(ns) -> own<pollable>, ready once ns have passed */
IMPORT(WASI("clocks/monotonic-clock"), "subscribe-duration")
handle monotonic_clock_subscribe_duration(int64_t ns);

#endif
