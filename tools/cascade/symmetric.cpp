// `cascade symmetric CASE`: galvanostatic plating/stripping of a Li|Li cell, the study's test of
// its electrolyte against Li: a current density, a capacity per half cycle and a duration, turned
// into the experiment `cascade run` runs (it writes polarization.csv beside the usual files).
#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "tools/cascade/commands.hpp"

namespace cascade::cli {

int symmetric(const SymmetricOptions& o) {
  if (!(o.current > 0) || !(o.capacity > 0) || !(o.hours > 0)) {
    throw std::invalid_argument(fmt::format(
        "--current {:g} mA/cm2, --capacity {:g} mAh/cm2, --hours {:g}: expected all three above zero",
        o.current / 10.0, o.capacity / 36000.0, o.hours));
  }
  const ParamSet p = ParamSet::load(o.file, o.overrides);
  const CellParams cell = build_cell_params(p);
  if (cell.stack.left != Electrode::li_metal || cell.stack.right != Electrode::li_metal) {
    throw std::invalid_argument(
        "cascade symmetric needs a Li|Li cell: cell.stack: [li_metal, sei, qsse, sei, li_metal]");
  }
  const double half = o.capacity / o.current;  // s
  const long cycles = std::max(1L, std::lround(o.hours * 3600.0 / (2.0 * half)));
  std::vector<std::string> overrides = o.overrides;
  overrides.push_back(fmt::format(
      "experiment=[{{repeat: {}, steps: ['Discharge at {:.9g} A/m2 for {:.9g} s', 'Charge at {:.9g} A/m2 for {:.9g} s']}}]",
      cycles, o.current, half, o.current, half));
  // hundreds of hours at every step would be tens of MB: a row every 5 minutes (and each step's
  // ends) unless the case says otherwise
  if (!p.given("output.timeseries")) overrides.push_back("output.timeseries=every 5 minutes");
  return run_case(o.file, o.out_dir, overrides, o.quiet);
}

}  // namespace cascade::cli
