#pragma once
// IDA (SUNDIALS) driving a DaeSystem. This header keeps SUNDIALS out of its includers: all of it
// lives in integrator.cpp behind a pointer.
#include <memory>
#include <vector>

#include "solver/dae.hpp"
#include "solver/solver_error.hpp"

namespace cascade::solver {

// band: cascade's BandLU (solver/band_lu.hpp) behind IDA's direct linear solver interface;
// sundials_band: SUNDIALS' own band matrix and solver, kept for comparison; klu: sparse LU.
enum class LinearSolver { band, sundials_band, klu };

// Which algebraic components IDA's local error test (and its choice of step and order) covers.
// They follow from the differential ones, whose errors the test always controls; leaving some out
// lets IDA take the steps the differential states need. IDA's Newton convergence test covers
// every component whatever the choice.
enum class AlgebraicErrorTest {
  all,       // every component (IDA's default)
  selected,  // the differential ones and DaeSystem::error_tested_algebraic(): e.g. a cell's
             // terminal voltage and current, which its stop conditions read between steps
  none,      // the differential ones only (IDASetSuppressAlg)
};

struct IntegratorOptions {
  double rtol = 1e-6;
  double atol = 1e-8;
  std::vector<double> atol_vector;  // per-component absolute tolerances, used if non-empty
  LinearSolver linear_solver = LinearSolver::band;
  double max_step = 0;                // 0 = unlimited
  long max_num_steps = 100000;        // per advance() call
  double initial_step = 0;            // 0 = IDA's choice
  int max_order = 5;                  // 1..5
  // Which algebraic components take part in IDA's local error test (AlgebraicErrorTest).
  AlgebraicErrorTest algebraic_error_test = AlgebraicErrorTest::all;
  // IDA's Newton iteration (at most 4 corrections a step) runs on the Jacobian of an earlier step
  // until it fails; then SUNDIALS' Newton solver refreshes the Jacobian and starts over. With this
  // set, an iteration on an old Jacobian is given up after its second correction when the
  // contraction of the first two predicts it cannot pass IDA's convergence test within the
  // corrections left, so the refresh comes up to two corrections sooner. Only IDA's own test ever
  // accepts an iterate (the steps taken differ, within the integration error). About 7 % fewer
  // residual evaluations and 4 % less time on the long cycling cases, whose Jacobians age fast
  // near the ends of charge and discharge; no change on the 1C discharge. Each early restart also
  // counts in nonlinear_conv_fails, as SUNDIALS' Newton counts its retries.)
  bool early_newton_restart = true;
  // For testing: IDA's own error weights for atol_vector instead of the one-pass equivalent used
  // when every entry is positive (the same numbers; the tests check it).
  bool ida_error_weights = false;
  bool use_analytic_jacobian = true;  // false: IDA's difference quotients (band solvers only),
                                      // for testing
  // For testing: LinearSolver::band rounds exactly as SUNDIALS' band solver does (same solutions
  // bit for bit, ~1.5x slower solves; see BandLU::Rounding).
  bool band_sundials_rounding = false;
};

// Counts since the Integrator was built (they survive reset()); last_* describe the latest step.
struct IntegratorStats {
  long steps = 0;
  long residual_evals = 0;  // every call of DaeSystem::residual, including calc_ic and DQ Jacobians
  long jacobian_evals = 0;  // analytic: calls of DaeSystem::jacobian; DQ: IDA's Jacobian setups
  long linear_setups = 0;
  long nonlinear_iters = 0;
  long nonlinear_conv_fails = 0;
  long early_newton_restarts = 0;  // iterations given up early (IntegratorOptions::early_newton_restart)
  long error_test_fails = 0;
  long roots_found = 0;  // advance() calls that returned root_found
  double last_step = 0;
  int last_order = 0;
};

enum class StepStatus {
  reached_tout,  // stopped without a root: at tout, or (one-step mode, or at a stop time) before it
  root_found,
};

struct StepOutcome {
  StepStatus status = StepStatus::reached_tout;
  double t = 0;
  std::vector<int> roots_fired;      // indices k of the event functions with a root at t
  std::vector<int> root_directions;  // per fired root: +1 if g_k was increasing, -1 if decreasing
};

class Integrator {
 public:
  // Builds the SUNDIALS context, vectors, matrix, linear solver and IDA memory. sys must outlive
  // the Integrator. Throws SolverError on bad options or an inconsistent sparsity pattern.
  Integrator(DaeSystem& sys, IntegratorOptions opts);
  ~Integrator();
  Integrator(const Integrator&) = delete;
  Integrator& operator=(const Integrator&) = delete;
  Integrator(Integrator&&) noexcept;
  Integrator& operator=(Integrator&&) noexcept;

  // (Re)starts at t0 from (y, yp), each of sys.size() values. Use after a change of control mode
  // or a discontinuity. Re-queries differential_ids() and num_roots().
  void reset(double t0, const double* y, const double* yp);

  // Makes the state consistent: algebraic y and all y' from the differential y (IDA_YA_YDP_INIT).
  // tout1 (!= t0) is the first output time, used by IDA to scale the correction. The corrected
  // values are then available through y() and yp().
  void calc_ic(double tout1);

  // Integrates towards tout. Normal mode returns the state interpolated at tout; one-step mode
  // returns after each internal step (t <= tout, never stepping past tout). Stops at roots.
  StepOutcome advance(double tout, bool one_step = false);

  // State after the last reset/calc_ic/advance; pointers stay valid for the Integrator's lifetime.
  double t() const;
  const double* y() const;
  const double* yp() const;

  IntegratorStats stats() const;

  void set_max_step(double max_step);  // 0 = unlimited
  // Which algebraic unknowns IDA's local error test covers (from the next step on).
  void set_algebraic_error_test(AlgebraicErrorTest test);
  AlgebraicErrorTest algebraic_error_test() const;
  // IDA never steps past t_stop (useful before a known discontinuity) until clear_stop_time().
  void set_stop_time(double t_stop);
  void clear_stop_time();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cascade::solver
