// The shipped material and cell files (params/): each is internally consistent and reproduces
// the figures of SCIENCE.md it was built from.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>

#include <cmath>
#include <string>

#include "params/material_yaml.hpp"
#include "support/case_runner.hpp"

using namespace cascade;
using namespace cascade::testing;

namespace {

constexpr double k_B = 8.617333262e-5;  // eV/K

double kappa_at(const ParamSet& p, double T) {
  return material_function(p, "electrolyte.conductivity").bind(T)->eval(p.quantity("electrolyte.initial_concentration")).v;
}
double apparent_ea_eV(const ParamSet& p, double Ta, double Tb) {
  return k_B * std::log(kappa_at(p, Tb) / kappa_at(p, Ta)) / (1 / Ta - 1 / Tb);
}

}  // namespace

TEST_CASE("glass QSSE: one law reproduces every measured conductivity and 0.17 eV") {
  const ParamSet p = ParamSet::load(repo_path("params/electrolytes/gz62_qsse.yaml"));
  // SCIENCE.md sec. 3, S/cm -> S/m; each within 5 %
  CHECK(kappa_at(p, 293.15) == doctest::Approx(3.32e-2).epsilon(0.05).scale(0));
  CHECK(kappa_at(p, 263.15) == doctest::Approx(9.30e-3).epsilon(0.05).scale(0));
  CHECK(kappa_at(p, 243.15) == doctest::Approx(1.45e-3).epsilon(0.05).scale(0));
  CHECK(apparent_ea_eV(p, 293.15, 353.15) == doctest::Approx(0.17).epsilon(0.01).scale(0));
  // and the law is not Arrhenius below 20 C: the apparent energy grows in the cold
  CHECK(apparent_ea_eV(p, 243.15, 263.15) > apparent_ea_eV(p, 263.15, 293.15));
  CHECK(apparent_ea_eV(p, 263.15, 293.15) > apparent_ea_eV(p, 293.15, 353.15));
}

TEST_CASE("crystal QSSE: 1.44e-4 S/cm at 20 C and 0.20 eV") {
  const ParamSet p = ParamSet::load(repo_path("params/electrolytes/cz62_qsse.yaml"));
  CHECK(kappa_at(p, 293.15) == doctest::Approx(1.44e-2).epsilon(1e-9).scale(0));
  CHECK(apparent_ea_eV(p, 293.15, 353.15) == doctest::Approx(0.20).epsilon(1e-6).scale(0));
}

TEST_CASE("salt diffusivity: the Nernst-Einstein estimate the files state") {
  // D = 2 t+ (1 - t+) R T kappa / (F^2 c), at every temperature
  constexpr double R = 8.314462618, F = 96485.33212;
  for (const char* file : {"params/electrolytes/gz62_qsse.yaml", "params/electrolytes/cz62_qsse.yaml"}) {
    CAPTURE(file);
    const ParamSet p = ParamSet::load(repo_path(file));
    const double c = p.quantity("electrolyte.initial_concentration");
    const double tp = material_function(p, "electrolyte.transference_number").bind(298.15)->eval(c).v;
    for (double T : {253.15, 293.15, 333.15}) {
      const double D = material_function(p, "electrolyte.diffusivity").bind(T)->eval(c).v;
      CHECK(D == doctest::Approx(2 * tp * (1 - tp) * R * T * kappa_at(p, T) / (F * F * c)).epsilon(2e-3).scale(0));
    }
  }
}

TEST_CASE("the glass cell's files give the membrane resistance the study measured") {
  // SCIENCE.md sec. 3: 10.02 ohm on an area of "~2 cm2" (one significant figure). The files'
  // L/kappa at 20 C imply the area that gives 10.02 ohm; it must round to 2 cm2.
  const LoadedCase c = load_case("params/cells/lfp_gz62.yaml");
  const double kappa = c.cell.electrolyte.conductivity.bind(293.15)->eval(c.cell.electrolyte.c0).v;
  const double area_resistance = c.cell.membrane.thickness / (kappa * c.cell.membrane.transport_efficiency);
  const double implied_area_cm2 = area_resistance / 10.02 * 1e4;
  CAPTURE(area_resistance * 1e4);
  CAPTURE(implied_area_cm2);
  CHECK(implied_area_cm2 >= 1.5);
  CHECK(implied_area_cm2 < 2.5);
}

TEST_CASE("each cathode's OCP is smooth and decreasing over the window the cell uses") {
  for (const char* name : {"lfp", "ncm811", "lco"}) {
    CAPTURE(name);
    const ParamSet p = ParamSet::load(repo_path(std::string("params/cathodes/") + name + ".yaml"));
    const auto U = material_function(p, "cathode.ocp").bind(298.15);
    const auto [lo, hi] = material_function_domain(p, "cathode.ocp");
    const double a = p.quantity("cathode.stoichiometry_charged");
    const double b = p.quantity("cathode.stoichiometry_discharged");
    CHECK(a >= lo);
    CHECK(b <= hi);
    CHECK(U->eval(a).v > U->eval(b).v);
    const int n = 2000;
    double last = U->eval(a).v;
    for (int i = 1; i <= n; ++i) {
      const double x = a + (b - a) * i / n;
      const auto u = U->eval(x);
      REQUIRE(std::isfinite(u.v));
      CHECK(u.dv < 0.0);
      CHECK(u.v < last);
      last = u.v;
      // smooth: the slope the model uses matches the function's own differences
      const double h = 1e-6;
      const double fd = (U->eval(std::min(x + h, hi)).v - U->eval(std::max(x - h, lo)).v) /
                        (std::min(x + h, hi) - std::max(x - h, lo));
      CHECK(u.dv == doctest::Approx(fd).epsilon(1e-2).scale(0));
    }
    // the window lies inside the voltage window the file states
    CHECK(U->eval(b).v > p.quantity("cathode.lower_voltage"));
    CHECK(U->eval(a).v < p.quantity("cathode.upper_voltage"));
  }
}

