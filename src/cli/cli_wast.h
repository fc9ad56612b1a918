/*
 * cli_wast.h — the parts of `wasmhttpd wast` shared between its files: the
 * `spectest` host module and the spec JSON's values; and what `wast` and
 * `cm-wast` share to run their converters.
 */
#ifndef CLI_WAST_H
#define CLI_WAST_H

#include "wasm/wm.h"

#include <jansson.h>

/* ---- The spectest host module (cli_spectest.c) ----
 * What the spec scripts import from "spectest": print functions that do
 * nothing, four immutable globals (666 / 666.6), a funcref table 10..20 and a
 * memory of 1..2 pages. The objects live in the store they were made in. */
typedef struct {
    const char *name;
    wm_extern_t ext;
} cli_spectest_item;

typedef struct {
    cli_spectest_item items[16];
    uint32_t n; /* 0 until cli_spectest_init */
} cli_spectest_t;

/* Creates the objects in s. WH_NOMEM if the store cannot hold them. */
wh_rc cli_spectest_init(cli_spectest_t *st, wm_store_t *s, wh_err_t *err);
/* Finds export `name`; false if spectest has none of that name. */
bool cli_spectest_find(const cli_spectest_t *st, const char *name, wm_extern_t *out);

/* ---- Values (cli_values.c) ---- */

/* An externref argument {"type":"externref","value":"N"} becomes this host
 * pointer: distinct per N and never NULL, so results can be compared by
 * identity. The engine never dereferences an externref. */
void *cli_externref(uint64_t n);

/* How one scalar (or one v128 lane) of an expected result is matched. */
enum {
    CLI_MATCH_BITS,      /* exactly these bits (floats included) */
    CLI_MATCH_NAN_CANON, /* nan:canonical: quiet NaN with no other payload bit, either sign */
    CLI_MATCH_NAN_ARITH, /* nan:arithmetic: any NaN with the quiet bit set */
    CLI_MATCH_NONNULL,   /* funcref/externref given without a value: any non-null */
};

/* Lane shapes of a v128 in the JSON ("lane_type"). */
enum { CLI_LANE_I8, CLI_LANE_I16, CLI_LANE_I32, CLI_LANE_I64, CLI_LANE_F32, CLI_LANE_F64 };

typedef struct {
    wm_val_t val;      /* the bits to compare (type set) */
    uint8_t match;     /* CLI_MATCH_*, scalars */
    uint8_t lane;      /* CLI_LANE_*, v128 only */
    uint8_t nlanes;    /* v128 only */
    uint8_t lanes[16]; /* CLI_MATCH_* per lane, v128 only */
} cli_expect_t;

/* Reads an argument value. On failure writes why into `why` and returns
 * false. */
bool cli_value_from_json(const json_t *j, wm_val_t *out, char *why, size_t n);
/* Reads an expected result (NaN patterns and "any non-null" allowed). */
bool cli_expect_from_json(const json_t *j, cli_expect_t *out, char *why, size_t n);
/* True when got has e's type and matches it. */
bool cli_expect_match(const cli_expect_t *e, const wm_val_t *got);

/* Human-readable forms for failure messages, like "i32:-1" or
 * "f32:1.5 (0x3fc00000)". A v128 is shown in lanes of `lane` (CLI_LANE_*). */
void cli_value_str(const wm_val_t *v, int lane, char *buf, size_t n);
void cli_expect_str(const cli_expect_t *e, char *buf, size_t n);

/* ---- Converters (cli_proc.c) ---- */

/* Runs argv[0] (looked up on PATH) with argv and waits for it. False with
 * why (n bytes) saying what went wrong when it cannot run or does not exit
 * with status 0. */
bool cli_run_wait(const char *const *argv, char *why, size_t n);
/* Makes a scratch directory for a converter, $TMPDIR (or /tmp) +
 * "/wasmhttpd-RUNNER-XXXXXX", and writes its path into dir (n bytes).
 * False, with errno set, when it cannot. */
bool cli_scratch_dir(const char *runner, char *dir, size_t n);
/* The converter's output for the script wast: DIR/NAME.json, NAME being the
 * script's file name without ".wast". To free; NULL when out of memory. */
char *cli_json_path(const char *dir, const char *wast);
/* Removes dir and the plain files in it (what a converter wrote). */
void cli_remove_dir(const char *dir);

#endif
