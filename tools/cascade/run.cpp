// `cascade params show` and `cascade run`: from a case file to timeseries.csv and summary.json.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fmt/os.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/material_yaml.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"
#include "tools/cascade/commands.hpp"
#include "tools/cascade/files.hpp"
#include "tools/cascade/quantities.hpp"

namespace cascade::cli {

namespace fs = std::filesystem;

namespace {


std::string value_text(const ParamSet& p, const Entry& e) {
  const KeySpec& spec = *p.schema().find(e.path);
  switch (spec.kind) {
    case KeyKind::quantity: return format_si(p.quantity(e.path), spec.dim);
    case KeyKind::function: {
      std::string unit = spec.dim.dimensionless() ? "" : " [" + si_unit(spec.dim) + "]";
      return material_function(p, e.path).describe() + unit;
    }
    case KeyKind::list: {
      std::vector<std::string> items;
      for (const auto& n : e.node) items.push_back(n.IsScalar() ? "'" + n.Scalar() + "'" : "...");
      return fmt::format("[{}]", fmt::join(items, ", "));
    }
    default: return e.node.Scalar();
  }
}

// Which rows go to timeseries.csv (cycles.csv is always complete).
struct OutputPolicy {
  enum class Kind { every_step, interval, last_cycle, cycles } kind = Kind::every_step;
  double dt = 0;        // s, interval
  std::set<int> cycles;  // cycles
};

OutputPolicy output_policy(const std::string& text, const Source& src) {
  OutputPolicy p;
  if (text == "every step") return p;
  if (text == "last cycle") {
    p.kind = OutputPolicy::Kind::last_cycle;
    return p;
  }
  static const std::regex every(R"(^every\s+(.+)$)");
  static const std::regex cycles(R"(^cycles\s*\[([0-9,\s]+)\]$)");
  std::smatch m;
  if (std::regex_match(text, m, every)) {
    try {
      p.dt = to_si(cycler_time_units(m[1].str()), dim::time);
      p.kind = OutputPolicy::Kind::interval;
      if (p.dt > 0) return p;
    } catch (const UnitError&) {
    }
  } else if (std::regex_match(text, m, cycles)) {
    std::stringstream ss(m[1].str());
    for (std::string item; std::getline(ss, item, ',');) {
      if (item.find_first_not_of(" ") != std::string::npos) p.cycles.insert(std::stoi(item));
    }
    p.kind = OutputPolicy::Kind::cycles;
    if (!p.cycles.empty()) return p;
  }
  throw InputError(src, "output.timeseries",
                   fmt::format("'{}' is not an output policy; expected 'every step', 'every <time>' "
                               "(e.g. 'every 10 s'), 'last cycle' or 'cycles [1, 100, 1000]'",
                               text));
}

// Applies the policy to the stream of rows: an interval keeps each step's first and last rows;
// 'last cycle' holds the rows of the latest cycle and writes them at the end.
class RowWriter {
 public:
  RowWriter(OutputPolicy policy, std::function<void(const Row&)> write)
      : policy_(std::move(policy)), write_(std::move(write)) {}
  // Whether a row of this cycle can be written (the others need no outputs).
  bool wants(int cycle) const {
    switch (policy_.kind) {
      case OutputPolicy::Kind::cycles: return policy_.cycles.count(cycle) > 0;
      case OutputPolicy::Kind::last_cycle: return cycle != 0;
      default: return true;
    }
  }
  void operator()(const Row& r) {
    if (!wants(r.cycle)) return;
    switch (policy_.kind) {
      case OutputPolicy::Kind::every_step:
      case OutputPolicy::Kind::cycles: write_(r); return;
      case OutputPolicy::Kind::last_cycle:
        if (r.cycle != held_cycle_) {
          held_.clear();
          held_cycle_ = r.cycle;
        }
        held_.push_back(r);
        return;
      case OutputPolicy::Kind::interval: {
        const bool new_step = r.step != step_;
        if (new_step && pending_) write_(*pending_);  // the last row of the step before
        pending_.reset();
        if (new_step || r.t >= next_) {
          write_(r);
          next_ = r.t + policy_.dt;
        } else {
          pending_ = r;
        }
        step_ = r.step;
        return;
      }
    }
  }
  void finish() {
    if (pending_) write_(*pending_);
    pending_.reset();
    for (const Row& r : held_) write_(r);
    held_.clear();
  }

