/*
 * types.c — exports wasmhttpd:test/types-test (world `types`): every WIT
 * value type as parameter and result, with hand-written canonical ABI glue.
 * Built three times, once per string encoding (GUEST_ENC, see guest.h).
 * Also exports wasmhttpd:test/lift-edges (world `types-c`): results in forms
 * the ABI allows but a careless host might not expect. Small integers and
 * bools come back with garbage in the unused high bits of the i32
 * (CanonicalABI.md lift_flat_unsigned/signed and convert_int_to_bool ignore
 * them), a bool byte in memory is 7, and NaNs carry sign and payload bits.
 *
 * Memory layouts (CanonicalABI.md elem_size/alignment), offsets in bytes:
 *   point   {x @0, y @4}                                   size 8, align 4
 *   person  {name @0, age @8, tags @12, home @20,
 *            nick: option<string> @28 (disc @28, string @32)} size 40, align 4
 *   mixed   {a u8 @0, b u64 @8, c u16 @16, d f32 @20, e bool @24, f char @28}
 *                                                          size 32, align 8
 *   shape   {disc u8 @0, payload @8 (f64 | point | string)} size 16, align 8
 *   option<string> {disc @0, string @4}                    size 12, align 4
 */
#include "guest.h"

#define TT   "wasmhttpd:test/types-test@0.1.0#"
#define POST "cabi_post_wasmhttpd:test/types-test@0.1.0#"

typedef struct {
    int32_t x, y;
} point;

typedef struct {
    uint8_t disc;
    gstr s;
} opt_str; /* option<string>, 12 bytes */

typedef struct {
    gstr name;
    uint8_t age;
    gstr tags; /* list<string> */
    point home;
    opt_str nick;
} person;
_Static_assert(sizeof(person) == 40, "person layout");
_Static_assert(offsetof(person, nick) == 28, "person layout");

typedef struct {
    uint8_t a;
    uint64_t b;
    uint16_t c;
    float d;
    uint8_t e;
    uint32_t f;
} mixed;
_Static_assert(sizeof(mixed) == 32 && offsetof(mixed, f) == 28, "mixed layout");

typedef struct {
    uint8_t disc;
    union {
        double r;
        point p;
        gstr s;
    } u;
} shape;
_Static_assert(sizeof(shape) == 16, "shape layout");

static const char *const color_names[] = {"red", "green", "blue"};

/* ---- echoes ---- */

EXPORT(TT "echo-bool") int32_t echo_bool(int32_t x)
{
    return x != 0;
}
EXPORT(TT "echo-s8") int32_t echo_s8(int32_t x)
{
    return (int8_t)x;
}
EXPORT(TT "echo-u8") int32_t echo_u8(int32_t x)
{
    return (uint8_t)x;
}
EXPORT(TT "echo-s16") int32_t echo_s16(int32_t x)
{
    return (int16_t)x;
}
EXPORT(TT "echo-u16") int32_t echo_u16(int32_t x)
{
    return (uint16_t)x;
}
EXPORT(TT "echo-s32") int32_t echo_s32(int32_t x)
{
    return x;
}
EXPORT(TT "echo-u32") int32_t echo_u32(int32_t x)
{
    return x;
}
EXPORT(TT "echo-s64") int64_t echo_s64(int64_t x)
{
    return x;
}
EXPORT(TT "echo-u64") int64_t echo_u64(int64_t x)
{
    return x;
}
EXPORT(TT "echo-f32") float echo_f32(float x)
{
    return x;
}
EXPORT(TT "echo-f64") double echo_f64(double x)
{
    return x;
}
EXPORT(TT "echo-char") int32_t echo_char(int32_t x)
{
    return x;
}

/* The strings and lists the host lowered belong to the callee; echoes hand
 * them back and free them in post-return. */
EXPORT(TT "echo-string") void *echo_string(const void *p, uint32_t len)
{
    gstr *r = (gstr *)ret_area;
    r->ptr = p;
    r->len = len;
    return r;
}
EXPORT(POST "echo-string") void echo_string_post(gstr *r)
{
    gstr_free(*r);
}

