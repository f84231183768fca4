// Agreement with an independent reference: the Newman group's DUALFOIL 5.1 on a fully specified
// Li foil | separator | LiMn2O4 cell (shared/data/reference/PARAMETERS.md), 1C, electrolyte A.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "support/case_runner.hpp"

using namespace cascade;
using namespace cascade::testing;

namespace {
struct Curve {
  std::vector<double> t, v;
};
Curve read_reference(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  Curve c;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string a, b;
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    c.t.push_back(std::stod(a));
    c.v.push_back(std::stod(b));
  }
  return c;
}
double interp(const std::vector<double>& x, const std::vector<double>& y, double xi) {
  auto it = std::lower_bound(x.begin(), x.end(), xi);
  if (it == x.begin()) return y.front();
  if (it == x.end()) return y.back();
  const std::size_t k = it - x.begin();
  const double w = (xi - x[k - 1]) / (x[k] - x[k - 1]);
  return y[k - 1] + w * (y[k] - y[k - 1]);
}
}  // namespace

TEST_CASE("1C discharge with electrolyte A matches DUALFOIL: RMS < 5 mV, capacity within 0.5 %") {
  const Curve ref = read_reference(std::string(CASCADE_SHARED_DIR) + "/data/reference/dualfoil_A_1C.csv");
  auto c = load_case("cases/reference/lmo_constant_1c.yaml");  // the default mesh
  auto tr = run_case(c, c.steps);
  std::vector<double> t, v;
  for (const auto& r : tr.rows) {
    if (!t.empty() && r.t <= t.back()) continue;
    t.push_back(r.t);
    v.push_back(r.out.voltage);
  }
  double sum = 0;
  int n = 0;
  for (std::size_t k = 0; k < ref.t.size(); ++k) {
    if (ref.t[k] > t.back()) break;
    const double d = interp(t, v, ref.t[k]) - ref.v[k];
    sum += d * d;
    ++n;
  }
  const double rms = std::sqrt(sum / n);
  const double cap_ref = 1.987830;  // mAh/cm2 (PARAMETERS.md sec. 8)
  const double cap = tr.rows.back().out.charge / 36000.0;
  MESSAGE("RMS " << rms * 1e3 << " mV over " << n << " points; capacity " << cap << " vs " << cap_ref << " mAh/cm2");
  CHECK(n > 300);
  CHECK(rms < 5e-3);
  CHECK(std::abs(cap / cap_ref - 1.0) < 0.005);
  CHECK(tr.rows.back().out.voltage == doctest::Approx(3.5).epsilon(1e-6).scale(0));
}
