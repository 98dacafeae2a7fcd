# cmake -DDIR=migrations/postgresql -DOUTPUT=file.cc -DSYMBOL=kName -P embed_migrations.cmake
# Writes a C++ source defining voip::store::SYMBOL, the migration files of DIR
# (NNNN_name.sql) in version order, and voip::store::SYMBOLCount. Each file's
# text is embedded as bytes, so no SQL can break the C++ around it.
file(GLOB files "${DIR}/*.sql")
list(SORT files)
set(entries "")
set(count 0)
foreach(path ${files})
  get_filename_component(name "${path}" NAME)
  if(NOT name MATCHES "^([0-9][0-9][0-9][0-9])_[a-z0-9_]+\\.sql$")
    message(FATAL_ERROR "${path}: a migration is named NNNN_lowercase_words.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ "${path}" content HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
  string(APPEND entries "const char kText${count}[] = {${bytes}'\\0'};\n")
  list(APPEND table "{${version}, \"${name}\", kText${count}}")
  math(EXPR count "${count} + 1")
endforeach()
list(JOIN table ",\n    " table_text)
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${DIR} by cmake/embed_migrations.cmake at build time; never edit.\n"
  "#include <cstddef>\n\n#include \"adapter/store/pg_schema.h\"\n\nnamespace voip::store {\nnamespace {\n\n"
  "${entries}\n}  // namespace\n\n"
  "extern const EmbeddedMigration ${SYMBOL}[] = {\n    ${table_text}};\n"
  "extern const std::size_t ${SYMBOL}Count = ${count};\n\n"
  "}  // namespace voip::store\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
