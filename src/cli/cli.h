/*
 * cli.h — the subcommands of the wasmhttpd binary, and the number helpers
 * they share. Each subcommand takes the arguments after its name (argv[0] is
 * the subcommand) and returns the process exit code.
 */
#ifndef CLI_H
#define CLI_H

#include "wasi/wasi_host.h"
#include "wasihttp/hw.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int cli_wast_main(int argc, char **argv);
int cli_cm_wast_main(int argc, char **argv);
int cli_run_main(int argc, char **argv);
int cli_inspect_main(int argc, char **argv);
int cli_serve_main(int argc, char **argv);

/* Option values: a duration ("500ms", "10s", "2m", or "0"; a number
 * without a unit is refused), a size (bytes, or with k, m, g for KiB, MiB,
 * GiB), a count up to max. */
bool cli_parse_duration(const char *s, uint32_t *out_ms);
/* cli_parse_duration for option opt, saying on stderr what is wrong. */
bool cli_duration_opt(const char *opt, const char *val, uint32_t *out_ms);
bool cli_parse_size(const char *s, uint64_t *out);
bool cli_parse_count(const char *s, uint64_t max, uint64_t *out);

/* Outbound HTTP options of serve and run (cli_outbound.c). */
typedef struct {
    hw_outbound_config_t cfg;
    hw_allow_t *allow; /* room for one per argument */
    size_t nallow;
    hw_outbound_t *ob; /* made by cli_outbound_setup */
} cli_outbound_t;
extern const char cli_outbound_help[];
bool cli_outbound_init(cli_outbound_t *o, int argc);
/* Options without a value (--deny-private-addresses). */
bool cli_outbound_is_flag(const char *opt);
/* 1: opt was an outbound option and val is good; 0: not one of them;
 * -1: a bad value (said on stderr). */
int cli_outbound_opt(cli_outbound_t *o, const char *opt, const char *val);
/* Makes o->ob: 0, or an exit status after saying why. */
int cli_outbound_setup(cli_outbound_t *o);
void cli_outbound_free(cli_outbound_t *o);

/* Exit statuses of `run` (see its --help). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_TRAP = 1,   /* the call (or the start function) trapped */
    CLI_EXIT_USAGE = 2,  /* bad options, argument count or argument syntax */
    CLI_EXIT_FILE = 3,   /* the file cannot be read */
    CLI_EXIT_MODULE = 4, /* malformed or invalid module or component */
    CLI_EXIT_LINK = 5,   /* unsatisfied imports, or cannot be instantiated */
    CLI_EXIT_EXPORT = 6, /* no such export, or it is not a function */
};

/* The options of `run` (values point into argv). */
typedef struct {
    const char *invoke; /* NULL: run a wasi:cli/command */
    int64_t fuel;       /* negative: unlimited */
    uint64_t max_memory;
    uint32_t timeout_ms;
    const char **dirs; /* --dir / --dir-rw specs, dirs_rw[i] telling which */
    bool *dirs_rw;
    size_t ndirs;
    const char **envs;
    size_t nenvs;
    const char **allow;
    size_t nallow;
    const hw_outbound_t *outbound; /* outbound HTTP for wasi:http guests */
} cli_run_opts_t;

/* The WASI configuration the options give (cli_wasi.c): args are the
 * guest's arguments after argv0; stdin is the host's (serve turns it off).
 * Returns 0 or an exit status after printing why. */
typedef struct {
    wasi_config_t cfg;
    wasi_preopens_t preopens;
    const char **args;
    const char **env;
    wasi_allow_t *allow;
} cli_wasi_t;
int cli_wasi_setup(cli_wasi_t *h, const char *argv0, const cli_run_opts_t *o, int nargs,
                   char **args);
void cli_wasi_free(cli_wasi_t *h);

/* `run COMPONENT ARGS…` for a wasi:cli/command (cli_run_command.c). */
int cli_run_command(const char *file, const uint8_t *bytes, size_t len, const cli_run_opts_t *o,
                    int nargs, char **args);

/* `run` for a component: --invoke 'NAME(WAVE ARGS)' (cli_run_component.c). */
int cli_run_component(const char *file, const uint8_t *bytes, size_t len, const char *invoke,
                      int64_t fuel);

/* ---- Numbers (cli_num.c) ---- */

/* Room for any float cli_fmt_f32/f64 writes: Display-style output never uses
 * an exponent, so f64's largest finite value takes 309 digits and its
 * smallest subnormal "0." plus 323 zeros and a digit. */
#define CLI_FLOAT_BUF 400

/* Parses an integer of `bits` bits (32 or 64): a decimal or 0x-prefixed hex
 * magnitude with an optional sign. Without '-' it may be anything up to
 * 2^bits-1 (so both signed and unsigned readings work); with '-' down to
 * -2^(bits-1). The result is the two's complement bit pattern. False when s
 * is not such a number or is out of range. */
bool cli_parse_int(const char *s, unsigned bits, uint64_t *out);

/* Parses a float as C's strtof/strtod do (decimal, hex, "nan", "inf",
 * "infinity", any case, with sign), rounding once to the target type. The
 * whole string must be the number. Writes the IEEE bits. */
bool cli_parse_f32(const char *s, uint32_t *out_bits);
bool cli_parse_f64(const char *s, uint64_t *out_bits);

/* Strict unsigned decimal (the spec JSON's value encoding): digits only, at
 * most UINT64_MAX. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* Formats a float the way Rust's Display does, which is what `wasmtime run
 * --invoke` prints: the shortest decimal that reads back to the same bits,
 * written out in full without an exponent ("1.5", "100", "0.001", "-0"),
 * "NaN" for every NaN (sign and payload are dropped), "inf" and "-inf".
 * buf should hold CLI_FLOAT_BUF bytes. */
void cli_fmt_f32(uint32_t bits, char *buf, size_t n);
void cli_fmt_f64(uint64_t bits, char *buf, size_t n);

#endif
