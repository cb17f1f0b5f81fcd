set(TEST_LIBS skiff_daemon_fs skiff_storage skiff_sys skiff_base)
