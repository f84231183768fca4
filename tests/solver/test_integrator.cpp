// Integrator against problems with known answers: a linear DAE with an exact solution, the heat
// equation's first Fourier mode, and Robertson's stiff kinetics.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "solver/integrator.hpp"

using namespace cascade::solver;

namespace {

// Two unknowns: y0 differential, y1 algebraic, y1's equation coupled to y0 (bandwidths 1 and 0).
class TwoUnknownDae : public DaeSystem {
 public:
  int size() const override { return 2; }
  int lower_bandwidth() const override { return 1; }
  int upper_bandwidth() const override { return 0; }
  void differential_ids(double* id) const override {
    id[0] = 1.0;
    id[1] = 0.0;
  }
};

// y0' = -y0 (differential), 0 = y1 - 2 y0 (algebraic): y0 = y0(0) e^{-t}, y1 = 2 y0.
// Switches make it fire an event or throw from the residual.
class LinearDae : public TwoUnknownDae {
 public:
  bool with_root = false;  // g = y0 - 0.5, a root at t = ln 2
  double recoverable_below = -std::numeric_limits<double>::infinity();
  double fatal_after = std::numeric_limits<double>::infinity();
  int jacobian_calls = 0;
  int recoverable_throws = 0;

  void residual(double t, const double* y, const double* yp, double* r) override {
    if (y[0] < recoverable_below) {
      ++recoverable_throws;
      throw RecoverableError("y0 fell below 0.3");
    }
    if (t > fatal_after) throw std::runtime_error("model blew up");
    r[0] = yp[0] + y[0];
    r[1] = y[1] - 2.0 * y[0];
  }
  // Non-zeros: (0,0) = 1 + cj, (1,0) = -2, (1,1) = 1.
  void jacobian(double, double cj, const double*, const double*, JacobianSink& jac) override {
    ++jacobian_calls;
    jac.add(0, 0, 1.0 + cj);
    jac.add(1, 0, -2.0);
    jac.add(1, 1, 1.0);
  }
  int num_roots() const override { return with_root ? 1 : 0; }
  void roots(double, const double* y, const double*, double* g) override { g[0] = y[0] - 0.5; }
  std::string describe(int index) const override { return index == 0 ? "y0" : "y1"; }
};

// u_t = u_xx on [0, 1] at nodes x_i = i/cells, with u = 0 at both ends as algebraic rows.
// From u = sin(pi x) the semi-discrete solution is exactly e^{-lambda t} sin(pi x_i), with
// lambda = (4/h^2) sin^2(pi h/2), which tends to pi^2 as h -> 0.
class HeatDae : public DaeSystem {
 public:
  explicit HeatDae(int cells) : cells_(cells), inv_h2_(double(cells) * cells) {}
  bool stray_entry = false;  // adds a Jacobian entry outside band and pattern, to test the checks
  // Varies the order and number of the Jacobian's adds from one evaluation to the next (same
  // matrix), to test the sinks' replay of a recorded order: every third evaluation adds the
  // interior rows bottom up, every fourth adds the last interior diagonal's cj in two more pieces
  // after the rest.
  bool vary_order = false;
  int jacobian_calls = 0;

  int size() const override { return cells_ + 1; }
  int lower_bandwidth() const override { return 1; }
  int upper_bandwidth() const override { return 1; }
  void differential_ids(double* id) const override {
    for (int i = 0; i <= cells_; ++i) id[i] = (i == 0 || i == cells_) ? 0.0 : 1.0;
  }
  void residual(double, const double* y, const double* yp, double* r) override {
    r[0] = y[0];
    r[cells_] = y[cells_];
    for (int i = 1; i < cells_; ++i) r[i] = yp[i] - (y[i - 1] - 2.0 * y[i] + y[i + 1]) * inv_h2_;
  }
  // Non-zeros: (0,0) and (N,N) = 1; interior rows (i,i-1) = (i,i+1) = -1/h^2, (i,i) = cj + 2/h^2.
  void jacobian(double, double cj, const double*, const double*, JacobianSink& jac) override {
    ++jacobian_calls;
    const bool reversed = vary_order && jacobian_calls % 3 == 0;
    const bool split = vary_order && jacobian_calls % 4 == 0;
    jac.add(0, 0, 1.0);
    jac.add(cells_, cells_, 1.0);
    for (int k = 1; k < cells_; ++k) {
      const int i = reversed ? cells_ - k : k;
      jac.add(i, i - 1, -inv_h2_);
      // in two parts, as two sub-models would: the sinks must accumulate
      jac.add(i, i, split && i == cells_ - 1 ? 0.5 * cj : cj);
      jac.add(i, i, 2.0 * inv_h2_);
      jac.add(i, i + 1, -inv_h2_);
    }
    if (split) {
      jac.add(cells_ - 1, cells_ - 1, 0.25 * cj);
      jac.add(cells_ - 1, cells_ - 1, 0.25 * cj);
    }
    if (stray_entry) jac.add(0, 2, 1.0);
  }
  std::vector<std::pair<int, int>> sparsity() const override {
    std::vector<std::pair<int, int>> p{{0, 0}, {cells_, cells_}};
    for (int i = 1; i < cells_; ++i) {
      p.emplace_back(i, i - 1);
      p.emplace_back(i, i);
      p.emplace_back(i, i + 1);
    }
    return p;
  }
  std::string describe(int index) const override { return "u at node " + std::to_string(index); }

