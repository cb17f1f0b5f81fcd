set(TEST_LIBS skiff_build_context skiff_base)
