#pragma once
// The Newton matrix with its pendant trees eliminated first, then a BandLU for the rest.
//
// In the graph of a sparsity pattern (an edge for every off-diagonal non-zero, either way round),
// an unknown with at most one neighbour is a leaf: eliminating it first changes only its
// neighbour's diagonal, with no fill. Peeling leaves until none is left removes every tree that
// hangs off the rest of the graph (in a cell model, the particle shells of each node, ending at the
// node's reaction current; and the states that only integrate others, such as charge passed). What
// stays, the core, keeps its original order and goes to a BandLU of its own, whose band and
// profile no longer hold the trees: in the reference cell (n = 329, bandwidths 16) the core is 129
// unknowns with bandwidths 6, and a factorisation or solve costs a fraction of the full one's.
//
// Then, of what is left, unknowns with at most kMaxHubDegree neighbours, no two of them
// neighbours, are eliminated too (hubs: in a cell model, the reaction current of each particle
// size at a node, tied to the node's two potentials and salt): each updates the entries between
// its neighbours, which must lie inside the band the core has anyway, so the core shrinks without
// widening (in the reference cell from 129 unknowns with bandwidths 6 and 7 to 105 with 5; in the
// glass LFP cell with three particle sizes from 74 with bandwidths 10 to 55 with 7).
//
// The leaves are eliminated without row interchanges. Each leaf's pivot must pass the test of
// partial pivoting against its one off-diagonal entry in its column (|pivot| >= |entry|), as the
// band LU would choose it too; a hub's, a threshold test against the largest entry of its column
// (|pivot| >= kHubThreshold |entry|, as threshold partial pivoting in sparse LU codes: the
// factorisation serves a Newton iteration, whose converged answer the residual fixes); if any fails, this factorisation falls back to a BandLU of the whole
// matrix in the original order, with partial pivoting. A zero pivot in the core is reported by its
// original column. Entries outside the pattern are refused (add() returns false), since a tree's
// elimination is only right if its unknowns have no other entries.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "solver/band_lu.hpp"
#include "solver/dae.hpp"

namespace cascade::solver {

class CondensedLU {
 public:
  static constexpr int kMaxHubDegree = 4;
  static constexpr double kHubThreshold = 0.01;
  // n unknowns, the whole matrix's bandwidths (for the fallback), and the non-zero pattern
  // (row, col), duplicates allowed. Throws std::invalid_argument on an entry outside n x n.
  CondensedLU(int n, int ml, int mu, const std::vector<std::pair<int, int>>& pattern);

  int size() const { return n_; }
  int leaves() const { return static_cast<int>(order_.size()); }
  int hubs() const { return static_cast<int>(hubs_.size()); }
  int core_size() const { return static_cast<int>(core_to_orig_.size()); }

  // Back to the zero matrix: an assembly starts.
  void zero();
  // A(row, col) += value; false (and nothing added) if the entry is outside the structure: an
  // off-diagonal entry of a leaf other than with its neighbour, or a core entry outside the core's
  // band. The caller checks 0 <= row, col < size().
  //
  // A model adds its entries in the same order at every assembly, so the assembly from one zero()
  // to its factor() is recorded (each add's (row, col) and where its value went), and the next ones
  // replay it: an add whose (row, col) is the next recorded one goes straight to its place. At the
  // first one that differs, the rest of that assembly takes the ordinary way and the one after is
  // recorded afresh. Either way each value lands where the ordinary way would put it.
  bool add(int row, int col, double value) {
    return replay(row, col, value) || add_unrecorded(row, col, value);
  }
  // The replaying part of add(): true if (row, col) was the next recorded add and value went to
  // its place, which needs no check of row and col; false if the caller is to add() as usual.
  bool replay(int row, int col, double value) {
    if (replay_ == Replay::replaying) {
      if (next_ < keys_.size() && keys_[next_] == key(row, col)) {
        *places_[next_++] += value;
        return true;
      }
      replay_ = Replay::off;
    }
    return false;
  }