  std::vector<double> initial() const {
    std::vector<double> u(static_cast<std::size_t>(cells_) + 1);
    for (int i = 0; i <= cells_; ++i)
      u[static_cast<std::size_t>(i)] = std::sin(std::numbers::pi * i / cells_);
    return u;
  }
  double discrete_rate() const {
    const double s = std::sin(std::numbers::pi / (2.0 * cells_));
    return 4.0 * inv_h2_ * s * s;
  }

 private:
  int cells_;
  double inv_h2_;
};

// Robertson's kinetics with the third species from conservation (the idaRoberts_dns form).
class RobertsonDae : public DaeSystem {
 public:
  int jacobian_calls = 0;
  int size() const override { return 3; }
  int lower_bandwidth() const override { return 2; }
  int upper_bandwidth() const override { return 2; }
  void differential_ids(double* id) const override {
    id[0] = 1.0;
    id[1] = 1.0;
    id[2] = 0.0;
  }
  void residual(double, const double* y, const double* yp, double* r) override {
    r[0] = yp[0] + 0.04 * y[0] - 1e4 * y[1] * y[2];
    r[1] = yp[1] - 0.04 * y[0] + 1e4 * y[1] * y[2] + 3e7 * y[1] * y[1];
    r[2] = y[0] + y[1] + y[2] - 1.0;
  }
  // Dense 3x3.
  void jacobian(double, double cj, const double* y, const double*, JacobianSink& jac) override {
    ++jacobian_calls;
    jac.add(0, 0, cj + 0.04);
    jac.add(0, 1, -1e4 * y[2]);
    jac.add(0, 2, -1e4 * y[1]);
    jac.add(1, 0, -0.04);
    jac.add(1, 1, cj + 1e4 * y[2] + 6e7 * y[1]);
    jac.add(1, 2, 1e4 * y[1]);
    jac.add(2, 0, 1.0);
    jac.add(2, 1, 1.0);
    jac.add(2, 2, 1.0);
  }
};

// A cell-like control loop: y0' = -I (y0 a charge), V = y0 - R I (terminal voltage), and the
// control equation V - V_set = 0 written in the row of I, as cascade's collector does. Row 1 then
// has no diagonal entry, so the band LU has to interchange rows. Exact solution:
// V = V_set, y0 = V_set + (y0(0) - V_set) e^{-t/R}, I = (y0 - V_set)/R.
class ControlDae : public DaeSystem {
 public:
  static constexpr double R = 0.5;
  static constexpr double v_set = 1.0;
  bool singular_jacobian = false;  // leaves out every dF/dI: column 1 has no pivot

