# Loader fixtures: built outside the plugin directory so the real cairn never sees them.
function(cairn_test_plugin name)
  cmake_parse_arguments(TP "" "SCHEME;ABI;DIR" "DEFS" ${ARGN})
  add_library(${name} MODULE ${CMAKE_CURRENT_SOURCE_DIR}/plugins/test_plugins.c)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/core/include)
  target_compile_definitions(${name} PRIVATE TEST_SCHEME="${TP_SCHEME}" TEST_ABI_MAJOR=${TP_ABI}
    TEST_NAME="${name}" ${TP_DEFS})
  set_target_properties(${name} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/plugins/${TP_DIR})
endfunction()
cairn_test_plugin(tp-good SCHEME "azblob" ABI 1 DIR good)
cairn_test_plugin(tp-wrongabi SCHEME "oldfs" ABI 2 DIR wrongabi)
cairn_test_plugin(tp-noentry SCHEME "nofs" ABI 1 DIR noentry DEFS TEST_NO_ENTRY)
cairn_test_plugin(tp-dup-a SCHEME "gcs" ABI 1 DIR dup)
cairn_test_plugin(tp-dup-b SCHEME "gcs" ABI 1 DIR dup)
cairn_test_plugin(tp-abi10 SCHEME "oldmem" ABI 1 DIR abi10 DEFS TEST_ABI_1_0)
cairn_test_plugin(tp-nullop SCHEME "nullfs" ABI 1 DIR nullop DEFS TEST_NULL_READ_CLOSE)

cairn_unit_test(test_plugin_loader ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_plugin_loader.c)
add_dependencies(test_plugin_loader tp-good tp-wrongabi tp-noentry tp-dup-a tp-dup-b tp-abi10
  tp-nullop storage-nfs)
target_compile_definitions(test_plugin_loader PRIVATE
  TP_DIR="${CMAKE_BINARY_DIR}/tests/plugins" REAL_PLUGIN_DIR="${CAIRN_PLUGIN_OUTPUT_DIR}")
cairn_unit_test(test_uri ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_uri.c)
cairn_unit_test(test_config ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_config.c)
target_compile_definitions(test_config PRIVATE TEST_TMP="${CMAKE_BINARY_DIR}/tests")
add_dependencies(test_config keys-file keys-vault)
cairn_unit_test(test_manifest ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_manifest.c)
cairn_unit_test(test_store ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_store.c)
target_compile_definitions(test_store PRIVATE TEST_TMP="${CMAKE_BINARY_DIR}/tests")
cairn_unit_test(test_store_loader ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_store_loader.c)
target_compile_definitions(test_store_loader PRIVATE TEST_TMP="${CMAKE_BINARY_DIR}/tests")
cairn_py_test(e2e_cli_basics e2e/test_cli_basics.py)
cairn_py_test(e2e_storage_nfs e2e/test_storage_nfs.py)
cairn_unit_test(test_http_acl ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_http_acl.c)
cairn_unit_test(test_tasks ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_tasks.c)
cairn_py_test(e2e_storage_check e2e/test_storage_check.py)
cairn_py_test(e2e_plugins_list e2e/test_plugins_list.py)
cairn_py_test(e2e_sdk_example_out_of_tree e2e/test_sdk_example.py)
cairn_unit_test(test_schedule ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_schedule.c)
# Locations: a missing one, EACCES, a deep tree, symbolic links (issue 17).
cairn_py_test(e2e_locations_refuse_links_and_bound_the_walk
  e2e/test_locations_refuse_links_and_bound_the_walk.py)
# Test-only fault hooks are compiled out of Release builds (issue 17).
cairn_unit_test(test_faults ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_faults.c)
if(CAIRN_TEST_HOOKS)
  set(_hooks 1)
else()
  set(_hooks 0)
endif()
target_compile_definitions(test_faults PRIVATE TEST_BUILD_TYPE="${CMAKE_BUILD_TYPE}"
  TEST_HOOKS_OPTION=${_hooks})
