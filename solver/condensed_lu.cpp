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

  // Hubs: what is left with at most kMaxHubDegree neighbours, none a neighbour of another hub.
  hub_of_.assign(N, -1);
  std::vector<char> hub(N, 0), blocked(N, 0);
  for (int v = 0; v < n; ++v) {
    const auto vs = static_cast<std::size_t>(v);
    if (removed[vs] || blocked[vs]) continue;
    int d = 0;
    for (const int w : adj[vs]) d += removed[static_cast<std::size_t>(w)] ? 0 : 1;
    if (d == 0 || d > kMaxHubDegree) continue;
    hub[vs] = 1;
    for (const int w : adj[vs]) blocked[static_cast<std::size_t>(w)] = 1;
  }
  // The core's order and band without them, then only the hubs whose neighbours' couplings lie
  // inside that band; the others stay in the core, and the band is taken again with their fill.
  const auto number_core = [&] {
    core_of_.assign(N, -1);
    core_to_orig_.clear();
    for (int v = 0; v < n; ++v) {
      const auto vs = static_cast<std::size_t>(v);
      if (!removed[vs] && !hub[vs]) {
        core_of_[vs] = static_cast<int>(core_to_orig_.size());
        core_to_orig_.push_back(v);
      }
    }
  };
  const auto core_band = [&](int& cml, int& cmu, bool with_fill) {
    cml = cmu = 0;
    for (const auto& [row, col] : pattern) {
      const int cr = core_of_[static_cast<std::size_t>(row)];
      const int cc = core_of_[static_cast<std::size_t>(col)];
      if (cr < 0 || cc < 0) continue;
      cml = std::max(cml, cr - cc);
      cmu = std::max(cmu, cc - cr);
    }
    if (!with_fill) return;
    for (int v = 0; v < n; ++v) {
      if (!hub[static_cast<std::size_t>(v)]) continue;
      for (const int a : adj[static_cast<std::size_t>(v)]) {
        for (const int b : adj[static_cast<std::size_t>(v)]) {
          const int ca = core_of_[static_cast<std::size_t>(a)], cb = core_of_[static_cast<std::size_t>(b)];
          if (ca < 0 || cb < 0) continue;
          cml = std::max(cml, ca - cb);
          cmu = std::max(cmu, cb - ca);
        }
      }
    }
  };
  number_core();
  int cml = 0, cmu = 0;
  core_band(cml, cmu, false);
  for (int v = 0; v < n; ++v) {
    const auto vs = static_cast<std::size_t>(v);
    if (!hub[vs]) continue;
    for (const int a : adj[vs]) {
      for (const int b : adj[vs]) {
        const int ca = core_of_[static_cast<std::size_t>(a)], cb = core_of_[static_cast<std::size_t>(b)];
        if (ca >= 0 && cb >= 0 && (ca - cb > cml || cb - ca > cmu)) hub[vs] = 0;
      }
    }
  }
  number_core();
  for (int v = 0; v < n; ++v) {
    const auto vs = static_cast<std::size_t>(v);
    if (!hub[vs]) continue;
    Hub h{v, static_cast<int>(nb_orig_.size()), 0};
    for (const int w : adj[vs]) {
      if (removed[static_cast<std::size_t>(w)]) continue;
      nb_orig_.push_back(w);
      nb_core_.push_back(core_of_[static_cast<std::size_t>(w)]);
      ++h.count;
    }
    hub_of_[vs] = static_cast<int>(hubs_.size());
    hubs_.push_back(h);
  }
  hub_row_.assign(nb_orig_.size(), 0.0);
  hub_col_.assign(nb_orig_.size(), 0.0);
  for (Leaf& leaf : order_) {
    if (leaf.u >= 0) leaf.u_core = core_of_[static_cast<std::size_t>(leaf.u)];
  }
  if (!core_to_orig_.empty()) {
    core_band(cml, cmu, true);
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
  if (const int h = hub_of_[r]; h >= 0) {              // A(hub, its neighbour)
    const Hub& hb = hubs_[static_cast<std::size_t>(h)];
    for (int k = hb.first; k < hb.first + hb.count; ++k) {
      if (nb_orig_[static_cast<std::size_t>(k)] == col) return &hub_row_[static_cast<std::size_t>(k)];
    }
  }
  if (const int h = hub_of_[c]; h >= 0) {              // A(neighbour, hub)
    const Hub& hb = hubs_[static_cast<std::size_t>(h)];
    for (int k = hb.first; k < hb.first + hb.count; ++k) {
      if (nb_orig_[static_cast<std::size_t>(k)] == row) return &hub_col_[static_cast<std::size_t>(k)];
    }
  }
  return nullptr;
}