EXPORT(TT "echo-bytes") void *echo_bytes(const void *p, uint32_t len)
{
    return echo_string(p, len);
}
EXPORT(POST "echo-bytes") void echo_bytes_post(gstr *r)
{
    gstr_free(*r);
}

EXPORT(TT "echo-strings") void *echo_strings(const gstr *p, uint32_t len)
{
    return echo_string(p, len);
}
EXPORT(POST "echo-strings") void echo_strings_post(gstr *r)
{
    const gstr *l = r->ptr;
    for (uint32_t i = 0; i < r->len; i++)
        gstr_free(l[i]);
    gstr_free(*r);
}

EXPORT(TT "echo-points") void *echo_points(const point *p, uint32_t len)
{
    return echo_string(p, len);
}
EXPORT(TT "echo-u64s") void *echo_u64s(const uint64_t *p, uint32_t len)
{
    if ((uintptr_t)p % 8)
        __builtin_trap(); /* the host must honour list<u64>'s alignment */
    return echo_string(p, len);
}

EXPORT(TT "echo-person")
void *echo_person(const void *name, uint32_t name_len, int32_t age, const void *tags,
                  uint32_t tags_len, int32_t x, int32_t y, int32_t nick_disc, const void *nick,
                  uint32_t nick_len)
{
    person *r = (person *)ret_area;
    memset(r, 0, sizeof *r);
    r->name = (gstr){name, name_len};
    r->age = (uint8_t)age;
    r->tags = (gstr){tags, tags_len};
    r->home = (point){x, y};
    r->nick.disc = (uint8_t)nick_disc;
    if (nick_disc)
        r->nick.s = (gstr){nick, nick_len};
    return r;
}
EXPORT(POST "echo-person") void echo_person_post(person *r)
{
    gstr_free(r->name);
    echo_strings_post(&r->tags);
    if (r->nick.disc)
        gstr_free(r->nick.s);
}

EXPORT(TT "echo-mixed")
void *echo_mixed(int32_t a, int64_t b, int32_t c, float d, int32_t e, int32_t f)
{
    mixed *r = (mixed *)ret_area;
    memset(r, 0xee, sizeof *r); /* padding is not part of the value */
    r->a = (uint8_t)a;
    r->b = (uint64_t)b;
    r->c = (uint16_t)c;
    r->d = d;
    r->e = e != 0;
    r->f = (uint32_t)f;
    return r;
}

/* tuple<u8, string, f64>: u8 @0, string @4, f64 @16, size 24, align 8 */
EXPORT(TT "echo-tuple") void *echo_tuple(int32_t a, const void *s, uint32_t len, double c)
{
    memset(ret_area, 0, 24);
    ret_area[0] = (uint8_t)a;
    *(gstr *)(ret_area + 4) = (gstr){s, len};
    *(double *)(ret_area + 16) = c;
    return ret_area;
}

/* shape flattens to (i32 disc, i64, i32): the first payload slot joins f64
 * and i32 into i64 (CanonicalABI.md flatten_variant). */
static shape shape_from_flat(int32_t disc, int64_t a, int32_t b)
{
    shape s;
    memset(&s, 0, sizeof s);
    s.disc = (uint8_t)disc;
    switch (disc) {
    case 0:
        memcpy(&s.u.r, &a, 8);
        break;
    case 1:
        s.u.p = (point){(int32_t)a, b};
        break;
    case 2:
        s.u.s = (gstr){(const void *)(uintptr_t)(uint32_t)a, (uint32_t)b};
        break;
    default:
        break;
    }
    return s;
}

EXPORT(TT "echo-shape") void *echo_shape(int32_t disc, int64_t a, int32_t b)
{
    *(shape *)ret_area = shape_from_flat(disc, a, b);
    return ret_area;
}
EXPORT(TT "echo-level") int32_t echo_level(int32_t x)
{
    return x;
}
EXPORT(TT "echo-color") int32_t echo_color(int32_t x)
{
    return x;
}

