# S3 and MinIO storage plugins: the storage driver tool (generic: any
# storage plugin), the S3 client's unit test, and the end-to-end tests that
# run a real Ceph radosgw (tests/servers/radosgw.sh) and check cairn against
# awscli.
add_executable(storage_tool "${CMAKE_CURRENT_SOURCE_DIR}/tools/storage_tool.c")
target_link_libraries(storage_tool PRIVATE cairn_core)
set_target_properties(storage_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
# The tests drive the plugins through storage_tool, so they must be built too.
foreach(p storage-s3 storage-minio storage-nfs)
  if(TARGET ${p})
    add_dependencies(storage_tool ${p})
  endif()
endforeach()

if(TARGET cairn_s3common)
  add_executable(s3common_test "${CMAKE_SOURCE_DIR}/plugins/s3common/tests/s3common_test.c")
  target_include_directories(s3common_test PRIVATE
    "${CMAKE_SOURCE_DIR}/tests/unit" "${CMAKE_SOURCE_DIR}/core/include")
  target_link_libraries(s3common_test PRIVATE cairn_s3common)
  set_target_properties(s3common_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  add_test(NAME s3common_test COMMAND s3common_test)
  set_tests_properties(s3common_test PROPERTIES ENVIRONMENT "${CAIRN_TEST_ENV}" TIMEOUT 60 LABELS unit)
endif()

# Against a real radosgw (needs the ceph packages in scripts/packages.txt):
cairn_py_test(test_s3_storage e2e/test_s3_storage.py LABELS radosgw)
cairn_py_test(test_s3_errors e2e/test_s3_errors.py LABELS radosgw)
# Against a fault-injecting stand-in: retries, resume, parallel parts, signing.
cairn_py_test(test_s3_faults e2e/test_s3_faults.py)
cairn_py_test(e2e_prune_s3 e2e/test_prune_s3.py LABELS radosgw)
cairn_py_test(e2e_storage_check_s3 e2e/test_storage_check_s3.py LABELS radosgw)
