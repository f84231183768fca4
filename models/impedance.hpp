#pragma once
// Electrochemical impedance of a cell at its present state (docs/model.md sec. 7): the DAE
// linearised with the interfaces' capacitive currents on, driven by a small sinusoidal current
// at the collector, Z = -dV/dI (ohm m2; discharge current positive, so Z' > 0).
#include <complex>
#include <vector>

#include "models/cell.hpp"

namespace cascade {

struct ImpedancePoint {
  double frequency = 0;       // Hz
  std::complex<double> z;     // ohm m2
};

// Z at each frequency, about (y, y') under the cell's present current y[I] held constant. The
// cell's control and capacitive setting are restored afterwards.
std::vector<ImpedancePoint> impedance(Cell& cell, const std::vector<double>& y, const std::vector<double>& yp,
                                      const std::vector<double>& frequencies);

// The activation energy (eV) of a least-squares Arrhenius line through (T, sigma) points:
// ln sigma = ln A - Ea / (k_B T). At least two temperatures.
double arrhenius_activation_energy(const std::vector<double>& T, const std::vector<double>& sigma);

// n frequencies from f_max down to f_min, evenly spaced in log f (n >= 2).
std::vector<double> log_frequencies(double f_max, double f_min, int n);

}  // namespace cascade
