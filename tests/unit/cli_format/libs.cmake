set(TEST_LIBS skiff_cli_format skiff_base)
