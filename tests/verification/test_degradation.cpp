// Degradation sub-models against their analytic limits (docs/model.md, eqs. D1-).
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cmath>
#include <iomanip>

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

namespace {
// Electrode potential phi_s - phi_e at cathode node j.
double electrode_potential(const Simulation& sim, int j) {
  const Cell& cell = const_cast<Simulation&>(sim).cell();
  const auto& y = sim.state();
  return y[cell.i_phi_s(j)] - y[cell.i_phi_e(cell.params().mesh.membrane + j)];
}
}  // namespace

TEST_CASE("CEI growth limited by its kinetics: linear in time, exponential in the potential") {
  // Transport made free: dL/dt = V k0 exp(alpha F (E - E_ox)/RT), E fixed at rest.
  const auto run = [](const char* discharge) {
    auto c = load_case("tests/data/models/rich_cell_cei.yaml",
                       with({"cei.growth.solvent_diffusivity=1 m2/s", "cell.temperature=25 degC"}));
    Simulation sim(c.cell, c.settings);
    sim.run({step(discharge), step("Rest for 2 hours")}, nullptr);
    const int j = 2;
    const double E = electrode_potential(sim, j);
    const double L0 = sim.state()[sim.cell().i_cei(j)];
    sim.run({step("Rest for 10 hours")}, nullptr);
    const double L = sim.state()[sim.cell().i_cei(j)];
    const auto& g = c.cell.cei_growth;
    const double f = faraday / (8.314462618 * 298.15);
    const double expected = g.molar_volume * g.rate_constant *
                            std::exp(g.alpha * f * (E - g.onset_potential)) * 36000.0;
    CHECK(L - L0 == doctest::Approx(expected).epsilon(2e-3).scale(0));
    return std::pair{E, L - L0};
  };
  // The rich cell starts charged: a longer discharge lowers the potential and the growth with it.
  const auto [E_hi, dL_hi] = run("Discharge at 10 A/m2 for 10 minutes");
  const auto [E_lo, dL_lo] = run("Discharge at 10 A/m2 for 60 minutes");
  REQUIRE(E_hi > E_lo + 0.01);
  CHECK(dL_hi / dL_lo == doctest::Approx(std::exp(0.5 * faraday / (8.314462618 * 298.15) * (E_hi - E_lo))).epsilon(5e-3).scale(0));
}

TEST_CASE("CEI growth limited by transport through the layer: the parabolic law") {
  // Kinetics made fast: dL/dt = V D c / L, so L^2 = L0^2 + 2 V D c t at every node.
  auto c = load_case("tests/data/models/rich_cell_cei.yaml",
                     with({"cei.growth.rate_constant=1 mol/(m2 s)", "cell.temperature=25 degC"}));
  Simulation sim(c.cell, c.settings);
  const double L0 = c.cell.cei.thickness;
  sim.run({step("Rest for 100 hours")}, nullptr);
  const auto& g = c.cell.cei_growth;
  const double expected =
      std::sqrt(L0 * L0 + 2 * g.molar_volume * g.solvent_diffusivity * g.solvent_concentration * 360000.0);
  for (int j = 0; j < c.cell.mesh.cathode; ++j) {
    CHECK(sim.state()[sim.cell().i_cei(j)] == doctest::Approx(expected).epsilon(1e-3).scale(0));
  }
}

TEST_CASE("dead lithium: a share of every stripped mole, none on plating, and its resistance") {
  auto c = load_case("tests/data/models/rich_cell_aging.yaml",
                     with({"sei.growth.model=none", "cei.growth.model=none", "cell.temperature=25 degC"}));
  Simulation sim(c.cell, c.settings);
  Cell& cell = sim.cell();
  sim.run({step("Discharge at 20 A/m2 for 1 minute")}, nullptr);
  const double n1 = sim.state()[cell.i_dead()];
  CHECK(n1 == doctest::Approx(0.1 * 20.0 * 60.0 / faraday).epsilon(1e-6).scale(0));
  sim.run({step("Discharge at 20 A/m2 for 30 minutes")}, nullptr);
  const double n2 = sim.state()[cell.i_dead()];
  CHECK(n2 == doctest::Approx(0.1 * 20.0 * 1860.0 / faraday).epsilon(1e-6).scale(0));
  sim.run({step("Charge at 10 A/m2 for 20 minutes")}, nullptr);
  CHECK(sim.state()[cell.i_dead()] == doctest::Approx(n2).epsilon(1e-12).scale(0));  // plating
  // the layer: L = n V_m / (1 - eps), R = L / (kappa eps^b) at the initial salt level
  const double kappa0 = c.cell.electrolyte.conductivity.bind(298.15)->eval(c.cell.electrolyte.c0).v;
  const double r = c.cell.anode.molar_volume / 0.6 / (kappa0 * std::pow(0.4, 1.5));
  CHECK(cell.dead_resistance_per_mol() == doctest::Approx(r).epsilon(1e-12).scale(0));
  const auto b = cell.outputs(sim.state().data()).breakdown;
  const double i = sim.state()[cell.i_i_e0()];
  CHECK(b.sei_ohmic == doctest::Approx(-i * (c.cell.sei.thickness / c.cell.sei.conductivity + r * n2)).epsilon(1e-9).scale(0));
}

