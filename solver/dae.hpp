#pragma once
// The interface between a model and the integrator: an implicit, index-1 DAE F(t, y, y') = 0.
// Nothing here knows about SUNDIALS, so models can be written and tested without it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cascade::solver {

// Receives Jacobian entries dF_i/dy_j + cj dF_i/dy'_j into a matrix zeroed before each evaluation.
// The integrator implements it over its band LU, a SUNDIALS band matrix or a CSC sparse matrix; an
// entry outside the declared band or sparsity pattern throws SolverError (it would otherwise be
// dropped silently).
class JacobianSink {
 public:
  virtual ~JacobianSink() = default;
  // Accumulates (+=), so sub-models sharing a row may each add their part.
  void add(int row, int col, double value) {
    if (replay_key_ != replay_end_ && *replay_key_ == replay_key(row, col)) {
      ++replay_key_;
      **replay_place_++ += value;
      return;
    }
    add_entry(row, col, value);
  }
  static std::uint64_t replay_key(int row, int col) {
    return (std::uint64_t{static_cast<std::uint32_t>(row)} << 32) | static_cast<std::uint32_t>(col);
  }

 protected:
  // What add() does with an entry that no replay (below) takes.
  virtual void add_entry(int row, int col, double value) = 0;

  // A model adds its entries in the same order at every evaluation. A sink that has recorded that
  // order, each entry's replay_key and where its value goes (solver/condensed_lu.hpp), hands the
  // recording over before an evaluation: while the entries follow it, add() puts each value in
  // its place itself, inline in the model's code, without a call (a Jacobian has ~1000-2000
  // entries). The first entry that differs, and any after the recording's end, goes to
  // add_entry(), which then calls stop_replay() (replayed() says how far it got).
  void start_replay(const std::uint64_t* keys, double* const* places, std::size_t count) {
    replay_begin_ = replay_key_ = keys;
    replay_end_ = keys + count;
    replay_place_ = places;
  }
  void stop_replay() { replay_begin_ = replay_key_ = replay_end_ = nullptr; }
  bool replay_active() const { return replay_begin_ != nullptr; }
  std::size_t replayed() const { return static_cast<std::size_t>(replay_key_ - replay_begin_); }

 private:
  const std::uint64_t* replay_begin_ = nullptr;
  const std::uint64_t* replay_key_ = nullptr;
  const std::uint64_t* replay_end_ = nullptr;
  double* const* replay_place_ = nullptr;
};

// An implicit DAE F(t, y, y') = 0 of index 1, written by a model.
class DaeSystem {
 public:
  virtual ~DaeSystem() = default;

  virtual int size() const = 0;
  virtual int lower_bandwidth() const = 0;  // max (row - col) over all non-zeros
  virtual int upper_bandwidth() const = 0;  // max (col - row) over all non-zeros

  // Fills IDA's id vector: 1.0 for differential, 0.0 for algebraic components. Queried at every
  // Integrator::reset, since a change of control mode may change it.
  virtual void differential_ids(double* id) const = 0;

  // Algebraic components that stay in IDA's local error test under AlgebraicErrorTest::selected
  // (solver/integrator.hpp). Queried at every Integrator::reset, with differential_ids.
  virtual std::vector<int> error_tested_algebraic() const { return {}; }

  // r = F(t, y, y'). May throw: RecoverableError makes IDA cut the step, anything else is fatal.
  // The arrays are SUNDIALS' own storage; do not keep the pointers.
  virtual void residual(double t, const double* y, const double* yp, double* r) = 0;

  // Adds dF/dy + cj dF/dy' through jac. May throw like residual.
  virtual void jacobian(double t, double cj, const double* y, const double* yp,
                        JacobianSink& jac) = 0;

  // Non-zero pattern (row, col); duplicates are allowed. Queried once, when the Integrator is
  // built: KLU's structure, and the band path's trees to eliminate first (solver/condensed_lu.hpp),
  // so a Jacobian entry outside it is an error there too. Default: every position inside the band.
  virtual std::vector<std::pair<int, int>> sparsity() const;

  // Event functions g_k(t, y, y'); a root is where one changes sign. num_roots() is queried at
  // every Integrator::reset, so the set of events may change per protocol step.
  virtual int num_roots() const { return 0; }
  virtual void roots(double t, const double* y, const double* yp, double* g) {
    (void)t;
    (void)y;
    (void)yp;
    (void)g;
  }

  // Names a component for messages, e.g. "c_s[r=9] at cathode node 4".
  virtual std::string describe(int index) const;
};

inline std::vector<std::pair<int, int>> DaeSystem::sparsity() const {
  const int n = size();
  const int ml = lower_bandwidth();
  const int mu = upper_bandwidth();
  std::vector<std::pair<int, int>> pattern;
  for (int col = 0; col < n; ++col) {
    const int first = col - mu < 0 ? 0 : col - mu;
    const int last = col + ml > n - 1 ? n - 1 : col + ml;
    for (int row = first; row <= last; ++row) pattern.emplace_back(row, col);
  }
  return pattern;
}

inline std::string DaeSystem::describe(int index) const {
  return "component " + std::to_string(index);
}

}  // namespace cascade::solver
