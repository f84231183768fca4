// The only file that includes SUNDIALS (STYLE.md: one wrapper, no exception across a C callback).
#include "solver/integrator.hpp"

#include <fmt/format.h>
#include <ida/ida.h>
#include <nvector/nvector_serial.h>
#include <sunnonlinsol/sunnonlinsol_newton.h>
#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_band.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <sundials/sundials_context.hpp>
#include <type_traits>
#include <utility>

#include "solver/band_lu.hpp"
#include "solver/condensed_lu.hpp"

namespace cascade::solver {

// The DaeSystem interface hands SUNDIALS' arrays straight to the model, which needs these to match.
static_assert(std::is_same_v<sunrealtype, double>, "cascade needs SUNDIALS built with double");

namespace {

struct NVectorDeleter {
  void operator()(N_Vector v) const { N_VDestroy(v); }
};
struct MatrixDeleter {
  void operator()(SUNMatrix m) const { SUNMatDestroy(m); }
};
struct LinearSolverDeleter {
  void operator()(SUNLinearSolver s) const { SUNLinSolFree(s); }
};
struct IdaDeleter {
  void operator()(void* mem) const { IDAFree(&mem); }
};
using NVectorPtr = std::unique_ptr<std::remove_pointer_t<N_Vector>, NVectorDeleter>;
using MatrixPtr = std::unique_ptr<std::remove_pointer_t<SUNMatrix>, MatrixDeleter>;
using LinearSolverPtr =
    std::unique_ptr<std::remove_pointer_t<SUNLinearSolver>, LinearSolverDeleter>;
using IdaPtr = std::unique_ptr<void, IdaDeleter>;
struct NonlinearSolverDeleter {
  void operator()(SUNNonlinearSolver s) const { SUNNonlinSolFree(s); }
};
using NonlinearSolverPtr =
    std::unique_ptr<std::remove_pointer_t<SUNNonlinearSolver>, NonlinearSolverDeleter>;

// IntegratorOptions::early_newton_restart: SUNDIALS' Newton solver with IDA's convergence test,
// wrapped. While the Jacobian is from an earlier step, the wrapper measures the first two
// corrections itself; if the contraction they show (rate = |d1| / |d0|, the estimate IDA's test
// makes after its second correction) leaves the last allowed correction still failing IDA's
// criterion, rate^left |d1| rate / (1 - rate) > tol, it reports a recoverable failure at once, on
// which the Newton solver refreshes the Jacobian and starts the iteration again, exactly as it does
// after the full count. Only IDA's own test ever reports convergence.
struct EarlyRestart {
  SUNNonlinSolConvTestFn ida_test = nullptr;
  void* ida_data = nullptr;
  double first_norm = 0;
  long restarts = 0;
};

int early_restart_test(SUNNonlinearSolver nls, N_Vector ycor, N_Vector del, sunrealtype tol,
                       N_Vector ewt, void* data) {
  auto* e = static_cast<EarlyRestart*>(data);
  const int verdict = e->ida_test(nls, ycor, del, tol, ewt, e->ida_data);
  if (verdict != SUN_NLS_CONTINUE) return verdict;
  const auto* newton = static_cast<const _SUNNonlinearSolverContent_Newton*>(nls->content);
  const int m = newton->curiter;  // corrections before this one
  if (newton->jcur || m > 1) return verdict;
  const double norm = N_VWrmsNorm(del, ewt);
  if (m == 0) {
    e->first_norm = norm;
    return verdict;
  }
  const double rate = norm / e->first_norm;
  const int left = newton->maxiters - 2;  // corrections still allowed after this, the second
  if (rate >= 1.0 || norm * std::pow(rate, left) * rate / (1.0 - rate) > tol) {
    ++e->restarts;
    return SUN_NLS_CONV_RECVR;
  }
  return verdict;
}

// Both name functions return malloc'ed strings the caller must free.
std::string flag_name(int flag, bool linear_solver_flag) {
  char* name = linear_solver_flag ? IDAGetLinReturnFlagName(flag) : IDAGetReturnFlagName(flag);
  if (name == nullptr) return fmt::format("flag {}", flag);
  std::string result(name);
  std::free(name);
  return result;
}

template <typename T>
T* not_null(T* p, const char* function) {
  if (p == nullptr) throw SolverError(fmt::format("{} returned NULL (out of memory?)", function));
  return p;
}

std::string safe_describe(const DaeSystem& sys, int index) {
  try {
    return sys.describe(index);
  } catch (...) {
    return fmt::format("component {}", index);
  }
}

// ---- vector operations -------------------------------------------------------------------
// Debian's SUNDIALS 6.4.1 is built without optimisation: its serial vector kernels spend ~20
// instructions per element (N_VWSqrSumLocal_Serial alone was 5-13 % of a run, from IDA's own
// norms: Newton convergence and error tests, ~5 per step). These replace the kernels IDA uses, on
// the template vector before anything is cloned from it (clones copy the operation table). Each
// is the same arithmetic as nvector_serial.c, case analysis included, in the same order (so the
// same results bit for bit), except the weighted sums of squares; see there.
namespace fast_vector {

// The element-wise kernels are also compiled for AVX2 (4 doubles an instruction instead of SSE2's
// 2), picked at load time where the processor has it. Only the width changes: AVX2 brings no fused
// multiply-add (that is FMA, not enabled here) and nothing is reassociated, so every element is
// rounded as before.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define CASCADE_VECTOR_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define CASCADE_VECTOR_KERNEL
#endif

inline sunindextype length(N_Vector v) {
  return NV_LENGTH_S(v);
}
inline double* data(N_Vector v) {
  return NV_DATA_S(v);
}

// y += a x
CASCADE_VECTOR_KERNEL void axpy(double a, const double* x, double* y, sunindextype n) {
  if (a == 1.0) {
    for (sunindextype i = 0; i < n; ++i) y[i] += x[i];
  } else if (a == -1.0) {
    for (sunindextype i = 0; i < n; ++i) y[i] -= x[i];
  } else {
    for (sunindextype i = 0; i < n; ++i) y[i] += a * x[i];
  }
}

CASCADE_VECTOR_KERNEL void linear_sum(double a, N_Vector x, double b, N_Vector y, N_Vector z) {
  const sunindextype n = length(x);
  const double* xd = data(x);
  const double* yd = data(y);
  double* zd = data(z);
  if (b == 1.0 && z == y) return axpy(a, xd, data(y), n);
  if (a == 1.0 && z == x) return axpy(b, yd, data(x), n);
  if (a == 1.0 && b == 1.0) {
    for (sunindextype i = 0; i < n; ++i) zd[i] = xd[i] + yd[i];
    return;
  }
  bool test = a == 1.0 && b == -1.0;
  if (test || (a == -1.0 && b == 1.0)) {  // z = v2 - v1
    const double* v1 = test ? yd : xd;
    const double* v2 = test ? xd : yd;
    for (sunindextype i = 0; i < n; ++i) zd[i] = v2[i] - v1[i];
    return;
  }
  test = a == 1.0;
  if (test || b == 1.0) {  // z = c v1 + v2
    const double c = test ? b : a;
    const double* v1 = test ? yd : xd;
    const double* v2 = test ? xd : yd;
    for (sunindextype i = 0; i < n; ++i) zd[i] = (c * v1[i]) + v2[i];
    return;
  }
  test = a == -1.0;
  if (test || b == -1.0) {  // z = c v1 - v2
    const double c = test ? b : a;
    const double* v1 = test ? yd : xd;
    const double* v2 = test ? xd : yd;
    for (sunindextype i = 0; i < n; ++i) zd[i] = (c * v1[i]) - v2[i];
    return;
  }
  if (a == b) {
    for (sunindextype i = 0; i < n; ++i) zd[i] = a * (xd[i] + yd[i]);
    return;
  }
  if (a == -b) {
    for (sunindextype i = 0; i < n; ++i) zd[i] = a * (xd[i] - yd[i]);
    return;
  }
  for (sunindextype i = 0; i < n; ++i) zd[i] = (a * xd[i]) + (b * yd[i]);
}

CASCADE_VECTOR_KERNEL void constant(double c, N_Vector z) {
  std::fill(data(z), data(z) + length(z), c);
}

CASCADE_VECTOR_KERNEL void prod(N_Vector x, N_Vector y, N_Vector z) {
  const double* xd = data(x);
  const double* yd = data(y);
  double* zd = data(z);
  for (sunindextype i = 0, n = length(x); i < n; ++i) zd[i] = xd[i] * yd[i];
}

CASCADE_VECTOR_KERNEL void div(N_Vector x, N_Vector y, N_Vector z) {
  const double* xd = data(x);
  const double* yd = data(y);
  double* zd = data(z);
  for (sunindextype i = 0, n = length(x); i < n; ++i) zd[i] = xd[i] / yd[i];
}

CASCADE_VECTOR_KERNEL void scale(double c, N_Vector x, N_Vector z) {
  const sunindextype n = length(x);
  const double* xd = data(x);
  double* zd = data(z);
  if (z == x) {
    for (sunindextype i = 0; i < n; ++i) zd[i] *= c;
  } else if (c == 1.0) {
    std::copy(xd, xd + n, zd);
  } else if (c == -1.0) {
    for (sunindextype i = 0; i < n; ++i) zd[i] = -xd[i];
  } else {
    for (sunindextype i = 0; i < n; ++i) zd[i] = c * xd[i];
  }
}

CASCADE_VECTOR_KERNEL void abs(N_Vector x, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  for (sunindextype i = 0, n = length(x); i < n; ++i) zd[i] = std::abs(xd[i]);
}

CASCADE_VECTOR_KERNEL void inv(N_Vector x, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  for (sunindextype i = 0, n = length(x); i < n; ++i) zd[i] = 1.0 / xd[i];
}

CASCADE_VECTOR_KERNEL void add_const(N_Vector x, double b, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  for (sunindextype i = 0, n = length(x); i < n; ++i) zd[i] = xd[i] + b;
}

// The dot product and max norm keep the library's sequential order. The weighted sums of squares
// behind IDA's WRMS norms (~5 per step, in the Newton and error tests) use four partial sums
// instead: a sequential sum waits for each addition in turn (167 ns against 50 ns for n = 327).
// This is the one kernel whose rounding differs from nvector_serial.c, in the last bits of a norm.
double dot(N_Vector x, N_Vector y) {
  const double* xd = data(x);
  const double* yd = data(y);
  double sum = 0.0;
  for (sunindextype i = 0, n = length(x); i < n; ++i) sum += xd[i] * yd[i];
  return sum;
}

double max_norm(N_Vector x) {
  const double* xd = data(x);
  double max = 0.0;
  for (sunindextype i = 0, n = length(x); i < n; ++i) {
    if (std::abs(xd[i]) > max) max = std::abs(xd[i]);
  }
  return max;
}

CASCADE_VECTOR_KERNEL double weighted_square_sum(N_Vector x, N_Vector w) {
  const double* xd = data(x);
  const double* wd = data(w);
  const sunindextype n = length(x);
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  sunindextype i = 0;
  for (; i + 4 <= n; i += 4) {
    const double p0 = xd[i] * wd[i];
    const double p1 = xd[i + 1] * wd[i + 1];
    const double p2 = xd[i + 2] * wd[i + 2];
    const double p3 = xd[i + 3] * wd[i + 3];
    s0 += p0 * p0;
    s1 += p1 * p1;
    s2 += p2 * p2;
    s3 += p3 * p3;
  }
  for (; i < n; ++i) {
    const double p = xd[i] * wd[i];
    s0 += p * p;
  }
  return (s0 + s1) + (s2 + s3);
}

// Four lanes of a GCC vector, each the partial sum s_k of the scalar form (elements i = k mod 4), so
// the rounding is that of four scalar partial sums. The mask is a select on the lanes, not a
// branch per element: differential and algebraic unknowns interleave along x in a pattern the
// branch predictor keeps missing (the scalar form spent 4 % of a cycling run here).
CASCADE_VECTOR_KERNEL double weighted_square_sum_mask(N_Vector x, N_Vector w, N_Vector id) {
  using v4 = double __attribute__((vector_size(32)));
  const double* xd = data(x);
  const double* wd = data(w);
  const double* idd = data(id);
  const sunindextype n = length(x);
  const v4 zero = {0.0, 0.0, 0.0, 0.0};
  v4 s = zero;
  sunindextype i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 xv, wv, iv;
    std::memcpy(&xv, xd + i, sizeof xv);
    std::memcpy(&wv, wd + i, sizeof wv);
    std::memcpy(&iv, idd + i, sizeof iv);
    const v4 q = xv * wv;
    const v4 p = iv > zero ? q : zero;
    s += p * p;
  }
  double s0 = s[0];
  for (; i < n; ++i) {
    const double p = idd[i] > 0.0 ? xd[i] * wd[i] : 0.0;
    s0 += p * p;
  }
  return (s0 + s[1]) + (s[2] + s[3]);
}

double wrms_norm(N_Vector x, N_Vector w) {
  return std::sqrt(weighted_square_sum(x, w) / static_cast<double>(length(x)));
}

double wrms_norm_mask(N_Vector x, N_Vector w, N_Vector id) {
  return std::sqrt(weighted_square_sum_mask(x, w, id) / static_cast<double>(length(x)));
}

double min(N_Vector x) {
  const double* xd = data(x);
  double m = xd[0];
  for (sunindextype i = 1, n = length(x); i < n; ++i) {
    if (xd[i] < m) m = xd[i];
  }
  return m;
}

// z = sum c_i X_i in one pass for N vectors (IDA's predictor and interpolation: N = order + 1 <= 6)
// instead of the generic fallback's N passes (a scale, then z += c_i X_i one vector at a time),
// with the same operations per element in the same order, so the same roundings.
template <int N>
CASCADE_VECTOR_KERNEL void linear_combination_n(const double* c, N_Vector* X, N_Vector z) {
  const double* x[N];
  for (int i = 0; i < N; ++i) x[i] = data(X[i]);
  double* zd = data(z);
  for (sunindextype j = 0, n = length(z); j < n; ++j) {
    double acc = c[0] * x[0][j];
    for (int i = 1; i < N; ++i) acc += c[i] * x[i][j];
    zd[j] = acc;
  }
}

int linear_combination(int nvec, double* c, N_Vector* X, N_Vector z) {
  // X[0] may be z (each element is read before it is written); a later X[i] may not, since the
  // fallback would then read z as updated so far: leave such calls, and long ones, to it.
  bool single_pass = nvec >= 2 && nvec <= 6;
  for (int i = 1; i < nvec && single_pass; ++i) single_pass = X[i] != z;
  switch (single_pass ? nvec : 0) {
    case 2:
      linear_combination_n<2>(c, X, z);
      return 0;
    case 3:
      linear_combination_n<3>(c, X, z);
      return 0;
    case 4:
      linear_combination_n<4>(c, X, z);
      return 0;
    case 5:
      linear_combination_n<5>(c, X, z);
      return 0;
    case 6:
      linear_combination_n<6>(c, X, z);
      return 0;
    default:
      break;
  }
  scale(c[0], X[0], z);  // SUNDIALS' generic N_VLinearCombination
  for (int i = 1; i < nvec; ++i) linear_sum(c[i], X[i], 1.0, z, z);
  return 0;
}

// The other fused and vector-array operations stay NULL, as N_VNew_Serial leaves them: SUNDIALS'
// generic fallbacks then call the kernels above (the library's own fused kernels would change the
// rounding of some sums, and they are unoptimised too).
void install(N_Vector v) {
  N_Vector_Ops ops = v->ops;
  ops->nvlinearsum = linear_sum;
  ops->nvconst = constant;
  ops->nvprod = prod;
  ops->nvdiv = div;
  ops->nvscale = scale;
  ops->nvabs = abs;
  ops->nvinv = inv;
  ops->nvaddconst = add_const;
  ops->nvdotprod = dot;
  ops->nvmaxnorm = max_norm;
  ops->nvwrmsnorm = wrms_norm;
  ops->nvwrmsnormmask = wrms_norm_mask;
  ops->nvmin = min;
  ops->nvdotprodlocal = dot;
  ops->nvmaxnormlocal = max_norm;
  ops->nvminlocal = min;
  ops->nvwsqrsumlocal = weighted_square_sum;
  ops->nvwsqrsummasklocal = weighted_square_sum_mask;
  ops->nvlinearcombination = linear_combination;
}

}  // namespace fast_vector

// ---- BandLU as IDA's matrix and direct linear solver ------------------------------------------
// IDA's direct-solver path (idaLsSetup) is: SUNMatZero(J), the Jacobian callback filling J with
// dF/dy + cj dF/dy', SUNLinSolSetup(LS, J); each Newton iteration then calls SUNLinSolSolve and
// scales the correction by 2 / (1 + cj/cj_setup) itself when cj has changed since the setup
// (idaLsSolve, for every matrix-based solver). So J is a thin SUNMatrix over BandLU's storage:
// zero() is BandLU's, the sink adds into it, setup factors it in place, solve back-substitutes.
// (A matrix-embedded solver would not do: IDA 6.x then never calls setup, nor scales for cj.)

// With the analytic Jacobian and the fast rounding, the matrix is a CondensedLU when the pattern
// has trees to peel (solver/condensed_lu.hpp), and the BandLU is then unused.
struct BandLUSolver {
  BandLU* lu = nullptr;
  CondensedLU* condensed = nullptr;
  sunindextype last_flag = 0;  // 0, or k + 1 for a zero pivot in column k (as SUNLinSol_Band)
  bool factored = false;       // the last setup succeeded
  int singular_column = -1;    // the zero pivot of the latest setup, if it failed
};

BandLUSolver& band_solver_of(SUNLinearSolver s) {
  return *static_cast<BandLUSolver*>(s->content);
}

// The SUNMatrix does not own the BandLU: destroy frees only the shell.
SUNMatrix new_band_lu_matrix(BandLUSolver& state, SUNContext ctx) {
  SUNMatrix m = not_null(SUNMatNewEmpty(ctx), "SUNMatNewEmpty");
  m->content = &state;
  m->ops->getid = [](SUNMatrix) { return SUNMATRIX_CUSTOM; };
  m->ops->destroy = [](SUNMatrix a) { SUNMatFreeEmpty(a); };
  m->ops->zero = [](SUNMatrix a) {
    BandLUSolver& st = *static_cast<BandLUSolver*>(a->content);
    if (st.condensed != nullptr) {
      st.condensed->zero();
    } else {
      st.lu->zero();
    }
    return 0;
  };
  return m;
}

// Setup accepts either the BandLU matrix (analytic Jacobian, already in place) or a SUNDIALS band
// matrix that IDA filled with difference quotients (copied in first).
int band_lu_setup(SUNLinearSolver s, SUNMatrix a) {
  BandLUSolver& state = band_solver_of(s);
  BandLU& lu = *state.lu;
  if (a != nullptr && SUNMatGetID(a) == SUNMATRIX_BAND) {
    lu.zero();
    const int n = lu.size();
    for (int j = 0; j < n; ++j) {
      const double* col = SUNBandMatrix_Column(a, j);
      const int first = std::max(0, j - lu.upper_bandwidth());
      const int last = std::min(n - 1, j + lu.lower_bandwidth());
      for (int i = first; i <= last; ++i) {
        const double v = SM_COLUMN_ELEMENT_B(col, i, j);
        if (v != 0.0) lu.add(i, j, v);
      }
    }
  }
  const int flag = state.condensed != nullptr ? state.condensed->factor() : lu.factor();
  state.last_flag = flag;
  state.factored = flag == 0;
  state.singular_column = flag - 1;  // -1 when it worked: only the latest setup is reported
  if (flag == 0) return SUNLS_SUCCESS;
  return SUNLS_LUFACT_FAIL;  // positive: IDA cuts the step and tries again
}

int band_lu_solve(SUNLinearSolver s, SUNMatrix, N_Vector x, N_Vector b, sunrealtype) {
  const BandLUSolver& state = band_solver_of(s);
  if (!state.factored) return SUNLS_PACKAGE_FAIL_UNREC;
  const double* bd = N_VGetArrayPointer(b);
  double* xd = N_VGetArrayPointer(x);
  if (xd != bd) std::copy(bd, bd + state.lu->size(), xd);
  if (state.condensed != nullptr) {
    state.condensed->solve(xd);
  } else {
    state.lu->solve(xd);
  }
  return SUNLS_SUCCESS;
}

// The SUNLinearSolver does not own its content (the Integrator does): free releases the shell.
SUNLinearSolver new_band_lu_solver(BandLUSolver& state, SUNContext ctx) {
  SUNLinearSolver s = not_null(SUNLinSolNewEmpty(ctx), "SUNLinSolNewEmpty");
  s->content = &state;
  s->ops->gettype = [](SUNLinearSolver) { return SUNLINEARSOLVER_DIRECT; };
  s->ops->getid = [](SUNLinearSolver) { return SUNLINEARSOLVER_CUSTOM; };
  s->ops->initialize = [](SUNLinearSolver) { return SUNLS_SUCCESS; };
  s->ops->setup = band_lu_setup;
  s->ops->solve = band_lu_solve;
  s->ops->lastflag = [](SUNLinearSolver l) { return band_solver_of(l).last_flag; };
  s->ops->free = [](SUNLinearSolver l) {
    SUNLinSolFreeEmpty(l);
    return SUNLS_SUCCESS;
  };
  return s;
}

// A JacobianSink that is told which SUNDIALS matrix to fill before each evaluation.
class MatrixSink : public JacobianSink {
 public:
  virtual void prepare(SUNMatrix m) = 0;
};

// SUNDIALS band storage: column j keeps rows j-mu..j+ml around its diagonal (plus ml more above it
// for the LU fill-in, which SUNBandMatrix reserves). No zeroing here: IDA has just called
// SUNMatZero (idaLsSetup does, for every direct solver; zeroing twice was 3 % of a run).
class BandSink final : public MatrixSink {
 public:
  BandSink(const DaeSystem& sys, int n, int ml, int mu) : sys_(sys), n_(n), ml_(ml), mu_(mu) {}