 private:
  OutputPolicy policy_;
  std::function<void(const Row&)> write_;
  int step_ = 0, held_cycle_ = 0;
  double next_ = 0;
  std::optional<Row> pending_;
  std::vector<Row> held_;
};

// Ctrl-C: finish the integrator step, write what finished, exit 130.
std::atomic<bool> interrupted{false};
extern "C" void on_sigint(int) { interrupted.store(true); }

// A one-line progress report on a terminal; nothing when stderr is not one.
class Progress {
 public:
  Progress(bool enabled, std::size_t total_steps, int total_cycles)
      : enabled_(enabled), total_(total_steps), cycles_(total_cycles),
        start_(std::chrono::steady_clock::now()) {}
  void update(const Row& r) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double done = double(r.step) / double(total_);
    const double eta = done > 0 ? elapsed * (1 - done) / done : 0;
    std::string where = cycles_ > 0 ? fmt::format("cycle {} of {}, ", r.cycle, cycles_) : "";
    std::fprintf(stderr, "\r  %sstep %d of %zu, t = %.0f s | elapsed %.0f s, about %.0f s to go   ",
                 where.c_str(), r.step, total_, r.t, elapsed, eta);
    std::fflush(stderr);
    shown_ = true;
  }
  void done() {
    if (shown_) std::fprintf(stderr, "\r%80s\r", "");
  }

 private:
  bool enabled_;
  std::size_t total_;
  int cycles_;
  std::chrono::steady_clock::time_point start_, last_{};
  bool shown_ = false;
};

// What the cell builder computes from the given values, so a reader sees the numbers the model
// runs with. Empty when the set is not a complete cell (e.g. a material file on its own).
std::string derived_parameters_text(const ParamSet& p) {
  CellParams c;
  try {
    c = build_cell_params(p);
  } catch (const InputError&) {
    return "";
  }
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto [film, layer] : {std::pair{&c.sei, "sei"}, std::pair{&c.cei, "cei"}}) {
    if (film->phases.empty()) continue;
    std::vector<std::string> parts;
    for (const auto& ph : film->phases) parts.push_back(fmt::format("{} {:g}", ph.name, ph.fraction));
    rows.emplace_back(fmt::format("{}.conductivity", layer),
                      fmt::format("{:.4g} S/m   [effective medium (Bruggeman) of {}]",
                                  film->conductivity, fmt::join(parts, ", ")));
  }
  rows.emplace_back("sei.area_resistance",
                    fmt::format("{:.4g} ohm cm2   [thickness / conductivity, per foil area]",
                                c.sei.thickness / c.sei.conductivity * 1e4));
  if (c.stack.full_cell()) {
    rows.emplace_back("cei.area_resistance",
                      fmt::format("{:.4g} ohm cm2   [thickness / conductivity, per particle area]",
                                  c.cei.thickness / c.cei.conductivity * 1e4));
  }
  const double kappa = c.electrolyte.conductivity.bind(c.temperature)->eval(c.electrolyte.c0).v;
  rows.emplace_back(
      "membrane.area_resistance",
      fmt::format("{:.4g} ohm cm2   [thickness / (kappa transport_efficiency) at {:.2f} K, c0]",
                  c.membrane.thickness / (kappa * c.membrane.transport_efficiency) * 1e4,
                  c.temperature));
  if (c.stack.full_cell()) {  // a cell without a cathode has nothing more to derive
    // keys the set left to the builder (one line per key over the whole listing)
    if (!p.has("cathode.active_fraction")) {
      rows.emplace_back("cathode.active_fraction",
                        fmt::format("{:.6g}   [1 - porosity - additive_fraction, times 1 - inactive_fraction]", c.cathode.active_fraction));
    }
    if (!p.has("cathode.thickness")) {
      rows.emplace_back("cathode.thickness",
                        fmt::format("{:.6g} m   [loading / (density active_fraction)]", c.cathode.thickness));
    }
    if (!p.has("cathode.initial_stoichiometry")) {
      rows.emplace_back("cathode.initial_stoichiometry",
                        fmt::format("{:.6g}   [from cell.initial_soc]", c.cathode.sto0));
    }
    rows.emplace_back("cathode.ocp_valid_range",
                      fmt::format("[{:.6g}, {:.6g}]", c.cathode.ocp_sto_min, c.cathode.ocp_sto_max));
    rows.emplace_back("active_mass", fmt::format("{:.6g} mg/cm2", c.active_mass() * 100));
    rows.emplace_back("one_c_current", fmt::format("{:.6g} mA/cm2   [active mass x nominal capacity / 1 h]",
                                                   c.one_c_current_density() / 10));
  }
  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  std::string out = "# derived by the cell builder\n";
  for (const auto& [k, v] : rows) out += fmt::format("{:<{}} = {}\n", k, width, v);
  return out;
}

}  // namespace

