#include "params/protocol.hpp"

#include <fmt/format.h>

#include <set>

#include <cmath>
#include <regex>

#include "params/units.hpp"

namespace cascade {

std::string cycler_time_units(const std::string& s) {
  // Cycler wording: "10 hours", "30 minutes", "90 seconds".
  static const std::vector<std::pair<std::regex, std::string>> words{
      {std::regex(R"(\s*(hours?|hrs?)\s*$)", std::regex::icase), " h"},
      {std::regex(R"(\s*(minutes?|mins?)\s*$)", std::regex::icase), " min"},
      {std::regex(R"(\s*(seconds?|secs?)\s*$)", std::regex::icase), " s"},
      {std::regex(R"(\s*(days?)\s*$)", std::regex::icase), " day"}};
  std::string t = s;
  for (const auto& [re, unit] : words) t = std::regex_replace(t, re, unit);
  return t;
}


namespace {

const char* accepted_forms =
    "accepted forms: 'Discharge at <rate> until <voltage>', 'Charge at <rate> until <capacity>' (0.2 mAh/cm2, 1 mAh, 80 mAh/g), 'Charge at <rate> for <time>', "
    "'Hold at <voltage> until <rate>', 'Rest for <time>', with <rate> a C-rate (1C, 0.5C, C/10), "
    "a current density (0.2 mA/cm2, 20 A/m2), a current (1 mA) or a power (5 mW/cm2, 10 mW); an "
    "optional ' at <temperature>' suffix (e.g. 'at -10 degC'); 'for <time> or until <limit>' "
    "combines limits";

[[noreturn]] void fail(const std::string& text, const Source& src, const std::string& why) {
  throw InputError(src, "experiment", fmt::format("cannot read step '{}': {}; {}", text, why, accepted_forms));
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The whole of `s` as a finite number, else nothing (std::stod alone throws on "e" and ".", and
// accepts "1.2.3" as 1.2).
std::optional<double> number(const std::string& s) {
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::optional<double> c_rate(const std::string& s) {
  static const std::regex over(R"(^\s*c\s*/\s*([0-9.eE+-]+)\s*$)", std::regex::icase);
  static const std::regex times(R"(^\s*([0-9.eE+-]+)\s*c\s*$)", std::regex::icase);
  std::smatch m;
  if (std::regex_match(s, m, over)) {
    const auto n = number(m[1]);
    if (n && *n > 0) return 1.0 / *n;  // C/0 or C/-2: not a rate; reported by the caller
    if (n) return 0.0;
  }
  if (std::regex_match(s, m, times)) {
    if (const auto n = number(m[1])) return *n;
  }
  return std::nullopt;
}


// A current-like or power-like amount.
Amount parse_amount(const std::string& s, const std::string& text, const Source& src, bool& is_power) {
  is_power = false;
  if (auto c = c_rate(s)) return {Amount::Kind::c_rate, *c};
  Quantity q;
  try {
    q = parse_quantity(s);
  } catch (const UnitError& e) {
    fail(text, src, fmt::format("'{}' is not a rate: {}", s, e.what()));
  }
  if (q.dim == dim::current_density) return {Amount::Kind::density, q.si};
  if (q.dim == dim::current) return {Amount::Kind::absolute, q.si};
  if (q.dim == dim::power_density) {
    is_power = true;
    return {Amount::Kind::density, q.si};
  }
  if (q.dim == dim::power) {
    is_power = true;
    return {Amount::Kind::absolute, q.si};
  }
  fail(text, src, fmt::format("'{}' is {}, expected a C-rate, current (density) or power (density)", s,
                              a_dimension(q.dim, "a bare number")));
}

double quantity_of(const std::string& s, const Dimension& d, const std::string& text, const Source& src) {
  try {
    return to_si(s, d);
  } catch (const UnitError& e) {
    fail(text, src, e.what());
  }
}

double duration_of(const std::string& s, const std::string& text, const Source& src) {
  const double v = quantity_of(cycler_time_units(s), dim::time, text, src);
  if (!(v > 0)) fail(text, src, "a duration must be positive");
  return v;
}

void parse_limits(const std::string& rest, Step& step, const std::string& text, const Source& src) {
  // rest: "until X", "for T", "for T or until X"
  static const std::regex for_re(R"(^for\s+(.+?)(?:\s+or\s+until\s+(.+))?$)", std::regex::icase);
  static const std::regex until_re(R"(^until\s+(.+?)(?:\s+or\s+for\s+(.+))?$)", std::regex::icase);
  std::smatch m;
  std::string until_text, for_text;
  if (std::regex_match(rest, m, for_re)) {
    for_text = m[1];
    if (m[2].matched) until_text = m[2];
  } else if (std::regex_match(rest, m, until_re)) {
    until_text = m[1];
    if (m[2].matched) for_text = m[2];
  } else {
    fail(text, src, fmt::format("expected 'until <limit>' or 'for <time>' after the rate, found '{}'", rest));
  }
  if (!for_text.empty()) step.duration = duration_of(for_text, text, src);
  if (!until_text.empty()) {
    if (step.mode == Step::Mode::voltage) {
      bool is_power = false;
      Amount a = parse_amount(until_text, text, src, is_power);
      if (is_power) fail(text, src, "a hold ends at a current (e.g. 'until C/20'), not a power");
      step.until_current = a;
    } else {
      Quantity q;
      try {
        q = parse_quantity(until_text);
      } catch (const UnitError& e) {
        fail(text, src, e.what());
      }
      if (q.dim == dim::voltage) {
        step.until_voltage = q.si;
      } else if (q.dim == dim::areal_capacity || q.dim == dim::charge ||
                 q.dim == dim::specific_capacity) {
        if (!(q.si > 0)) fail(text, src, "a capacity limit must be positive");
        step.until_capacity = Capacity{q.dim == dim::areal_capacity ? Capacity::Kind::areal
                                       : q.dim == dim::charge       ? Capacity::Kind::absolute
                                                                    : Capacity::Kind::specific,
                                       q.si};
      } else {
        fail(text, src,
             fmt::format("'{}' is {}; a current or power step ends at a voltage ('until 2.5 V') or "
                         "a capacity ('until 0.2 mAh/cm2', 'until 1 mAh', 'until 80 mAh/g')",
                         until_text, a_dimension(q.dim, "a bare number")));
      }
    }
  }
}

}  // namespace

Step parse_step(const std::string& raw, const Source& src) {
  Step step;
  step.text = raw;
  step.src = src;
  std::string text = std::regex_replace(raw, std::regex(R"(^\s+|\s+$)"), "");
  // Optional temperature suffix: "... at -10 degC".
  static const std::regex temp_re(R"(^(.*\S)\s+at\s+([-+]?[0-9.eE+-]+\s*(degC|°C|K))$)", std::regex::icase);
  std::smatch m;
  if (std::regex_match(text, m, temp_re)) {
    step.temperature = quantity_of(m[2], dim::temperature, raw, src);
    text = m[1];
  }
  static const std::regex rate_re(R"(^(discharge|charge)\s+at\s+(.+?)\s+((?:until|for)\s+.+)$)", std::regex::icase);
  static const std::regex hold_re(R"(^hold\s+at\s+(.+?)\s+((?:until|for)\s+.+)$)", std::regex::icase);
  static const std::regex rest_re(R"(^rest\s+(for\s+.+)$)", std::regex::icase);
  if (std::regex_match(text, m, rate_re)) {
    step.direction = lower(m[1]) == "discharge" ? +1 : -1;
    bool is_power = false;
    step.amount = parse_amount(m[2], raw, src, is_power);
    if (!(step.amount.value > 0)) fail(raw, src, "the rate must be positive (the verb gives the sign)");
    step.mode = is_power ? Step::Mode::power : Step::Mode::current;
    parse_limits(m[3], step, raw, src);
  } else if (std::regex_match(text, m, hold_re)) {
    step.mode = Step::Mode::voltage;
    step.voltage = quantity_of(m[1], dim::voltage, raw, src);
    parse_limits(m[2], step, raw, src);
  } else if (std::regex_match(text, m, rest_re)) {
    step.mode = Step::Mode::rest;
    parse_limits(m[1], step, raw, src);
    if (step.until_voltage) fail(raw, src, "a rest ends after a time ('Rest for 30 minutes')");
  } else if (std::regex_match(text, std::regex(R"(^(discharge|charge|hold)\s+at\s+\S.*$)",
                                                std::regex::icase))) {
    fail(raw, src, "the step has no end: give 'until <limit>' or 'for <time>' after the rate");
  } else if (std::regex_match(text, std::regex(R"(^rest(\s.*)?$)", std::regex::icase))) {
    fail(raw, src, "a rest ends after a time ('Rest for 30 minutes')");
  } else {
    fail(raw, src, "the sentence does not start with Discharge at, Charge at, Hold at or Rest for");
  }
  if (!step.duration && !step.until_voltage && !step.until_current && !step.until_capacity) {
    fail(raw, src, "the step has no end: give 'until <limit>' or 'for <time>'");
  }
  return step;
}

namespace {

// Parses a list of items (sentences and blocks) once, before unrolling.
struct Item {
  std::optional<Step> step;       // a sentence
  long repeat = 0;                // a block
  std::string label;
  std::vector<Item> items;
  bool cycle_block = false;       // holds a charge and a discharge step directly
};

std::vector<Item> parse_items(const YAML::Node& list, const std::string& file, DiagnosticList& diags) {
  std::vector<Item> out;
  for (const auto& node : list) {
    const Source src = node_source(node, file);
    Item item;
    if (node.IsScalar()) {
      try {
        item.step = parse_step(node.Scalar(), src);
      } catch (const InputError& err) {
        for (const auto& d : err.diagnostics()) diags.add(d.where, d.key, d.message);
        continue;
      }
    } else if (node.IsMap()) {
      static const std::vector<std::string> keys{"repeat", "steps", "label"};
      bool ok = true;
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string k = it->first.Scalar();
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
          const std::string guess = nearest(k, keys);
          diags.add(node_source(it->first, file), "experiment",
                    fmt::format("unknown key '{}' in a repeat block{}; a block is {{repeat: N, steps: "
                                "[...], label: name}}",
                                k, guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)));
          ok = false;
        }
      }
      long n = 0;
      if (!node["repeat"] || !node["repeat"].IsScalar() || !YAML::convert<long>::decode(node["repeat"], n) || n < 1) {
        diags.add(src, "experiment", "a repeat block needs 'repeat: N' with N a whole number >= 1");
        ok = false;
      }
      if (!node["steps"] || !node["steps"].IsSequence() || node["steps"].size() == 0) {
        diags.add(src, "experiment", "a repeat block needs 'steps:', a non-empty list of steps or blocks");
        ok = false;
      }
      if (!ok) continue;
      item.repeat = n;
      if (node["label"]) item.label = node["label"].Scalar();
      item.items = parse_items(node["steps"], file, diags);
      bool charge = false, discharge = false;
      for (const auto& sub : item.items) {
        if (!sub.step) continue;
        charge = charge || sub.step->direction < 0 || sub.step->mode == Step::Mode::voltage;
        discharge = discharge || sub.step->direction > 0;
      }
      item.cycle_block = charge && discharge;
    } else {
      diags.add(src, "experiment",
                "each item is a sentence ('Discharge at 1C until 2.5 V') or a block {repeat: N, "
                "steps: [...]}");
      continue;
    }
    out.push_back(std::move(item));
  }
  return out;
}

struct Unroller {
  std::vector<Step> steps;
  int cycle = 0, activation = 0;
  static constexpr std::size_t limit = 1'000'000;  // steps: far beyond any real test

