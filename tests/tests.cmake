# Tests: every tests/unit/<module>/test_*.c is a cmocka program and a CTest
# test named <module>/<file>; every tests/integration/*.sh is a CTest test run
# with bash, given the built binary in KIZUNA, the repository root in KZ_ROOT
# and the shared data folder in KZ_SHARED.
enable_testing()
find_library(CMOCKA_LIB cmocka REQUIRED)

set(KZ_SHARED_DIR ${PROJECT_SOURCE_DIR}/../shared CACHE PATH "shared data folder")
set(KZ_TEST_ENV
  KIZUNA=$<TARGET_FILE:kizuna>
  KZ_ROOT=${PROJECT_SOURCE_DIR}
  KZ_SHARED=${KZ_SHARED_DIR}
  KZ_BUILD=${PROJECT_BINARY_DIR}
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)

file(GLOB_RECURSE KZ_UNIT_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/*/test_*.c)
foreach(src ${KZ_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(module ${dir} NAME)
  set(target unit_${module}_${name})
  add_executable(${target} ${src})
  target_link_libraries(${target} PRIVATE kizuna_lib ${CMOCKA_LIB})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/lib ${PROJECT_SOURCE_DIR}/tests)
  add_test(NAME ${module}/${name} COMMAND ${target} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(${module}/${name} PROPERTIES ENVIRONMENT "${KZ_TEST_ENV}" LABELS unit)
endforeach()

file(GLOB KZ_INTEGRATION_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/integration/*.sh)
foreach(script ${KZ_INTEGRATION_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME integration/${name} COMMAND bash ${script} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(integration/${name} PROPERTIES ENVIRONMENT "${KZ_TEST_ENV}"
                       LABELS integration TIMEOUT 900)
endforeach()
