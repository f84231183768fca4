#include "params/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace cascade {

namespace {

// Dimensions are written with their textbook (integer) exponents; Dimension stores them doubled.
constexpr Dimension si(int m, int kg = 0, int s = 0, int a = 0, int k = 0, int mol = 0) {
  return Dimension{{2 * m, 2 * kg, 2 * s, 2 * a, 2 * k, 2 * mol}};
}

}  // namespace

// constinit: other files' statics (schemas, tables) may read these during static initialisation.
namespace dim {
constinit const Dimension none = si(0);
constinit const Dimension length = si(1);
constinit const Dimension mass = si(0, 1);
constinit const Dimension time = si(0, 0, 1);
constinit const Dimension current = si(0, 0, 0, 1);
constinit const Dimension temperature = si(0, 0, 0, 0, 1);
constinit const Dimension amount = si(0, 0, 0, 0, 0, 1);
constinit const Dimension area = si(2);
constinit const Dimension volume = si(3);
constinit const Dimension concentration = si(-3, 0, 0, 0, 0, 1);
constinit const Dimension voltage = si(2, 1, -3, -1);
constinit const Dimension conductivity = si(-3, -1, 3, 2);
constinit const Dimension diffusivity = si(2, 0, -1);
constinit const Dimension current_density = si(-2, 0, 0, 1);
constinit const Dimension charge = si(0, 0, 1, 1);
constinit const Dimension specific_capacity = si(0, -1, 1, 1);
constinit const Dimension areal_capacity = si(-2, 0, 1, 1);
constinit const Dimension areal_mass = si(-2, 1);
constinit const Dimension density = si(-3, 1);
constinit const Dimension molar_energy = si(2, 1, -2, 0, 0, -1);
constinit const Dimension resistance = si(2, 1, -3, -2);
constinit const Dimension area_resistance = si(4, 1, -3, -2);
constinit const Dimension capacitance_per_area = si(-4, -1, 4, 2);
constinit const Dimension molar_volume = si(3, 0, 0, 0, 0, -1);
constinit const Dimension power_density = si(0, 1, -3);
constinit const Dimension power = si(2, 1, -3);
constinit const Dimension energy = si(2, 1, -2);
constinit const Dimension frequency = si(0, 0, -1);
constinit const Dimension molar_mass = si(0, 1, 0, 0, 0, -1);
constinit const Dimension pressure = si(-1, 1, -2);
constinit const Dimension force = si(1, 1, -2);
constinit const Dimension conductance = si(-2, -1, 3, 2);
constinit const Dimension capacitance = si(-2, -1, 4, 2);
}  // namespace dim

// ---- Dimension ------------------------------------------------------------------------------

Dimension Dimension::operator*(const Dimension& o) const {
  Dimension r;
  for (std::size_t i = 0; i < twice.size(); ++i) r.twice[i] = twice[i] + o.twice[i];
  return r;
}

Dimension Dimension::operator/(const Dimension& o) const {
  Dimension r;
  for (std::size_t i = 0; i < twice.size(); ++i) r.twice[i] = twice[i] - o.twice[i];
  return r;
}

Dimension Dimension::pow(double p) const {
  if (!std::isfinite(p) || 2 * p != std::round(2 * p)) {
    throw UnitError(fmt::format("power {} is not a multiple of 0.5", p));
  }
  Dimension r;
  for (std::size_t i = 0; i < twice.size(); ++i) {
    // Exact: an integer times a multiple of 0.5.
    const double t = twice[i] * p;
    if (t != std::round(t)) {
      throw UnitError(
          fmt::format("({})^{} has an exponent that is not a multiple of 0.5", to_string(), p));
    }
    r.twice[i] = static_cast<int>(t);
  }
  return r;
}

bool Dimension::dimensionless() const {
  return std::all_of(twice.begin(), twice.end(), [](int t) { return t == 0; });
}

std::string Dimension::to_string() const {
  // "What" before "per where/when": kg, mol and A lead, then m and s, then K, so the usual
  // electrochemical forms read as people write them (kg m^-3, mol m^-3, A m^-2,
  // mol^-0.5 m^2.5 s^-1).
  static constexpr std::array<std::size_t, 6> order{1, 5, 3, 0, 2, 4};
  static constexpr std::array<const char*, 6> symbol{"m", "kg", "s", "A", "K", "mol"};
  std::string out;
  for (std::size_t i : order) {
    const int t = twice[i];
    if (t == 0) continue;
    if (!out.empty()) out += ' ';
    out += symbol[i];
    if (t == 2) continue;
    out += t % 2 == 0 ? fmt::format("^{}", t / 2) : fmt::format("^{}", t / 2.0);
  }
  return out.empty() ? "1" : out;
}