TEST_CASE("a slow discharge of each glass cell lands on its plateau and delivers its window, less its inactive share") {
  struct Expect {
    const char* cell;
    double mean_lo, mean_hi;  // V, plateau of the chemistry
  };
  // SCIENCE.md / issue: LFP ~3.4 V, NCM811 ~3.8 V, LCO ~3.9 V mean
  for (const Expect& e : {Expect{"lfp_gz62", 3.35, 3.45}, Expect{"ncm811_gz62", 3.7, 3.9},
                          Expect{"lco_gz62", 3.8, 4.0}}) {
    CAPTURE(e.cell);
    const LoadedCase c = load_case(std::string("params/cells/") + e.cell + ".yaml", {"cell.initial_soc=1"});
    const double v_low = c.params.quantity("cathode.lower_voltage");
    const Trace tr = run_case(c, {step(fmt::format("Discharge at C/20 until {} V", v_low))});
    REQUIRE(tr.result.steps.size() == 1);
    const auto& s = tr.result.steps[0];
    const double mass = c.cell.active_mass();
    const double capacity = s.charge / mass;  // C/kg
    const double mean_v = s.energy / s.charge;
    CAPTURE(capacity / 3600);
    CAPTURE(mean_v);
    CAPTURE(s.end_reason);
    // C/20 is slow enough to use the whole stoichiometry window of the file; the share of the
    // material that never cycles (fitted per cell) delivers nothing
    const double window = c.params.quantity("cathode.stoichiometry_discharged") -
                          c.params.quantity("cathode.stoichiometry_charged");
    const double cycling = c.params.quantity("cathode.theoretical_capacity") * window *
                           (1.0 - c.cell.cathode.inactive_fraction);
    CAPTURE(cycling / 3600);
    CHECK(capacity == doctest::Approx(cycling).epsilon(0.03).scale(0));
    // and the window is close to the practical capacity that defines the cell's 1C
    CHECK(window * c.params.quantity("cathode.theoretical_capacity") ==
          doctest::Approx(c.cell.cathode.nominal_capacity).epsilon(0.05).scale(0));
    CHECK(mean_v > e.mean_lo);
    CHECK(mean_v < e.mean_hi);
  }
}

TEST_CASE("every glass and crystal cell composes and runs a 1C cycle") {
  for (const char* cat : {"lfp", "ncm811", "lco"}) {
    for (const char* el : {"gz62", "cz62"}) {
      const std::string file = fmt::format("params/cells/{}_{}.yaml", cat, el);
      CAPTURE(file);
      const LoadedCase c = load_case(file);
      CHECK(c.cell.cathode.sto0 == doctest::Approx(c.params.quantity("cathode.stoichiometry_discharged")));
      CHECK(c.cell.active_mass() == doctest::Approx(1.5e-2).epsilon(1e-9).scale(0));  // 1.5 mg/cm2
      // the films' conductivities come from their compositions
      CHECK_FALSE(c.cell.sei.phases.empty());
      CHECK_FALSE(c.cell.cei.phases.empty());
      const double vu = c.params.quantity("cathode.upper_voltage");
      const double vl = c.params.quantity("cathode.lower_voltage");
      const Trace tr = run_case(c, {step(fmt::format("Charge at 1C until {} V", vu)),
                                    step(fmt::format("Discharge at 1C until {} V", vl))});
      REQUIRE(tr.result.steps.size() == 2);
      const double q_dis = tr.result.steps[1].charge / c.cell.active_mass() / 3600;  // mAh/g
      CAPTURE(q_dis);
      CHECK(q_dis > 0.5 * c.cell.cathode.nominal_capacity / 3600);
      CHECK(q_dis < 1.0 * c.cell.cathode.nominal_capacity / 3600);
    }
  }
}

TEST_CASE("a discharge past the OCP's valid range ends there, with the reason") {
  const LoadedCase c = load_case("params/cells/ncm811_gz62.yaml", {"cell.initial_soc=1"});
  const Trace tr = run_case(c, {step("Discharge at C/10 until 2.8 V"), step("Rest for 10 minutes"),
                                step("Charge at C/10 until 4.3 V")});
  REQUIRE(tr.result.steps.size() == 3);
  CHECK(tr.result.steps[0].end_reason.find("OCP is valid") != std::string::npos);
  CHECK(tr.result.steps[0].end_voltage > 2.8);
  // the surface stopped at the edge, 0.9084, and no particle went past it
  REQUIRE(!tr.rows.empty());
  double most = 0;
  for (const auto& r : tr.rows) most = std::max(most, r.out.sto_surf_max);
  CHECK(most <= 0.9084 + 1e-6);
  CHECK(most > 0.9084 - 1e-3);
  // a charge from there is not blocked by the discharge-side edge
  CHECK_FALSE(tr.result.steps[2].skipped);
  CHECK(tr.result.steps[2].charge < 0);
  CHECK(tr.result.steps[2].end_reason.find("OCP is valid") != std::string::npos);  // 4.285 V < 4.3 V
}
