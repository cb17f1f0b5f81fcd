set(TEST_LIBS skiff_cli skiff_build_context)