  void prepare(SUNMatrix m) override {
    if (m != bound_) {
      // The storage never moves, so the diagonal of each column is looked up once.
      diagonals_.resize(static_cast<std::size_t>(n_));
      for (int j = 0; j < n_; ++j)
        diagonals_[static_cast<std::size_t>(j)] = SUNBandMatrix_Column(m, j);
      bound_ = m;
    }
  }

  void add_entry(int row, int col, double value) override {
    if (row < 0 || row >= n_ || col < 0 || col >= n_ || row - col > ml_ || col - row > mu_) {
      throw SolverError(fmt::format(
          "Jacobian entry (row {}, col {}) = d[{}]/d[{}] lies outside the declared band "
          "(lower {}, upper {}): widen lower_bandwidth()/upper_bandwidth()",
          row, col, safe_describe(sys_, row), safe_describe(sys_, col), ml_, mu_));
    }
    SM_COLUMN_ELEMENT_B(diagonals_[static_cast<std::size_t>(col)], row, col) += value;
  }

 private:
  const DaeSystem& sys_;
  int n_, ml_, mu_;
  SUNMatrix bound_ = nullptr;
  std::vector<sunrealtype*> diagonals_;
};

// CSC storage with a fixed pattern. IDA zeroes the whole matrix (structure included) before each
// evaluation, so the pattern is written back every time; it is small next to the factorisation.
class SparseSink final : public MatrixSink {
 public:
  SparseSink(const DaeSystem& sys, int n, std::vector<sunindextype> col_ptr,
             std::vector<sunindextype> row_idx)
      : sys_(sys), n_(n), col_ptr_(std::move(col_ptr)), row_idx_(std::move(row_idx)) {}

