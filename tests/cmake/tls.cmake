# TLS on every listener and every call between members (issue 10).
cairn_unit_test(test_tls ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_tls.c)
target_compile_definitions(test_tls PRIVATE TEST_TMP="${CMAKE_BINARY_DIR}/tests")
cairn_py_test(e2e_tls_cluster e2e/test_tls_cluster.py)
cairn_py_test(e2e_tls_refusals e2e/test_tls_refusals.py)
