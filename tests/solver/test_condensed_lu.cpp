// CondensedLU against Eigen's dense LU on matrices shaped like a cell model's: a banded core with
// chains hanging off it (particle shells) and pendant unknowns; plus the fallback to pivoting,
// refused entries, singular matrices, storage reused across assemblies, and the replay of a
// recorded assembly.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "solver/condensed_lu.hpp"

using cascade::solver::CondensedLU;

namespace {

// `nodes` blocks of [a, b, c_0 .. c_{chain-1}]: a and b couple within and to the next block's a
// and b; the chain c is tridiagonal and hangs off b (c_{chain-1} <-> b). The last unknown only
// integrates a of block 0 (a pendant unknown).
struct Shape {
  int nodes, chain;
  int block() const { return 2 + chain; }
  int size() const { return nodes * block() + 1; }
  std::vector<std::pair<int, int>> pattern() const {
    std::vector<std::pair<int, int>> p;
    const int m = block();
    for (int k = 0; k < nodes; ++k) {
      const int a = k * m, b = a + 1;
      for (const int i : {a, b}) {
        for (const int j : {a, b}) p.emplace_back(i, j);
        if (k + 1 < nodes) {
          p.emplace_back(i, a + m);
          p.emplace_back(i, b + m);
          p.emplace_back(a + m, i);
          p.emplace_back(b + m, i);
        }
      }
      for (int s = 0; s < chain; ++s) {
        const int c = b + 1 + s;
        p.emplace_back(c, c);
        if (s > 0) {
          p.emplace_back(c, c - 1);
          p.emplace_back(c - 1, c);
        }
      }
      p.emplace_back(b + chain, b);
      p.emplace_back(b, b + chain);
    }
    const int last = size() - 1;
    p.emplace_back(last, last);
    p.emplace_back(last, 0);
    return p;
  }
  int bandwidth() const { return size() - 1; }
};

// Random values on the pattern, the chains' diagonals dominant unless `weak_chain`.
Eigen::MatrixXd assemble(CondensedLU& lu, const Shape& shape, std::mt19937& rng, bool weak_chain) {
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  const int n = shape.size();
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  lu.zero();
  for (const auto& [i, j] : shape.pattern()) {
    double v = value(rng);
    const bool chain = (i % shape.block()) >= 2 && i != n - 1;
    if (i == j && (chain || i == n - 1)) v = weak_chain && chain ? 1e-3 : 4.0 + v;
    // the core's diagonal dominant too: an end block's a and b go as hubs, whose pivots are tested
    if (i == j && !chain && i != n - 1) v = 4.0 + v;
    dense(i, j) += v;
    REQUIRE(lu.add(i, j, v));
  }
  return dense;
}

void check_solves(const CondensedLU& lu, const Eigen::MatrixXd& dense, std::mt19937& rng) {
  const int n = static_cast<int>(dense.rows());
  const Eigen::PartialPivLU<Eigen::MatrixXd> reference(dense);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  for (int rhs = 0; rhs < 3; ++rhs) {
    Eigen::VectorXd b(n);
    for (int i = 0; i < n; ++i) b(i) = value(rng);
    const Eigen::VectorXd expected = reference.solve(b);
    std::vector<double> x(b.data(), b.data() + n);
    lu.solve(x.data());
    const Eigen::Map<const Eigen::VectorXd> got(x.data(), n);
    const double residual = (dense * got - b).cwiseAbs().maxCoeff();
    CHECK(residual <= 1e-12 * (dense.cwiseAbs().rowwise().sum().maxCoeff() * got.cwiseAbs().maxCoeff() + 1.0));
    CHECK((got - expected).cwiseAbs().maxCoeff() <= 1e-9 * (expected.cwiseAbs().maxCoeff() + 1.0));
  }
}

}  // namespace

TEST_CASE("CondensedLU peels the chains and pendant unknowns and keeps the banded core") {
  const Shape shape{6, 5};
  const CondensedLU lu(shape.size(), shape.bandwidth(), shape.bandwidth(), shape.pattern());
  CHECK(lu.leaves() == 6 * 5 + 1);
  // the end blocks' a and b have three neighbours: some go as hubs
  CHECK(lu.hubs() > 0);
  CHECK(lu.core_size() + lu.hubs() == 6 * 2);
}

