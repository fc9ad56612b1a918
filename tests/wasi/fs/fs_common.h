/*
 * fs_common.h — what the filesystem test programs share. They are built
 * for wasm32-wasi (and, by hand, natively, to compare); errno values go out
 * as names, which are the same under every libc, never as numbers or
 * strerror texts, which are not. The names come from the same list as the
 * WASI differential programs' (../programs/errname.h).
 */
#ifndef FS_COMMON_H
#define FS_COMMON_H

#include "../programs/errname.h"

#include <stdio.h>

#endif
