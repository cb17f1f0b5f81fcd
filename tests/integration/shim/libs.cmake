set(TEST_LIBS skiff_daemon_shim skiff_daemon_logs skiff_runtime skiff_sys skiff_base)
# The shim process of these tests: `skiff-shim-test shim DIR` calls ShimMain as skiffd does for
# `skiffd shim DIR`. Its source is in helper/ so the test glob (*.cc of this directory) does not take it.
if(NOT TARGET skiff-shim-test)
  add_executable(skiff-shim-test ${dir}/helper/shim_main.cc)
  target_link_libraries(skiff-shim-test PRIVATE skiff_daemon_shim)
  set_target_properties(skiff-shim-test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
add_dependencies(${target} skiff-shim-test)
