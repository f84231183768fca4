#include "solver/linear_response.hpp"

#include <fmt/format.h>

#include "solver/solver_error.hpp"

namespace cascade::solver {

namespace {
class TripletSink : public JacobianSink {
 public:
  void add(int row, int col, double value) override { t.emplace_back(row, col, value); }
  std::vector<Eigen::Triplet<double>> t;
};
}  // namespace

Linearisation linearise(DaeSystem& sys, double t, const std::vector<double>& y, const std::vector<double>& yp) {
  const int n = sys.size();
  TripletSink j0, j1;
  sys.jacobian(t, 0.0, y.data(), yp.data(), j0);  // J
  sys.jacobian(t, 1.0, y.data(), yp.data(), j1);  // J + M
  Linearisation lin;
  lin.J.resize(n, n);
  lin.J.setFromTriplets(j0.t.begin(), j0.t.end());  // duplicates add up, as the sink promises
  Eigen::SparseMatrix<double> JM(n, n);
  JM.setFromTriplets(j1.t.begin(), j1.t.end());
  lin.M = (JM - lin.J).pruned(1e-300, 0.0);  // drop cancelled entries
  return lin;
}

FrequencyResponse::FrequencyResponse(const Linearisation& lin, int input_row) {
  J_ = lin.J.cast<std::complex<double>>();
  M_ = lin.M.cast<std::complex<double>>();
  rhs_ = Eigen::VectorXcd::Zero(J_.rows());
  rhs_[input_row] = 1.0;
}

const Eigen::VectorXcd& FrequencyResponse::solve(double omega) {
  A_ = J_ + std::complex<double>(0.0, omega) * M_;
  A_.makeCompressed();
  if (!analysed_) {
    lu_.analyzePattern(A_);
    analysed_ = true;
  }
  lu_.factorize(A_);
  if (lu_.info() != Eigen::Success) {
    throw SolverError(fmt::format("the linearised system is singular at {:.6g} Hz ({}): the cell has no "
                                  "response there (a blocking cell at zero frequency?)",
                                  omega / (2 * 3.141592653589793), lu_.lastErrorMessage()));
  }
  x_ = lu_.solve(rhs_);
  return x_;
}

}  // namespace cascade::solver
