#pragma once
// Test support: load a case file, run it in-process, keep every row.
#include <string>
#include <vector>

#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"

namespace cascade::testing {

inline std::string repo_path(const std::string& rel) { return std::string(CASCADE_SOURCE_DIR) + "/" + rel; }

struct LoadedCase {
  ParamSet params;
  CellParams cell;
  SolverSettings settings;
  std::vector<Step> steps;
};

inline LoadedCase load_case(const std::string& rel, const std::vector<std::string>& overrides = {}) {
  ParamSet p = ParamSet::load(repo_path(rel), overrides);
  LoadedCase c{p, build_cell_params(p), build_solver_settings(p), {}};
  if (p.has("experiment") || p.has("rate_test.rates")) c.steps = case_protocol(p);
  return c;
}

struct Trace {
  std::vector<Row> rows;
  RunResult result;
};

inline Trace run_case(const LoadedCase& c, const std::vector<Step>& steps) {
  Simulation sim(c.cell, c.settings);
  Trace tr;
  tr.result = sim.run(steps, [&](const Row& r) { tr.rows.push_back(r); });
  return tr;
}

inline Step step(const std::string& text) { return parse_step(text, Source{"test", 0, 0}); }

}  // namespace cascade::testing
