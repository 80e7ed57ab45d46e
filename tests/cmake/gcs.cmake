# storage-gcs: the GCS stand-in (tests/servers/gcs_standin.py) checked
# against Google's own npm client, and cairn's driver against the stand-in.
cairn_py_test(e2e_gcs_standin_npm_client e2e/test_gcs_standin_npm_client.py LABELS gcs)
cairn_py_test(e2e_storage_gcs e2e/test_storage_gcs.py LABELS gcs)
