/* wm_compile.c — placeholder: function bodies are accepted unvalidated until
 * the validator/compiler lands. */
#include "internal.h"

wh_rc wm__compile_func(wm_module_t *m, uint32_t func_index, wm__reader *r, wh_err_t *err)
{
    (void)m;
    (void)func_index;
    (void)err;
    r->p = r->end;
    return WH_OK;
}
