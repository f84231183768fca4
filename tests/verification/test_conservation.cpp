// Lithium and charge are conserved: by construction of the finite volumes, and so to the
// integrator's round-off over a whole discharge (SCIENCE.md sec. 2).
#include <doctest/doctest.h>

#include <cmath>

#include "support/case_runner.hpp"

using namespace cascade;
using namespace cascade::testing;

TEST_CASE("lithium and charge balances close over a full 1C discharge and a charge") {
  for (const char* file : {"cases/reference/lmo_constant_1c.yaml", "tests/data/models/rich_cell.yaml",
                           "tests/data/models/rich_cell_sei.yaml", "tests/data/models/rich_cell_aging.yaml",
                           "tests/data/models/rich_cell_psd.yaml"}) {
    CAPTURE(std::string(file));
    auto c = load_case(file, {"mesh.membrane=6", "mesh.cathode=10", "mesh.particle=6"});
    Simulation sim(c.cell, c.settings);
    Cell& cell = sim.cell();
    const auto y0 = sim.state();
    const double particles0 = cell.particle_lithium(y0.data());
    const double salt0 = cell.electrolyte_lithium(y0.data());
    const double foil0 = cell.foil_lithium(y0.data()) + cell.sei_lithium(y0.data()) + cell.dead_lithium(y0.data());
    sim.run({step("Discharge at 20 A/m2 until 3.5 V"), step("Rest for 10 minutes"),
             step("Charge at 10 A/m2 for 30 minutes")},
            nullptr);
    const auto& y = sim.state();
    const double particles = cell.particle_lithium(y.data());
    const double salt = cell.electrolyte_lithium(y.data());
    // Li corroded into the SEI or stranded as dead Li left the foil: count it with the foil
    const double foil = cell.foil_lithium(y.data()) + cell.sei_lithium(y.data()) + cell.dead_lithium(y.data());
    const double total0 = particles0 + salt0 + foil0;
    // Li: particles + electrolyte + foil (+ SEI)
    CHECK(std::abs((particles + salt + foil) - total0) / total0 < 1e-12);
    // relative to what moved, not only to the (large) foil inventory
    const double moved = std::abs(particles - particles0);
    CHECK(moved > 0.05);  // mol/m2: the discharge really happened
    if (!(moved > 0.05)) continue;  // (the other cells are still checked)
    CHECK(std::abs((particles + salt + foil) - total0) / moved < 1e-10);
    // charge: what entered the particles is what passed the external circuit
    const double Q = y[cell.i_charge()];
    MESSAGE("Li balance error " << std::abs((particles + salt + foil) - total0) / total0
            << " of the total, " << std::abs((particles + salt + foil) - total0) / moved
            << " of what moved; charge balance " << std::abs((particles - particles0) * faraday - Q) / std::abs(Q)
            << "; salt " << std::abs(salt - salt0) / salt0);
    CHECK(std::abs((particles - particles0) * faraday - Q) / std::abs(Q) < 1e-10);
    // the salt only moves inside the electrolyte
    CHECK(std::abs(salt - salt0) / salt0 < 1e-10);
  }
}

TEST_CASE("Li|Li: lithium and salt balances close over plating/stripping with SEI growth and dead Li") {
  auto c = load_case("tests/data/models/rich_li_li_aging.yaml");
  Simulation sim(c.cell, c.settings);
  Cell& cell = sim.cell();
  const auto total = [&](const std::vector<double>& y) {
    return cell.foil_lithium(y.data()) + cell.sei_lithium(y.data()) + cell.dead_lithium(y.data()) +
           cell.electrolyte_lithium(y.data());
  };
  const auto y0 = sim.state();
  const double total0 = total(y0), salt0 = cell.electrolyte_lithium(y0.data());
  const double left0 = y0[cell.foils()[0].base + 2], right0 = y0[cell.foils()[1].base + 2];
  const auto res = sim.run({step("Discharge at 20 A/m2 for 30 minutes"), step("Charge at 20 A/m2 for 30 minutes"),
                            step("Discharge at 20 A/m2 for 30 minutes")},
                           nullptr);
  REQUIRE(res.stop_reason.empty());
  const auto& y = sim.state();
  CHECK(std::abs(total(y) - total0) / total0 < 1e-12);
  CHECK(std::abs(cell.electrolyte_lithium(y.data()) - salt0) / salt0 < 1e-10);
  // Li moved from the foil at x = 0 to the one at x = L: one net half cycle of 10 C/cm2 ...
  const double moved = 20.0 * 1800.0 / faraday * cell.params().anode.molar_volume;  // m
  CHECK(left0 - y[cell.foils()[0].base + 2] > 0.99 * moved);
  // ... and both foils lost Li to SEI and dead Li: the left more (it stripped twice)
  CHECK(y[cell.foils()[1].base + 2] - right0 < moved);
  CHECK(y[cell.foils()[0].base + 4] > y[cell.foils()[1].base + 4]);
  CHECK(y[cell.foils()[1].base + 3] > c.cell.sei.thickness);
}

TEST_CASE("Li|Cu: what is plated onto copper strips back, and an emptied copper ends the step, not the run") {
  auto c = load_case("tests/data/models/rich_li_li.yaml", {"cell.stack=[li_metal, sei, qsse, copper]"});
  Simulation sim(c.cell, c.settings);
  Cell& cell = sim.cell();
  REQUIRE(cell.foils()[1].kind == Electrode::copper);
  CHECK(sim.state()[cell.foils()[1].base + 2] == 0.0);
  const auto res = sim.run({step("Discharge at 5 A/m2 for 1 hour"), step("Charge at 5 A/m2 until 1 V"),
                            step("Discharge at 5 A/m2 for 30 minutes"), step("Charge at 5 A/m2 until 1 V")},
                           nullptr);
  CHECK(res.stop_reason.empty());
  REQUIRE(res.steps.size() == 4);
  CHECK(res.steps[1].end_reason == "the Li plated on the copper electrode is stripped");
  CHECK(std::abs(res.steps[1].charge) == doctest::Approx(res.steps[0].charge).epsilon(1e-6));
  CHECK(std::abs(res.steps[3].charge) == doctest::Approx(res.steps[2].charge).epsilon(1e-6));
  // stripping an empty copper electrode is skipped with its reason
  const auto again = sim.run({step("Charge at 5 A/m2 until 1 V")}, nullptr);
  REQUIRE(again.steps.size() == 1);
  CHECK(again.steps[0].skipped);
  CHECK(again.steps[0].end_reason.find("no Li left on the copper electrode") != std::string::npos);
}
