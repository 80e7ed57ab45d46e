# Licenses: the signed document (license.c), `cairn license`, zero's checks
# and backups stopping when the trial or the license ends.
cairn_unit_test(test_license ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_license.c)
cairn_py_test(e2e_license e2e/test_license.py)
cairn_py_test(e2e_license_expiry e2e/test_license_expiry.py)
