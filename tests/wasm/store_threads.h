/*
 * store_threads.h — what the engine tests do to a running call from another
 * thread: interrupt it, or yield its store again and again while the test
 * resumes it, so that a loop must stop and go on without losing a step.
 */
#ifndef STORE_THREADS_H
#define STORE_THREADS_H

#include "th.h"
#include "wasm/wm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

/* A pthread start routine: interrupts the store (a wm_store_t *) after
 * 50 ms, long enough for the call to be inside its loop. */
static inline void *interrupt_later(void *store)
{
    usleep(50 * 1000);
    wm_store_interrupt(store);
    return NULL;
}

typedef struct {
    wm_store_t *store;
    atomic_bool stop;
} yielder;

static inline void *yield_often(void *arg)
{
    yielder *y = arg;
    while (!atomic_load(&y->stop)) {
        usleep(1000);
        wm_store_yield(y->store);
    }
    return NULL;
}

/* Calls fn on s while another thread yields s every millisecond, resuming
 * after each yield (which must say it was one) until the call ends. Its rc;
 * *out_yields: how often it was suspended. */
static inline wh_rc call_while_yielding(wm_store_t *s, wm_func_t *fn, const wm_val_t *args,
                                        uint32_t nargs, wm_val_t *res, uint32_t nres,
                                        int *out_yields)
{
    yielder y = {.store = s};
    atomic_init(&y.stop, false);
    pthread_t t;
    pthread_create(&t, NULL, yield_often, &y);
    wh_err_t e;
    *out_yields = 0;
    wh_rc rc = wm_func_call(s, fn, args, nargs, res, nres, &e);
    while (rc == WH_SUSPEND) {
        TH_OK(wm_store_yielded(s));
        ++*out_yields;
        rc = wm_store_resume(s, res, nres, &e);
    }
    atomic_store(&y.stop, true);
    pthread_join(t, NULL);
    return rc;
}

#endif