/* option<u32>: disc @0, u32 @4 */
EXPORT(TT "echo-option") void *echo_option(int32_t disc, int32_t v)
{
    ret_area[0] = (uint8_t)disc;
    *(int32_t *)(ret_area + 4) = disc ? v : 0;
    return ret_area;
}
EXPORT(TT "echo-option-string") void *echo_option_string(int32_t disc, const void *p, uint32_t len)
{
    opt_str *r = (opt_str *)ret_area;
    memset(r, 0, sizeof *r);
    r->disc = (uint8_t)disc;
    if (disc)
        r->s = (gstr){p, len};
    return r;
}
/* option<option<u32>>: flat (outer, inner, value); memory: outer @0,
 * inner @4, value @8 */
EXPORT(TT "echo-option-option") void *echo_option_option(int32_t outer, int32_t inner, int32_t v)
{
    memset(ret_area, 0, 12);
    ret_area[0] = (uint8_t)outer;
    if (outer) {
        ret_area[4] = (uint8_t)inner;
        if (inner)
            *(int32_t *)(ret_area + 8) = v;
    }
    return ret_area;
}
/* result<string, u32>: flat (disc, i32, i32); memory disc @0, payload @4 */
EXPORT(TT "echo-result") void *echo_result(int32_t disc, int32_t a, int32_t b)
{
    memset(ret_area, 0, 12);
    ret_area[0] = (uint8_t)disc;
    *(int32_t *)(ret_area + 4) = a;
    if (!disc)
        *(int32_t *)(ret_area + 8) = b;
    return ret_area;
}
EXPORT(TT "echo-result-ok") void *echo_result_ok(int32_t disc, int32_t v)
{
    memset(ret_area, 0, 8);
    ret_area[0] = (uint8_t)disc;
    if (!disc)
        *(int32_t *)(ret_area + 4) = v;
    return ret_area;
}
EXPORT(TT "echo-result-err") void *echo_result_err(int32_t disc, const void *p, uint32_t len)
{
    memset(ret_area, 0, 12);
    ret_area[0] = (uint8_t)disc;
    if (disc)
        *(gstr *)(ret_area + 4) = (gstr){p, len};
    return ret_area;
}
EXPORT(TT "echo-result-empty") int32_t echo_result_empty(int32_t disc)
{
    return disc;
}
EXPORT(TT "echo-one") int32_t echo_one(int32_t x)
{
    return x;
}
EXPORT(TT "echo-eight") int32_t echo_eight(int32_t x)
{
    return x;
}
EXPORT(TT "echo-nine") int32_t echo_nine(int32_t x)
{
    return x;
}
EXPORT(TT "echo-wide") int32_t echo_wide(int32_t x)
{
    return x;
}
EXPORT(TT "echo-shapes") void *echo_shapes(const shape *p, uint32_t len)
{
    if ((uintptr_t)p % 8)
        __builtin_trap();
    return echo_string(p, len);
}
EXPORT(TT "echo-options") void *echo_options(const opt_str *p, uint32_t len)
{
    return echo_string(p, len);
}

/* ---- computed ---- */

EXPORT(TT "not") int32_t not_(int32_t x)
{
    return !x;
}
EXPORT(TT "add-s8") int32_t add_s8(int32_t a, int32_t b)
{
    return (int8_t)(a + b);
}
EXPORT(TT "add-u16") int32_t add_u16(int32_t a, int32_t b)
{
    return (uint16_t)(a + b);
}
EXPORT(TT "add-s32") int32_t add_s32(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}
EXPORT(TT "add-u32") int32_t add_u32(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}
EXPORT(TT "add-s64") int64_t add_s64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}
EXPORT(TT "add-u64") int64_t add_u64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}
EXPORT(TT "mul-f32") float mul_f32(float a, float b)
{
    return a * b;
}
EXPORT(TT "div-f64") double div_f64(double a, double b)
{
    return a / b;
}
EXPORT(TT "odd-nan32") float odd_nan32(void)
{
    uint32_t bits = 0xffc01234u; /* negative, with a payload */
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
EXPORT(TT "odd-nan64") double odd_nan64(void)
{
    uint64_t bits = 0xfff8000000abcdefull;
    double f;
    memcpy(&f, &bits, 8);
    return f;
}
EXPORT(TT "next-char") int32_t next_char(int32_t c)
{
    if (c == 0xd7ff)
        return 0xe000;
    if (c == 0x10ffff)
        return 0;
    return c + 1;
}

static uint32_t utf8_size(const text *t)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->n; i++)
        n += t->cp[i] < 0x80 ? 1 : t->cp[i] < 0x800 ? 2 : t->cp[i] < 0x10000 ? 3 : 4;
    return n;
}

