# Writes OUTPUT: a C++ table of the files in FILES (paths relative to ROOT)
# as raw string literals, so that patc carries the runtime it links into
# every model and needs no install tree. Run with cmake -P.
file(WRITE "${OUTPUT}.tmp" "// Generated from runtime/ by cmake/EmbedFiles.cmake. Do not edit.\n")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(path ${FILES})
  file(RELATIVE_PATH rel "${ROOT}" "${path}")
  file(READ "${path}" text)
  file(APPEND "${OUTPUT}.tmp" "{\"${rel}\", R\"PATC_EMBED(${text})PATC_EMBED\"},\n")
endforeach()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
