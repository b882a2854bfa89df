# SPDX-License-Identifier: GPL-3.0-or-later
# vigil_add_test(<name> SOURCES ... [LIBS ...] [TIMEOUT s] [LABELS ...])
# One executable per unit, linked to the library under test and Qt::Test,
# run offscreen so GUI suites need no display.
function(vigil_add_test name)
    cmake_parse_arguments(arg "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT arg_TIMEOUT)
        set(arg_TIMEOUT 120)
    endif()
    qt_add_executable(${name} ${arg_SOURCES})
    target_link_libraries(${name} PRIVATE vigil_compile_policy Qt6::Test ${arg_LIBS})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES
        TIMEOUT ${arg_TIMEOUT}
        LABELS "${arg_LABELS}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;QT_LOGGING_RULES=vigil.*.debug=false")
endfunction()