  int size() const override { return 3; }
  int lower_bandwidth() const override { return 2; }
  int upper_bandwidth() const override { return 1; }
  void differential_ids(double* id) const override {
    id[0] = 1.0;
    id[1] = 0.0;
    id[2] = 0.0;
  }
  void residual(double, const double* y, const double* yp, double* r) override {
    r[0] = yp[0] + y[1];
    r[1] = y[2] - v_set;
    r[2] = y[2] - y[0] + R * y[1];
  }
  // Non-zeros: (0,0) = cj, (0,1) = 1; (1,2) = 1 (none on the diagonal); (2,0) = -1, (2,1) = R,
  // (2,2) = 1.
  void jacobian(double, double cj, const double*, const double*, JacobianSink& jac) override {
    jac.add(0, 0, cj);
    jac.add(1, 2, 1.0);
    jac.add(2, 0, -1.0);
    jac.add(2, 2, 1.0);
    if (!singular_jacobian) {
      jac.add(0, 1, 1.0);
      jac.add(2, 1, R);
    }
  }
  std::string describe(int index) const override {
    return index == 0 ? "charge" : (index == 1 ? "current I" : "voltage V");
  }
  static double exact_y0(double t, double y0_start) {
    return v_set + (y0_start - v_set) * std::exp(-t / R);
  }
};

// y0' = 1 (differential, so y0 = t: exact at any step size), 0 = y1 - sin(20 y0) (algebraic, a
// fast wiggle the differential state does not show), with a root wherever y1 crosses 0.5. Only
// an error test that covers y1 resolves it between steps.
class WiggleDae : public TwoUnknownDae {
 public:
  bool test_y1 = true;  // error_tested_algebraic(): {1} or nothing
  std::vector<int> error_tested_algebraic() const override { return test_y1 ? std::vector<int>{1} : std::vector<int>{}; }
  void residual(double, const double* y, const double* yp, double* r) override {
    r[0] = yp[0] - 1.0;
    r[1] = y[1] - std::sin(20.0 * y[0]);
  }
  void jacobian(double, double cj, const double* y, const double*, JacobianSink& jac) override {
    jac.add(0, 0, cj);
    jac.add(1, 0, -20.0 * std::cos(20.0 * y[0]));
    jac.add(1, 1, 1.0);
  }
  int num_roots() const override { return 1; }
  void roots(double, const double* y, const double*, double* g) override { g[0] = y[1] - 0.5; }
};

// doctest::Approx adds 1 to the scale, which makes it absolute for small values; these are
// relative.
doctest::Approx rel(double value) {
  return doctest::Approx(value).scale(0.0);
}

IntegratorOptions tight() {
  IntegratorOptions o;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  return o;
}

IntegratorOptions robertson_options() {
  IntegratorOptions o;
  o.rtol = 1e-8;
  o.atol_vector = {1e-12, 1e-16, 1e-10};  // y2 stays near 1e-5 and below: it needs its own atol
  return o;
}

void start_robertson(Integrator& integ) {
  const double y0[] = {1.0, 0.0, 0.0};
  const double yp0[] = {-0.04, 0.04, 0.0};
  integ.reset(0.0, y0, yp0);
}

std::vector<double> heat_solution(LinearSolver solver, bool analytic, double t_end, bool vary_order = false,
                                  int* jacobian_calls = nullptr) {
  HeatDae heat(40);
  heat.vary_order = vary_order;
  IntegratorOptions o = tight();
  o.linear_solver = solver;
  o.use_analytic_jacobian = analytic;
  Integrator integ(heat, o);
  const std::vector<double> u0 = heat.initial();
  const std::vector<double> up0(u0.size(), 0.0);
  integ.reset(0.0, u0.data(), up0.data());
  integ.calc_ic(t_end);
  integ.advance(t_end);
  CHECK(integ.t() == t_end);
  CHECK((heat.jacobian_calls > 0) == analytic);
  if (jacobian_calls != nullptr) *jacobian_calls = heat.jacobian_calls;
  return {integ.y(), integ.y() + u0.size()};
}

}  // namespace

TEST_CASE("calc_ic repairs an inconsistent start and the linear DAE matches its exact solution") {
  LinearDae sys;
  Integrator integ(sys, tight());
  const double y0[] = {1.0, 0.0};   // y1 should be 2
  const double yp0[] = {0.0, 0.0};  // y0' should be -1
  integ.reset(0.0, y0, yp0);
  integ.calc_ic(1.0);
  CHECK(integ.t() == 0.0);
  CHECK(integ.y()[0] == rel(1.0).epsilon(1e-12));
  CHECK(integ.y()[1] == rel(2.0).epsilon(1e-8));
  CHECK(integ.yp()[0] == rel(-1.0).epsilon(1e-8));

  const StepOutcome out = integ.advance(1.0);
  CHECK(out.status == StepStatus::reached_tout);
  CHECK(out.t == 1.0);
  CHECK(integ.y()[0] == rel(std::exp(-1.0)).epsilon(1e-6));
  CHECK(integ.y()[1] == rel(2.0 * integ.y()[0]).epsilon(1e-9));
  CHECK(integ.yp()[0] == rel(-std::exp(-1.0)).epsilon(1e-5));
}

