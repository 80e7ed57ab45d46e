# storage-azure against Azurite (npm `azurite`, installed under the build
# tree by tests/servers/azurite.py and started on loopback by each test).
cairn_py_test(e2e_storage_azure e2e/test_storage_azure.py LABELS azurite)
# A 1 GiB blob written and read back with the cairn process's peak RSS bounded.
cairn_py_test(e2e_storage_azure_large e2e/test_storage_azure_large.py LABELS azurite)
# Built out of the tree from the installed SDK alone (no core include).
cairn_py_test(e2e_storage_azure_sdk_only e2e/test_storage_azure_sdk_only.py)
# Retries behind a proxy injecting 503s and a dropped connection; a hung server's deadline.
cairn_py_test(e2e_storage_azure_faults e2e/test_storage_azure_faults.py LABELS azurite)
