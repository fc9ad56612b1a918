# What `cmake --install` puts where (GNUInstallDirs):
#   bin/wasmhttpd                         the server
#   share/man/man1/wasmhttpd.1            its manual (man/wasmhttpd.1)
#   share/wasmhttpd/wit/                  the WIT package wasmhttpd:http (wit/)
#   lib/libwasmhttpd.so.*, libwasmhttpd.a the embedding library (WhLibrary)
#   include/wasmhttpd/*.h                 its public headers, one per layer
#   lib/pkgconfig/wasmhttpd.pc            for `pkg-config wasmhttpd`
#   share/doc/wasmhttpd/                  README and the docs/ pages
#   lib/systemd/system/wasmhttpd.service  the systemd unit (packaging/systemd)
include(GNUInstallDirs)

install(TARGETS wasmhttpd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES man/wasmhttpd.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES wit/lifecycle.wit wit/worlds.wit wit/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/wasmhttpd/wit)

install(TARGETS wasmhttpd_shared wasmhttpd_static
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${WH_LIB_INCLUDE_DIR}/wasmhttpd DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The .pc file finds the prefix from its own place (pcfiledir): the path
# from libdir/pkgconfig back up to the prefix.
file(RELATIVE_PATH WH_PC_UP /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(cmake/wasmhttpd.pc.in ${PROJECT_BINARY_DIR}/wasmhttpd.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/wasmhttpd.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB WH_DOC_PAGES CONFIGURE_DEPENDS docs/*.md)
install(FILES ${WH_DOC_PAGES} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The systemd unit (packaging/systemd), its ExecStart naming the installed
# binary: written at install time, when the prefix is known (a package's
# /usr, or `cmake --install --prefix DIR`).
install(CODE "
  set(WH_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(unit \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system/wasmhttpd.service\")
  message(STATUS \"Installing: \${unit}\")
  configure_file(${PROJECT_SOURCE_DIR}/packaging/systemd/wasmhttpd.service.in \${unit} @ONLY)
")
