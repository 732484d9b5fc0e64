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

# Precompiled headers: the standard library, fmt and the pm headers most sources include are
# parsed once per library instead of once per source (about 1.1 CPU seconds saved per source of
# common/ and the modules, 2 per test file: GCC 12, this machine). The fuzz tree
# (scripts/fuzz) builds without them, so that a source missing an include still fails to build
# somewhere.
option(PM_PCH "Precompile the headers most sources include" ON)
set(pm_pch_headers <algorithm> <array> <chrono> <functional> <map> <memory> <optional>
                   <stdexcept> <string> <string_view> <vector> <fmt/format.h> <pm/errors.hpp>
                   <pm/http.hpp> <pm/json.hpp> <pm/log.hpp> <pm/store.hpp>)
# pm_precompile(<target> [more headers…]): pm_pch_headers and the extra ones into <target>.
function(pm_precompile target)
    if(PM_PCH)
        target_precompile_headers(${target} PRIVATE ${pm_pch_headers} ${ARGN})
    endif()
endfunction()
