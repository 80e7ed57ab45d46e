# The export mutation (core/src/alpha/export.c): to a local directory, and
# to a real S3 server (radosgw) read back with awscli.
cairn_py_test(e2e_admin_export e2e/test_admin_export.py)
cairn_py_test(e2e_admin_export_s3 e2e/test_admin_export_s3.py LABELS radosgw)
cairn_py_test(e2e_admin_export_encrypted e2e/test_admin_export_encrypted.py)
cairn_unit_test(test_admin_export ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_admin_export.c)
cairn_py_test(e2e_admin_export_hung_alpha e2e/test_admin_export_hung_alpha.py)
