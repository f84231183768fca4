#pragma once
// The value of a named output (params/quantity.hpp) for one run of a case.
#include "models/simulation.hpp"
#include "params/quantity.hpp"

namespace cascade::cli {

// In the quantity's unit (mAh/g, %, Wh/kg, V, ohm); NaN when the run never reached it (e.g. a
// cycle after the run stopped). `res` is not read for quantities that need no run.
double quantity_value(const QuantitySpec& q, const CellParams& cell, const RunResult& res);

// What a run leaves for its caller besides its files.
struct RunOutcome {
  CellParams cell;
  RunResult result;
};

}  // namespace cascade::cli
