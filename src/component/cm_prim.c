/*
 * cm_prim.c — the primitive value types, shared by every component, with
 * their canonical ABI layout (CanonicalABI.md: alignment, elem_size,
 * flatten_type).
 */
#include "internal.h"

static const uint8_t flat_i32[] = {WM_I32};
static const uint8_t flat_i64[] = {WM_I64};
static const uint8_t flat_f32[] = {WM_F32};
static const uint8_t flat_f64[] = {WM_F64};
static const uint8_t flat_ptr_len[] = {WM_I32, WM_I32};

#define PRIM(k, nm, sz, al, fl)                                                                    \
    [k] = {.kind = k, .name = nm, .size = sz, .align = al, .nflat = sizeof(fl), .flat = fl}

static const cm_type_t prims[] = {
    PRIM(CM_BOOL, "bool", 1, 1, flat_i32),
    PRIM(CM_S8, "s8", 1, 1, flat_i32),
    PRIM(CM_U8, "u8", 1, 1, flat_i32),
    PRIM(CM_S16, "s16", 2, 2, flat_i32),
    PRIM(CM_U16, "u16", 2, 2, flat_i32),
    PRIM(CM_S32, "s32", 4, 4, flat_i32),
    PRIM(CM_U32, "u32", 4, 4, flat_i32),
    PRIM(CM_S64, "s64", 8, 8, flat_i64),
    PRIM(CM_U64, "u64", 8, 8, flat_i64),
    PRIM(CM_F32, "f32", 4, 4, flat_f32),
    PRIM(CM_F64, "f64", 8, 8, flat_f64),
    PRIM(CM_CHAR, "char", 4, 4, flat_i32),
    PRIM(CM_STRING, "string", 8, 4, flat_ptr_len),
    PRIM(CM_ERROR_CONTEXT, "error-context", 4, 4, flat_i32),
};

const cm_type_t *cm_prim(cm_kind kind)
{
    if ((unsigned)kind >= WH_ARRAY_LEN(prims) || prims[kind].kind != kind)
        return NULL;
    return &prims[kind];
}
