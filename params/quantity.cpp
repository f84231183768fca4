#include "params/quantity.hpp"

#include <fmt/format.h>

#include <regex>

namespace cascade {

const char* quantity_forms() {
  return "discharge_capacity_mAh_g, discharge_capacity_mAh_g@<rate>C (a rate test's block), "
         "discharge_capacity_mAh_g@cycle_<n>, retention_pct@cycle_<n>, energy_Wh_kg, "
         "mean_discharge_voltage_V, membrane_resistance_ohm, high_frequency_resistance_ohm, "
         "polarization_mV@cycle_<n> (Li|Li)";
}

double number_in_unit(const std::string& text, const std::string& unit, const Source& where,
                      const std::string& key, bool* percent) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    std::string rest = text.substr(used);
    rest.erase(0, rest.find_first_not_of(' '));
    if (percent && rest == "%" && unit != "%") {
      *percent = true;
      return v;
    }
    if (rest.empty() || rest == unit) return v;
  } catch (const std::exception&) {
  }
  throw InputError(where, key,
                   fmt::format("'{}': expected a number in {}{}", text, unit, percent ? " or a percentage" : ""));
}

std::string QuantitySpec::unit() const {
  switch (kind) {
    case Kind::retention_at_cycle: return "%";
    case Kind::energy: return "Wh/kg";
    case Kind::mean_discharge_voltage: return "V";
    case Kind::membrane_resistance:
    case Kind::high_frequency_resistance: return "ohm";
    case Kind::polarization_at_cycle: return "mV";
    default: return "mAh/g";
  }
}

QuantitySpec parse_quantity_name(const std::string& name, const Source& where, const std::string& key) {
  QuantitySpec q;
  q.name = name;
  using K = QuantitySpec::Kind;
  if (name == "discharge_capacity_mAh_g") return q;
  if (name == "energy_Wh_kg") {
    q.kind = K::energy;
    return q;
  }
  if (name == "mean_discharge_voltage_V") {
    q.kind = K::mean_discharge_voltage;
    return q;
  }
  if (name == "membrane_resistance_ohm") {
    q.kind = K::membrane_resistance;
    return q;
  }
  if (name == "high_frequency_resistance_ohm") {
    q.kind = K::high_frequency_resistance;
    return q;
  }
  static const std::regex at_rate(R"(^discharge_capacity_mAh_g@([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)C$)");
  static const std::regex cap_cycle(R"(^discharge_capacity_mAh_g@cycle_([0-9]+)$)");
  static const std::regex ret_cycle(R"(^retention_pct@cycle_([0-9]+)$)");
  static const std::regex pol_cycle(R"(^polarization_mV@cycle_([0-9]+)$)");
  std::smatch m;
  if (std::regex_match(name, m, at_rate)) {
    const double rate = std::stod(m[1].str());
    if (rate > 0) {
      q.kind = K::discharge_capacity_at_rate;
      q.block = fmt::format("{:g}C", rate);  // as rate_test_steps labels its blocks
      return q;
    }
  } else if (std::regex_match(name, m, cap_cycle) || std::regex_match(name, m, ret_cycle) ||
             std::regex_match(name, m, pol_cycle)) {
    q.kind = name[0] == 'r' ? K::retention_at_cycle
             : name[0] == 'p' ? K::polarization_at_cycle
                              : K::discharge_capacity_at_cycle;
    q.cycle = std::stoi(m[1].str());
    if (q.cycle >= 1) return q;
  }
  const std::string stem = name.substr(0, name.find('@'));
  const std::string near = nearest(stem, {"discharge_capacity_mAh_g", "retention_pct", "energy_Wh_kg",
                                          "mean_discharge_voltage_V", "membrane_resistance_ohm",
                                          "high_frequency_resistance_ohm",
                                          "polarization_mV"});
  throw InputError(where, key,
                   fmt::format("'{}' is not a known output{}; valid: {}", name,
                               near.empty() || near == stem ? "" : fmt::format(" (did you mean '{}'?)", near),
                               quantity_forms()));
}

}  // namespace cascade
