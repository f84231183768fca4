// BandLU against Eigen's dense LU with partial pivoting on random banded matrices, plus the cases
// the integrator relies on: zero diagonals that need interchanges, singular matrices reported by
// column, and storage reused across many assemblies.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "solver/band_lu.hpp"

using cascade::solver::BandLU;

namespace {

struct Shape {
  int n, ml, mu;
};

// Fills lu (already zeroed) and a dense copy with a random matrix inside the band: each in-band
// entry is non-zero with probability density. With probability zero_diagonal a diagonal entry is
// left out; then the 2 x 2 block it starts gets both off-diagonal entries, so the matrix stays
// (structurally) regular but the factorisation must interchange rows there.
Eigen::MatrixXd assemble_random(BandLU& lu, std::mt19937& rng, double density,
                                double zero_diagonal) {
  const int n = lu.size();
  const int ml = lu.lower_bandwidth();
  const int mu = lu.upper_bandwidth();
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::vector<char> keep(static_cast<std::size_t>(n), 0);  // entries forced to be non-zero
  std::vector<char> no_diagonal(static_cast<std::size_t>(n), 0);
  if (ml >= 1 && mu >= 1) {
    for (int i = 0; i + 1 < n; ++i) {
      if (coin(rng) < zero_diagonal) {
        no_diagonal[static_cast<std::size_t>(i)] = 1;
        keep[static_cast<std::size_t>(i)] = 1;
        ++i;  // row i + 1 keeps its diagonal
      }
    }
  }
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    for (int j = std::max(0, i - ml); j <= std::min(n - 1, i + mu); ++j) {
      const bool forced = (j == i + 1 && keep[static_cast<std::size_t>(i)]) ||
                          (j == i - 1 && keep[static_cast<std::size_t>(j)]);
      if (j == i && no_diagonal[static_cast<std::size_t>(i)]) continue;
      if (j != i && !forced && coin(rng) >= density) continue;
      double v = value(rng);
      if (v == 0.0) v = 0.5;
      dense(i, j) += v;
      lu.add(i, j, v);
    }
  }
  return dense;
}

// Solves with both and compares; the tolerance follows the conditioning. False when the matrix
// was too ill-conditioned to compare solutions (rare; callers count the compared ones).
bool check_against_dense(BandLU& lu, const Eigen::MatrixXd& dense, std::mt19937& rng) {
  const int n = lu.size();
  const Eigen::PartialPivLU<Eigen::MatrixXd> reference(dense);
  const double rcond = reference.rcond();
  if (!(rcond > 1e-10)) return false;
  REQUIRE(lu.factor() == 0);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  for (int rhs = 0; rhs < 3; ++rhs) {
    Eigen::VectorXd b(n);
    for (int i = 0; i < n; ++i) b(i) = value(rng);
    const Eigen::VectorXd expected = reference.solve(b);
    std::vector<double> x(b.data(), b.data() + n);
    lu.solve(x.data());
    const Eigen::Map<const Eigen::VectorXd> got(x.data(), n);
    const double scale = expected.cwiseAbs().maxCoeff();
    CHECK((got - expected).cwiseAbs().maxCoeff() <= 1e-13 / rcond * scale);
    // Backward error: the residual is at rounding level whatever the conditioning.
    const double residual = (dense * got - b).cwiseAbs().maxCoeff();
    CHECK(residual <=
          1e-13 * (dense.cwiseAbs().rowwise().sum().maxCoeff() * got.cwiseAbs().maxCoeff() + 1.0));
  }
  return true;
}

}  // namespace