  sunindextype nnz() const { return static_cast<sunindextype>(row_idx_.size()); }

  void prepare(SUNMatrix m) override {
    std::copy(col_ptr_.begin(), col_ptr_.end(), SUNSparseMatrix_IndexPointers(m));
    std::copy(row_idx_.begin(), row_idx_.end(), SUNSparseMatrix_IndexValues(m));
    data_ = SUNSparseMatrix_Data(m);
    std::fill(data_, data_ + row_idx_.size(), 0.0);
  }

  void add_entry(int row, int col, double value) override {
    if (col >= 0 && col < n_) {
      const auto first = row_idx_.begin() + col_ptr_[static_cast<std::size_t>(col)];
      const auto last = row_idx_.begin() + col_ptr_[static_cast<std::size_t>(col) + 1];
      const auto it = std::lower_bound(first, last, static_cast<sunindextype>(row));
      if (it != last && *it == row) {
        data_[it - row_idx_.begin()] += value;
        return;
      }
    }
    throw SolverError(fmt::format(
        "Jacobian entry (row {}, col {}) = d[{}]/d[{}] is not in the sparsity pattern: add it to "
        "sparsity()",
        row, col, safe_describe(sys_, row), safe_describe(sys_, col)));
  }

 private:
  const DaeSystem& sys_;
  int n_;
  std::vector<sunindextype> col_ptr_;  // n + 1 column starts
  std::vector<sunindextype> row_idx_;  // rows, sorted within each column
  sunrealtype* data_ = nullptr;
};

// The band path's Jacobian sink writes straight into BandLU. No zeroing here: IDA has just called
// SUNMatZero on the matrix (idaLsSetup does, for every direct solver).
class BandLUSink final : public MatrixSink {
 public:
  BandLUSink(const DaeSystem& sys, BandLU& lu) : sys_(sys), lu_(lu) {}

