#pragma once
// Input errors: every message says where (file:line:column, YAML key) and what was expected.
#include <stdexcept>
#include <string>
#include <vector>

namespace cascade {

// Where a value came from. line/column are 1-based; line 0 means "not from a file" (e.g. --set).
struct Source {
  std::string file;
  int line = 0;
  int column = 0;
  std::string to_string() const;
};

struct Diagnostic {
  Source where;
  std::string key;      // YAML path, e.g. "cathode.thickness" (may be empty)
  std::string message;  // what is wrong and what was expected
};

// All problems found in one input, reported together (STYLE.md convention 2).
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diags);
  InputError(Source where, std::string key, std::string message);
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }

 private:
  std::vector<Diagnostic> diags_;
};

// Collects diagnostics and throws them at once.
class DiagnosticList {
 public:
  void add(Source where, std::string key, std::string message) {
    diags_.push_back({std::move(where), std::move(key), std::move(message)});
  }
  bool empty() const { return diags_.empty(); }
  void throw_if_any() const {
    if (!diags_.empty()) throw InputError(diags_);
  }

 private:
  std::vector<Diagnostic> diags_;
};

// Formats one diagnostic like a compiler: "file:line:col: error: [key] message", then the source
// line and a caret under the column when the file can be read.
std::string format_diagnostic(const Diagnostic& d);

// The closest candidate by edit distance, or "" when nothing is close (for "did you mean").
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace cascade
