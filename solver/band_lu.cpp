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
    const double* __restrict__ uk = row_ptr(k) + k + 1;
    double* __restrict__ lk = l_.data() + kk * static_cast<std::size_t>(ml_);
    int l_end = k;
    for (int i = k + 1; i <= end; ++i) {
      const double aik = col[(i - k) * stride];
      const double l = aik * inv;
      lk[i - k - 1] = l;
      if (aik == 0.0) continue;
      l_end = i;
      double* __restrict__ ui = row_ptr(i) + k + 1;
      for (int j = 0; j < len; ++j) ui[j] -= l * uk[j];
      flops += len;
      auto& last_i = last_[static_cast<std::size_t>(i)];
      if (hk > last_i) last_i = hk;
    }
    l_count_[kk] = l_end - k;
  }
  flops_ = flops;
  return 0;
}

// Both substitutions are chains: each unknown waits for the one before. The value just computed is
// carried to the next step in a register rather than stored and loaded back, which would put a
// store-to-load forwarding delay on the chain at every step; and the term that needs it is
// subtracted last, so the rest of the step does not wait for it.
void BandLU::solve(double* b) const {
  // L y = P b, one column of L at a time, its interchange first; carry is b[k] as updated so far.
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
  if (rounding_ == Rounding::sundials) {
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
    return;
  }
  for (int k = n_ - 1; k >= 0; --k) {
    const auto kk = static_cast<std::size_t>(k);
    const double* uk = row_ptr(k);
    const int last = last_[kk];
    const double inv = inv_diag_[kk];
    // Two partial sums halve the dependency chain of the long rows; the division by U(k, k)
    // becomes a multiplication by its inverse, applied before x[k + 1] arrives.
    double s0 = b[k];
    double s1 = 0.0;
    int j = last;
    for (; j > k + 2; j -= 2) {
      s0 -= uk[j] * b[j];
      s1 -= uk[j - 1] * b[j - 1];
    }
    if (j == k + 2) s0 -= uk[j] * b[j];
    double s = (s0 + s1) * inv;
    if (last > k) s -= (uk[k + 1] * inv) * carry;
    b[k] = s;
    carry = s;
  }
}

}  // namespace cascade::solver
