#pragma once
// Named outputs of a run that validation cases, fits and sweeps compare or collect:
//   discharge_capacity_mAh_g            the last discharge step's capacity
//   discharge_capacity_mAh_g@5C         mean over the cycles of a rate test's "5C" block
//   discharge_capacity_mAh_g@cycle_1    the discharge capacity of numbered cycle 1
//   retention_pct@cycle_3000            discharge capacity of cycle 3000 over cycle 1's, in %
//   energy_Wh_kg, mean_discharge_voltage_V
//   membrane_resistance_ohm             L_membrane / (kappa eff) / area at the case's temperature
//                                       (needs no run)
//   high_frequency_resistance_ohm       Re Z at 100 kHz of the case's cell at rest, over its area:
//                                       the bulk (and contact) resistance an impedance
//                                       measurement reads (needs no run)
//   polarization_mV@cycle_5             Li|Li: mean |V| over the plating and stripping halves of
//                                       numbered cycle 5
#include <string>

#include "params/error.hpp"

namespace cascade {

struct QuantitySpec {
  enum class Kind {
    discharge_capacity,
    discharge_capacity_at_rate,
    discharge_capacity_at_cycle,
    retention_at_cycle,
    energy,
    mean_discharge_voltage,
    membrane_resistance,
    polarization_at_cycle,
    high_frequency_resistance,
  };
  std::string name;  // as written
  Kind kind = Kind::discharge_capacity;
  std::string block;  // at_rate: the rate test's block label, e.g. "5C"
  int cycle = 0;      // at_cycle
  std::string unit() const;  // "mAh/g", "%", "Wh/kg", "V", "ohm", "mV"
  bool needs_run() const { return kind != Kind::membrane_resistance && kind != Kind::high_frequency_resistance; }
};

// Parses an output name; throws InputError at `where` (under `key`) listing the valid forms.
QuantitySpec parse_quantity_name(const std::string& name, const Source& where, const std::string& key);

// A figure written in a quantity's unit: a bare number or the number followed by `unit`
// ("83.6 mAh/g"); with `percent`, also "5 %" (then *percent is set and the number returned as is).
// Throws InputError at `where` (under `key`) otherwise.
double number_in_unit(const std::string& text, const std::string& unit, const Source& where,
                      const std::string& key, bool* percent = nullptr);

// The valid forms, for messages.
const char* quantity_forms();

}  // namespace cascade