namespace {

// ---- text helpers ---------------------------------------------------------------------------

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return r;
}

// Non-ASCII spellings people paste from papers, mapped to the ASCII symbols of the table.
std::string normalize_symbol(std::string_view s) {
  std::string r(s);
  replace_all(r, "\xC2\xB5", "u");        // µ MICRO SIGN
  replace_all(r, "\xCE\xBC", "u");        // μ GREEK SMALL LETTER MU
  replace_all(r, "\xCE\xA9", "ohm");      // Ω GREEK CAPITAL LETTER OMEGA
  replace_all(r, "\xE2\x84\xA6", "ohm");  // Ω OHM SIGN
  replace_all(r,
              "\xC2\xB0"
              "C",
              "degC");  // °C
  return r;
}

bool is_celsius(std::string_view unit) {
  return normalize_symbol(unit) == "degC";
}

// A number in the whole of `s` (leading '+' allowed, which from_chars refuses).
std::optional<double> parse_full_number(std::string_view s) {
  if (s.size() > 1 && s.front() == '+' && (is_digit(s[1]) || s[1] == '.')) s.remove_prefix(1);
  double x = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(x)) return std::nullopt;
  return x;
}

// ---- the symbol table -----------------------------------------------------------------------

// A unit's factor to SI is kept as mantissa * 10^pow10 so prefixes, g, L and % stay exact powers
// of ten until the one final multiply or divide: "74 um" then gives the same double as 74e-6,
// and values survive format_si -> to_si unchanged.
struct Scale {
  double mantissa = 1.0;
  double pow10 = 0.0;  // a half-integer after a ^0.5
};

double exact_pow10(int n) {
  double p = 1.0;
  for (int i = 0; i < n; ++i) p *= 10.0;  // exact up to 10^22
  return p;
}

double apply(double x, const Scale& s) {
  x *= s.mantissa;
  if (s.pow10 == std::round(s.pow10) && std::abs(s.pow10) <= 22) {
    const double p = exact_pow10(static_cast<int>(std::abs(s.pow10)));
    return s.pow10 >= 0 ? x * p : x / p;
  }
  return x * std::pow(10.0, s.pow10);
}

struct UnitDef {
  std::string_view symbol;
  Scale scale;
  Dimension dim;
  std::string_view prefixes;  // the SI prefixes this symbol takes
};

// e * N_A: an energy per particle in eV, read as an activation energy per mole.
constexpr double joule_per_mol_per_ev = 96485.33212;

const std::vector<UnitDef>& unit_table() {
  static const std::vector<UnitDef> table = {
      {"m", {1, 0}, dim::length, "pnumcdk"},
      {"g", {1, -3}, dim::mass, "numk"},
      {"s", {1, 0}, dim::time, "pnum"},
      {"A", {1, 0}, dim::current, "pnumk"},
      {"K", {1, 0}, dim::temperature, ""},
      {"mol", {1, 0}, dim::amount, "pnumk"},
      {"V", {1, 0}, dim::voltage, "numk"},
      {"S", {1, 0}, dim::conductance, "umk"},
      {"ohm", {1, 0}, dim::resistance, "mkM"},
      {"W", {1, 0}, dim::power, "umkM"},
      {"J", {1, 0}, dim::energy, "mkM"},
      {"C", {1, 0}, dim::charge, "numk"},  // coulomb; Celsius is degC
      {"F", {1, 0}, dim::capacitance, "pnum"},
      {"N", {1, 0}, dim::force, "mk"},
      {"Pa", {1, 0}, dim::pressure, "kMG"},
      {"Hz", {1, 0}, dim::frequency, "umkM"},
      {"L", {1, -3}, dim::volume, "um"},
      {"l", {1, -3}, dim::volume, "um"},
      {"M", {1, 3}, dim::concentration, "num"},  // mol/L; as a prefix M is mega
      {"Ah", {3600, 0}, dim::charge, "umk"},
      {"Wh", {3600, 0}, dim::energy, "mk"},
      {"eV", {joule_per_mol_per_ev, 0}, dim::molar_energy, "m"},
      {"min", {60, 0}, dim::time, ""},
      {"h", {3600, 0}, dim::time, ""},
      {"day", {86400, 0}, dim::time, ""},
      {"%", {1, -2}, dim::none, ""},
      {"ppm", {1, -6}, dim::none, ""},
  };
  return table;
}