TEST_CASE("BandLU matches a dense LU on random banded matrices") {
  std::mt19937 rng(20240611);
  int compared = 0, cases = 0;
  const Shape shapes[] = {{1, 0, 0},     {2, 1, 1},    {5, 1, 1},   {10, 0, 3}, {10, 3, 0},
                          {17, 0, 0},    {40, 4, 2},   {40, 2, 7},  {64, 5, 5}, {100, 16, 16},
                          {327, 16, 16}, {12, 30, 30}, {50, 1, 12}, {50, 12, 1}};
  for (const Shape& s : shapes) {
    for (const double density : {1.0, 0.3, 0.1}) {
      for (const double zero_diagonal : {0.0, 0.2}) {
        for (const auto rounding : {BandLU::Rounding::fast, BandLU::Rounding::sundials}) {
          CAPTURE(s.n);
          CAPTURE(s.ml);
          CAPTURE(s.mu);
          CAPTURE(density);
          CAPTURE(zero_diagonal);
          CAPTURE(rounding == BandLU::Rounding::fast);
          BandLU lu(s.n, s.ml, s.mu, rounding);
          const Eigen::MatrixXd dense = assemble_random(lu, rng, density, zero_diagonal);
          for (int i = 0; i < s.n; ++i) {
            for (int j = 0; j < s.n; ++j) REQUIRE(lu.get(i, j) == dense(i, j));
          }
          compared += check_against_dense(lu, dense, rng) ? 1 : 0;
          ++cases;
        }
      }
    }
  }
  CHECK(compared >= cases - 4);  // measured: 2 of 168 too ill-conditioned to compare
}

TEST_CASE("BandLU's two roundings differ only in the last bits") {
  std::mt19937 rng(5);
  int compared = 0;
  for (int trial = 0; trial < 50; ++trial) {
    BandLU fast(60, 5, 3, BandLU::Rounding::fast);
    BandLU sundials(60, 5, 3, BandLU::Rounding::sundials);
    std::mt19937 copy = rng;
    const Eigen::MatrixXd dense = assemble_random(fast, rng, 0.5, 0.2);
    assemble_random(sundials, copy, 0.5, 0.2);
    const Eigen::PartialPivLU<Eigen::MatrixXd> reference(dense);
    if (!(reference.rcond() > 1e-6)) continue;
    ++compared;
    REQUIRE(fast.factor() == 0);
    REQUIRE(sundials.factor() == 0);
    std::vector<double> x(60), y(60);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = y[i] = std::sin(1.0 + static_cast<double>(i));
    fast.solve(x.data());
    sundials.solve(y.data());
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      diff = std::max(diff, std::abs(x[i] - y[i]));
      scale = std::max(scale, std::abs(y[i]));
    }
    CHECK(diff <= 1e-14 / reference.rcond() * scale);
  }
  CHECK(compared >= 40);  // measured 44 of 50
}

TEST_CASE("BandLU interchanges rows when a diagonal entry is zero") {
  // The shape of a control equation V - V_set = 0 written in the row of the current I:
  // row 1 has no entry on its diagonal, only one in the next column.
  //   [ 2  1  0  0 ]
  //   [ 0  0  1  0 ]
  //   [ 0  1  3  1 ]
  //   [ 0  0  1  4 ]
  BandLU lu(4, 1, 1);
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(4, 4);
  const auto put = [&](int i, int j, double v) {
    lu.add(i, j, v);
    dense(i, j) += v;
  };
  put(0, 0, 2.0);
  put(0, 1, 1.0);
  put(1, 2, 1.0);
  put(2, 1, 1.0);
  put(2, 2, 3.0);
  put(2, 3, 1.0);
  put(3, 2, 1.0);
  put(3, 3, 4.0);
  REQUIRE(lu.factor() == 0);
  const Eigen::Vector4d b(1.0, 2.0, 3.0, 4.0);
  const Eigen::Vector4d expected = dense.partialPivLu().solve(b);
  std::vector<double> x(b.data(), b.data() + 4);
  lu.solve(x.data());
  for (int i = 0; i < 4; ++i)
    CHECK(x[static_cast<std::size_t>(i)] == doctest::Approx(expected(i)).epsilon(1e-14).scale(0));
}

