// `cascade params show` and `cascade run`: from a case file to timeseries.csv and summary.json.
#include <fmt/format.h>
#include <fmt/os.h>

#include <cmath>
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

namespace cascade::cli {

namespace fs = std::filesystem;

namespace {

// Writes a file so that an interrupted run never leaves a half-written file that looks complete.
void write_atomic(const fs::path& path, const std::string& content) {
  const fs::path tmp = path.string() + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", tmp.string()));
  }
  fs::rename(tmp, path);
}

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

// "every 10 s" -> 10; "every step" -> 0
double output_interval(const std::string& text, const Source& src) {
  if (text == "every step") return 0.0;
  static const std::regex re(R"(^every\s+(.+)$)");
  std::smatch m;
  if (std::regex_match(text, m, re)) {
    try {
      const double dt = to_si(m[1].str(), dim::time);
      if (dt > 0) return dt;
    } catch (const UnitError&) {
    }
  }
  throw InputError(src, "output.timeseries",
                   fmt::format("'{}' is not an output policy; expected 'every step' or 'every <time>' "
                               "(e.g. 'every 10 s')",
                               text));
}

std::string git_revision() { return CASCADE_GIT_REV; }

}  // namespace

std::string resolved_parameters_text(const std::string& file, const std::vector<std::string>& overrides) {
  const ParamSet p = ParamSet::load(file, overrides);
  std::string out;
  std::size_t width = 0;
  for (const auto& [path, e] : p.entries()) width = std::max(width, path.size());
  for (const auto& [path, e] : p.entries()) {
    out += fmt::format("{:<{}} = {}   [{}]\n", path, width, value_text(p, e),
                       e.is_default ? "default" : e.src.to_string());
  }
  return out;
}

int params_show(const std::string& file, const std::vector<std::string>& overrides) {
  std::cout << resolved_parameters_text(file, overrides);
  return 0;
}

