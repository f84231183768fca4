// exp_n and log_n (models/vector_math.hpp): the vector functions against the scalar ones.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "models/vector_math.hpp"

using cascade::exp_n;
using cascade::log_n;

namespace {
// distance in units in the last place of the reference
double ulps(double got, double ref) {
  return std::abs(got - ref) / (std::nextafter(std::abs(ref), INFINITY) - std::abs(ref));
}
}  // namespace

TEST_CASE("exp_n and log_n agree with exp and log within 4 ulp, for every length and in place") {
  // every length from empty to past two vector widths, so each tail length (0-3) is taken
  for (int n = 0; n <= 11; ++n) {
    CAPTURE(n);
    std::vector<double> x(static_cast<std::size_t>(n)), e(x.size()), l(x.size());
    // Butler-Volmer arguments (alpha f eta up to tens) and salt concentrations (mol/m3)
    for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = -35.0 + 6.7 * i + 0.013 * i * i;
    exp_n(x.data(), e.data(), n);
    for (int i = 0; i < n; ++i) CHECK(ulps(e[static_cast<std::size_t>(i)], std::exp(x[static_cast<std::size_t>(i)])) <= 4);
    for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = 0.5 + 397.0 * i;
    log_n(x.data(), l.data(), n);
    for (int i = 0; i < n; ++i) CHECK(ulps(l[static_cast<std::size_t>(i)], std::log(x[static_cast<std::size_t>(i)])) <= 4);
    // in place, with the same results
    std::vector<double> y = x;
    log_n(y.data(), y.data(), n);
    CHECK(y == l);
  }
}

TEST_CASE("exp_n and log_n give the same value for the same argument wherever it sits") {
  // a residual's rounding must not depend on which particle or cell a value belongs to
  std::vector<double> x(9, 2.718281828459045 * 0.37);
  std::vector<double> e(9), l(9);
  exp_n(x.data(), e.data(), 9);
  log_n(x.data(), l.data(), 9);
  for (std::size_t i = 1; i < 9; ++i) {
    CHECK(e[i] == e[0]);
    CHECK(l[i] == l[0]);
  }
  // edge values keep their meaning
  const double edge[4] = {0.0, 1.0, 700.0, -745.0};
  double out[4];
  exp_n(edge, out, 4);
  CHECK(out[0] == 1.0);
  CHECK(ulps(out[2], std::exp(700.0)) <= 4);  // near the top of the range
  CHECK(out[3] >= 0.0);
  CHECK(out[3] < 1e-300);
  log_n(edge, out, 2);
  CHECK(std::isinf(out[0]));
  CHECK(out[0] < 0);
  CHECK(out[1] == 0.0);
}
