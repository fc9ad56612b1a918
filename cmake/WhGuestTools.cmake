# The toolchain of the guests: what builds the test and example components
# and runs their references under jco. Found once here, for every directory
# below; none of it is needed to build wasmhttpd itself, so nothing here is
# REQUIRED. A directory that needs a tool asks wh_guest_tools_missing() and,
# when something is missing, registers a failing test with wh_failing_test()
# that names it, rather than skipping.
#
# Variables (false or empty when not found):
#   WH_NODE             node
#   WH_NODE_MODULES     the npm tools (cache, default: node_modules in the
#                       source tree, where scripts/install-deps.sh puts them)
#   WH_JCO              ${WH_NODE_MODULES}/.bin/jco
#   WH_COMPONENTIZE_JS  ${WH_NODE_MODULES}/.bin/componentize-js
#   WH_HONO_OK          true when ${WH_NODE_MODULES} has hono and rolldown (the
#                       Hono guest's framework and its bundler)
#   WH_COMPONENTIZE_PY  componentize-py (PyPI), in the venv scripts/install-deps.sh
#                       makes (.guest-venv in the source tree)
#   WH_GUEST_CLANG      clang (or clang-14)
#   WH_GUEST_CLANG_OK   true when WH_GUEST_CLANG links both a wasm32-wasi
#                       reactor and a wasm32-wasi command (see the probe below)
#   WH_NATIVE_GCC       gcc, the native side of the WASI differential programs
#   WH_CURL             curl
#   WH_CARGO            cargo (PATH, else ~/.cargo/bin, where rustup puts it)
#   WH_GUEST_TOOLS      the crates.io tools' folder (cache, default:
#                       .guest-tools in the source tree, where
#                       scripts/install-deps.sh installs them)
#   WH_WIT_BINDGEN      ${WH_GUEST_TOOLS}/bin/wit-bindgen (wit-bindgen-cli)
#   WH_WASM_TOOLS       ${WH_GUEST_TOOLS}/bin/wasm-tools
#   WH_RUST_WASIP2      true when the rustc beside WH_CARGO has the standard
#                       library of the wasm32-wasip2 target (rustup target add
#                       wasm32-wasip2); WH_RUST_WASIP2_WHY says why not
#   Python3_Interpreter_FOUND, Python3_EXECUTABLE, Python3::Interpreter
#   WH_GUEST_GLUE       examples/glue, the canonical ABI glue headers the C
#                       guests of wasi:* share (an include directory)
#   WH_GUEST_GLUE_HEADERS  its headers, for the DEPENDS of a guest's build
#
# wh_guest_tools_missing(<out-var> NEED <tool>...)
#   Sets <out-var> to what is missing of the tools named (node, jco,
#   componentize-js, clang, python, gcc, curl), in words, separated by
#   ", ", in the order named; empty when all are there.
#   (componentize-py is a tool name too, and rust: cargo with the
#   wasm32-wasip2 target; hono: hono and rolldown in WH_NODE_MODULES;
#   wit-bindgen: wit-bindgen and wasm-tools in WH_GUEST_TOOLS.)

set(WH_NODE_MODULES "${PROJECT_SOURCE_DIR}/node_modules" CACHE PATH
    "The npm guest tools (jco, componentize-js), as scripts/install-deps.sh installs them")
set(WH_JCO ${WH_NODE_MODULES}/.bin/jco)
set(WH_COMPONENTIZE_JS ${WH_NODE_MODULES}/.bin/componentize-js)
set(WH_COMPONENTIZE_PY "${PROJECT_SOURCE_DIR}/.guest-venv/bin/componentize-py" CACHE FILEPATH
    "componentize-py, as scripts/install-deps.sh installs it")
set(WH_GUEST_TOOLS "${PROJECT_SOURCE_DIR}/.guest-tools" CACHE PATH
    "The crates.io guest tools (wit-bindgen, wasm-tools), as scripts/install-deps.sh installs them")