std::optional<int> prefix_pow10(char c) {
  switch (c) {
    case 'p':
      return -12;
    case 'n':
      return -9;
    case 'u':
      return -6;
    case 'm':
      return -3;
    case 'c':
      return -2;
    case 'd':
      return -1;
    case 'k':
      return 3;
    case 'M':
      return 6;
    case 'G':
      return 9;
    default:
      return std::nullopt;
  }
}

// Whole symbols win over prefix + symbol, which keeps "min", "mol", "M" and "ppm" themselves.
std::optional<UnitDef> lookup(std::string_view sym) {
  for (const UnitDef& u : unit_table()) {
    if (u.symbol == sym) return u;
  }
  if (sym.size() < 2) return std::nullopt;
  const auto p = prefix_pow10(sym.front());
  if (!p) return std::nullopt;
  for (const UnitDef& u : unit_table()) {
    if (u.symbol == sym.substr(1) && u.prefixes.find(sym.front()) != std::string_view::npos) {
      UnitDef r = u;
      r.scale.pow10 += *p;
      return r;
    }
  }
  return std::nullopt;
}

const std::vector<std::string>& all_symbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> s;
    for (const UnitDef& u : unit_table()) {
      s.emplace_back(u.symbol);
      for (char p : u.prefixes) s.push_back(p + std::string(u.symbol));
    }
    return s;
  }();
  return symbols;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean 'mAh'?)" or "". Case slips (mah, Ohm, kpa) are the usual mistake, then one
// stray letter (mols, hr); one-letter symbols get no guess, every other symbol is one edit away.
std::string suggestion(std::string_view sym) {
  std::vector<std::string> hits;
  const std::string low = lower(sym);
  for (const std::string& s : all_symbols()) {
    if (lower(s) == low) hits.push_back(s);
  }
  if (hits.empty() && sym.size() >= 2) {
    for (const std::string& s : all_symbols()) {
      if (edit_distance(lower(s), low) == 1) hits.push_back(s);
    }
  }
  if (hits.empty()) return "";
  if (hits.size() > 3) hits.resize(3);
  std::string list;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    list += fmt::format("{}'{}'", i == 0 ? "" : " or ", hits[i]);
  }
  return fmt::format(" (did you mean {}?)", list);
}

// ---- unit expressions -----------------------------------------------------------------------

struct ParsedUnit {
  Scale scale;
  Dimension dim;
};

const char* const degc_message =
    "degC is an offset unit (write it only as the whole unit of a temperature, as in "
    "'25 degC'; use K inside compound units)";

// Splits one side of the '/' into factors at spaces, '*', '·' (U+00B7) and '⋅' (U+22C5).
std::vector<std::string_view> split_factors(std::string_view side) {
  std::vector<std::string_view> out;
  bool star_open = false;  // a '*' was seen and its right-hand factor not yet
  std::size_t start = std::string_view::npos;
  const auto flush = [&](std::size_t end) {
    if (start == std::string_view::npos) return;
    out.push_back(side.substr(start, end - start));
    start = std::string_view::npos;
    star_open = false;
  };
  for (std::size_t i = 0; i < side.size();) {
    std::size_t sep = 0;
    bool star = false;
    if (is_space(side[i])) {
      sep = 1;
    } else if (side[i] == '*') {
      sep = 1, star = true;
    } else if (side.substr(i, 2) == "\xC2\xB7") {
      sep = 2, star = true;
    } else if (side.substr(i, 3) == "\xE2\x8B\x85") {
      sep = 3, star = true;
    }
    if (sep == 0) {
      if (start == std::string_view::npos) start = i;
      ++i;
      continue;
    }
    flush(i);
    if (star && (out.empty() || star_open)) throw UnitError("'*' without a unit before it");
    star_open = star_open || star;
    i += sep;
  }
  flush(side.size());
  if (star_open) throw UnitError("'*' without a unit after it");
  return out;
}

