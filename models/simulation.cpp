#include "models/simulation.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace cascade {

namespace {
solver::AlgebraicErrorTest algebraic_error_test(const SolverSettings& s) {
  if (s.algebraic_error_test == "all") return solver::AlgebraicErrorTest::all;
  if (s.algebraic_error_test == "terminal") return solver::AlgebraicErrorTest::selected;
  if (s.algebraic_error_test == "none") return solver::AlgebraicErrorTest::none;
  throw std::invalid_argument(fmt::format("solver.algebraic_error_test is '{}'; expected all, terminal or none",
                                          s.algebraic_error_test));
}
}  // namespace

solver::IntegratorOptions integrator_options(const Cell& cell, const SolverSettings& s) {
  solver::IntegratorOptions o;
  o.rtol = s.rtol;
  o.atol = s.atol;
  o.atol_vector = cell.typical_scale();
  for (double& a : o.atol_vector) a *= s.atol;
  o.linear_solver = s.linear_solver == "klu"            ? solver::LinearSolver::klu
                    : s.linear_solver == "sundials_band" ? solver::LinearSolver::sundials_band
                                                         : solver::LinearSolver::band;
  o.max_step = s.max_step;
  o.max_order = s.max_order;
  o.max_num_steps = 500000;
  o.algebraic_error_test = algebraic_error_test(s);
  o.early_newton_restart = s.early_newton_restart;
  return o;
}

Simulation::Simulation(CellParams cell, SolverSettings settings)
    : cell_(std::move(cell)),
      settings_(std::move(settings)),
      integrator_(cell_, integrator_options(cell_, settings_)) {
  cell_.initial_state(y_, yp_);
}

double Simulation::amount_si(const Amount& a) const {
  switch (a.kind) {
    case Amount::Kind::c_rate: return a.value * cell_.params().one_c_current_density();
    case Amount::Kind::density: return a.value;
    case Amount::Kind::absolute: return a.value / cell_.params().area;
  }
  return 0;
}

// How close a particle surface may come to empty or full before a step ends there (as a share of
// c_max). 1e-3, not less: with the potentials out of the error test (the long-cycling cases), a step
// that ends closer to an emptying surface can fail in IDA's corrector, whose iterates then step
// past c_s = 0; LFP charges then end at 3.84 V of OCP instead of 3.90 V.
constexpr double kSurfaceMargin = 1e-3;
// The salt level, as a share of the initial, at which a step ends for want of salt.
constexpr double kSaltFloor = 1e-3;

void Simulation::take_integrator_state() {
  std::copy(integrator_.y(), integrator_.y() + cell_.size(), y_.begin());
  std::copy(integrator_.yp(), integrator_.yp() + cell_.size(), yp_.begin());
}

