# Builds and runs the consumer project against parade, either installed
# (find_package) or vendored (add_subdirectory). Called by CTest with
# -DSOURCE -DWORK -DMODE.
file(REMOVE_RECURSE ${WORK})
set(gen)
if(MODE STREQUAL "find_package")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/parade-build
                    -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_EXAMPLES=OFF -DPARADE_BUILD_BENCH=OFF
                    -DCMAKE_INSTALL_PREFIX=${WORK}/prefix
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configuring parade failed")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/parade-build -j2 RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "building parade failed")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${WORK}/parade-build RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "installing parade failed")
  endif()
  set(args -DCMAKE_PREFIX_PATH=${WORK}/prefix -DPARADE_MODE=find_package)
else()
  set(args -DPARADE_SOURCE=${SOURCE} -DPARADE_MODE=add_subdirectory)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR}/project -B ${WORK}/app ${args}
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/app -j2 RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK}/app/consumer OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(rc OR NOT out MATCHES "sum=5050")
  message(FATAL_ERROR "the consumer printed '${out}' (exit ${rc}), expected sum=5050")
endif()
