// The frequency response of a DAE against circuits whose impedance is known in closed form, with
// and without the leaf elimination's fallback to a whole-matrix LU.
#include <doctest/doctest.h>

#include <complex>

#include "solver/linear_response.hpp"

using namespace cascade::solver;

namespace {
// A current u through a resistor Rs in series with R parallel C; w is the voltage across the
// whole, q counts the charge passed (a leaf of the pattern). With `stiff`, a leaf z = v / eps
// loads the capacitor node with a conductance 1/eps, its pivot eps too small for elimination
// without a row swap.
class Circuit : public DaeSystem {
 public:
  double R = 2.0, C = 0.5, Rs = 0.3, eps = 1e-6;
  bool stiff = false;
  int size() const override { return 5; }  // v, w, u, q, z
  int lower_bandwidth() const override { return 4; }
  int upper_bandwidth() const override { return 4; }
  void differential_ids(double* id) const override {
    id[0] = 1, id[1] = 0, id[2] = 0, id[3] = 1, id[4] = 0;
  }
  void residual(double, const double* y, const double* yp, double* r) override {
    r[0] = C * yp[0] + y[0] / R - y[2] + (stiff ? y[4] : 0.0);
    r[1] = y[1] - Rs * y[2] - y[0];
    r[2] = y[2];  // the input row: u - u_set
    r[3] = yp[3] - y[2];
    r[4] = stiff ? eps * y[4] - y[0] : y[4];
  }
  void jacobian(double, double cj, const double*, const double*, JacobianSink& j) override {
    j.add(0, 0, cj * C + 1 / R);
    j.add(0, 2, -1);
    if (stiff) j.add(0, 4, 1);
    j.add(1, 1, 1);
    j.add(1, 2, -Rs);
    j.add(1, 0, -1);
    j.add(2, 2, 1);
    j.add(3, 3, cj);
    j.add(3, 2, -1);
    j.add(4, 4, stiff ? eps : 1.0);
    if (stiff) j.add(4, 0, -1);
  }
};
}  // namespace

TEST_CASE("frequency response of R_s + R || C, with a charge counter hanging off the input") {
  for (const bool stiff : {false, true}) {
    CAPTURE(stiff);
    Circuit c;
    c.stiff = stiff;
    const std::vector<double> y(5, 0.0), yp(5, 0.0);
    FrequencyResponse fr(linearise(c, 0.0, y, yp), 2);
    CHECK(fr.core_size() < 5);  // the counter (and the stiff leaf) left the core
    for (const double w : {1e-3, 0.1, 1.0, 10.0, 1e4}) {
      CAPTURE(w);
      const auto& x = fr.solve(w);
      const std::complex<double> G = 1.0 / c.R + std::complex<double>(0, w * c.C) + (stiff ? 1.0 / c.eps : 0.0);
      const std::complex<double> expected = c.Rs + 1.0 / G;
      CHECK(std::abs(x[1] - expected) < 1e-12 * std::abs(expected));
      CHECK(std::abs(x[3] - 1.0 / std::complex<double>(0, w)) < 1e-12 / w);  // q = u / (i w)
    }
  }
}