// IDACalcIC failed from the first guess for current control c: from a state where a particle
// surface is nearly empty or full (the end of a thick electrode's charge), the jump to the new
// current can send its Newton iterates past c_s = 0 or c_max. Walk the current there instead, from
// the step before's own (y_before_), each stage's start consistent with the last and the
// differential states as they are; a stage that fails is halved, down to 1/1024 of the way.
// Returns nothing with y_, yp_ consistent under c. A walk that gets part of the way and no
// further, with a particle surface then near the end of its range in the direction the current
// pushes it or the salt nearly gone, has met the cell's limit: no consistent state exists at the
// new current, and the reason to skip the step (as a cycler's would end at its first reading) is
// returned. Stuck anywhere else, the failure is thrown.
std::optional<std::string> Simulation::walk_to_start(const Control& c, double t_end, double first) {
  const double I0 = y_before_[cell_.i_current()];
  y_ = y_before_;
  yp_ = yp_before_;
  double done = 0.0, stride = 0.125;
  while (done < 1.0) {
    const double next = std::min(1.0, done + stride);
    cell_.set_control(next == 1.0 ? c : Control{Control::Mode::current, I0 + (c.value - I0) * next});
    integrator_.reset(t_, y_.data(), yp_.data());
    integrator_.set_stop_time(t_end);
    try {
      integrator_.calc_ic(first);
    } catch (const solver::SolverError&) {
      if (next - done >= 1.0 / 1024) {
        stride = (next - done) / 2;
        continue;
      }
      if (done == 0.0) throw;
      // the electrolyte's limit: salt nearly gone somewhere, or at the foil's surface
      const CellOutputs o = cell_.outputs(y_.data());
      const bool salt = std::min(o.c_e_min, o.c_e_foil) < 0.05 * cell_.params().electrolyte.c0;
      bool surface = false;
      if (cell_.full_cell()) {  // the particles' limit
        const auto [lo, hi] = cell_.surface_stoichiometry_range(y_.data());
        const auto& k = cell_.params().cathode;
        const bool filling = c.value > I0;  // towards discharge: the particles take lithium
        surface = filling ? hi > std::min(k.ocp_sto_max, 1.0) - 0.05 : lo < std::max(k.ocp_sto_min, 0.0) + 0.05;
      }
      if (!salt && !surface) throw;
      return fmt::format(
          "skipped: from its present state the cell cannot take this step's {:.4g} A/m2 (a consistent "
          "start exists only up to about {:.4g} A/m2: {} at once)",
          c.value, I0 + (c.value - I0) * done,
          surface && salt ? "a particle surface would fill or empty, and the salt run out,"
          : surface       ? "a particle surface would fill or empty"
                          : "the salt would run out at an electrode or in the electrolyte");
    }
    take_integrator_state();
    done = next;
    stride = std::min(0.25, 2 * stride);
  }
  ++continued_starts_;
  return std::nullopt;
}

