# Resources (issue 10): connection limits and idle timeouts, bounded bodies,
# linear blank nodes, a hung member, one process per postings directory, a
# full postings disk.
cairn_unit_test(test_http_limits ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_http_limits.c)
cairn_py_test(e2e_blank_nodes_80000 e2e/test_blank_nodes_80000.py)
cairn_py_test(e2e_idle_connections e2e/test_idle_connections.py)
cairn_py_test(e2e_backup_outlasts_idle_timeout e2e/test_backup_outlasts_idle_timeout.py)
cairn_py_test(e2e_concurrent_large_bodies e2e/test_concurrent_large_bodies.py)
cairn_py_test(e2e_hung_member e2e/test_hung_member.py)
cairn_py_test(e2e_postings_dir_locked e2e/test_postings_dir_locked.py)
cairn_py_test(e2e_postings_disk_full e2e/test_postings_disk_full.py)
cairn_py_test(e2e_export_streams e2e/test_export_streams.py)
cairn_py_test(e2e_hung_zero_bounds_writes e2e/test_hung_zero_bounds_writes.py)
# The alpha returns a large request's memory (issue 17).
cairn_py_test(e2e_alpha_returns_memory_after_large_mutation e2e/test_alpha_returns_memory_after_large_mutation.py)
