// The study's cheap cell tests from the command line: `cascade eis` (a spectrum, and the
// conductivity vs temperature of the blocking cell), `cascade bruce-vincent`, and Li|Li cycling
// through `cascade run` (polarization.csv).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "support/case_runner.hpp"
#include "support/cli_runner.hpp"

using namespace cascade::testing;

TEST_CASE("cascade eis: the glass blocking cell's conductivity vs temperature gives the study's 0.17 eV") {
  const ScratchDir out("eis");
  const auto r = run_cascade(fmt::format("eis '{}' --temperatures 20,30,40,50,60,70,80 --points 12 -o '{}'",
                                         repo_path("params/cells/ss_gz62.yaml"), out.path.string()));
  REQUIRE(r.status == 0);
  CHECK(r.output.find("activation energy") != std::string::npos);
  const auto js = nlohmann::json::parse(slurp(out.path / "summary.json"));
  const double Ea = js["arrhenius"]["activation_energy_eV"].get<double>();
  MESSAGE("activation energy from 7 spectra, 20-80 C: " << Ea << " eV");
  CHECK(Ea == doctest::Approx(0.17).epsilon(0.005 / 0.17));  // the study gives two figures
  // one spectrum per temperature, in the documented columns
  const std::string csv = slurp(out.path / "eis_20C.csv");
  CHECK(csv.rfind("frequency_Hz,z_real_ohm_cm2,z_imag_ohm_cm2,z_mod_ohm_cm2,phase_deg\n", 0) == 0);
  // and at 20 C the high-frequency intercept is the membrane's L/kappa: 74 um / 3.32e-4 S/cm
  const std::string arr = slurp(out.path / "arrhenius.csv");
  CHECK(arr.find("20.0000,293.1500,22.289") != std::string::npos);
}

TEST_CASE("cascade eis: a full cell at half charge, and a blocking cell given an experiment is an input error") {
  const ScratchDir out("eis");
  const auto r = run_cascade(fmt::format("eis '{}' --set cell.initial_soc=0.5 --from '10 kHz' --to 10mHz --points 30 -o '{}'",
                                         repo_path("params/cells/lfp_gz62.yaml"), out.path.string()));
  REQUIRE(r.status == 0);
  const std::string csv = slurp(out.path / "eis.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 31);
  // where an experiment leaves the cell: charged half way at C/5 and rested, its spectrum is
  // the one of a cell at rest at that state of charge (within the rest's relaxation)
  const ScratchDir ex("eis_exp");
  std::ofstream(ex.path / "half.yaml") << fmt::format(
      "include: '{}'\nexperiment: ['Charge at C/5 for 150 minutes', 'Rest for 10 hours']\n",
      repo_path("params/cells/ncm811_gz62.yaml"));
  const auto after = run_cascade(fmt::format("eis '{}' --points 5 -o '{}'", (ex.path / "half.yaml").string(),
                                             (ex.path / "o").string()));
  REQUIRE(after.status == 0);
  const auto js = nlohmann::json::parse(slurp(ex.path / "o" / "summary.json"));
  const double V = js["spectra"][0]["voltage_V"].get<double>();
  CHECK(V > 3.6);  // charged: no longer the discharged cell's voltage
  CHECK(js["spectra"][0]["current_A_m2"].get<double>() == doctest::Approx(0.0).scale(1.0));
  const ScratchDir d("eis_bad");
  std::ofstream(d.path / "bad.yaml") << fmt::format(
      "include: '{}'\nexperiment: ['Discharge at 0.1 mA/cm2 for 1 minute']\n", repo_path("params/cells/ss_gz62.yaml"));
  const auto bad = run_cascade(fmt::format("eis '{}' -o '{}'", (d.path / "bad.yaml").string(), (d.path / "o").string()));
  CHECK(bad.status == 2);
  CHECK(bad.output.find("carries no direct current") != std::string::npos);
  const auto unit = run_cascade(fmt::format("eis '{}' --from '10 kV' -o '{}'", repo_path("params/cells/ss_gz62.yaml"),
                                            (d.path / "o").string()));
  CHECK(unit.status != 0);
  CHECK(unit.output.find("--from '10 kV'") != std::string::npos);
}

TEST_CASE("cascade bruce-vincent: t+ of the glass Li|Li cell, and a refusal for a full cell") {
  const ScratchDir out("bv");
  const auto r = run_cascade(fmt::format("bruce-vincent '{}' -o '{}'", repo_path("params/cells/li_li_gz62.yaml"),
                                         out.path.string()));
  REQUIRE(r.status == 0);
  const auto js = nlohmann::json::parse(slurp(out.path / "summary.json"));
  const auto& bv = js["bruce_vincent"];
  CHECK(bv["t_plus_bve"].get<double>() == doctest::Approx(0.74).epsilon(0.01));
  CHECK(bv["t_plus_bve_ideal_solution"].get<double>() == doctest::Approx(bv["t_plus_bve"].get<double>()));
  CHECK(slurp(out.path / "bruce_vincent.csv").rfind("time_s,current_mA_cm2\n", 0) == 0);
  const auto full = run_cascade(fmt::format("bruce-vincent '{}' -o '{}'", repo_path("params/cells/lfp_gz62.yaml"),
                                            (out.path / "x").string()));
  CHECK(full.status == 2);
  CHECK(full.output.find("needs a Li|Li cell") != std::string::npos);
}

TEST_CASE("cascade run on a Li|Li cell writes the polarization of every half cycle, per area") {
  const ScratchDir out("lili");
  const ScratchDir d("lili_case");
  std::ofstream(d.path / "lili.yaml") << fmt::format(
      "include: '{}'\nexperiment:\n  - {{repeat: 3, steps: ['Discharge at 0.2 mA/cm2 for 1 hour', "
      "'Charge at 0.2 mA/cm2 for 1 hour']}}\n",
      repo_path("params/cells/li_li_gz62.yaml"));
  const auto r = run_cascade(fmt::format("run '{}' -o '{}'", (d.path / "lili.yaml").string(), out.path.string()));
  REQUIRE(r.status == 0);
  const std::string pol = slurp(out.path / "polarization.csv");
  CHECK(pol.rfind("half_cycle,cycle,time_h,current_mA_cm2,polarization_mV,end_polarization_mV\n", 0) == 0);
  CHECK(std::count(pol.begin(), pol.end(), '\n') == 7);
  CHECK(slurp(out.path / "timeseries.csv").find("capacity_mAh_cm2") != std::string::npos);
  CHECK(slurp(out.path / "cycles.csv").find("discharge_capacity_mAh_cm2") != std::string::npos);
}

TEST_CASE("cascade symmetric: Li|Li cycling from a current, a capacity and a duration") {
  const ScratchDir out("sym");
  const auto r = run_cascade(fmt::format("symmetric '{}' --current '0.5 mA/cm2' --capacity '0.25 mAh/cm2' --hours 3 -q -o '{}'",
                                         repo_path("params/cells/li_li_gz62.yaml"), out.path.string()));
  REQUIRE(r.status == 0);
  const std::string pol = slurp(out.path / "polarization.csv");
  // 30-minute half cycles: 3 hours are 6 of them, at 0.5 mA/cm2
  CHECK(std::count(pol.begin(), pol.end(), '\n') == 7);
  CHECK(pol.find(",3,3.000000,-0.5,") != std::string::npos);
  const auto full = run_cascade(fmt::format("symmetric '{}' -o '{}'", repo_path("params/cells/lfp_gz62.yaml"),
                                            (out.path / "x").string()));
  CHECK(full.status != 0);
  CHECK(full.output.find("needs a Li|Li cell") != std::string::npos);
}
