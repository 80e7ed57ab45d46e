# Parsers: the RDF mutation syntax, GraphQL documents, and the /admin
# GraphQL executor built on them.
cairn_unit_test(test_rdf ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_rdf.c)
cairn_unit_test(test_blanks ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_blanks.c)
# The GraphQL engine, one test per step (core/src/server/graphql/).
foreach(step parse validate coerce execute introspect http)
  cairn_unit_test(test_gql_${step} ${CMAKE_CURRENT_SOURCE_DIR}/unit/graphql/test_${step}.c)
endforeach()
cairn_unit_test(test_admin ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_admin.c)
# /admin with real GraphQL clients from npm (graphql-js, graphql-request).
cairn_py_test(e2e_admin_graphql_npm_clients e2e/test_admin_graphql_npm_clients.py)
cairn_py_test(e2e_admin_graphql_get_and_cors e2e/test_admin_graphql_get_and_cors.py)
# Hostile /alter and /mutate bodies refused before a timestamp is taken (issue 17).
cairn_py_test(e2e_alter_mutate_refuse_bad_bodies_before_timestamp
  e2e/test_alter_mutate_refuse_bad_bodies_before_timestamp.py)
