// The analytic limits of SCIENCE.md sec. 2, each a test the model can pass exactly.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>

#include "support/case_runner.hpp"

using namespace cascade;
using namespace cascade::testing;

TEST_CASE("at rest the terminal voltage equals the OCP at the particle surface") {
  auto c = load_case("tests/data/models/rich_cell.yaml");
  auto tr = run_case(c, {step("Rest for 1 hour")});
  const auto& cat = c.cell.cathode;
  const double T = c.cell.temperature;
  const double U = cat.ocp.bind(cat.ocp_T_ref)->eval(cat.sto0).v +
                   (T - cat.ocp_T_ref) * cat.entropic.bind(T)->eval(cat.sto0).v;
  REQUIRE(tr.rows.size() > 2);
  for (const auto& r : tr.rows) {
    CHECK(std::abs(r.out.voltage - U) < 1e-9);
    CHECK(std::abs(r.out.breakdown.ocv - U) < 1e-9);
  }
  // and after a discharge, once relaxed, it sits on the OCP of the (now uniform) surface
  auto tr2 = run_case(c, {step("Discharge at 20 A/m2 for 20 minutes"), step("Rest for 30 hours")});
  REQUIRE(!tr2.rows.empty());
  const auto& last = tr2.rows.back().out;
  CHECK(std::abs(last.current) < 1e-12);
  CHECK(std::abs(last.voltage - last.breakdown.ocv) < 1e-6);
  CHECK(std::abs(last.breakdown.eta_cathode) < 1e-6);
}

TEST_CASE("steady current through the membrane gives the analytic linear salt profile") {
  // Electrolyte set A (constant D, t+): in the membrane the Li+ flux is I/F everywhere, so at
  // steady state -D_eff dc/dx = (1 - t+) I / F, a straight line.
  auto c = load_case("cases/reference/lmo_constant_1c.yaml", {"mesh.membrane=10"});
  Simulation sim(c.cell, c.settings);
  sim.run({step("Discharge at 2 A/m2 for 10 minutes")}, nullptr);
  const auto& y = sim.state();
  const Cell& cell = sim.cell();
  const double D_eff = 1.54e-9 * std::pow(0.4, 1.5);
  const double I = y[cell.i_current()];
  const double slope = -(1.0 - 0.2) * I / (faraday * D_eff);
  for (int e = 1; e < cell.n_membrane(); ++e) {
    const double num = (y[cell.i_c_e(e)] - y[cell.i_c_e(e - 1)]) / (cell.x_center(e) - cell.x_center(e - 1));
    CHECK(std::abs(num / slope - 1.0) < 1e-3);
  }
}

TEST_CASE("slow limit: at C/100 the capacity is the stoichiometry window times c_max times the active volume") {
  // with one particle size, and with a spread over four (every size fills at C/100)
  for (const bool spread : {false, true}) {
  CAPTURE(spread);
  std::vector<std::string> o{"mesh.cathode=10", "mesh.membrane=5"};
  if (spread) o.insert(o.end(), {"cathode.particle_classes=4", "cathode.particle_radius_spread=0.6"});
  auto c = load_case("cases/reference/lmo_constant_1c.yaml", o);
  // 1C here is 20.27 A/m2 (y from 0.2 to 1); C/100 runs to the OCP's 3.5 V point, y = 0.99369.
  auto tr = run_case(c, {step("Discharge at 0.2027 A/m2 until 3.5 V")});
  const auto& k = c.cell.cathode;
  const double window = 0.99369 - 0.2;  // U(0.99369) = 3.5 V (PARAMETERS.md sec. 2)
  const double expected = window * k.c_max * k.active_fraction * k.thickness * faraday;  // C/m2
  const double delivered = tr.rows.back().out.charge;
  CHECK(std::abs(delivered / expected - 1.0) < 0.005);
  MESSAGE("C/100 capacity: " << delivered / 36000.0 << " mAh/cm2, window " << expected / 36000.0);
  }
}