  void unroll(const std::vector<Item>& items, const std::string& label, bool in_activation) {
    for (const auto& item : items) {
      if (item.step) {
        steps.push_back(*item.step);
        continue;
      }
      const bool act = in_activation || item.label == "activation";
      const std::string block = item.label.empty() ? label : item.label;
      for (long r = 0; r < item.repeat; ++r) {
        const std::size_t first = steps.size();
        unroll(item.items, block, act);
        if (steps.size() > limit) {
          throw InputError(Source{}, "experiment",
                           fmt::format("the experiment unrolls to more than {} steps", limit));
        }
        if (!item.cycle_block) continue;
        const int c = act ? 0 : ++cycle;
        const int a = act ? ++activation : 0;
        for (std::size_t k = first; k < steps.size(); ++k) {
          if (steps[k].cycle == 0 && steps[k].activation_cycle == 0) {
            steps[k].cycle = c;
            steps[k].activation_cycle = a;
          }
          if (steps[k].block.empty()) steps[k].block = block;
        }
      }
    }
  }
};

}  // namespace

std::vector<Step> rate_test_steps(const ParamSet& params) {
  if (!params.has("rate_test.rates")) return {};
  // The cut-offs default to the cathode's voltage window.
  const auto cutoff = [&](const std::string& which) {
    const std::string own = "rate_test." + which, window = "cathode." + which;
    if (!params.has(own) && params.has(window)) return params.quantity(window);
    params.require({own});
    return params.quantity(own);
  };
  const double vu = cutoff("upper_voltage");
  const double vl = cutoff("lower_voltage");
  const Entry& e = params.at("rate_test.rates");
  std::vector<double> rates;
  for (const auto& n : e.node) {
    double r = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, r) || !(r > 0)) {
      throw InputError(node_source(n, e.src.file), "rate_test.rates",
                       "each rate is a positive C-rate written as a number (0.1 for C/10)");
    }
    rates.push_back(r);
  }
  if (rates.empty()) throw InputError(e.src, "rate_test.rates", "the rate test has no rates");
  const double back = params.quantity("rate_test.return_to");
  if (back > 0) rates.push_back(back);
  const long n = params.integer("rate_test.cycles_per_rate");
  const double charge_rate = params.quantity("rate_test.charge_rate");
  const double hold = params.quantity("rate_test.hold_until");
  const Source src = e.src;
  std::vector<Step> steps;
  int cycle = 0;
  for (double r : rates) {
    const std::string label = fmt::format("{:g}C", r);
    for (long k = 0; k < n; ++k) {
      ++cycle;
      std::vector<std::string> texts{
          fmt::format("Charge at {:g}C until {:.6g} V", charge_rate > 0 ? charge_rate : r, vu)};
      if (hold > 0) texts.push_back(fmt::format("Hold at {:.6g} V until {:g}C", vu, hold));
      texts.push_back(fmt::format("Discharge at {:g}C until {:.6g} V", r, vl));
      for (const auto& t : texts) {
        Step s = parse_step(t, src);
        s.cycle = cycle;
        s.block = label;
        steps.push_back(std::move(s));
      }
    }
  }
  return steps;
}