TEST_CASE("BandLU reports a singular matrix by the column of the zero pivot") {
  SUBCASE("an empty column") {
    BandLU lu(6, 2, 2);
    for (int i = 0; i < 6; ++i) {
      if (i != 3) lu.add(i, i, 1.0);
    }
    lu.add(4, 5, 1.0);
    CHECK(lu.factor() == 4);  // column 3, 1-based as IDA wants a positive flag
  }
  SUBCASE("a row repeated: exact cancellation during elimination") {
    // The identity with row 5 replaced by row 4: eliminating column 4 leaves row 5 empty.
    BandLU lu(8, 1, 1);
    for (int i = 0; i < 8; ++i) {
      if (i != 5) lu.add(i, i, 1.0);
    }
    lu.add(5, 4, 1.0);
    CHECK(lu.factor() == 6);
  }
  SUBCASE("a NaN in the Jacobian") {
    BandLU lu(3, 1, 1);
    lu.add(0, 0, 1.0);
    lu.add(1, 1, std::numeric_limits<double>::quiet_NaN());
    lu.add(2, 2, 1.0);
    CHECK(lu.factor() == 2);
  }
  SUBCASE("the zero matrix") {
    BandLU lu(3, 1, 1);
    CHECK(lu.factor() == 1);
  }
}

TEST_CASE("BandLU reused across assemblies: zero() clears everything the last factor touched") {
  // Random shapes, each object refilled several times with unconstrained random patterns (rows
  // with nothing on or right of the diagonal, empty rows, singular matrices) so that interchanges
  // move multipliers and fill around in every way; whatever a factorisation, successful or not,
  // left behind must not leak into the next one.
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  int compared = 0;
  for (int shape = 0; shape < 400; ++shape) {
    const int n = 1 + static_cast<int>(rng() % 40);
    BandLU lu(n, static_cast<int>(rng() % 7), static_cast<int>(rng() % 7));
    const int ml = lu.lower_bandwidth();
    const int mu = lu.upper_bandwidth();
    for (int round = 0; round < 4; ++round) {
      CAPTURE(shape);
      CAPTURE(round);
      lu.zero();
      const double density = 0.05 + 0.95 * coin(rng);
      const double drop_diagonal = 0.6 * coin(rng);
      Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
      for (int i = 0; i < n; ++i) {
        for (int j = std::max(0, i - ml); j <= std::min(n - 1, i + mu); ++j) {
          REQUIRE(lu.get(i, j) == 0.0);
          if (j == i ? coin(rng) < drop_diagonal : coin(rng) >= density) continue;
          const double v = value(rng);
          dense(i, j) = v;
          lu.add(i, j, v);
        }
      }
      const int flag = lu.factor();
      const Eigen::FullPivLU<Eigen::MatrixXd> reference(dense);
      if (reference.rank() < n || reference.rcond() < 1e-9) continue;
      REQUIRE(flag == 0);
      const Eigen::VectorXd b = Eigen::VectorXd::NullaryExpr(n, [&] { return value(rng); });
      std::vector<double> x(b.data(), b.data() + n);
      lu.solve(x.data());
      const Eigen::Map<const Eigen::VectorXd> got(x.data(), n);
      const double scale = dense.cwiseAbs().rowwise().sum().maxCoeff() * got.cwiseAbs().maxCoeff();
      CHECK((dense * got - b).cwiseAbs().maxCoeff() <= 1e-13 * scale);
      ++compared;
    }
  }
  CHECK(compared > 300);
}

TEST_CASE("BandLU only works where the matrix has entries") {
  // A tridiagonal matrix declared with bandwidths 16: one multiply-add per column, not 16 x 16.
  const int n = 200;
  BandLU lu(n, 16, 16);
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    lu.add(i, i, 4.0);
    dense(i, i) = 4.0;
    if (i > 0) {
      lu.add(i, i - 1, -1.0);
      dense(i, i - 1) = -1.0;
    }
    if (i + 1 < n) {
      lu.add(i, i + 1, -1.0);
      dense(i, i + 1) = -1.0;
    }
  }
  std::mt19937 rng(3);
  CHECK(check_against_dense(lu, dense, rng));
  CHECK(lu.factor_flops() == n - 1);
}

TEST_CASE("BandLU clips bandwidths wider than the matrix and rejects bad sizes") {
  BandLU lu(3, 10, 10);
  CHECK(lu.lower_bandwidth() == 2);
  CHECK(lu.upper_bandwidth() == 2);
  CHECK(lu.in_band(0, 2));
  CHECK(lu.in_band(2, 0));
  CHECK_FALSE(lu.in_band(0, 3));
  CHECK_THROWS(BandLU(0, 1, 1));
  CHECK_THROWS(BandLU(4, -1, 1));
}
