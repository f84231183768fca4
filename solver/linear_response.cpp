#include "solver/linear_response.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "solver/solver_error.hpp"

namespace cascade::solver {

namespace {
class TripletSink : public JacobianSink {
 public:
  void add_entry(int row, int col, double value) override { t.emplace_back(row, col, value); }
  std::vector<Eigen::Triplet<double>> t;
};

std::string singular(double omega, const std::string& why) {
  return fmt::format("the linearised system is singular at {:.6g} Hz ({}): the cell has no response there "
                     "(a blocking cell at zero frequency?)",
                     omega / (2 * 3.141592653589793), why);
}
}  // namespace

Linearisation linearise(DaeSystem& sys, double t, const std::vector<double>& y, const std::vector<double>& yp) {
  const int n = sys.size();
  TripletSink j0, j1;
  sys.jacobian(t, 0.0, y.data(), yp.data(), j0);  // J
  sys.jacobian(t, 1.0, y.data(), yp.data(), j1);  // J + M
  Linearisation lin;
  lin.J.resize(n, n);
  lin.J.setFromTriplets(j0.t.begin(), j0.t.end());  // duplicates add up, as the sink promises
  lin.J.prune(0.0, 0.0);  // entries of switched-off terms: no edges in the graph
  Eigen::SparseMatrix<double> JM(n, n);
  JM.setFromTriplets(j1.t.begin(), j1.t.end());
  lin.M = (JM - lin.J).pruned(1e-300, 0.0);  // drop cancelled entries
  return lin;
}

FrequencyResponse::FrequencyResponse(const Linearisation& lin, int input_row)
    : n_(static_cast<int>(lin.J.rows())), input_row_(input_row) {
  J_ = lin.J.cast<cplx>();
  M_ = lin.M.cast<cplx>();
  // The pattern's graph: an edge for each off-diagonal entry of J or M, either way round.
  std::vector<std::set<int>> nb(n_);
  for (const auto* m : {&lin.J, &lin.M}) {
    for (int c = 0; c < m->outerSize(); ++c) {
      for (Eigen::SparseMatrix<double>::InnerIterator it(*m, c); it; ++it) {
        if (it.row() != it.col()) {
          nb[it.row()].insert(it.col());
          nb[it.col()].insert(it.row());
        }
      }
    }
  }
  // Peel leaves (at most one neighbour left) until none is left.
  std::vector<int> queue;
  std::vector<bool> gone(n_, false);
  for (int i = 0; i < n_; ++i) {
    if (nb[i].size() <= 1) queue.push_back(i);
  }
  const Eigen::SparseMatrix<double>& J = lin.J;
  const Eigen::SparseMatrix<double>& M = lin.M;
  for (std::size_t q = 0; q < queue.size(); ++q) {
    const int l = queue[q];
    if (gone[l] || nb[l].size() > 1) continue;
    if (static_cast<int>(leaves_.size()) + 1 >= n_) break;  // leave a core to factor
    Leaf leaf;
    leaf.index = l;
    leaf.parent = nb[l].empty() ? -1 : *nb[l].begin();
    leaf.Jd = J.coeff(l, l);
    leaf.Md = M.coeff(l, l);
    if (leaf.parent >= 0) {
      const int p = leaf.parent;
      leaf.Jup = J.coeff(l, p);
      leaf.Mup = M.coeff(l, p);
      leaf.Jdown = J.coeff(p, l);
      leaf.Mdown = M.coeff(p, l);
      nb[p].erase(l);
      if (nb[p].size() <= 1) queue.push_back(p);
    }
    nb[l].clear();
    gone[l] = true;
    leaves_.push_back(leaf);
  }
  core_of_.assign(n_, -1);
  for (int i = 0; i < n_; ++i) {
    if (!gone[i]) {
      core_of_[i] = static_cast<int>(core_.size());
      core_.push_back(i);
    }
  }
  // The core's pattern (with every diagonal), its J and M parts in storage order.
  const int nc = static_cast<int>(core_.size());
  std::vector<Eigen::Triplet<cplx>> t;
  for (const auto* m : {&lin.J, &lin.M}) {
    for (int c = 0; c < m->outerSize(); ++c) {
      for (Eigen::SparseMatrix<double>::InnerIterator it(*m, c); it; ++it) {
        const int r = core_of_[it.row()], cc = core_of_[it.col()];
        if (r >= 0 && cc >= 0) t.emplace_back(r, cc, cplx(1, 0));
      }
    }
  }
  for (int i = 0; i < nc; ++i) t.emplace_back(i, i, cplx(1, 0));
  A_core_.resize(nc, nc);
  A_core_.setFromTriplets(t.begin(), t.end());
  A_core_.makeCompressed();
  Jc_.assign(A_core_.nonZeros(), 0.0);
  Mc_.assign(A_core_.nonZeros(), 0.0);
  diag_pos_.assign(nc, -1);
  for (int c = 0; c < nc; ++c) {
    for (int k = A_core_.outerIndexPtr()[c]; k < A_core_.outerIndexPtr()[c + 1]; ++k) {
      const int r = A_core_.innerIndexPtr()[k];
      Jc_[k] = J.coeff(core_[r], core_[c]);
      Mc_[k] = M.coeff(core_[r], core_[c]);
      if (r == c) diag_pos_[c] = k;
    }
  }
  lu_.analyzePattern(A_core_);
  d_.assign(n_, cplx(0, 0));
  b_.assign(n_, cplx(0, 0));
  x_ = Eigen::VectorXcd::Zero(n_);
  rhs_core_ = Eigen::VectorXcd::Zero(nc);
}

const Eigen::VectorXcd& FrequencyResponse::solve(double omega) {
  const cplx iw(0.0, omega);
  std::fill(b_.begin(), b_.end(), cplx(0, 0));
  b_[input_row_] = 1.0;
  for (std::size_t k = 0; k < Jc_.size(); ++k) A_core_.valuePtr()[k] = Jc_[k] + iw * Mc_[k];
  for (const Leaf& l : leaves_) d_[l.index] = l.Jd + iw * l.Md;
  // Eliminate the leaves in order: each adds to its neighbour's diagonal and right-hand side.
  for (const Leaf& l : leaves_) {
    if (l.parent < 0) continue;
    const cplx d = d_[l.index], up = l.Jup + iw * l.Mup, down = l.Jdown + iw * l.Mdown;
    const double dd = std::norm(d);  // |d|^2: no square roots, no library division on this path
    if (dd < std::norm(down) || dd == 0.0) return solve_full(omega);  // would pivot
    const cplx f = down * std::conj(d) / dd;
    if (core_of_[l.parent] >= 0) {
      A_core_.valuePtr()[diag_pos_[core_of_[l.parent]]] -= f * up;
    } else {
      d_[l.parent] -= f * up;
    }
    b_[l.parent] -= f * b_[l.index];
  }
  lu_.factorize(A_core_);
  if (lu_.info() != Eigen::Success) throw SolverError(singular(omega, lu_.lastErrorMessage()));
  for (std::size_t c = 0; c < core_.size(); ++c) rhs_core_[c] = b_[core_[c]];
  const Eigen::VectorXcd xc = lu_.solve(rhs_core_);
  for (std::size_t c = 0; c < core_.size(); ++c) x_[core_[c]] = xc[c];
  // Back-substitute the leaves, last eliminated first.
  for (auto it = leaves_.rbegin(); it != leaves_.rend(); ++it) {
    const cplx d = d_[it->index];
    const double dd = std::norm(d);
    if (dd == 0.0) throw SolverError(singular(omega, "a zero pivot"));
    const cplx up = it->parent >= 0 ? it->Jup + iw * it->Mup : cplx(0, 0);
    x_[it->index] = (b_[it->index] - (it->parent >= 0 ? up * x_[it->parent] : cplx(0, 0))) * std::conj(d) / dd;
  }
  return x_;
}

const Eigen::VectorXcd& FrequencyResponse::solve_full(double omega) {
  A_ = J_ + cplx(0.0, omega) * M_;
  A_.makeCompressed();
  if (!full_analysed_) {
    lu_full_.analyzePattern(A_);
    full_analysed_ = true;
  }
  lu_full_.factorize(A_);
  if (lu_full_.info() != Eigen::Success) throw SolverError(singular(omega, lu_full_.lastErrorMessage()));
  Eigen::VectorXcd rhs = Eigen::VectorXcd::Zero(n_);
  rhs[input_row_] = 1.0;
  x_ = lu_full_.solve(rhs);
  return x_;
}

}  // namespace cascade::solver
