# FindTileLangWheel.cmake
#
# Locates the C++ headers and shared libraries that the installed `tilelang`
# and `apache-tvm-ffi` wheels ship, by asking the Python interpreter that will
# load tilelang-tt. Nothing is hard-coded: every path comes from the packages
# installed in that interpreter's environment.
#
# Inputs:   Python_EXECUTABLE (found by find_package(Python) if unset)
# Defines:  TileLangWheel::tvm   imported INTERFACE target carrying include
#                                dirs and the libraries to link:
#                                libtilelang, libtvm_compiler, libtvm_runtime,
#                                libtvm_ffi
#           TILELANG_WHEEL_PACKAGE_DIR, TILELANG_WHEEL_LIB_DIR,
#           TVM_FFI_LIB_DIR, TILELANG_WHEEL_VERSION

if(NOT Python_EXECUTABLE)
  find_package(Python 3.9 REQUIRED COMPONENTS Interpreter)
endif()

function(_tt_python_query out_var)
  execute_process(
    COMMAND "${Python_EXECUTABLE}" ${ARGN}
    OUTPUT_VARIABLE _out
    ERROR_VARIABLE _err
    RESULT_VARIABLE _rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR
      "tilelang-tt: could not query the Python environment (${Python_EXECUTABLE}).\n"
      "Is tilelang installed there? Run scripts/setup.sh first.\n${_err}")
  endif()
  set(${out_var} "${_out}" PARENT_SCOPE)
endfunction()

# Locate packages without importing them (importing tilelang pulls in torch).
# No ';' in the code: CMake would split the argument there.
_tt_python_query(TILELANG_WHEEL_PACKAGE_DIR -c
  "print(list(__import__('importlib.util').util.find_spec('tilelang').submodule_search_locations)[0])")
_tt_python_query(TILELANG_WHEEL_VERSION -c
  "print(__import__('importlib.metadata').metadata.version('tilelang'))")
# tvm-ffi documents `python -m tvm_ffi.config` as the way to build against it.
_tt_python_query(TVM_FFI_INCLUDE_DIR -m tvm_ffi.config --includedir)
_tt_python_query(TVM_FFI_DLPACK_INCLUDE_DIR -m tvm_ffi.config --dlpack-includedir)
_tt_python_query(TVM_FFI_LIBRARY -m tvm_ffi.config --libfiles)
get_filename_component(TVM_FFI_LIB_DIR "${TVM_FFI_LIBRARY}" DIRECTORY)

set(TILELANG_WHEEL_LIB_DIR "${TILELANG_WHEEL_PACKAGE_DIR}/lib")
set(_tt_tvm_root "${TILELANG_WHEEL_PACKAGE_DIR}/3rdparty/tvm")

foreach(_dir "${_tt_tvm_root}/include" "${_tt_tvm_root}/src"
             "${TILELANG_WHEEL_PACKAGE_DIR}/src" "${TVM_FFI_INCLUDE_DIR}")
  if(NOT EXISTS "${_dir}")
    message(FATAL_ERROR "tilelang-tt: expected header directory is missing: ${_dir}\n"
                        "The installed tilelang wheel does not ship its C++ headers.")
  endif()
endforeach()

set(_tt_libs)
foreach(_name tilelang tvm_compiler tvm_runtime)
  set(_lib "${TILELANG_WHEEL_LIB_DIR}/lib${_name}${CMAKE_SHARED_LIBRARY_SUFFIX}")
  if(NOT EXISTS "${_lib}")
    message(FATAL_ERROR "tilelang-tt: ${_lib} not found in the tilelang wheel.")
  endif()
  list(APPEND _tt_libs "${_lib}")
endforeach()
list(APPEND _tt_libs "${TVM_FFI_LIBRARY}")

add_library(TileLangWheel::tvm INTERFACE IMPORTED)
# SYSTEM: warnings in TVM's own headers are not ours to fix.
target_include_directories(TileLangWheel::tvm SYSTEM INTERFACE
  "${_tt_tvm_root}/include"
  "${_tt_tvm_root}/src"
  "${TILELANG_WHEEL_PACKAGE_DIR}/src"
  "${TVM_FFI_INCLUDE_DIR}"
  "${TVM_FFI_DLPACK_INCLUDE_DIR}")
# --no-as-needed: we need libtilelang loaded for its static registrations
# (tl.region, the tile ops) even though we call none of its symbols directly.
target_link_libraries(TileLangWheel::tvm INTERFACE
  "-Wl,--push-state,--no-as-needed" ${_tt_libs} "-Wl,--pop-state")

message(STATUS "tilelang-tt: tilelang ${TILELANG_WHEEL_VERSION} at ${TILELANG_WHEEL_PACKAGE_DIR}")
message(STATUS "tilelang-tt: tvm-ffi at ${TVM_FFI_INCLUDE_DIR}")