namespace {
// False when cell.stack names no cathode (Li|Li, Li|Cu, SS|SS); an ill-formed stack is left to
// build_cell_params to report.
bool stack_has_cathode(const ParamSet& params) {
  if (!params.has("cell.stack")) return true;
  const YAML::Node& n = params.at("cell.stack").node;
  if (!n.IsSequence()) return true;
  for (const auto& layer : n) {
    if (layer.IsScalar() && layer.as<std::string>() == "cathode") return true;
  }
  return false;
}

// A C-rate or a capacity per gram is relative to the cathode: without one they mean nothing.
void check_cathode_units(const ParamSet& params, const std::vector<Step>& steps) {
  if (stack_has_cathode(params)) return;
  DiagnosticList diags;
  for (const Step& s : steps) {
    const bool c_rate = ((s.mode == Step::Mode::current || s.mode == Step::Mode::power) &&
                         s.amount.kind == Amount::Kind::c_rate) ||
                        (s.until_current && s.until_current->kind == Amount::Kind::c_rate);
    const bool per_gram = s.until_capacity && s.until_capacity->kind == Capacity::Kind::specific;
    if (c_rate || per_gram) {
      diags.add(s.src, "experiment",
                fmt::format("'{}': {} is relative to the cathode, and this cell (cell.stack) has none; "
                            "give a current density such as 0.2 mA/cm2 or a capacity such as 0.2 mAh/cm2",
                            s.text, c_rate ? "a C-rate" : "a capacity per gram"));
    }
  }
  diags.throw_if_any();
}
}  // namespace

