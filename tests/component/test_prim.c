/* Tests for the primitive types' canonical ABI layout (CanonicalABI.md). */
#include "component/cm.h"
#include "th.h"

TH_TEST(prim_layouts_follow_the_canonical_abi)
{
    const cm_type_t *t = cm_prim(CM_STRING);
    TH_OK(t != NULL);
    TH_EQ(t->size, 8);
    TH_EQ(t->align, 4);
    TH_EQ(t->nflat, 2);
    TH_EQ(cm_prim(CM_U64)->flat[0], WM_I64);
    TH_EQ(cm_prim(CM_F32)->flat[0], WM_F32);
    TH_EQ(cm_prim(CM_CHAR)->size, 4);
    TH_EQ(cm_prim(CM_BOOL)->size, 1);
    TH_EQ(cm_prim(CM_S16)->align, 2);
    TH_OK(cm_prim(CM_RECORD) == NULL); /* not a primitive */
}
