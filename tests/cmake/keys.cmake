# Key providers (keys-file, keys-vault): a driver tool and the end-to-end
# tests that run it against files and a Vault stand-in.
add_executable(keys_tool "${CMAKE_CURRENT_SOURCE_DIR}/tools/keys_tool.c")
target_link_libraries(keys_tool PRIVATE cairn_core)
set_target_properties(keys_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
# The tests drive the plugins through keys_tool, so both must be built first.
add_dependencies(keys_tool keys-file keys-vault)

cairn_py_test(test_keys_file e2e/test_keys_file.py)
cairn_py_test(test_keys_vault e2e/test_keys_vault.py LABELS vault)