int run_case(const std::string& file, const std::string& out_dir_arg,
             const std::vector<std::string>& overrides, bool quiet) {
  const ParamSet p = ParamSet::load(file, overrides);
  const CellParams cell = build_cell_params(p);
  const SolverSettings settings = build_solver_settings(p);
  const double interval = output_interval(settings.timeseries, p.where("output.timeseries"));
  p.require({"experiment"});
  const std::vector<Step> steps = parse_experiment(p);
  const StopWhen stop = parse_stop_when(p);
  const std::string name = case_name(p);
  const fs::path out_dir = out_dir_arg.empty() ? fs::path("out") / name : fs::path(out_dir_arg);
  fs::create_directories(out_dir);

  Simulation sim(cell, settings);
  const double mass = cell.active_mass();  // kg/m2
  const double to_mAh_g = 1.0 / (3.6 * mass * 1000.0);  // C/m2 -> mAh/g  (C/kg / 3.6 = mAh/g)

  // Time series, streamed to a partial file and renamed when complete.
  const fs::path ts_path = out_dir / "timeseries.csv";
  const fs::path ts_tmp = ts_path.string() + ".partial";
  auto ts = fmt::output_file(ts_tmp.string());
  ts.print(
      "time_s,step,cycle,current_A_m2,voltage_V,capacity_mAh_g,temperature_K,ocv_V,"
      "eta_cathode_V,cei_ohmic_V,electrolyte_ohmic_V,electrolyte_concentration_V,sei_ohmic_V,"
      "eta_anode_V,solid_ohmic_V,contact_ohmic_V,sto_avg,sto_surface_avg,c_e_min_mol_m3,"
      "c_e_max_mol_m3,li_foil_thickness_um\n");
  // Per-cycle results, streamed as each cycle completes (a run stopped half way keeps them in
  // cycles.csv.partial) and renamed when the run ends.
  const fs::path cy_path = out_dir / "cycles.csv";
  const fs::path cy_tmp = cy_path.string() + ".partial";
  auto cy = fmt::output_file(cy_tmp.string());
  cy.print("cycle,activation_cycle,discharge_capacity_mAh_g,charge_capacity_mAh_g,"
           "coulombic_efficiency,energy_Wh_kg,mean_discharge_voltage_V,retention_pct\n");
  const auto on_cycle = [&](const CycleResult& c) {
    const double ce = c.charge_charge > 0 ? c.discharge_charge / c.charge_charge : 0.0;
    const double v_mean = c.discharge_charge > 0 ? c.discharge_energy / c.discharge_charge : 0.0;
    cy.print("{},{},{:.6f},{:.6f},{:.8f},{:.6f},{:.6f},{:.4f}\n", c.cycle, c.activation_cycle,
             c.discharge_charge * to_mAh_g, c.charge_charge * to_mAh_g, ce,
             c.discharge_energy / mass / 3600.0, v_mean, c.retention * 100.0);
    cy.flush();
  };
  double next_out = 0.0;
  int last_step = 0;
  long rows = 0;
  const RunResult res = sim.run(steps, [&](const Row& r) {
    // keep each step's first and last rows, thin the rest to the requested interval
    const bool new_step = r.step != last_step;
    if (interval > 0 && !new_step && r.t < next_out) return;
    last_step = r.step;
    if (interval > 0) next_out = r.t + interval;
    const auto& o = r.out;
    const auto& b = o.breakdown;
    ts.print("{:.6f},{},{},{:.8g},{:.9f},{:.8g},{:.6g},{:.9f},{:.9f},{:.9f},{:.9f},{:.9f},{:.9f},"
             "{:.9f},{:.9f},{:.9f},{:.8f},{:.8f},{:.6g},{:.6g},{:.6f}\n",
             r.t, r.step, r.cycle, o.current, o.voltage, o.charge * to_mAh_g, r.temperature, b.ocv,
             b.eta_cathode, b.cei_ohmic, b.electrolyte_ohmic, b.electrolyte_concentration,
             b.sei_ohmic, b.eta_anode, b.solid_ohmic, b.contact_ohmic, o.sto_avg, o.sto_surf_avg,
             o.c_e_min, o.c_e_max, o.foil_thickness * 1e6);
    ++rows;
  }, stop, on_cycle);
  ts.close();
  fs::rename(ts_tmp, ts_path);
  cy.close();
  fs::rename(cy_tmp, cy_path);

  // Summary: per step capacities, solver statistics, provenance (STYLE.md convention 10).
  nlohmann::json js;
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
    st["capacity_mAh_g"] = std::abs(s.charge) * to_mAh_g;
    st["capacity_mAh_cm2"] = std::abs(s.charge) / 36000.0;
    st["skipped"] = s.skipped;
    js["steps"].push_back(st);
    (s.charge > 0 ? discharged : charged) += std::abs(s.charge);
  }
  js["discharge_capacity_mAh_g"] = discharged * to_mAh_g;
  js["charge_capacity_mAh_g"] = charged * to_mAh_g;
  js["discharge_capacity_mAh_cm2"] = discharged / 36000.0;
  js["cycles"] = 0;
  for (const auto& c : res.cycles) {
    if (c.cycle == 0) continue;
    if (js["cycles"] == 0) js["first_cycle_discharge_capacity_mAh_g"] = c.discharge_charge * to_mAh_g;
    js["cycles"] = c.cycle;
    js["last_cycle_discharge_capacity_mAh_g"] = c.discharge_charge * to_mAh_g;
    js["last_cycle_retention_pct"] = c.retention * 100.0;
  }
  js["stop_reason"] = res.stop_reason;
  const auto& st = res.stats;
  js["solver"] = {{"steps", st.steps},
                  {"residual_evaluations", st.residual_evals},
                  {"jacobian_evaluations", st.jacobian_evals},
                  {"nonlinear_iterations", st.nonlinear_iters},
                  {"nonlinear_convergence_failures", st.nonlinear_conv_fails},
                  {"error_test_failures", st.error_test_fails},
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
    for (const auto& s : res.steps) {
      std::cout << fmt::format("  {:<40} {:>9.2f} mAh/g  {:>9.1f} s  {}\n", s.text,
                               std::abs(s.charge) * to_mAh_g, s.t_end - s.t_start, s.end_reason);
    }
    std::cout << fmt::format("{}: {} steps, {} residual and {} Jacobian evaluations, {:.1f} ms; "
                             "results in {}\n",
                             name, st.steps, st.residual_evals, st.jacobian_evals,
                             res.wall_seconds * 1e3, out_dir.string());
  }
  return 0;
}

}  // namespace cascade::cli
