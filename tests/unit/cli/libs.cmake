set(TEST_LIBS skiff_cli)
