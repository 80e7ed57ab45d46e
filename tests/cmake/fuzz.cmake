# Fuzz targets (tests/fuzz/, docs/FUZZING.md): one LLVMFuzzerTestOneInput per
# parser of untrusted input. Every build links each with tests/fuzz/
# replay_main.c and runs its seed corpus (tests/fuzz/corpus/<target>/) as the
# unit test fuzz_replay_<target>: the crashes found once stay fixed in every
# CI leg (ASan included). With CAIRN_FUZZ (clang) each is also built as a
# libFuzzer program fuzz_<target>, which scripts/fuzz.sh runs.
#
# cairn_fuzz_target(name [SOURCES extra.c...] [LIBS lib...] [INCLUDES dir...])
set(CAIRN_FUZZ_DIR "${CMAKE_SOURCE_DIR}/tests/fuzz")
if(CAIRN_FUZZ)
  add_custom_target(fuzz_all)
endif()
function(cairn_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  set(srcs "${CAIRN_FUZZ_DIR}/fuzz_${name}.c" ${F_SOURCES})
  if(NOT F_LIBS)
    set(F_LIBS cairn_core)
  endif()
  set(exes fuzz_replay_${name})
  if(CAIRN_FUZZ)
    list(APPEND exes fuzz_${name})
  endif()
  foreach(exe ${exes})
    if(exe STREQUAL "fuzz_${name}")
      add_executable(${exe} ${srcs})
      target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
      add_dependencies(fuzz_all ${exe})
    else()
      add_executable(${exe} ${srcs} "${CAIRN_FUZZ_DIR}/replay_main.c")
    endif()
    target_include_directories(${exe} PRIVATE "${CAIRN_FUZZ_DIR}" "${CMAKE_SOURCE_DIR}/tests/unit"
      "${CMAKE_SOURCE_DIR}/core/src" "${CMAKE_SOURCE_DIR}/core/include" ${F_INCLUDES})
    target_link_libraries(${exe} PRIVATE ${F_LIBS})
    set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz")
  endforeach()
  add_test(NAME fuzz_replay_${name}
    COMMAND fuzz_replay_${name} "${CAIRN_FUZZ_DIR}/corpus/${name}")
  set_tests_properties(fuzz_replay_${name} PROPERTIES ENVIRONMENT "${CAIRN_TEST_ENV}"
    TIMEOUT 120 LABELS unit)
endfunction()

cairn_fuzz_target(manifest)
cairn_fuzz_target(records)
cairn_fuzz_target(rdf)
cairn_fuzz_target(graphql)
cairn_fuzz_target(uri)
cairn_fuzz_target(ini)
cairn_fuzz_target(cidr)
cairn_fuzz_target(committimes)
cairn_fuzz_target(license)
cairn_fuzz_target(member_auth)
cairn_fuzz_target(alter)
cairn_fuzz_target(group_wire)
if(TARGET cairn_s3common)
  cairn_fuzz_target(s3xml LIBS cairn_s3common)
endif()
if(TARGET storage-azure)
  cairn_fuzz_target(azure_xml
    SOURCES "${CMAKE_SOURCE_DIR}/plugins/storage-azure/azure_client.c"
    LIBS CURL::libcurl OpenSSL::Crypto
    INCLUDES "${CMAKE_SOURCE_DIR}/plugins/storage-azure")
  target_compile_definitions(fuzz_replay_azure_xml PRIVATE CAIRN_AZURE_VERSION="${PROJECT_VERSION}")
  if(TARGET fuzz_azure_xml)
    target_compile_definitions(fuzz_azure_xml PRIVATE CAIRN_AZURE_VERSION="${PROJECT_VERSION}")
  endif()
endif()
if(EXISTS "${CMAKE_SOURCE_DIR}/plugins/keys-vault/keys_vault.c")
  cairn_fuzz_target(vault
    SOURCES "${CMAKE_SOURCE_DIR}/plugins/keys-vault/vault_http.c"
            "${CMAKE_SOURCE_DIR}/plugins/keys-vault/base64.c"
    LIBS PkgConfig::CJSON CURL::libcurl
    INCLUDES "${CMAKE_SOURCE_DIR}/plugins/keys-vault")
endif()
