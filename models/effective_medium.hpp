#pragma once
// Conductivity of a film made of several phases (an SEI or CEI of LiF, Li2O, carbonates and
// organics) from its composition: the symmetric Bruggeman effective-medium rule (docs/model.md
// eq. F1) and the two Wiener bounds that every isotropic mixture lies between.
#include <string>
#include <vector>

namespace cascade {

struct FilmPhase {
  std::string name;
  double fraction = 0;      // volume fraction, -
  double conductivity = 0;  // S/m, > 0
};

// Parallel (arithmetic) mixture: the upper Wiener bound, sum f_i sigma_i.
double parallel_mixture(const std::vector<FilmPhase>& phases);
// Series (harmonic) mixture: the lower Wiener bound, 1 / sum (f_i / sigma_i).
double series_mixture(const std::vector<FilmPhase>& phases);
// Symmetric Bruggeman effective medium in three dimensions: the sigma with
// sum_i f_i (sigma_i - sigma) / (sigma_i + 2 sigma) = 0. Each phase is embedded in the mixture
// itself, so no phase is singled out as the host, and a phase conducts through the film once it
// percolates (volume fraction 1/3 for spheres). Solved to round-off by bisection in log(sigma)
// inside the Wiener bounds, where the root is unique.
// std::invalid_argument when a fraction is outside [0, 1], the fractions do not add up to 1
// (within 1e-6), a conductivity is not positive and finite, or the list is empty; the message
// names the phase.
double bruggeman_conductivity(const std::vector<FilmPhase>& phases);

}  // namespace cascade