EXPORT(TT "string-size") void *string_size(const void *p, uint32_t len)
{
    text t = text_from(p, len);
    ((uint32_t *)ret_area)[0] = t.n;
    ((uint32_t *)ret_area)[1] = utf8_size(&t);
    text_free(&t);
    return ret_area;
}

static void *return_text(text *t)
{
    *(gstr *)ret_area = text_to(t);
    text_free(t);
    return ret_area;
}

EXPORT(TT "upper") void *upper(const void *p, uint32_t len)
{
    text t = text_from(p, len);
    for (uint32_t i = 0; i < t.n; i++)
        if (t.cp[i] >= 'a' && t.cp[i] <= 'z')
            t.cp[i] -= 32;
    return return_text(&t);
}
EXPORT(POST "upper") void upper_post(gstr *r)
{
    gstr_free(*r);
}

EXPORT(TT "reverse") void *reverse(const void *p, uint32_t len)
{
    text t = text_from(p, len);
    for (uint32_t i = 0; i < t.n / 2; i++) {
        uint32_t c = t.cp[i];
        t.cp[i] = t.cp[t.n - 1 - i];
        t.cp[t.n - 1 - i] = c;
    }
    return return_text(&t);
}

EXPORT(TT "join") void *join(const gstr *parts, uint32_t n, const void *sep, uint32_t sep_len)
{
    text t = {0}, s = text_from(sep, sep_len);
    for (uint32_t i = 0; i < n; i++) {
        text u = text_from_gstr(parts[i]);
        if (i)
            text_append(&t, &s);
        text_append(&t, &u);
        text_free(&u);
    }
    text_free(&s);
    return return_text(&t);
}

EXPORT(TT "split") void *split(const void *p, uint32_t len, int32_t sep)
{
    text t = text_from(p, len), cur = {0};
    gstr *out = xmalloc(sizeof(gstr) * (t.n + 1));
    uint32_t n = 0;
    for (uint32_t i = 0; i <= t.n; i++) {
        if (i == t.n || t.cp[i] == (uint32_t)sep) {
            out[n++] = text_to(&cur);
            cur.n = 0;
        } else {
            text_push(&cur, t.cp[i]);
        }
    }
    text_free(&cur);
    text_free(&t);
    *(gstr *)ret_area = (gstr){out, n};
    return ret_area;
}

/* option<char>: disc @0, char @4 */
EXPORT(TT "char-at") void *char_at(const void *p, uint32_t len, uint32_t i)
{
    text t = text_from(p, len);
    memset(ret_area, 0, 8);
    if (i < t.n) {
        ret_area[0] = 1;
        *(uint32_t *)(ret_area + 4) = t.cp[i];
    }
    text_free(&t);
    return ret_area;
}

EXPORT(TT "sum-bytes") int32_t sum_bytes(const uint8_t *p, uint32_t len)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += p[i];
    return (int32_t)s;
}
EXPORT(TT "range-bytes") void *range_bytes(uint32_t n)
{
    uint8_t *p = xmalloc(n);
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)i;
    *(gstr *)ret_area = (gstr){p, n};
    return ret_area;
}
EXPORT(TT "sum-points") void *sum_points(const point *p, uint32_t n)
{
    point s = {0, 0};
    for (uint32_t i = 0; i < n; i++) {
        s.x += p[i].x;
        s.y += p[i].y;
    }
    *(point *)ret_area = s;
    return ret_area;
}

