// `cascade bruce-vincent CASE`: the Bruce-Vincent-Evans measurement of the cation transference
// number on a Li|Li cell (docs/model.md sec. 8). A small potential step dV from rest; the current
// falls from I0 (no salt gradient yet) to Iss (the steady gradient); the voltage the interfaces
// take (films, reactions, contacts) at those two moments, I0 R0 and Iss Rss, is read from the
// model's voltage breakdown, as the experiment reads it from the spectra before and after, and
//   t+ = Iss (dV - I0 R0) / (I0 (dV - Iss Rss)).
// For an ideal solution whose salt diffusivity and conductivity obey the dilute-solution relation
// this returns the input t+; the command also reports it with the thermodynamic factor set to 1,
// so that the effect of non-ideality on the measurement can be read off.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "tools/cascade/commands.hpp"
#include "tools/cascade/files.hpp"

namespace cascade::cli {

namespace fs = std::filesystem;

namespace {

constexpr int kMembraneCells = 200;

struct Measurement {
  double I0 = 0, Iss = 0;      // A/m2, magnitudes
  double V0_int = 0, Vss_int = 0;  // V taken by the interfaces and contacts
  double t_plus = 0;           // Bruce-Vincent-Evans
  double ratio = 0;            // Iss / I0
  double t_plus_input = 0;     // the electrolyte's t+ at c0 and T
  double seconds = 0;
  std::vector<std::pair<double, double>> current;  // (s, A/m2)
};

Measurement measure(const ParamSet& p, double dV, double hours, double& seconds_used) {
  const CellParams cell = build_cell_params(p);
  if (cell.stack.left != Electrode::li_metal || cell.stack.right != Electrode::li_metal) {
    throw InputError(p.where("cell.stack"), "cell.stack",
                     "the Bruce-Vincent measurement needs a Li|Li cell: cell.stack: "
                     "[li_metal, sei, qsse, sei, li_metal]");
  }
  const double T = cell.temperature, c0 = cell.electrolyte.c0;
  Measurement m;
  m.t_plus_input = cell.electrolyte.transference_number.bind(T)->eval(c0).v;
  if (hours <= 0) {
    // ten times the slowest diffusion time of the membrane, L^2 / (pi^2 D_eff)
    const double D = cell.electrolyte.diffusivity.bind(T)->eval(c0).v * cell.membrane.transport_efficiency;
    const double L = cell.membrane.thickness;
    seconds_used = 10.0 * L * L / (M_PI * M_PI * D);
  } else {
    seconds_used = hours * 3600.0;
  }
  Simulation sim(cell, build_solver_settings(p));
  Step step;
  step.text = fmt::format("Hold at {:g} mV for {:g} s", -dV * 1e3, seconds_used);
  step.mode = Step::Mode::voltage;
  step.voltage = -dV;  // strips the foil at x = 0: a positive (discharge) current
  step.duration = seconds_used;
  bool first = true;
  const auto interfaces = [](const CellOutputs& o) {
    const auto& b = o.breakdown;
    return std::abs(b.sei_ohmic + b.eta_anode + b.eta_cathode + b.contact_ohmic);
  };
  Row last;
  sim.run_step(step, 1, [&](const Row& r) {
    m.current.emplace_back(r.t, r.out.current);
    if (first) {
      m.I0 = std::abs(r.out.current);
      m.V0_int = interfaces(r.out);
      first = false;
    }
    last = r;
  });
  m.Iss = std::abs(last.out.current);
  m.Vss_int = interfaces(last.out);
  m.ratio = m.Iss / m.I0;
  m.t_plus = m.Iss * (dV - m.V0_int) / (m.I0 * (dV - m.Vss_int));
  m.seconds = seconds_used;
  return m;
}

}  // namespace

int bruce_vincent(const BruceVincentOptions& o) {
  if (!(o.step > 0 && o.step < 0.2)) {
    throw std::invalid_argument(fmt::format("--step {:g} mV: expected a small step, 0 to 200 mV", o.step * 1e3));
  }
  // The first instant after the step has no salt gradient in the electrolyte, but the half cell
  // between an electrode and its first node takes its share of the gradient at once, an error of
  // order dx / L in I0: resolve it with a fine membrane (200 cells: 0.2 % in t+, milliseconds).
  ParamSet p = ParamSet::load(o.file, o.overrides);
  if (p.integer("mesh.membrane") < kMembraneCells) {
    p = p.with_overrides({fmt::format("mesh.membrane={}", kMembraneCells)});
  }
  const std::string name = case_name(p);
  const fs::path out = o.out_dir.empty() ? fs::path("out") / (name + "_bruce_vincent") : fs::path(o.out_dir);
  fs::create_directories(out);
  double seconds = 0;
  const Measurement m = measure(p, o.step, o.hours, seconds);
  // the same cell with an ideal solution: how far the thermodynamic factor moves the measurement
  const Measurement ideal = measure(p.with_overrides({"electrolyte.thermodynamic_factor=1"}), o.step, o.hours, seconds);

  std::string csv = "time_s,current_mA_cm2\n";
  for (const auto& [t, I] : m.current) csv += fmt::format("{:.6f},{:.9g}\n", t, I / 10.0);
  write_atomic(out / "bruce_vincent.csv", csv);
  nlohmann::json js;
  js["case"] = name;
  js["case_file"] = fs::absolute(o.file).string();
  js["overrides"] = o.overrides;
  js["bruce_vincent"] = {{"step_mV", o.step * 1e3},
                         {"membrane_cells", p.integer("mesh.membrane")},
                         {"duration_s", m.seconds},
                         {"I0_mA_cm2", m.I0 / 10.0},
                         {"Iss_mA_cm2", m.Iss / 10.0},
                         {"R0_ohm_cm2", m.V0_int / m.I0 * 1e4},
                         {"Rss_ohm_cm2", m.Vss_int / m.Iss * 1e4},
                         {"current_ratio", m.ratio},
                         {"t_plus_bve", m.t_plus},
                         {"t_plus_bve_ideal_solution", ideal.t_plus},
                         {"t_plus_input", m.t_plus_input}};
  write_atomic(out / "summary.json", js.dump(2) + "\n");
  if (!o.quiet) {
    std::cout << fmt::format(
        "{}: {:g} mV step for {:.0f} s\n"
        "  I0  = {:.5g} mA/cm2, interfaces and contacts R0  = {:.4g} ohm cm2\n"
        "  Iss = {:.5g} mA/cm2, interfaces and contacts Rss = {:.4g} ohm cm2\n"
        "  Iss/I0 = {:.4f}; Bruce-Vincent-Evans t+ = {:.4f} (input t+ = {:.4f}, {:+.2f} %)\n"
        "  with an ideal solution (thermodynamic factor 1): t+ = {:.4f}; non-ideality moves the "
        "measurement by {:+.4f}\n"
        "results in {}\n",
        name, o.step * 1e3, m.seconds, m.I0 / 10.0, m.V0_int / m.I0 * 1e4, m.Iss / 10.0, m.Vss_int / m.Iss * 1e4,
        m.ratio, m.t_plus, m.t_plus_input, 100.0 * (m.t_plus / m.t_plus_input - 1.0), ideal.t_plus,
        m.t_plus - ideal.t_plus, out.string());
  }
  return 0;
}

}  // namespace cascade::cli
