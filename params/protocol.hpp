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
  // Where the step sits in the experiment: cycle number (0 outside any cycle and in activation
  // cycles), activation cycle number (0 outside activation), the label of its repeat block.
  int cycle = 0;
  int activation_cycle = 0;
  std::string block;
};

// The rate test the study runs, as steps: N cycles at each C-rate (charge, optional CV hold,
// discharge), optionally back to a final rate; each rate's block is labelled "<rate>C".
// Empty when the case has no rate_test section.
std::vector<Step> rate_test_steps(const ParamSet& params);
// The case's protocol: its experiment, or its rate test (giving both is an error).
std::vector<Step> case_protocol(const ParamSet& params);

// Things a researcher should know before trusting the run, e.g. a charge above the electrolyte's
// oxidation limit (the model has no oxidation current). One message per offending step.
std::vector<std::string> protocol_warnings(const ParamSet& params, const std::vector<Step>& steps);

// Whole-experiment stop conditions (`stop_when:`); zero means unused.
struct StopWhen {
  double capacity_below = 0;  // fraction of the first numbered cycle's discharge capacity
  int cycles = 0;             // stop after this many numbered cycles
};
StopWhen parse_stop_when(const ParamSet& params);

// Parses one sentence; throws InputError quoting it and listing the accepted forms.
Step parse_step(const std::string& text, const Source& src);
// A time written as cyclers write it ("10 hours", "30 minutes") in units to_si reads ("10 h").
std::string cycler_time_units(const std::string& text);

// The steps of a case's `experiment:` list, with repeat blocks unrolled. An item is a sentence or
// a block {repeat: N, steps: [...], label: name}; blocks nest. Each repetition of a block that
// holds both a charge and a discharge step directly is one cycle, numbered from 1 in order; the
// cycles of a block labelled `activation` are numbered apart (activation_cycle) and leave `cycle`
// at 0, as the study counts its 1C cycles after two 0.1C activation cycles.
std::vector<Step> parse_experiment(const ParamSet& params);

}  // namespace cascade
