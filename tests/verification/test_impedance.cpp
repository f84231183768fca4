// Impedance against its analytic limits (blocking electrodes, the Li|Li equivalent circuit) and
// against the time-domain model driven by a small sinusoidal current; the Bruce-Vincent-Evans
// measurement against the transference number it measures.
#include <doctest/doctest.h>

#include <cmath>
#include <complex>

#include "models/bruce_vincent.hpp"
#include "models/impedance.hpp"
#include "solver/integrator.hpp"
#include "support/case_runner.hpp"

using namespace cascade;
using cascade::testing::load_case;

namespace {
constexpr double R_gas = 8.314462618;
using cplx = std::complex<double>;

// Rest state of a cell with y' = 0.
std::vector<ImpedancePoint> rest_spectrum(Cell& cell, const std::vector<double>& f) {
  std::vector<double> y, yp;
  cell.initial_state(y, yp);
  return impedance(cell, y, yp, f);
}
}  // namespace

TEST_CASE("blocking electrodes: a vertical line whose high-frequency intercept is L/kappa") {
  auto c = load_case("tests/data/models/blocking.yaml");
  Cell cell(c.cell);
  const double kappa = c.cell.electrolyte.conductivity.bind(cell.temperature())->eval(1000.0).v;
  const double R_b = c.cell.membrane.thickness / kappa;                  // ohm m2
  const double C = c.cell.stack.blocking_capacitance / 2.0;              // two double layers in series
  const auto z = rest_spectrum(cell, log_frequencies(1e5, 1e-3, 40));
  for (const auto& p : z) {
    CAPTURE(p.frequency);
    const cplx exact(R_b, -1.0 / (2 * M_PI * p.frequency * C));
    CHECK(std::abs(p.z - exact) < 1e-8 * std::abs(exact));  // round-off of the complex solve
    // the line is vertical: Z' is L/kappa wherever it is not lost under a million-fold Z''
    if (p.frequency >= 0.1) CHECK(p.z.real() == doctest::Approx(R_b).epsilon(1e-6));
  }
}

TEST_CASE("Li|Li: the SEI and charge-transfer arcs with the resistances of their parameters") {
  // a fine membrane, so that the half cells at the electrodes hold no salt gradient of their own
  // (an error of order dx/L in the high-frequency intercept)
  auto c = load_case("params/cells/li_li_gz62.yaml", {"mesh.membrane=400"});
  Cell cell(c.cell);
  const double T = cell.temperature();
  const auto& p = c.cell;
  const double kappa = p.electrolyte.conductivity.bind(T)->eval(p.electrolyte.c0).v;
  const double R_b = p.membrane.thickness / kappa + p.contact_resistance;
  const double R_sei = p.sei.thickness / p.sei.conductivity, C_sei = p.sei.permittivity / p.sei.thickness;
  const double i0 = p.anode.i0_ref * std::exp(-p.anode.activation_energy / R_gas * (1 / T - 1 / p.anode.T_ref));
  const double R_ct = R_gas * T / (faraday * i0 * (p.anode.alpha_a + p.anode.alpha_c));
  const double C_dl = p.sei.capacitance;
  REQUIRE(R_sei * C_sei < R_ct * C_dl / 3);  // two arcs apart
  double worst = 0;
  for (const auto& pt : rest_spectrum(cell, log_frequencies(1e5, 10.0, 30))) {
    const double w = 2 * M_PI * pt.frequency;
    const cplx circuit = R_b + 2.0 * R_sei / (1.0 + cplx(0, w * R_sei * C_sei)) +
                         2.0 * R_ct / (1.0 + cplx(0, w * R_ct * C_dl));
    worst = std::max(worst, std::abs(pt.z - circuit) / std::abs(circuit));
  }
  // what is left is the salt's diffusion impedance, small above 10 Hz
  CHECK(worst < 2e-3);
  // and the arcs are the study's: the whole interface at low frequency
  const auto low = rest_spectrum(cell, {0.5});
  CHECK(low[0].z.real() == doctest::Approx(R_b + 2 * R_sei + 2 * R_ct).epsilon(5e-3));
}

