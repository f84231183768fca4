#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "models/functions.hpp"

using cascade::Fn1DPtr;
using cascade::Interp;
using cascade::Property;
using cascade::TemperatureLaw;

namespace {

// Central difference of a bound function, to check the slope it reports.
double fd_slope(const cascade::Fn1D& f, double x, double h = 1e-6) {
  return (f(x + h) - f(x - h)) / (2.0 * h);
}

// The NMC-like open-circuit potential used throughout these tests (V, sto dimensionless).
const char* const ocp_text =
    "4.06279 + 0.0677504*tanh(-21.8502*sto + 12.8268) - 0.105734*((1.00167 - sto)^(-0.379571) "
    "- 1.575994) - 0.045*exp(-71.69*sto^8) + 0.01*exp(-200*(sto - 0.19))";

double ocp(double s) {
  return 4.06279 + 0.0677504 * std::tanh(-21.8502 * s + 12.8268) -
         0.105734 * (std::pow(1.00167 - s, -0.379571) - 1.575994) -
         0.045 * std::exp(-71.69 * std::pow(s, 8)) + 0.01 * std::exp(-200 * (s - 0.19));
}

double ocp_slope(double s) {
  const double th = std::tanh(-21.8502 * s + 12.8268);
  return 0.0677504 * (1 - th * th) * -21.8502 -
         0.105734 * 0.379571 * std::pow(1.00167 - s, -1.379571) +
         0.045 * 71.69 * 8 * std::pow(s, 7) * std::exp(-71.69 * std::pow(s, 8)) -
         2.0 * std::exp(-200 * (s - 0.19));
}

}  // namespace

TEST_CASE("constant and polynomial: values and slopes") {
  const Fn1DPtr c = cascade::make_constant(0.0332);
  CHECK(c->eval(0.7).v == 0.0332);
  CHECK(c->eval(0.7).dv == 0.0);
  CHECK((*c)(-5.0) == 0.0332);
  CHECK(c->is_constant());
  CHECK_THROWS_AS(cascade::make_constant(std::nan("")), std::invalid_argument);

  const Fn1DPtr p = cascade::make_polynomial({1.0, 2.0, 3.0});  // 1 + 2x + 3x^2
  CHECK(p->eval(2.0).v == doctest::Approx(17.0));
  CHECK(p->eval(2.0).dv == doctest::Approx(14.0));
  CHECK(p->eval(-0.5).v == doctest::Approx(0.75));
  CHECK(p->eval(-0.5).dv == doctest::Approx(-1.0));
  CHECK_FALSE(p->is_constant());
  CHECK(p->eval(0.3).dv == doctest::Approx(fd_slope(*p, 0.3)).epsilon(1e-8));

  CHECK(cascade::make_polynomial({})->eval(3.0).v == 0.0);
  CHECK(cascade::make_polynomial({4.0, 0.0})->is_constant());
}

TEST_CASE("value(x) is eval(x).v bit for bit, for every kind of function") {
  // The residual evaluates values alone; the Jacobian takes eval's: they must agree exactly.
  const std::vector<Fn1DPtr> fns{
      cascade::make_constant(0.0332),
      cascade::make_polynomial({1.0, -2.0, 3.0, 0.5}),
      cascade::make_table({0.0, 0.1, 0.5, 0.9, 1.0}, {4.2, 4.0, 3.9, 3.6, 3.0}),
      cascade::make_table({0.0, 0.25, 0.5, 0.75, 1.0}, {1.0, 2.0, 0.5, 3.0, 2.5}, Interp::spline),
      cascade::make_table({0.0, 1.0, 3.0}, {1.0, 2.0, 0.5}, Interp::linear),
      cascade::make_scaled(cascade::make_table({0.0, 0.5, 1.0}, {1.0, 3.0, 2.0}), 1.7),
      cascade::make_expression(ocp_text, "sto", 0.0, 1.0),
  };
  for (const Fn1DPtr& f : fns) {
    for (const double x : {-0.3, 0.0, 1e-9, 0.123456, 0.5, 0.77, 0.999, 1.0, 1.4, 3.5}) {
      CHECK(f->value(x) == f->eval(x).v);
      CHECK((*f)(x) == f->eval(x).v);
    }
    CHECK(std::isnan(f->value(std::nan(""))) == std::isnan(f->eval(std::nan("")).v));
  }
}