std::string resolved_parameters_text(const std::string& file, const std::vector<std::string>& overrides) {
  const ParamSet p = ParamSet::load(file, overrides);
  std::string out;
  std::size_t width = 0;
  for (const auto& [path, e] : p.entries()) width = std::max(width, path.size());
  const auto from_composition = [&](const std::string& layer) {
    for (const std::string& phase : film_phases()) {
      if (p.given(layer + ".composition." + phase)) return true;
    }
    return false;
  };
  for (const auto& [path, e] : p.entries()) {
    std::string where = e.is_default ? "default" : e.src.to_string();
    for (const std::string layer : {"sei", "cei"}) {
      if (path == layer + ".conductivity" && e.is_default && from_composition(layer)) {
        where = "default, not used: see derived " + layer + ".conductivity";
      }
    }
    out += fmt::format("{:<{}} = {}   [{}]\n", path, width, value_text(p, e), where);
  }
  out += derived_parameters_text(p);
  return out;
}

int params_show(const std::string& file, const std::vector<std::string>& overrides) {
  std::cout << resolved_parameters_text(file, overrides);
  return 0;
}

int run_case(const std::string& file, const std::string& out_dir_arg,
             const std::vector<std::string>& overrides, bool quiet, RunOutcome* outcome) {
  // Ctrl-C from here on ends the run cleanly (set before the case is read, so that a signal
  // arriving while a long experiment is being unrolled is not lost).
  interrupted.store(false);
  const auto previous = std::signal(SIGINT, on_sigint);
  struct RestoreSignal {
    void (*handler)(int);
    ~RestoreSignal() { std::signal(SIGINT, handler); }
  } restore{previous};
  const ParamSet p = ParamSet::load(file, overrides);
  const CellParams cell = build_cell_params(p);
  const std::vector<Step> steps = case_protocol(p);
  for (const auto& w : protocol_warnings(p, steps)) std::fprintf(stderr, "warning: %s\n", w.c_str());
  const fs::path out_dir = out_dir_arg.empty() ? fs::path("out") / case_name(p) : fs::path(out_dir_arg);
  const RunResult res = write_run(CaseRun{file, overrides, p, cell, steps, parse_stop_when(p)}, out_dir, quiet,
                                  &interrupted);
  if (outcome) {
    outcome->cell = cell;
    outcome->result = res;
  }
  return res.stop_reason == "interrupted" ? 130 : 0;
}

