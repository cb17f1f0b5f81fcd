set(TEST_LIBS skiff_daemon_fs skiff_image skiff_storage skiff_sys skiff_base)
