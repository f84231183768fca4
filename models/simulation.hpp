#pragma once
// Runs a protocol (a list of steps) on a cell with the IDA integrator, reporting every accepted
// step. Each step hands its final state to the next one; a step that cannot start because the
// cell is already past its limit is skipped with a note, as a cycler would.
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/cell.hpp"
#include "params/build_cell.hpp"
#include "params/protocol.hpp"
#include "solver/integrator.hpp"

namespace cascade {

struct Row {
  double t = 0;        // s since the experiment started
  int step = 0;        // 1-based protocol step
  int cycle = 0;       // the step's cycle (0 outside cycles and in activation cycles)
  double temperature = 0;  // K
  CellOutputs out;         // filled only when has_outputs (see Simulation::set_row_filter)
  bool has_outputs = true;
};

struct StepResult {
  std::string text;
  double t_start = 0, t_end = 0;   // s
  double charge = 0;               // C/m2 passed during the step (discharge > 0)
  double energy = 0;               // J/m2 delivered during the step (discharge > 0)
  int cycle = 0, activation_cycle = 0;
  std::string block;
  double end_voltage = 0;          // V
  std::string end_reason;          // "2.5 V reached", "time", "skipped: ..."
  bool skipped = false;
  bool foil_depleted = false;      // the cell cannot go on: the experiment stops
  bool interrupted = false;        // stopped by set_interrupt's flag
};

// One charge + discharge cycle, summed over its steps.
struct CycleResult {
  int cycle = 0;             // numbered cycle, 0 for an activation cycle
  int activation_cycle = 0;  // numbered activation cycle, 0 otherwise
  std::string block;         // label of its repeat block (e.g. "2C" in a rate test)
  double discharge_charge = 0, charge_charge = 0;  // C/m2, both positive
  double discharge_energy = 0;                     // J/m2
  double retention = 0;      // discharge over the first numbered cycle's discharge
  // slow states at the end of the cycle
  double sei_thickness = 0, cei_thickness = 0;  // m (CEI: average over the cathode)
  double li_inventory = 0;                      // C/m2 of Li left in the foil
  double dead_li = 0;                           // C/m2 of Li stranded as dead Li
  double active_fraction = 1;     // active material during the cycle / initial (eq. D4)
  double transport_factor = 1;    // electrolyte kappa and D during the cycle / fresh (eq. D5)
  double solvent_fraction = 1;    // solvent left / initial, at the end of the cycle
  // Where the capacity lost since the first numbered cycle went (C/m2, numbered cycles only):
  // active material gone, Li the foil could no longer supply, and the rest, which the cell
  // still holds but cannot deliver at this rate (kinetic and transport, "apparent" loss).
  double loss_active = 0, loss_inventory = 0, loss_kinetic = 0;
  int cycles_skipped_after = 0;   // fast-forward: cycles extrapolated after this one
};

struct RunResult {
  std::vector<StepResult> steps;
  std::vector<CycleResult> cycles;
  std::string stop_reason;  // empty when the experiment ran to its end
  solver::IntegratorStats stats;
  // steps whose rest ran with the algebraic unknowns back in the error test (see run_step)
  int error_test_fallbacks = 0;
  // steps whose consistent start was found by walking the current from the step before's
  int continued_starts = 0;
  double wall_seconds = 0;
};

class Simulation {
 public:
  Simulation(CellParams cell, SolverSettings settings);
  Cell& cell() { return cell_; }
  const std::vector<double>& state() const { return y_; }
  const std::vector<double>& state_derivative() const { return yp_; }
  double time() const { return t_; }

  // A flag another thread or a signal handler may raise: the run then stops after the current
  // integrator step, ends that step with reason "interrupted" and returns what finished.
  void set_interrupt(const std::atomic<bool>* flag) { interrupt_ = flag; }
  // Which rows need their outputs (the voltage breakdown and the rest of CellOutputs, about a
  // residual evaluation's work): a row for which wants(step, cycle) is false still reaches the
  // row callback (for progress), with has_outputs false and `out` left empty. Unset: every row.
  void set_row_filter(std::function<bool(int step, int cycle)> wants) { row_filter_ = std::move(wants); }

  // The current density a step asks for (A/m2 or W/m2, discharge > 0).
  double amount_si(const Amount& a) const;
  RunResult run(const std::vector<Step>& steps, const std::function<void(const Row&)>& on_row,
                const StopWhen& stop = {}, const std::function<void(const CycleResult&)>& on_cycle = {});
  // mol/m2 of Li that left with lost active material (eq. D4), for the Li balance
  double lost_active_lithium() const { return lam_lithium_; }
  // Runs one step from the present state (used by run()).
  StepResult run_step(const Step& step, int index, const std::function<void(const Row&)>& on_row);

 private:
  Cell cell_;
  SolverSettings settings_;
  solver::Integrator integrator_;
  std::vector<double> y_, yp_;
  double t_ = 0;
  std::function<bool(int, int)> row_filter_;
  const std::atomic<bool>* interrupt_ = nullptr;
  double lam_lithium_ = 0;
  int error_test_fallbacks_ = 0;
  int continued_starts_ = 0;
  std::vector<double> y_before_, yp_before_;  // the state a step starts from, before its first guess
  void take_integrator_state();  // y_, yp_ from the integrator
  std::optional<std::string> walk_to_start(const Control& c, double t_end, double first);
  // The slow, cycle-level changes at the end of a cycle (eqs. D4, D5).
  void end_of_cycle_updates(const CycleResult& c, const std::vector<double>& y_start, double& solvent_used);
  // Fast-forward: how many of the coming cycles may be skipped, the step index after them, and
  // the extrapolation of the slow states across them.
  int skippable_cycles(const std::vector<Step>& steps, std::size_t k, const StopWhen& stop) const;
  std::size_t skip_cycles(const std::vector<Step>& steps, std::size_t k, int jump) const;
  void apply_jump(int jump, const std::vector<int>& slow_index, double& solvent_used);
  bool ff_ready_ = false;
  std::vector<double> ff_delta_;
  double ff_am_ratio_ = 1, ff_solvent_ = 0, ff_lam_ = 0, ff_duration_ = 0;
};

solver::IntegratorOptions integrator_options(const Cell& cell, const SolverSettings& s);

}  // namespace cascade