  void prepare(SUNMatrix) override {}

  void add_entry(int row, int col, double value) override {
    if (!lu_.in_band(row, col)) out_of_band(row, col);
    lu_.add(row, col, value);
  }

 private:
  // Out of line, so that add() stays a leaf without a stack frame (it runs ~2000 times per
  // Jacobian).
  [[noreturn, gnu::noinline, gnu::cold]] void out_of_band(int row, int col) const {
    throw SolverError(
        fmt::format("Jacobian entry (row {}, col {}) = d[{}]/d[{}] lies outside the declared band "
                    "(lower {}, upper {}): widen lower_bandwidth()/upper_bandwidth()",
                    row, col, safe_describe(sys_, row), safe_describe(sys_, col),
                    lu_.lower_bandwidth(), lu_.upper_bandwidth()));
  }

  const DaeSystem& sys_;
  BandLU& lu_;
};

// The same into a CondensedLU, which takes only the entries of its pattern.
class CondensedSink final : public MatrixSink {
 public:
  CondensedSink(const DaeSystem& sys, CondensedLU& lu) : sys_(sys), lu_(lu) {}

  // IDA has zeroed the matrix: if the CondensedLU replays its recorded assembly, the model's add()
  // calls replay it inline (JacobianSink::start_replay) until an entry differs.
  void prepare(SUNMatrix) override {
    if (lu_.replaying()) {
      start_replay(lu_.recorded_keys(), lu_.recorded_places(), lu_.recorded_count());
    } else {
      stop_replay();
    }
  }

  void add_entry(int row, int col, double value) override {
    if (replay_active()) {
      lu_.resume_replay_at(replayed());  // the CondensedLU goes on from the entry that differed
      stop_replay();
    }
    if (!lu_.replay(row, col, value)) add_checked(row, col, value);
  }

 private:
  [[gnu::noinline]] void add_checked(int row, int col, double value) {
    if (row < 0 || row >= lu_.size() || col < 0 || col >= lu_.size() || !lu_.add(row, col, value)) {
      outside(row, col);
    }
  }
  [[noreturn, gnu::noinline, gnu::cold]] void outside(int row, int col) const {
    throw SolverError(fmt::format(
        "Jacobian entry (row {}, col {}) = d[{}]/d[{}] is not in the sparsity pattern: add it to "
        "sparsity()",
        row, col, safe_describe(sys_, row), safe_describe(sys_, col)));
  }

  const DaeSystem& sys_;
  CondensedLU& lu_;
};

}  // namespace

