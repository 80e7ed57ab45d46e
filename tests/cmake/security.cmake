# Issue 10: cluster membership, internal-call authentication, admin operations.
cairn_unit_test(test_whitelist_parser ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_whitelist_parser.c)
cairn_unit_test(test_member_auth ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_member_auth.c)
cairn_py_test(e2e_admin_from_another_machine e2e/test_admin_from_another_machine.py)
cairn_py_test(e2e_fake_member_refused e2e/test_fake_member_refused.py)
cairn_py_test(e2e_cluster_secret e2e/test_cluster_secret.py)
cairn_py_test(e2e_security_startup_refusals e2e/test_security_startup_refusals.py)
cairn_py_test(e2e_zero_bounds e2e/test_zero_bounds.py)
# Secret scrubbing in logs and errors: short registered secrets too (issue 17).
cairn_unit_test(test_log ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_log.c)
