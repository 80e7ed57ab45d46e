cairn_py_test(e2e_restored_alpha_claims_on_start e2e/test_restored_alpha_claims_on_start.py)
cairn_py_test(e2e_zero_remove_node e2e/test_zero_remove_node.py)
cairn_py_test(e2e_alter_drops_every_group e2e/test_alter_drops_every_group.py)
# Resources: limits on connections and bodies, linear blank nodes, hung members.
cairn_py_test(e2e_idle_connections e2e/test_idle_connections.py)