/* "NAME (AGE) at (X, Y) tags [A,B] nick N", nick "-" when none */
EXPORT(TT "describe")
void *describe(const void *name, uint32_t name_len, int32_t age, const gstr *tags,
               uint32_t tags_len, int32_t x, int32_t y, int32_t nick_disc, const void *nick,
               uint32_t nick_len)
{
    text t = text_from(name, name_len);
    text_puts(&t, " (");
    text_putu(&t, (uint8_t)age);
    text_puts(&t, ") at (");
    text_puti(&t, x);
    text_puts(&t, ", ");
    text_puti(&t, y);
    text_puts(&t, ") tags [");
    for (uint32_t i = 0; i < tags_len; i++) {
        text u = text_from_gstr(tags[i]);
        if (i)
            text_push(&t, ',');
        text_append(&t, &u);
        text_free(&u);
    }
    text_puts(&t, "] nick ");
    if (nick_disc) {
        text u = text_from(nick, nick_len);
        text_append(&t, &u);
        text_free(&u);
    } else {
        text_push(&t, '-');
    }
    return return_text(&t);
}

/* {name, age, tags: [name, "made"], home: {x: age, y: -age},
 *  nick: some("adult") if age >= 18 else none} */
EXPORT(TT "make-person") void *make_person(const void *name, uint32_t name_len, int32_t age)
{
    text t = text_from(name, name_len);
    person *r = (person *)ret_area;
    gstr *tags = xmalloc(2 * sizeof(gstr));
    memset(r, 0, sizeof *r);
    r->name = text_to(&t);
    r->age = (uint8_t)age;
    tags[0] = text_to(&t);
    tags[1] = gstr_lit("made");
    r->tags = (gstr){tags, 2};
    r->home = (point){(uint8_t)age, -(int32_t)(uint8_t)age};
    if ((uint8_t)age >= 18) {
        r->nick.disc = 1;
        r->nick.s = gstr_lit("adult");
    }
    text_free(&t);
    return r;
}
EXPORT(POST "make-person") void make_person_post(person *r)
{
    echo_person_post(r);
}

/* "a=A b=B c=C d=D e=E f=F", floats as C's %g */
EXPORT(TT "describe-mixed")
void *describe_mixed(int32_t a, int64_t b, int32_t c, float d, int32_t e, int32_t f)
{
    text t = {0};
    text_puts(&t, "a=");
    text_putu(&t, (uint8_t)a);
    text_puts(&t, " b=");
    text_putu(&t, (uint64_t)b);
    text_puts(&t, " c=");
    text_putu(&t, (uint16_t)c);
    text_puts(&t, " d=");
    text_putg(&t, d);
    text_puts(&t, e ? " e=true f=" : " e=false f=");
    text_push(&t, (uint32_t)f);
    return return_text(&t);
}

/* circle(r): 3*r*r; rect: |x*y|; label: code points; empty: 0 */
EXPORT(TT "area") double area(int32_t disc, int64_t a, int32_t b)
{
    shape s = shape_from_flat(disc, a, b);
    switch (s.disc) {
    case 0:
        return 3 * s.u.r * s.u.r;
    case 1: {
        double v = (double)s.u.p.x * (double)s.u.p.y;
        return v < 0 ? -v : v;
    }
    case 2: {
        text t = text_from_gstr(s.u.s);
        double n = t.n;
        text_free(&t);
        return n;
    }
    default:
        return 0;
    }
}

/* 0: circle(1.5), 1: rect({x: 2, y: -3}), 2: label("made"), else empty */
EXPORT(TT "make-shape") void *make_shape(int32_t kind)
{
    shape *s = (shape *)ret_area;
    memset(s, 0, sizeof *s);
    switch ((uint8_t)kind) {
    case 0:
        s->disc = 0;
        s->u.r = 1.5;
        break;
    case 1:
        s->disc = 1;
        s->u.p = (point){2, -3};
        break;
    case 2:
        s->disc = 2;
        s->u.s = gstr_lit("made");
        break;
    default:
        s->disc = 3;
    }
    return s;
}