// "cm^2" -> {"cm", 2}, "s-1" -> {"s", -1}, "mol^-0.5" -> {"mol", -0.5}, "K" -> {"K", 1}.
std::pair<std::string_view, double> split_exponent(std::string_view token) {
  const auto bad = [&] {
    return UnitError(fmt::format(
        "bad factor '{}' (write exponents as m2, s-1, cm^2, m^2.5 or mol^-0.5)", token));
  };
  std::string_view sym = token;
  double e = 1.0;
  if (const auto caret = token.find('^'); caret != std::string_view::npos) {
    sym = token.substr(0, caret);
    const auto x = parse_full_number(token.substr(caret + 1));
    if (!x) throw bad();
    e = *x;
  } else {
    std::size_t k = token.size();
    while (k > 0 && is_digit(token[k - 1])) --k;
    if (k < token.size()) {
      if (k > 0 && (token[k - 1] == '-' || token[k - 1] == '+')) --k;
      sym = token.substr(0, k);
      e = *parse_full_number(token.substr(k));  // digits with an optional sign always parse
    }
  }
  const bool odd = std::any_of(sym.begin(), sym.end(), [](char c) {
    return is_digit(c) || c == '.' || c == '-' || c == '+' || c == '^';
  });
  if (sym.empty() || odd) throw bad();
  if (2 * e != std::round(2 * e)) {
    throw UnitError(fmt::format("exponent {} in '{}' is not a multiple of 0.5", e, token));
  }
  return {sym, e};
}

// One side of the '/', optionally in one pair of parentheses; sign is +1 above, -1 below.
void accumulate(std::string_view side, double sign, std::string_view where, ParsedUnit& r) {
  side = trim(side);
  if (side.size() >= 2 && side.front() == '(' && side.back() == ')') {
    side = side.substr(1, side.size() - 2);
  }
  if (side.find_first_of("()") != std::string_view::npos) {
    throw UnitError("parentheses are only supported around a whole denominator, as in 'J/(mol K)'");
  }
  const auto factors = split_factors(side);
  if (factors.empty()) throw UnitError(fmt::format("no unit{}", where));
  for (std::string_view token : factors) {
    if (token == "1") continue;  // as in "1/s"
    const auto [written, e] = split_exponent(token);
    const std::string sym = normalize_symbol(written);
    if (sym == "degC") throw UnitError(degc_message);
    const auto u = lookup(sym);
    if (!u) {
      throw UnitError(fmt::format("unknown unit symbol '{}'{}", written, suggestion(sym)));
    }
    const double p = sign * e;
    r.scale.mantissa *= std::pow(u->scale.mantissa, p);
    r.scale.pow10 += u->scale.pow10 * p;
    r.dim = r.dim * u->dim.pow(p);
  }
}

// Throws UnitError with what is wrong, without the context the public functions add.
ParsedUnit parse_unit_expression(std::string_view unit) {
  unit = trim(unit);
  if (unit.empty()) throw UnitError("empty unit");
  if (is_celsius(unit)) throw UnitError(degc_message);
  const std::size_t slash = unit.find('/');
  ParsedUnit r;
  if (slash == std::string_view::npos) {
    accumulate(unit, 1.0, "", r);
    return r;
  }
  if (unit.find('/', slash + 1) != std::string_view::npos) {
    throw UnitError(
        "more than one '/' (put the whole denominator after one '/', as in "
        "'J/(mol K)')");
  }
  accumulate(unit.substr(0, slash), 1.0, " before '/'", r);
  accumulate(unit.substr(slash + 1), -1.0, " after '/'", r);
  return r;
}

// ---- quantities -----------------------------------------------------------------------------

struct Parts {
  double number;
  std::string_view unit;  // trimmed, empty for a bare number
};

bool starts_unit(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%' || u >= 0x80;
}

