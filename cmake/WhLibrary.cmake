# The embedding library libwasmhttpd: every layer (base, wasm, component,
# wasi, http, wasihttp, serve) and llhttp in one library, static and shared.
#
# The layers' own static libraries (wh_base ... wh_serve) stay as they are
# for the binary and the tests: the library is compiled a second time, as
# position-independent code for a shared object (-fPIC), so the binary keeps
# its own code generation (an executable's, PIE by Debian's default) and its
# interpreter measurements do not move. It costs a second compile of the
# layers (about 45 s of a 2-core build).
#
# Symbols: the shared library exports what the public headers declare and
# nothing else, by a linker version script generated from those headers
# (WhExports.cmake): the cross-file helpers of a layer (sv_worker_init in
# serve/sv_int.h, wasi_link_io in wasi/wasi_int.h: one underscore, like
# the public names) and llhttp stay local. A version script needs no change
# to the headers, where -fvisibility=hidden would need an export macro on
# every public declaration; taking the list from the headers keeps it from
# drifting. tests/install checks the exported set against the headers.
#
# Sets WH_LIB_PC_REQUIRES (the pkg-config modules the library links).

set(WH_LIB_SOURCES ${WH_BASE_SRC} ${WH_WASM_SRC} ${WH_COMPONENT_SRC} ${WH_WASI_SRC} ${WH_HTTP_SRC}
                   ${WH_WASIHTTP_SRC} ${WH_SERVE_SRC})
set(WH_LIB_DEPS PkgConfig::LIBUV PkgConfig::LIBCURL PkgConfig::NGHTTP2 PkgConfig::JANSSON
                OpenSSL::SSL OpenSSL::Crypto Threads::Threads ${MATH_LIB})
if(SYSTEMD_FOUND)
  list(APPEND WH_LIB_DEPS PkgConfig::SYSTEMD)
endif()

# -fno-semantic-interposition: calls between the library's own functions
# may be inlined and made directly although the functions are exported
# (nobody interposes them); -Bsymbolic-functions below binds them so at
# link time too.
add_library(wh_lib_objects OBJECT ${WH_LIB_SOURCES})
set_target_properties(wh_lib_objects PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(wh_lib_objects PRIVATE src ${LLHTTP_INCLUDE_DIR})
target_compile_definitions(wh_lib_objects PRIVATE LLHTTP_STRICT_MODE=1)
target_compile_options(wh_lib_objects PRIVATE -fno-semantic-interposition)
if(WH_WASI_NO_OPENAT2)
  target_compile_definitions(wh_lib_objects PRIVATE WH_WASI_NO_OPENAT2=1)
endif()
if(SYSTEMD_FOUND)
  target_compile_definitions(wh_lib_objects PRIVATE WH_HAVE_SYSTEMD=1)
endif()
target_link_libraries(wh_lib_objects PRIVATE ${WH_LIB_DEPS})

add_library(wh_lib_llhttp OBJECT ${LLHTTP_SOURCES})
set_target_properties(wh_lib_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(wh_lib_llhttp SYSTEM PRIVATE ${LLHTTP_INCLUDE_DIR})
target_compile_definitions(wh_lib_llhttp PRIVATE LLHTTP_STRICT_MODE=1)
target_compile_options(wh_lib_llhttp PRIVATE -w)

set(WH_LIB_OBJECTS $<TARGET_OBJECTS:wh_lib_objects> $<TARGET_OBJECTS:wh_lib_llhttp>)

set(WH_PUBLIC_HEADERS src/base/wh_base.h src/wasm/wm.h src/component/cm.h src/wasi/wasi_host.h
                      src/http/hx.h src/wasihttp/hw.h src/serve/sv.h)
set(WH_LIB_MAP ${PROJECT_BINARY_DIR}/wasmhttpd.map)
list(TRANSFORM WH_PUBLIC_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/ OUTPUT_VARIABLE headers_abs)
add_custom_command(OUTPUT ${WH_LIB_MAP}
                   COMMAND ${CMAKE_COMMAND} -DOUT=${WH_LIB_MAP} "-DHEADERS=${headers_abs}"
                           -P ${PROJECT_SOURCE_DIR}/cmake/WhExports.cmake
                   DEPENDS ${headers_abs} ${PROJECT_SOURCE_DIR}/cmake/WhExports.cmake VERBATIM)
add_custom_target(wasmhttpd_map DEPENDS ${WH_LIB_MAP})

add_library(wasmhttpd_shared SHARED ${WH_LIB_OBJECTS})
add_dependencies(wasmhttpd_shared wasmhttpd_map)
set_target_properties(wasmhttpd_shared PROPERTIES
  OUTPUT_NAME wasmhttpd
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  LINK_DEPENDS ${WH_LIB_MAP})
target_link_libraries(wasmhttpd_shared PRIVATE ${WH_LIB_DEPS})
target_link_options(wasmhttpd_shared PRIVATE
  -Wl,--version-script=${WH_LIB_MAP} -Wl,-Bsymbolic-functions
  -Wl,--no-undefined)

add_library(wasmhttpd_static STATIC ${WH_LIB_OBJECTS})
set_target_properties(wasmhttpd_static PROPERTIES OUTPUT_NAME wasmhttpd)

# The installed headers: the layers' public headers, flat under
# include/wasmhttpd/. In the tree they include each other by layer folder
# ("base/wh_base.h", "../base/wh_base.h"); the installed copies include
# their flat neighbours instead. Generated at build time so that an edit
# of a header reaches the next install.
set(WH_LIB_INCLUDE_DIR ${PROJECT_BINARY_DIR}/include)
set(flat_headers)
foreach(h ${WH_PUBLIC_HEADERS})
  get_filename_component(name ${h} NAME)
  set(out ${WH_LIB_INCLUDE_DIR}/wasmhttpd/${name})
  add_custom_command(OUTPUT ${out}
                     COMMAND ${CMAKE_COMMAND} -DIN=${PROJECT_SOURCE_DIR}/${h} -DOUT=${out}
                             -P ${PROJECT_SOURCE_DIR}/cmake/WhFlattenHeader.cmake
                     DEPENDS ${PROJECT_SOURCE_DIR}/${h} ${PROJECT_SOURCE_DIR}/cmake/WhFlattenHeader.cmake
                     VERBATIM)
  list(APPEND flat_headers ${out})
endforeach()
add_custom_target(wasmhttpd_headers ALL DEPENDS ${flat_headers})
add_dependencies(wasmhttpd_shared wasmhttpd_headers)

# pkg-config: the modules the library links, for Requires.private (a
# static link needs them; a shared link needs none of them).
set(WH_LIB_PC_REQUIRES "libuv libcurl libnghttp2 jansson openssl")
if(SYSTEMD_FOUND)
  string(APPEND WH_LIB_PC_REQUIRES " libsystemd")
endif()