TEST_CASE("one-step mode returns after each step and never passes tout") {
  LinearDae sys;
  Integrator integ(sys, tight());
  const double y0[] = {1.0, 2.0};
  const double yp0[] = {-1.0, -2.0};
  integ.reset(0.0, y0, yp0);
  double last = 0.0;
  int calls = 0;
  while (integ.t() < 0.5) {
    const StepOutcome out = integ.advance(0.5, true);
    CHECK(out.t > last);
    CHECK(out.t <= 0.5);
    last = out.t;
    REQUIRE(++calls < 10000);
  }
  CHECK(calls > 5);  // it really stopped after internal steps
  CHECK(integ.t() == 0.5);
  CHECK(integ.y()[0] == rel(std::exp(-0.5)).epsilon(1e-7));
  // Normal mode afterwards is not held back by the stop time an unfinished one-step call set.
  CHECK(integ.advance(0.9, true).t < 0.9);
  integ.advance(1.0);
  CHECK(integ.t() == 1.0);
  CHECK(integ.y()[0] == rel(std::exp(-1.0)).epsilon(1e-6));
}

TEST_CASE("a root stops the integration at the event, and reset() restarts without it") {
  LinearDae sys;
  sys.with_root = true;
  Integrator integ(sys, tight());
  const double y0[] = {1.0, 2.0};
  const double yp0[] = {-1.0, -2.0};
  integ.reset(0.0, y0, yp0);
  const StepOutcome out = integ.advance(2.0);
  CHECK(out.status == StepStatus::root_found);
  CHECK(out.t == rel(std::log(2.0)).epsilon(1e-6));
  CHECK(integ.t() == out.t);
  REQUIRE(out.roots_fired == std::vector<int>{0});
  CHECK(out.root_directions == std::vector<int>{-1});
  CHECK(integ.y()[0] == rel(0.5).epsilon(1e-6));
  CHECK(integ.stats().roots_found == 1);

  // Restart from the event without events, as a protocol runner does at a step change.
  const long steps_before = integ.stats().steps;
  sys.with_root = false;
  const std::vector<double> y(integ.y(), integ.y() + 2);
  const std::vector<double> yp(integ.yp(), integ.yp() + 2);
  integ.reset(out.t, y.data(), yp.data());
  CHECK(integ.stats().steps == steps_before);  // counts survive the restart
  const StepOutcome rest = integ.advance(2.0);
  CHECK(rest.status == StepStatus::reached_tout);
  CHECK(rest.roots_fired.empty());
  CHECK(integ.y()[0] == rel(std::exp(-2.0)).epsilon(1e-6));
  CHECK(integ.stats().steps > steps_before);
}

TEST_CASE("band, SUNDIALS band and KLU agree on the heat equation and follow the first mode") {
  const double t_end = 0.1;
  const std::vector<double> band = heat_solution(LinearSolver::band, true, t_end);
  const std::vector<double> sundials_band = heat_solution(LinearSolver::sundials_band, true, t_end);
  const std::vector<double> klu = heat_solution(LinearSolver::klu, true, t_end);
  REQUIRE(band.size() == klu.size());
  REQUIRE(band.size() == sundials_band.size());
  for (std::size_t i = 0; i < band.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(band[i] - klu[i]) < 1e-8);
    CHECK(std::abs(band[i] - sundials_band[i]) < 1e-12);
  }
  const std::size_t mid = band.size() / 2;  // x = 0.5, where sin(pi x) = 1
  const HeatDae heat(40);
  CHECK(band[mid] == rel(std::exp(-heat.discrete_rate() * t_end)).epsilon(1e-6));
  CHECK(std::abs(band[mid] - std::exp(-std::numbers::pi * std::numbers::pi * t_end)) < 1e-3);
  CHECK(std::abs(band.front()) < 1e-12);
  CHECK(std::abs(band.back()) < 1e-12);
}

// The band LU's sink replays the order of adds it recorded, inline in the model's add() calls
// (JacobianSink::start_replay); an evaluation that departs from it, by order or by extra adds at
// the end, hands over to the ordinary path at the entry that differs.
TEST_CASE("a Jacobian whose order of adds varies gives the same solution through the band LU") {
  const double t_end = 0.1;
  const std::vector<double> steady = heat_solution(LinearSolver::band, true, t_end);
  int calls = 0;
  const std::vector<double> varied = heat_solution(LinearSolver::band, true, t_end, true, &calls);
  CHECK(calls >= 8);  // both departures from the recorded order occur, several times
  const std::vector<double> sundials_band = heat_solution(LinearSolver::sundials_band, true, t_end, true);
  REQUIRE(varied.size() == steady.size());
  for (std::size_t i = 0; i < steady.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(varied[i] - steady[i]) < 1e-13);
    CHECK(std::abs(varied[i] - sundials_band[i]) < 1e-12);
  }
}

