/*
 * resources.c — exports wasmhttpd:test/resources (world `res`): a resource
 * `counter` the guest defines, with a destructor that counts how many
 * counters died.
 *
 * A counter's representation (rep) is the address of its struct. The host
 * keeps handles; this guest creates them with [resource-new], reads them
 * with [resource-rep] and drops them with [resource-drop], all imported
 * from "[export]<interface>" as wit-component names the intrinsics of an
 * exported resource. Methods and borrow<counter> parameters receive the rep
 * itself (CanonicalABI.md lower_borrow: a borrow passed to the component
 * that implements the resource is its rep); own<counter> parameters
 * receive a handle in this instance's table.
 */
#include "guest.h"

#define RX "[export]wasmhttpd:test/resources@0.1.0"
#define R  "wasmhttpd:test/resources@0.1.0#"

IMPORT(RX, "[resource-new]counter") int32_t counter_new(void *rep);
IMPORT(RX, "[resource-rep]counter") void *counter_rep(int32_t handle);
IMPORT(RX, "[resource-drop]counter") void counter_drop(int32_t handle);

typedef struct {
    uint32_t value;
} counter;

static uint32_t dropped;

static counter *make(uint32_t v)
{
    counter *c = xmalloc(sizeof *c);
    c->value = v;
    return c;
}

EXPORT(R "[constructor]counter") int32_t counter_ctor(uint32_t start)
{
    return counter_new(make(start));
}
EXPORT(R "[method]counter.get") int32_t counter_get(counter *self)
{
    return (int32_t)self->value;
}
EXPORT(R "[method]counter.add") int32_t counter_add(counter *self, uint32_t n)
{
    self->value += n;
    return (int32_t)self->value;
}
/* a and b are own handles: read them, drop them (their destructors run),
 * return a new counter */
EXPORT(R "[static]counter.merge") int32_t counter_merge(int32_t a, int32_t b)
{
    uint32_t sum = ((counter *)counter_rep(a))->value + ((counter *)counter_rep(b))->value;
    counter_drop(a);
    counter_drop(b);
    return counter_new(make(sum));
}
EXPORT(R "[dtor]counter") void counter_dtor(counter *self)
{
    dropped++;
    free(self);
}

EXPORT(R "peek") int32_t peek(counter *c)
{
    return (int32_t)c->value;
}
EXPORT(R "dropped") int32_t get_dropped(void)
{
    return (int32_t)dropped;
}

/* "made A B, rep ok, dropped N, merged S, dropped M": two counters made
 * through resource.new, one read back through resource.rep, both dropped
 * through resource.drop (the host calls the destructor back), then a merge
 * of two fresh ones. */
EXPORT(R "self-test") void *self_test(uint32_t start)
{
    text t = {0};
    counter *c1 = make(start), *c2 = make(start + 1);
    int32_t h1 = counter_new(c1), h2 = counter_new(c2);
    text_puts(&t, "made ");
    text_putu(&t, ((counter *)counter_rep(h1))->value);
    text_push(&t, ' ');
    text_putu(&t, ((counter *)counter_rep(h2))->value);
    text_puts(&t, counter_rep(h1) == c1 && counter_rep(h2) == c2 ? ", rep ok" : ", rep wrong");
    uint32_t before = dropped;
    counter_drop(h1);
    counter_drop(h2);
    text_puts(&t, ", dropped ");
    text_putu(&t, dropped - before);
    int32_t m = counter_merge(counter_new(make(10)), counter_new(make(start)));
    text_puts(&t, ", merged ");
    text_putu(&t, ((counter *)counter_rep(m))->value);
    counter_drop(m);
    text_puts(&t, ", dropped ");
    text_putu(&t, dropped - before);
    *(gstr *)ret_area = text_to(&t);
    text_free(&t);
    return ret_area;
}
