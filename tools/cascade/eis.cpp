// `cascade eis CASE`: the cell's impedance spectrum (docs/model.md sec. 7) at the state its
// experiment leaves it in, or at rest in its initial state when it has none; with --temperatures,
// one spectrum per temperature and the electrolyte's conductivity from each spectrum's
// high-frequency resistance, fitted to an Arrhenius law.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "models/impedance.hpp"
#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"
#include "tools/cascade/commands.hpp"
#include "tools/cascade/files.hpp"

namespace cascade::cli {

namespace fs = std::filesystem;

namespace {

struct Spectrum {
  double T = 0;  // K
  std::vector<ImpedancePoint> z;
  double voltage = 0, current = 0;  // V, A/m2 at the operating point
  double membrane_thickness = 0, contact = 0;  // m, ohm m2
};

// The operating point: the state the case's experiment ends in, or the initial rest state.
Spectrum spectrum(const ParamSet& p, const std::vector<double>& frequencies) {
  const CellParams cell = build_cell_params(p);
  const SolverSettings settings = build_solver_settings(p);
  Simulation sim(cell, settings);
  const bool has_protocol = p.has("experiment") || p.has("rate_test.rates");
  if (has_protocol) {
    if (cell.stack.left == Electrode::blocking || cell.stack.right == Electrode::blocking) {
      throw InputError(p.where("experiment"), "experiment",
                       "a cell with a blocking electrode carries no direct current: its impedance "
                       "is taken at rest, give no experiment");
    }
    const RunResult res = sim.run(case_protocol(p), nullptr, parse_stop_when(p));  // no rows needed
    if (!res.stop_reason.empty()) {
      throw std::runtime_error(fmt::format("the experiment before the spectrum stopped: {}", res.stop_reason));
    }
  }
  Spectrum s;
  s.T = sim.cell().temperature();
  const auto& y = sim.state();
  s.z = impedance(sim.cell(), y, has_protocol ? sim.state_derivative() : std::vector<double>(y.size(), 0.0),
                  frequencies);
  s.voltage = y[sim.cell().i_voltage()];
  s.current = y[sim.cell().i_current()];
  s.membrane_thickness = cell.membrane.thickness;
  s.contact = cell.contact_resistance;
  return s;
}

std::string spectrum_csv(const Spectrum& s) {
  std::string csv = "frequency_Hz,z_real_ohm_cm2,z_imag_ohm_cm2,z_mod_ohm_cm2,phase_deg\n";
  for (const auto& pt : s.z) {
    const std::complex<double> z = pt.z * 1e4;  // ohm m2 -> ohm cm2
    csv += fmt::format("{:.6g},{:.9g},{:.9g},{:.9g},{:.6f}\n", pt.frequency, z.real(), z.imag(), std::abs(z),
                       std::arg(z) * 180.0 / M_PI);
  }
  return csv;
}

}  // namespace

int eis(const EisOptions& o) {
  if (!(o.f_max > o.f_min && o.f_min > 0)) {
    throw std::invalid_argument(fmt::format("--from {} Hz --to {} Hz: expected 0 < to < from", o.f_max, o.f_min));
  }
  if (o.points < 2) throw std::invalid_argument(fmt::format("--points {}: expected at least 2", o.points));
  const std::vector<double> freqs = log_frequencies(o.f_max, o.f_min, o.points);
  const ParamSet base = ParamSet::load(o.file, o.overrides);
  const std::string name = case_name(base);
  const fs::path out = o.out_dir.empty() ? fs::path("out") / (name + "_eis") : fs::path(o.out_dir);
  fs::create_directories(out);

  nlohmann::json js;
  js["case"] = name;
  js["case_file"] = fs::absolute(o.file).string();
  js["overrides"] = o.overrides;
  js["frequencies"] = {{"from_Hz", o.f_max}, {"to_Hz", o.f_min}, {"points", o.points}};
  std::vector<Spectrum> spectra;
  if (o.temperatures_C.empty()) {
    spectra.push_back(spectrum(base, freqs));
    write_atomic(out / "eis.csv", spectrum_csv(spectra.back()));
  } else {
    for (double T_C : o.temperatures_C) {
      spectra.push_back(spectrum(base.with_overrides({fmt::format("cell.temperature={:g} degC", T_C)}), freqs));
      write_atomic(out / fmt::format("eis_{:g}C.csv", T_C), spectrum_csv(spectra.back()));
    }
  }
  for (const auto& s : spectra) {
    const double r_hf = s.z.front().z.real();
    js["spectra"].push_back({{"temperature_K", s.T},
                             {"voltage_V", s.voltage},
                             {"current_A_m2", s.current},
                             {"high_frequency_resistance_ohm_cm2", r_hf * 1e4},
                             {"low_frequency_resistance_ohm_cm2", s.z.back().z.real() * 1e4}});
    if (!o.quiet) {
      std::cout << fmt::format("{} at {:.2f} degC: Z'(from {:g} Hz) = {:.4g} ohm cm2, Z'({:g} Hz) = {:.4g} ohm cm2\n",
                               name, s.T - 273.15, o.f_max, r_hf * 1e4, o.f_min, s.z.back().z.real() * 1e4);
    }
  }

  // Conductivity vs temperature: the high-frequency resistance less the contacts is the
  // membrane's L / kappa; ln kappa = ln A - Ea / (k_B T), least squares.
  if (spectra.size() >= 2) {
    std::string csv = "temperature_C,temperature_K,resistance_ohm_cm2,conductivity_S_cm\n";
    std::vector<double> T, sigma;
    for (const auto& s : spectra) {
      const double R = s.z.front().z.real() - s.contact;  // ohm m2
      T.push_back(s.T);
      sigma.push_back(s.membrane_thickness / R);  // S/m
      csv += fmt::format("{:.4f},{:.4f},{:.9g},{:.9g}\n", s.T - 273.15, s.T, R * 1e4, sigma.back() / 100.0);
    }
    const double Ea = arrhenius_activation_energy(T, sigma);
    write_atomic(out / "arrhenius.csv", csv);
    js["arrhenius"] = {{"activation_energy_eV", Ea},
                       {"from_C", spectra.front().T - 273.15},
                       {"to_C", spectra.back().T - 273.15}};
    if (!o.quiet) {
      std::cout << fmt::format("conductivity from the high-frequency resistance, {:g} to {:g} degC: "
                               "activation energy {:.4f} eV\n",
                               spectra.front().T - 273.15, spectra.back().T - 273.15, Ea);
    }
  }
  write_atomic(out / "summary.json", js.dump(2) + "\n");
  if (!o.quiet) std::cout << "results in " << out.string() << "\n";
  return 0;
}

}  // namespace cascade::cli