void CondensedLU::zero() {
  for (const Leaf& leaf : order_) {
    const auto v = static_cast<std::size_t>(leaf.v);
    d_[v] = up_[v] = down_[v] = 0.0;
  }
  for (const Hub& h : hubs_) d_[static_cast<std::size_t>(h.v)] = 0.0;
  std::fill(hub_row_.begin(), hub_row_.end(), 0.0);
  std::fill(hub_col_.begin(), hub_col_.end(), 0.0);
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
  for (const Hub& h : hubs_) pivot_[static_cast<std::size_t>(h.v)] = d_[static_cast<std::size_t>(h.v)];
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
  // Then the hubs' pivots (with their leaves' updates), all checked before the core is touched.
  for (Hub& h : hubs_) {
    const double p = pivot_[static_cast<std::size_t>(h.v)];
    double largest = 0;
    for (int k = h.first; k < h.first + h.count; ++k) largest = std::max(largest, std::abs(hub_col_[static_cast<std::size_t>(k)]));
    if (!(std::abs(p) >= kHubThreshold * largest) || !(p != 0.0)) return factor_full();
    h.inv = 1.0 / p;
  }
  if (!core_) return 0;
  for (const Leaf& leaf : order_) {
    if (leaf.u_core >= 0 && leaf.l != 0.0) core_->add(leaf.u_core, leaf.u_core, -leaf.l * leaf.up);
  }
  for (const Hub& h : hubs_) {
    for (int a = h.first; a < h.first + h.count; ++a) {
      const double ca = hub_col_[static_cast<std::size_t>(a)] * h.inv;
      if (ca == 0.0) continue;
      for (int b = h.first; b < h.first + h.count; ++b) {
        core_->add(nb_core_[static_cast<std::size_t>(a)], nb_core_[static_cast<std::size_t>(b)],
                   -ca * hub_row_[static_cast<std::size_t>(b)]);
      }
    }
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
  for (const Hub& h : hubs_) {
    full_->add(h.v, h.v, d_[static_cast<std::size_t>(h.v)]);
    for (int k = h.first; k < h.first + h.count; ++k) {
      const auto ks = static_cast<std::size_t>(k);
      full_->add(h.v, nb_orig_[ks], hub_row_[ks]);
      full_->add(nb_orig_[ks], h.v, hub_col_[ks]);
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
  // each hub passes its share to its neighbours
  for (const Hub& h : hubs_) {
    const double x = b[h.v] * h.inv;
    for (int k = h.first; k < h.first + h.count; ++k) {
      b[nb_orig_[static_cast<std::size_t>(k)]] -= hub_col_[static_cast<std::size_t>(k)] * x;
    }
  }
  if (core_) {
    const std::size_t m = core_to_orig_.size();
    for (std::size_t i = 0; i < m; ++i) core_rhs_[i] = b[core_to_orig_[i]];
    core_->solve(core_rhs_.data());
    for (std::size_t i = 0; i < m; ++i) b[core_to_orig_[i]] = core_rhs_[i];
  }
  // U: the hubs from their neighbours' solved values, then the leaves in reverse order, each from
  // its neighbour's.
  for (const Hub& h : hubs_) {
    double x = b[h.v];
    for (int k = h.first; k < h.first + h.count; ++k) {
      x -= hub_row_[static_cast<std::size_t>(k)] * b[nb_orig_[static_cast<std::size_t>(k)]];
    }
    b[h.v] = x * h.inv;
  }
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    double x = b[it->v];
    if (it->u >= 0) x -= it->up * b[it->u];
    b[it->v] = x * it->inv;
  }
}

}  // namespace cascade::solver
