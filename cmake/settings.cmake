# pm_settings: language level, definitions and sanitizers shared by every target of ours.
add_library(pm_settings INTERFACE)
target_compile_features(pm_settings INTERFACE cxx_std_20)
target_compile_definitions(pm_settings INTERFACE PM_VERSION="${PROJECT_VERSION}")
if(PM_SANITIZE)
    set(pm_sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer
                          -fno-sanitize-recover=undefined)
    # The sanitizer tree builds at -O0 with line tables (-g1: file and line in every report's
    # stack trace), whatever the build type: its tests wait on simulated servers, not on the
    # CPU, and the optimizer made the build the longest step of CI. Measured on the 2-core
    # build machine (CPU seconds, GCC 12, ASan+UBSan): common/src/cli.cpp 105 at -O2 -g, 38-54
    # at -O1 -g1, 15 at -O0 -g1 (20 for the normal build at -O2 -g); a Catch2 test file 55 at
    # -O2 -g, 23 at -O1 -g1, 8 at -O0. The optimized code paths run under ASan+UBSan in the
    # fuzz targets (clang) and unsanitized in the normal build's tests.
    target_compile_options(pm_settings INTERFACE -O0 -g1 ${pm_sanitize_flags})
    target_link_options(pm_settings INTERFACE ${pm_sanitize_flags})
endif()