namespace {
// A cell-like pattern: `nodes` blocks of [p, q, r_0 .. r_{K-1}], p and q coupled within and to
// the next block's; each r_k couples to p and q of its block (and they to it), like the reaction
// currents of K particle sizes at a node.
std::vector<std::pair<int, int>> hub_pattern(int nodes, int K) {
  std::vector<std::pair<int, int>> pat;
  const int m = 2 + K;
  for (int j = 0; j < nodes; ++j) {
    const int p = j * m, q = p + 1;
    for (const int a : {p, q}) {
      for (const int b : {p, q}) pat.emplace_back(a, b);
      if (j + 1 < nodes) {
        for (const int b : {p + m, q + m}) {
          pat.emplace_back(a, b);
          pat.emplace_back(b, a);
        }
      }
    }
    for (int k = 0; k < K; ++k) {
      const int r = q + 1 + k;
      pat.emplace_back(r, r);
      for (const int a : {p, q}) {
        pat.emplace_back(r, a);
        pat.emplace_back(a, r);
      }
    }
  }
  return pat;
}

Eigen::MatrixXd assemble_hubs(CondensedLU& lu, const std::vector<std::pair<int, int>>& pat, int n, std::mt19937& rng,
                              double hub_diagonal) {
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  lu.zero();
  for (const auto& [i, j] : pat) {
    double v = value(rng);
    if (i == j) v = 6.0 + v;  // (every row has at most 6 other entries of size below 1)
    if (i == j && hub_diagonal > 0 && i % 5 >= 2) v = hub_diagonal;  // the reaction unknowns (K = 3)
    dense(i, j) += v;
    REQUIRE(lu.add(i, j, v));
  }
  return dense;
}
}  // namespace

TEST_CASE("CondensedLU eliminates unknowns with few neighbours (hubs) before the core, inside its band") {
  const int nodes = 6, K = 3, n = nodes * (2 + K);
  const auto pat = hub_pattern(nodes, K);
  CondensedLU lu(n, n - 1, n - 1, pat);
  // every reaction unknown goes as a hub, the core keeps the two per block with its band of 3
  CHECK(lu.hubs() == nodes * K);
  CHECK(lu.core_size() == nodes * 2);
  CHECK(lu.core_lower_bandwidth() <= 3);
  CHECK(lu.core_upper_bandwidth() <= 3);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 10; ++trial) {
    const Eigen::MatrixXd dense = assemble_hubs(lu, pat, n, rng, 0.0);  // as drawn
    REQUIRE(lu.factor() == 0);
    CHECK_FALSE(lu.fell_back());
    check_solves(lu, dense, rng);
  }
  // a hub whose pivot is under 1 % of its column's largest entry: the whole-matrix fallback
  const Eigen::MatrixXd weak = assemble_hubs(lu, pat, n, rng, 1e-4);
  REQUIRE(lu.factor() == 0);
  CHECK(lu.fell_back());
  check_solves(lu, weak, rng);
}

TEST_CASE("CondensedLU solves like a dense LU, reused across assemblies") {
  const Shape shape{8, 6};
  CondensedLU lu(shape.size(), shape.bandwidth(), shape.bandwidth(), shape.pattern());
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const Eigen::MatrixXd dense = assemble(lu, shape, rng, false);
    REQUIRE(lu.factor() == 0);
    CHECK_FALSE(lu.fell_back());
    check_solves(lu, dense, rng);
  }
}

TEST_CASE("CondensedLU falls back to partial pivoting when a leaf's pivot is small") {
  const Shape shape{5, 4};
  CondensedLU lu(shape.size(), shape.bandwidth(), shape.bandwidth(), shape.pattern());
  std::mt19937 rng(11);
  const Eigen::MatrixXd weak = assemble(lu, shape, rng, true);
  REQUIRE(lu.factor() == 0);
  CHECK(lu.fell_back());
  check_solves(lu, weak, rng);
  // and back to the condensed path with the next, well-behaved assembly
  const Eigen::MatrixXd strong = assemble(lu, shape, rng, false);
  REQUIRE(lu.factor() == 0);
  CHECK_FALSE(lu.fell_back());
  check_solves(lu, strong, rng);
}

