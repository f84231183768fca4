// Refining the mesh converges the voltage at the scheme's order (SCIENCE.md sec. 2).
#include <doctest/doctest.h>

#include <cmath>

#include "support/case_runner.hpp"

using namespace cascade;
using namespace cascade::testing;

namespace {
double voltage_at(const std::string& file, int nm, int nc, int nr, double t) {
  auto c = load_case(file, {"mesh.membrane=" + std::to_string(nm), "mesh.cathode=" + std::to_string(nc),
                            "mesh.particle=" + std::to_string(nr), "solver.rtol=1e-9", "solver.atol=1e-9"});
  Simulation sim(c.cell, c.settings);
  sim.run({step("Discharge at 20.27 A/m2 for " + std::to_string(t) + " s")}, nullptr);
  return sim.state()[sim.cell().i_voltage()];
}
}  // namespace

TEST_CASE("mid-discharge voltage converges at order >= 1.5 under x and r refinement") {
  const std::string file = "cases/reference/lmo_constant_1c.yaml";
  const double t = 1800;  // s, mid-discharge at 1C
  const double v1 = voltage_at(file, 5, 10, 5, t);
  const double v2 = voltage_at(file, 10, 20, 10, t);  // the default mesh
  const double v3 = voltage_at(file, 20, 40, 20, t);
  const double v4 = voltage_at(file, 40, 80, 40, t);
  const double p = std::log2(std::abs(v1 - v2) / std::abs(v2 - v3));
  const double p2 = std::log2(std::abs(v2 - v3) / std::abs(v3 - v4));
  MESSAGE("V(1800 s): " << v1 << ", " << v2 << ", " << v3 << ", " << v4 << "; observed orders " << p << ", " << p2);
  CHECK(p >= 1.5);
  CHECK(p2 >= 1.5);
  CHECK(std::abs(v2 - v4) < 2e-3);  // default mesh within 2 mV of the finest
}

TEST_CASE("the thin coatings of the study's cells: 5 volumes across the cathode give the capacity of 40") {
  // params/cells/{lfp,lco}_*.yaml mesh the cathode with 5 volumes; a 1C and a 5C discharge after a
  // 1C charge, against 40 volumes
  for (const std::string file : {"cases/paper/lfp_gz62_rate.yaml", "cases/paper/lco_gz62_rate.yaml"}) {
    CAPTURE(file);
    for (const std::string rate : {"1C", "5C"}) {
      CAPTURE(rate);
      double q[2];
      for (int m = 0; m < 2; ++m) {
        auto c = load_case(file, {m == 0 ? "mesh.cathode=5" : "mesh.cathode=40"});
        auto tr = run_case(c, {step("Charge at 1C until 4.2 V"), step("Discharge at " + rate + " until 2.5 V")});
        q[m] = tr.result.steps.back().charge;
      }
      MESSAGE(file << " " << rate << ": " << q[0] / 36000 << " vs " << q[1] / 36000 << " mAh/cm2");
      CHECK(std::abs(q[0] / q[1] - 1.0) < 2e-4);
    }
  }
}