TEST_CASE("the analytic Jacobian and IDA's difference quotients give the same solution") {
  SUBCASE("heat equation") {
    const std::vector<double> analytic = heat_solution(LinearSolver::band, true, 0.1);
    for (const LinearSolver solver : {LinearSolver::band, LinearSolver::sundials_band}) {
      const std::vector<double> dq = heat_solution(solver, false, 0.1);
      for (std::size_t i = 0; i < analytic.size(); ++i) CHECK(std::abs(analytic[i] - dq[i]) < 1e-8);
    }
  }
  SUBCASE("Robertson (nonlinear)") {
    std::vector<double> results[2];
    for (int analytic = 0; analytic < 2; ++analytic) {
      RobertsonDae sys;
      IntegratorOptions o = robertson_options();
      o.use_analytic_jacobian = analytic == 1;
      Integrator integ(sys, o);
      start_robertson(integ);
      integ.advance(40.0);
      CHECK((sys.jacobian_calls > 0) == (analytic == 1));
      CHECK(integ.stats().jacobian_evals > 0);
      results[analytic].assign(integ.y(), integ.y() + 3);
    }
    CHECK(results[0][0] == rel(results[1][0]).epsilon(1e-6));
    CHECK(results[0][1] == rel(results[1][1]).epsilon(1e-6));
    CHECK(results[0][2] == rel(results[1][2]).epsilon(1e-6));
  }
}

TEST_CASE("exceptions thrown by the model come back as SolverError with their message") {
  const double y0[] = {1.0, 2.0};
  const double yp0[] = {-1.0, -2.0};

  SUBCASE("a recoverable error IDA cannot step around") {
    LinearDae sys;
    sys.recoverable_below = 0.3;  // y0 = 0.3 at t = 1.204; the exact solution must go there
    Integrator integ(sys, tight());
    integ.reset(0.0, y0, yp0);
    CHECK_THROWS_WITH_AS(integ.advance(2.0), doctest::Contains("y0 fell below 0.3"), SolverError);
    CHECK(integ.t() < 1.21);
    CHECK(integ.y()[0] >= 0.3);  // the state left behind is the last good one
  }
  SUBCASE("a recoverable error IDA steps around is not reported") {
    LinearDae sys;
    sys.recoverable_below = 0.3;
    IntegratorOptions o = tight();
    o.initial_step = 1.5;  // the first predictor lands at y0 = -0.5: IDA must cut the step
    Integrator integ(sys, o);
    integ.reset(0.0, y0, yp0);
    CHECK_NOTHROW(integ.advance(1.0));
    CHECK(sys.recoverable_throws > 0);
    CHECK(integ.y()[0] == rel(std::exp(-1.0)).epsilon(1e-6));
  }
  SUBCASE("any other exception is fatal") {
    LinearDae sys;
    sys.fatal_after = 0.5;
    Integrator integ(sys, tight());
    integ.reset(0.0, y0, yp0);
    CHECK_THROWS_WITH_AS(integ.advance(1.0), doctest::Contains("model blew up"), SolverError);
    CHECK_THROWS_WITH_AS(integ.advance(1.0), doctest::Contains("IDASolve"), SolverError);
  }
}

TEST_CASE("Jacobian entries outside the declared structure are reported, not dropped") {
  for (const LinearSolver solver :
       {LinearSolver::band, LinearSolver::sundials_band, LinearSolver::klu}) {
    HeatDae heat(8);
    heat.stray_entry = true;
    IntegratorOptions o;
    o.linear_solver = solver;
    Integrator integ(heat, o);
    const std::vector<double> u0 = heat.initial();
    const std::vector<double> up0(u0.size(), 0.0);
    integ.reset(0.0, u0.data(), up0.data());
    CHECK_THROWS_WITH_AS(integ.calc_ic(0.01), doctest::Contains("d[u at node 0]/d[u at node 2]"),
                         SolverError);
  }
}

TEST_CASE("bad options fail when the integrator is built") {
  LinearDae sys;
  IntegratorOptions o;
  o.atol_vector = {1e-8};
  CHECK_THROWS_WITH_AS(Integrator(sys, o), doctest::Contains("atol_vector has 1 entries"),
                       SolverError);
  o = {};
  o.linear_solver = LinearSolver::klu;
  o.use_analytic_jacobian = false;
  CHECK_THROWS_AS(Integrator(sys, o), SolverError);
  o = {};
  Integrator integ(sys, o);
  CHECK_THROWS_WITH_AS(integ.advance(1.0), doctest::Contains("before reset"), SolverError);
}