StepResult Simulation::run_step(const Step& step, int index,
                                const std::function<void(const Row&)>& on_row) {
  StepResult res;
  res.text = step.text;
  res.t_start = t_;
  const double T = step.temperature.value_or(cell_.params().temperature);
  cell_.set_temperature(T);

  // Control and the events that end the step.
  Control c;
  std::vector<Event> events;
  switch (step.mode) {
    case Step::Mode::current:
      c = {Control::Mode::current, step.direction * amount_si(step.amount)};
      break;
    case Step::Mode::power:
      c = {Control::Mode::power, step.direction * amount_si(step.amount)};
      break;
    case Step::Mode::voltage: c = {Control::Mode::voltage, step.voltage}; break;
    case Step::Mode::rest: c = {Control::Mode::rest, 0.0}; break;
  }
  if (step.until_voltage) {
    events.push_back({step.direction >= 0 ? Event::Kind::voltage_below : Event::Kind::voltage_above,
                      *step.until_voltage});
  }
  if (step.until_current) {
    events.push_back({Event::Kind::current_below, amount_si(*step.until_current)});
  }
  if (step.until_capacity) {
    const auto& cap = *step.until_capacity;
    const double per_area = cap.kind == Capacity::Kind::areal      ? cap.value
                            : cap.kind == Capacity::Kind::absolute ? cap.value / cell_.params().area
                                                                   : cap.value * cell_.params().active_mass();
    events.push_back({Event::Kind::charge_passed, per_area, y_[cell_.i_charge()]});
  }
  events.push_back({Event::Kind::foil_depleted, 0.0});
  // Above the electrolyte's limiting current the salt runs out somewhere and the voltage would
  // collapse: the step ends there, as a cycler's cut-off would end it.
  events.push_back({Event::Kind::salt_depleted, kSaltFloor * cell_.params().electrolyte.c0});
  // Past the ends of its OCP's valid range the model knows nothing of the cathode, and a particle
  // surface cannot empty or fill completely: a step that drives a surface there ends, as at a
  // cut-off (a hold charges when it sits above the present voltage).
  if (cell_.full_cell()) {
    const auto& k = cell_.params().cathode;
    int dir = step.direction;
    if (step.mode == Step::Mode::voltage) dir = step.voltage > y_[cell_.i_voltage()] ? -1 : 1;
    if (dir > 0) events.push_back({Event::Kind::stoichiometry_above, std::min(k.ocp_sto_max, 1.0 - kSurfaceMargin)});
    if (dir < 0) events.push_back({Event::Kind::stoichiometry_below, std::max(k.ocp_sto_min, kSurfaceMargin)});
  }
  const Control previous_control = cell_.control();
  cell_.set_control(c);
  cell_.set_events(events);

  // A first guess for the algebraic variables under the new control, then IDACalcIC.
  const bool current_control = c.mode == Control::Mode::current || c.mode == Control::Mode::rest;
  y_before_ = y_;  // consistent with the step before (the buffers keep their storage)
  yp_before_ = yp_;
  if (current_control) cell_.guess_algebraic(y_, c.value);
  const double t_end = step.duration ? t_ + *step.duration : t_ + 1e9;
  integrator_.set_algebraic_error_test(algebraic_error_test(settings_));  // a fallback ends here
  integrator_.reset(t_, y_.data(), yp_.data());
  integrator_.set_stop_time(t_end);
  const double first = std::min(t_end, t_ + 1e-3);
  try {
    integrator_.calc_ic(first);
    take_integrator_state();
  } catch (const solver::SolverError&) {
    if (!current_control) throw;
    if (const auto limit = walk_to_start(c, t_end, first)) {
      // The cell stays as the step before left it.
      y_ = y_before_;
      yp_ = yp_before_;
      cell_.set_control(previous_control);
      integrator_.reset(t_, y_.data(), yp_.data());
      res.skipped = true;
      res.end_reason = *limit;
      res.t_end = t_;
      res.end_voltage = y_[cell_.i_voltage()];
      return res;
    }
  }

  // Already past a limit? Skip, as a cycler would. Salt still short from the step before is not
  // a reason to skip (a reversed current replenishes it), only a reason not to watch for it.
  std::vector<double> g(events.size());
  cell_.roots(t_, y_.data(), yp_.data(), g.data());
  for (std::size_t k = 0; k < g.size(); ++k) {
    if (events[k].kind == Event::Kind::salt_depleted && g[k] <= 0.0) {
      events.erase(events.begin() + static_cast<long>(k));
      cell_.set_events(events);
      g.resize(events.size());
      cell_.roots(t_, y_.data(), yp_.data(), g.data());
      break;
    }
  }
  for (std::size_t k = 0; k < g.size(); ++k) {
    if (g[k] <= 0.0) {
      res.skipped = true;
      // Li plated on copper running out ends a step (a Li|Cu cell's stripping); a Li foil running
      // out ends the cell
      const bool copper = events[k].kind == Event::Kind::foil_depleted &&
                          cell_.thinnest_foil(y_.data()).kind == Electrode::copper;
      res.foil_depleted = events[k].kind == Event::Kind::foil_depleted && !copper;
      res.end_reason = fmt::format("skipped: the cell is already past this step's limit ({})",
                                   copper ? "no Li left on the copper electrode"
                                   : events[k].kind == Event::Kind::foil_depleted
                                       ? "the Li foil is used up"
                                   : events[k].kind == Event::Kind::salt_depleted
                                       ? "the electrolyte is out of salt"
                                   : events[k].kind == Event::Kind::stoichiometry_above ||
                                           events[k].kind == Event::Kind::stoichiometry_below
                                       ? "the cathode is at the end of its OCP's valid range"
                                       : fmt::format("{:.4f} V, {:.4g} A/m2",
                                                     y_[cell_.i_voltage()], y_[cell_.i_current()]));
      res.t_end = t_;
      res.end_voltage = y_[cell_.i_voltage()];
      return res;
    }
  }

  const double q0 = y_[cell_.i_charge()];
  const double e0 = y_[cell_.i_energy()];
  res.cycle = step.cycle;
  res.activation_cycle = step.activation_cycle;
  res.block = step.block;
  const auto emit = [&] {
    if (!on_row) return;
    Row row{t_, index, step.cycle, T, {}, !row_filter_ || row_filter_(index, step.cycle)};
    if (row.has_outputs) row.out = cell_.outputs(y_.data());
    on_row(row);
  };
  emit();
  int tiny_steps = 0;
  for (;;) {
    solver::StepOutcome outcome;
    try {
      outcome = integrator_.advance(t_end, true);
    } catch (const solver::SolverError&) {
      // With the potentials and currents out of the error test, IDA's corrector can fail where
      // the reaction shifts fast between particles (its steps are then long for the algebraic
      // unknowns); the rest of this step runs again from its last accepted state with them in
      // the test. With every unknown in the test, or already retried, the failure stands.
      if (integrator_.algebraic_error_test() == solver::AlgebraicErrorTest::all) throw;
      integrator_.set_algebraic_error_test(solver::AlgebraicErrorTest::all);
      integrator_.reset(t_, y_.data(), yp_.data());
      integrator_.set_stop_time(t_end);
      integrator_.calc_ic(std::min(t_end, t_ + 1e-3));
      ++error_test_fallbacks_;
      continue;
    }
    t_ = outcome.t;
    // IDA creeping along with ever smaller steps means the cell cannot follow the control (e.g. a
    // current above the electrolyte's limiting current): stop with the state, not a hang.
    const double h = integrator_.stats().last_step;
    tiny_steps = h < 1e-9 * std::max(1.0, t_ - res.t_start) ? tiny_steps + 1 : 0;
    if (tiny_steps > 50) {
      const CellOutputs o = cell_.outputs(integrator_.y());
      throw solver::SolverError(fmt::format(
          "step {} '{}' stalled at t = {:.6g} s (time step {:.3g} s): the cell cannot follow this "
          "control. State: V = {:.4f} V, I = {:.4g} A/m2, salt {:.4g}..{:.4g} mol/m3 ({:.4g} at the "
          "foil), particle surface stoichiometry {:.4f} on average, {:.6f} at most. Salt near zero "
          "means the current exceeds the electrolyte's limiting current; a surface stoichiometry "
          "near 1 (or 0) means the particles cannot take (or give) lithium this fast.",
          index, step.text, t_, h, o.voltage, o.current, o.c_e_min, o.c_e_max, o.c_e_foil,
          o.sto_surf_avg, o.sto_surf_max));
    }
    take_integrator_state();
    emit();
    if (outcome.status == solver::StepStatus::root_found) {
      const auto& ev = events[outcome.roots_fired.front()];
      switch (ev.kind) {
        case Event::Kind::voltage_below:
        case Event::Kind::voltage_above: res.end_reason = fmt::format("{:g} V reached", ev.value); break;
        case Event::Kind::current_below:
          res.end_reason = fmt::format("current fell to {:.4g} A/m2", ev.value);
          break;
        case Event::Kind::foil_depleted:
          if (cell_.thinnest_foil(y_.data()).kind == Electrode::copper) {
            res.end_reason = "the Li plated on the copper electrode is stripped";
          } else {
            res.end_reason = "the Li foil is used up";
            res.foil_depleted = true;
          }
          break;
        case Event::Kind::charge_passed:
          res.end_reason = fmt::format("{:.6g} mAh/cm2 passed", ev.value / 36000.0);
          break;
        case Event::Kind::salt_depleted:
          res.end_reason = fmt::format(
              "the electrolyte ran out of salt ({:.3g} mol/m3 somewhere): the current is above its "
              "limiting current",
              ev.value);
          break;
        case Event::Kind::stoichiometry_above:
        case Event::Kind::stoichiometry_below: {
          const bool edge = ev.value == kSurfaceMargin || ev.value == 1.0 - kSurfaceMargin;
          res.end_reason =
              edge ? fmt::format("the cathode particles' surface is {} (stoichiometry {:.6g})",
                                 ev.kind == Event::Kind::stoichiometry_above ? "full" : "empty", ev.value)
                   : fmt::format("cathode surface stoichiometry reached {:.6g}, the end of the range "
                                 "where its OCP is valid (cathode.ocp domain)",
                                 ev.value);
          break;
        }
      }
      break;
    }
    if (t_ >= t_end) {
      res.end_reason = "time";
      break;
    }
    if (interrupt_ && interrupt_->load(std::memory_order_relaxed)) {
      res.end_reason = "interrupted";
      res.interrupted = true;
      break;
    }
  }
  res.t_end = t_;
  res.charge = y_[cell_.i_charge()] - q0;
  res.energy = y_[cell_.i_energy()] - e0;
  res.end_voltage = y_[cell_.i_voltage()];
  return res;
}

