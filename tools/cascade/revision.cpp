// The source revision this command was built from, for summary.json (STYLE.md convention 10).
#include "cascade_git_revision.hpp"  // generated at every build (tools/cmake/git_revision.cmake)
#include "tools/cascade/commands.hpp"

namespace cascade::cli {

std::string git_revision() { return CASCADE_GIT_REV; }

}  // namespace cascade::cli