TEST_CASE("Robertson's stiff kinetics: reference values, conservation, monotone decay") {
  RobertsonDae sys;
  Integrator integ(sys, robertson_options());
  start_robertson(integ);
  double previous_y1 = 1.0;
  int at_reference = 0;
  for (double tout = 0.4; tout < 5e5; tout *= 10.0) {
    integ.advance(tout);
    const double* y = integ.y();
    CAPTURE(tout);
    CHECK(std::abs(y[0] + y[1] + y[2] - 1.0) < 1e-10);
    CHECK(y[0] < previous_y1);
    CHECK(y[1] > 0.0);
    previous_y1 = y[0];
    if (tout == 40.0) {
      // Hairer & Wanner's reference solution at t = 40.
      ++at_reference;
      CHECK(y[0] == rel(0.7158270687).epsilon(1e-6));
      CHECK(y[1] == rel(9.185534764e-6).epsilon(1e-5));
    }
  }
  CHECK(at_reference == 1);
  CHECK(integ.t() == rel(4e5));
  // Converged value (rtol 1e-12, band and KLU agree to 1e-11); the t = 40 values above, which
  // match the literature to ten digits, vouch for the set-up.
  CHECK(integ.y()[0] == rel(4.938274521e-3).epsilon(1e-6));
  CHECK(integ.y()[1] == rel(1.984994088e-8).epsilon(1e-5));
}

TEST_CASE("stats count the work done") {
  RobertsonDae sys;
  Integrator integ(sys, robertson_options());
  CHECK(integ.stats().steps == 0);
  start_robertson(integ);
  integ.advance(40.0);
  const IntegratorStats s = integ.stats();
  CHECK(s.steps > 10);
  CHECK(s.residual_evals > s.steps);
  CHECK(s.jacobian_evals == sys.jacobian_calls);
  CHECK(s.linear_setups > 0);
  CHECK(s.nonlinear_iters >= s.steps);
  CHECK(s.last_step > 0.0);
  CHECK(s.last_order >= 1);
  CHECK(s.last_order <= 5);
  CHECK(s.roots_found == 0);
}

namespace {

// Everything a run produces that the linear solver could change.
struct RunRecord {
  std::vector<double> y, yp;
  IntegratorStats stats;
};

RunRecord robertson_run(LinearSolver solver, bool sundials_rounding, bool analytic, double t_end) {
  RobertsonDae sys;
  IntegratorOptions o = robertson_options();
  o.linear_solver = solver;
  o.band_sundials_rounding = sundials_rounding;
  o.use_analytic_jacobian = analytic;
  Integrator integ(sys, o);
  start_robertson(integ);
  for (double tout = 0.4; tout <= t_end; tout *= 10.0) integ.advance(tout);
  return {{integ.y(), integ.y() + 3}, {integ.yp(), integ.yp() + 3}, integ.stats()};
}

RunRecord control_run(LinearSolver solver, bool sundials_rounding) {
  ControlDae sys;
  IntegratorOptions o = tight();
  o.linear_solver = solver;
  o.band_sundials_rounding = sundials_rounding;
  Integrator integ(sys, o);
  const double y0[] = {2.0, 0.0, 0.0};  // I and V inconsistent: calc_ic repairs them
  const double yp0[] = {0.0, 0.0, 0.0};
  integ.reset(0.0, y0, yp0);
  integ.calc_ic(1.0);
  CHECK(integ.y()[1] == rel(2.0).epsilon(1e-8));  // (y0 - V_set) / R
  integ.advance(1.0);
  CHECK(integ.y()[0] == rel(ControlDae::exact_y0(1.0, 2.0)).epsilon(1e-7));
  CHECK(integ.y()[2] == rel(ControlDae::v_set).epsilon(1e-12));
  return {{integ.y(), integ.y() + 3}, {integ.yp(), integ.yp() + 3}, integ.stats()};
}

void check_identical(const RunRecord& a, const RunRecord& b) {
  CHECK(a.y == b.y);
  CHECK(a.yp == b.yp);
  CHECK(a.stats.steps == b.stats.steps);
  CHECK(a.stats.residual_evals == b.stats.residual_evals);
  CHECK(a.stats.jacobian_evals == b.stats.jacobian_evals);
  CHECK(a.stats.linear_setups == b.stats.linear_setups);
  CHECK(a.stats.nonlinear_iters == b.stats.nonlinear_iters);
  CHECK(a.stats.error_test_fails == b.stats.error_test_fails);
  CHECK(a.stats.last_step == b.stats.last_step);
}

}  // namespace

