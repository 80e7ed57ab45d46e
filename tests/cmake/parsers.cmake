# Parsers: the RDF mutation syntax, GraphQL documents, and the /admin
# GraphQL executor built on them.
cairn_unit_test(test_rdf ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_rdf.c)
cairn_unit_test(test_graphql ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_graphql.c)
cairn_unit_test(test_admin ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_admin.c)