EXPORT(TT "raise") int32_t raise_(int32_t l)
{
    return l < 2 ? l + 1 : 2;
}
EXPORT(TT "next-color") int32_t next_color(int32_t c)
{
    return (c + 1) % 3;
}
EXPORT(TT "unwrap-or") int32_t unwrap_or(int32_t disc, int32_t v, int32_t dflt)
{
    return disc ? v : dflt;
}
EXPORT(TT "depth") int32_t depth(int32_t outer, int32_t inner, int32_t v)
{
    (void)v;
    return outer ? (inner ? 2 : 1) : 0;
}

/* result<u32, string>: disc @0, payload @4 */
EXPORT(TT "halve") void *halve(uint32_t n)
{
    memset(ret_area, 0, 12);
    if (n % 2 == 0) {
        *(uint32_t *)(ret_area + 4) = n / 2;
    } else {
        ret_area[0] = 1;
        *(gstr *)(ret_area + 4) = gstr_lit("odd");
    }
    return ret_area;
}
/* result<_, string> */
EXPORT(TT "check") void *check(int32_t ok)
{
    memset(ret_area, 0, 12);
    if (!ok) {
        ret_area[0] = 1;
        *(gstr *)(ret_area + 4) = gstr_lit("not ok");
    }
    return ret_area;
}
EXPORT(TT "wide-bits") int32_t wide_bits(int32_t f)
{
    return f;
}
EXPORT(TT "wide-from-bits") int32_t wide_from_bits(int32_t b)
{
    return b;
}
EXPORT(TT "nine-from-bits") int32_t nine_from_bits(int32_t b)
{
    return b & 0x1ff;
}
EXPORT(TT "count-flags") int32_t count_flags(int32_t a, int32_t b, int32_t c, int32_t d)
{
    return __builtin_popcount((uint32_t)a & 1) + __builtin_popcount((uint32_t)b & 0xff) +
           __builtin_popcount((uint32_t)c & 0x1ff) + __builtin_popcount((uint32_t)d);
}

/* many: 19 flat parameters, so one pointer to the tuple of them:
 * a u8 @0, b s8 @1, c u16 @2, d s16 @4, e u32 @8, f s32 @12, g u64 @16,
 * h s64 @24, i f32 @32, j f64 @40, k char @48, l bool @52, m string @56,
 * n list<u8> @64, o option<u32> @72 (disc @72, value @76), p color @80;
 * size 88, align 8. The result: the values joined by spaces, floats as %g (text_putg),
 * the list as [x,y], the option as some(v) or none, the enum by name. */
EXPORT(TT "many") void *many(const uint8_t *m)
{
    if ((uintptr_t)m % 8)
        __builtin_trap();
    text t = {0};
    float fi;
    double fj;
    memcpy(&fi, m + 32, 4);
    memcpy(&fj, m + 40, 8);
    text_putu(&t, m[0]);
    text_push(&t, ' ');
    text_puti(&t, (int8_t)m[1]);
    text_push(&t, ' ');
    text_putu(&t, *(const uint16_t *)(m + 2));
    text_push(&t, ' ');
    text_puti(&t, *(const int16_t *)(m + 4));
    text_push(&t, ' ');
    text_putu(&t, *(const uint32_t *)(m + 8));
    text_push(&t, ' ');
    text_puti(&t, *(const int32_t *)(m + 12));
    text_push(&t, ' ');
    text_putu(&t, *(const uint64_t *)(m + 16));
    text_push(&t, ' ');
    text_puti(&t, *(const int64_t *)(m + 24));
    text_push(&t, ' ');
    text_putg(&t, fi);
    text_push(&t, ' ');
    text_putg(&t, fj);
    text_push(&t, ' ');
    text_push(&t, *(const uint32_t *)(m + 48));
    text_puts(&t, m[52] ? " true " : " false ");
    text u = text_from_gstr(*(const gstr *)(m + 56));
    text_append(&t, &u);
    text_free(&u);
    const gstr *n = (const gstr *)(m + 64);
    text_puts(&t, " [");
    for (uint32_t i = 0; i < n->len; i++) {
        if (i)
            text_push(&t, ',');
        text_putu(&t, ((const uint8_t *)n->ptr)[i]);
    }
    text_puts(&t, "] ");
    if (m[72]) {
        text_puts(&t, "some(");
        text_putu(&t, *(const uint32_t *)(m + 76));
        text_puts(&t, ") ");
    } else
        text_puts(&t, "none ");
    text_puts(&t, m[80] < 3 ? color_names[m[80]] : "?");
    return return_text(&t);
}

