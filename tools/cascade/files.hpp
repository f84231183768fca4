#pragma once
// Output files of the subcommands.
#include <filesystem>
#include <string>

namespace cascade::cli {

// Writes a file so that an interrupted run never leaves a half-written file that looks complete:
// the content goes to PATH.<pid>-<thread>.partial, renamed to PATH when written (processes writing
// the same file at once each rename a whole one).
void write_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace cascade::cli