void Simulation::end_of_cycle_updates(const CycleResult& c, const std::vector<double>& y_start,
                                      double& solvent_used) {
  const CellParams& p = cell_.params();
  constexpr double R = 8.314462618;
  const double T = cell_.temperature();
  // D4: active material lost in proportion to the cycle's stoichiometry swing
  if (p.active_loss.enabled) {
    const auto& a = p.active_loss;
    const double capacity = faraday * p.cathode.c_max * p.cathode.active_fraction *
                            cell_.active_material_fraction() * p.cathode.thickness;  // C/m2, sto 0..1
    const double swing = c.discharge_charge / capacity;
    const double k = a.rate * std::exp(-a.activation_energy / R * (1.0 / T - 1.0 / a.T_ref));
    const double keep = std::exp(-k * swing);
    lam_lithium_ += (1.0 - keep) * cell_.particle_lithium(y_.data());
    cell_.set_active_material_fraction(cell_.active_material_fraction() * keep);
  }
  // D5: the films grown this cycle used solvent; the electrolyte conducts less
  if (p.solvent.enabled) {
    solvent_used += cell_.solvent_consumed(y_start.data(), y_.data());
    const double w = std::max(1.0 - solvent_used / p.solvent.initial_amount, 1e-3);
    cell_.set_transport_factor(std::pow(w, p.solvent.exponent));
  }
}