namespace {
// 1 / (rtol |y| + atol), rounded as IDA's N_VAbs, N_VLinearSum and N_VInv round it.
CASCADE_VECTOR_KERNEL void fused_weights(const double* __restrict__ yd, const double* __restrict__ a,
                                         double* __restrict__ w, double rtol, sunindextype n) {
  for (sunindextype i = 0; i < n; ++i) w[i] = 1.0 / (rtol * std::abs(yd[i]) + a[i]);
}
}  // namespace

struct Integrator::Impl {
  Impl(DaeSystem& system, IntegratorOptions options);

  DaeSystem& sys;
  IntegratorOptions opts;
  int n = 0;
  int ml = 0;
  int mu = 0;

  // Declared in construction order: destroyed in reverse, IDA memory first and the context last.
  sundials::Context ctx;
  NVectorPtr y, yp, id, atol, scratch_a, scratch_b;
  // AlgebraicErrorTest::selected: id with the system's error-tested algebraic components set to
  // 1, given to IDA (which masks its error norms with its id vector) while it steps. IDACalcIC
  // reads the same vector to tell y from y' unknowns, so it gets the true id back first.
  NVectorPtr error_mask;
  bool error_mask_installed = false;
  std::unique_ptr<BandLU> band_lu;  // LinearSolver::band: the Newton matrix and its factors
  std::unique_ptr<CondensedLU> condensed;  // ... or these, when the pattern has trees to peel
  BandLUSolver band_solver;         // the SUNLinearSolver's content for LinearSolver::band
  MatrixPtr matrix;
  LinearSolverPtr linear_solver;
  std::unique_ptr<MatrixSink> sink;
  NonlinearSolverPtr newton;  // IntegratorOptions::early_newton_restart: ours, not IDA's default
  EarlyRestart early_restart;
  IdaPtr ida;

  double t = 0;
  bool atol_has_zero = false;  // some atol_vector entry is 0: IDA's weights, which check for 0
  bool initialized = false;  // IDAInit done
  bool configured = false;   // tolerances and linear solver attached
  bool has_state = false;    // reset() called
  bool ida_stop_time_set = false;
  std::optional<double> user_stop_time;
  int num_roots = 0;
  std::vector<int> root_info;

  // Messages collected while SUNDIALS runs, turned into the SolverError after it returns.
  std::string ida_message;        // last error IDA reported through the handler
  std::string callback_error;     // a fatal exception from residual/jacobian/roots
  std::string recoverable_error;  // the latest RecoverableError during the current call

  long residual_evals = 0;
  long jacobian_evals = 0;
  long roots_found = 0;
  IntegratorStats retired;  // IDA's counters from before the latest IDAReInit, which zeroes them

  double* data(const NVectorPtr& v) const { return N_VGetArrayPointer(v.get()); }

  void begin_call() {
    ida_message.clear();
    callback_error.clear();
    recoverable_error.clear();
    band_solver.singular_column = -1;
  }

  void require_state(const char* what) const {
    if (!has_state) throw SolverError(fmt::format("Integrator::{} called before reset()", what));
  }

  void check(int flag, const char* function, bool linear_solver_flag = false) {
    if (flag < 0) throw SolverError(failure_message(function, flag, linear_solver_flag));
  }

  // IDAWFtolerances' weight function (user_data is this Impl).
  static int error_weights_cb(N_Vector yv, N_Vector ewt, void* user_data) {
    auto* self = static_cast<Impl*>(user_data);
    fused_weights(N_VGetArrayPointer(yv), N_VGetArrayPointer(self->atol.get()), N_VGetArrayPointer(ewt),
                  self->opts.rtol, N_VGetLength(yv));
    return 0;
  }
  // Gives IDA the error mask (true) or the true id (false) as its id vector, if not already.
  void install_error_mask(bool on) {
    if (on == error_mask_installed) return;
    check(IDASetId(ida.get(), on ? error_mask.get() : id.get()), "IDASetId");
    error_mask_installed = on;
  }
  void configure();
  void retire_counters();
  // sys.sparsity(), every entry checked to lie inside the system (and its declared band, for
  // the band solver).
  std::vector<std::pair<int, int>> checked_pattern(bool within_band) const {
    std::vector<std::pair<int, int>> pattern = sys.sparsity();
    for (const auto& [row, col] : pattern) {
      if (row < 0 || row >= n || col < 0 || col >= n) {
        throw SolverError(fmt::format(
            "sparsity() lists entry (row {}, col {}) outside the {} x {} system", row, col, n, n));
      }
      if (within_band && (row - col > ml || col - row > mu)) {
        throw SolverError(fmt::format(
            "sparsity() lists entry (row {}, col {}) = d[{}]/d[{}] outside the declared band "
            "(lower {}, upper {})",
            row, col, safe_describe(sys, row), safe_describe(sys, col), ml, mu));
      }
    }
    return pattern;
  }
  void apply_stop_time(double tout, bool one_step);
  std::string failure_message(const char* function, int flag, bool linear_solver_flag = false);
  std::string largest_local_error();
  std::string largest_initial_residual();

  // Called from inside a catch block of a C callback: records the exception, returns IDA's code.
  int absorb(const char* where, double at_t, bool allow_recoverable) noexcept {
    try {
      throw;
    } catch (const RecoverableError& e) {
      if (allow_recoverable) {
        store(recoverable_error, where, at_t, e.what());
        return 1;
      }
      store(callback_error, where, at_t, e.what());
    } catch (const std::exception& e) {
      store(callback_error, where, at_t, e.what());
    } catch (...) {
      store(callback_error, where, at_t, "unknown exception");
    }
    return -1;
  }

  static void store(std::string& dst, const char* where, double at_t, const char* what) noexcept {
    try {
      dst = fmt::format("{} at t = {:.9g}: {}", where, at_t, what);
    } catch (...) {
      // Out of memory while reporting: the flag returned to IDA still stops the integration.
    }
  }

  static int residual_cb(sunrealtype tt, N_Vector yy, N_Vector yyp, N_Vector rr, void* user_data) {
    auto* self = static_cast<Impl*>(user_data);
    ++self->residual_evals;
    try {
      self->sys.residual(tt, N_VGetArrayPointer(yy), N_VGetArrayPointer(yyp),
                         N_VGetArrayPointer(rr));
      return 0;
    } catch (...) {
      return self->absorb("residual", tt, true);
    }
  }

  static int jacobian_cb(sunrealtype tt, sunrealtype cj, N_Vector yy, N_Vector yyp, N_Vector,
                         SUNMatrix jac, void* user_data, N_Vector, N_Vector, N_Vector) {
    auto* self = static_cast<Impl*>(user_data);
    ++self->jacobian_evals;
    try {
      self->sink->prepare(jac);
      self->sys.jacobian(tt, cj, N_VGetArrayPointer(yy), N_VGetArrayPointer(yyp), *self->sink);
      return 0;
    } catch (...) {
      return self->absorb("jacobian", tt, true);
    }
  }

