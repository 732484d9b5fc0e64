# pm_settings: language level, definitions and sanitizers shared by every target of ours.
add_library(pm_settings INTERFACE)
target_compile_features(pm_settings INTERFACE cxx_std_20)
target_compile_definitions(pm_settings INTERFACE PM_VERSION="${PROJECT_VERSION}")
if(PM_SANITIZE)
    set(pm_sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer
                          -fno-sanitize-recover=undefined)
    target_compile_options(pm_settings INTERFACE ${pm_sanitize_flags})
    target_link_options(pm_settings INTERFACE ${pm_sanitize_flags})
endif()