TEST_CASE("at low frequency the spectrum is the time-domain response to a small sinusoidal current") {
  struct Probe {
    const char* file;
    std::vector<std::string> overrides;
    double f;  // Hz
  };
  // the Li|Li cell (salt diffusion) and a full cell at half charge (particle diffusion too)
  for (const Probe& probe : {Probe{"params/cells/li_li_gz62.yaml", {}, 1e-3}, Probe{"params/cells/li_li_gz62.yaml", {}, 2e-2},
                             Probe{"params/cells/ncm811_gz62.yaml", {"cell.initial_soc=0.5"}, 1e-3}}) {
    const double f = probe.f;
    CAPTURE(probe.file);
    CAPTURE(f);
    auto c = load_case(probe.file, probe.overrides);
    Cell cell(c.cell);
    std::vector<double> y, yp;
    cell.initial_state(y, yp);
    const cplx z_eis = impedance(cell, y, yp, {f})[0].z;
    // 1 % of the study's 0.2 mA/cm2 (about C/100 for the full cell): small enough to be linear
    const double A = 0.02;  // A/m2
    cell.set_control({Control::Mode::current, 0.0, A, f, 0.0});
    solver::Integrator ida(cell, integrator_options(cell, c.settings));
    ida.reset(0.0, y.data(), yp.data());
    // four periods; the first two let the start-up transient (the salt's diffusion time) pass,
    // the last two are fitted by V = a + b sin + c cos
    const int per_period = 200;
    double S = 0, Ssin = 0, Scos = 0, Sss = 0, Scc = 0, Ssc = 0, Sv = 0, Svs = 0, Svc = 0;
    for (int k = 1; k <= 4 * per_period; ++k) {
      const double t = k / (f * per_period);
      REQUIRE(ida.advance(t).status == solver::StepStatus::reached_tout);
      if (k <= 2 * per_period) continue;
      const double s = std::sin(2 * M_PI * f * t), co = std::cos(2 * M_PI * f * t), v = ida.y()[cell.i_voltage()];
      S += 1;
      Ssin += s;
      Scos += co;
      Sss += s * s;
      Scc += co * co;
      Ssc += s * co;
      Sv += v;
      Svs += v * s;
      Svc += v * co;
    }
    // normal equations of the three-term fit, by Cramer's rule
    const double M[3][3] = {{S, Ssin, Scos}, {Ssin, Sss, Ssc}, {Scos, Ssc, Scc}};
    const double rhs[3] = {Sv, Svs, Svc};
    const auto det3 = [](const double m[3][3]) {
      return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
             m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    };
    double coef[3];
    for (int j = 0; j < 3; ++j) {
      double Mj[3][3];
      for (int r = 0; r < 3; ++r) {
        for (int q = 0; q < 3; ++q) Mj[r][q] = q == j ? rhs[r] : M[r][q];
      }
      coef[j] = det3(Mj) / det3(M);
    }
    // I = A sin(wt) = Im(A e^{iwt}); V = b sin + c cos = Im((b + i c) e^{iwt}); Z = -dV/dI
    const cplx z_time = -cplx(coef[1], coef[2]) / A;
    CHECK(std::abs(z_time - z_eis) / std::abs(z_eis) < 0.01);
    CHECK(z_eis.real() > 0);
  }
}

TEST_CASE("Bruce-Vincent-Evans returns the input t+ for an ideal solution") {
  // the glass electrolyte's D is the dilute-solution one of its kappa and t+, the condition under
  // which the measurement is exact; 200 membrane cells resolve the first instant after the step
  auto c = load_case("params/cells/li_li_gz62.yaml", {"mesh.membrane=200"});
  const BruceVincentResult m = bruce_vincent(c.cell, c.settings, 0.010);
  CHECK(m.t_plus == doctest::Approx(m.t_plus_input).epsilon(0.01));
  // the interfaces take most of the step: the raw current ratio is far from t+
  CHECK(m.ratio > 0.9);
  CHECK(m.Iss < m.I0);
  // a non-ideal solution (thermodynamic factor above 1) makes the salt gradient cost more
  // voltage, lowers Iss and the measured t+
  auto nonideal = load_case("params/cells/li_li_gz62.yaml", {"mesh.membrane=200", "electrolyte.thermodynamic_factor=1.5"});
  const BruceVincentResult n = bruce_vincent(nonideal.cell, nonideal.settings, 0.010);
  CHECK(n.t_plus < m.t_plus - 0.05);
}

TEST_CASE("Bruce-Vincent refuses a cell that is not Li|Li") {
  auto c = load_case("tests/data/models/blocking.yaml");
  CHECK_THROWS_WITH_AS(bruce_vincent(c.cell, c.settings, 0.01), doctest::Contains("needs a Li|Li cell"),
                       std::invalid_argument);
}