int Simulation::skippable_cycles(const std::vector<Step>& steps, std::size_t k, const StopWhen& stop) const {
  // Cycles from step k on that repeat the cycle just finished (same sentences, same block),
  // leaving the last of them, and the stop cycle, to be simulated in full.
  if (k == 0 || k >= steps.size()) return 0;
  std::size_t b = k;  // the finished cycle's first step
  while (b > 0 && steps[b - 1].cycle == steps[k - 1].cycle && steps[b - 1].activation_cycle == 0) --b;
  const std::size_t len = k - b;
  int n = 0;
  std::size_t at = k;
  for (;;) {
    if (at + len > steps.size()) break;
    bool same = true;
    for (std::size_t i = 0; i < len && same; ++i) {
      const Step& x = steps[at + i];
      same = x.text == steps[b + i].text && x.block == steps[b + i].block && x.activation_cycle == 0 &&
             x.cycle == steps[at].cycle && x.cycle > 0;
    }
    if (!same || (at + len < steps.size() && steps[at + len].cycle == steps[at].cycle)) break;
    ++n;
    at += len;
  }
  int jump = n - 1;  // keep one to simulate
  if (stop.cycles > 0 && k < steps.size()) jump = std::min(jump, static_cast<int>(stop.cycles) - steps[k].cycle);
  return std::max(jump, 0);
}

std::size_t Simulation::skip_cycles(const std::vector<Step>& steps, std::size_t k, int jump) const {
  const int target = steps[k].cycle + jump;
  while (k < steps.size() && steps[k].cycle < target) ++k;
  return k;
}

