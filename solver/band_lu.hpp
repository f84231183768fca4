#pragma once
// A banded LU with partial pivoting, built for the integrator's Newton matrices: assembled entry by
// entry, factored in place, then solved with many right-hand sides (IDA: ~400 solves for ~30
// factorisations in a 1C discharge). No SUNDIALS here; integrator.cpp wraps it as IDA's matrix and
// direct linear solver.
//
// Storage: row-major. Row i keeps the window of columns [i - ml, i + ml + mu]: its ml entries left
// of the diagonal, the diagonal, and mu + ml entries right of it (U's band widens to ml + mu under
// row interchanges). A row is one contiguous run, so the elimination update `row_i -= l * row_k`
// and the row swaps of partial pivoting are contiguous, and so is each row of U in the back
// substitution. The multipliers of L are kept by columns in a separate array, contiguous for the
// forward substitution (of the `sundials` variant; `fast` files them by rows, below).
//
// Beyond the band, the work follows each row's actual extent: assembly records the first and last
// column written per row; elimination updates only up to the pivot row's last column and skips
// rows whose entry below the pivot is exactly zero; zero() clears only what was used. The battery
// Jacobians are ~10 % dense inside their band (n = 327, bandwidths 16: ~12k multiply-adds per
// factorisation instead of ~85k-170k). Skipped operations are exact no-ops on finite numbers.
//
// Two variants (Rounding). `sundials` does operation for operation what SUNDIALS' band LU does
// (SUNDlsMat_bandGBTRF/GBTRS): same pivots, same roundings, the same solutions bit for bit, which
// the tests use to check the integration. `fast` pivots by the same rule (its own
// roundings in the elimination can, rarely, tip a near tie the other way), then rewrites the factors
// for the many solves that follow each factorisation: the interchanges as one permutation of the
// right-hand side and L by rows in the rows' final places (P A = L U), U's rows scaled by their
// pivots' inverses. Its substitutions then keep a single multiply-add on the chain from one unknown
// to the next. On the reference cell (its condensed core, n = 105) the whole Newton solve took
// 1.04 us instead of 1.60 us with SUNDIALS' order of operations, for 0.9 us more per
// factorisation (~13 solves per factorisation in a discharge); results agree to round-off.
#include <cstddef>
#include <vector>

namespace cascade::solver {

class BandLU {
 public:
  enum class Rounding { fast, sundials };

  // n unknowns, lower bandwidth ml (max row - col), upper bandwidth mu (max col - row); the
  // bandwidths are clipped to n - 1. Starts as the zero matrix. Throws std::invalid_argument on
  // n <= 0 or a negative bandwidth.
  BandLU(int n, int ml, int mu, Rounding rounding = Rounding::fast);

  int size() const { return n_; }
  int lower_bandwidth() const { return ml_; }
  int upper_bandwidth() const { return mu_; }
  bool in_band(int row, int col) const {
    return row >= 0 && row < n_ && col >= 0 && col < n_ && row - col <= ml_ && col - row <= mu_;
  }

  // Back to the zero matrix, ready for assembly. Clears only the columns each row used.
  void zero();
  // A(row, col) += value. The caller guarantees in_band(row, col) (not checked here: this is the
  // hot path of Jacobian assembly).
  void add(int row, int col, double value) {
    const auto r = static_cast<std::size_t>(row);
    row_ptr(row)[col] += value;
    if (col < first_[r]) first_[r] = col;
    if (col > last_[r]) last_[r] = col;
  }
  // The assembled A(row, col) (before factor()); 0 outside the band.
  double get(int row, int col) const;

