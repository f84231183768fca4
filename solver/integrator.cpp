// The only file that includes SUNDIALS (STYLE.md: one wrapper, no exception across a C callback).
#include "solver/integrator.hpp"

#include <fmt/format.h>
#include <ida/ida.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_band.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <sundials/sundials_context.hpp>
#include <type_traits>
#include <utility>

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

// A JacobianSink that is told which SUNDIALS matrix to fill before each evaluation.
class MatrixSink : public JacobianSink {
 public:
  virtual void prepare(SUNMatrix m) = 0;
};

// Band storage: column j keeps rows j-mu..j+ml around its diagonal (plus ml more above it for the
// LU fill-in, which SUNBandMatrix reserves).
class BandSink final : public MatrixSink {
 public:
  BandSink(const DaeSystem& sys, int n, int ml, int mu) : sys_(sys), n_(n), ml_(ml), mu_(mu) {}

  void prepare(SUNMatrix m) override {
    if (SUNMatZero(m) != 0) throw SolverError("SUNMatZero failed on the band Jacobian");
    if (m != bound_) {
      // The storage never moves, so the diagonal of each column is looked up once.
      diagonals_.resize(static_cast<std::size_t>(n_));
      for (int j = 0; j < n_; ++j)
        diagonals_[static_cast<std::size_t>(j)] = SUNBandMatrix_Column(m, j);
      bound_ = m;
    }
  }

  void add(int row, int col, double value) override {
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

  void add(int row, int col, double value) override {
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
  MatrixPtr matrix;
  LinearSolverPtr linear_solver;
  std::unique_ptr<MatrixSink> sink;
  IdaPtr ida;

  double t = 0;
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
  }

  void require_state(const char* what) const {
    if (!has_state) throw SolverError(fmt::format("Integrator::{} called before reset()", what));
  }

  void check(int flag, const char* function, bool linear_solver_flag = false) {
    if (flag < 0) throw SolverError(failure_message(function, flag, linear_solver_flag));
  }

  void configure();
  void retire_counters();
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
    throw SolverError("the difference-quotient Jacobian is only available with the band solver");
  }

  SUNContext sunctx = ctx;
  not_null(sunctx, "SUNContext_Create");
  const auto length = static_cast<sunindextype>(n);
  y.reset(not_null(N_VNew_Serial(length, sunctx), "N_VNew_Serial"));
  yp.reset(not_null(N_VClone(y.get()), "N_VClone"));
  id.reset(not_null(N_VClone(y.get()), "N_VClone"));
  scratch_a.reset(not_null(N_VClone(y.get()), "N_VClone"));
  scratch_b.reset(not_null(N_VClone(y.get()), "N_VClone"));
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
    }
  }

  if (opts.linear_solver == LinearSolver::band) {
    // SUNBandMatrix stores mu + ml upper diagonals, the room LU fill-in needs.
    matrix.reset(not_null(SUNBandMatrix(length, mu, ml, sunctx), "SUNBandMatrix"));
    linear_solver.reset(not_null(SUNLinSol_Band(y.get(), matrix.get(), sunctx), "SUNLinSol_Band"));
    sink = std::make_unique<BandSink>(sys, n, ml, mu);
  } else {
    std::vector<std::pair<int, int>> pattern = sys.sparsity();
    for (const auto& [row, col] : pattern) {
      if (row < 0 || row >= n || col < 0 || col >= n) {
        throw SolverError(fmt::format(
            "sparsity() lists entry (row {}, col {}) outside the {} x {} system", row, col, n, n));
      }
    }
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
  if (atol) {
    check(IDASVtolerances(ida.get(), opts.rtol, atol.get()), "IDASVtolerances");
  } else {
    check(IDASStolerances(ida.get(), opts.rtol, opts.atol), "IDASStolerances");
  }
  check(IDASetLinearSolver(ida.get(), linear_solver.get(), matrix.get()), "IDASetLinearSolver",
        true);
  if (opts.use_analytic_jacobian) check(IDASetJacFn(ida.get(), jacobian_cb), "IDASetJacFn", true);
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
  int worst = -1;
  double worst_value = 0;
  for (int i = 0; i < n; ++i) {
    const double v = std::abs(e[i] * w[i]);
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

void Integrator::set_stop_time(double t_stop) {
  impl_->user_stop_time = t_stop;
}

void Integrator::clear_stop_time() {
  impl_->user_stop_time.reset();
}

}  // namespace cascade::solver
