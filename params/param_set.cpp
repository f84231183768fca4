#include "params/param_set.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "params/material_yaml.hpp"

namespace cascade {

namespace fs = std::filesystem;

Source node_source(const YAML::Node& node, const std::string& file) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

namespace {


std::string kind_text(const KeySpec& spec) {
  switch (spec.kind) {
    case KeyKind::quantity:
      return spec.dim.dimensionless() ? "a number"
                                      : fmt::format("{} (e.g. in {})", a_dimension(spec.dim),
                                                    fmt::join(units_for(spec.dim), ", "));
    case KeyKind::integer: return "an integer";
    case KeyKind::boolean: return "true or false";
    case KeyKind::string: return "text";
    case KeyKind::choice: return fmt::format("one of: {}", fmt::join(spec.choices, ", "));
    case KeyKind::function:
      return fmt::format("{} as a function of {} (a value, or a map with value/table/"
                         "polynomial/expression)",
                         a_dimension(spec.dim), spec.variable);
    case KeyKind::list: return "a list";
  }
  return "";
}

class Loader {
 public:
  Loader(const Schema& schema, DiagnosticList& diags) : schema_(schema), diags_(diags) {}

  // Reads one file: its includes first (in order), then its own keys, which override them.
  void load_file(const fs::path& path, const Source& included_from) {
    const fs::path canonical = fs::weakly_canonical(path);
    if (std::find(stack_.begin(), stack_.end(), canonical) != stack_.end()) {
      diags_.add(included_from, "include",
                 fmt::format("'{}' includes itself (through the chain of includes)", path.string()));
      return;
    }
    if (!fs::exists(path)) {
      diags_.add(included_from, included_from.file.empty() ? "" : "include",
                 fmt::format("file '{}' does not exist", path.string()));
      return;
    }
    YAML::Node root;
    try {
      root = YAML::LoadFile(path.string());
    } catch (const YAML::Exception& e) {
      diags_.add({path.string(), e.mark.line + 1, e.mark.column + 1}, "",
                 fmt::format("YAML syntax: {}", e.msg));
      return;
    }
    stack_.push_back(canonical);
    load_root(root, path.string(), path.parent_path());
    stack_.pop_back();
  }

  void load_root(const YAML::Node& root, const std::string& file, const fs::path& dir) {
    if (!root || root.IsNull()) return;  // an empty file is an empty set
    if (!root.IsMap()) {
      diags_.add(node_source(root, file), "", "the top level of a parameter file must be a map of keys");
      return;
    }
    if (const YAML::Node inc = root["include"]) {
      std::vector<YAML::Node> items;
      if (inc.IsScalar()) {
        items.push_back(inc);
      } else if (inc.IsSequence()) {
        for (const auto& n : inc) items.push_back(n);
      } else {
        diags_.add(node_source(inc, file), "include", "expected a file name or a list of file names");
      }
      for (const auto& n : items) {
        if (!n.IsScalar()) {
          diags_.add(node_source(n, file), "include", "expected a file name");
          continue;
        }
        // Normalized so messages name "cells/a.yaml", not "sub/../cells/a.yaml".
        load_file((dir / n.Scalar()).lexically_normal(), node_source(n, file));
      }
    }
    walk(root, "", file);
  }

  void walk(const YAML::Node& map, const std::string& prefix, const std::string& file) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (prefix.empty() && key == "include") continue;
      const std::string full = prefix.empty() ? key : prefix + "." + key;
      if (schema_.find(full)) {
        // `key: ~` (null) unsets a value inherited from an included file.
        if (it->second.IsNull()) {
          entries.erase(full);
        } else {
          entries[full] = Entry{full, it->second, node_source(it->second, file), false};
        }
      } else if (schema_.is_section(full)) {
        if (!it->second.IsMap()) {
          diags_.add(node_source(it->second, file), full,
                     fmt::format("'{}' is a section: expected a map with keys among {}", full,
                                 fmt::join(schema_.children(full), ", ")));
          continue;
        }
        walk(it->second, full, file);
      } else {
        unknown_key(full, key, prefix, node_source(it->first, file));
      }
    }
  }

