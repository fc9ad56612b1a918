# Component Model scripts run through `wasmhttpd cm-wast`: the runner's own
# test, our regression scripts (component/wast/), and the Component Model
# test suite (WebAssembly/component-model test/), one ctest test per
# directory of the suite. Each script is converted at test time by
# scripts/cm-wast2json.mjs (node and jco's text parser). async/ is left out: it needs component-model async
# (WASI 0.3), which this host does not have.
#
# The suite is not part of this repository: by default it is looked for in
# shared/component-model-tests beside the source tree; set WH_CM_SUITE_DIR
# to use another copy. A missing suite or converter registers a failing
# test instead of skipping.
#
# Commands that cannot pass yet are listed, each with its reason, in
# cm_suite_xfail.txt; a listed command that passes fails its test, so the
# list only shrinks.
set(WH_CM_SUITE_DIR "${PROJECT_SOURCE_DIR}/../shared/component-model-tests"
    CACHE PATH "Component Model test suite (the directory holding values/, linking/, ...)")
get_filename_component(cm_suite_dir "${WH_CM_SUITE_DIR}" ABSOLUTE)

set(cm_suite_dirs binary linking resources validation values)
wh_guest_tools_missing(missing NEED node jco)
if(missing)
  foreach(dir IN LISTS cm_suite_dirs)
    wh_failing_test(cm_suite_${dir} "the Component Model suite needs ${missing}, which were not found")
  endforeach()
  wh_failing_test(cm_wast "cm-wast needs ${missing}, which were not found")
  wh_failing_test(cm_regress "cm-wast needs ${missing}, which were not found")
  return()
endif()
set(cm_wast_args --node ${WH_NODE} --converter ${PROJECT_SOURCE_DIR}/scripts/cm-wast2json.mjs
                 --node-modules ${WH_NODE_MODULES})

# The runner itself: results, traps and the expected-failures rules.
add_test(NAME cm_wast
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/component/cm_wast_test.sh
                 $<TARGET_FILE:wasmhttpd> ${cm_wast_args})

# Scripts of our own in the same format (component/wast/*.wast): regression
# tests for defects the suite found, or that it does not reach. Nothing in
# them may fail.
file(GLOB cm_regress_wasts CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/component/wast/*.wast")
add_test(NAME cm_regress COMMAND wasmhttpd cm-wast --quiet ${cm_wast_args} ${cm_regress_wasts})

if(NOT IS_DIRECTORY "${cm_suite_dir}/values")
  foreach(dir IN LISTS cm_suite_dirs)
    wh_failing_test(cm_suite_${dir} "Component Model suite missing: ${WH_CM_SUITE_DIR}/values does not exist (set -DWH_CM_SUITE_DIR=...)")
  endforeach()
  return()
endif()

foreach(dir IN LISTS cm_suite_dirs)
  file(GLOB wasts CONFIGURE_DEPENDS "${cm_suite_dir}/${dir}/*.wast")
  add_test(NAME cm_suite_${dir}
           COMMAND wasmhttpd cm-wast --quiet ${cm_wast_args}
                   --xfail ${CMAKE_CURRENT_SOURCE_DIR}/component/cm_suite_xfail.txt
                   ${wasts})
  set_tests_properties(cm_suite_${dir} PROPERTIES LABELS cm_suite TIMEOUT 600)
endforeach()
