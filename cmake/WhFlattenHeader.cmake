# Copies a layer's public header for installation under include/wasmhttpd/,
# where the public headers sit side by side: an include of another layer's
# header by folder ("base/wh_base.h", "../base/wh_base.h") becomes an include
# of its flat neighbour ("wh_base.h"), found next to the including file.
#   cmake -DIN=src/wasm/wm.h -DOUT=include/wasmhttpd/wm.h -P WhFlattenHeader.cmake
file(READ ${IN} text)
string(REGEX REPLACE "#include \"(\\.\\./)?[a-z]+/([a-z_]+\\.h)\"" "#include \"\\2\"" text "${text}")
if(text MATCHES "#include \"[^\"]*/")
  message(FATAL_ERROR "${IN}: an include with a folder is left after flattening")
endif()
file(WRITE ${OUT}.tmp "${text}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
