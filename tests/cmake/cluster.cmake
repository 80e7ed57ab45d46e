cairn_py_test(e2e_restored_alpha_claims_on_start e2e/test_restored_alpha_claims_on_start.py)
cairn_py_test(e2e_zero_remove_node e2e/test_zero_remove_node.py)
cairn_py_test(e2e_alter_drops_every_group e2e/test_alter_drops_every_group.py)
# The alpha's /health and admin health report zero's state (issue 17).
cairn_py_test(e2e_health_reports_zero_unreachable e2e/test_health_reports_zero_unreachable.py)