TEST_CASE("a foil that runs out ends the experiment, as a real cell dies") {
  // 2 um of foil and a dead-Li share of 0.5: cycling strands the inventory until none is left.
  auto c = load_case("tests/data/models/rich_cell_aging.yaml",
                     with({"sei.growth.model=none", "cei.growth.model=none", "dead_li.fraction=0.5",
                           "anode.thickness=2 um"}));
  Simulation sim(c.cell, c.settings);
  std::vector<Step> steps;
  for (int k = 0; k < 40; ++k) {
    steps.push_back(step("Discharge at 20 A/m2 for 10 minutes"));
    steps.push_back(step("Charge at 20 A/m2 for 10 minutes"));
  }
  const auto res = sim.run(steps, nullptr);
  bool died = false;
  for (const auto& s : res.steps) died = died || s.foil_depleted;
  CHECK(died);
  CHECK(res.steps.size() < steps.size());
  CHECK(sim.state()[sim.cell().i_foil()] < 1e-9);
}

namespace {
std::vector<Step> cycles(int n, const char* discharge = "Discharge at 20 A/m2 until 3.6 V",
                         const char* charge = "Charge at 20 A/m2 until 4.25 V") {
  ParamSet p = ParamSet::load_string(
      fmt::format("experiment:\n  - {{repeat: {}, steps: ['{}', '{}']}}\n", n, discharge, charge),
      "cycles.yaml");
  return case_protocol(p);
}
}  // namespace

TEST_CASE("active-material loss: exponential in the cycles' stoichiometry swing, Li lost with it") {
  auto c = load_case("tests/data/models/rich_cell.yaml",
                     with({"active_loss.model=swing", "active_loss.rate=0.2", "cell.temperature=25 degC"}));
  Simulation sim(c.cell, c.settings);
  const double particles0 = sim.cell().particle_lithium(sim.state().data());
  const double salt0 = sim.cell().electrolyte_lithium(sim.state().data());
  const double foil0 = sim.cell().foil_lithium(sim.state().data());
  const auto res = sim.run(cycles(4), nullptr);
  REQUIRE(res.cycles.size() == 4);
  // each cycle keeps exp(-k swing) of what it had; the swing is the discharge over c_max eps_s L F
  double keep = 1;
  for (const auto& cy : res.cycles) {
    CHECK(cy.active_fraction == doctest::Approx(keep).epsilon(1e-12).scale(0));
    const double cap = faraday * c.cell.cathode.c_max * c.cell.cathode.active_fraction * keep * c.cell.cathode.thickness;
    keep *= std::exp(-0.2 * cy.discharge_charge / cap);
  }
  CHECK(sim.cell().active_material_fraction() == doctest::Approx(keep).epsilon(1e-12).scale(0));
  // capacity falls with the material, and the loss split says so
  CHECK(res.cycles[3].discharge_charge < res.cycles[0].discharge_charge);
  CHECK(res.cycles[3].loss_active > 0);
  CHECK(res.cycles[3].loss_active ==
        doctest::Approx(res.cycles[0].discharge_charge * (1 - res.cycles[3].active_fraction)).epsilon(1e-12).scale(0));
  CHECK(res.cycles[3].loss_inventory == 0);  // a thick foil never runs short
  // Li balance: what left with the particles is accounted for
  const auto& y = sim.state();
  const double now = sim.cell().particle_lithium(y.data()) + sim.cell().electrolyte_lithium(y.data()) +
                     sim.cell().foil_lithium(y.data()) + sim.lost_active_lithium();
  CHECK(std::abs(now - (particles0 + salt0 + foil0)) / (particles0 + salt0 + foil0) < 1e-12);
}

