#include "solver/band_lu.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace cascade::solver {

BandLU::BandLU(int n, int ml, int mu, Rounding rounding)
    : n_(n), ml_(ml), mu_(mu), rounding_(rounding) {
  if (n <= 0 || ml < 0 || mu < 0) {
    throw std::invalid_argument("BandLU: bad size " + std::to_string(n) + " or bandwidths " +
                                std::to_string(ml) + ", " + std::to_string(mu));
  }
  ml_ = std::min(ml_, n_ - 1);
  mu_ = std::min(mu_, n_ - 1);
  width_ = 2 * ml_ + mu_ + 1;
  const auto rows = static_cast<std::size_t>(n_);
  a_.assign(rows * static_cast<std::size_t>(width_), 0.0);
  first_.assign(rows, n_);
  last_.assign(rows, -1);
  reach_.assign(rows, -1);
  pivot_.assign(rows, 0);
  l_count_.assign(rows, 0);
  l_.assign(rows * static_cast<std::size_t>(ml_), 0.0);
  inv_diag_.assign(rows, 0.0);
  if (rounding_ == Rounding::fast) {
    perm_.assign(rows, 0);
    pos_of_.assign(rows, 0);
    l_row_.assign(rows * static_cast<std::size_t>(ml_), 0);
    l_ptr_.assign(rows + 1, 0);
    l_col_.assign(rows * static_cast<std::size_t>(ml_), 0);
    l_val_.assign(rows * static_cast<std::size_t>(ml_), 0.0);
    l_sub1_.assign(rows, 0.0);
    l_sub2_.assign(rows, 0.0);
    u1_.assign(rows, 0.0);
    u2_.assign(rows, 0.0);
    y_.assign(rows, 0.0);
  }
}

void BandLU::zero() {
  for (int i = 0; i < n_; ++i) {
    const auto r = static_cast<std::size_t>(i);
    if (first_[r] <= last_[r]) std::fill(row_ptr(i) + first_[r], row_ptr(i) + last_[r] + 1, 0.0);
    first_[r] = n_;
    last_[r] = -1;
  }
}

double BandLU::get(int row, int col) const {
  return in_band(row, col) ? row_ptr(row)[col] : 0.0;
}

