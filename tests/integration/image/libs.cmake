set(TEST_LIBS skiff_image skiff_storage skiff_base)