  void unknown_key(const std::string& full, const std::string& key, const std::string& prefix,
                   const Source& src) {
    if (schema_.is_section(full)) {  // only from --set: "--set cathode=..."
      diags_.add(src, full,
                 fmt::format("'{}' is a section, not a key: set one of its keys ({}.<key>), "
                             "among {}",
                             full, full, fmt::join(schema_.children(full), ", ")));
      return;
    }
    std::string msg = fmt::format("unknown key '{}'", full);
    if (prefix.empty() || schema_.is_section(prefix)) {
      const auto siblings = schema_.children(prefix);
      const std::string guess = nearest(key, siblings);
      msg += guess.empty() ? "."
                           : fmt::format("; did you mean '{}'?",
                                         prefix.empty() ? guess : prefix + "." + guess);
      msg += fmt::format(" Known keys{}: {}", prefix.empty() ? "" : " in '" + prefix + "'",
                         fmt::join(siblings, ", "));
    } else {
      // Only from --set: a misspelt section ("cathod.thickness") or a path below a key.
      std::vector<std::string> all;
      for (const auto& [path, spec] : schema_.keys()) all.push_back(path);
      const std::string guess = nearest(full, all);
      msg += guess.empty() ? "." : fmt::format("; did you mean '{}'?", guess);
      if (schema_.find(prefix)) {
        msg += fmt::format(" '{}' is a key, not a section", prefix);
      } else {
        msg += fmt::format(" Known sections and keys: {}", fmt::join(schema_.children(""), ", "));
      }
    }
    diags_.add(src, full, msg);
  }

  void apply_override(const std::string& text) {
    const Source src{"--set " + text, 0, 0};
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      diags_.add(src, "", "expected --set key.path=value, e.g. --set cathode.thickness=\"80 um\"");
      return;
    }
    const std::string path = text.substr(0, eq);
    const std::string value = text.substr(eq + 1);
    if (!schema_.find(path)) {
      const auto dot = path.rfind('.');
      const std::string prefix = dot == std::string::npos ? "" : path.substr(0, dot);
      unknown_key(path, dot == std::string::npos ? path : path.substr(dot + 1), prefix, src);
      return;
    }
    YAML::Node node;
    try {
      node = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      diags_.add(src, path, fmt::format("cannot read value '{}': {}", value, e.msg));
      return;
    }
    // `--set key=~` unsets, as `key: ~` does in a file; an empty value stays a string error.
    if (node && node.IsNull() && (value == "~" || value == "null")) {
      entries.erase(path);
      return;
    }
    if (!node || node.IsNull()) node = YAML::Node(value);
    entries[path] = Entry{path, node, src, false};
  }

  std::map<std::string, Entry> entries;

 private:
  const Schema& schema_;
  DiagnosticList& diags_;
  std::vector<fs::path> stack_;
};

// Checks one present value against its declaration.
void validate(const Entry& e, const KeySpec& spec, DiagnosticList& diags) {
  const auto bad = [&](const std::string& what) {
    diags.add(e.src, e.path, fmt::format("{}; expected {} ({})", what, kind_text(spec), spec.meaning));
  };
  switch (spec.kind) {
    case KeyKind::quantity: {
      double v = 0;
      scalar_to_si(e.node, e.src, spec, diags, v);
      break;
    }
    case KeyKind::integer: {
      long v = 0;
      if (!e.node.IsScalar() || !YAML::convert<long>::decode(e.node, v)) {
        bad(fmt::format("'{}' is not an integer", e.node.IsScalar() ? e.node.Scalar() : "<map/list>"));
      } else if (v < spec.min || v > spec.max) {
        diags.add(e.src, e.path, fmt::format("{} is out of range: expected {} <= value <= {} ({})", v,
                                             spec.min, spec.max, spec.meaning));
      }
      break;
    }
    case KeyKind::boolean: {
      bool v = false;
      if (!e.node.IsScalar() || !YAML::convert<bool>::decode(e.node, v)) bad("not true/false");
      break;
    }
    case KeyKind::string:
      if (!e.node.IsScalar()) bad("not a text value");
      break;
    case KeyKind::choice: {
      if (!e.node.IsScalar()) {
        bad("not a name");
        break;
      }
      const std::string v = e.node.Scalar();
      if (std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
        const std::string guess = nearest(v, spec.choices);
        diags.add(e.src, e.path,
                  fmt::format("'{}' is not a known choice{}; expected one of: {}", v,
                              guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                              fmt::join(spec.choices, ", ")));
      }
      break;
    }
    case KeyKind::function:
      check_material_function(e, spec, diags);
      break;
    case KeyKind::list:
      if (!e.node.IsSequence()) bad("not a list");
      break;
  }
}

}  // namespace

