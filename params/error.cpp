#include "params/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace cascade {

std::string Source::to_string() const {
  if (file.empty()) return "<input>";
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string join_messages(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    if (!out.empty()) out += '\n';
    out += format_diagnostic(d);
  }
  return out;
}

std::string source_line(const std::string& file, int line) {
  std::ifstream in(file);
  std::string text;
  for (int i = 1; i <= line && std::getline(in, text); ++i) {
    if (i == line) return text;
  }
  return {};
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diags)
    : std::runtime_error(join_messages(diags)), diags_(std::move(diags)) {}

InputError::InputError(Source where, std::string key, std::string message)
    : InputError(std::vector<Diagnostic>{{std::move(where), std::move(key), std::move(message)}}) {}

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = fmt::format("{}: error: ", d.where.to_string());
  if (!d.key.empty()) out += fmt::format("[{}] ", d.key);
  out += d.message;
  if (!d.where.file.empty() && d.where.line > 0) {
    const std::string text = source_line(d.where.file, d.where.line);
    if (!text.empty()) {
      out += fmt::format("\n  {}\n  {}^", text, std::string(std::max(0, d.where.column - 1), ' '));
    }
  }
  return out;
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  // Close means at most max(2, a third of the word) edits, and fewer edits than the word has
  // letters: "bnad" -> "band" (2), "thicknes" -> "thickness" (1), but not "foo" -> "cei" (3).
  if (word.empty()) return {};
  std::string best;
  std::size_t best_d = std::min(std::max<std::size_t>(2, word.size() / 3), word.size() - 1) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace cascade
