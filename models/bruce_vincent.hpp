#pragma once
// The Bruce-Vincent-Evans measurement of the cation transference number on a Li|Li cell
// (docs/model.md sec. 8): a small potential step dV from rest; the current falls from I0 (no salt
// gradient yet) to Iss (the steady gradient). The voltage the interfaces and contacts take at
// those two moments, I0 R0 and Iss Rss, is read from the model's voltage breakdown, as the
// experiment reads it from impedance spectra before and after, and
//   t+ = Iss (dV - I0 R0) / (I0 (dV - Iss Rss)).
#include <utility>
#include <vector>

#include "models/simulation.hpp"

namespace cascade {

struct BruceVincentResult {
  double I0 = 0, Iss = 0;          // A/m2, magnitudes
  double V0_int = 0, Vss_int = 0;  // V taken by the interfaces and contacts at t = 0+ and at the end
  double t_plus = 0;               // Bruce-Vincent-Evans
  double ratio = 0;                // Iss / I0
  double t_plus_input = 0;         // the electrolyte's t+ at c0 and the cell's temperature
  double seconds = 0;              // of polarization
  std::vector<std::pair<double, double>> current;  // (s, A/m2)
};

// Ten times the slowest diffusion time of the membrane, 10 L^2 / (pi^2 D_eff): long enough for
// the steady state to within e^-10.
double bruce_vincent_duration(const CellParams& cell);

// Runs the step on a Li|Li cell (throws std::invalid_argument for another stack). seconds <= 0:
// bruce_vincent_duration.
BruceVincentResult bruce_vincent(const CellParams& cell, const SolverSettings& settings, double dV,
                                 double seconds = 0);

}  // namespace cascade
