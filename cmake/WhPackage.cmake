# The Debian package: `cpack -G DEB` in the build directory (or
# `cmake --build build --target package`) packs what `cmake --install`
# installs (WhInstall) under /usr into wasmhttpd_VERSION_ARCH.deb.
#
# One package for the server and the embedding library alike (Debian would
# split libwasmhttpd0 and libwasmhttpd-dev off; one is enough while the
# library has no users of its own). Depends comes from dpkg-shlibdeps,
# which reads the libraries the binary and libwasmhttpd.so are linked
# with (libuv1, libcurl4, libssl3, libnghttp2-14, libjansson4, libc6), so
# it follows the build instead of a list kept by hand; the shlibs file and
# maintainer scripts that run ldconfig for libwasmhttpd.so.0 are generated
# too.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wasmhttpd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "wasmhttpd developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "WebAssembly component host serving wasi:http components")
set(CPACK_PACKAGE_DESCRIPTION
    "wasmhttpd serves wasi:http 0.2 components over HTTP/1.1 and HTTP/2,
with a fresh instance per request (serverless) or long-lived instances
(stateful), and runs wasi:cli components. The package holds the server,
its manual, the WIT package wasmhttpd:http and the embedding library
libwasmhttpd with its headers and pkg-config file.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION httpd)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
include(CPack)
