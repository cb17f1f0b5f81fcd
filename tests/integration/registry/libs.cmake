set(TEST_LIBS skiff_registry skiff_storage skiff_base)