int BandLU::factor() {
  const auto stride = static_cast<std::ptrdiff_t>(width_ - 1);  // A(i, k) to A(i + 1, k)
  long flops = 0;

  // reach_[k]: the last row that can be non-zero in column k. Elimination only fills a row right of
  // its first entry, and an interchange at step k swaps rows whose first entries are both at or
  // left of k, so the value computed from the assembled matrix holds throughout.
  std::fill(reach_.begin(), reach_.end(), -1);
  for (int i = 0; i < n_; ++i) {
    const int f = first_[static_cast<std::size_t>(i)];
    if (f < n_) {
      auto& r = reach_[static_cast<std::size_t>(f)];
      r = std::max(r, i);
    }
  }
  for (std::size_t k = 1; k < reach_.size(); ++k) reach_[k] = std::max(reach_[k], reach_[k - 1]);

  // Fast rounding: which row of A sits at each place (the interchanges so far), and for each
  // multiplier, the row of A it belongs to (prepare_solve()).
  const bool track = rounding_ == Rounding::fast;
  if (track) {
    for (int i = 0; i < n_; ++i) perm_[static_cast<std::size_t>(i)] = i;
  }
  for (int k = 0; k < n_; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    const int end = std::min(std::max(reach_[kk], k), std::min(n_ - 1, k + ml_));
    double* const col = row_ptr(k) + k;  // A(k, k); A(i, k) is col[(i - k) * stride]

    // Partial pivoting: the largest |A(i, k)|, i >= k; the first one on ties.
    int p = k;
    double big = std::abs(col[0]);
    for (int i = k + 1; i <= end; ++i) {
      const double v = std::abs(col[(i - k) * stride]);
      if (v > big) {
        big = v;
        p = i;
      }
    }
    pivot_[kk] = p;
    if (!(big > 0.0)) return k + 1;  // nothing but zeros (or NaN) at and below the diagonal

    if (p != k) {
      if (track) std::swap(perm_[kk], perm_[static_cast<std::size_t>(p)]);
      // Swap what is left of rows k and p (columns k onwards); the multipliers of earlier columns
      // stay where they are, as in LAPACK.
      const auto pp = static_cast<std::size_t>(p);
      const int hi = std::max(last_[kk], last_[pp]);
      std::swap_ranges(row_ptr(k) + k, row_ptr(k) + hi + 1, row_ptr(p) + k);
      // Row k now holds row p's entries from column k on; row p keeps its own entries left of
      // column k and gets row k's from k on, possibly none.
      const int last_k = last_[kk];
      last_[kk] = last_[pp];
      last_[pp] = std::max(last_k, k - 1);
      first_[kk] = std::min(first_[kk], k);
    }

    // row_i -= l_i row_k below the pivot, l_i = A(i, k) / A(k, k) computed as A(i, k) * (1 /
    // A(k, k)), as SUNDIALS does. Row k is final from here on: it is row k of U.
    const double inv = 1.0 / col[0];
    inv_diag_[kk] = inv;
    const int hk = last_[kk];  // row k is zero right of hk
    const int len = hk - k;    // entries of row k right of the diagonal
    double* __restrict__ uk = row_ptr(k) + k + 1;
    if (track) {
      // Fast rounding keeps U's row scaled by 1 / U(k, k), as solve() uses it, and eliminates
      // with A(i, k) times the scaled row.
      for (int j = 0; j < len; ++j) uk[j] *= inv;
      u1_[kk] = len >= 1 ? uk[0] : 0.0;
      u2_[kk] = len >= 2 ? uk[1] : 0.0;
    }
    double* __restrict__ lk = l_.data() + kk * static_cast<std::size_t>(ml_);
    int* __restrict__ lrow = track ? l_row_.data() + kk * static_cast<std::size_t>(ml_) : nullptr;
    int l_end = k;
    for (int i = k + 1; i <= end; ++i) {
      const double aik = col[(i - k) * stride];
      const double l = aik * inv;
      lk[i - k - 1] = l;
      if (track) lrow[i - k - 1] = perm_[static_cast<std::size_t>(i)];
      if (aik == 0.0) continue;
      l_end = i;
      double* __restrict__ ui = row_ptr(i) + k + 1;
      const double f = track ? aik : l;
      for (int j = 0; j < len; ++j) ui[j] -= f * uk[j];
      flops += len;
      auto& last_i = last_[static_cast<std::size_t>(i)];
      if (hk > last_i) last_i = hk;
    }
    l_count_[kk] = l_end - k;
  }
  flops_ = flops;
  if (rounding_ == Rounding::fast) prepare_solve();
  return 0;
}

void BandLU::prepare_solve() {
  const auto N = static_cast<std::size_t>(n_);
  const auto ML = static_cast<std::size_t>(ml_);
  // perm_ holds where each row of A ended up; pos_of_ is its inverse.
  int* const pos_of = pos_of_.data();
  for (std::size_t i = 0; i < N; ++i) pos_of[perm_[i]] = static_cast<int>(i);

  // A multiplier of step k belongs to the row of A below the pivot then (l_row_), and so to that
  // row's final place. One pass counts each place's multipliers left of its two nearest, the
  // other files them, in increasing k as each row needs them.
  int* const ptr = l_ptr_.data();
  double* const sub1 = l_sub1_.data();
  double* const sub2 = l_sub2_.data();
  std::fill(ptr, ptr + N + 1, 0);
  std::fill(sub1, sub1 + N, 0.0);
  std::fill(sub2, sub2 + N, 0.0);
  const double* const l = l_.data();
  const int* const row = l_row_.data();
  // Calls visit(k, p, v) for each non-zero multiplier v of step k, p its row's final place.
  const auto each_multiplier = [&](auto&& visit) {
    for (std::size_t k = 0; k < N; ++k) {
      const std::size_t base = k * ML, count = static_cast<std::size_t>(l_count_[k]);
      for (std::size_t t = 0; t < count; ++t) {
        const double v = l[base + t];
        if (v != 0.0) visit(k, static_cast<std::size_t>(pos_of[row[base + t]]), v);
      }
    }
  };
  each_multiplier([&](std::size_t k, std::size_t p, double v) {
    if (p == k + 1) {
      sub1[p] = v;
    } else if (p == k + 2) {
      sub2[p] = v;
    } else {
      ++ptr[p + 1];
    }
  });
  for (std::size_t i = 0; i < N; ++i) ptr[i + 1] += ptr[i];
  int* const col = l_col_.data();
  double* const val = l_val_.data();
  each_multiplier([&](std::size_t k, std::size_t p, double v) {
    if (p <= k + 2) return;
    const auto e = static_cast<std::size_t>(ptr[p]++);
    col[e] = static_cast<int>(k);
    val[e] = v;
  });
  // Filing advanced each start to the next row's: shift back.
  for (std::size_t i = N; i > 0; --i) ptr[i] = ptr[i - 1];
  ptr[0] = 0;
}

