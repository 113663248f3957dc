# Fuzz targets: every fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput.
# With KZ_FUZZ (clang) each becomes a libFuzzer binary and two CTest tests:
# fuzz-replay/<name> replays the checked-in corpus fuzz/corpus/<name>/ and
# fuzz/<name>.dict-guided fuzz-run/<name> fuzzes for KZ_FUZZ_SECONDS seconds.
# Without KZ_FUZZ the same sources link against fuzz/replay_main.c, a plain
# main() that feeds each corpus file once, so corpora are replayed by every
# compiler.
set(KZ_FUZZ_SECONDS 20 CACHE STRING "seconds each fuzz target runs in make test")
if(KZ_FUZZ)
  # Coverage-instrument the library too: without it libFuzzer sees only the
  # target file's edges and barely explores the parsers it calls. The
  # sanitizer runtime supplies the coverage callbacks for the non-fuzzer
  # binaries (kizuna, unit tests) that link the same library.
  target_compile_options(kizuna_lib PRIVATE -fsanitize=fuzzer-no-link)
endif()
file(GLOB KZ_FUZZ_TARGETS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/fuzz_*.c)
foreach(src ${KZ_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${short})
  set(dict ${PROJECT_SOURCE_DIR}/fuzz/${short}.dict)
  if(KZ_FUZZ)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE kizuna_lib)
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/lib)
    add_test(NAME fuzz-replay/${short} COMMAND ${name} -runs=0 ${corpus})
    set(dictarg "")
    if(EXISTS ${dict})
      set(dictarg -dict=${dict})
    endif()
    # New inputs go to a scratch folder so that the checked-in corpus changes only by hand.
    add_test(NAME fuzz-run/${short}
             COMMAND $<TARGET_FILE:${name}> -max_total_time=${KZ_FUZZ_SECONDS}
                     -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${dictarg}
                     ${PROJECT_BINARY_DIR}/fuzz-new/${short} ${corpus})
    file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz-new/${short})
    set_tests_properties(fuzz-run/${short} PROPERTIES LABELS fuzz TIMEOUT 600)
  else()
    add_executable(${name} ${src} ${PROJECT_SOURCE_DIR}/fuzz/replay_main.c)
    target_link_libraries(${name} PRIVATE kizuna_lib)
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/lib)
    add_test(NAME fuzz-replay/${short} COMMAND ${name} ${corpus})
  endif()
  set_tests_properties(fuzz-replay/${short} PROPERTIES LABELS fuzz)
endforeach()
