// Lithium and charge are conserved: by construction of the finite volumes, and so to the
// integrator's round-off over a whole discharge (SCIENCE.md sec. 2).
#include <doctest/doctest.h>

#include <cmath>

#include "support/case_runner.hpp"

using namespace cascade;
using namespace cascade::testing;

TEST_CASE("lithium and charge balances close over a full 1C discharge and a charge") {
  for (const char* file : {"cases/reference/lmo_constant_1c.yaml", "tests/data/models/rich_cell.yaml",
                           "tests/data/models/rich_cell_sei.yaml", "tests/data/models/rich_cell_aging.yaml"}) {
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
    REQUIRE(moved > 0.05);  // mol/m2: the discharge really happened
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
