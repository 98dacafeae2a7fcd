# cmake -DINPUT=file -DOUTPUT=file.cc -DSYMBOL=kName -P embed_file.cmake
# Writes a C++ source defining voip::SYMBOL (the file's bytes, NUL-terminated)
# and voip::SYMBOLSize (its length without the NUL).
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${name} by cmake/embed_file.cmake at build time; never edit.\n"
  "#include <cstddef>\n\nnamespace voip {\n\n"
  "extern const char ${SYMBOL}[] = {${bytes}'\\0'};\n"
  "extern const std::size_t ${SYMBOL}Size = sizeof ${SYMBOL} - 1;\n\n"
  "}  // namespace voip\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
