# bench/bench.py --short end to end (label bench: not e2e, not unit). It
# starts cairn processes through cairnlib, whose logs land under test-logs,
# so the secrets scan runs after it too.
add_test(NAME bench_short COMMAND ${PYTHON3} -u "${CMAKE_CURRENT_SOURCE_DIR}/bench/test_bench_short.py")
set_tests_properties(bench_short PROPERTIES ENVIRONMENT "${CAIRN_TEST_ENV}" TIMEOUT 240 LABELS bench)
set_property(GLOBAL APPEND PROPERTY CAIRN_E2E_TESTS bench_short)