  static int roots_cb(sunrealtype tt, N_Vector yy, N_Vector yyp, sunrealtype* g, void* user_data) {
    auto* self = static_cast<Impl*>(user_data);
    try {
      self->sys.roots(tt, N_VGetArrayPointer(yy), N_VGetArrayPointer(yyp), g);
      return 0;
    } catch (...) {
      return self->absorb("roots", tt, false);  // IDA has no recoverable code for event functions
    }
  }

  // Replaces IDA's printing to stderr: the message goes into the SolverError instead.
  static void error_handler(int code, const char*, const char* function, char* msg, void* data) {
    if (code == IDA_WARNING) return;  // e.g. "root functions inactive": not a failure
    auto* self = static_cast<Impl*>(data);
    try {
      self->ida_message = fmt::format("{}: {}", function, msg);
    } catch (...) {
    }
  }
};

Integrator::Impl::Impl(DaeSystem& system, IntegratorOptions options)
    : sys(system), opts(std::move(options)) {
  n = sys.size();
  if (n <= 0) throw SolverError(fmt::format("DaeSystem::size() is {}; it must be positive", n));
  ml = sys.lower_bandwidth();
  mu = sys.upper_bandwidth();
  if (ml < 0 || mu < 0) {
    throw SolverError(fmt::format("negative bandwidth (lower {}, upper {})", ml, mu));
  }
  // A band wider than the matrix means "full"; SUNDIALS wants it clipped.
  ml = std::min(ml, n - 1);
  mu = std::min(mu, n - 1);
  if (!(opts.rtol >= 0) || !(opts.atol >= 0)) {
    throw SolverError(
        fmt::format("tolerances must be >= 0 (rtol {}, atol {})", opts.rtol, opts.atol));
  }
  if (!opts.atol_vector.empty() && opts.atol_vector.size() != static_cast<std::size_t>(n)) {
    throw SolverError(fmt::format("atol_vector has {} entries for a system of size {}",
                                  opts.atol_vector.size(), n));
  }
  if (opts.max_order < 1 || opts.max_order > 5) {
    throw SolverError(fmt::format("max_order is {}; IDA supports 1 to 5", opts.max_order));
  }
  if (opts.linear_solver == LinearSolver::klu && !opts.use_analytic_jacobian) {
    throw SolverError("the difference-quotient Jacobian is only available with the band solvers");
  }

  SUNContext sunctx = ctx;
  not_null(sunctx, "SUNContext_Create");
  const auto length = static_cast<sunindextype>(n);
  y.reset(not_null(N_VNew_Serial(length, sunctx), "N_VNew_Serial"));
  fast_vector::install(y.get());  // before any clone: IDA's vectors are all clones of y
  yp.reset(not_null(N_VClone(y.get()), "N_VClone"));
  id.reset(not_null(N_VClone(y.get()), "N_VClone"));
  scratch_a.reset(not_null(N_VClone(y.get()), "N_VClone"));
  scratch_b.reset(not_null(N_VClone(y.get()), "N_VClone"));
  error_mask.reset(not_null(N_VClone(y.get()), "N_VClone"));
  N_VConst(0.0, y.get());
  N_VConst(0.0, yp.get());
  if (!opts.atol_vector.empty()) {
    atol.reset(not_null(N_VClone(y.get()), "N_VClone"));
    for (int i = 0; i < n; ++i) {
      const double a = opts.atol_vector[static_cast<std::size_t>(i)];
      if (!(a >= 0)) {
        throw SolverError(fmt::format("atol_vector[{}] ({}) is {}; it must be >= 0", i,
                                      safe_describe(sys, i), a));
      }
      data(atol)[i] = a;
      if (!(a > 0)) atol_has_zero = true;
    }
  }

  if (opts.linear_solver == LinearSolver::band) {
    band_lu = std::make_unique<BandLU>(
        n, ml, mu,
        opts.band_sundials_rounding ? BandLU::Rounding::sundials : BandLU::Rounding::fast);
    band_solver.lu = band_lu.get();
    if (opts.use_analytic_jacobian && !opts.band_sundials_rounding) {
      condensed = std::make_unique<CondensedLU>(n, ml, mu, checked_pattern(true));
      if (condensed->leaves() == 0) condensed.reset();
      band_solver.condensed = condensed.get();
    }
    if (opts.use_analytic_jacobian) {
      matrix.reset(new_band_lu_matrix(band_solver, sunctx));
    } else {
      // IDA's difference quotients need one of its own matrices; setup copies it into BandLU.
      const auto lower = static_cast<sunindextype>(ml);
      const auto upper = static_cast<sunindextype>(mu);
      matrix.reset(not_null(SUNBandMatrixStorage(length, upper, lower, upper, sunctx),
                            "SUNBandMatrixStorage"));
    }
    linear_solver.reset(new_band_lu_solver(band_solver, sunctx));
    if (condensed) {
      sink = std::make_unique<CondensedSink>(sys, *condensed);
    } else {
      sink = std::make_unique<BandLUSink>(sys, *band_lu);
    }
  } else if (opts.linear_solver == LinearSolver::sundials_band) {
    // SUNBandMatrix stores mu + ml upper diagonals, the room LU fill-in needs.
    matrix.reset(not_null(SUNBandMatrix(length, mu, ml, sunctx), "SUNBandMatrix"));
    linear_solver.reset(not_null(SUNLinSol_Band(y.get(), matrix.get(), sunctx), "SUNLinSol_Band"));
    sink = std::make_unique<BandSink>(sys, n, ml, mu);
  } else {
    std::vector<std::pair<int, int>> pattern = checked_pattern(false);
    // CSC: sorted by column, then row; duplicates from overlapping sub-models merged.
    std::sort(pattern.begin(), pattern.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : a.first < b.first;
    });
    pattern.erase(std::unique(pattern.begin(), pattern.end()), pattern.end());
    if (pattern.empty()) throw SolverError("sparsity() is empty");
    std::vector<sunindextype> col_ptr(static_cast<std::size_t>(n) + 1, 0);
    std::vector<sunindextype> row_idx;
    row_idx.reserve(pattern.size());
    for (const auto& [row, col] : pattern) {
      ++col_ptr[static_cast<std::size_t>(col) + 1];
      row_idx.push_back(row);
    }
    for (std::size_t j = 0; j < static_cast<std::size_t>(n); ++j) col_ptr[j + 1] += col_ptr[j];
    auto sparse = std::make_unique<SparseSink>(sys, n, std::move(col_ptr), std::move(row_idx));
    matrix.reset(not_null(SUNSparseMatrix(length, length, sparse->nnz(), CSC_MAT, sunctx),
                          "SUNSparseMatrix"));
    sparse->prepare(matrix.get());  // KLU's symbolic analysis reads the pattern
    linear_solver.reset(not_null(SUNLinSol_KLU(y.get(), matrix.get(), sunctx), "SUNLinSol_KLU"));
    sink = std::move(sparse);
  }

  ida.reset(not_null(IDACreate(sunctx), "IDACreate"));
  check(IDASetErrHandlerFn(ida.get(), error_handler, this), "IDASetErrHandlerFn");
  check(IDASetUserData(ida.get(), this), "IDASetUserData");
  // Set before IDAInit so IDA allocates history only for the orders it may use.
  check(IDASetMaxOrd(ida.get(), opts.max_order), "IDASetMaxOrd");
  check(IDASetMaxNumSteps(ida.get(), opts.max_num_steps), "IDASetMaxNumSteps");
  check(IDASetMaxStep(ida.get(), opts.max_step), "IDASetMaxStep");
  check(IDASetInitStep(ida.get(), opts.initial_step), "IDASetInitStep");
}