Parts split_quantity(std::string_view text) {
  if (text.empty()) throw UnitError("empty value");
  std::string_view rest = text;
  if (rest.size() > 1 && rest.front() == '+' && (is_digit(rest[1]) || rest[1] == '.')) {
    rest.remove_prefix(1);
  }
  double x = 0;
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), x);
  if (ec == std::errc::invalid_argument) throw UnitError("no number at the start");
  if (ec == std::errc::result_out_of_range) throw UnitError("the number is out of range");
  if (!std::isfinite(x)) throw UnitError("the number is not finite");
  const std::string_view after = rest.substr(static_cast<std::size_t>(ptr - rest.data()));
  // A unit may touch the number ("74um", "5%"), but "1.5.3" or "1,5" is a broken number.
  if (!after.empty() && !is_space(after.front()) && !starts_unit(after.front())) {
    throw UnitError(fmt::format("unexpected '{}' after the number {}", after,
                                rest.substr(0, rest.size() - after.size())));
  }
  return {x, trim(after)};
}

Quantity quantity_from(const Parts& p) {
  if (p.unit.empty()) return {p.number, dim::none};
  if (is_celsius(p.unit)) return {p.number + 273.15, dim::temperature};
  const ParsedUnit u = parse_unit_expression(p.unit);
  return {apply(p.number, u.scale), u.dim};
}

// ---- names ----------------------------------------------------------------------------------

struct NamedDimension {
  Dimension dim;
  std::string_view name;
  std::vector<std::string_view> units;  // SI first, then what parameter files use
};

const std::vector<NamedDimension>& named_dimensions() {
  static const std::vector<NamedDimension> table = {
      {dim::none, "dimensionless", {"%", "ppm"}},
      {dim::length, "length", {"m", "cm", "mm", "um", "nm"}},
      {dim::mass, "mass", {"kg", "g", "mg"}},
      {dim::time, "time", {"s", "ms", "min", "h", "day"}},
      {dim::current, "current", {"A", "mA", "uA"}},
      {dim::temperature, "temperature", {"K", "degC"}},
      {dim::amount, "amount of substance", {"mol", "mmol"}},
      {dim::area, "area", {"m2", "cm2", "mm2"}},
      {dim::volume, "volume", {"m3", "L", "mL", "cm3"}},
      {dim::concentration, "concentration", {"mol/m3", "mol/L", "M", "mM"}},
      {dim::voltage, "voltage", {"V", "mV"}},
      {dim::conductivity, "conductivity", {"S/m", "S/cm", "mS/cm"}},
      {dim::diffusivity, "diffusivity", {"m2/s", "cm2/s"}},
      {dim::current_density, "current density", {"A/m2", "mA/cm2", "uA/cm2"}},
      {dim::charge, "charge", {"C", "Ah", "mAh"}},
      {dim::specific_capacity, "specific capacity", {"C/kg", "mAh/g", "Ah/kg"}},
      {dim::areal_capacity, "areal capacity", {"C/m2", "mAh/cm2"}},
      {dim::areal_mass, "areal mass", {"kg/m2", "mg/cm2"}},
      {dim::density, "density", {"kg/m3", "g/cm3"}},
      {dim::molar_energy, "molar energy", {"J/mol", "kJ/mol", "eV"}},
      {dim::resistance, "resistance", {"ohm", "mohm", "kohm"}},
      {dim::area_resistance, "area-specific resistance", {"ohm m2", "ohm cm2"}},
      {dim::capacitance_per_area, "areal capacitance", {"F/m2", "uF/cm2"}},
      {dim::molar_volume, "molar volume", {"m3/mol", "cm3/mol", "L/mol"}},
      {dim::power_density, "areal power density", {"W/m2", "mW/cm2"}},
      {dim::power, "power", {"W", "mW"}},
      {dim::energy, "energy", {"J", "kJ", "Wh", "mWh"}},
      {dim::frequency, "frequency", {"Hz", "mHz", "kHz"}},
      {dim::molar_mass, "molar mass", {"kg/mol", "g/mol"}},
      {dim::pressure, "pressure", {"Pa", "kPa", "MPa", "GPa"}},
      {dim::force, "force", {"N"}},
      {dim::conductance, "conductance", {"S", "mS"}},
      {dim::capacitance, "capacitance", {"F", "uF"}},
      // Unnamed in dim:: but met in battery parameters (entropic coefficient, thermal models).
      {dim::voltage / dim::temperature, "voltage per temperature", {"V/K", "mV/K"}},
      {dim::molar_energy / dim::temperature, "molar entropy", {"J/(mol K)"}},
      {dim::energy / dim::mass / dim::temperature, "specific heat capacity", {"J/(kg K)"}},
      {dim::power / dim::length / dim::temperature, "thermal conductivity", {"W/(m K)"}},
  };
  return table;
}

