# The runtime suite's bundle harness is shared rather than copied.
set(TEST_LIBS skiff_daemon_profiles skiff_sys skiff_base)
target_sources(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/runtime/harness.cc)
