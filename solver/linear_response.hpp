#pragma once
// Small-signal (frequency-domain) response of a DAE F(t, y, y') = 0 about a state (y, y'):
// perturbing one residual row by -u e^{i w t}, the state moves by x e^{i w t} with
//   (J + i w M) x = e_row,   J = dF/dy, M = dF/dy',
// both taken from the system's analytic Jacobian (J + cj M at cj = 0 and cj = 1). Knows nothing
// about batteries: impedance is the caller's reading of x (docs/model.md sec. 7).
//
// Per frequency the complex system is solved in two parts: the unknowns that hang off the rest of
// the pattern's graph in trees (a cell's particle shells, its charge counters) are eliminated
// first, leaf by leaf, each changing only its one neighbour's diagonal; what stays, the core, goes
// to Eigen's sparse LU, analysed once. A leaf whose pivot is smaller than its coupling (where
// partial pivoting would have swapped) sends that frequency to a sparse LU of the whole matrix.
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
  int core_size() const { return static_cast<int>(core_.size()); }

 private:
  using cplx = std::complex<double>;
  using CMatrix = Eigen::SparseMatrix<cplx>;
  int n_ = 0, input_row_ = 0;
  // Leaves in elimination order, each with its neighbour (-1: none) and its entries
  // (J, M parts of the diagonal, of A(leaf, parent) and of A(parent, leaf)).
  struct Leaf {
    int index = 0, parent = -1;
    double Jd = 0, Md = 0, Jup = 0, Mup = 0, Jdown = 0, Mdown = 0;
  };
  std::vector<Leaf> leaves_;
  std::vector<int> core_, core_of_;  // core index -> original, original -> core (-1: a leaf)
  // The core matrix: J and M parts of each stored entry, in CMatrix storage order.
  CMatrix A_core_;
  std::vector<double> Jc_, Mc_;
  std::vector<int> diag_pos_;  // position of each core diagonal entry in the value array
  Eigen::SparseLU<CMatrix, Eigen::NaturalOrdering<int>> lu_;
  // the whole matrix, for a frequency the leaves cannot take
  CMatrix J_, M_, A_;
  Eigen::SparseLU<CMatrix, Eigen::COLAMDOrdering<int>> lu_full_;
  bool full_analysed_ = false;
  std::vector<cplx> d_, b_;  // per original unknown: a leaf's eliminated diagonal, the rhs
  Eigen::VectorXcd x_, rhs_core_;
  const Eigen::VectorXcd& solve_full(double omega);
};

}  // namespace cascade::solver
