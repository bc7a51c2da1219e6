# Fails when a folder includes what its layer must not (see STYLE.md):
#   api/           no sqlite3.h, no HTTP library
#   cluster/       no RapidJSON, no HTTP library
#   cluster/paxos/ no threads, no SQLite, no clocks, no RapidJSON or HTTP
#   base/          none of the above libraries
#   http_parser.h appears only in src/http_wire.h and src/http_wire.cc.
function(scan dir pattern why)
  file(GLOB_RECURSE files ${SRC}/${dir}/*.h ${SRC}/${dir}/*.cc)
  foreach(f ${files})
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include")
    foreach(l ${lines})
      if(l MATCHES "${pattern}")
        message(SEND_ERROR "layer check: ${f}: '${l}' (${why})")
      endif()
    endforeach()
  endforeach()
endfunction()

scan(base "sqlite3|rapidjson|http_parser" "base/ uses only the standard library")
scan(api "sqlite3|http_parser" "api/ sees the cluster only through cluster/cluster.h")
scan(cluster "rapidjson|http_parser" "cluster/ knows no JSON or HTTP")
scan(cluster/paxos "sqlite3|<thread>|<mutex>|<condition_variable>|<chrono>|<future>|<random>|\"cluster/[a-z_]+\\.h\"" "the Paxos core does no I/O and keeps no clock")
scan(webui "sqlite3|rapidjson|http_parser" "webui/ holds assets only")

file(GLOB_RECURSE all ${SRC}/base/* ${SRC}/api/* ${SRC}/cluster/* ${SRC}/src/* ${SRC}/webui/*)
foreach(f ${all})
  if(f MATCHES "\\.(h|cc)$" AND NOT f MATCHES "src/http_wire\\.(h|cc)$")
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include.*(http_parser|httplib)")
    if(lines)
      message(SEND_ERROR "layer check: ${f} includes an HTTP library; only src/http_wire.h and .cc may")
    endif()
  endif()
endforeach()
