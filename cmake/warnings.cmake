# pm_warnings: the warning set for our own code only (third-party headers are SYSTEM).
add_library(pm_warnings INTERFACE)
target_compile_options(pm_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
    -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough -Wmisleading-indentation
    -Wduplicated-cond -Wduplicated-branches -Wlogical-op -Wuseless-cast
    # Designated initializers that leave defaulted members out are the point of them.
    -Wno-missing-field-initializers)
if(PM_WERROR)
    target_compile_options(pm_warnings INTERFACE -Werror)
endif()
if(PM_SANITIZE)
    # GCC 12 with -fsanitize reports false -Wmaybe-uninitialized inside std::regex (Catch2).
    target_compile_options(pm_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
