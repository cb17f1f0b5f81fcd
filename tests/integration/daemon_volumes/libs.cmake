set(TEST_LIBS skiff_daemon)
