set(TEST_LIBS skiff_daemon_profiles skiff_sys skiff_base)
