# A compile-fail test: SOURCE must not compile, and the compiler's output
# must carry the message on its first line ("// expect: ...") within the
# first LINES lines, so the error a user sees first says what is wrong.
#   cmake -DCXX=g++ -DSOURCE=x.cpp -DFLAGS="-I..." -DLINES=40 -P run.cmake
file(STRINGS "${SOURCE}" first LIMIT_COUNT 1)
string(REGEX REPLACE "^// expect: " "" expect "${first}")
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
execute_process(COMMAND "${CXX}" -std=c++20 -fsyntax-only ${flags} "${SOURCE}"
                RESULT_VARIABLE result ERROR_VARIABLE err OUTPUT_VARIABLE out)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
string(FIND "${err}" "${expect}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the compiler's error does not say '${expect}':\n${err}")
endif()
string(SUBSTRING "${err}" 0 ${at} before)
string(REGEX MATCHALL "\n" newlines "${before}")
list(LENGTH newlines line)
if(line GREATER LINES)
  message(FATAL_ERROR "'${expect}' comes only on line ${line} of the compiler's output (at most ${LINES}):\n${err}")
endif()
message(STATUS "'${expect}' on line ${line} of the error")
