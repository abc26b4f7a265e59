# The umbrella header stays light (issue: compile time): with libstdc++ it
# must not pull in the standard headers that cost the most to parse and
# that parade's public headers do not need, nor abseil. Each of these was
# once included and cost 0.05-0.7 s per translation unit.
#   cmake -DCXX=g++ -DINCLUDE=include -DWORK=build-dir -P lean.cmake
if(NOT WORK)
  message(FATAL_ERROR "lean.cmake needs -DWORK=<a directory for its probe file>")
endif()
file(WRITE "${WORK}/lean_probe.cpp" "#include <parade/parade.hpp>\nint main() {}\n")
execute_process(COMMAND "${CXX}" -std=c++20 -H -E -I${INCLUDE} "${WORK}/lean_probe.cpp"
                RESULT_VARIABLE result OUTPUT_QUIET ERROR_VARIABLE tree)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "parade.hpp does not preprocess:\n${tree}")
endif()
set(heavy algorithm functional chrono cmath charconv regex thread future condition_variable sstream iostream
          fstream istream locale deque map unordered_map set unordered_set ranges format execution)
set(found "")
foreach(h ${heavy})
  if(tree MATCHES "/c\\+\\+/[0-9]+/${h}\n")
    list(APPEND found "<${h}>")
  endif()
endforeach()
if(tree MATCHES "/absl/")
  list(APPEND found "abseil")
endif()
if(found)
  list(JOIN found ", " found)
  message(FATAL_ERROR "parade.hpp includes ${found}: keep them in src/ (or use detail/std.hpp's lighter parts)")
endif()
string(REGEX MATCHALL "\n\\.+ " lines "\n${tree}")
list(LENGTH lines count)
message(STATUS "parade.hpp includes ${count} headers, none of the heavy ones")
