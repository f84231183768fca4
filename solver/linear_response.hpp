#pragma once
// Small-signal (frequency-domain) response of a DAE F(t, y, y') = 0 about a state (y, y'):
// perturbing one residual row by -u e^{i w t}, the state moves by x e^{i w t} with
//   (J + i w M) x = e_row,   J = dF/dy, M = dF/dy',
// both taken from the system's analytic Jacobian (J + cj M at cj = 0 and cj = 1). Knows nothing
// about batteries: impedance is the caller's reading of x (docs/model.md sec. 7).
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>

#include <complex>
#include <vector>

#include "solver/dae.hpp"

namespace cascade::solver {

struct Linearisation {
  Eigen::SparseMatrix<double> J, M;  // dF/dy, dF/dy'
};

Linearisation linearise(DaeSystem& sys, double t, const std::vector<double>& y, const std::vector<double>& yp);

class FrequencyResponse {
 public:
  // `input_row`: the residual row the perturbation enters. The sparsity is analysed once.
  FrequencyResponse(const Linearisation& lin, int input_row);
  // x at angular frequency omega (rad/s); throws SolverError when J + i w M is singular (e.g. a
  // blocking cell at w = 0).
  const Eigen::VectorXcd& solve(double omega);

 private:
  Eigen::SparseMatrix<std::complex<double>> J_, M_, A_;
  Eigen::SparseLU<Eigen::SparseMatrix<std::complex<double>>, Eigen::COLAMDOrdering<int>> lu_;
  Eigen::VectorXcd rhs_, x_;
  bool analysed_ = false;
};

}  // namespace cascade::solver
