# Run by the build (cmake -P, CMakeLists.txt target cascade_git_revision), not at configure time,
# so that an incremental build after a commit names that commit in every summary.json.
#   -DSOURCE_DIR=<work tree> -DOUTPUT=<header to write>
# The header defines CASCADE_GIT_REV: the short revision of HEAD, with "-dirty" when tracked files
# differ from it, or "unknown" outside a git work tree. It is rewritten only when that changes, so
# an unchanged revision recompiles nothing.
execute_process(COMMAND git rev-parse --short HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE failed ERROR_QUIET)
if(failed OR NOT revision)
  set(revision unknown)
else()
  execute_process(COMMAND git diff --quiet HEAD --
                  WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE changed ERROR_QUIET)
  if(changed)
    set(revision "${revision}-dirty")
  endif()
endif()
set(content "#pragma once\n// Written by tools/cmake/git_revision.cmake at build time.\n#define CASCADE_GIT_REV \"${revision}\"\n")
set(old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL content)
  file(WRITE ${OUTPUT} "${content}")
endif()
