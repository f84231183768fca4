// The P2D cell as a DAE: its analytic Jacobian against finite differences, its layout and the
// voltage breakdown.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>

#include "models/cell.hpp"
#include "solver/solver_error.hpp"
#include "support/case_runner.hpp"

using namespace cascade;
using cascade::testing::load_case;

namespace {

class DenseSink : public solver::JacobianSink {
 public:
  explicit DenseSink(int n) : n_(n), a(static_cast<std::size_t>(n) * n, 0.0) {}
  void add_entry(int row, int col, double v) override { a[static_cast<std::size_t>(row) * n_ + col] += v; }
  double at(int r, int c) const { return a[static_cast<std::size_t>(r) * n_ + c]; }
  int n_;
  std::vector<double> a;
};

// Runs the rich cell for a while so that every profile is non-uniform, and returns the state.
struct Snapshot {
  std::vector<double> y, yp;
};

Snapshot mid_discharge(Simulation& sim, const std::vector<Step>& steps) {
  sim.run(steps, nullptr);
  return {sim.state(), std::vector<double>(sim.state().size(), 0.0)};
}

// Runs each case's experiment and hands its cell and end state to `check`, the file named in any
// failure.
template <typename Check>
void at_mid_discharge(std::initializer_list<const char*> files, Check check) {
  for (const char* file : files) {
    const std::string name = file;
    CAPTURE(name);
    auto c = load_case(file);
    Simulation sim(c.cell, c.settings);
    const Snapshot s = mid_discharge(sim, c.steps);
    check(sim.cell(), s);
  }
}

void check_jacobian(Cell& cell, const Snapshot& s, double cj) {
  const int n = cell.size();
  DenseSink J(n);
  cell.jacobian(0.0, cj, s.y.data(), s.yp.data(), J);
  std::vector<double> y = s.y, yp = s.yp, rp(n), rm(n);
  std::vector<double> scale = cell.typical_scale();
  int bad = 0;
  for (int j = 0; j < n; ++j) {
    const double h = 1e-6 * std::max(std::abs(s.y[j]), scale[j]);
    y[j] = s.y[j] + h;
    yp[j] = s.yp[j] + cj * h;  // dF/dy + cj dF/dy' in one difference
    cell.residual(0.0, y.data(), yp.data(), rp.data());
    y[j] = s.y[j] - h;
    yp[j] = s.yp[j] - cj * h;
    cell.residual(0.0, y.data(), yp.data(), rm.data());
    y[j] = s.y[j];
    yp[j] = s.yp[j];
    for (int i = 0; i < n; ++i) {
      const double fd = (rp[i] - rm[i]) / (2 * h);
      const double an = J.at(i, j);
      // Compare in variables scaled to their typical size (a film thickness in m would
      // otherwise dwarf a potential in V), against the row's largest scaled entry, so that
      // round-off in the differences is not flagged.
      double row_max = 0;
      for (int k = 0; k < n; ++k) row_max = std::max(row_max, std::abs(J.at(i, k)) * scale[k]);
      const double tol = (2e-7 * row_max + 1e-6 * std::abs(an) * scale[j]) / scale[j];
      if (std::abs(fd - an) > tol && bad < 10) {
        ++bad;
        FAIL_CHECK("dF[" << cell.describe(i) << "]/d[" << cell.describe(j) << "]: analytic " << an
                         << ", finite difference " << fd);
      }
      // every non-zero must lie in the declared pattern and band
      if (std::abs(fd) > tol) {
        CHECK(i - j <= cell.lower_bandwidth());
        CHECK(j - i <= cell.upper_bandwidth());
      }
    }
  }
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("analytic Jacobian matches finite differences in every control mode") {
  // Every cell in every mode, by loops: sibling SUBCASEs at two levels would be paired by
  // doctest (one mode per cell), not crossed.
  at_mid_discharge({"tests/data/models/rich_cell.yaml",              // Newman exchange current
                    "tests/data/models/rich_cell_i0.yaml",           // i0 as a function of sto
                    "tests/data/models/rich_cell_psd.yaml",          // three particle sizes
                    "tests/data/models/rich_cell_constant_ds.yaml"},  // constant D_s
                   [](Cell& cell, const Snapshot& s) {
    const double V = s.y[cell.i_voltage()], I = s.y[cell.i_current()];
    CHECK(I == doctest::Approx(20.0).scale(0));
    if (I != doctest::Approx(20.0).scale(0)) return;  // (the other cells are still checked)
    {
      INFO("constant current");
      cell.set_control({Control::Mode::current, 20.0});
      check_jacobian(cell, s, 0.0);
      check_jacobian(cell, s, 37.5);
    }
    {
      INFO("constant voltage");
      cell.set_control({Control::Mode::voltage, V});
      check_jacobian(cell, s, 12.0);
    }
    {
      INFO("constant power");
      cell.set_control({Control::Mode::power, I * V});
      check_jacobian(cell, s, 12.0);
    }
    {
      INFO("rest");
      cell.set_control({Control::Mode::rest, 0.0});
      check_jacobian(cell, s, 3.0);
    }
  });
}

TEST_CASE("the sparsity pattern is sorted, without repeats, and holds every Jacobian entry") {
  at_mid_discharge({"tests/data/models/rich_cell.yaml", "tests/data/models/rich_cell_psd.yaml",
                    "tests/data/models/rich_cell_aging.yaml"},
                   [](Cell& cell, const Snapshot& s) {
    const auto pattern = cell.sparsity();
    REQUIRE(pattern.size() > static_cast<std::size_t>(cell.size()));
    CHECK(std::adjacent_find(pattern.begin(), pattern.end(),
                             [](const auto& a, const auto& b) { return !(a < b); }) == pattern.end());
    DenseSink J(cell.size());
    cell.jacobian(0.0, 5.0, s.y.data(), s.yp.data(), J);
    int outside = 0, inside = 0;
    for (int i = 0; i < cell.size(); ++i) {
      for (int j = 0; j < cell.size(); ++j) {
        if (J.at(i, j) == 0.0) continue;
        const bool listed = std::binary_search(pattern.begin(), pattern.end(), std::make_pair(i, j));
        (listed ? inside : outside) += 1;
      }
    }
    CHECK(outside == 0);
    CHECK(inside > cell.size());
  });
}

TEST_CASE("analytic Jacobian with SEI growth, while stripping and while plating") {
  auto c = load_case("tests/data/models/rich_cell_sei.yaml");
  Simulation sim(c.cell, c.settings);
  Cell& cell = sim.cell();
  SUBCASE("stripping (discharge)") {
    const Snapshot s = mid_discharge(sim, c.steps);
    REQUIRE(s.y[cell.i_i_e0()] > 0);
    cell.set_control({Control::Mode::current, s.y[cell.i_current()]});
    check_jacobian(cell, s, 0.0);
    check_jacobian(cell, s, 21.0);
  }
  SUBCASE("plating (charge)") {
    const Snapshot s = mid_discharge(sim, {testing::step("Discharge at 20 A/m2 for 20 minutes"),
                                           testing::step("Charge at 10 A/m2 for 10 minutes")});
    REQUIRE(s.y[cell.i_i_e0()] < 0);
    cell.set_control({Control::Mode::current, s.y[cell.i_current()]});
    check_jacobian(cell, s, 0.0);
    check_jacobian(cell, s, 21.0);
    cell.set_control({Control::Mode::voltage, s.y[cell.i_voltage()]});
    check_jacobian(cell, s, 5.0);
  }
}

TEST_CASE("analytic Jacobian with every degradation sub-model on") {
  auto c = load_case("tests/data/models/rich_cell_aging.yaml");
  Simulation sim(c.cell, c.settings);
  Cell& cell = sim.cell();
  SUBCASE("stripping") {
    const Snapshot s = mid_discharge(sim, {testing::step("Discharge at 20 A/m2 for 20 minutes")});
    REQUIRE(s.y[cell.i_dead()] > 0);
    cell.set_control({Control::Mode::current, s.y[cell.i_current()]});
    check_jacobian(cell, s, 0.0);
    check_jacobian(cell, s, 9.0);
  }
  SUBCASE("plating") {
    const Snapshot s = mid_discharge(sim, {testing::step("Discharge at 20 A/m2 for 20 minutes"),
                                           testing::step("Charge at 10 A/m2 for 10 minutes")});
    REQUIRE(s.y[cell.i_i_e0()] < 0);  // the foil is plating
    cell.set_control({Control::Mode::power, s.y[cell.i_current()] * s.y[cell.i_voltage()]});
    check_jacobian(cell, s, 9.0);
  }
}

TEST_CASE("analytic Jacobian with CEI growth, while charging") {
  auto c = load_case("tests/data/models/rich_cell_cei.yaml");
  Simulation sim(c.cell, c.settings);
  Cell& cell = sim.cell();
  const Snapshot s = mid_discharge(sim, {testing::step("Discharge at 20 A/m2 for 20 minutes"),
                                         testing::step("Charge at 10 A/m2 for 30 minutes")});
  cell.set_control({Control::Mode::current, s.y[cell.i_current()]});
  check_jacobian(cell, s, 0.0);
  check_jacobian(cell, s, 13.0);
  cell.set_control({Control::Mode::rest, 0.0});
  check_jacobian(cell, s, 2.0);
}

TEST_CASE("state layout: each cathode node's shells sit beside it, and every index has a name") {
  auto c = load_case("tests/data/models/rich_cell.yaml");
  Cell cell(c.cell);
  CHECK(cell.size() == 6 + 2 * 4 + (5 + 4) * 5 + 4);  // foil block, membrane, cathode, collector
  CHECK(cell.i_c_s(2, 0) == cell.i_c_e(4 + 2) + 5);
  CHECK(cell.describe(cell.i_c_s(3, 2)) == "c_s[r=2] at cathode node 3");
  CHECK(cell.describe(cell.i_phi_e(1)) == "phi_e at membrane node 1");
  CHECK(cell.describe(cell.i_voltage()) == "terminal voltage V");
  // the band is set by one cathode block, not by the whole system
  CHECK(cell.lower_bandwidth() <= 5 + 4 + 2);
  CHECK(cell.upper_bandwidth() <= 5 + 4 + 2);
}

TEST_CASE("a state outside the physical range is refused by name, in the residual and the Jacobian") {
  auto c = load_case("tests/data/models/rich_cell.yaml");
  Cell cell(c.cell);
  cell.set_control({Control::Mode::current, 20.0});
  std::vector<double> y, yp;
  cell.initial_state(y, yp);
  std::vector<double> r(y.size());
  DenseSink J(cell.size());
  cell.residual(0.0, y.data(), yp.data(), r.data());  // the initial state is fine
  const double cmax = c.cell.cathode.c_max;
  struct Bad {
    int index;
    double value;
    const char* message;
  };
  const Bad cases[] = {
      {cell.i_c_s(3, 2), 1.0001 * cmax, "outside (0, c_max"},
      {cell.i_c_s(0, 0), 0.0, "c_s[r=0] at cathode node 0"},
      {cell.i_c_s(4, 3), std::nan(""), "c_s[r=3] at cathode node 4"},
      {cell.i_c_s(2, 1), -1e-9, "c_s[r=1] at cathode node 2"},
      {cell.i_c_s(cell.n_particles() - 1, 3), cmax, "c_s[r=3] at cathode node 4"},
      {cell.i_c_e(1), -1.0, "salt depleted: c_e = -1 mol/m3 in c_e at membrane node 1"},
      {cell.i_c_e(4 + 2), 0.0, "c_e at cathode node 2"},
      {cell.i_c_e(4 + 3), std::nan(""), "salt depleted"},
  };
  for (const Bad& b : cases) {
    CAPTURE(b.message);
    std::vector<double> z = y;
    z[b.index] = b.value;
    CHECK_THROWS_WITH_AS(cell.residual(0.0, z.data(), yp.data(), r.data()), doctest::Contains(b.message),
                         solver::RecoverableError);
    CHECK_THROWS_WITH_AS(cell.jacobian(0.0, 1.0, z.data(), yp.data(), J), doctest::Contains(b.message),
                         solver::RecoverableError);
  }
}

TEST_CASE("the cascade breakdown adds up to the terminal voltage at every row") {
  auto c = load_case("tests/data/models/rich_cell.yaml");
  auto tr = cascade::testing::run_case(c, {cascade::testing::step("Discharge at 20 A/m2 for 10 minutes"),
                                           cascade::testing::step("Rest for 5 minutes"),
                                           cascade::testing::step("Charge at 10 A/m2 for 5 minutes")});
  REQUIRE(tr.rows.size() > 20);
  double worst = 0;
  for (const auto& r : tr.rows) worst = std::max(worst, std::abs(r.out.breakdown.sum() - r.out.voltage));
  CHECK(worst < 1e-8);
  // and each layer takes its share with the right sign while discharging
  const auto& b = tr.rows[tr.rows.size() / 6].out.breakdown;
  CHECK(b.eta_cathode < 0);
  CHECK(b.eta_anode < 0);
  CHECK(b.sei_ohmic < 0);
  CHECK(b.cei_ohmic < 0);
  CHECK(b.electrolyte_ohmic < 0);
  CHECK(b.contact_ohmic < 0);
  CHECK(b.sei_ohmic == doctest::Approx(-20.0 * 20e-9 / 1e-6).scale(0));
  CHECK(b.contact_ohmic == doctest::Approx(-20.0 * 2e-4).scale(0));
}

TEST_CASE("the exchange current can be a function of stoichiometry instead of a rate constant") {
  auto c = load_case("tests/data/models/rich_cell_i0.yaml");
  CHECK(c.cell.cathode.has_exchange_current);
  // a lower exchange current costs more overpotential at the same current
  auto slow = load_case("tests/data/models/rich_cell_i0.yaml", {"cathode.exchange_current=0.05 A/m2"});
  auto a = cascade::testing::run_case(c, {cascade::testing::step("Discharge at 20 A/m2 for 1 minute")});
  auto b = cascade::testing::run_case(slow, {cascade::testing::step("Discharge at 20 A/m2 for 1 minute")});
  CHECK(b.rows.back().out.breakdown.eta_cathode < a.rows.back().out.breakdown.eta_cathode - 0.05);
  // both forms at once is an error naming the two keys
  CHECK_THROWS_WITH_AS(load_case("tests/data/models/rich_cell_i0.yaml", {"cathode.rate_constant=3e-11"}),
                       doctest::Contains("either cathode.rate_constant"), cascade::InputError);
}

TEST_CASE("analytic Jacobian of a Li|Li cell, with and without the capacitive currents") {
  auto c = load_case("tests/data/models/rich_li_li.yaml");
  Simulation sim(c.cell, c.settings);
  sim.run(c.steps, nullptr);
  Cell& cell = sim.cell();
  REQUIRE(cell.foils().size() == 2);
  Snapshot s{sim.state(), sim.state_derivative()};
  // every rate non-zero (at 1e-3 of each variable's size per second), so that each y' entry of
  // the capacitive terms counts
  const std::vector<double> scale = cell.typical_scale();
  for (std::size_t k = 0; k < s.yp.size(); ++k) s.yp[k] += 1e-3 * scale[k] * std::sin(1.0 + 7.0 * k);
  cell.set_control({Control::Mode::current, 20.0});
  SUBCASE("time domain") { check_jacobian(cell, s, 25.0); }
  SUBCASE("capacitive (impedance)") {
    cell.set_capacitive(true);
    check_jacobian(cell, s, 0.0);
    check_jacobian(cell, s, 25.0);
  }
  SUBCASE("voltage control") {
    cell.set_control({Control::Mode::voltage, s.y[cell.i_voltage()]});
    check_jacobian(cell, s, 25.0);
  }
}

TEST_CASE("analytic Jacobian of the full cell with its double layers on") {
  auto c = load_case("tests/data/models/rich_cell.yaml", {"cei.double_layer_capacitance=0.2 F/m2",
                                                          "sei.double_layer_capacitance=0.3 F/m2",
                                                          "sei.relative_permittivity=8"});
  Simulation sim(c.cell, c.settings);
  sim.run(c.steps, nullptr);
  Cell& cell = sim.cell();
  Snapshot s{sim.state(), sim.state_derivative()};
  const std::vector<double> scale = cell.typical_scale();
  for (std::size_t k = 0; k < s.yp.size(); ++k) s.yp[k] += 1e-3 * scale[k] * std::sin(1.0 + 7.0 * k);
  cell.set_control({Control::Mode::current, 20.0});
  cell.set_capacitive(true);
  check_jacobian(cell, s, 0.0);
  check_jacobian(cell, s, 25.0);
}

TEST_CASE("with particle sizes, the first guess splits the reaction among the sizes by their kinetics") {
  const std::vector<std::string> psd{"cathode.particle_classes=3", "cathode.particle_radius_spread=0.5"};
  auto c = load_case("cases/paper/lfp_gz62_rate.yaml", psd);
  Cell cell(c.cell);
  std::vector<double> y, yp;
  cell.initial_state(y, yp);
  // the smallest particles nearly full, the middle ones half, the largest nearly empty
  const double cmax = c.cell.cathode.c_max;
  const double sto[3] = {0.995, 0.5, 0.05};
  for (int q = 0; q < cell.n_particles(); ++q) {
    for (int r = 0; r < cell.n_shells(); ++r) y[cell.i_c_s(q, r)] = sto[cell.class_of(q)] * cmax;
  }
  const double I = 2.4;  // A/m2, 1C discharge: lithiation, i_n < 0
  cell.set_control({Control::Mode::current, I});
  cell.guess_algebraic(y, I);
  std::vector<double> r(y.size());
  cell.residual(0.0, y.data(), yp.data(), r.data());  // no surface pushed past c_max
  for (int q = 0; q < cell.n_particles(); ++q) {
    CAPTURE(q);
    // each size's kinetics hold at the shared potentials
    CHECK(std::abs(r[cell.i_i_n(q)]) < 1e-8 * std::abs(y[cell.i_i_n(q)]));
  }
  // together the sizes give the node's share of the current: sum_k a_k i_n,k = -I / L, with
  // a_k = 3 eps_s w_k / R_k (eq. C6)
  const auto& k = c.cell.cathode;
  REQUIRE(k.class_radius.size() == 3);
  for (int j = 0; j < cell.n_cathode(); ++j) {
    CAPTURE(j);
    double reaction = 0;
    for (int m = 0; m < 3; ++m) {
      reaction += 3.0 * k.active_fraction * k.class_fraction[m] / k.class_radius[m] * y[cell.i_i_n(j * 3 + m)];
    }
    CHECK(reaction == doctest::Approx(-I / k.thickness).epsilon(1e-8));
  }
  // the nearly empty particles take the most lithium per area; the nearly full ones, at the low
  // end of their OCP, even give some to the others
  CHECK(y[cell.i_i_n(2)] < 0);
  CHECK(y[cell.i_i_n(2)] < y[cell.i_i_n(1)]);
  CHECK(y[cell.i_i_n(1)] < y[cell.i_i_n(0)]);
}

TEST_CASE("with particle sizes, a charge starts after a discharge has filled the small particles") {
  // the uniform first guess asked the full small particles for as much as the others, and the
  // consistent initialisation failed at this charge
  auto c = load_case("cases/paper/lfp_gz62_rate.yaml",
                     {"cathode.particle_classes=3", "cathode.particle_radius_spread=0.5", "mesh.cathode=10"});
  // (the cell is assembled discharged)
  auto tr = cascade::testing::run_case(c, {cascade::testing::step("Charge at 0.5C until 4.2 V"),
                                           cascade::testing::step("Discharge at 0.5C until 2.5 V"),
                                           cascade::testing::step("Charge at 0.5C until 4.2 V")});
  REQUIRE(tr.result.steps.size() == 3);
  CHECK(!tr.result.steps[2].skipped);
  CHECK(-tr.result.steps[2].charge > 0.9 * tr.result.steps[1].charge);
}

TEST_CASE("a step whose consistent start fails from the first guess starts by walking the current") {
  // a thick LFP coating with a wide size spread: at the end of its 1C charge the large particles'
  // surfaces are nearly empty, and IDACalcIC from the guess for the next discharge stepped past
  // c_s = 0; the walk from the charge's own current finds the start
  auto c = load_case("cases/paper/lfp_gz62_rate.yaml",
                     {"cathode.diffusivity=1.2378e-18 m2/s", "cathode.particle_radius_spread=0.667",
                      "cathode.loading=9.61 mg/cm2", "rate_test.rates=[1, 2]", "rate_test.return_to=0"});
  Simulation sim(c.cell, c.settings);
  const RunResult res = sim.run(c.steps, nullptr);
  CHECK(res.continued_starts >= 1);
  REQUIRE(res.steps.size() == c.steps.size());
  for (const auto& s : res.steps) {
    CHECK_FALSE(s.skipped);
    CHECK(std::abs(s.charge) > 0);
  }
}

TEST_CASE("a current the cell cannot take from its present state skips the step, with the reason") {
  // slow NCM811 particles in a thick coating: after a brief 5C charge their surfaces would have to
  // fill at once to take a 5C discharge; the walk gets part of the way, and the step is skipped as
  // a cycler's would end at its first reading, the cell left as the charge left it
  auto c = load_case("cases/paper/ncm811_gz62_rate.yaml",
                     {"cathode.diffusivity=1.93819e-15 m2/s", "cathode.loading=6.40369 mg/cm2",
                      "rate_test.rates=[5]", "rate_test.return_to=0", "rate_test.cycles_per_rate=1"});
  Simulation sim(c.cell, c.settings);
  const RunResult res = sim.run(c.steps, nullptr);
  REQUIRE(res.steps.size() == 2);
  CHECK(res.steps[0].charge < 0);  // the charge ran
  CHECK(res.steps[1].skipped);
  CHECK(res.steps[1].charge == 0);
  CHECK(res.steps[1].end_reason.find("cannot take this step's") != std::string::npos);
}

TEST_CASE("a current the electrolyte cannot carry from the start skips the step, naming the salt") {
  // the glass LFP cell at -29 C, where the membrane conducts 1.5e-5 S/cm: a 5C charge from rest
  // would empty the salt at the foil's surface at once (and its ohmic drop alone, 1.4 V, is past
  // the cut-off); before, IDACalcIC failed and the run stopped
  auto c = load_case("cases/paper/lfp_gz62_rate.yaml",
                     {"cell.temperature=244.0018 K", "cathode.loading=3.34583 mg/cm2", "rate_test.rates=[5]",
                      "rate_test.return_to=0", "rate_test.cycles_per_rate=1"});
  Simulation sim(c.cell, c.settings);
  const RunResult res = sim.run(c.steps, nullptr);
  REQUIRE(res.steps.size() == 2);
  CHECK(res.steps[0].skipped);
  CHECK(res.steps[0].end_reason.find("the salt would run out") != std::string::npos);
  CHECK(res.continued_starts == 0);  // skipped steps are not counted as started
}

TEST_CASE("an odd number of shells is checked to the last one") {
  // check_state takes the shells two at a time; with an odd count the last is checked alone
  auto c = load_case("tests/data/models/rich_cell.yaml", {"mesh.particle=5"});
  Cell cell(c.cell);
  cell.set_control({Control::Mode::current, 20.0});
  std::vector<double> y, yp;
  cell.initial_state(y, yp);
  std::vector<double> r(y.size());
  cell.residual(0.0, y.data(), yp.data(), r.data());
  for (int shell : {0, 3, 4}) {
    CAPTURE(shell);
    std::vector<double> z = y;
    z[cell.i_c_s(1, shell)] = std::nan("");
    const std::string where = "c_s[r=" + std::to_string(shell) + "] at cathode node 1";
    CHECK_THROWS_WITH_AS(cell.residual(0.0, z.data(), yp.data(), r.data()), doctest::Contains(where.c_str()),
                         solver::RecoverableError);
  }
}