  // For a caller that replays a recorded assembly (condensed_lu.hpp): where A(row, col) is kept
  // (in_band(row, col) assumed; the storage never moves), and each row's columns in use. Writing
  // through entry() does not extend a row's columns, so the caller widens them to those its
  // recording covered (widen() only ever adds columns: zeros outside what was written are exact
  // no-ops in factor()).
  double* entry(int row, int col) { return row_ptr(row) + col; }
  void extents(std::vector<int>& first, std::vector<int>& last) const {
    first = first_;
    last = last_;
  }
  void widen(const std::vector<int>& first, const std::vector<int>& last) {
    for (std::size_t r = 0; r < first_.size(); ++r) {
      if (first[r] < first_[r]) first_[r] = first[r];
      if (last[r] > last_[r]) last_[r] = last[r];
    }
  }

  // LU with partial pivoting (largest |entry|, the first on ties), in place, as LAPACK's dgbtrf:
  // each interchange applies to the columns from the pivot on, not to multipliers stored before.
  // Returns 0, or k + 1 if column k has no non-zero pivot (the matrix is singular; IDA takes a
  // positive return as recoverable). A NaN pivot counts as singular. After a failure the factors
  // are unusable until the next zero() and assembly. Allocates nothing.
  int factor();
  // Solves A x = b in place (b holds x on return) with the factors of the last factor(), which
  // must have returned 0 (a failed one leaves them unusable). Allocates nothing. Not safe to call
  // from two threads on one BandLU at once: the `fast` variant keeps its intermediate vector here.
  void solve(double* b) const;

  // Multiply-adds done by the last factor() (for tests and profiling).
  long factor_flops() const { return flops_; }

 private:
  // Row i's window starts at column i - ml; row_ptr(i)[j] is A(i, j) for j in the window.
  double* row_ptr(int i) { return a_.data() + static_cast<std::ptrdiff_t>(i) * (width_ - 1) + ml_; }
  const double* row_ptr(int i) const {
    return a_.data() + static_cast<std::ptrdiff_t>(i) * (width_ - 1) + ml_;
  }

  int n_, ml_, mu_;
  Rounding rounding_;
  int width_;                     // 2 ml + mu + 1 doubles per row
  std::vector<double> a_;         // n * width_: the matrix, then U (and L's entries, unused)
  std::vector<int> first_;        // per row: first column that may be non-zero (n if none)
  std::vector<int> last_;         // per row: last column that may be non-zero (-1 if none)
  std::vector<int> reach_;        // per column k: last row whose first_ <= k (rows below are zero)
  std::vector<int> pivot_;        // row interchanged with row k at step k
  std::vector<int> l_count_;      // per column k: multipliers up to the last non-zero one
  std::vector<double> l_;         // L by columns: column k holds rows k + 1 .. k + ml
  std::vector<double> inv_diag_;  // 1 / U(k, k)
  long flops_ = 0;

  // Rounding::fast: after factor(), the factors rewritten as P A = L U for solve(). The
  // interchanges become one gather of b, and L's rows hold their multipliers in the rows' final
  // places, so neither substitution has to reload a value it has just stored: the newest two
  // unknowns of each come from registers, and the chain from one unknown to the next is a single
  // multiply-add. U's rows right of the diagonal are scaled by 1 / U(k, k) in place.
  void prepare_solve();
  void solve_fast(double* b) const;
  std::vector<int> perm_;        // row i of P b is b[perm_[i]] (during factor(): so far)
  std::vector<int> pos_of_;      // the inverse of perm_
  std::vector<int> l_row_;       // like l_: the row of A each multiplier belongs to
  std::vector<int> l_ptr_;       // L(i, k) for k < i - 2: l_col_/l_val_[l_ptr_[i] .. l_ptr_[i + 1])
  std::vector<int> l_col_;
  std::vector<double> l_val_;
  std::vector<double> l_sub1_, l_sub2_;  // L(i, i - 1), L(i, i - 2) (0 where there is none)
  std::vector<double> u1_, u2_;          // U(k, k + 1) / U(k, k), U(k, k + 2) / U(k, k)
  mutable std::vector<double> y_;        // the forward substitution's result
};

}  // namespace cascade::solver