TEST_CASE("CondensedLU refuses entries outside its pattern") {
  const Shape shape{3, 3};
  CondensedLU lu(shape.size(), shape.bandwidth(), shape.bandwidth(), shape.pattern());
  CHECK_FALSE(lu.add(2, 4, 1.0));  // two unknowns of one chain that are not neighbours
  CHECK_FALSE(lu.add(3, 0, 1.0));  // a chain unknown and a core unknown it does not touch
  CHECK(lu.add(2, 3, 1.0));
  CHECK(lu.add(0, 5, 1.0));        // core entries inside the core's band are taken
}

TEST_CASE("CondensedLU reports a zero pivot by its original column") {
  // 0: a core pair (0, 1) with a singular block; 2: a leaf off 1.
  const std::vector<std::pair<int, int>> pattern{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 2}, {2, 1}, {1, 2},
                                                 {3, 3}, {3, 0}, {0, 3}, {3, 1}, {1, 3}};
  CondensedLU lu(4, 3, 3, pattern);
  REQUIRE(lu.leaves() == 1);
  lu.zero();
  for (const auto& [i, j] : std::vector<std::pair<int, int>>{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {3, 3}, {0, 3},
                                                            {3, 0}, {1, 3}, {3, 1}}) {
    REQUIRE(lu.add(i, j, 1.0));
  }
  REQUIRE(lu.add(2, 2, 1.0));
  CHECK(lu.factor() == 2);  // original column 1, one-based, after the leaf and the hub are eliminated
}

// The entries of `pattern` in the given order, random values (diagonals dominant); the dense copy.
Eigen::MatrixXd assemble_in_order(CondensedLU& lu, const std::vector<std::pair<int, int>>& entries,
                                  std::mt19937& rng) {
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  const int n = lu.size();
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  lu.zero();
  for (const auto& [i, j] : entries) {
    const double v = i == j ? 8.0 + value(rng) : value(rng);
    dense(i, j) += v;
    REQUIRE(lu.add(i, j, v));
  }
  return dense;
}

TEST_CASE("CondensedLU replays a recorded assembly, and leaves it when the order of adds changes") {
  const Shape shape{6, 4};
  const auto pattern = shape.pattern();
  CondensedLU lu(shape.size(), shape.bandwidth(), shape.bandwidth(), pattern);
  std::mt19937 rng(3);
  const auto assemble_and_check = [&](const std::vector<std::pair<int, int>>& entries,
                                      bool replayed) {
    const Eigen::MatrixXd dense = assemble_in_order(lu, entries, rng);
    CHECK(lu.replaying() == replayed);
    REQUIRE(lu.factor() == 0);
    CHECK_FALSE(lu.fell_back());
    check_solves(lu, dense, rng);
  };
  assemble_and_check(pattern, false);  // recorded
  assemble_and_check(pattern, true);
  assemble_and_check(pattern, true);

  SUBCASE("another order: left at the first difference, then recorded afresh") {
    auto shuffled = pattern;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    assemble_and_check(shuffled, false);
    assemble_and_check(shuffled, false);  // recorded
    assemble_and_check(shuffled, true);
    assemble_and_check(pattern, false);
  }
  SUBCASE("an entry more at the end, or one fewer in the middle") {
    auto longer = pattern;
    longer.push_back(pattern.front());
    assemble_and_check(longer, false);
    auto shorter = pattern;
    shorter.erase(shorter.begin() + static_cast<std::ptrdiff_t>(shorter.size() / 2));
    assemble_and_check(shorter, false);
  }
  SUBCASE("fewer entries at the end: replayed, the rest of the matrix zero") {
    auto prefix = pattern;
    // Drop the last entries, as long as every diagonal stays.
    while (prefix.back().first != prefix.back().second) prefix.pop_back();
    assemble_and_check(prefix, true);
    assemble_and_check(pattern, true);
  }
  SUBCASE("entries outside the pattern are refused while replaying too") {
    lu.zero();
    CHECK(lu.replaying());
    CHECK_FALSE(lu.add(2, 4, 1.0));  // two unknowns of one chain that are not neighbours
    CHECK_FALSE(lu.replaying());
  }
}
