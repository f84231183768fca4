// `cascade bruce-vincent CASE`: the Bruce-Vincent-Evans measurement of t+ on a Li|Li cell
// (models/bruce_vincent.hpp), reported with the file's thermodynamic factor and with an ideal
// solution, so that the effect of non-ideality on the measurement can be read off.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "models/bruce_vincent.hpp"
#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "tools/cascade/commands.hpp"
#include "tools/cascade/files.hpp"

namespace cascade::cli {

namespace fs = std::filesystem;

namespace {

constexpr int kMembraneCells = 200;

BruceVincentResult measure(const ParamSet& p, double dV, double hours) {
  const CellParams cell = build_cell_params(p);
  if (cell.stack.left != Electrode::li_metal || cell.stack.right != Electrode::li_metal) {
    throw InputError(p.where("cell.stack"), "cell.stack",
                     "the Bruce-Vincent measurement needs a Li|Li cell: cell.stack: "
                     "[li_metal, sei, qsse, sei, li_metal]");
  }
  return bruce_vincent(cell, build_solver_settings(p), dV, hours * 3600.0);
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
  const BruceVincentResult m = measure(p, o.step, o.hours);
  // the same cell with an ideal solution: how far the thermodynamic factor moves the measurement
  const BruceVincentResult ideal = measure(p.with_overrides({"electrolyte.thermodynamic_factor=1"}), o.step, o.hours);

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
