# Builds and runs the consumer project against parade, either installed
# (find_package) or vendored (add_subdirectory). Called by CTest with
# -DSOURCE -DWORK -DMODE.
file(REMOVE_RECURSE ${WORK})

# Runs a command; stops the test with `what` if it fails.
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "${what} failed")
  endif()
endfunction()

if(MODE STREQUAL "find_package")
  step("configuring parade" ${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/parade-build
       -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_EXAMPLES=OFF -DPARADE_BUILD_BENCH=OFF
       -DCMAKE_INSTALL_PREFIX=${WORK}/prefix)
  step("building parade" ${CMAKE_COMMAND} --build ${WORK}/parade-build -j2)
  step("installing parade" ${CMAKE_COMMAND} --install ${WORK}/parade-build)
  set(args -DCMAKE_PREFIX_PATH=${WORK}/prefix -DPARADE_MODE=find_package)
else()
  set(args -DPARADE_SOURCE=${SOURCE} -DPARADE_MODE=add_subdirectory)
endif()
step("configuring the consumer" ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR}/project -B ${WORK}/app ${args})
step("building the consumer" ${CMAKE_COMMAND} --build ${WORK}/app -j2)
execute_process(COMMAND ${WORK}/app/consumer OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(rc OR NOT out MATCHES "sum=5050")
  message(FATAL_ERROR "the consumer printed '${out}' (exit ${rc}), expected sum=5050")
endif()
