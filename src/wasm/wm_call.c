/* wm_call.c — placeholder until the interpreter lands. */
#include "internal.h"

wh_rc wm_func_call(wm_store_t *s, wm_func_t *f, const wm_val_t *args, uint32_t nargs,
                   wm_val_t *results, uint32_t nresults, wh_err_t *err)
{
    (void)s, (void)f, (void)args, (void)nargs, (void)results, (void)nresults;
    return wh_err(err, WH_UNSUPPORTED, -1, "interpreter not built yet");
}
