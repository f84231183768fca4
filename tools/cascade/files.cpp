#include "tools/cascade/files.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>

namespace cascade::cli {

void write_atomic(const std::filesystem::path& path, const std::string& content) {
  // A name of this process and thread: shards of a job array write the same sweep.json at once.
  const std::filesystem::path tmp = fmt::format("{}.{}-{}.partial", path.string(), ::getpid(),
                                                std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", tmp.string()));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace cascade::cli
