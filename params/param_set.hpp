#pragma once
// A resolved parameter set: one or more YAML files (with `include:`), command-line overrides and
// declared defaults, merged into one map from dotted key to value, each value remembering where
// it came from. Every key is checked against the schema when the set is loaded.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "params/error.hpp"
#include "params/schema.hpp"

namespace cascade {

struct Entry {
  std::string path;  // dotted key
  YAML::Node node;   // the value (scalar, sequence or map)
  Source src;        // file:line:col, "--set" for overrides, "(default)" for declared defaults
  bool is_default = false;
};

class ParamSet {
 public:
  // Loads `file` and everything it includes, applies `overrides` ("key.path=value", units
  // allowed), fills declared defaults and validates every value. Throws InputError listing every
  // problem found.
  static ParamSet load(const std::filesystem::path& file,
                       const std::vector<std::string>& overrides = {},
                       const Schema& schema = Schema::cascade());
  // The same from YAML text (tests, generated sets); `name` stands for the file in messages.
  static ParamSet load_string(const std::string& yaml, const std::string& name,
                              const std::vector<std::string>& overrides = {},
                              const Schema& schema = Schema::cascade());

  // This set with more `overrides` applied on top, as load() applies them after the files:
  // load(f, o) equals load(f).with_overrides(o) (when load(f) succeeds). Only the overridden values are validated
  // again, so that many variants of one case (a sweep's points) cost neither re-reading the
  // files nor re-checking (and re-tabulating) the unchanged material functions.
  ParamSet with_overrides(const std::vector<std::string>& overrides) const;

  const std::filesystem::path& file() const { return file_; }
  const Schema& schema() const { return *schema_; }
  bool has(const std::string& path) const { return entries_.count(path) != 0; }
  // True when the key was given in a file or override (not only a declared default).
  bool given(const std::string& path) const;
  const Entry* find(const std::string& path) const;
  // The entry, or an InputError "missing required key" naming the key, its meaning and unit.
  const Entry& at(const std::string& path) const;
  Source where(const std::string& path) const;

  double quantity(const std::string& path) const;  // SI
  long integer(const std::string& path) const;
  bool boolean(const std::string& path) const;
  std::string string(const std::string& path) const;  // also for choices
  const std::map<std::string, Entry>& entries() const { return entries_; }

  // Throws one InputError naming every key of `paths` that is absent.
  void require(const std::vector<std::string>& paths) const;

 private:
  // Validates the entries (all, or only those named in `only`), fills declared defaults.
  static ParamSet finish(std::map<std::string, Entry> entries, const std::filesystem::path& file,
                         const Schema& schema, DiagnosticList& diags,
                         const std::set<std::string>* only = nullptr);
  std::filesystem::path file_;
  const Schema* schema_ = nullptr;
  std::map<std::string, Entry> entries_;
};

// Converts a scalar node to SI in `spec`'s dimension; reports problems into `diags`.
// Returns false on error.
bool scalar_to_si(const YAML::Node& node, const Source& src, const KeySpec& spec,
                  DiagnosticList& diags, double& out);
// The source position of a node inside `file`.
Source node_source(const YAML::Node& node, const std::string& file);

}  // namespace cascade