bool scalar_to_si(const YAML::Node& node, const Source& src, const KeySpec& spec,
                  DiagnosticList& diags, double& out) {
  if (!node.IsScalar()) {
    diags.add(src, spec.path,
              fmt::format("expected a single value, got a {}; expected {} ({})",
                          node.IsMap() ? "map" : "list", kind_text(spec), spec.meaning));
    return false;
  }
  try {
    out = to_si(node.Scalar(), spec.dim);
  } catch (const UnitError& e) {
    diags.add(src, spec.path, fmt::format("{} ({})", e.what(), spec.meaning));
    return false;
  }
  if (!std::isfinite(out)) {
    diags.add(src, spec.path, fmt::format("'{}' is not a finite number", node.Scalar()));
    return false;
  }
  const bool low = spec.min_open ? out <= spec.min : out < spec.min;
  const bool high = spec.max_open ? out >= spec.max : out > spec.max;
  if (low || high) {
    diags.add(src, spec.path,
              fmt::format("'{}' = {} is out of range: expected {} ({})", node.Scalar(),
                          format_si(out, spec.dim), describe_range(spec), spec.meaning));
    return false;
  }
  return true;
}

ParamSet ParamSet::load(const fs::path& file, const std::vector<std::string>& overrides,
                        const Schema& schema) {
  DiagnosticList diags;
  Loader loader(schema, diags);
  loader.load_file(file, Source{});
  for (const auto& o : overrides) loader.apply_override(o);
  return finish(std::move(loader.entries), file, schema, diags);
}

ParamSet ParamSet::load_string(const std::string& yaml, const std::string& name,
                               const std::vector<std::string>& overrides, const Schema& schema) {
  DiagnosticList diags;
  Loader loader(schema, diags);
  try {
    loader.load_root(YAML::Load(yaml), name, fs::current_path());
  } catch (const YAML::Exception& e) {
    diags.add({name, e.mark.line + 1, e.mark.column + 1}, "", fmt::format("YAML syntax: {}", e.msg));
  }
  for (const auto& o : overrides) loader.apply_override(o);
  return finish(std::move(loader.entries), name, schema, diags);
}

ParamSet ParamSet::with_overrides(const std::vector<std::string>& overrides) const {
  DiagnosticList diags;
  Loader loader(*schema_, diags);
  // Defaults are filled after the overrides, as in load(): `--set key=~` brings one back.
  for (const auto& [path, e] : entries_) {
    if (!e.is_default) loader.entries.emplace(path, e);
  }
  std::set<std::string> changed;
  for (const auto& o : overrides) {
    loader.apply_override(o);
    changed.insert(o.substr(0, o.find('=')));
  }
  return finish(std::move(loader.entries), file_, *schema_, diags, &changed);
}

ParamSet ParamSet::finish(std::map<std::string, Entry> entries, const fs::path& file,
                          const Schema& schema, DiagnosticList& diags,
                          const std::set<std::string>* only) {
  for (const auto& [path, e] : entries) {
    if (!only || only->count(path)) validate(e, *schema.find(path), diags);
  }
  for (const auto& [path, spec] : schema.keys()) {
    if (spec.default_value.empty() || entries.count(path)) continue;
    entries[path] = Entry{path, YAML::Node(spec.default_value), Source{"(default)", 0, 0}, true};
  }
  diags.throw_if_any();
  ParamSet set;
  set.file_ = file;
  set.schema_ = &schema;
  set.entries_ = std::move(entries);
  return set;
}

bool ParamSet::given(const std::string& path) const {
  const auto* e = find(path);
  return e && !e->is_default;
}

const Entry* ParamSet::find(const std::string& path) const {
  const auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

const Entry& ParamSet::at(const std::string& path) const {
  if (const auto* e = find(path)) return *e;
  require({path});
  throw InputError(Source{file_.string(), 0, 0}, path, "missing");  // not reached
}

Source ParamSet::where(const std::string& path) const {
  const auto* e = find(path);
  return e ? e->src : Source{file_.string(), 0, 0};
}

void ParamSet::require(const std::vector<std::string>& paths) const {
  DiagnosticList diags;
  for (const auto& p : paths) {
    if (has(p)) continue;
    const KeySpec* spec = schema_->find(p);
    diags.add(Source{file_.string(), 0, 0}, p,
              fmt::format("missing required key '{}': {}{}", p, spec ? spec->meaning : "",
                          spec ? "; expected " + kind_text(*spec) : ""));
  }
  diags.throw_if_any();
}

double ParamSet::quantity(const std::string& path) const {
  const Entry& e = at(path);
  DiagnosticList diags;
  double v = 0;
  scalar_to_si(e.node, e.src, *schema_->find(path), diags, v);
  diags.throw_if_any();
  return v;
}

long ParamSet::integer(const std::string& path) const { return at(path).node.as<long>(); }
bool ParamSet::boolean(const std::string& path) const { return at(path).node.as<bool>(); }
std::string ParamSet::string(const std::string& path) const { return at(path).node.Scalar(); }

}  // namespace cascade