TEST_CASE("with SUNDIALS' rounding, the band LU reproduces SUNDIALS' band solver bit for bit") {
  // Same pivots, same operations, same IDA interface (Jacobian, setup, solve, cj scaling): every
  // Newton iterate, hence every step, is the same. Any difference in how IDA drives the two
  // solvers would show here.
  SUBCASE("Robertson, analytic Jacobian, 4e5 s") {
    check_identical(robertson_run(LinearSolver::band, true, true, 5e5),
                    robertson_run(LinearSolver::sundials_band, false, true, 5e5));
  }
  SUBCASE("Robertson, difference-quotient Jacobian") {
    check_identical(robertson_run(LinearSolver::band, true, false, 5e3),
                    robertson_run(LinearSolver::sundials_band, false, false, 5e3));
  }
  SUBCASE("a control equation without a diagonal entry (interchanges)") {
    check_identical(control_run(LinearSolver::band, true),
                    control_run(LinearSolver::sundials_band, false));
  }
}

TEST_CASE("the one-pass error weights are IDA's own, bit for bit") {
  // With every absolute tolerance positive the integrator computes 1 / (rtol |y| + atol) in one
  // pass instead of IDA's three; the whole integration must not change in the last bit.
  const auto run = [](bool ida_weights) {
    RobertsonDae sys;
    IntegratorOptions o = robertson_options();
    o.ida_error_weights = ida_weights;
    Integrator integ(sys, o);
    start_robertson(integ);
    for (double tout = 0.4; tout <= 4e5; tout *= 10.0) integ.advance(tout);
    return RunRecord{{integ.y(), integ.y() + 3}, {integ.yp(), integ.yp() + 3}, integ.stats()};
  };
  check_identical(run(false), run(true));
  // and a zero atol still takes IDA's way, which refuses a weight whose inverse is 0 at y = 0 (the
  // one pass would give an infinite weight and a corrector failure instead)
  RobertsonDae sys;
  IntegratorOptions o = robertson_options();
  o.atol_vector = {1e-12, 0.0, 1e-10};
  Integrator integ(sys, o);
  const double y0[] = {1.0, 0.0, 0.0};
  const double yp0[] = {-0.04, 0.04, 0.0};
  integ.reset(0.0, y0, yp0);
  CHECK_THROWS_WITH_AS(integ.advance(0.4), doctest::Contains("ewt component = 0.0 illegal"), SolverError);
}

TEST_CASE("the fast band LU agrees with SUNDIALS' band solver within the tolerances") {
  // The fast back substitution rounds differently in the last bit. Newton stops at a fraction of
  // the tolerance, so the solutions differ by a fraction of it; on this stiff problem the step
  // sequence eventually drifts too, as it does between SUNDIALS' band solver and KLU.
  SUBCASE("Robertson") {
    const RunRecord fast = robertson_run(LinearSolver::band, false, true, 0.4);
    const RunRecord ref = robertson_run(LinearSolver::sundials_band, false, true, 0.4);
    const double atol[] = {1e-12, 1e-16, 1e-10};
    for (std::size_t i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK(std::abs(fast.y[i] - ref.y[i]) <= 0.1 * (1e-8 * std::abs(ref.y[i]) + atol[i]));
    }
    CHECK(fast.stats.steps == ref.stats.steps);
    CHECK(fast.stats.nonlinear_iters == ref.stats.nonlinear_iters);
    CHECK(fast.stats.linear_setups == ref.stats.linear_setups);

    const RunRecord fast_long = robertson_run(LinearSolver::band, false, true, 5e5);
    const RunRecord ref_long = robertson_run(LinearSolver::sundials_band, false, true, 5e5);
    for (std::size_t i = 0; i < 3; ++i) CHECK(fast_long.y[i] == rel(ref_long.y[i]).epsilon(1e-6));
    // (Measured: 1343 steps and 1645 Newton iterations against 1465 and 1923; KLU takes 1514 and
    // 1929.)
    CHECK(std::abs(fast_long.stats.steps - ref_long.stats.steps) <= ref_long.stats.steps / 5);
    CHECK(std::abs(fast_long.stats.nonlinear_iters - ref_long.stats.nonlinear_iters) <=
          ref_long.stats.nonlinear_iters / 5);
  }
  SUBCASE("a control equation without a diagonal entry, against its exact solution") {
    const RunRecord fast = control_run(LinearSolver::band, false);
    const RunRecord ref = control_run(LinearSolver::sundials_band, false);
    for (std::size_t i = 0; i < 3; ++i) CHECK(fast.y[i] == rel(ref.y[i]).epsilon(1e-10));
    CHECK(fast.stats.steps == ref.stats.steps);
    CHECK(fast.stats.nonlinear_iters == ref.stats.nonlinear_iters);
  }
}

