#pragma once
// The cascade command's subcommands. Each returns the process exit status.
#include <string>
#include <vector>

namespace cascade::cli {

int params_show(const std::string& file, const std::vector<std::string>& overrides);
int run_case(const std::string& file, const std::string& out_dir,
             const std::vector<std::string>& overrides, bool quiet);
int bench(int repeats, const std::string& root);
// Runs a sweep file's points on `jobs` threads (0: all hardware threads) into `out_dir`;
// `shard` "i/n" runs only the points with index % n == i - 1 ("" runs all).
int sweep(const std::string& file, int jobs, const std::string& out_dir, const std::string& shard);

// The resolved parameter set as text, one key per line: "key = value unit   [file:line]".
std::string resolved_parameters_text(const std::string& file, const std::vector<std::string>& overrides);

}  // namespace cascade::cli
