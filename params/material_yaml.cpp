#include "params/material_yaml.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace cascade {

namespace {

const std::set<std::string> shape_keys{"value", "table", "polynomial", "expression"};


Dimension variable_dim(const std::string& var) {
  if (var == "c_e") return dim::concentration;
  if (var == "T") return dim::temperature;
  return dim::none;  // sto
}

// Tabulation domain of an expression in its variable (SI).
std::pair<double, double> default_domain(const std::string& var) {
  if (var == "c_e") return {0.0, 1.0e4};
  return {0.0, 1.0};
}

bool read_list(const YAML::Node& node, const std::string& file, const KeySpec& spec,
               const std::string& what, const Dimension& d, DiagnosticList& diags,
               std::vector<double>& out) {
  if (!node.IsSequence() || node.size() < 2) {
    diags.add(node_source(node, file), spec.path,
              fmt::format("{} must be a list of at least two values", what));
    return false;
  }
  bool ok = true;
  for (const auto& item : node) {
    KeySpec s = spec;
    s.dim = d;
    s.min = -std::numeric_limits<double>::infinity();
    s.max = std::numeric_limits<double>::infinity();
    double v = 0;
    ok = scalar_to_si(item, node_source(item, file), s, diags, v) && ok;
    out.push_back(v);
  }
  return ok;
}

// One entry of a 2-D table: a quantity in `d`, its place (`where`, e.g. "T entry 2" or "row 3
// (T = 20 degC), column 2 (c_e = 1 mol/L)") leading every message.
bool read_entry(const YAML::Node& item, const std::string& file, const std::string& path,
                const std::string& where, const Dimension& d, DiagnosticList& diags, double& out) {
  if (!item.IsScalar()) {
    diags.add(node_source(item, file), path,
              fmt::format("{}: expected {}, got a {}", where, a_dimension(d),
                          item.IsMap() ? "map" : "list"));
    return false;
  }
  try {
    out = to_si(item.Scalar(), d);
  } catch (const UnitError& err) {
    diags.add(node_source(item, file), path, fmt::format("{}: {}", where, err.what()));
    return false;
  }
  if (!std::isfinite(out)) {
    diags.add(node_source(item, file), path,
              fmt::format("{}: '{}' is not a finite number", where, item.Scalar()));
    return false;
  }
  return true;
}

// An axis of a 2-D table: at least two quantities in `d`, strictly increasing.
bool read_axis(const YAML::Node& node, const std::string& file, const std::string& path,
               const std::string& name, const Dimension& d, DiagnosticList& diags,
               std::vector<double>& out) {
  if (!node.IsSequence() || node.size() < 2) {
    diags.add(
        node_source(node, file), path,
        fmt::format("{} must be a list of at least two values ({} each)", path, a_dimension(d)));
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    double v = 0;
    if (!read_entry(node[i], file, path, fmt::format("{} entry {}", name, i + 1), d, diags, v)) {
      ok = false;
      v = std::numeric_limits<double>::quiet_NaN();  // skips the order checks beside it
    } else if (d == dim::temperature && !(v > 0)) {
      diags.add(node_source(node[i], file), path,
                fmt::format("{} entry {}: '{}' is not above absolute zero", name, i + 1,
                            node[i].Scalar()));
      ok = false;
    } else if (i > 0 && std::isfinite(out.back()) && !(v > out.back())) {
      diags.add(node_source(node[i], file), path,
                fmt::format("{} must increase strictly; entry {} ('{}') does not exceed entry {} "
                            "('{}')",
                            name, i + 1, node[i].Scalar(), i, node[i - 1].Scalar()));
      ok = false;
    }
    out.push_back(v);
  }
  return ok;
}

// table: {T: [...], <var>: [...], values: [[...], ...]}, one row per temperature and one column
// per value of the state variable; entries are quantities (with units, or bare SI numbers).
bool build_table2d(const Entry& e, const KeySpec& spec, const YAML::Node& t, Interp method,
                   DiagnosticList& diags, Property& out) {
  const std::string& file = e.src.file;
  const std::string& var = spec.variable;
  const std::string at = e.path + ".table";
  bool ok = true;
  for (auto it = t.begin(); it != t.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (k != "T" && k != var && k != "values") {
      diags.add(node_source(it->first, file), at + "." + k,
                fmt::format("unknown key '{}' in a 2-D table; expected T, {} and values", k, var));
      ok = false;
    }
  }
  const YAML::Node rows = t["values"];
  if (!rows) {
    diags.add(node_source(t, file), at,
              fmt::format("a 2-D table needs values: a list of rows, one per temperature, each "
                          "with one value per {}",
                          var));
    return false;
  }
  std::vector<double> T, x;
  ok = read_axis(t["T"], file, at + ".T", "T", dim::temperature, diags, T) && ok;
  ok = read_axis(t[var], file, at + "." + var, var, variable_dim(var), diags, x) && ok;
  if (!ok) return false;

  const std::string path = at + ".values";
  if (!rows.IsSequence()) {
    diags.add(node_source(rows, file), path,
              fmt::format("expected a list of rows, one per temperature, each a list of one value "
                          "per {} (e.g. - [1.0e-5 S/cm, 1.45e-5 S/cm])",
                          var));
    return false;
  }
  if (rows.size() != T.size()) {
    diags.add(node_source(rows, file), path,
              fmt::format("values has {} rows but T has {} entries (one row per temperature)",
                          rows.size(), T.size()));
    ok = false;
  }
  std::vector<std::vector<double>> v(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const YAML::Node row = rows[i];
    const std::string row_name = i < T.size()
                                     ? fmt::format("row {} (T = {})", i + 1, t["T"][i].Scalar())
                                     : fmt::format("row {}", i + 1);
    if (!row.IsSequence() || row.size() != x.size()) {
      diags.add(
          node_source(row, file), path,
          row.IsSequence()
              ? fmt::format("{} has {} entries but {} has {}", row_name, row.size(), var, x.size())
              : fmt::format("{} must be a list of {} values, one per {}", row_name, x.size(), var));
      ok = false;
      continue;
    }
    v[i].resize(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) {
      const std::string where =
          fmt::format("{}, column {} ({} = {})", row_name, j + 1, var, t[var][j].Scalar());
      if (!read_entry(row[j], file, path, where, spec.dim, diags, v[i][j])) {
        ok = false;
      } else if (!(v[i][j] > 0)) {
        diags.add(node_source(row[j], file), path,
                  fmt::format("{}: '{}' must be > 0 (a 2-D table interpolates ln(value) against "
                              "1/T)",
                              where, row[j].Scalar()));
        ok = false;
      }
    }
  }
  if (!ok) return false;
  out = Property::table2d(std::move(T), std::move(x), std::move(v), method);
  return true;
}

bool build(const Entry& e, const KeySpec& spec, DiagnosticList& diags, Property& out) {
  const std::string& file = e.src.file;
  const YAML::Node& n = e.node;
  if (n.IsScalar()) {
    double v = 0;
    KeySpec s = spec;
    if (!scalar_to_si(n, e.src, s, diags, v)) return false;
    out = Property::constant(v);
    return true;
  }
  if (!n.IsMap()) {
    diags.add(e.src, e.path, "expected a value or a map (value/table/polynomial/expression)");
    return false;
  }
  static const std::vector<std::string> allowed{
      "value",   "table", "polynomial", "expression", "unit",  "interpolation", "activation_energy",
      "reference_temperature", "vtf",   "series_arrhenius", "source",     "domain"};
  bool ok = true;
  std::vector<std::string> shapes;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      const std::string guess = nearest(k, allowed);
      diags.add(node_source(it->first, file), e.path + "." + k,
                fmt::format("unknown key '{}' in a material function{}; known: {}", k,
                            guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                            fmt::join(allowed, ", ")));
      ok = false;
    }
    if (shape_keys.count(k)) shapes.push_back(k);
  }
  if (shapes.size() != 1) {
    diags.add(e.src, e.path,
              fmt::format("a material function needs exactly one of value, table, polynomial, "
                          "expression; found {}",
                          shapes.empty() ? "none" : fmt::format("{}", fmt::join(shapes, ", "))));
    return false;
  }
  const std::string shape = shapes.front();
  const std::string var = spec.variable;

  // Temperature law.
  TemperatureLaw law;
  const bool has_ea = bool(n["activation_energy"]);
  const bool has_vtf = bool(n["vtf"]);
  const bool has_series = bool(n["series_arrhenius"]);
  if (int(has_ea) + int(has_vtf) + int(has_series) > 1) {
    diags.add(e.src, e.path,
              "give one temperature law: activation_energy (Arrhenius), vtf or series_arrhenius");
    ok = false;
  }
  if (has_ea || has_vtf || has_series) {
    if (!n["reference_temperature"]) {
      diags.add(e.src, e.path,
                "a temperature law needs reference_temperature (the temperature at which the "
                "shape's values hold), e.g. reference_temperature: 25 degC");
      ok = false;
    } else {
      KeySpec t = spec;
      t.path = e.path + ".reference_temperature";
      t.dim = dim::temperature;
      t.min = 0;
      t.min_open = true;
      t.max = std::numeric_limits<double>::infinity();
      ok = scalar_to_si(n["reference_temperature"], node_source(n["reference_temperature"], file),
                        t, diags, law.T_ref) && ok;
    }
  }
  if (has_ea) {
    KeySpec s = spec;
    s.path = e.path + ".activation_energy";
    s.dim = dim::molar_energy;
    s.min = 0;
    s.max = std::numeric_limits<double>::infinity();
    law.kind = TemperatureLaw::Kind::arrhenius;
    ok = scalar_to_si(n["activation_energy"], node_source(n["activation_energy"], file), s, diags,
                      law.activation_energy) && ok;
  }
  if (has_vtf) {
    const YAML::Node v = n["vtf"];
    if (!v.IsMap() || !v["B"] || !v["T0"] || v.size() != 2) {
      diags.add(node_source(v, file), e.path + ".vtf",
                "expected vtf: {B: <temperature>, T0: <temperature>} for "
                "factor exp(-B/(T - T0)) / exp(-B/(T_ref - T0))");
      ok = false;
    } else {
      KeySpec s = spec;
      s.dim = dim::temperature;
      s.min = 0;
      s.max = std::numeric_limits<double>::infinity();
      s.path = e.path + ".vtf.B";
      ok = scalar_to_si(v["B"], node_source(v["B"], file), s, diags, law.B) && ok;
      s.path = e.path + ".vtf.T0";
      ok = scalar_to_si(v["T0"], node_source(v["T0"], file), s, diags, law.T0) && ok;
      law.kind = TemperatureLaw::Kind::vtf;
      if (ok && law.T0 >= law.T_ref) {
        diags.add(node_source(v, file), e.path + ".vtf",
                  fmt::format("T0 = {} K must lie below the reference temperature {} K", law.T0,
                              law.T_ref));
        ok = false;
      }
    }
  }
  if (has_series) {
    const YAML::Node v = n["series_arrhenius"];
    const std::string shape_msg =
        "expected series_arrhenius: a list of at least two {share: <fraction of the resistance at "
        "reference_temperature>, activation_energy: <energy>}, shares adding up to 1";
    if (!v.IsSequence() || v.size() < 2) {
      diags.add(node_source(v, file), e.path + ".series_arrhenius", shape_msg);
      ok = false;
    } else {
      law.kind = TemperatureLaw::Kind::series_arrhenius;
      for (std::size_t i = 0; i < v.size(); ++i) {
        const YAML::Node term = v[i];
        const std::string where = fmt::format("{}.series_arrhenius[{}]", e.path, i);
        if (!term.IsMap() || !term["share"] || !term["activation_energy"] || term.size() != 2) {
          diags.add(node_source(term, file), where, shape_msg);
          ok = false;
          continue;
        }
        KeySpec s = spec;
        s.dim = dim::none;
        s.path = where + ".share";
        s.min = 0;
        s.min_open = true;
        s.max = 1;
        s.max_open = false;
        double share = 0, energy = 0;
        ok = scalar_to_si(term["share"], node_source(term["share"], file), s, diags, share) && ok;
        s.dim = dim::molar_energy;
        s.path = where + ".activation_energy";
        s.min_open = false;
        s.max = std::numeric_limits<double>::infinity();
        ok = scalar_to_si(term["activation_energy"], node_source(term["activation_energy"], file),
                          s, diags, energy) && ok;
        law.shares.push_back(share);
        law.energies.push_back(energy);
      }
      if (ok) {
        double sum = 0;
        for (double w : law.shares) sum += w;
        if (std::abs(sum - 1.0) > 1e-6) {
          diags.add(node_source(v, file), e.path + ".series_arrhenius",
                    fmt::format("the shares add up to {:.8g}; they are the fractions of the "
                                "resistance at reference_temperature and must add up to 1",
                                sum));
          ok = false;
        }
      }
    }
  }
  const auto temp_law_forbidden = [&](const std::string& why) {
    if (has_ea || has_vtf || has_series) {
      diags.add(e.src, e.path, fmt::format("a temperature law cannot be combined with {}", why));
      ok = false;
    }
  };

  Interp method = Interp::pchip;
  if (const YAML::Node m = n["interpolation"]) {
    const std::string s = m.Scalar();
    if (s == "pchip") method = Interp::pchip;
    else if (s == "spline") method = Interp::spline;
    else if (s == "linear") method = Interp::linear;
    else {
      diags.add(node_source(m, file), e.path + ".interpolation",
                fmt::format("'{}' is not an interpolation; expected pchip, spline or linear", s));
      ok = false;
    }
  }
  double unit_scale = 1.0;
  if (const YAML::Node u = n["unit"]) {
    try {
      const Quantity qu = parse_unit(u.Scalar());
      if (!(qu.dim == spec.dim)) {
        diags.add(node_source(u, file), e.path + ".unit",
                  fmt::format("unit '{}' is not {}; accepted: {}", u.Scalar(),
                              a_dimension(spec.dim), fmt::join(units_for(spec.dim), ", ")));
        ok = false;
      }
      unit_scale = qu.si;
    } catch (const UnitError& err) {
      diags.add(node_source(u, file), e.path + ".unit", err.what());
      ok = false;
    }
    // value and table read their own units; a unit: beside them would be silently ignored.
    if (shape == "value" || shape == "table") {
      diags.add(node_source(u, file), e.path + ".unit",
                fmt::format("unit: applies to an expression or a polynomial only; write the unit "
                            "on each {} instead (e.g. '3.32 mS/cm')",
                            shape == "value" ? "value" : "table value"));
      ok = false;
    }
  }
  if (!ok) return false;

  try {
    if (shape == "value") {
      KeySpec s = spec;
      s.path = e.path + ".value";
      double v = 0;
      if (!scalar_to_si(n["value"], node_source(n["value"], file), s, diags, v)) return false;
      out = Property::of(make_constant(v), law);
    } else if (shape == "polynomial") {
      const YAML::Node p = n["polynomial"];
      if (!p.IsSequence() || p.size() == 0) {
        diags.add(node_source(p, file), e.path + ".polynomial",
                  "expected a list of coefficients a0, a1, ... (SI)");
        return false;
      }
      std::vector<double> c;
      for (const auto& item : p) {
        double v = 0;
        if (!item.IsScalar() || !YAML::convert<double>::decode(item, v)) {
          diags.add(node_source(item, file), e.path + ".polynomial",
                    fmt::format("coefficient '{}' is not a number: coefficients are bare SI "
                                "numbers (give the result's unit with unit:, e.g. unit: mS/cm)",
                                item.IsScalar() ? item.Scalar() : "<map/list>"));
          return false;
        }
        c.push_back(v * unit_scale);
      }
      out = Property::of(make_polynomial(c), law);
    } else if (shape == "table") {
      const YAML::Node t = n["table"];
      if (t.IsMap() && t["T"] && t[var]) {
        temp_law_forbidden(fmt::format("a 2-D table in T and {} (it holds the T dependence)", var));
        if (!ok) return false;
        return build_table2d(e, spec, t, method, diags, out);
      }
      const bool in_T = t.IsMap() && bool(t["T"]);
      const std::string x_name = in_T ? "T" : var;
      if (!t.IsMap() || !t[x_name] || !t["values"] || t.size() != 2) {
        diags.add(node_source(t, file), e.path + ".table",
                  fmt::format("expected table: {{{}: [...], values: [...]}} (or T: [...] for a "
                              "table in temperature, or both T and {} for a 2-D table)",
                              var, var));
        return false;
      }
      std::vector<double> x, y;
      bool okt = read_list(t[x_name], file, spec, e.path + ".table." + x_name,
                           variable_dim(x_name), diags, x);
      okt = read_list(t["values"], file, spec, e.path + ".table.values", spec.dim, diags, y) && okt;
      if (!okt) return false;
      if (x.size() != y.size()) {
        diags.add(node_source(t, file), e.path + ".table",
                  fmt::format("{} has {} entries but values has {}", x_name, x.size(), y.size()));
        return false;
      }
      for (std::size_t i = 1; i < x.size(); ++i) {
        if (!(x[i] > x[i - 1])) {
          diags.add(node_source(t[x_name][i], file), e.path + ".table." + x_name,
                    fmt::format("{} must increase strictly; entry {} does not", x_name, i + 1));
          return false;
        }
      }
      if (in_T) {
        temp_law_forbidden("a table in T");
        if (!ok) return false;
        TemperatureLaw tl;
        tl.kind = TemperatureLaw::Kind::table_inverse_T;
        for (double v : y) {
          if (!(v > 0)) {
            diags.add(node_source(t["values"], file), e.path + ".table.values",
                      "a table in T is interpolated in log(value) vs 1/T: values must be > 0");
            return false;
          }
        }
        // ln(value) is interpolated against 1/T, so reverse to make 1/T increase.
        tl.T_table = x;
        tl.factor_table = y;
        out = Property::of(make_constant(1.0), tl);
      } else {
        out = Property::of(make_table(x, y, method), law);
      }
    } else {  // expression
      temp_law_forbidden("an expression (write the T dependence into it)");
      if (!ok) return false;
      auto [lo, hi] = default_domain(var);
      if (const YAML::Node d = n["domain"]) {
        std::vector<double> v;
        if (!read_list(d, file, spec, e.path + ".domain", variable_dim(var), diags, v) ||
            v.size() != 2 || !(v[1] > v[0])) {
          diags.add(node_source(d, file), e.path + ".domain", "expected domain: [low, high]");
          return false;
        }
        lo = v[0];
        hi = v[1];
      }
      std::string expr = n["expression"].Scalar();
      if (unit_scale != 1.0) expr = fmt::format("({}) * {:.17g}", expr, unit_scale);
      out = Property::expression(expr, var, lo, hi);
      out.bind(298.15);  // compile once now so errors surface at load time
    }
  } catch (const std::exception& err) {
    diags.add(e.src, e.path, err.what());
    return false;
  }
  return true;
}

}  // namespace

