/*
 * wasi_random.h — wasi:random/random for the hand-written C guests: the
 * core import with its flat signature. See cabi.h for the conventions.
 */
#ifndef WASI_RANDOM_H
#define WASI_RANDOM_H

#include "cabi.h"

/* get-random-u64() -> u64: cryptographically secure, never the same
 * sequence twice (a u64 result is one i64 core value) */
IMPORT(WASI("random/random"), "get-random-u64") int64_t random_get_u64(void);

#endif
