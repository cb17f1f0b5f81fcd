set(TEST_LIBS skiff_daemon_logs skiff_base)
