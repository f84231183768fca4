# Run by the build (cmake -P, CMakeLists.txt target cascade_git_revision), not at configure time,
# so that an incremental build after a commit names that commit in every summary.json.
#   -DSOURCE_DIR=<work tree> -DOUTPUT=<header to write>
# The header defines CASCADE_GIT_REV: the short revision of HEAD, with "-dirty" when tracked files
# differ from it, or "unknown" outside a git work tree. It is rewritten only when that changes, so
# an unchanged revision recompiles nothing.
# Only SOURCE_DIR's own work tree counts, not one it happens to sit inside.
execute_process(COMMAND git rev-parse --show-toplevel
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE failed ERROR_QUIET)
set(revision "")
if(NOT failed AND top)
  file(REAL_PATH "${top}" top)
  file(REAL_PATH "${SOURCE_DIR}" source)
  if(top STREQUAL source)
    execute_process(COMMAND git rev-parse --short HEAD
                    WORKING_DIRECTORY ${SOURCE_DIR}
                    OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE failed ERROR_QUIET)
  endif()
endif()
if(failed OR NOT revision)
  set(revision unknown)
else()
  # --no-optional-locks: a build must not take git's index lock (nor refresh the index)
  execute_process(COMMAND git --no-optional-locks diff --quiet HEAD --
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