void check_material_function(const Entry& entry, const KeySpec& spec, DiagnosticList& diags) {
  Property p;
  build(entry, spec, diags, p);
}

Property material_function(const ParamSet& params, const std::string& path) {
  const Entry& e = params.at(path);
  DiagnosticList diags;
  Property p;
  build(e, *params.schema().find(path), diags, p);
  diags.throw_if_any();
  return p;
}

std::pair<double, double> material_function_domain(const ParamSet& params,
                                                   const std::string& path) {
  const Entry& e = params.at(path);
  const KeySpec& spec = *params.schema().find(path);
  const std::string& var = spec.variable;
  auto range = default_domain(var);
  if (!e.node.IsMap()) return range;
  DiagnosticList diags;
  const std::string file = e.src.file;
  if (const YAML::Node d = e.node["domain"]) {
    std::vector<double> v;
    if (!read_list(d, file, spec, path + ".domain", variable_dim(var), diags, v) || v.size() != 2 ||
        !(v[1] > v[0])) {
      diags.add(node_source(d, file), path + ".domain", "expected domain: [low, high]");
      diags.throw_if_any();
    }
    return {v[0], v[1]};
  }
  if (const YAML::Node t = e.node["table"]; t && t.IsMap() && t[var] && t[var].IsSequence()) {
    std::vector<double> x;
    if (read_list(t[var], file, spec, path + ".table." + var, variable_dim(var), diags, x)) {
      return {x.front(), x.back()};
    }
    diags.throw_if_any();
  }
  return range;
}

}  // namespace cascade