TEST_CASE("pchip: reproduces the data, never overshoots, slope is its own derivative") {
  // A step: a natural spline rings around it, pchip must not.
  const std::vector<double> x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<double> y{0, 0, 0, 0.05, 0.95, 1, 1, 1, 1, 1};
  const Fn1DPtr pchip = cascade::make_table(x, y);
  const Fn1DPtr spline = cascade::make_table(x, y, Interp::spline);

  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(pchip->eval(x[i]).v == doctest::Approx(y[i]).epsilon(1e-14));
    CHECK(spline->eval(x[i]).v == doctest::Approx(y[i]).epsilon(1e-14));
  }

  double previous = -1.0, pchip_min = 1e9, pchip_max = -1e9, spline_min = 1e9, spline_max = -1e9;
  bool monotone = true;
  for (int k = 0; k <= 9000; ++k) {
    const double xi = 9.0 * k / 9000.0;
    const double v = (*pchip)(xi);
    if (v < previous - 1e-15) monotone = false;
    previous = v;
    pchip_min = std::min(pchip_min, v);
    pchip_max = std::max(pchip_max, v);
    spline_min = std::min(spline_min, (*spline)(xi));
    spline_max = std::max(spline_max, (*spline)(xi));
  }
  CHECK(monotone);
  CHECK(pchip_min >= -1e-15);
  CHECK(pchip_max <= 1.0 + 1e-15);
  // The same data make the natural spline overshoot on both sides: that is why pchip is default.
  CHECK(spline_min < -1e-3);
  CHECK(spline_max > 1.0 + 1e-3);

  // Non-uniform grid (exercises the bucketed lookup): slope equals a finite difference of the
  // interpolant itself, including just either side of the nodes.
  const std::vector<double> xn{0.0, 0.01, 0.05, 0.2, 0.21, 0.5, 0.9, 1.0};
  std::vector<double> yn;
  for (double v : xn) yn.push_back(std::sqrt(v + 0.01));
  const Fn1DPtr f = cascade::make_table(xn, yn);
  for (std::size_t i = 0; i < xn.size(); ++i) CHECK((*f)(xn[i]) == doctest::Approx(yn[i]));
  for (double xi : {0.003, 0.0099999, 0.0100001, 0.1, 0.205, 0.33, 0.7, 0.95}) {
    CAPTURE(xi);
    CHECK(f->eval(xi).dv == doctest::Approx(fd_slope(*f, xi, 1e-8)).epsilon(1e-5));
  }
}

TEST_CASE("tables extrapolate linearly with the end slope") {
  const Fn1DPtr f = cascade::make_table({0.0, 1.0, 2.0, 4.0}, {0.0, 1.0, 4.0, 16.0});
  const auto left = f->eval(0.0), right = f->eval(4.0);
  CHECK(f->eval(-1.0).v == doctest::Approx(left.v - left.dv));
  CHECK(f->eval(-1.0).dv == doctest::Approx(left.dv));
  CHECK(f->eval(5.0).v == doctest::Approx(right.v + right.dv));
  CHECK(f->eval(5.0).dv == doctest::Approx(right.dv));
  // The end slope is the interpolant's own: continuous across the end.
  CHECK(f->eval(4.0 - 1e-9).dv == doctest::Approx(right.dv).epsilon(1e-6));
}

TEST_CASE("natural spline converges at fourth order in the interior") {
  // Away from the ends the natural end condition's error has decayed, so halving h must cut the
  // error about 16x.
  auto max_error = [](int intervals) {
    std::vector<double> x, y;
    for (int i = 0; i <= intervals; ++i) {
      x.push_back(static_cast<double>(i) / intervals);
      y.push_back(std::exp(x.back()) * std::sin(3.0 * x.back()));
    }
    const Fn1DPtr s = cascade::make_table(x, y, Interp::spline);
    double err = 0.0;
    for (int k = 0; k <= 1000; ++k) {
      const double xi = 0.4 + 0.2 * k / 1000.0;
      err = std::max(err, std::abs((*s)(xi)-std::exp(xi) * std::sin(3.0 * xi)));
    }
    return err;
  };
  const double e1 = max_error(32), e2 = max_error(64), e3 = max_error(128);
  CHECK(e1 / e2 == doctest::Approx(16.0).epsilon(0.25));
  CHECK(e2 / e3 == doctest::Approx(16.0).epsilon(0.25));

  // A straight line is reproduced everywhere, ends included (its second derivative is 0).
  const Fn1DPtr line =
      cascade::make_table({0.0, 0.3, 1.0, 1.5}, {1.0, 1.6, 3.0, 4.0}, Interp::spline);
  for (double xi : {0.0, 0.1, 0.7, 1.2, 1.5}) {
    CHECK(line->eval(xi).v == doctest::Approx(1.0 + 2.0 * xi).epsilon(1e-13));
    CHECK(line->eval(xi).dv == doctest::Approx(2.0).epsilon(1e-13));
  }
}

