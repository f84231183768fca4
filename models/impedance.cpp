#include "models/impedance.hpp"

#include <cmath>

#include "solver/linear_response.hpp"

namespace cascade {

std::vector<ImpedancePoint> impedance(Cell& cell, const std::vector<double>& y, const std::vector<double>& yp,
                                      const std::vector<double>& frequencies) {
  const Control saved = cell.control();
  const bool was_capacitive = cell.capacitive();
  // the current is the input: the control row reads I - I_set, so dF/dI_set = -1 on that row
  cell.set_control({Control::Mode::current, y[cell.i_current()]});
  cell.set_capacitive(true);
  std::vector<ImpedancePoint> out;
  try {
    const solver::Linearisation lin = solver::linearise(cell, 0.0, y, yp);
    solver::FrequencyResponse response(lin, cell.i_current());
    for (double f : frequencies) {
      const auto& x = response.solve(2.0 * M_PI * f);  // dy per unit of I_set
      out.push_back({f, -x[cell.i_voltage()]});
    }
  } catch (...) {
    cell.set_control(saved);
    cell.set_capacitive(was_capacitive);
    throw;
  }
  cell.set_control(saved);
  cell.set_capacitive(was_capacitive);
  return out;
}

double arrhenius_activation_energy(const std::vector<double>& T, const std::vector<double>& sigma) {
  constexpr double k_B_eV = 8.617333262e-5;  // eV/K
  const double n = static_cast<double>(T.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t k = 0; k < T.size(); ++k) {
    const double x = 1.0 / T[k], y = std::log(sigma[k]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return -k_B_eV * (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

std::vector<double> log_frequencies(double f_max, double f_min, int n) {
  std::vector<double> f(n);
  const double a = std::log10(f_max), b = std::log10(f_min);
  for (int k = 0; k < n; ++k) f[k] = std::pow(10.0, a + (b - a) * k / (n - 1));
  return f;
}

}  // namespace cascade
