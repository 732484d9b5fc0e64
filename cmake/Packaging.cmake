# The Debian package (DESIGN §15; scripts/package builds it into dist/, packaging/README.md).
# One package, pm: the three module binaries (and pmstore, which moves their store) share the config
# file, the store, the log, cache and lock directories and the timers' conventions; each is
# about 1 MB stripped.

# --version names the build's revision: `git describe` at configure time, "unknown" outside git.
find_package(Git QUIET)
set(PM_GIT_REVISION unknown)
set(pm_source_date "")
if(GIT_FOUND)
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE pm_describe
                    ERROR_QUIET RESULT_VARIABLE pm_describe_result OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(pm_describe_result EQUAL 0 AND pm_describe)
        set(PM_GIT_REVISION ${pm_describe})
    endif()
    execute_process(COMMAND ${GIT_EXECUTABLE} log -1 --format=%cs
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE pm_source_date
                    ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
if(NOT pm_source_date)
    string(TIMESTAMP pm_source_date "%Y-%m-%d" UTC)
endif()
set_source_files_properties(${PROJECT_SOURCE_DIR}/common/src/cli.cpp
    DIRECTORY ${PROJECT_SOURCE_DIR}/common
    PROPERTIES COMPILE_DEFINITIONS "PM_GIT_REVISION=\"${PM_GIT_REVISION}\"")

# Who answers for the package: set -DPM_PACKAGE_MAINTAINER="Name <address>" for a release.
set(PM_PACKAGE_MAINTAINER "pm maintainers <pm-maintainers@example.org>"
    CACHE STRING "Maintainer field of the Debian package")

# Man pages (pmstore's too), the sample /etc/pm/pm.conf, bash completion and the changelog,
# written from the built binaries' --help (packaging/generate.py): not part of `all`;
# scripts/package builds it.
set(pm_generated ${CMAKE_BINARY_DIR}/packaging)
set(pm_generated_files
    ${pm_generated}/pmvmmgr6.1.gz ${pm_generated}/pmopenstack.1.gz ${pm_generated}/pmovirt.1.gz
    ${pm_generated}/pmstore.1.gz ${pm_generated}/pm.conf.5.gz
    ${pm_generated}/pm.conf ${pm_generated}/completion/pmvmmgr6
    ${pm_generated}/completion/pmopenstack ${pm_generated}/completion/pmovirt
    ${pm_generated}/changelog.gz)
file(GLOB pm_units ${PROJECT_SOURCE_DIR}/packaging/systemd/pm-*)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_custom_command(
    OUTPUT ${pm_generated_files}
    COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/packaging/generate.py ${pm_generated}
            ${PROJECT_VERSION} ${pm_source_date} ${PM_PACKAGE_MAINTAINER}
            $<TARGET_FILE:pmvmmgr6> $<TARGET_FILE:pmopenstack> $<TARGET_FILE:pmovirt>
            $<TARGET_FILE:pmstore>
    DEPENDS pmvmmgr6 pmopenstack pmovirt pmstore ${PROJECT_SOURCE_DIR}/packaging/generate.py ${pm_units}
    COMMENT "man pages, pm.conf and bash completion from --help" VERBATIM)
add_custom_target(pm_package_files DEPENDS ${pm_generated_files})
file(MAKE_DIRECTORY ${pm_generated}/empty/pm)

# `cpack` (scripts/package) installs what is built; it must not build the tests first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(pm_dir_0755 OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                WORLD_EXECUTE)
install(FILES ${pm_generated}/pmvmmgr6.1.gz ${pm_generated}/pmopenstack.1.gz
        ${pm_generated}/pmovirt.1.gz ${pm_generated}/pmstore.1.gz DESTINATION share/man/man1)
install(FILES ${pm_generated}/pm.conf.5.gz DESTINATION share/man/man5)
install(FILES ${pm_generated}/completion/pmvmmgr6 ${pm_generated}/completion/pmopenstack
        ${pm_generated}/completion/pmovirt DESTINATION share/bash-completion/completions)
install(FILES ${pm_generated}/changelog.gz ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
        DESTINATION share/doc/pm)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/lintian-overrides DESTINATION share/lintian/overrides
        RENAME pm)
install(FILES ${pm_generated}/pm.conf DESTINATION /etc/pm)
install(FILES ${PROJECT_SOURCE_DIR}/examples/logrotate DESTINATION /etc/logrotate.d RENAME pm)
install(FILES ${pm_units} DESTINATION /lib/systemd/system)
# /var/lib/pm holds the billing store and the queue locks: not for other users (0750).
install(DIRECTORY ${pm_generated}/empty/pm DESTINATION /var/lib
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
install(DIRECTORY ${pm_generated}/empty/pm DESTINATION /var/log
        DIRECTORY_PERMISSIONS ${pm_dir_0755})
install(DIRECTORY ${pm_generated}/empty/pm DESTINATION /var/cache
        DIRECTORY_PERMISSIONS ${pm_dir_0755})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pm)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${PM_PACKAGE_MAINTAINER})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_SOURCE_DIR}/dist)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "processing modules for hosting billing platforms")
set(CPACK_PACKAGE_DESCRIPTION "pmvmmgr6 sells VPS on an ISPsystem VMmanager 6 cluster and keeps a
pool of pre-created servers so that orders are served in seconds.
pmopenstack sells Virtual Data Centers on OpenStack (a project, a user and
quotas per customer, with VMs, volumes, networks, routers and load balancers),
collects usage statistics and reconciles billing with OpenStack.
pmovirt sells VPS on oVirt from templates kept up to date, resized per order,
with cloud-init (sysprep for Windows) at the first boot.
The billing platform runs them once per operation; systemd timers for the
module-wide jobs are installed but not enabled.")
# Depends: dpkg-shlibdeps adds what the binaries link, versioned (libc6, libstdc++6, libgcc-s1,
# libsqlite3-0, libfmt9, libmariadb3); libcurl is opened at run time
# (common/src/curl_library.cpp: no packaging tool can see it), so it is named here, at least
# as new as the headers built against.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4 (>= ${CURL_VERSION_STRING})")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
