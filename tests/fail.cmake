# A test that fails with a message: registered in place of tests whose
# prerequisites are missing, so that nothing is skipped silently.
#   cmake -DMSG=... -P fail.cmake
message(FATAL_ERROR "${MSG}")
