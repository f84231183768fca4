#include "solver/condensed_lu.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace cascade::solver {

CondensedLU::CondensedLU(int n, int ml, int mu, const std::vector<std::pair<int, int>>& pattern)
    : n_(n), ml_(std::min(ml, n - 1)), mu_(std::min(mu, n - 1)) {
  if (n <= 0 || ml < 0 || mu < 0) {
    throw std::invalid_argument("CondensedLU: bad size " + std::to_string(n) + " or bandwidths " +
                                std::to_string(ml) + ", " + std::to_string(mu));
  }
  const auto N = static_cast<std::size_t>(n);
  std::vector<std::vector<int>> adj(N);
  for (const auto& [row, col] : pattern) {
    if (row < 0 || row >= n || col < 0 || col >= n) {
      throw std::invalid_argument("CondensedLU: pattern entry (" + std::to_string(row) + ", " +
                                  std::to_string(col) + ") outside the matrix");
    }
    if (row == col) continue;
    adj[static_cast<std::size_t>(row)].push_back(col);
    adj[static_cast<std::size_t>(col)].push_back(row);
  }
  std::vector<int> degree(N);
  for (std::size_t v = 0; v < N; ++v) {
    std::sort(adj[v].begin(), adj[v].end());
    adj[v].erase(std::unique(adj[v].begin(), adj[v].end()), adj[v].end());
    degree[v] = static_cast<int>(adj[v].size());
  }

  // Peel leaves (degree <= 1), lowest index first, until none is left.
  std::vector<char> removed(N, 0);
  std::vector<int> work;
  for (int v = 0; v < n; ++v) {
    if (degree[static_cast<std::size_t>(v)] <= 1) work.push_back(v);
  }
  parent_.assign(N, -1);
  for (std::size_t k = 0; k < work.size(); ++k) {
    const auto v = static_cast<std::size_t>(work[k]);
    if (removed[v]) continue;
    removed[v] = 1;
    int u = -1;
    for (const int w : adj[v]) {
      if (!removed[static_cast<std::size_t>(w)]) u = w;
    }
    parent_[v] = u;
    order_.push_back({work[k], u, -1});
    if (u >= 0 && --degree[static_cast<std::size_t>(u)] == 1) work.push_back(u);
  }
  // (A neighbour whose degree drops to 1 is queued once; one that drops to 0 was queued at 1.)

  core_of_.assign(N, -1);
  for (int v = 0; v < n; ++v) {
    if (!removed[static_cast<std::size_t>(v)]) {
      core_of_[static_cast<std::size_t>(v)] = static_cast<int>(core_to_orig_.size());
      core_to_orig_.push_back(v);
    }
  }
  for (Leaf& leaf : order_) {
    if (leaf.u >= 0) leaf.u_core = core_of_[static_cast<std::size_t>(leaf.u)];
  }
  if (!core_to_orig_.empty()) {
    int cml = 0, cmu = 0;
    for (const auto& [row, col] : pattern) {
      const int cr = core_of_[static_cast<std::size_t>(row)];
      const int cc = core_of_[static_cast<std::size_t>(col)];
      if (cr < 0 || cc < 0) continue;
      cml = std::max(cml, cr - cc);
      cmu = std::max(cmu, cc - cr);
    }
    core_.emplace(core_size(), cml, cmu);
    core_rhs_.assign(core_to_orig_.size(), 0.0);
  }
  d_.assign(N, 0.0);
  up_.assign(N, 0.0);
  down_.assign(N, 0.0);
  pivot_.assign(N, 0.0);
}

[[gnu::noinline]] bool CondensedLU::add_unrecorded(int row, int col, double value) {
  const int cr = core_of_[static_cast<std::size_t>(row)];
  const int cc = core_of_[static_cast<std::size_t>(col)];
  double* place = nullptr;
  if (cr >= 0 && cc >= 0) {
    if (!core_->in_band(cr, cc)) return false;
    core_->add(cr, cc, value);
    place = core_->entry(cr, cc);
  } else {
    place = leaf_place(row, col, cr, cc);
    if (place == nullptr) return false;
    *place += value;
  }
  if (replay_ == Replay::recording) {
    keys_.push_back(key(row, col));
    places_.push_back(place);
  }
  return true;
}
double* CondensedLU::leaf_place(int row, int col, int cr, int cc) {
  const auto r = static_cast<std::size_t>(row);
  const auto c = static_cast<std::size_t>(col);
  if (row == col) return &d_[r];
  if (cr < 0 && parent_[r] == col) return &up_[r];    // A(leaf, its neighbour)
  if (cc < 0 && parent_[c] == row) return &down_[c];  // A(neighbour, leaf)
  return nullptr;
}

