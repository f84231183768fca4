#include "models/effective_medium.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

using namespace cascade;

TEST_CASE("effective medium: a pure phase gives that phase's conductivity") {
  for (double s : {1e-12, 3e-7, 2.5}) {
    CHECK(bruggeman_conductivity({{"LiF", 1.0, s}}) == doctest::Approx(s).epsilon(1e-13).scale(0));
    // Other phases present at zero fraction change nothing.
    CHECK(bruggeman_conductivity({{"LiF", 0.0, 1e-3}, {"Li2O", 1.0, s}, {"organic", 0.0, 1e-9}}) ==
          doctest::Approx(s).epsilon(1e-13).scale(0));
  }
}

TEST_CASE("effective medium: bounded by the series and parallel mixtures") {
  const std::vector<std::vector<FilmPhase>> films{
      {{"a", 0.5, 1e-6}, {"b", 0.5, 1e-9}},
      {{"LiF", 0.11, 1e-9}, {"Li2O", 0.60, 1e-7}, {"organic", 0.29, 1e-8}},
      {{"LiF", 0.3, 2e-8}, {"Li2O", 0.3, 4e-9}, {"Li2CO3", 0.1, 1e-6}, {"organic", 0.3, 1e-10}},
      {{"a", 0.9, 1.0}, {"b", 0.1, 1e-12}}};
  for (const auto& f : films) {
    const double s = bruggeman_conductivity(f);
    const double lo = series_mixture(f), hi = parallel_mixture(f);
    CHECK(s > lo);
    CHECK(s < hi);
    // and it is the root of the effective-medium condition
    double g = 0;
    for (const auto& p : f) g += p.fraction * (p.conductivity - s) / (p.conductivity + 2 * s);
    CHECK(std::abs(g) < 1e-12);
  }
}

TEST_CASE("effective medium: the closed form of two phases") {
  // Two phases: 2 sigma^2 - b sigma - s1 s2 = 0 with b = (3 f1 - 1) s1 + (3 f2 - 1) s2.
  const double s1 = 1e-6, s2 = 1e-9;
  for (double f1 : {0.1, 1.0 / 3.0, 0.5, 0.8}) {
    const double f2 = 1 - f1;
    const double b = (3 * f1 - 1) * s1 + (3 * f2 - 1) * s2;
    const double exact = (b + std::sqrt(b * b + 8 * s1 * s2)) / 4;
    CHECK(bruggeman_conductivity({{"a", f1, s1}, {"b", f2, s2}}) ==
          doctest::Approx(exact).epsilon(1e-12).scale(0));
  }
}

TEST_CASE("effective medium: percolation of the conducting phase near one third") {
  // A conductor in an almost-insulating matrix: below 1/3 the film stays near the insulator's
  // conductivity, above it the conductor carries the current.
  const auto film = [](double f) {
    return bruggeman_conductivity({{"metal", f, 1.0}, {"insulator", 1 - f, 1e-12}});
  };
  CHECK(film(0.25) < 1e-9);
  CHECK(film(0.45) > 0.1);
  CHECK(film(0.45) == doctest::Approx((3 * 0.45 - 1) / 2).epsilon(1e-6).scale(0));
}

TEST_CASE("effective medium: more of the better conductor never lowers the film's conductivity") {
  double last = 0;
  for (int k = 0; k <= 20; ++k) {  // f = 0, 0.05, ..., 1 (both pure ends included)
    const double f = k / 20.0;
    const double s = bruggeman_conductivity({{"Li2O", f, 1e-7}, {"organic", 1 - f, 1e-9}});
    CHECK(s >= last);
    last = s;
  }
}

TEST_CASE("effective medium: bad input names the phase") {
  CHECK_THROWS_WITH_AS(bruggeman_conductivity({{"LiF", 0.5, 1e-9}, {"Li2O", 0.4, 1e-8}}),
                       doctest::Contains("add up to 0.9"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(bruggeman_conductivity({{"LiF", 0.5, 0.0}, {"Li2O", 0.5, 1e-8}}),
                       doctest::Contains("conductivity of LiF"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(bruggeman_conductivity({{"LiF", 1.5, 1e-9}, {"Li2O", -0.5, 1e-8}}),
                       doctest::Contains("volume fraction of LiF"), std::invalid_argument);
  CHECK_THROWS_AS(bruggeman_conductivity({}), std::invalid_argument);
}