set(WH_WIT_BINDGEN ${WH_GUEST_TOOLS}/bin/wit-bindgen)
set(WH_WASM_TOOLS ${WH_GUEST_TOOLS}/bin/wasm-tools)
if(EXISTS ${WH_NODE_MODULES}/hono/package.json AND EXISTS ${WH_NODE_MODULES}/rolldown/dist/index.mjs)
  set(WH_HONO_OK TRUE)
else()
  set(WH_HONO_OK FALSE)
endif()

set(WH_GUEST_GLUE ${PROJECT_SOURCE_DIR}/examples/glue)
file(GLOB WH_GUEST_GLUE_HEADERS CONFIGURE_DEPENDS ${WH_GUEST_GLUE}/*.h)

find_program(WH_NODE node)
find_program(WH_GUEST_CLANG NAMES clang clang-14)
find_program(WH_NATIVE_GCC NAMES gcc)
find_program(WH_CURL curl)
find_package(Python3 COMPONENTS Interpreter)
find_program(WH_CARGO cargo HINTS $ENV{HOME}/.cargo/bin)

# Rust guests need the wasm32-wasip2 target's standard library, which
# rustup adds apart from the toolchain (scripts/install-deps.sh does).
# Probed on every configure, like clang below.
set(WH_RUST_WASIP2 FALSE)
set(WH_RUST_WASIP2_WHY "cargo was not found (install Rust with rustup)")
if(WH_CARGO)
  get_filename_component(cargo_dir ${WH_CARGO} DIRECTORY)
  find_program(WH_RUSTC rustc HINTS ${cargo_dir} NO_DEFAULT_PATH)
  find_program(WH_RUSTC rustc)
  set(WH_RUST_WASIP2_WHY "rustc was not found beside ${WH_CARGO}")
  if(WH_RUSTC)
    execute_process(COMMAND ${WH_RUSTC} --print target-libdir --target wasm32-wasip2
                    RESULT_VARIABLE rc OUTPUT_VARIABLE libdir ERROR_VARIABLE err
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    file(GLOB std_rlib "${libdir}/libstd-*.rlib")
    if(rc EQUAL 0 AND std_rlib)
      set(WH_RUST_WASIP2 TRUE)
    elseif(rc EQUAL 0)
      set(WH_RUST_WASIP2_WHY
          "${WH_RUSTC} has no standard library for wasm32-wasip2 (run `rustup target add wasm32-wasip2`, as scripts/install-deps.sh does)")
    else()
      set(WH_RUST_WASIP2_WHY "${WH_RUSTC} does not know the target wasm32-wasip2: ${err}")
    endif()
    unset(libdir)
    unset(rc)
    unset(err)
    unset(std_rlib)
  endif()
  unset(cargo_dir)
endif()

# clang alone is not enough: it needs wasi-libc (crt1-reactor.o for the
# components that export functions, crt1-command.o for the wasi:cli/command
# programs) and the wasm32 builtins. Probed on every configure, so that
# installing them needs no cache editing; what clang said is kept in
# probe.log.
set(WH_GUEST_CLANG_OK FALSE)
if(WH_GUEST_CLANG)
  set(probe ${PROJECT_BINARY_DIR}/CMakeFiles/wh-guest-probe)
  file(MAKE_DIRECTORY ${probe})
  file(WRITE ${probe}/reactor.c
       "#include <stdlib.h>\nint f(int n) { return (int)(long)malloc((size_t)n); }\n")
  file(WRITE ${probe}/command.c
       "#include <stdio.h>\nint main(void) { puts(\"x\"); return 0; }\n")
  execute_process(COMMAND ${WH_GUEST_CLANG} --target=wasm32-wasi -O2 -mexec-model=reactor
                          -o ${probe}/reactor.wasm ${probe}/reactor.c
                  RESULT_VARIABLE reactor_rc OUTPUT_VARIABLE reactor_out
                  ERROR_VARIABLE reactor_out)
  execute_process(COMMAND ${WH_GUEST_CLANG} --target=wasm32-wasi -O2
                          -o ${probe}/command.wasm ${probe}/command.c
                  RESULT_VARIABLE command_rc OUTPUT_VARIABLE command_out
                  ERROR_VARIABLE command_out)
  file(WRITE ${probe}/probe.log "reactor: ${reactor_rc}\n${reactor_out}\n"
                                "command: ${command_rc}\n${command_out}\n")
  if(reactor_rc EQUAL 0 AND command_rc EQUAL 0)
    set(WH_GUEST_CLANG_OK TRUE)
  else()
    message(STATUS "${WH_GUEST_CLANG} cannot build for wasm32-wasi (see ${probe}/probe.log)")
  endif()
  unset(probe)
endif()

function(wh_guest_tools_missing out)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "NEED")
  if(arg_UNPARSED_ARGUMENTS OR NOT arg_NEED)
    message(FATAL_ERROR "wh_guest_tools_missing(<out-var> NEED <tool>...)")
  endif()
  if(WH_NODE_MODULES STREQUAL "${PROJECT_SOURCE_DIR}/node_modules")
    set(where "node_modules")
  else()
    set(where "${WH_NODE_MODULES}")
  endif()
  set(missing "")
  set(npm "") # the npm tools, named together where the first of them is
  set(npm_at -1)
  foreach(tool IN LISTS arg_NEED)
    if(tool STREQUAL "node")
      if(NOT WH_NODE)
        list(APPEND missing "node")
      endif()
    elseif(tool STREQUAL "jco" OR tool STREQUAL "componentize-js" OR tool STREQUAL "hono")
      if(tool STREQUAL "hono")
        set(have ${WH_HONO_OK})
        set(tool "hono and rolldown")
      elseif(tool STREQUAL "jco" AND EXISTS ${WH_JCO})
        set(have TRUE)
      elseif(tool STREQUAL "componentize-js" AND EXISTS ${WH_COMPONENTIZE_JS})
        set(have TRUE)
      else()
        set(have FALSE)
      endif()
      if(NOT have)
        if(npm_at EQUAL -1)
          list(LENGTH missing npm_at)
        endif()
        list(APPEND npm ${tool})
      endif()
    elseif(tool STREQUAL "clang")
      if(NOT WH_GUEST_CLANG)
        list(APPEND missing "clang")
      elseif(NOT WH_GUEST_CLANG_OK)
        list(APPEND missing
             "a clang that builds for wasm32-wasi (Debian: wasi-libc, libclang-rt-14-dev-wasm32)")
      endif()
    elseif(tool STREQUAL "python")
      if(NOT Python3_Interpreter_FOUND)
        list(APPEND missing "python3")
      endif()
    elseif(tool STREQUAL "componentize-py")
      if(NOT EXISTS ${WH_COMPONENTIZE_PY})
        list(APPEND missing "componentize-py at ${WH_COMPONENTIZE_PY} (run scripts/install-deps.sh)")
      endif()
    elseif(tool STREQUAL "wit-bindgen")
      if(NOT EXISTS ${WH_WIT_BINDGEN} OR NOT EXISTS ${WH_WASM_TOOLS})
        list(APPEND missing
             "wit-bindgen and wasm-tools in ${WH_GUEST_TOOLS}/bin (run scripts/install-deps.sh)")
      endif()
    elseif(tool STREQUAL "rust")
      if(NOT WH_RUST_WASIP2)
        list(APPEND missing "${WH_RUST_WASIP2_WHY}")
      endif()
    elseif(tool STREQUAL "gcc")
      if(NOT WH_NATIVE_GCC)
        list(APPEND missing "gcc")
      endif()
    elseif(tool STREQUAL "curl")
      if(NOT WH_CURL)
        list(APPEND missing "curl")
      endif()
    else()
      message(FATAL_ERROR "wh_guest_tools_missing: unknown tool '${tool}'")
    endif()
  endforeach()
  if(npm)
    string(REPLACE ";" " and " npm "${npm}")
    list(INSERT missing ${npm_at} "${npm} in ${where} (run scripts/install-deps.sh)")
  endif()
  string(REPLACE ";" ", " missing "${missing}")
  set(${out} "${missing}" PARENT_SCOPE)
endfunction()