TEST_CASE("solvent depletion: the films' solvent, the electrolyte's conductivity with it") {
  auto c = load_case("tests/data/models/rich_cell_aging.yaml",
                     with({"dead_li.model=none", "solvent.model=depletion", "solvent.mass_fraction=23.1 %",
                           "solvent.electrolyte_density=1.6 g/cm3", "solvent.molar_mass=102 g/mol",
                           "solvent.conductivity_exponent=2", "sei.growth.solvent_diffusivity=1e-21 m2/s",
                           "sei.growth.plating_fraction=0", "cei.growth.rate_constant=1e-8 mol/(m2 s)"}));
  const double n0 = c.cell.solvent.initial_amount;
  CHECK(n0 == doctest::Approx(0.231 * 1600 * (25e-6 * 0.4 + 80e-6 * 0.35) / 0.102).epsilon(1e-12).scale(0));
  Simulation sim(c.cell, c.settings);
  std::vector<double> y0 = sim.state();
  const auto res = sim.run(cycles(3, "Discharge at 5 A/m2 until 3.6 V", "Charge at 5 A/m2 until 4.25 V"), nullptr);
  REQUIRE(res.cycles.size() == 3);
  for (const auto& cy : res.cycles) REQUIRE(cy.discharge_charge > 0);
  const double used = sim.cell().solvent_consumed(y0.data(), sim.state().data());
  REQUIRE(used > 0);
  const double w = 1 - used / n0;
  CHECK(res.cycles[2].solvent_fraction == doctest::Approx(w).epsilon(1e-9).scale(0));
  CHECK(sim.cell().transport_factor() == doctest::Approx(w * w).epsilon(1e-9).scale(0));
  // a cycle runs with the factor left by the cycles before it
  CHECK(res.cycles[0].transport_factor == 1.0);
  CHECK(res.cycles[2].transport_factor < res.cycles[1].transport_factor);
}

TEST_CASE("fast-forward agrees with the full run within 0.5 points of retention, simulating far fewer cycles") {
  // 120 cycles of a cell fading by every mechanism (SEI, CEI, dead Li, active material, solvent)
  auto full_case = load_case("tests/data/models/fade_cell.yaml");
  auto ff_case = load_case("tests/data/models/fade_cell.yaml",
                           {"fast_forward.enabled=true", "fast_forward.tolerance=1 %"});
  Simulation full(full_case.cell, full_case.settings), ff(ff_case.cell, ff_case.settings);
  const auto a = full.run(full_case.steps, nullptr);
  std::vector<CycleResult> heard;  // what a writer of cycles.csv hears, as it happens
  const auto b = ff.run(ff_case.steps, nullptr, {}, [&](const CycleResult& c) { heard.push_back(c); });
  REQUIRE(heard.size() == b.cycles.size());
  for (std::size_t i = 0; i < heard.size(); ++i) CHECK(heard[i].cycles_skipped_after == b.cycles[i].cycles_skipped_after);
  REQUIRE(a.cycles.size() == 120);
  REQUIRE(!b.cycles.empty());
  REQUIRE(b.cycles.back().cycle == 120);  // the last cycle is always simulated
  CHECK(b.cycles.size() < 30);
  CHECK(a.cycles.back().retention < 0.92);  // it really faded
  double worst = 0;
  int skipped = 0;
  for (const auto& c : b.cycles) {
    const auto& ref = a.cycles[static_cast<std::size_t>(c.cycle - 1)];
    REQUIRE(ref.cycle == c.cycle);
    worst = std::max(worst, std::abs(c.retention - ref.retention));
    skipped += c.cycles_skipped_after;
    // the slow states follow the full run too
    CHECK(c.sei_thickness == doctest::Approx(ref.sei_thickness).epsilon(0.01).scale(0));
    CHECK(c.active_fraction == doctest::Approx(ref.active_fraction).epsilon(0.005).scale(0));
  }
  MESSAGE("fast-forward: " << b.cycles.size() << " of 120 cycles simulated, worst retention error "
                           << worst * 100 << " percentage points");
  CHECK(worst < 0.005);
  CHECK(static_cast<int>(b.cycles.size()) + skipped == 120);
  // and a tighter tolerance takes smaller jumps
  auto tight_case = load_case("tests/data/models/fade_cell.yaml",
                              {"fast_forward.enabled=true", "fast_forward.tolerance=0.2 %"});
  Simulation tight(tight_case.cell, tight_case.settings);
  CHECK(tight.run(tight_case.steps, nullptr).cycles.size() > b.cycles.size());
}

TEST_CASE("fast-forward stops jumping at the end of a block and at stop_when") {
  auto c = load_case("tests/data/models/fade_cell.yaml", {"fast_forward.enabled=true", "fast_forward.tolerance=5 %"});
  StopWhen stop;
  stop.cycles = 50;
  Simulation sim(c.cell, c.settings);
  const auto res = sim.run(c.steps, nullptr, stop);
  REQUIRE(!res.cycles.empty());
  CHECK(res.cycles.back().cycle == 50);  // the stop cycle is simulated, not jumped over
  CHECK(res.cycles.size() < 50);         // and the cycles before it were jumped
  int n = 0;
  for (const auto& cy : res.cycles) n += 1 + cy.cycles_skipped_after;
  CHECK(n == 50);  // never past the stop
}