RunResult write_run(const CaseRun& run, const std::filesystem::path& out_dir, bool quiet,
                    const std::atomic<bool>* interrupt) {
  const std::string& file = run.file;
  const std::vector<std::string>& overrides = run.overrides;
  const ParamSet& p = run.params;
  const CellParams& cell = run.cell;
  const std::vector<Step>& steps = run.steps;
  const StopWhen& stop = run.stop;
  const SolverSettings settings = build_solver_settings(p);
  const OutputPolicy policy = output_policy(settings.timeseries, p.where("output.timeseries"));
  const std::vector<std::string> warnings = protocol_warnings(p, steps);
  const std::string name = case_name(p);
  fs::create_directories(out_dir);

  Simulation sim(cell, settings);
  const double mass = cell.active_mass();  // kg/m2
  // Capacities per mass of cathode active material; a cell without a cathode (Li|Li, Li|Cu)
  // reports them per area.
  const bool per_mass = cell.stack.full_cell() && mass > 0;
  const std::string cap = per_mass ? "mAh_g" : "mAh_cm2";
  const double to_mAh_g = per_mass ? 1.0 / (3.6 * mass * 1000.0)  // C/m2 -> mAh/g (C/kg / 3.6 = mAh/g)
                                   : 1.0 / 36000.0;                // C/m2 -> mAh/cm2
  const double to_Wh_kg = per_mass ? 1.0 / mass / 3600.0 : 0.0;

  // Time series, streamed to a partial file and renamed when complete.
  const fs::path ts_path = out_dir / "timeseries.csv";
  const fs::path ts_tmp = ts_path.string() + ".partial";
  auto ts = fmt::output_file(ts_tmp.string());
  ts.print(
      "time_s,step,cycle,current_A_m2,voltage_V,capacity_{},temperature_K,ocv_V,"
      "eta_cathode_V,cei_ohmic_V,electrolyte_ohmic_V,electrolyte_concentration_V,sei_ohmic_V,"
      "eta_anode_V,solid_ohmic_V,contact_ohmic_V,sto_avg,sto_surface_avg,c_e_min_mol_m3,"
      "c_e_max_mol_m3,li_foil_thickness_um\n",
      cap);
  // Per-cycle results, streamed as each cycle completes (a run stopped half way keeps them in
  // cycles.csv.partial) and renamed when the run ends.
  const fs::path cy_path = out_dir / "cycles.csv";
  const fs::path cy_tmp = cy_path.string() + ".partial";
  auto cy = fmt::output_file(cy_tmp.string());
  cy.print("cycle,activation_cycle,discharge_capacity_{0},charge_capacity_{0},"
           "coulombic_efficiency,energy_Wh_kg,mean_discharge_voltage_V,retention_pct,"
           "sei_thickness_nm,cei_thickness_nm,li_inventory_mAh_cm2,dead_li_mAh_cm2,"
           "active_material_pct,electrolyte_transport_pct,solvent_left_pct,"
           "loss_active_material_{0},loss_li_inventory_{0},loss_kinetic_{0},"
           "cycles_skipped_after\n",
           cap);
  const auto on_cycle = [&](const CycleResult& c) {
    // Coulombic efficiency: what comes back over what went in. A full cell charges first; a Li|Cu
    // cell plates onto the copper (a discharge, I > 0) and strips it back (a charge).
    const bool li_cu = cell.stack.right == Electrode::copper;
    const double in = li_cu ? c.discharge_charge : c.charge_charge;
    const double back = li_cu ? c.charge_charge : c.discharge_charge;
    const double ce = in > 0 ? back / in : 0.0;
    const double v_mean = c.discharge_charge > 0 ? c.discharge_energy / c.discharge_charge : 0.0;
    cy.print("{},{},{:.6f},{:.6f},{:.8f},{:.6f},{:.6f},{:.4f},{:.4f},{:.4f},{:.6f},{:.6g},{:.6f},{:.6f},"
             "{:.6f},{:.6f},{:.6f},{:.6f},{}\n",
             c.cycle, c.activation_cycle, c.discharge_charge * to_mAh_g, c.charge_charge * to_mAh_g,
             ce, c.discharge_energy * to_Wh_kg, v_mean, c.retention * 100.0,
             c.sei_thickness * 1e9, c.cei_thickness * 1e9, c.li_inventory / 36000.0,
             c.dead_li / 36000.0, c.active_fraction * 100.0, c.transport_factor * 100.0,
             c.solvent_fraction * 100.0, c.loss_active * to_mAh_g, c.loss_inventory * to_mAh_g,
             c.loss_kinetic * to_mAh_g, c.cycles_skipped_after);
    cy.flush();
  };
  long rows = 0;
  RowWriter writer(policy, [&](const Row& r) {
    const auto& o = r.out;
    const auto& b = o.breakdown;
    ts.print("{:.6f},{},{},{:.8g},{:.9f},{:.8g},{:.6g},{:.9f},{:.9f},{:.9f},{:.9f},{:.9f},{:.9f},"
             "{:.9f},{:.9f},{:.9f},{:.8f},{:.8f},{:.6g},{:.6g},{:.6f}\n",
             r.t, r.step, r.cycle, o.current, o.voltage, o.charge * to_mAh_g, r.temperature, b.ocv,
             b.eta_cathode, b.cei_ohmic, b.electrolyte_ohmic, b.electrolyte_concentration,
             b.sei_ohmic, b.eta_anode, b.solid_ohmic, b.contact_ohmic, o.sto_avg, o.sto_surf_avg,
             o.c_e_min, o.c_e_max, o.foil_thickness * 1e6);
    ++rows;
  });
  int total_cycles = 0;
  for (const auto& s : steps) total_cycles = std::max(total_cycles, s.cycle);
  Progress progress(!quiet && isatty(fileno(stderr)), steps.size(), total_cycles);
  sim.set_interrupt(interrupt);
  sim.set_row_filter([&writer](int, int cycle) { return writer.wants(cycle); });
  const RunResult res = sim.run(
      steps,
      [&](const Row& r) {
        writer(r);
        progress.update(r);
      },
      stop, on_cycle);
  progress.done();
  writer.finish();
  ts.close();
  fs::rename(ts_tmp, ts_path);
  cy.close();
  fs::rename(cy_tmp, cy_path);

  // Summary: per step capacities, solver statistics, provenance (STYLE.md convention 10).
  nlohmann::json js;
  js["warnings"] = warnings;
  js["case"] = name;
  js["case_file"] = fs::absolute(file).string();
  js["git_revision"] = git_revision();
  js["overrides"] = overrides;
  js["active_mass_mg_cm2"] = mass * 100.0;
  js["one_c_current_A_m2"] = cell.one_c_current_density();
  double discharged = 0, charged = 0;
  for (const auto& s : res.steps) {
    nlohmann::json st;
    st["step"] = s.text;
    st["start_s"] = s.t_start;
    st["end_s"] = s.t_end;
    st["end_reason"] = s.end_reason;
    st["end_voltage_V"] = s.end_voltage;
    if (per_mass) st["capacity_mAh_g"] = std::abs(s.charge) * to_mAh_g;
    st["capacity_mAh_cm2"] = std::abs(s.charge) / 36000.0;
    st["skipped"] = s.skipped;
    js["steps"].push_back(st);
    (s.charge > 0 ? discharged : charged) += std::abs(s.charge);
  }
  js["discharge_capacity_" + cap] = discharged * to_mAh_g;
  js["charge_capacity_" + cap] = charged * to_mAh_g;
  js["discharge_capacity_mAh_cm2"] = discharged / 36000.0;
  js["cycles"] = 0;
  for (const auto& c : res.cycles) {
    if (c.cycle == 0) continue;
    if (js["cycles"] == 0) js["first_cycle_discharge_capacity_" + cap] = c.discharge_charge * to_mAh_g;
    js["cycles"] = c.cycle;
    js["last_cycle_discharge_capacity_" + cap] = c.discharge_charge * to_mAh_g;
    js["last_cycle_retention_pct"] = c.retention * 100.0;
  }
  js["stop_reason"] = res.stop_reason;

  // Plating/stripping between like electrodes (Li|Li): the polarization of every half cycle, the
  // mean |V| over it (|energy / charge| at constant current) and |V| at its end.
  if (!cell.stack.full_cell()) {
    std::string csv = "half_cycle,cycle,time_h,current_mA_cm2,polarization_mV,end_polarization_mV\n";
    int half = 0;
    for (const auto& s : res.steps) {
      if (s.skipped || !(std::abs(s.charge) > 0)) continue;
      const double duration = s.t_end - s.t_start;
      csv += fmt::format("{},{},{:.6f},{:.6g},{:.6f},{:.6f}\n", ++half, s.cycle, s.t_end / 3600.0,
                         duration > 0 ? s.charge / duration / 10.0 : 0.0,
                         std::abs(s.energy / s.charge) * 1e3, std::abs(s.end_voltage) * 1e3);
    }
    write_atomic(out_dir / "polarization.csv", csv);
  }

  // A rate test: capacity per C-rate (mean and last of its cycles), in the order run.
  if (p.has("rate_test.rates")) {
    std::string csv = "c_rate,cycles,discharge_capacity_mAh_g,last_discharge_capacity_mAh_g\n";
    std::vector<std::string> order;
    std::map<std::string, std::vector<double>> by_block;
    std::string previous;
    for (const auto& c : res.cycles) {
      // a rate that comes back (return_to) is a new group
      std::string key = c.block;
      if (key != previous) {
        int k = 1;
        while (by_block.count(key)) key = fmt::format("{}#{}", c.block, ++k);
        order.push_back(key);
      } else {
        key = order.back();
      }
      previous = c.block;
      by_block[key].push_back(c.discharge_charge * to_mAh_g);
    }
    nlohmann::json rate = nlohmann::json::array();
    for (const auto& key : order) {
      const auto& caps = by_block[key];
      double mean = 0;
      for (double v : caps) mean += v / caps.size();
      const std::string c_rate = key.substr(0, key.find('C'));
      csv += fmt::format("{},{},{:.6f},{:.6f}\n", c_rate, caps.size(), mean, caps.back());
      rate.push_back({{"c_rate", std::stod(c_rate)}, {"discharge_capacity_mAh_g", mean}});
    }
    write_atomic(out_dir / "rate.csv", csv);
    js["rate_test"] = rate;
  }
  const auto& st = res.stats;
  js["solver"] = {{"steps", st.steps},
                  {"residual_evaluations", st.residual_evals},
                  {"jacobian_evaluations", st.jacobian_evals},
                  {"nonlinear_iterations", st.nonlinear_iters},
                  {"nonlinear_convergence_failures", st.nonlinear_conv_fails},
                  {"newton_iterations_restarted_early", st.early_newton_restarts},
                  {"error_test_failures", st.error_test_fails},
                  {"algebraic_error_test", settings.algebraic_error_test},
                  {"steps_rerun_with_algebraic_error_test", res.error_test_fallbacks},
                  {"steps_started_by_current_continuation", res.continued_starts},
                  {"wall_time_s", res.wall_seconds},
                  {"unknowns", sim.cell().size()},
                  {"band", {sim.cell().lower_bandwidth(), sim.cell().upper_bandwidth()}},
                  {"rtol", settings.rtol},
                  {"atol", settings.atol},
                  {"linear_solver", settings.linear_solver}};
  js["timeseries_rows"] = rows;
  write_atomic(out_dir / "summary.json", js.dump(2) + "\n");
  write_atomic(out_dir / "parameters.txt", resolved_parameters_text(file, overrides));

  if (!quiet) {
    // the first steps in full; a long experiment is summarised by cycles.csv
    constexpr std::size_t shown = 12;
    for (std::size_t k = 0; k < res.steps.size() && k < shown; ++k) {
      const auto& s = res.steps[k];
      std::cout << fmt::format("  {:<40} {:>9.2f} {}  {:>9.1f} s  {}\n", s.text,
                               std::abs(s.charge) * to_mAh_g, per_mass ? "mAh/g  " : "mAh/cm2",
                               s.t_end - s.t_start, s.end_reason);
    }
    if (res.steps.size() > shown) {
      std::cout << fmt::format("  ... and {} more steps; per-cycle results in cycles.csv\n",
                               res.steps.size() - shown);
    }
    if (!res.stop_reason.empty()) std::cout << "  stopped: " << res.stop_reason << "\n";
    std::cout << fmt::format("{}: {} steps, {} residual and {} Jacobian evaluations, {:.1f} ms; "
                             "results in {}\n",
                             name, st.steps, st.residual_evals, st.jacobian_evals,
                             res.wall_seconds * 1e3, out_dir.string());
  }
  return res;
}

}  // namespace cascade::cli
