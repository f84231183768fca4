// Degradation sub-models against their analytic limits (docs/model.md, eqs. D1-).
#include <doctest/doctest.h>

#include <cmath>

#include "support/case_runner.hpp"

using namespace cascade;
using namespace cascade::testing;

namespace {
const std::vector<std::string> coarse{"mesh.membrane=4", "mesh.cathode=6", "mesh.particle=5"};
std::vector<std::string> with(std::vector<std::string> extra) {
  extra.insert(extra.end(), coarse.begin(), coarse.end());
  return extra;
}
}  // namespace

TEST_CASE("SEI growth through the layer follows the parabolic law at rest") {
  // j = nu D c / L and dL/dt = V j give L^2 = L0^2 + 2 V nu D c t.
  auto c = load_case("tests/data/models/rich_cell_sei.yaml",
                     with({"sei.growth.plating_fraction=0", "cell.temperature=25 degC"}));
  Simulation sim(c.cell, c.settings);
  const double t = 200 * 3600.0;
  sim.run({step("Rest for 200 hours")}, nullptr);
  const auto& g = c.cell.sei_growth;
  const double L0 = c.cell.sei.thickness;
  const double expected = std::sqrt(L0 * L0 + 2 * g.molar_volume * g.li_per_solvent *
                                                 g.solvent_diffusivity * g.solvent_concentration * t);
  const double L = sim.state()[sim.cell().i_sei()];
  CHECK(L > 1.5 * L0);  // it really grew
  CHECK(L == doctest::Approx(expected).epsilon(1e-5).scale(0));
}

TEST_CASE("SEI growth on plating: a fixed share of the plated lithium, none on stripping") {
  auto c = load_case("tests/data/models/rich_cell_sei.yaml",
                     with({"sei.growth.solvent_diffusivity=0 m2/s", "cell.temperature=25 degC"}));
  Simulation sim(c.cell, c.settings);
  const int iL = sim.cell().i_sei();
  const double L0 = sim.state()[iL];
  sim.run({step("Discharge at 20 A/m2 for 30 minutes")}, nullptr);
  CHECK(sim.state()[iL] == doctest::Approx(L0).epsilon(1e-12).scale(0));  // stripping: no growth
  sim.run({step("Charge at 10 A/m2 for 30 minutes")}, nullptr);
  const auto& g = c.cell.sei_growth;
  const double plated = 10.0 * 1800.0 / faraday;  // mol/m2
  CHECK(sim.state()[iL] - L0 ==
        doctest::Approx(g.molar_volume * g.plating_fraction * plated).epsilon(1e-6).scale(0));
  // and the foil paid for it
  CHECK(sim.cell().sei_lithium(sim.state().data()) ==
        doctest::Approx(g.plating_fraction * plated).epsilon(1e-6).scale(0));
}

TEST_CASE("SEI growth is thermally activated") {
  const auto grown = [](const char* T) {
    auto c = load_case("tests/data/models/rich_cell_sei.yaml",
                       with({"sei.growth.plating_fraction=0", std::string("cell.temperature=") + T}));
    Simulation sim(c.cell, c.settings);
    sim.run({step("Rest for 100 hours")}, nullptr);
    const double L = sim.state()[sim.cell().i_sei()], L0 = c.cell.sei.thickness;
    return L * L - L0 * L0;  // proportional to the rate
  };
  const double ratio = grown("45 degC") / grown("25 degC");
  CHECK(ratio == doctest::Approx(std::exp(30000 / 8.314462618 * (1 / 298.15 - 1 / 318.15))).epsilon(1e-4).scale(0));
}

TEST_CASE("a growing SEI raises the cell's resistance") {
  auto c = load_case("tests/data/models/rich_cell_sei.yaml", with({}));
  Simulation sim(c.cell, c.settings);
  sim.run({step("Discharge at 20 A/m2 for 1 minute")}, nullptr);
  const double v_fresh = sim.state()[sim.cell().i_voltage()];
  const double L_fresh = sim.state()[sim.cell().i_sei()];
  sim.run({step("Rest for 500 hours"), step("Discharge at 20 A/m2 for 1 minute")}, nullptr);
  const double L_aged = sim.state()[sim.cell().i_sei()];
  REQUIRE(L_aged > 1.5 * L_fresh);
  // the SEI ohmic drop grew by I (L_aged - L_fresh) / kappa_SEI (the cathode moved a little too)
  const double extra = 20.0 * (L_aged - L_fresh) / c.cell.sei.conductivity;
  CHECK(v_fresh - sim.state()[sim.cell().i_voltage()] == doctest::Approx(extra).epsilon(0.05).scale(0));
}
