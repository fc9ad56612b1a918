# llhttp, the HTTP/1.1 request parser of src/http/, built from the C sources
# that Debian's node-llhttp package ships (llhttp 8.1: the header under
# /usr/share/include/llhttp/, api.c, http.c and the generated llhttp.c under
# /usr/share/llhttp/). No copy lives in this repository.
#
# Defines the static library wh_llhttp (with llhttp.h on its include path)
# and LLHTTP_SOURCES and LLHTTP_INCLUDE_DIR for targets that compile the
# parser again (the fuzzers, with coverage instrumentation).
#
# llhttp.c holds two parsers, picked at compile time: LLHTTP_STRICT_MODE=1
# selects the strict one, which refuses what the loose one lets through
# (bare CR, tabs in the target, bad chunk extensions, data after
# `Connection: close`). The lenient flags (llhttp_set_lenient_*) stay off;
# src/http/hx_parse.c adds the checks llhttp does not make.
find_path(LLHTTP_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp
          DOC "directory of llhttp.h (Debian package node-llhttp)")
set(LLHTTP_SOURCES "")
foreach(src api.c http.c llhttp.c)
  string(REPLACE "." "_" var "LLHTTP_${src}")
  find_file(${var} ${src} PATHS /usr/share/llhttp NO_DEFAULT_PATH
            DOC "llhttp's ${src} (Debian package node-llhttp)")
  if(NOT ${var})
    message(FATAL_ERROR "llhttp's C source ${src} was not found in /usr/share/llhttp: install "
                        "the Debian package node-llhttp (apt-get install node-llhttp, or "
                        "scripts/install-deps.sh), or set ${var} to its path")
  endif()
  list(APPEND LLHTTP_SOURCES ${${var}})
endforeach()
if(NOT LLHTTP_INCLUDE_DIR)
  message(FATAL_ERROR "llhttp.h was not found in /usr/share/include/llhttp: install the Debian "
                      "package node-llhttp (apt-get install node-llhttp, or "
                      "scripts/install-deps.sh), or set LLHTTP_INCLUDE_DIR to its directory")
endif()
file(STRINGS ${LLHTTP_INCLUDE_DIR}/llhttp.h llhttp_major REGEX "define LLHTTP_VERSION_MAJOR")
string(REGEX REPLACE ".* ([0-9]+).*" "\\1" llhttp_major "${llhttp_major}")
if(llhttp_major LESS 8)
  message(FATAL_ERROR "llhttp ${llhttp_major}.x in ${LLHTTP_INCLUDE_DIR}: 8.1 or later is needed "
                      "(the callbacks on_*_complete and chunk extensions)")
endif()

add_library(wh_llhttp STATIC ${LLHTTP_SOURCES})
target_include_directories(wh_llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
target_compile_definitions(wh_llhttp PUBLIC LLHTTP_STRICT_MODE=1)
# Generated code, not ours: our warning flags are not its contract.
target_compile_options(wh_llhttp PRIVATE -w)
set_target_properties(wh_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON)
