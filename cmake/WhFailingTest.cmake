# wh_failing_test(<name> <message>)
#
# Registers the ctest <name> as a test that fails printing <message>, and
# warns at configure time that it will. Used in place of tests whose
# prerequisites are missing, so that nothing is skipped quietly: the test
# summary names the test and its output says what to install.
function(wh_failing_test name message)
  message(WARNING "${message}; the test ${name} will fail")
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} "-DMSG=${message}"
           -P ${PROJECT_SOURCE_DIR}/tests/fail.cmake)
endfunction()