TEST_CASE("a singular Newton matrix is reported with the column that has no pivot") {
  ControlDae sys;
  sys.singular_jacobian = true;
  Integrator integ(sys, tight());
  const double y0[] = {2.0, 2.0, 1.0};  // consistent
  const double yp0[] = {-2.0, 0.0, 0.0};
  integ.reset(0.0, y0, yp0);
  CHECK_THROWS_WITH_AS(integ.advance(1.0),
                       doctest::Contains("singular (no pivot in the column of current I"),
                       SolverError);
}

TEST_CASE("the error test covers the algebraic unknowns the system names, and calc_ic still sees the true id") {
  // y1 = sin(20 t) first rises through 0.5 at asin(0.5)/20, then falls through it at
  // (pi - asin(0.5))/20
  const double t1 = std::asin(0.5) / 20.0, t2 = (std::numbers::pi - std::asin(0.5)) / 20.0;
  struct Result {
    double root1, root2;
    long steps;
  };
  const auto run = [&](AlgebraicErrorTest test, bool name_y1) {
    WiggleDae sys;
    sys.test_y1 = name_y1;
    IntegratorOptions o;
    o.rtol = 1e-8;
    o.atol = 1e-8;
    o.algebraic_error_test = test;
    Integrator integ(sys, o);
    const double y0[] = {0.0, 0.7};  // y1 inconsistent: calc_ic must solve for it, not for y1'
    const double yp0[] = {1.0, 0.0};
    integ.reset(0.0, y0, yp0);
    integ.calc_ic(1e-3);
    CHECK(integ.y()[1] == doctest::Approx(0.0).epsilon(1e-12));
    CHECK(integ.y()[0] == 0.0);
    const StepOutcome first = integ.advance(1.0);
    // Restart at the root from the integrator's own (consistent) state, with no calc_ic: the
    // next advance must give IDA the mask again.
    const std::vector<double> y(integ.y(), integ.y() + 2), yp(integ.yp(), integ.yp() + 2);
    integ.reset(first.t, y.data(), yp.data());
    const StepOutcome second = integ.advance(1.0);
    // and once more with a wrong y1, after advance() had given IDA the mask: reset gives calc_ic
    // the true id, so it repairs y1 instead of taking it as a differential unknown
    const double y_again[] = {integ.y()[0], 0.0};
    const double yp_again[] = {1.0, 0.0};
    integ.reset(second.t, y_again, yp_again);
    integ.calc_ic(second.t + 1e-3);
    CHECK(integ.y()[1] == doctest::Approx(std::sin(20.0 * second.t)).epsilon(1e-10));
    CHECK(integ.algebraic_error_test() == test);
    const auto root = [](const StepOutcome& out) { return out.status == StepStatus::root_found ? out.t : -1.0; };
    return Result{root(first), root(second), integ.stats().steps};
  };
  const Result all = run(AlgebraicErrorTest::all, false);
  const Result selected = run(AlgebraicErrorTest::selected, true);
  const Result none = run(AlgebraicErrorTest::none, false);
  const Result selected_empty = run(AlgebraicErrorTest::selected, false);  // names nothing: as none
  MESSAGE("root errors: all " << all.root1 - t1 << ", " << all.root2 - t2 << "; selected " << selected.root1 - t1
                              << ", " << selected.root2 - t2 << "; none " << none.root1 - t1 << ", "
                              << none.root2 - t2 << "; steps " << all.steps << ", " << selected.steps << ", "
                              << none.steps);
  for (const Result& r : {all, selected}) {
    CHECK(std::abs(r.root1 - t1) < 1e-9);  // measured 2.6e-11
    CHECK(std::abs(r.root2 - t2) < 1e-9);  // measured 5e-12
  }
  // with y1 out of the test, nothing holds IDA's steps to the wiggle: y0 = t is exact at any
  // step, and a root is found where the interpolant of y1, not y1, crosses 0.5
  CHECK(std::abs(none.root1 - t1) > 1e-5);  // measured 2e-4, against 3e-11 for the others
  CHECK(std::abs(none.root2 - t2) > 1e-5);
  CHECK(selected_empty.root1 == none.root1);
  CHECK(selected_empty.root2 == none.root2);
  CHECK(selected_empty.steps == none.steps);
  CHECK(selected.steps > 2 * none.steps);
}
