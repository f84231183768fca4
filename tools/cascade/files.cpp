#include "tools/cascade/files.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace cascade::cli {

void write_atomic(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = path.string() + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", tmp.string()));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace cascade::cli