void CondensedLU::zero() {
  for (const Leaf& leaf : order_) {
    const auto v = static_cast<std::size_t>(leaf.v);
    d_[v] = up_[v] = down_[v] = 0.0;
  }
  if (core_) core_->zero();
  use_full_ = false;
  if (replay_ == Replay::replaying) {
    // The replayed adds write past the core's bookkeeping of the columns in use: it gets those of
    // the whole recording now.
    next_ = 0;
    if (core_) core_->widen(core_first_, core_last_);
  } else {
    replay_ = Replay::recording;
    keys_.clear();
    places_.clear();
  }
}

int CondensedLU::factor() {
  use_full_ = false;
  if (replay_ == Replay::recording) {
    if (core_) core_->extents(core_first_, core_last_);
    replay_ = Replay::replaying;
  } else if (replay_ == Replay::off) {
    replay_ = Replay::none;
  }
  for (const Leaf& leaf : order_) pivot_[static_cast<std::size_t>(leaf.v)] = d_[static_cast<std::size_t>(leaf.v)];
  // First the leaves' pivots, all checked before the core is touched, so that a fallback still
  // has the assembled core.
  for (Leaf& leaf : order_) {
    const auto v = static_cast<std::size_t>(leaf.v);
    const double p = pivot_[v];
    const double below = down_[v];
    // Partial pivoting would keep this pivot (NaN fails too).
    if (!(std::abs(p) >= std::abs(below)) || !(p != 0.0)) return factor_full();
    leaf.inv = 1.0 / p;
    leaf.l = below * leaf.inv;
    leaf.up = up_[v];
    if (leaf.u >= 0 && leaf.u_core < 0) pivot_[static_cast<std::size_t>(leaf.u)] -= leaf.l * leaf.up;
  }
  if (!core_) return 0;
  for (const Leaf& leaf : order_) {
    if (leaf.u_core >= 0 && leaf.l != 0.0) core_->add(leaf.u_core, leaf.u_core, -leaf.l * leaf.up);
  }
  const int flag = core_->factor();
  return flag == 0 ? 0 : core_to_orig_[static_cast<std::size_t>(flag - 1)] + 1;
}

// The whole matrix, in the original order, into a BandLU with partial pivoting.
int CondensedLU::factor_full() {
  if (!full_) full_.emplace(n_, ml_, mu_);
  full_->zero();
  for (const Leaf& leaf : order_) {
    const auto v = static_cast<std::size_t>(leaf.v);
    full_->add(leaf.v, leaf.v, d_[v]);
    if (leaf.u >= 0) {
      full_->add(leaf.v, leaf.u, up_[v]);
      full_->add(leaf.u, leaf.v, down_[v]);
    }
  }
  if (core_) {
    const int m = core_size();
    const int cml = core_->lower_bandwidth(), cmu = core_->upper_bandwidth();
    for (int i = 0; i < m; ++i) {
      for (int j = std::max(0, i - cml); j <= std::min(m - 1, i + cmu); ++j) {
        const double a = core_->get(i, j);
        if (a != 0.0) {
          full_->add(core_to_orig_[static_cast<std::size_t>(i)],
                     core_to_orig_[static_cast<std::size_t>(j)], a);
        }
      }
    }
  }
  use_full_ = true;
  return full_->factor();
}

void CondensedLU::solve(double* b) const {
  if (use_full_) {
    full_->solve(b);
    return;
  }
  // L: each leaf, in elimination order, passes its share to its neighbour.
  for (const Leaf& leaf : order_) {
    if (leaf.u >= 0) b[leaf.u] -= leaf.l * b[leaf.v];
  }
  if (core_) {
    const std::size_t m = core_to_orig_.size();
    for (std::size_t i = 0; i < m; ++i) core_rhs_[i] = b[core_to_orig_[i]];
    core_->solve(core_rhs_.data());
    for (std::size_t i = 0; i < m; ++i) b[core_to_orig_[i]] = core_rhs_[i];
  }
  // U: the leaves in reverse order, each from its neighbour's solved value.
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    double x = b[it->v];
    if (it->u >= 0) x -= it->up * b[it->u];
    b[it->v] = x * it->inv;
  }
}

}  // namespace cascade::solver
