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

std::vector<double> log_frequencies(double f_max, double f_min, int n) {
  std::vector<double> f(n);
  const double a = std::log10(f_max), b = std::log10(f_min);
  for (int k = 0; k < n; ++k) f[k] = std::pow(10.0, a + (b - a) * k / (n - 1));
  return f;
}

}  // namespace cascade