// What IDA only accepts once IDAInit has allocated its memory.
void Integrator::Impl::configure() {
  if (atol && !atol_has_zero && !opts.ida_error_weights) {
    // IDA's own weights for vector tolerances take three or four passes over the state after every
    // step (|y|, rtol |y| + atol, 1/. and, with a zero atol, a check for zero); with every atol
    // positive, the same numbers come from one pass (1-2 % of a run).
    check(IDAWFtolerances(ida.get(), error_weights_cb), "IDAWFtolerances");
  } else if (atol) {
    check(IDASVtolerances(ida.get(), opts.rtol, atol.get()), "IDASVtolerances");
  } else {
    check(IDASStolerances(ida.get(), opts.rtol, opts.atol), "IDASStolerances");
  }
  check(IDASetLinearSolver(ida.get(), linear_solver.get(), matrix.get()), "IDASetLinearSolver",
        true);
  if (opts.use_analytic_jacobian) check(IDASetJacFn(ida.get(), jacobian_cb), "IDASetJacFn", true);
  if (opts.early_newton_restart) {
    // IDASetNonlinearSolver installs IDA's convergence test on the solver; the wrapper takes its
    // place and calls it.
    newton.reset(not_null(SUNNonlinSol_Newton(y.get(), ctx), "SUNNonlinSol_Newton"));
    check(IDASetNonlinearSolver(ida.get(), newton.get()), "IDASetNonlinearSolver");
    const auto* content = static_cast<const _SUNNonlinearSolverContent_Newton*>(newton->content);
    early_restart.ida_test = content->CTest;
    early_restart.ida_data = content->ctest_data;
    check(SUNNonlinSolSetConvTestFn(newton.get(), early_restart_test, &early_restart),
          "SUNNonlinSolSetConvTestFn");
  }
}

void Integrator::Impl::retire_counters() {
  if (!initialized) return;
  long v = 0;
  check(IDAGetNumSteps(ida.get(), &v), "IDAGetNumSteps");
  retired.steps += v;
  check(IDAGetNumLinSolvSetups(ida.get(), &v), "IDAGetNumLinSolvSetups");
  retired.linear_setups += v;
  check(IDAGetNumNonlinSolvIters(ida.get(), &v), "IDAGetNumNonlinSolvIters");
  retired.nonlinear_iters += v;
  check(IDAGetNumNonlinSolvConvFails(ida.get(), &v), "IDAGetNumNonlinSolvConvFails");
  retired.nonlinear_conv_fails += v;
  check(IDAGetNumErrTestFails(ida.get(), &v), "IDAGetNumErrTestFails");
  retired.error_test_fails += v;
}

void Integrator::Impl::apply_stop_time(double tout, bool one_step) {
  std::optional<double> stop = user_stop_time;
  if (one_step) {
    const bool forward = tout > t;
    stop = !stop ? tout : (forward ? std::min(*stop, tout) : std::max(*stop, tout));
  }
  if (stop) {
    check(IDASetStopTime(ida.get(), *stop), "IDASetStopTime");
    ida_stop_time_set = true;
  } else if (ida_stop_time_set) {
    // SUNDIALS 6.4 has no IDAClearStopTime, and IDAReInit keeps the old value (which may now lie
    // behind t and make IDASolve fail): push it out of reach instead.
    const double far = std::numeric_limits<double>::max();
    check(IDASetStopTime(ida.get(), tout > t ? far : -far), "IDASetStopTime");
    ida_stop_time_set = false;
  }
}

std::string Integrator::Impl::largest_local_error() {
  if (IDAGetErrWeights(ida.get(), scratch_a.get()) != IDA_SUCCESS) return {};
  if (IDAGetEstLocalErrors(ida.get(), scratch_b.get()) != IDA_SUCCESS) return {};
  const double* w = data(scratch_a);
  const double* e = data(scratch_b);
  // only the components IDA's error test covers (its id vector masks the norm)
  const double* mask = opts.algebraic_error_test == AlgebraicErrorTest::all
                           ? nullptr
                           : data(error_mask_installed ? error_mask : id);
  int worst = -1;
  double worst_value = 0;
  for (int i = 0; i < n; ++i) {
    const double v = std::abs(e[i] * w[i]) * (mask ? mask[i] : 1.0);
    if (std::isnan(v)) {
      worst = i;
      worst_value = v;
      break;
    }
    if (v > worst_value) {
      worst = i;
      worst_value = v;
    }
  }
  if (worst < 0) return {};
  return fmt::format("; largest weighted local error {:.3g} in {} (index {}, value {:.9g})",
                     worst_value, safe_describe(sys, worst), worst, data(y)[worst]);
}

// After a failed IDACalcIC: which equation is furthest from satisfied at the starting point.
std::string Integrator::Impl::largest_initial_residual() {
  try {
    sys.residual(t, data(y), data(yp), data(scratch_a));
  } catch (...) {
    return {};
  }
  const double* r = data(scratch_a);
  int worst = -1;
  double worst_value = 0;
  for (int i = 0; i < n; ++i) {
    const double v = std::abs(r[i]);
    if (std::isnan(v) || v > worst_value) {
      worst = i;
      worst_value = v;
      if (std::isnan(v)) break;
    }
  }
  if (worst < 0) return {};
  return fmt::format(
      "; largest residual at the starting point: |F| = {:.3g} in the equation of {} "
      "(index {})",
      worst_value, safe_describe(sys, worst), worst);
}

std::string Integrator::Impl::failure_message(const char* function, int flag,
                                              bool linear_solver_flag) {
  double t_now = t;
  double h = 0;
  if (initialized) {
    // Best effort: these only fail on a NULL memory block, which the constructor rules out.
    (void)IDAGetCurrentTime(ida.get(), &t_now);
    (void)IDAGetCurrentStep(ida.get(), &h);
  }
  std::string msg = fmt::format("{} failed with {} at t = {:.9g} (step size {:.3g})", function,
                                flag_name(flag, linear_solver_flag), t_now, h);
  if (!callback_error.empty()) msg += "; " + callback_error;
  if (!ida_message.empty()) msg += "; " + ida_message;
  if (!recoverable_error.empty()) msg += "; last recoverable error: " + recoverable_error;
  if (band_solver.singular_column >= 0) {
    const int k = band_solver.singular_column;
    msg += fmt::format("; the Newton matrix was singular (no pivot in the column of {}, index {})",
                       safe_describe(sys, k), k);
  }
  if (!linear_solver_flag && (flag == IDA_ERR_FAIL || flag == IDA_CONV_FAIL ||
                              flag == IDA_TOO_MUCH_WORK || flag == IDA_REP_RES_ERR)) {
    msg += largest_local_error();
  }
  return msg;
}

