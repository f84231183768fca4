#pragma once
// Test support: run the built `cascade` command in a scratch directory and read what it wrote.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cascade::testing {

// A fresh directory under the system temp dir, removed at scope exit.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag = "cli") {
    static int count = 0;
    path = std::filesystem::temp_directory_path() /
           ("cascade_test_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(count++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  bool exited = false;  // false: killed by a signal (a crash)
  int status = -1;
  std::string output;   // stdout and stderr together
};

// Runs `cascade <args>` through the shell (args are shell text: quote paths yourself).
inline CommandResult run_cascade(const std::string& args) {
  const ScratchDir tmp("out");
  const auto out = tmp.path / "output.txt";
  const std::string cmd = std::string("'") + CASCADE_EXE + "' " + args + " >'" + out.string() + "' 2>&1";
  const int raw = std::system(cmd.c_str());
  CommandResult r;
  r.exited = raw != -1 && WIFEXITED(raw);
  r.status = r.exited ? WEXITSTATUS(raw) : -1;
  r.output = slurp(out);
  return r;
}

}  // namespace cascade::testing
