# Tests written for the coverage floor (issue 15; scripts/coverage.sh): the
# failures that matter, injected, and code no other test reached.
# faultfs:// is a storage plugin that fails the op its location names
# (tests/plugins/fault_storage.c), built outside the plugin directory so only
# the tests that ask for it load it.
add_library(tp-faultfs MODULE ${CMAKE_CURRENT_SOURCE_DIR}/plugins/fault_storage.c)
target_include_directories(tp-faultfs PRIVATE ${CMAKE_SOURCE_DIR}/core/include)
set_target_properties(tp-faultfs PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/plugins/faultfs)
cairn_py_test(e2e_storage_fails_each_op e2e/test_storage_fails_each_op.py)
# Zero behind a proxy (in the test) that drops the call a case names.
cairn_py_test(e2e_zero_unreachable_each_step e2e/test_zero_unreachable_each_step.py)
cairn_py_test(e2e_export_json_values e2e/test_export_json_values.py)
cairn_unit_test(test_jsonfile ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_jsonfile.c)
target_compile_definitions(test_jsonfile PRIVATE TEST_TMP="${CMAKE_BINARY_DIR}/tests")
cairn_py_test(e2e_alpha_http_refusals e2e/test_alpha_http_refusals.py)