  // Returns 0, or c + 1 for a zero pivot in (original) column c.
  int factor();
  void solve(double* b) const;

  // Whether the last factor() fell back to the whole-matrix BandLU (for tests).
  bool fell_back() const { return use_full_; }
  // Whether the adds of the assembly under way are replaying a recorded one (for tests).
  bool replaying() const { return replay_ == Replay::replaying; }
  // For a sink that replays the recording itself (JacobianSink::start_replay): from zero() until
  // the first add() of an assembly that replays, the recording (keys as JacobianSink::replay_key,
  // the places their values go); and, when the sink hands over after taking the first `count`
  // adds, resume_replay_at(count), so that add() goes on from there.
  const std::uint64_t* recorded_keys() const { return keys_.data(); }
  double* const* recorded_places() const { return places_.data(); }
  std::size_t recorded_count() const { return keys_.size(); }
  void resume_replay_at(std::size_t count) { next_ = count; }
  int core_lower_bandwidth() const { return core_ ? core_->lower_bandwidth() : 0; }
  int core_upper_bandwidth() const { return core_ ? core_->upper_bandwidth() : 0; }

 private:
  // The same key as a sink's replay (JacobianSink::start_replay), which may take over the replay.
  static std::uint64_t key(int row, int col) { return JacobianSink::replay_key(row, col); }
  // The ordinary way, out of line so that the replayed add stays small.
  bool add_unrecorded(int row, int col, double value);
  double* leaf_place(int row, int col, int cr, int cc);
  int factor_full();

  struct Leaf {
    int v;             // the unknown
    int u;             // its neighbour when eliminated (-1: none)
    int u_core;        // the neighbour's core index (-1: none, or itself a leaf)
    double l = 0;      // A(u, v) / pivot
    double up = 0;     // A(v, u)
    double inv = 0;    // 1 / pivot
  };

  // An unknown eliminated after the leaves, with a few core neighbours (a hub): eliminating it
  // updates the core entries between its neighbours, all inside the core's band.
  struct Hub {
    int v;
    int first, count;  // its neighbours: nb_core_[first .. first + count), likewise hub_row_, hub_col_
    double inv = 0;    // 1 / pivot
  };

  int n_, ml_, mu_;
  std::vector<Hub> hubs_;
  std::vector<int> hub_of_;        // per unknown: its index in hubs_, or -1
  std::vector<int> nb_orig_, nb_core_;   // the hubs' neighbours, original and core indices
  std::vector<double> hub_row_, hub_col_;  // A(hub, neighbour), A(neighbour, hub)
  std::vector<int> core_of_;       // per unknown: its core index, -1 for a leaf or a hub
  std::vector<int> parent_;        // per unknown: a leaf's neighbour (-1 if none or core)
  std::vector<int> core_to_orig_;  // per core index: the unknown
  std::vector<Leaf> order_;        // leaves in elimination order
  std::vector<double> d_, up_, down_;  // per unknown (leaves): A(v, v), A(v, u), A(u, v)
  std::vector<double> pivot_;          // per unknown (leaves): the diagonal as eliminated so far
  std::optional<BandLU> core_;
  std::optional<BandLU> full_;         // the fallback, built on first use
  bool use_full_ = false;
  mutable std::vector<double> core_rhs_;

  // The recorded assembly. none: nothing recorded (before the first zero(), or after an assembly
  // that left the recording); recording: from a zero() to the next factor(); replaying: adds
  // follow the recording; off: this assembly left it.
  enum class Replay { none, recording, replaying, off } replay_ = Replay::none;
  std::vector<std::uint64_t> keys_;  // (row, col) of each recorded add
  std::vector<double*> places_;      // where its value went (d_, up_, down_ or the core's storage)
  std::size_t next_ = 0;             // the next recorded add to expect
  std::vector<int> core_first_, core_last_;  // the core's columns in use after the recording
};

}  // namespace cascade::solver