void BandLU::solve(double* b) const {
  if (rounding_ == Rounding::fast) {
    solve_fast(b);
    return;
  }
  // SUNDIALS' order of operations (SUNDlsMat_bandGBTRS). L y = P b, one column of L at a time, its
  // interchange first; carry is b[k] as updated so far, kept in a register.
  double carry = b[0];
  for (int k = 0; k < n_; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    const int p = pivot_[kk];
    double bk = carry;
    if (p != k) {
      bk = b[p];
      b[p] = carry;
    }
    b[k] = bk;
    if (k + 1 == n_) break;
    const int count = l_count_[kk];
    const double* __restrict__ lk = l_.data() + kk * static_cast<std::size_t>(ml_);
    double* __restrict__ below = b + k + 1;
    carry = below[0];
    if (count > 0) {
      carry -= lk[0] * bk;
      for (int i = 1; i < count; ++i) below[i] -= lk[i] * bk;
    }
  }

  // U x = y from the bottom row up; row k of U is contiguous up to its last entry. Its sum runs
  // right to left, the order in which SUNDIALS' column-oriented loop accumulates it.
  carry = 0.0;  // x[k + 1]
  for (int k = n_ - 1; k >= 0; --k) {
    const double* uk = row_ptr(k);
    const int last = last_[static_cast<std::size_t>(k)];
    double s = b[k];
    for (int j = last; j > k + 1; --j) s -= uk[j] * b[j];
    if (last > k) s -= uk[k + 1] * carry;
    s /= uk[k];
    b[k] = s;
    carry = s;
  }
}

// Both substitutions are chains: each unknown waits for the one before. So the two newest unknowns
// are carried in registers rather than stored and loaded back (a store-to-load forwarding delay on
// the chain at every step), the terms that need them are subtracted last, and the rest of a row's
// sum, from older unknowns, is ready before they arrive: one multiply-add per unknown on the chain.
void BandLU::solve_fast(double* b) const {
  // L y = P b, a row at a time: the gather of b does every interchange at once.
  double* const y = y_.data();
  double y1 = 0.0, y2 = 0.0;  // y[i - 1], y[i - 2]
  for (int i = 0; i < n_; ++i) {
    const auto ii = static_cast<std::size_t>(i);
    double s = b[perm_[ii]];
    for (int e = l_ptr_[ii]; e < l_ptr_[ii + 1]; ++e) {
      s -= l_val_[static_cast<std::size_t>(e)] * y[l_col_[static_cast<std::size_t>(e)]];
    }
    s -= l_sub2_[ii] * y2;
    s -= l_sub1_[ii] * y1;
    y[ii] = s;
    y2 = y1;
    y1 = s;
  }
  // U x = y from the bottom row up, likewise: x[k + 1] and x[k + 2] from registers, the rest of
  // the (scaled) row in two partial sums.
  double x1 = 0.0, x2 = 0.0;  // x[k + 1], x[k + 2]
  for (int k = n_ - 1; k >= 0; --k) {
    const auto kk = static_cast<std::size_t>(k);
    const double* uk = row_ptr(k);
    double s0 = y[kk] * inv_diag_[kk];
    double s1 = 0.0;
    int j = last_[kk];
    for (; j > k + 3; j -= 2) {
      s0 -= uk[j] * b[j];
      s1 -= uk[j - 1] * b[j - 1];
    }
    if (j == k + 3) s0 -= uk[j] * b[j];
    double s = (s0 + s1) - u2_[kk] * x2;
    s -= u1_[kk] * x1;
    b[k] = s;
    x2 = x1;
    x1 = s;
  }
}

}  // namespace cascade::solver
