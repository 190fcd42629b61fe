# Small helpers in the spirit of absl_cc_library / seastar_add_test.

# sito_warnings(TARGET): the project's warning set.
# -Wno-missing-field-initializers: brace-initializing a struct's leading
# fields and defaulting the rest is idiomatic here (topic_spec{...}).
# -Wno-restrict (GCC): GCC 12 reports false positives inside libstdc++'s
# std::string (GCC bug 105329).
function(sito_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter
                                           -Wno-missing-field-initializers
                                           $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()

# sito_cc_test(NAME n SRCS ... DEPS ... [LABELS ...])
# One ctest entry per test binary: morphology tables load once per process.
function(sito_cc_test)
  cmake_parse_arguments(T "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SRCS})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  sito_warnings(${T_NAME})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