const NamedDimension* find_named(const Dimension& d) {
  for (const NamedDimension& n : named_dimensions()) {
    if (n.dim == d) return &n;
  }
  return nullptr;
}

// "a length", "an area", "a dimensionless number", "dimension kg m^2": for messages.
std::string describe(const Dimension& d) {
  if (d.dimensionless()) return "a dimensionless number";
  const NamedDimension* n = find_named(d);
  if (!n) return "dimension " + d.to_string();
  const bool vowel = std::string_view("aeiou").find(n->name.front()) != std::string_view::npos;
  return fmt::format("{} {}", vowel ? "an" : "a", n->name);
}

std::string accepted(const Dimension& d) {
  std::string list = d.dimensionless() ? "a bare number" : "";
  for (const std::string& u : units_for(d)) list += (list.empty() ? "" : ", ") + u;
  return list;
}

}  // namespace

// ---- public API -----------------------------------------------------------------------------

Quantity parse_quantity(std::string_view text) {
  text = trim(text);
  try {
    return quantity_from(split_quantity(text));
  } catch (const UnitError& e) {
    throw UnitError(fmt::format("'{}': {}", text, e.what()));
  }
}

Quantity parse_unit(std::string_view unit) {
  unit = trim(unit);
  try {
    const ParsedUnit u = parse_unit_expression(unit);
    return {apply(1.0, u.scale), u.dim};
  } catch (const UnitError& e) {
    throw UnitError(fmt::format("unit '{}': {}", unit, e.what()));
  }
}

double to_si(std::string_view text, const Dimension& expected) {
  text = trim(text);
  const auto fail = [&](const std::string& what) {
    return UnitError(
        fmt::format("{}, expected {}; accepted: {}", what, describe(expected), accepted(expected)));
  };
  Parts parts{};
  Quantity q{};
  try {
    parts = split_quantity(text);
    if (parts.unit.empty()) return parts.number;  // already SI, by convention
    q = quantity_from(parts);
  } catch (const UnitError& e) {
    throw fail(fmt::format("'{}': {}", text, e.what()));
  }
  if (q.dim != expected) {
    // "25 C" is the one confusion the grammar cannot catch by itself.
    const bool celsius_slip = parts.unit == "C" && expected == dim::temperature;
    throw fail(fmt::format("'{}' has unit {} ({}{})", text, parts.unit, describe(q.dim),
                           celsius_slip ? "; C is coulomb, write degC for Celsius" : ""));
  }
  return q.si;
}

std::vector<std::string> units_for(const Dimension& d) {
  const NamedDimension* n = find_named(d);
  if (!n) return {d.to_string()};
  return {n->units.begin(), n->units.end()};
}

std::string dimension_name(const Dimension& d) {
  const NamedDimension* n = find_named(d);
  return n ? std::string(n->name) : d.to_string();
}

std::string a_dimension(const Dimension& d, std::string_view dimensionless) {
  if (d.dimensionless()) return std::string(dimensionless);
  const std::string name = dimension_name(d);
  if (name == d.to_string()) return "a value in " + name;
  return (std::string("aeiou").find(name.front()) != std::string::npos ? "an " : "a ") + name;
}

std::string si_unit(const Dimension& d) {
  // The SI unit an electrochemist reads most easily for each common dimension (scale 1).
  static const char* readable[] = {"m",      "s",      "A",         "K",      "mol",    "kg",
                                   "m2",     "m3",     "mol/m3",    "V",      "S/m",    "m2/s",
                                   "A/m2",   "C",      "C/kg",      "C/m2",   "kg/m2",  "kg/m3",
                                   "J/mol",  "ohm",    "ohm m2",    "F/m2",   "m3/mol", "W/m2",
                                   "W",      "J",      "V/K",       "J/(mol K)", "Hz", "kg/mol"};
  for (const char* u : readable) {
    const Quantity q = parse_unit(u);
    if (q.dim == d && q.si == 1.0) return u;
  }
  return d.to_string();
}

std::string format_si(double si, const Dimension& d) {
  if (d.dimensionless()) return fmt::format("{:.6g}", si);
  return fmt::format("{:.6g} {}", si, si_unit(d));
}

}  // namespace cascade