std::vector<Step> case_protocol(const ParamSet& params) {
  const bool rate = params.has("rate_test.rates");
  if (rate && params.has("experiment")) {
    throw InputError(params.where("rate_test.rates"), "rate_test",
                     "give either an experiment or a rate_test, not both");
  }
  if (rate && !stack_has_cathode(params)) {
    throw InputError(params.where("rate_test.rates"), "rate_test",
                     "a rate test runs at C-rates of the cathode, and this cell (cell.stack) has none");
  }
  if (rate) return rate_test_steps(params);
  params.require({"experiment"});
  std::vector<Step> steps = parse_experiment(params);
  check_cathode_units(params, steps);
  return steps;
}

StopWhen parse_stop_when(const ParamSet& params) {
  StopWhen s;
  if (params.has("stop_when.capacity_below")) s.capacity_below = params.quantity("stop_when.capacity_below");
  if (params.has("stop_when.cycles")) s.cycles = static_cast<int>(params.integer("stop_when.cycles"));
  return s;
}

std::vector<Step> parse_experiment(const ParamSet& params) {
  const Entry& e = params.at("experiment");
  DiagnosticList diags;
  const std::vector<Item> items = parse_items(e.node, e.src.file, diags);
  diags.throw_if_any();
  Unroller u;
  u.unroll(items, "", false);
  if (u.steps.empty()) diags.add(e.src, "experiment", "the experiment has no steps");
  diags.throw_if_any();
  return std::move(u.steps);
}