TEST_CASE("linear table") {
  const Fn1DPtr f = cascade::make_table({1.0, 2.0, 4.0}, {10.0, 20.0, 0.0}, Interp::linear);
  CHECK(f->eval(1.5).v == doctest::Approx(15.0));
  CHECK(f->eval(1.5).dv == doctest::Approx(10.0));
  CHECK(f->eval(3.0).v == doctest::Approx(10.0));
  CHECK(f->eval(3.0).dv == doctest::Approx(-10.0));
  CHECK(f->eval(5.0).v == doctest::Approx(-10.0));  // extrapolated with the last segment's slope
  CHECK(f->eval(0.0).v == doctest::Approx(0.0));
}

TEST_CASE("table input errors name the offending point") {
  CHECK_THROWS_WITH_AS(cascade::make_table({0.0, 0.5, 0.5, 1.0}, {1, 2, 3, 4}),
                       doctest::Contains("x[2]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(cascade::make_table({0.0}, {1.0}), doctest::Contains("at least 2"),
                       std::invalid_argument);
  CHECK_THROWS_AS(cascade::make_table({0.0, 1.0}, {1.0}), std::invalid_argument);
}

TEST_CASE("scaled function") {
  const Fn1DPtr base = cascade::make_table({0.0, 1.0, 2.0}, {1.0, 3.0, 2.0});
  const Fn1DPtr s = cascade::make_scaled(base, 2.5);
  for (double xi : {-0.5, 0.2, 1.0, 1.7, 2.5}) {
    CHECK(s->eval(xi).v == doctest::Approx(2.5 * base->eval(xi).v));
    CHECK(s->eval(xi).dv == doctest::Approx(2.5 * base->eval(xi).dv));
  }
  CHECK(cascade::make_scaled(cascade::make_constant(2.0), 3.0)->eval(0.0).v == 6.0);
  CHECK(cascade::make_scaled(cascade::make_polynomial({1.0, 1.0}), 3.0)->eval(1.0).v == 6.0);
  CHECK(cascade::make_scaled(base, 1.0) == base);
}

TEST_CASE("expression: the NMC open-circuit potential is tabulated accurately") {
  const Fn1DPtr U = cascade::make_expression(ocp_text, "sto", 0.0, 1.0);

  // Published reference values (rounded to ~5e-6).
  const std::vector<std::pair<double, double>> reference{
      {0.2, 4.138549}, {0.3, 4.13143},  {0.5, 4.12283},  {0.7, 3.99528},
      {0.9, 3.90988},  {0.95, 3.83612}, {0.99, 3.58901}, {0.995, 3.45355}};
  for (const auto& point : reference) {
    CAPTURE(point.first);
    CHECK(std::abs(U->eval(point.first).v - point.second) < 2e-5);
  }

  // Against the formula itself, densely and into the steep end near the singularity at 1.00167.
  // Below sto ~ 0.15 the last term explodes (3e14 V at sto = 0): there only the relative error
  // means anything.
  double worst_relative = 0.0;
  for (int k = 0; k <= 30000; ++k) {
    const double sto = 0.15 * k / 30000.0;
    worst_relative = std::max(worst_relative, std::abs(U->eval(sto).v / ocp(sto) - 1.0));
  }
  CHECK(worst_relative < 1e-9);
  double worst = 0.0, worst_at = 0.0;
  for (int k = 0; k <= 200000; ++k) {
    const double sto = 0.15 + 0.85 * k / 200000.0;
    const double err = std::abs(U->eval(sto).v - ocp(sto));
    if (err > worst) {
      worst = err;
      worst_at = sto;
    }
  }
  for (int k = 0; k <= 10000; ++k) {
    const double sto = 0.99 + 0.01 * k / 10000.0;
    const double err = std::abs(U->eval(sto).v - ocp(sto));
    if (err > worst) {
      worst = err;
      worst_at = sto;
    }
  }
  CAPTURE(worst_at);
  CHECK(worst < 1e-7);
  CHECK(U->eval(1.0).v == doctest::Approx(ocp(1.0)).epsilon(1e-12));

  // Slope: the analytic derivative of the formula, and the interpolant's own finite difference.
  for (double sto : {0.1, 0.2, 0.45, 0.6, 0.8, 0.95, 0.99, 0.999}) {
    CAPTURE(sto);
    const auto r = U->eval(sto);
    CHECK(r.dv == doctest::Approx(ocp_slope(sto)).epsilon(1e-5));
    CHECK(r.dv == doctest::Approx(fd_slope(*U, sto, 1e-7)).epsilon(1e-5));
  }
}

TEST_CASE("expression: constants, constant expressions and errors") {
  const Fn1DPtr f = cascade::make_expression("a*x^2 + b", "x", -1.0, 2.0, {{"a", 2.0}, {"b", 1.0}});
  CHECK(f->eval(1.5).v == doctest::Approx(5.5).epsilon(1e-12));
  CHECK(f->eval(1.5).dv == doctest::Approx(6.0).epsilon(1e-9));
  CHECK(f->eval(-1.0).v == doctest::Approx(3.0).epsilon(1e-12));

  const Fn1DPtr c = cascade::make_expression("2*T", "x", 0.0, 1.0, {{"T", 300.0}});
  CHECK(c->is_constant());
  CHECK(c->eval(0.5).v == 600.0);

  CHECK_THROWS_WITH_AS(cascade::make_expression("4.1 + * sto", "sto", 0.0, 1.0),
                       doctest::Contains("4.1 + * sto"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(cascade::make_expression("sto + foo", "sto", 0.0, 1.0),
                       doctest::Contains("unknown variable 'foo'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(cascade::make_expression("sqrt(sto - 0.5)", "sto", 0.0, 1.0),
                       doctest::Contains("NaN at sto = 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(cascade::make_expression("1/(sto - 0.5)", "sto", 0.0, 1.0),
                       doctest::Contains("inf at sto = 0.5"), std::invalid_argument);
  CHECK_THROWS_AS(cascade::make_expression("x", "x", 1.0, 1.0), std::invalid_argument);
}

TEST_CASE("temperature laws") {
  CHECK(cascade::arrhenius_factor(16402.0, 293.15, 293.15) == doctest::Approx(1.0));
  CHECK(cascade::arrhenius_factor(16402.0, 313.15, 293.15) ==
        doctest::Approx(1.5369256031469194).epsilon(1e-12));
  CHECK_THROWS_AS(cascade::arrhenius_factor(1.0, 0.0, 298.15), std::domain_error);

  TemperatureLaw none;
  CHECK(none.factor(250.0) == 1.0);

  TemperatureLaw arr;
  arr.kind = TemperatureLaw::Kind::arrhenius;
  arr.activation_energy = 16402.0;
  arr.T_ref = 293.15;
  CHECK(arr.factor(293.15) == doctest::Approx(1.0));
  CHECK(arr.factor(313.15) == doctest::Approx(1.5369256031469194).epsilon(1e-12));

  TemperatureLaw vtf;
  vtf.kind = TemperatureLaw::Kind::vtf;
  vtf.B = 500.0;
  vtf.T0 = 150.0;
  CHECK(vtf.factor(298.15) == doctest::Approx(1.0));
  CHECK(vtf.factor(260.0) == doctest::Approx(0.31021281022553704).epsilon(1e-12));
  CHECK_THROWS_WITH_AS(vtf.factor(150.0), doctest::Contains("T0"), std::domain_error);
  CHECK_THROWS_AS(vtf.factor(100.0), std::domain_error);

  TemperatureLaw table;
  table.kind = TemperatureLaw::Kind::table_inverse_T;
  table.T_table = {253.15, 273.15, 298.15, 323.15};
  table.factor_table = {0.2, 0.5, 1.1, 2.0};  // not normalized at T_ref: it is a factor
  for (std::size_t i = 0; i < table.T_table.size(); ++i) {
    CHECK(table.factor(table.T_table[i]) == doctest::Approx(table.factor_table[i]));
  }
  const double between = table.factor(285.0);
  CHECK(between > 0.5);
  CHECK(between < 1.1);
  // Beyond the table: straight in ln(factor) vs 1/T, i.e. Arrhenius-like, still increasing.
  CHECK(table.factor(340.0) > 2.0);

  table.factor_table[1] = -0.5;
  CHECK_THROWS_WITH_AS(table.validate(), doctest::Contains("factor[1]"), std::invalid_argument);
  table.factor_table[1] = 0.5;
  table.T_table[2] = 273.15;
  CHECK_THROWS_WITH_AS(table.validate(), doctest::Contains("T[2]"), std::invalid_argument);
}

TEST_CASE("Property::bind for each kind") {
  SUBCASE("default and constant") {
    CHECK(Property().bind(298.15)->eval(0.3).v == 0.0);
    CHECK_FALSE(Property().depends_on_x());
    const Property p = Property::constant(7.5e-14);
    CHECK(p.bind(310.0)->eval(0.3).v == 7.5e-14);
    CHECK_FALSE(p.depends_on_x());
  }
  SUBCASE("base without temperature law is the base itself") {
    const Fn1DPtr base = cascade::make_table({0.0, 0.5, 1.0}, {4.2, 3.9, 3.5});
    const Property p = Property::of(base);
    CHECK(p.bind(250.0) == base);
    CHECK(p.depends_on_x());
  }
  SUBCASE("arrhenius on a constant and on a table") {
    TemperatureLaw law;
    law.kind = TemperatureLaw::Kind::arrhenius;
    law.activation_energy = 16402.0;
    law.T_ref = 293.15;
    const Property k = Property::of(cascade::make_constant(0.0332), law);
    CHECK(k.describe() == "arrhenius(Ea=16402 J/mol, T_ref=293.15 K) x 0.0332");
    CHECK_FALSE(k.depends_on_x());
    CHECK(k.bind(293.15)->eval(0.0).v == doctest::Approx(0.0332));
    CHECK(k.bind(313.15)->eval(0.0).v == doctest::Approx(0.0332 * 1.5369256031469194));

    const Fn1DPtr base = cascade::make_table({0.0, 0.5, 1.0}, {1e-14, 3e-14, 2e-14});
    const Fn1DPtr bound = Property::of(base, law).bind(313.15);
    for (double x : {0.1, 0.5, 0.77}) {
      CHECK(bound->eval(x).v == doctest::Approx(1.5369256031469194 * base->eval(x).v));
      CHECK(bound->eval(x).dv == doctest::Approx(1.5369256031469194 * base->eval(x).dv));
    }
  }
  SUBCASE("vtf and table laws") {
    TemperatureLaw vtf;
    vtf.kind = TemperatureLaw::Kind::vtf;
    vtf.B = 500.0;
    vtf.T0 = 150.0;
    const Property p = Property::of(cascade::make_polynomial({1.0, 2.0}), vtf);
    CHECK(p.bind(260.0)->eval(1.0).v == doctest::Approx(3.0 * 0.31021281022553704));
    CHECK(p.bind(260.0)->eval(1.0).dv == doctest::Approx(2.0 * 0.31021281022553704));
    CHECK_THROWS_AS(p.bind(140.0), std::domain_error);

    TemperatureLaw table;
    table.kind = TemperatureLaw::Kind::table_inverse_T;
    table.T_table = {253.15, 298.15};
    table.factor_table = {0.25, 1.0};
    CHECK(Property::of(cascade::make_constant(2.0), table).bind(253.15)->eval(0.0).v ==
          doctest::Approx(0.5));
    table.factor_table = {0.0, 1.0};
    CHECK_THROWS_AS(Property::of(cascade::make_constant(2.0), table), std::invalid_argument);
  }
  SUBCASE("expression in (c_e, T)") {
    // A Valoen-Reimers-like conductivity shape (S/m, c_e in mol/m^3): re-tabulated per T.
    auto kappa = [](double c, double T) {
      const double cm = c / 1000.0;
      return 0.1 * cm *
             std::pow(-10.5 + 0.074 * T - 6.96e-5 * T * T + 0.668 * cm - 0.0178 * cm * T +
                          2.8e-5 * cm * T * T + 0.494 * cm * cm - 8.86e-4 * cm * cm * T,
                      2);
    };
    const Property p = Property::expression(
        "0.1*(c_e/1000)*(-10.5 + 0.074*T - 6.96e-5*T^2 + 0.668*(c_e/1000) - 0.0178*(c_e/1000)*T "
        "+ 2.8e-5*(c_e/1000)*T^2 + 0.494*(c_e/1000)^2 - 8.86e-4*(c_e/1000)^2*T)^2",
        "c_e", 0.0, 4000.0);
    CHECK(p.depends_on_x());
    for (double T : {263.15, 298.15, 318.15}) {
      const Fn1DPtr k = p.bind(T);
      for (double c : {10.0, 500.0, 1000.0, 2500.0, 3999.0}) {
        CAPTURE(T);
        CAPTURE(c);
        CHECK(k->eval(c).v == doctest::Approx(kappa(c, T)).epsilon(1e-9));
        CHECK(k->eval(c).dv == doctest::Approx(fd_slope(*k, c, 1e-3)).epsilon(1e-6));
        CHECK(k->eval(c).dv ==
              doctest::Approx((kappa(c + 1e-3, T) - kappa(c - 1e-3, T)) / 2e-3).epsilon(1e-6));
      }
    }
    CHECK_FALSE(Property::expression("1e-10*exp(-1000/T)", "c_e", 0.0, 4000.0).depends_on_x());
    CHECK_THROWS_WITH_AS(Property::expression("c_e*Tx", "c_e", 0.0, 4000.0),
                         doctest::Contains("Tx"), std::invalid_argument);
  }
}

TEST_CASE("Property::table2d: ln(value) against 1/T per column, then a table in x") {
  const std::vector<double> T{243.15, 263.15, 293.15, 323.15, 353.15};  // K
  const std::vector<double> x{500.0, 1000.0, 1500.0};                   // mol/m^3
  const std::vector<std::vector<double>> v{{1.0e-3, 1.45e-3, 1.2e-3},
                                           {5.0e-3, 7.0e-3, 6.0e-3},
                                           {2.0e-2, 3.3e-2, 2.8e-2},
                                           {5.0e-2, 8.0e-2, 7.0e-2},
                                           {9.0e-2, 1.4e-1, 1.25e-1}};  // S/m

  SUBCASE("reproduces the grid at grid temperatures and grid points") {
    const Property p = Property::table2d(T, x, v);
    CHECK(p.depends_on_x());
    for (std::size_t i = 0; i < T.size(); ++i) {
      const Fn1DPtr f = p.bind(T[i]);
      for (std::size_t j = 0; j < x.size(); ++j) {
        CAPTURE(i);
        CAPTURE(j);
        CHECK(f->eval(x[j]).v == doctest::Approx(v[i][j]).epsilon(1e-12).scale(0));
      }
    }
    // pchip in x by default: between two columns, no overshoot of the column values.
    const double mid = p.bind(293.15)->eval(1250.0).v;
    CHECK(mid <= 3.3e-2);
    CHECK(mid >= 2.8e-2);
    CHECK(p.describe() ==
          "2-D table of 5 temperatures x 3 points: ln(value) pchip in 1/T for T in [243.15, "
          "353.15] K, pchip in x on [500, 1500]");
  }

  SUBCASE("between two rows ln(value) is linear in 1/T, and so is it beyond them") {
    // Two rows: pchip in 1/T on two points is the straight line in 1/T, extended with its slope.
    const std::vector<double> T2{260.0, 320.0};
    const std::vector<double> x2{500.0, 1000.0, 2000.0};
    const std::vector<std::vector<double>> v2{{0.01, 0.02, 0.015}, {0.05, 0.12, 0.09}};
    const Property p = Property::table2d(T2, x2, v2, Interp::linear);
    auto by_hand = [&](std::size_t j, double t) {
      const double w = (1.0 / t - 1.0 / T2[0]) / (1.0 / T2[1] - 1.0 / T2[0]);
      return std::exp(std::log(v2[0][j]) + w * (std::log(v2[1][j]) - std::log(v2[0][j])));
    };
    for (double t : {275.0, 290.0, 311.0, 240.0, 350.0}) {
      const Fn1DPtr f = p.bind(t);
      for (std::size_t j = 0; j < x2.size(); ++j) {
        CAPTURE(t);
        CAPTURE(j);
        CHECK(f->eval(x2[j]).v == doctest::Approx(by_hand(j, t)).epsilon(1e-12).scale(0));
      }
      // Linear in x between the interpolated columns, with that slope.
      const double c0 = by_hand(1, t), c1 = by_hand(2, t);
      CHECK(f->eval(1250.0).v == doctest::Approx(c0 + 0.25 * (c1 - c0)).epsilon(1e-12).scale(0));
      CHECK(f->eval(1250.0).dv == doctest::Approx((c1 - c0) / 1000.0).epsilon(1e-12).scale(0));
    }
    // The hand computation is far from a straight line in T, so the check above discriminates.
    const double linear_in_T = 0.01 + (290.0 - 260.0) / 60.0 * (0.05 - 0.01);
    CHECK(by_hand(0, 290.0) != doctest::Approx(linear_in_T).epsilon(1e-3).scale(0));
  }

  SUBCASE("the bound function's slope in x matches a finite difference") {
    for (Interp method : {Interp::pchip, Interp::spline, Interp::linear}) {
      const Property p = Property::table2d(T, x, v, method);
      for (double t : {250.0, 293.15, 300.0, 340.0}) {
        const Fn1DPtr f = p.bind(t);
        for (double c : {400.0, 620.0, 999.0, 1234.5, 1490.0, 1700.0}) {
          CAPTURE(t);
          CAPTURE(c);
          // Slopes are ~1e-5 S/m per mol/m^3: scale the tolerance to them, not to 1.
          CHECK(f->eval(c).dv == doctest::Approx(fd_slope(*f, c, 1e-3)).epsilon(1e-6).scale(1e-5));
        }
      }
    }
  }

  SUBCASE("bad inputs name the offending entry") {
    CHECK_THROWS_WITH_AS(Property::table2d({300.0, 290.0}, x, {v[0], v[1]}),
                         doctest::Contains("T must be strictly increasing, but T[1] = 290 K"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(Property::table2d({290.0, 300.0}, {500.0, 500.0, 1500.0}, {v[0], v[1]}),
                         doctest::Contains("x must be strictly increasing, but x[1] = 500"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(Property::table2d({300.0}, x, {v[0]}),
                         doctest::Contains("needs at least 2 points in T, got 1"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(Property::table2d({290.0, 300.0}, {500.0}, {{1.0}, {2.0}}),
                         doctest::Contains("needs at least 2 points in x, got 1"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(Property::table2d({-10.0, 300.0}, x, {v[0], v[1]}),
                         doctest::Contains("T[0] = -10 K is not a positive temperature"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(Property::table2d(T, x, {v[0], v[1]}),
                         doctest::Contains("values has 2 rows but T has 5 points"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(Property::table2d({290.0, 300.0}, x, {v[0], {1.0, 2.0}}),
                         doctest::Contains("row 1 (T = 300 K) has 2 values but x has 3 points"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(Property::table2d({290.0, 300.0}, x, {v[0], {1.0, 2.0, 0.0}}),
                         doctest::Contains("values[1][2] = 0 (T = 300 K, x = 1500) must be "
                                           "positive"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(Property::table2d({290.0, 300.0}, x, {v[0], {1.0, -2.0, std::nan("")}}),
                         doctest::Contains("values[1][1] = -2"), std::invalid_argument);
    const Property p = Property::table2d(T, x, v);
    CHECK_THROWS_AS(p.bind(0.0), std::domain_error);
    CHECK_THROWS_AS(p.bind(std::nan("")), std::domain_error);
  }
}

TEST_CASE("an expression's tabulation is shared by copies and redone only when T matters") {
  using namespace cascade;
  const Property sto_only = Property::expression("4.2 - 0.5*sto", "sto", 0.0, 1.0);
  const Property copy = sto_only;  // e.g. one cell per sweep point
  const Fn1DPtr a = sto_only.bind(298.15);
  CHECK(copy.bind(310.0).get() == a.get());  // T does not appear: one tabulation serves all
  const Property in_T = Property::expression("1e-3*T*c_e", "c_e", 0.0, 2000.0);
  const Fn1DPtr b = in_T.bind(300.0);
  CHECK(in_T.bind(300.0).get() == b.get());
  const Fn1DPtr c = in_T.bind(330.0);
  CHECK(c.get() != b.get());
  CHECK(c->eval(1000.0).v == doctest::Approx(330.0).epsilon(1e-9));
  CHECK(b->eval(1000.0).v == doctest::Approx(300.0).epsilon(1e-9));
}
