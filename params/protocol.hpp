#pragma once
// Protocol steps written as short sentences, the way cycler programs and the most widely used
// open-source battery package phrase them:
//   "Discharge at 1C until 2.5 V", "Charge at 0.2 mA/cm2 for 10 hours",
//   "Hold at 4.2 V until C/20", "Rest for 30 minutes", "Discharge at 5 mW/cm2 until 3 V",
//   "Discharge at 20.27 A/m2 until 3.5 V", optional suffix " at -10 degC".
#include <optional>
#include <string>
#include <vector>

#include "params/error.hpp"
#include "params/param_set.hpp"

namespace cascade {

// A current or power as written: a C-rate, a density (per cell area) or an absolute value.
struct Amount {
  enum class Kind { c_rate, density, absolute } kind = Kind::density;
  double value = 0;  // C-rate in 1/h; density in A/m2 or W/m2; absolute in A or W
};

// A charge passed, as written: per cell area, absolute, or per mass of cathode active material.
struct Capacity {
  enum class Kind { areal, absolute, specific } kind = Kind::areal;
  double value = 0;  // C/m2, C, or C/kg
};

struct Step {
  enum class Mode { current, voltage, power, rest };
  std::string text;  // the sentence as written
  Source src;
  Mode mode = Mode::rest;
  int direction = 0;  // +1 discharge, -1 charge, 0 hold/rest
  Amount amount;      // current or power magnitude (current/power modes)
  double voltage = 0;                    // V, hold value (voltage mode)
  std::optional<double> duration;        // s ("for ...")
  std::optional<double> until_voltage;   // V ("until 2.5 V")
  std::optional<Amount> until_current;   // magnitude ("until C/20", "until 0.05 mA/cm2")
  std::optional<Capacity> until_capacity;  // charge passed in the step ("until 0.2 mAh/cm2")
  std::optional<double> temperature;     // K ("at 25 degC")
};

// Parses one sentence; throws InputError quoting it and listing the accepted forms.
Step parse_step(const std::string& text, const Source& src);

// The steps of a case's `experiment:` list.
std::vector<Step> parse_experiment(const ParamSet& params);

}  // namespace cascade
