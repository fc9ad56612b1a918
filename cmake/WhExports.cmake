# Writes the linker version script of libwasmhttpd.so: the functions and
# variables declared in the public headers are global, everything else
# (cross-file helpers such as sv_worker_init in serve/sv_int.h, llhttp)
# local. Taken from the headers so that it cannot drift from them.
#   cmake -DOUT=wasmhttpd.map -DHEADERS="a.h;b.h" -P WhExports.cmake
set(names)
foreach(h ${HEADERS})
  file(READ ${h} text)
  # Comments name functions too ("wm_module_load fails..."): drop them.
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  # Declarations: a prefixed name followed by "(" (functions) or a
  # prefixed name at the end of an extern declaration (variables).
  string(REGEX MATCHALL "[^a-zA-Z0-9_](wh|wm|cm|wasi|hx|hw|sv)_[a-z0-9_]+[ \t]*\\(" calls "${text}")
  foreach(c ${calls})
    string(REGEX REPLACE "^.((wh|wm|cm|wasi|hx|hw|sv)_[a-z0-9_]+).*" "\\1" n "${c}")
    list(APPEND names ${n})
  endforeach()
  # (";" would split the matches as a CMake list: stop before it.)
  string(REGEX MATCHALL "extern const [a-z0-9_]+ [^;]+" vars "${text}")
  foreach(v ${vars})
    string(REGEX REPLACE "^extern const [a-z0-9_]+ " "" v "${v}")
    string(REGEX MATCHALL "(wh|wm|cm|wasi|hx|hw|sv)_[a-z0-9_]+" vs "${v}")
    list(APPEND names ${vs})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
set(out "/* Generated from the public headers by cmake/WhExports.cmake. */\nWASMHTTPD_0 {\n  global:\n")
foreach(n ${names})
  string(APPEND out "    ${n};\n")
endforeach()
string(APPEND out "  local:\n    *;\n};\n")
file(WRITE ${OUT}.tmp "${out}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