void Simulation::apply_jump(int jump, const std::vector<int>& slow_index, double& solvent_used) {
  for (std::size_t i = 0; i < slow_index.size(); ++i) {
    y_[slow_index[i]] = std::max(0.0, y_[slow_index[i]] + jump * ff_delta_[i]);
  }
  std::fill(yp_.begin(), yp_.end(), 0.0);
  if (ff_am_ratio_ != 1.0) {
    const double am = cell_.active_material_fraction();
    const double am_new = am * std::pow(ff_am_ratio_, jump);
    // the Li that leaves with the skipped cycles' lost particles
    lam_lithium_ += (1.0 - am_new / am) * cell_.particle_lithium(y_.data());
    cell_.set_active_material_fraction(am_new);
  }
  const auto& sv = cell_.params().solvent;
  if (sv.enabled) {
    solvent_used += jump * ff_solvent_;
    const double w = std::max(1.0 - solvent_used / sv.initial_amount, 1e-3);
    cell_.set_transport_factor(std::pow(w, sv.exponent));
  }
  t_ += jump * ff_duration_;
}

RunResult Simulation::run(const std::vector<Step>& steps, const std::function<void(const Row&)>& on_row,
                          const StopWhen& stop, const std::function<void(const CycleResult&)>& on_cycle) {
  const auto start = std::chrono::steady_clock::now();
  RunResult result;
  error_test_fallbacks_ = continued_starts_ = 0;  // counted per run
  CycleResult open;  // the cycle being summed
  bool is_open = false;
  double first_discharge = 0, first_active = 1;
  std::vector<double> y_cycle_start = y_;  // for the solvent the films consumed in a cycle
  double solvent_used = 0;                 // mol/m2 since the start
  // Fast-forward bookkeeping: the slow states at the start of the open cycle, the last fully
  // simulated numbered cycle, and the capacity slope between full cycles.
  struct Slow {
    std::vector<double> y;  // the slow entries of the state vector
    double am = 1, solvent = 0, lam = 0, t = 0;
  };
  const std::vector<int> slow_index = cell_.slow_indices();
  const auto snapshot = [&]() {
    Slow sl;
    for (int i : slow_index) sl.y.push_back(y_[i]);
    sl.am = cell_.active_material_fraction();
    sl.solvent = solvent_used;
    sl.lam = lam_lithium_;
    sl.t = t_;
    return sl;
  };
  Slow cycle_start = snapshot();
  int last_full = 0, last_jump = 0;
  double last_q = 0, last_slope = 0;
  // Closes the open cycle; true when a stop condition ends the experiment.
  const auto close = [&]() {
    if (!is_open) return false;
    is_open = false;
    open.active_fraction = cell_.active_material_fraction();
    open.transport_factor = cell_.transport_factor();
    if (open.cycle > 0 && first_discharge == 0) {
      first_discharge = open.discharge_charge;
      first_active = open.active_fraction;
    }
    open.retention = first_discharge > 0 && open.cycle > 0 ? open.discharge_charge / first_discharge : 0;
    const CellOutputs o = cell_.outputs(y_.data());
    open.sei_thickness = o.sei_thickness;
    open.cei_thickness = o.cei_thickness;
    open.li_inventory = cell_.foil_lithium(y_.data()) * faraday;
    open.dead_li = cell_.dead_lithium(y_.data()) * faraday;
    if (open.cycle > 0 && first_discharge > 0) {
      const double lost = first_discharge - open.discharge_charge;
      const double holdable = first_discharge * open.active_fraction / first_active;
      open.loss_active = first_discharge - holdable;
      open.loss_inventory = std::max(0.0, holdable - open.li_inventory);
      open.loss_kinetic = lost - open.loss_active - open.loss_inventory;
    }
    end_of_cycle_updates(open, y_cycle_start, solvent_used);
    open.solvent_fraction = 1.0 - solvent_used / std::max(cell_.params().solvent.initial_amount, 1e-300);
    if (!cell_.params().solvent.enabled) open.solvent_fraction = 1.0;
    y_cycle_start = y_;
    // Fast-forward: the slow states' change over this fully simulated cycle.
    if (settings_.fast_forward && open.cycle > 0) {
      const Slow now = snapshot();
      ff_delta_.assign(slow_index.size(), 0.0);
      for (std::size_t i = 0; i < slow_index.size(); ++i) ff_delta_[i] = now.y[i] - cycle_start.y[i];
      ff_am_ratio_ = cycle_start.am > 0 ? now.am / cycle_start.am : 1.0;
      ff_solvent_ = now.solvent - cycle_start.solvent;
      ff_lam_ = now.lam - cycle_start.lam;
      ff_duration_ = now.t - cycle_start.t;
      ff_ready_ = true;
    }
    result.cycles.push_back(open);
    // on_cycle hears of it once fast-forward has decided how many cycles follow it unsimulated
    if (open.cycle > 0 && stop.capacity_below > 0 && open.retention < stop.capacity_below) {
      result.stop_reason = fmt::format("capacity fell below {:g} % of the first cycle's in cycle {}",
                                       stop.capacity_below * 100, open.cycle);
      return true;
    }
    if (open.cycle > 0 && stop.cycles > 0 && open.cycle >= stop.cycles) {
      result.stop_reason = fmt::format("{} cycles done", open.cycle);
      return true;
    }
    return false;
  };
  for (std::size_t k = 0; k < steps.size(); ++k) {
    if (is_open && (steps[k].cycle != open.cycle || steps[k].activation_cycle != open.activation_cycle)) {
      if (close()) {
        if (on_cycle) on_cycle(result.cycles.back());
        break;
      }
      const CycleResult& done = result.cycles.back();
      if (settings_.fast_forward && ff_ready_ && done.cycle > 0 && first_discharge > 0) {
        // The capacity slope per cycle between the last two full cycles.
        const double q = done.discharge_charge;
        double slope = 0;
        bool have_slope = false;
        if (last_full > 0 && done.cycle > last_full) {
          slope = (q - last_q) / (done.cycle - last_full);
          have_slope = true;
        }
        int jump = 0;
        if (have_slope) {
          const double budget = settings_.ff_tolerance * first_discharge;
          jump = std::abs(slope) > 0 ? static_cast<int>(std::min(1e9, budget / std::abs(slope))) : settings_.ff_max_jump;
          jump = std::min({jump, settings_.ff_max_jump, 2 * last_jump + 1});
          // a knee: the fade accelerates, so look more often
          if (std::abs(slope) > 1.5 * std::abs(last_slope) && last_slope != 0) jump /= 2;
          jump = std::min(jump, skippable_cycles(steps, k, stop));
        }
        last_full = done.cycle;
        last_q = q;
        if (have_slope) last_slope = slope;
        if (jump > 0) {
          k = skip_cycles(steps, k, jump);
          apply_jump(jump, slow_index, solvent_used);
          result.cycles.back().cycles_skipped_after = jump;
        }
        last_jump = jump;
      }
      if (on_cycle) on_cycle(result.cycles.back());
      cycle_start = snapshot();
      y_cycle_start = y_;
      if (k >= steps.size()) break;
    }
    const Step& s = steps[k];
    result.steps.push_back(run_step(s, static_cast<int>(k) + 1, on_row));
    const StepResult& r = result.steps.back();
    if (s.cycle > 0 || s.activation_cycle > 0) {
      if (!is_open) open = CycleResult{s.cycle, s.activation_cycle, s.block, 0, 0, 0, 0};
      is_open = true;
      if (r.charge > 0) {
        open.discharge_charge += r.charge;
        open.discharge_energy += r.energy;
      } else {
        open.charge_charge -= r.charge;
      }
    }
    if (r.foil_depleted) {
      result.stop_reason = "the Li foil is used up";
      break;
    }
    if (r.interrupted) {
      result.stop_reason = "interrupted";
      is_open = false;  // a cycle cut short is not a cycle
      break;
    }
  }
  const std::size_t before = result.cycles.size();
  close();
  if (on_cycle && result.cycles.size() > before) on_cycle(result.cycles.back());
  result.stats = integrator_.stats();
  result.error_test_fallbacks = error_test_fallbacks_;
  result.continued_starts = continued_starts_;
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace cascade
