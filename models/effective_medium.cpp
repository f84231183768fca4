#include "models/effective_medium.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace cascade {

namespace {

void check(const std::vector<FilmPhase>& phases) {
  if (phases.empty()) throw std::invalid_argument("effective medium: a film needs at least one phase");
  double sum = 0;
  for (const auto& p : phases) {
    if (!std::isfinite(p.fraction) || p.fraction < 0.0 || p.fraction > 1.0) {
      throw std::invalid_argument(fmt::format(
          "effective medium: the volume fraction of {} is {}, expected 0 to 1", p.name, p.fraction));
    }
    if (!std::isfinite(p.conductivity) || !(p.conductivity > 0.0)) {
      throw std::invalid_argument(fmt::format(
          "effective medium: the conductivity of {} is {} S/m, expected a positive value", p.name,
          p.conductivity));
    }
    sum += p.fraction;
  }
  if (std::abs(sum - 1.0) > 1e-6) {
    throw std::invalid_argument(
        fmt::format("effective medium: the volume fractions add up to {:.8g}, expected 1", sum));
  }
}

}  // namespace

double parallel_mixture(const std::vector<FilmPhase>& phases) {
  check(phases);
  double s = 0;
  for (const auto& p : phases) s += p.fraction * p.conductivity;
  return s;
}

double series_mixture(const std::vector<FilmPhase>& phases) {
  check(phases);
  double r = 0;
  for (const auto& p : phases) r += p.fraction / p.conductivity;
  return 1.0 / r;
}

double bruggeman_conductivity(const std::vector<FilmPhase>& phases) {
  // g(sigma) = sum f_i (sigma_i - sigma)/(sigma_i + 2 sigma) falls strictly with sigma, is >= 0 at
  // the series bound and <= 0 at the parallel bound: one root between them.
  const double lo0 = series_mixture(phases), hi0 = parallel_mixture(phases);
  const auto g = [&](double sigma) {
    double s = 0;
    for (const auto& p : phases) s += p.fraction * (p.conductivity - sigma) / (p.conductivity + 2 * sigma);
    return s;
  };
  double lo = std::log(lo0), hi = std::log(hi0);
  if (!(hi > lo)) return lo0;  // a single phase, or all phases alike
  for (int it = 0; it < 200 && hi - lo > 1e-15 * std::max(1.0, std::abs(hi)); ++it) {
    const double mid = 0.5 * (lo + hi);
    if (g(std::exp(mid)) > 0.0) lo = mid;
    else hi = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

}  // namespace cascade
