/* Tests for the linker: semver-compatible interface matching, WIT
 * signatures, and duplicate definitions. */
#include "component/cm_linker.h"
#include "th.h"

static wh_rc nop(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return WH_OK;
}

TH_TEST(linker_matches_semver_compatible_versions)
{
    cm_linker_t *l = cm_linker_new();
    wh_err_t e;
    TH_EQ(cm_linker_define_func(l, "wasi:http/types@0.2.12", "[constructor]fields", "func()", nop,
                                NULL, &e),
          WH_OK);
    TH_EQ(cm_linker_define_func(l, "my:pkg/api@1.4.0", "f", "func()", nop, NULL, &e), WH_OK);
    /* 0.x: the same minor version, any patch */
    TH_OK(cm__linker_iface(l, "wasi:http/types@0.2.0") != NULL);
    TH_OK(cm__linker_iface(l, "wasi:http/types@0.2.99") != NULL);
    TH_OK(cm__linker_iface(l, "wasi:http/types@0.3.0") == NULL);
    TH_OK(cm__linker_iface(l, "wasi:http/types@1.2.0") == NULL);
    TH_OK(cm__linker_iface(l, "wasi:http/types") == NULL);  /* unversioned is another name */
    TH_OK(cm__linker_iface(l, "wasi:http/typesx@0.2.0") == NULL);
    /* 1.x and up: the same major version */
    TH_OK(cm__linker_iface(l, "my:pkg/api@1.0.0") != NULL);
    TH_OK(cm__linker_iface(l, "my:pkg/api@1.9.3") != NULL);
    TH_OK(cm__linker_iface(l, "my:pkg/api@2.0.0") == NULL);
    /* pre-releases only match exactly */
    TH_OK(cm__linker_iface(l, "my:pkg/api@1.4.0-rc1") == NULL);
    cm_linker_free(l);
}

TH_TEST(linker_wit_signatures_and_errors)
{
    cm_linker_t *l = cm_linker_new();
    wh_err_t e;
    const char *I = "wasi:http/types@0.2.0";
    TH_EQ(cm_linker_define_resource(l, I, "fields", NULL, NULL, &e), WH_OK);
    TH_EQ(cm_linker_define_type(l, I, "field-key", "string", &e), WH_OK);
    TH_EQ(cm_linker_define_func(l, I, "[method]fields.get",
                                "func(self: borrow<fields>, name: field-key) -> list<list<u8>>",
                                nop, NULL, &e),
          WH_OK);
    const cm__lfunc *f = cm__linker_func(cm__linker_iface(l, I), "[method]fields.get");
    TH_OK(f != NULL);
    if (f) {
        TH_EQ(f->type->nparams, 2);
        TH_EQ(f->type->params[0]->kind, CM_BORROW);
        TH_STR(f->type->params[0]->res->name, "fields");
        TH_EQ(f->type->result->kind, CM_LIST);
        TH_EQ(f->type->result->elems[0]->elems[0]->kind, CM_U8);
    }
    /* a bad signature names the function */
    TH_OK(cm_linker_define_func(l, I, "bad", "func(x: nosuch)", nop, NULL, &e) != WH_OK);
    TH_HAS(e.msg, "wasi:http/types@0.2.0#bad");
    /* defined twice */
    TH_EQ(cm_linker_define_func(l, I, "[method]fields.get", "func()", nop, NULL, &e), WH_ARG);
    TH_HAS(e.msg, "twice");
    cm_linker_free(l);
}

/* Host functions over map<K, V> and list<T, N>; an import's type must
 * match them in key, value, element and length. */
TH_TEST(linker_maps_and_fixed_lists)
{
    cm_linker_t *l = cm_linker_new();
    wh_err_t e;
    const char *I = "my:pkg/api@1.0.0";
    static const char *const sigs[][2] = {
        {"a", "func(m: map<string, u32>) -> list<u8, 3>"},
        {"b", "func(m: map<string, u32>) -> list<u8, 3>"},
        {"c", "func(m: map<string, u64>) -> list<u8, 3>"},
        {"d", "func(m: map<u32, u32>) -> list<u8, 3>"},
        {"e", "func(m: map<string, u32>) -> list<u8, 4>"},
        {"f", "func(m: map<string, u32>) -> list<s8, 3>"},
    };
    const cm__lfunc *f[6] = {NULL};
    for (int i = 0; i < 6; i++) {
        TH_EQ(cm_linker_define_func(l, I, sigs[i][0], sigs[i][1], nop, NULL, &e), WH_OK);
        f[i] = cm__linker_func(cm__linker_iface(l, I), sigs[i][0]);
        TH_OK(f[i] != NULL);
    }
    if (f[0] && f[1] && f[2] && f[3] && f[4] && f[5]) {
        char why[128];
        TH_OK(cm__functype_eq(f[0]->type, f[1]->type, why, sizeof why));
        for (int i = 2; i < 6; i++)
            TH_OK(!cm__functype_eq(f[0]->type, f[i]->type, why, sizeof why));
    }
    cm_linker_free(l);
}