TEST_CASE("a particle size spread: the big particles fall behind, and further at high rate") {
  const auto capacity = [](double spread, double rate_A_m2) {
    std::vector<std::string> o{"mesh.cathode=10", "mesh.membrane=5"};
    if (spread > 0) o.insert(o.end(), {"cathode.particle_classes=5", fmt::format("cathode.particle_radius_spread={}", spread)});
    auto c = load_case("cases/reference/lmo_constant_1c.yaml", o);
    auto tr = run_case(c, {step(fmt::format("Discharge at {} A/m2 until 3.5 V", rate_A_m2))});
    return tr.rows.back().out.charge;
  };
  // the classes split the volume evenly: the median radius is the one radius of the narrow cell
  const double one_c = 20.27;
  const double narrow1 = capacity(0, one_c), wide1 = capacity(0.6, one_c);
  const double narrow5 = capacity(0, 5 * one_c), wide5 = capacity(0.6, 5 * one_c);
  MESSAGE("1C: " << narrow1 / 36000 << " vs " << wide1 / 36000 << " mAh/cm2; 5C: " << narrow5 / 36000 << " vs "
                 << wide5 / 36000);
  CHECK(wide1 < narrow1);  // large particles cannot keep up
  CHECK(wide1 > 0.9 * narrow1);
  // their diffusion time grows as R^2, so the spread costs more at 5C (measured 2.7 % against
  // 0.5 % at 1C)
  CHECK(wide5 < narrow5);
  CHECK(narrow5 - wide5 > 2 * (narrow1 - wide1));
}

TEST_CASE("constant voltage and constant power hold their setpoints") {
  auto c = load_case("cases/reference/lmo_constant_1c.yaml", {"mesh.cathode=8", "mesh.membrane=4", "mesh.particle=6"});
  auto tr = run_case(c, {step("Discharge at 20 A/m2 for 10 minutes"), step("Hold at 4.0 V for 10 minutes"),
                         step("Discharge at 40 W/m2 for 10 minutes")});
  int hold = 0, power = 0;
  for (const auto& r : tr.rows) {
    if (r.step == 2 && r.t > 601) {
      CHECK(r.out.voltage == doctest::Approx(4.0).epsilon(1e-9).scale(0));
      ++hold;
    }
    if (r.step == 3 && r.t > 1201) {
      CHECK(r.out.current * r.out.voltage == doctest::Approx(40.0).epsilon(1e-7).scale(0));
      ++power;
    }
  }
  CHECK(hold > 3);
  CHECK(power > 3);
  // the hold relaxes the current towards zero from the discharge side
  REQUIRE(tr.result.steps.size() == 3);
  CHECK(tr.result.steps[1].charge > 0);
}

TEST_CASE("a step whose limit is already passed is skipped with a note") {
  auto c = load_case("cases/reference/lmo_constant_1c.yaml", {"mesh.cathode=8", "mesh.membrane=4", "mesh.particle=6"});
  auto tr = run_case(c, {step("Charge at 1 A/m2 until 4.0 V"), step("Discharge at 20 A/m2 for 1 minute")});
  REQUIRE(tr.result.steps.size() == 2);
  CHECK(tr.result.steps[0].skipped);
  CHECK(tr.result.steps[0].end_reason.find("already past") != std::string::npos);
  CHECK_FALSE(tr.result.steps[1].skipped);
}

TEST_CASE("an impossible rate fails with a message naming the time and the state, not a hang") {
  auto c = load_case("cases/reference/lmo_lipf6_1c.yaml", {"mesh.cathode=8", "mesh.membrane=4", "mesh.particle=6"});
  try {
    run_case(c, {step("Discharge at 3000 A/m2 for 1 hour")});
    FAIL("expected a failure");
  } catch (const solver::SolverError& e) {
    const std::string msg = e.what();
    MESSAGE(msg);
    CHECK(msg.find("t = ") != std::string::npos);
    CHECK(msg.find("V = ") != std::string::npos);
  }
}

TEST_CASE("band, KLU and SUNDIALS band linear solvers give the same discharge") {
  auto band = load_case("cases/reference/lmo_constant_1c.yaml", {"mesh.cathode=8", "mesh.membrane=4", "mesh.particle=6"});
  auto a = run_case(band, band.steps);
  for (const char* ls : {"klu", "sundials_band"}) {
    CAPTURE(ls);
    auto other = load_case("cases/reference/lmo_constant_1c.yaml",
                           {"mesh.cathode=8", "mesh.membrane=4", "mesh.particle=6",
                            std::string("solver.linear_solver=") + ls});
    auto b = run_case(other, other.steps);
    CHECK(a.rows.back().t == doctest::Approx(b.rows.back().t).epsilon(1e-6).scale(0));
    CHECK(a.rows.back().out.charge == doctest::Approx(b.rows.back().out.charge).epsilon(1e-6).scale(0));
  }
}