std::vector<std::string> protocol_warnings(const ParamSet& params, const std::vector<Step>& steps) {
  std::vector<std::string> out;
  // A stack without a cathode (Li|Li, Li|Cu, SS|SS) composed from a full cell's files: its
  // cathode and CEI values are not used, which a reader of the files would not guess.
  if (!stack_has_cathode(params)) {
    std::vector<std::string> unused;
    for (const auto& [path, e] : params.entries()) {
      if (!e.is_default && (path.rfind("cathode.", 0) == 0 || path.rfind("cei.", 0) == 0)) unused.push_back(path);
    }
    if (!unused.empty()) {
      out.push_back(fmt::format("cell.stack ({}) has no cathode: {} given value(s) of cathode.* and cei.* are not "
                                "used (the first: {} at {})",
                                params.where("cell.stack").to_string(), unused.size(), unused.front(),
                                params.where(unused.front()).to_string()));
    }
  }
  if (!params.has("electrolyte.oxidation_limit")) return out;
  const double limit = params.quantity("electrolyte.oxidation_limit");
  std::set<std::string> seen;  // a cycled step is reported once
  for (const Step& s : steps) {
    double v = 0;
    if (s.mode == Step::Mode::voltage) v = s.voltage;
    else if (s.direction < 0 && s.until_voltage) v = *s.until_voltage;
    if (v > limit + 1e-9 && seen.insert(s.text).second) {
      out.push_back(fmt::format(
          "{}: '{}' takes the cell to {:g} V, above the electrolyte's oxidation limit {:g} V "
          "(electrolyte.oxidation_limit, {}); the model has no electrolyte oxidation current, so "
          "results above the limit are optimistic",
          s.src.to_string(), s.text, v, limit, params.where("electrolyte.oxidation_limit").to_string()));
    }
  }
  return out;
}

}  // namespace cascade