Integrator::Integrator(DaeSystem& sys, IntegratorOptions opts)
    : impl_(std::make_unique<Impl>(sys, std::move(opts))) {}
Integrator::~Integrator() = default;
Integrator::Integrator(Integrator&&) noexcept = default;
Integrator& Integrator::operator=(Integrator&&) noexcept = default;

void Integrator::reset(double t0, const double* y0, const double* yp0) {
  Impl& s = *impl_;
  s.begin_call();
  s.retire_counters();
  // Restarting from y()/yp() themselves is allowed (a copy onto itself is not).
  if (y0 != s.data(s.y)) std::copy(y0, y0 + s.n, s.data(s.y));
  if (yp0 != s.data(s.yp)) std::copy(yp0, yp0 + s.n, s.data(s.yp));
  s.t = t0;
  s.has_state = false;
  if (!s.initialized) {
    s.check(IDAInit(s.ida.get(), Impl::residual_cb, t0, s.y.get(), s.yp.get()), "IDAInit");
    s.initialized = true;
  } else {
    s.check(IDAReInit(s.ida.get(), t0, s.y.get(), s.yp.get()), "IDAReInit");
  }
  if (!s.configured) {
    s.configure();
    s.configured = true;
  }
  s.sys.differential_ids(s.data(s.id));
  s.check(IDASetId(s.ida.get(), s.id.get()), "IDASetId");
  s.error_mask_installed = false;
  N_VScale(1.0, s.id.get(), s.error_mask.get());
  for (const int i : s.sys.error_tested_algebraic()) {
    if (i < 0 || i >= s.n) {
      throw SolverError(fmt::format("error_tested_algebraic() names component {} of {}", i, s.n));
    }
    s.data(s.error_mask)[i] = 1.0;
  }
  s.check(IDASetSuppressAlg(s.ida.get(), s.opts.algebraic_error_test != AlgebraicErrorTest::all ? SUNTRUE
                                                                                                 : SUNFALSE),
          "IDASetSuppressAlg");
  s.num_roots = s.sys.num_roots();
  if (s.num_roots < 0) throw SolverError(fmt::format("num_roots() is {}", s.num_roots));
  s.root_info.assign(static_cast<std::size_t>(s.num_roots), 0);
  s.check(IDARootInit(s.ida.get(), s.num_roots, Impl::roots_cb), "IDARootInit");
  s.has_state = true;
}

void Integrator::calc_ic(double tout1) {
  Impl& s = *impl_;
  s.require_state("calc_ic");
  s.begin_call();
  if (tout1 == s.t) throw SolverError(fmt::format("calc_ic: tout1 must differ from t0 = {}", s.t));
  s.install_error_mask(false);
  const int flag = IDACalcIC(s.ida.get(), IDA_YA_YDP_INIT, tout1);
  if (flag < 0) {
    throw SolverError(s.failure_message("IDACalcIC", flag) + s.largest_initial_residual());
  }
  s.check(IDAGetConsistentIC(s.ida.get(), s.y.get(), s.yp.get()), "IDAGetConsistentIC");
}

StepOutcome Integrator::advance(double tout, bool one_step) {
  Impl& s = *impl_;
  s.require_state("advance");
  s.begin_call();
  StepOutcome out;
  out.t = s.t;
  if (tout == s.t) return out;  // IDA rejects a zero-length first interval; nothing to do anyway
  s.apply_stop_time(tout, one_step);
  s.install_error_mask(s.opts.algebraic_error_test == AlgebraicErrorTest::selected);
  sunrealtype t_ret = s.t;
  const int flag = IDASolve(s.ida.get(), tout, &t_ret, s.y.get(), s.yp.get(),
                            one_step ? IDA_ONE_STEP : IDA_NORMAL);
  s.t = t_ret;  // on failure IDA returns the last successful step, which y() then holds
  if (flag < 0) throw SolverError(s.failure_message("IDASolve", flag));
  out.t = t_ret;
  if (flag == IDA_ROOT_RETURN) {
    s.check(IDAGetRootInfo(s.ida.get(), s.root_info.data()), "IDAGetRootInfo");
    out.status = StepStatus::root_found;
    for (int k = 0; k < s.num_roots; ++k) {
      const int direction = s.root_info[static_cast<std::size_t>(k)];
      if (direction != 0) {
        out.roots_fired.push_back(k);
        out.root_directions.push_back(direction);
      }
    }
    ++s.roots_found;
  }
  return out;
}

double Integrator::t() const {
  return impl_->t;
}
const double* Integrator::y() const {
  return impl_->data(impl_->y);
}
const double* Integrator::yp() const {
  return impl_->data(impl_->yp);
}

IntegratorStats Integrator::stats() const {
  Impl& s = *impl_;
  IntegratorStats out = s.retired;
  if (s.initialized) {
    long v = 0;
    s.check(IDAGetNumSteps(s.ida.get(), &v), "IDAGetNumSteps");
    out.steps += v;
    s.check(IDAGetNumLinSolvSetups(s.ida.get(), &v), "IDAGetNumLinSolvSetups");
    out.linear_setups += v;
    s.check(IDAGetNumNonlinSolvIters(s.ida.get(), &v), "IDAGetNumNonlinSolvIters");
    out.nonlinear_iters += v;
    s.check(IDAGetNumNonlinSolvConvFails(s.ida.get(), &v), "IDAGetNumNonlinSolvConvFails");
    out.nonlinear_conv_fails += v;
    s.check(IDAGetNumErrTestFails(s.ida.get(), &v), "IDAGetNumErrTestFails");
    out.error_test_fails += v;
    s.check(IDAGetLastStep(s.ida.get(), &out.last_step), "IDAGetLastStep");
    s.check(IDAGetLastOrder(s.ida.get(), &out.last_order), "IDAGetLastOrder");
  }
  out.residual_evals = s.residual_evals;
  out.early_newton_restarts = s.early_restart.restarts;
  // IDA evaluates a difference-quotient Jacobian at every linear setup.
  out.jacobian_evals = s.opts.use_analytic_jacobian ? s.jacobian_evals : out.linear_setups;
  out.roots_found = s.roots_found;
  return out;
}

void Integrator::set_max_step(double max_step) {
  Impl& s = *impl_;
  s.begin_call();
  s.check(IDASetMaxStep(s.ida.get(), max_step), "IDASetMaxStep");
  s.opts.max_step = max_step;
}

void Integrator::set_algebraic_error_test(AlgebraicErrorTest test) {
  Impl& s = *impl_;
  s.begin_call();
  s.opts.algebraic_error_test = test;
  if (s.initialized) {
    s.check(IDASetSuppressAlg(s.ida.get(), test != AlgebraicErrorTest::all ? SUNTRUE : SUNFALSE),
            "IDASetSuppressAlg");
    if (test != AlgebraicErrorTest::selected) s.install_error_mask(false);
  }
}

AlgebraicErrorTest Integrator::algebraic_error_test() const { return impl_->opts.algebraic_error_test; }

void Integrator::set_stop_time(double t_stop) {
  impl_->user_stop_time = t_stop;
}

void Integrator::clear_stop_time() {
  impl_->user_stop_time.reset();
}

}  // namespace cascade::solver
