#pragma once
// Every parameter key cascade understands, declared once with its dimension, range and meaning.
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "params/units.hpp"

namespace cascade {

enum class KeyKind {
  quantity,  // a number with optional unit, converted to SI
  integer,   // a count (mesh cells, repeats)
  boolean,
  string,    // free text (names, descriptions)
  choice,    // one of a registered list of names
  function,  // a material function of one state variable and temperature (see material_yaml.hpp)
  list,      // a YAML sequence parsed by its own reader (e.g. the experiment's steps)
};

struct KeySpec {
  std::string path;     // dotted YAML path, e.g. "cathode.thickness"
  KeyKind kind = KeyKind::quantity;
  Dimension dim{};      // SI dimension of a quantity or of a function's value
  double min = -std::numeric_limits<double>::infinity();  // SI, inclusive unless *_open
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false, max_open = false;
  std::string meaning;  // one line, shown in errors and `params show`
  std::vector<std::string> choices;
  std::string variable;       // function: its state variable ("sto" or "c_e")
  std::string default_value;  // text form; empty: no default
};

class Schema {
 public:
  void add(KeySpec spec);
  const KeySpec* find(const std::string& path) const;
  // True when some declared key lies below `path` (so `path` is a map of keys).
  bool is_section(const std::string& path) const;
  // Names directly below a section ("" = top level), for "did you mean" and listings.
  std::vector<std::string> children(const std::string& section) const;
  const std::map<std::string, KeySpec>& keys() const { return keys_; }

  // The schema of cascade's case and parameter files.
  static const Schema& cascade();

 private:
  std::map<std::string, KeySpec> keys_;
};

// "0 < x < 1"-style text for a key's range, in SI with its unit.
std::string describe_range(const KeySpec& spec);

// The phases an interphase film (SEI, CEI) may be composed of: sei.composition.<phase>,
// phases.<phase>.conductivity.
const std::vector<std::string>& film_phases();

}  // namespace cascade
