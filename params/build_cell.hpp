#pragma once
// From a loaded parameter set to the typed structs the models and the solver read.
#include <string>

#include "models/parameters.hpp"
#include "params/param_set.hpp"

namespace cascade {

// Every key the P2D cell needs must be present; all missing keys are reported together.
CellParams build_cell_params(const ParamSet& params);

struct SolverSettings {
  double rtol = 1e-6, atol = 1e-6, max_step = 0;
  int max_order = 5;  // IDA's highest BDF order, 1..5
  std::string linear_solver = "band";
  std::string timeseries = "every step";
  // Which algebraic unknowns IDA's local error test covers: "all", "terminal" (the terminal
  // voltage and current) or "none" (solver/integrator.hpp, AlgebraicErrorTest).
  std::string algebraic_error_test = "all";
  // Give up a Newton iteration on a stale Jacobian as soon as its contraction shows it cannot
  // converge (solver/integrator.hpp, IntegratorOptions::early_newton_restart); not a YAML key, a
  // switch for the tests that compare it with IDA's plain iteration.
  bool early_newton_restart = true;
  // Fast-forward over cycles (docs/model.md, "Fast-forward"): extrapolate the slow states across
  // up to max_jump cycles, keeping the predicted capacity change per jump under `tolerance` of the
  // first cycle's capacity.
  bool fast_forward = false;
  double ff_tolerance = 0.002;
  int ff_max_jump = 100;
};
SolverSettings build_solver_settings(const ParamSet& params);

// Case name: the `name` key, else the file's stem.
std::string case_name(const ParamSet& params);

}  // namespace cascade