TEST_CASE("a step ending at a capacity passes exactly that charge") {
  auto c = load_case("cases/reference/lmo_constant_1c.yaml", {"mesh.cathode=8", "mesh.membrane=4", "mesh.particle=6"});
  auto tr = run_case(c, {step("Discharge at 2 mA/cm2 until 0.5 mAh/cm2"), step("Charge at 1 mA/cm2 until 0.2 mAh/cm2")});
  REQUIRE(tr.result.steps.size() == 2);
  CHECK(tr.result.steps[0].charge == doctest::Approx(0.5 * 36000).epsilon(1e-9).scale(0));
  CHECK(tr.result.steps[1].charge == doctest::Approx(-0.2 * 36000).epsilon(1e-9).scale(0));
  CHECK(tr.result.steps[0].t_end == doctest::Approx(0.5 * 36000 / 20.0).epsilon(1e-9).scale(0));
  CHECK(tr.result.steps[0].end_reason.find("mAh/cm2 passed") != std::string::npos);
}

TEST_CASE("a finite Li foil runs out: the step ends when the inventory is used up") {
  // 2 um of Li hold 0.41 mAh/cm2, a fifth of the cathode's capacity
  auto c = load_case("cases/reference/lmo_constant_1c.yaml",
                     {"mesh.cathode=8", "mesh.membrane=4", "mesh.particle=6", "anode.thickness=2 um"});
  auto tr = run_case(c, {step("Discharge at 20 A/m2 until 3.5 V"), step("Rest for 1 minute")});
  REQUIRE_FALSE(tr.result.steps.empty());
  CHECK(tr.result.steps[0].end_reason == "the Li foil is used up");
  const double expected = 2e-6 / c.cell.anode.molar_volume * faraday;  // C/m2
  CHECK(tr.result.steps[0].charge == doctest::Approx(expected).epsilon(1e-6).scale(0));
  CHECK(tr.rows.back().out.foil_thickness == doctest::Approx(0.0).epsilon(1e-9));
}

TEST_CASE("a step's temperature reaches the transport laws: membrane ohmic drop scales with Arrhenius") {
  // The example's membrane has kappa = 3.32e-4 S/cm at 20 C with 0.17 eV. Just after the current
  // starts the salt is still uniform inside the membrane, so between two interior cells
  // phi_e drops by I dx / kappa(T) exactly.
  auto c = load_case("cases/examples/li_qsse_lmo_cascade.yaml", {"mesh.membrane=10"});
  const auto drop_at = [&](const std::string& temperature) {
    Simulation sim(c.cell, c.settings);
    std::vector<Row> rows;
    sim.run({step("Discharge at 20 A/m2 for 1 ms at " + temperature)}, [&](const Row& r) { rows.push_back(r); });
    REQUIRE(!rows.empty());
    CHECK(rows.back().temperature == doctest::Approx(to_si(temperature, dim::temperature)).scale(0));
    const auto& y = sim.state();
    const Cell& cell = sim.cell();
    return y[cell.i_phi_e(4)] - y[cell.i_phi_e(5)];
  };
  const double warm = drop_at("25 degC"), cold = drop_at("-10 degC");
  const double kB_eV = 8.617333262e-5;
  const auto kappa = [&](double T) { return 3.32e-2 * std::exp(-0.17 / kB_eV * (1.0 / T - 1.0 / 293.15)); };
  const double dx = 74e-6 / 10;
  CHECK(warm == doctest::Approx(20.0 * dx / kappa(298.15)).epsilon(1e-4).scale(0));
  CHECK(cold == doctest::Approx(20.0 * dx / kappa(263.15)).epsilon(1e-4).scale(0));
}

TEST_CASE("a slow discharge delivers the cycling share of the capacity when part of the material is inactive") {
  // The deliverable capacity scales with 1 - inactive_fraction; per gram it is per the whole mass.
  const auto capacity = [](const char* f) {
    auto c = cascade::testing::load_case("cases/reference/lmo_constant_1c.yaml",
                                         {std::string("cathode.inactive_fraction=") + f, "mesh.cathode=6",
                                          "mesh.particle=5", "mesh.membrane=4"});
    const auto tr = cascade::testing::run_case(c, {cascade::testing::step("Discharge at 0.5 A/m2 until 3.5 V")});
    REQUIRE(tr.result.steps.size() == 1);
    return tr.result.steps[0].charge / c.cell.active_mass();
  };
  CHECK(capacity("0.2") == doctest::Approx(0.8 * capacity("0")).epsilon(2e-3).scale(0));
}