EXPORT(TT "sum17") int64_t sum17(const uint32_t *a)
{
    uint64_t s = 0;
    for (int i = 0; i < 17; i++)
        s += a[i];
    return (int64_t)s;
}
EXPORT(TT "sum16")
int64_t sum16(uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6,
              uint32_t a7, uint32_t a8, uint32_t a9, uint32_t a10, uint32_t a11, uint32_t a12,
              uint32_t a13, uint32_t a14, uint32_t a15, uint32_t a16)
{
    return (int64_t)((uint64_t)a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 +
                     a14 + a15 + a16);
}
EXPORT(TT "divmod") void *divmod(uint32_t a, uint32_t b)
{
    ((uint32_t *)ret_area)[0] = b ? a / b : 0;
    ((uint32_t *)ret_area)[1] = b ? a % b : 0;
    return ret_area;
}
/* tuple<s32, s32, f64, u32>: min @0, max @4, mean @8, count @16; size 24.
 * An empty list has min = max = 0 and mean 0/0 = nan. */
EXPORT(TT "stats") void *stats(const int32_t *p, uint32_t n)
{
    int32_t lo = 0, hi = 0;
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i == 0 || p[i] < lo)
            lo = p[i];
        if (i == 0 || p[i] > hi)
            hi = p[i];
        sum += p[i];
    }
    memset(ret_area, 0, 24);
    *(int32_t *)ret_area = lo;
    *(int32_t *)(ret_area + 4) = hi;
    *(double *)(ret_area + 8) = sum / (double)n;
    *(uint32_t *)(ret_area + 16) = n;
    return ret_area;
}

/* ---- lift-edges ---- */

#define LE "wasmhttpd:test/lift-edges@0.1.0#"

EXPORT(LE "bool-two") int32_t bool_two(void)
{
    return 2;
}
EXPORT(LE "u8-high-bits") int32_t u8_high_bits(int32_t x)
{
    return (int32_t)((uint32_t)(uint8_t)x | 0xffffff00u);
}
EXPORT(LE "s8-high-bits") int32_t s8_high_bits(int32_t x)
{
    return (int32_t)((uint32_t)(uint8_t)x | 0x5a5a5a00u);
}
EXPORT(LE "u16-high-bits") int32_t u16_high_bits(int32_t x)
{
    return (int32_t)((uint32_t)(uint16_t)x | 0xffff0000u);
}
EXPORT(LE "s16-high-bits") int32_t s16_high_bits(int32_t x)
{
    return (int32_t)((uint32_t)(uint16_t)x | 0x12340000u);
}
/* flagged {on: bool @0, n: u8 @1}: returned in memory with on = 7 */
EXPORT(LE "bool-byte-seven") void *bool_byte_seven(int32_t n)
{
    ret_area[0] = 7;
    ret_area[1] = (uint8_t)n;
    return ret_area;
}
/* list<bool> [true, true, false] stored as the bytes 1, 255, 0 */
EXPORT(LE "bool-list") void *bool_list(void)
{
    uint8_t *p = xmalloc(3);
    p[0] = 1;
    p[1] = 255;
    p[2] = 0;
    *(gstr *)ret_area = (gstr){p, 3};
    return ret_area;
}
