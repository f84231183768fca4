#include "models/functions.hpp"

#include <fmt/format.h>
#include <muParser.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

namespace cascade {
namespace {

bool finite(double v) {
  return std::isfinite(v);
}

// ---- constant and polynomial ---------------------------------------------------------------

class ConstantFn final : public Fn1D {
 public:
  ConstantFn(double v, std::string description) : v_(v), description_(std::move(description)) {}
  ValueSlope eval(double) const override { return {v_, 0.0}; }
  double value(double) const override { return v_; }
  std::string describe() const override { return description_; }
  bool is_constant() const override { return true; }
  double value() const { return v_; }

 private:
  double v_;
  std::string description_;
};

class PolynomialFn final : public Fn1D {
 public:
  explicit PolynomialFn(std::vector<double> c) : c_(std::move(c)) {}
  ValueSlope eval(double x) const override {
    // Horner for the value and, in the same pass, for the derivative.
    double v = c_.back(), dv = 0.0;
    for (std::size_t k = c_.size() - 1; k-- > 0;) {
      dv = dv * x + v;
      v = v * x + c_[k];
    }
    return {v, dv};
  }
  double value(double x) const override {
    double v = c_.back();
    for (std::size_t k = c_.size() - 1; k-- > 0;) v = v * x + c_[k];
    return v;
  }
  std::string describe() const override {
    std::string s = "polynomial(";
    for (std::size_t k = 0; k < c_.size(); ++k) {
      if (k > 0) s += " + ";
      s += k == 0 ? fmt::format("{}", c_[k])
                  : (k == 1 ? fmt::format("{}*x", c_[k]) : fmt::format("{}*x^{}", c_[k], k));
    }
    return s + ")";
  }
  const std::vector<double>& coefficients() const { return c_; }

 private:
  std::vector<double> c_;  // at least 2 (degree 0 is a ConstantFn)
};

// ---- piecewise cubic tables ----------------------------------------------------------------

// One interval's cubic in the local coordinate t = x - x_i: a + b t + c t^2 + d t^3.
struct Piece {
  double a, b, c, d;
};

// The cubic Hermite piece through (0, y0, s0) and (h, y1, s1).
Piece hermite_piece(double h, double y0, double y1, double s0, double s1) {
  const double delta = (y1 - y0) / h;
  return {y0, s0, (3.0 * delta - 2.0 * s0 - s1) / h, (s0 + s1 - 2.0 * delta) / (h * h)};
}

// A piecewise cubic on nodes x_0 < ... < x_{n-1}, extended linearly with the end slopes. Every
// table representation (linear, natural spline, pchip, tabulated expression) becomes one of these,
// so eval has one fast path. The derivative returned is that of the piecewise cubic itself, hence
// consistent with the value to round-off (what an analytic Jacobian needs).
class TableFn final : public Fn1D {
 public:
  TableFn(std::vector<double> x, std::vector<double> y_end, std::vector<Piece> pieces,
          std::string description)
      : x_(std::move(x)), p_(std::move(pieces)), description_(std::move(description)) {
    const std::size_t n = x_.size();
    x0_ = x_.front();
    xn_ = x_.back();
    const Piece& first = p_.front();
    const Piece& last = p_.back();
    const double h_last = x_[n - 1] - x_[n - 2];
    left_ = {y_end.front(), first.b};
    right_ = {y_end.back(), last.b + h_last * (2.0 * last.c + 3.0 * h_last * last.d)};
    build_index();
    pack();
  }

  ValueSlope eval(double x) const override {
    // "!(x > x0_)" also sends NaN down this branch, so it propagates instead of indexing.
    if (!(x > x0_)) return {left_.v + left_.dv * (x - x0_), left_.dv};
    if (x >= xn_) return {right_.v + right_.dv * (x - xn_), right_.dv};
    const Node& p = nodes_[locate(x)];
    const double t = x - p.x;
    return {p.a + t * (p.b + t * (p.c + t * p.d)), p.b + t * (2.0 * p.c + 3.0 * t * p.d)};
  }
  double value(double x) const override {
    if (!(x > x0_)) return left_.v + left_.dv * (x - x0_);
    if (x >= xn_) return right_.v + right_.dv * (x - xn_);
    const Node& p = nodes_[locate(x)];
    const double t = x - p.x;
    return p.a + t * (p.b + t * (p.c + t * p.d));
  }
  std::string describe() const override { return description_; }

  // The same table times f (scaling every coefficient keeps eval a single lookup after binding).
  std::shared_ptr<TableFn> scaled(double f, std::string description) const {
    auto out = std::make_shared<TableFn>(*this);
    for (Piece& p : out->p_) p = {f * p.a, f * p.b, f * p.c, f * p.d};
    out->left_ = {f * left_.v, f * left_.dv};
    out->right_ = {f * right_.v, f * right_.dv};
    out->description_ = std::move(description);
    out->pack();
    return out;
  }
  std::size_t size() const { return x_.size(); }
  bool uniform() const { return uniform_; }

 private:
  // Interval index for x0_ < x < xn_. Uniform grids: direct arithmetic. Other grids: a uniform
  // bucket array gives the range of intervals that can hold x, searched by bisection; with as many
  // buckets as the finest spacing needs (up to 8 per interval) that range holds one or two
  // intervals, so the lookup stays O(1) except in locally very refined grids.
  std::size_t locate(double x) const {
    const std::size_t last = p_.size() - 1;
    if (uniform_) return std::min(static_cast<std::size_t>((x - x0_) * inv_w_), last);
    const std::size_t k =
        std::min(static_cast<std::size_t>((x - x0_) * inv_w_), bucket_.size() - 2);
    const std::size_t lo = bucket_[k], hi = bucket_[k + 1];
    if (hi == lo) return lo;
    const auto begin = x_.begin() + static_cast<std::ptrdiff_t>(lo) + 1;
    const auto end = x_.begin() + static_cast<std::ptrdiff_t>(hi) + 1;
    return static_cast<std::size_t>(std::upper_bound(begin, end, x) - x_.begin()) - 1;
  }

  void build_index() {
    const std::size_t intervals = x_.size() - 1;
    const double span = xn_ - x0_;
    const double h = span / static_cast<double>(intervals);
    // Uniform when every node sits where arithmetic puts it, to far below one spacing (tables
    // read from decimal text are uniform only up to round-off).
    uniform_ = true;
    double min_h = span;
    for (std::size_t i = 0; i < x_.size(); ++i) {
      if (std::abs(x_[i] - (x0_ + static_cast<double>(i) * h)) > 1e-9 * h) uniform_ = false;
      if (i > 0) min_h = std::min(min_h, x_[i] - x_[i - 1]);
    }
    if (uniform_) {
      inv_w_ = 1.0 / h;
      return;
    }
    const double wanted = std::ceil(span / min_h);
    const std::size_t buckets = wanted >= static_cast<double>(8 * intervals)
                                    ? 8 * intervals
                                    : std::max(intervals, static_cast<std::size_t>(wanted));
    inv_w_ = static_cast<double>(buckets) / span;
    bucket_.resize(buckets + 1);
    for (std::size_t k = 0; k <= buckets; ++k) {
      const double xb = x0_ + static_cast<double>(k) / inv_w_;
      const auto it = std::upper_bound(x_.begin(), x_.end(), xb);
      const auto i = static_cast<std::size_t>(std::max<std::ptrdiff_t>(it - x_.begin() - 1, 0));
      bucket_[k] = static_cast<std::uint32_t>(std::min(i, intervals - 1));
    }
  }

  // An interval's left node with its cubic, together: once located, a lookup reads one record (40
  // bytes) instead of two arrays (locating reads bucket_, and x_ in a refined stretch). The
  // tabulated OCPs have ~2000 intervals (~100 kB with the index), more than the first-level cache
  // keeps between two residual evaluations.
  struct Node {
    double x, a, b, c, d;
  };
  void pack() {
    nodes_.resize(p_.size());
    for (std::size_t i = 0; i < p_.size(); ++i) nodes_[i] = {x_[i], p_[i].a, p_[i].b, p_[i].c, p_[i].d};
  }

  std::vector<double> x_;
  std::vector<Piece> p_;
  std::vector<Node> nodes_;  // x_ and p_ packed, for eval and value
  std::string description_;
  double x0_ = 0, xn_ = 0;
  ValueSlope left_{}, right_{};  // end values and slopes, for linear extrapolation
  bool uniform_ = true;
  double inv_w_ = 0;                   // 1 / (node spacing or bucket width)
  std::vector<std::uint32_t> bucket_;  // non-uniform grids: first interval of each bucket
};

// Fritsch-Carlson monotone slopes, in the weighted-harmonic-mean form of Fritsch and Butland
// (Moler's pchip, SciPy's PchipInterpolator): zero at local extrema, and never large enough to
// overshoot a monotone run of data.
std::vector<double> pchip_slopes(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  std::vector<double> h(n - 1), delta(n - 1), s(n);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    h[i] = x[i + 1] - x[i];
    delta[i] = (y[i + 1] - y[i]) / h[i];
  }
  if (n == 2) {
    s[0] = s[1] = delta[0];
    return s;
  }
  for (std::size_t k = 1; k + 1 < n; ++k) {
    if (delta[k - 1] * delta[k] <= 0.0) {
      s[k] = 0.0;
    } else {
      const double w1 = 2.0 * h[k] + h[k - 1], w2 = h[k] + 2.0 * h[k - 1];
      s[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k]);
    }
  }
  // Ends: the one-sided three-point estimate, limited so it keeps the sign of the end secant and
  // does not exceed 3x it where the data turn (the Fritsch-Carlson monotonicity region).
  auto end_slope = [](double h0, double h1, double d0, double d1) {
    double s0 = ((2.0 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
    if (s0 * d0 <= 0.0) {
      s0 = 0.0;
    } else if (d0 * d1 < 0.0 && std::abs(s0) > 3.0 * std::abs(d0)) {
      s0 = 3.0 * d0;
    }
    return s0;
  };
  s[0] = end_slope(h[0], h[1], delta[0], delta[1]);
  s[n - 1] = end_slope(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3]);
  return s;
}

// Natural cubic spline (zero second derivative at both ends) as piecewise cubics.
std::vector<Piece> spline_pieces(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  std::vector<double> h(n - 1), delta(n - 1), m(n, 0.0);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    h[i] = x[i + 1] - x[i];
    delta[i] = (y[i + 1] - y[i]) / h[i];
  }
  if (n > 2) {
    // Tridiagonal system for the interior second derivatives m_1..m_{n-2}:
    //   h_{i-1} m_{i-1} + 2 (h_{i-1} + h_i) m_i + h_i m_{i+1} = 6 (delta_i - delta_{i-1}),
    // strictly diagonally dominant, so the Thomas algorithm needs no pivoting.
    std::vector<double> diag(n), rhs(n);
    for (std::size_t i = 1; i + 1 < n; ++i) {
      diag[i] = 2.0 * (h[i - 1] + h[i]);
      rhs[i] = 6.0 * (delta[i] - delta[i - 1]);
    }
    for (std::size_t i = 2; i + 1 < n; ++i) {
      const double w = h[i - 1] / diag[i - 1];
      diag[i] -= w * h[i - 1];
      rhs[i] -= w * rhs[i - 1];
    }
    for (std::size_t i = n - 2; i >= 1; --i) {
      m[i] = (rhs[i] - h[i] * m[i + 1]) / diag[i];  // m[n-1] = 0 closes the recursion
    }
  }
  std::vector<Piece> p(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    p[i] = {y[i], delta[i] - h[i] * (2.0 * m[i] + m[i + 1]) / 6.0, 0.5 * m[i],
            (m[i + 1] - m[i]) / (6.0 * h[i])};
  }
  return p;
}

const char* interp_name(Interp method) {
  switch (method) {
    case Interp::pchip:
      return "pchip";
    case Interp::spline:
      return "spline";
    case Interp::linear:
      return "linear";
  }
  return "?";
}

std::shared_ptr<TableFn> build_table(std::vector<double> x, std::vector<double> y, Interp method) {
  if (x.size() != y.size()) {
    throw std::invalid_argument(
        fmt::format("table: x has {} points but y has {}", x.size(), y.size()));
  }
  if (x.size() < 2) {
    throw std::invalid_argument(fmt::format("table: needs at least 2 points, got {}", x.size()));
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!finite(x[i]) || !finite(y[i])) {
      throw std::invalid_argument(
          fmt::format("table: point {} is not finite (x = {}, y = {})", i, x[i], y[i]));
    }
    if (i > 0 && !(x[i] > x[i - 1])) {
      throw std::invalid_argument(
          fmt::format("table: x must be strictly increasing, but x[{}] = {} <= x[{}] = {}", i, x[i],
                      i - 1, x[i - 1]));
    }
  }
  const std::size_t n = x.size();
  std::vector<Piece> pieces(n - 1);
  switch (method) {
    case Interp::linear:
      for (std::size_t i = 0; i + 1 < n; ++i) {
        pieces[i] = {y[i], (y[i + 1] - y[i]) / (x[i + 1] - x[i]), 0.0, 0.0};
      }
      break;
    case Interp::spline:
      pieces = spline_pieces(x, y);
      break;
    case Interp::pchip: {
      const std::vector<double> s = pchip_slopes(x, y);
      for (std::size_t i = 0; i + 1 < n; ++i) {
        pieces[i] = hermite_piece(x[i + 1] - x[i], y[i], y[i + 1], s[i], s[i + 1]);
      }
      break;
    }
  }
  std::string description =
      fmt::format("{} table of {} points on [{}, {}]", interp_name(method), n, x.front(), x.back());
  std::vector<double> y_end{y.front(), y.back()};
  return std::make_shared<TableFn>(std::move(x), std::move(y_end), std::move(pieces),
                                   std::move(description));
}

class ScaledFn final : public Fn1D {
 public:
  ScaledFn(Fn1DPtr base, double f) : base_(std::move(base)), f_(f) {}
  ValueSlope eval(double x) const override {
    const ValueSlope r = base_->eval(x);
    return {f_ * r.v, f_ * r.dv};
  }
  double value(double x) const override { return f_ * base_->value(x); }
  std::string describe() const override { return fmt::format("{} x {}", f_, base_->describe()); }
  bool is_constant() const override { return base_->is_constant(); }
  const Fn1DPtr& base() const { return base_; }
  double factor() const { return f_; }

 private:
  Fn1DPtr base_;
  double f_;
};

// ---- expressions ---------------------------------------------------------------------------

std::string constants_text(const std::map<std::string, double>& constants) {
  std::string s;
  for (const auto& [name, value] : constants) {
    s += fmt::format("{}{} = {}", s.empty() ? " with " : ", ", name, value);
  }
  return s;
}

// A compiled muparser expression of one variable; other names are constants fixed here.
// Not copyable: the parser holds a pointer to x_.
class CompiledExpression {
 public:
  CompiledExpression(const std::string& expr, const std::string& var,
                     const std::map<std::string, double>& constants)
      : expr_(expr), var_(var), where_(constants_text(constants)) {
    if (constants.count(var) != 0) {
      throw std::invalid_argument(
          fmt::format("expression '{}': variable '{}' is also given as a constant", expr, var));
    }
    try {
      parser_.DefineVar(var, &x_);
      for (const auto& [name, value] : constants) parser_.DefineConst(name, value);
      parser_.SetExpr(expr);
      // GetUsedVar parses while tolerating undefined names, so they can be named helpfully.
      for (const auto& used : parser_.GetUsedVar()) {
        if (used.first != var) {
          std::string known = var;
          for (const auto& c : constants) known += ", " + c.first;
          throw std::invalid_argument(fmt::format(
              "expression '{}': unknown variable '{}' (known: {})", expr, used.first, known));
        }
        uses_var_ = true;
      }
      x_ = 0.0;
      parser_.Eval();  // completes compilation, so later errors cannot be syntax errors
    } catch (const mu::Parser::exception_type& e) {
      throw std::invalid_argument(
          fmt::format("cannot parse expression '{}' in {}: {}", expr, var, e.GetMsg()));
    }
  }
  CompiledExpression(const CompiledExpression&) = delete;
  CompiledExpression& operator=(const CompiledExpression&) = delete;

  bool uses_var() const { return uses_var_; }

  // The expression at x; NaN or inf is an input error, reported with the place.
  double operator()(double x) {
    x_ = x;
    double v = 0;
    try {
      v = parser_.Eval();
    } catch (const mu::Parser::exception_type& e) {
      throw std::invalid_argument(fmt::format("expression '{}' fails at {} = {}{}: {}", expr_, var_,
                                              x, where_, e.GetMsg()));
    }
    if (!finite(v)) {
      throw std::invalid_argument(fmt::format("expression '{}' is {} at {} = {}{}", expr_,
                                              std::isnan(v) ? "NaN" : (v > 0 ? "+inf" : "-inf"),
                                              var_, x, where_));
    }
    return v;
  }

 private:
  std::string expr_, var_, where_;
  mu::Parser parser_;
  double x_ = 0.0;
  bool uses_var_ = false;
};

struct HermiteNode {
  double x, f, s;  // position, value, slope
};

// Samples an expression into an adaptive cubic Hermite table: a uniform base grid, each interval
// bisected until the interpolant matches the expression at 1/4, 1/2 and 3/4 of it within
// rtol * (|f| + typical |f|). The typical magnitude (median over the base grid) keeps the test
// meaningful where f crosses zero, and is robust to a huge value at one end.
class Tabulator {
 public:
  static constexpr std::size_t base_intervals = 2048;
  static constexpr int max_depth = 12;   // finest interval: span / 2^23
  static constexpr double rtol = 1e-10;  // relative tolerance of the interpolant
  static constexpr std::size_t max_nodes = 1u << 18;

  Tabulator(CompiledExpression& f, const std::string& expr, double lo, double hi)
      : f_(f), expr_(expr), lo_(lo), hi_(hi) {}

  std::vector<HermiteNode> run() {
    const double h = (hi_ - lo_) / static_cast<double>(base_intervals);
    std::vector<HermiteNode> base(base_intervals + 1);
    std::vector<double> magnitude(base.size());
    for (std::size_t i = 0; i <= base_intervals; ++i) {
      const double x = i == base_intervals ? hi_ : lo_ + static_cast<double>(i) * h;
      base[i] = {x, f_(x), 0.0};
      magnitude[i] = std::abs(base[i].f);
    }
    auto mid = magnitude.begin() + static_cast<std::ptrdiff_t>(magnitude.size() / 2);
    std::nth_element(magnitude.begin(), mid, magnitude.end());
    scale_ = *mid;
    if (scale_ == 0.0) {
      for (double m : magnitude) scale_ = std::max(scale_, m);
    }
    for (HermiteNode& node : base) node.s = slope(node.x, node.f, h);

    nodes_.reserve(2 * base.size());
    nodes_.push_back(base.front());
    for (std::size_t i = 0; i < base_intervals; ++i) refine(base[i], base[i + 1], 0);
    return std::move(nodes_);
  }

 private:
  // Central difference at a step far below the local spacing (so its truncation error is
  // negligible next to the interpolation error), one-sided second order at the ends of the
  // range so the expression is never evaluated outside [lo, hi].
  double slope(double x, double fx, double spacing) {
    const double step = std::max(1e-4 * spacing, 64.0 * std::numeric_limits<double>::epsilon() *
                                                     std::max(std::abs(x), hi_ - lo_));
    if (x - step < lo_) {
      const double x1 = x + step, x2 = x + 2.0 * step;
      return (-3.0 * fx + 4.0 * f_(x1) - f_(x2)) / (x2 - x);
    }
    if (x + step > hi_) {
      const double x1 = x - step, x2 = x - 2.0 * step;
      return (3.0 * fx - 4.0 * f_(x1) + f_(x2)) / (x - x2);
    }
    const double xp = x + step, xm = x - step;
    return (f_(xp) - f_(xm)) / (xp - xm);
  }

  // Appends the nodes after a up to and including b.
  void refine(const HermiteNode& a, const HermiteNode& b, int depth) {
    const double h = b.x - a.x;
    const Piece p = hermite_piece(h, a.f, b.f, a.s, b.s);
    auto miss = [&](double t, double fe) {
      const double u = t * h;
      const double fi = p.a + u * (p.b + u * (p.c + u * p.d));
      return std::abs(fi - fe) > rtol * (std::abs(fe) + scale_);
    };
    const double x_mid = a.x + 0.5 * h;
    const double f_mid = f_(x_mid);
    const bool accurate =
        !miss(0.5, f_mid) && !miss(0.25, f_(a.x + 0.25 * h)) && !miss(0.75, f_(a.x + 0.75 * h));
    if (accurate || depth >= max_depth) {
      nodes_.push_back(b);
      return;
    }
    if (nodes_.size() > max_nodes) {
      throw std::invalid_argument(fmt::format(
          "expression '{}' varies too fast to tabulate on [{}, {}] (still refining near {}); "
          "narrow the range or smooth the expression",
          expr_, lo_, hi_, x_mid));
    }
    const HermiteNode m{x_mid, f_mid, slope(x_mid, f_mid, 0.5 * h)};
    refine(a, m, depth + 1);
    refine(m, b, depth + 1);
  }

  CompiledExpression& f_;
  const std::string& expr_;
  double lo_, hi_;
  double scale_ = 0.0;
  std::vector<HermiteNode> nodes_;
};

}  // namespace

// ---- public factories ------------------------------------------------------------------------

Fn1DPtr make_constant(double v) {
  if (!finite(v)) throw std::invalid_argument(fmt::format("constant function: value is {}", v));
  return std::make_shared<ConstantFn>(v, fmt::format("{}", v));
}

Fn1DPtr make_polynomial(std::vector<double> coeffs) {
  for (std::size_t k = 0; k < coeffs.size(); ++k) {
    if (!finite(coeffs[k])) {
      throw std::invalid_argument(fmt::format("polynomial: coefficient {} is {}", k, coeffs[k]));
    }
  }
  // Trailing zeros only cost multiplications.
  while (!coeffs.empty() && coeffs.back() == 0.0) coeffs.pop_back();
  if (coeffs.size() <= 1) return make_constant(coeffs.empty() ? 0.0 : coeffs[0]);
  return std::make_shared<PolynomialFn>(std::move(coeffs));
}

Fn1DPtr make_table(std::vector<double> x, std::vector<double> y, Interp method) {
  return build_table(std::move(x), std::move(y), method);
}

Fn1DPtr make_scaled(Fn1DPtr base, double factor) {
  if (!base) throw std::invalid_argument("scaled function: no base function");
  if (!finite(factor)) {
    throw std::invalid_argument(fmt::format("scaled function: factor is {}", factor));
  }
  if (factor == 1.0) return base;
  // Fold the factor into the representation where possible, so a bound property costs the
  // same per evaluation as its base.
  if (const auto* c = dynamic_cast<const ConstantFn*>(base.get())) {
    return make_constant(factor * c->value());
  }
  if (const auto* p = dynamic_cast<const PolynomialFn*>(base.get())) {
    std::vector<double> c = p->coefficients();
    for (double& ck : c) ck *= factor;
    return make_polynomial(std::move(c));
  }
  if (const auto* t = dynamic_cast<const TableFn*>(base.get())) {
    return t->scaled(factor, fmt::format("{} x {}", factor, t->describe()));
  }
  if (const auto* s = dynamic_cast<const ScaledFn*>(base.get())) {
    return std::make_shared<ScaledFn>(s->base(), factor * s->factor());
  }
  return std::make_shared<ScaledFn>(std::move(base), factor);
}

Fn1DPtr make_expression(const std::string& expr, const std::string& var, double lo, double hi,
                        const std::map<std::string, double>& constants) {
  if (!finite(lo) || !finite(hi) || !(lo < hi)) {
    throw std::invalid_argument(fmt::format(
        "expression '{}': tabulation range of {} must be finite with lo < hi, got [{}, {}]", expr,
        var, lo, hi));
  }
  CompiledExpression f(expr, var, constants);
  if (!f.uses_var()) {
    const double v = f(lo);
    return std::make_shared<ConstantFn>(
        v, fmt::format("{} (expression '{}'{})", v, expr, constants_text(constants)));
  }
  const std::vector<HermiteNode> nodes = Tabulator(f, expr, lo, hi).run();
  const std::size_t n = nodes.size();
  std::vector<double> x(n);
  std::vector<Piece> pieces(n - 1);
  for (std::size_t i = 0; i < n; ++i) x[i] = nodes[i].x;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const HermiteNode &a = nodes[i], &b = nodes[i + 1];
    pieces[i] = hermite_piece(b.x - a.x, a.f, b.f, a.s, b.s);
  }
  std::string description = fmt::format("expression '{}' in {}{}, {} nodes on [{}, {}]", expr, var,
                                        constants_text(constants), n, lo, hi);
  std::vector<double> y_end{nodes.front().f, nodes.back().f};
  // The end slopes of the pieces are the sampled slopes, so extrapolation continues C1.
  return std::make_shared<TableFn>(std::move(x), std::move(y_end), std::move(pieces),
                                   std::move(description));
}

double arrhenius_factor(double Ea, double T, double T_ref) {
  if (!(T > 0.0) || !finite(T) || !(T_ref > 0.0) || !finite(T_ref)) {
    throw std::domain_error(fmt::format(
        "arrhenius factor needs positive temperatures, got T = {} K, T_ref = {} K", T, T_ref));
  }
  return std::exp(-Ea / gas_constant * (1.0 / T - 1.0 / T_ref));
}

// ---- temperature laws ----------------------------------------------------------------------

void TemperatureLaw::validate() const {
  if (kind == Kind::none) return;
  if (!finite(T_ref) || !(T_ref > 0.0)) {
    throw std::invalid_argument(
        fmt::format("temperature law: T_ref must be a positive temperature, got {} K", T_ref));
  }
  switch (kind) {
    case Kind::none:
      break;
    case Kind::arrhenius:
      if (!finite(activation_energy)) {
        throw std::invalid_argument(
            fmt::format("arrhenius law: activation energy is {}", activation_energy));
      }
      break;
    case Kind::vtf:
      if (!finite(B) || !finite(T0) || !(T_ref > T0)) {
        throw std::invalid_argument(fmt::format(
            "vtf law: needs finite B and T_ref > T0, got B = {} K, T0 = {} K, T_ref = {} K", B, T0,
            T_ref));
      }
      break;
    case Kind::table_inverse_T:
      if (T_table.size() != factor_table.size() || T_table.size() < 2) {
        throw std::invalid_argument(fmt::format(
            "table_inverse_T law: needs at least 2 (T, factor) pairs of equal length, got {} "
            "temperatures and {} factors",
            T_table.size(), factor_table.size()));
      }
      for (std::size_t i = 0; i < T_table.size(); ++i) {
        if (!finite(T_table[i]) || !(T_table[i] > 0.0)) {
          throw std::invalid_argument(fmt::format(
              "table_inverse_T law: T[{}] = {} K is not a positive temperature", i, T_table[i]));
        }
        if (i > 0 && !(T_table[i] > T_table[i - 1])) {
          throw std::invalid_argument(fmt::format(
              "table_inverse_T law: T must be strictly increasing, but T[{}] = {} K <= T[{}] = "
              "{} K",
              i, T_table[i], i - 1, T_table[i - 1]));
        }
        if (!finite(factor_table[i]) || !(factor_table[i] > 0.0)) {
          throw std::invalid_argument(fmt::format(
              "table_inverse_T law: factor[{}] = {} must be positive (it is interpolated in log)",
              i, factor_table[i]));
        }
      }
      break;
    case Kind::series_arrhenius: {
      if (shares.size() != energies.size() || shares.size() < 2) {
        throw std::invalid_argument(fmt::format(
            "series_arrhenius law: needs at least 2 terms of (share, activation energy), got {} "
            "shares and {} energies",
            shares.size(), energies.size()));
      }
      double sum = 0.0;
      for (std::size_t i = 0; i < shares.size(); ++i) {
        if (!finite(shares[i]) || !(shares[i] > 0.0) || !(shares[i] <= 1.0)) {
          throw std::invalid_argument(fmt::format(
              "series_arrhenius law: share[{}] = {} must lie in (0, 1]", i, shares[i]));
        }
        if (!finite(energies[i]) || energies[i] < 0.0) {
          throw std::invalid_argument(fmt::format(
              "series_arrhenius law: activation energy [{}] = {} J/mol must be >= 0", i,
              energies[i]));
        }
        sum += shares[i];
      }
      if (std::abs(sum - 1.0) > 1e-6) {
        throw std::invalid_argument(fmt::format(
            "series_arrhenius law: the shares of the resistance at T_ref must add up to 1, they "
            "add up to {}",
            sum));
      }
      break;
    }
  }
}

double TemperatureLaw::factor(double T) const {
  if (kind == Kind::none) return 1.0;
  if (!finite(T) || !(T > 0.0)) {
    throw std::domain_error(fmt::format("temperature law: T = {} K is not a temperature", T));
  }
  switch (kind) {
    case Kind::none:
      return 1.0;
    case Kind::arrhenius:
      return arrhenius_factor(activation_energy, T, T_ref);
    case Kind::vtf:
      if (!(T > T0)) {
        throw std::domain_error(
            fmt::format("vtf law: valid only above T0 = {} K, got T = {} K", T0, T));
      }
      return std::exp(-B / (T - T0) + B / (T_ref - T0));
    case Kind::table_inverse_T: {
      validate();
      // Increasing 1/T is decreasing T: store the table reversed.
      const std::size_t n = T_table.size();
      std::vector<double> inv_T(n), ln_f(n);
      for (std::size_t i = 0; i < n; ++i) {
        inv_T[i] = 1.0 / T_table[n - 1 - i];
        ln_f[i] = std::log(factor_table[n - 1 - i]);
      }
      return std::exp(
          build_table(std::move(inv_T), std::move(ln_f), Interp::pchip)->eval(1.0 / T).v);
    }
    case Kind::series_arrhenius: {
      double resistance = 0.0;  // relative to T_ref
      for (std::size_t i = 0; i < shares.size(); ++i) {
        resistance += shares[i] / arrhenius_factor(energies[i], T, T_ref);
      }
      return 1.0 / resistance;
    }
  }
  return 1.0;
}

std::string TemperatureLaw::describe() const {
  switch (kind) {
    case Kind::none:
      return "";
    case Kind::arrhenius:
      return fmt::format("arrhenius(Ea={} J/mol, T_ref={} K)", activation_energy, T_ref);
    case Kind::vtf:
      return fmt::format("vtf(B={} K, T0={} K, T_ref={} K)", B, T0, T_ref);
    case Kind::table_inverse_T:
      if (T_table.empty()) return "table_inverse_T(empty)";
      return fmt::format("table_inverse_T({} points, T in [{}, {}] K)", T_table.size(),
                         T_table.front(), T_table.back());
    case Kind::series_arrhenius: {
      std::vector<std::string> terms;
      for (std::size_t i = 0; i < shares.size() && i < energies.size(); ++i) {
        terms.push_back(fmt::format("{:.4g} at Ea={:.5g} J/mol", shares[i], energies[i]));
      }
      return fmt::format("series_arrhenius({}; T_ref={} K)", fmt::join(terms, ", "), T_ref);
    }
  }
  return "";
}

// ---- properties ----------------------------------------------------------------------------

Property Property::constant(double v) {
  return of(make_constant(v));
}

Property Property::of(Fn1DPtr base, TemperatureLaw law) {
  if (!base) throw std::invalid_argument("property: no base function");
  law.validate();
  Property p;
  p.kind_ = Kind::function;
  p.base_ = std::move(base);
  p.law_ = std::move(law);
  return p;
}

Property Property::expression(std::string expr, std::string var, double lo, double hi) {
  if (!finite(lo) || !finite(hi) || !(lo < hi)) {
    throw std::invalid_argument(fmt::format(
        "expression '{}': tabulation range of {} must be finite with lo < hi, got [{}, {}]", expr,
        var, lo, hi));
  }
  // Compile now (T at a placeholder value) so parse errors surface when parameters are loaded,
  // not at the first bind in the middle of a run.
  const CompiledExpression compiled(expr, var, {{"T", 298.15}});
  Property p;
  p.kind_ = Kind::expression;
  p.uses_x_ = compiled.uses_var();
  {
    // Does the expression mention T? Parse it once more with T as a variable and ask.
    mu::Parser probe;
    double x = 0, T = 298.15;
    probe.DefineVar(p.var_.empty() ? var : p.var_, &x);
    probe.DefineVar("T", &T);
    probe.SetExpr(expr);
    for (const auto& used : probe.GetUsedVar()) p.uses_T_ = p.uses_T_ || used.first == "T";
  }
  p.cache_ = std::make_shared<BindCache>();
  p.expr_ = std::move(expr);
  p.var_ = std::move(var);
  p.lo_ = lo;
  p.hi_ = hi;
  return p;
}

Property Property::table2d(std::vector<double> T, std::vector<double> x,
                           std::vector<std::vector<double>> values, Interp method) {
  const auto check_axis = [](const std::vector<double>& a, const char* name, const char* unit) {
    if (a.size() < 2) {
      throw std::invalid_argument(
          fmt::format("2-D table: needs at least 2 points in {}, got {}", name, a.size()));
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!finite(a[i])) {
        throw std::invalid_argument(fmt::format("2-D table: {}[{}] is {}", name, i, a[i]));
      }
      if (i > 0 && !(a[i] > a[i - 1])) {
        throw std::invalid_argument(
            fmt::format("2-D table: {} must be strictly increasing, but {}[{}] = {}{} <= {}[{}] = "
                        "{}{}",
                        name, name, i, a[i], unit, name, i - 1, a[i - 1], unit));
      }
    }
  };
  check_axis(T, "T", " K");
  check_axis(x, "x", "");
  if (!(T.front() > 0.0)) {
    throw std::invalid_argument(
        fmt::format("2-D table: T[0] = {} K is not a positive temperature", T.front()));
  }
  if (values.size() != T.size()) {
    throw std::invalid_argument(
        fmt::format("2-D table: values has {} rows but T has {} points (one row per temperature)",
                    values.size(), T.size()));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i].size() != x.size()) {
      throw std::invalid_argument(
          fmt::format("2-D table: row {} (T = {} K) has {} values but x has {} points", i, T[i],
                      values[i].size(), x.size()));
    }
    for (std::size_t j = 0; j < x.size(); ++j) {
      if (!finite(values[i][j]) || !(values[i][j] > 0.0)) {
        throw std::invalid_argument(fmt::format(
            "2-D table: values[{}][{}] = {} (T = {} K, x = {}) must be positive: ln(value) is "
            "interpolated against 1/T",
            i, j, values[i][j], T[i], x[j]));
      }
    }
  }
  // Increasing 1/T is decreasing T: each column is stored reversed.
  const std::size_t n = T.size();
  std::vector<double> inv_T(n);
  for (std::size_t i = 0; i < n; ++i) inv_T[i] = 1.0 / T[n - 1 - i];
  Property p;
  p.kind_ = Kind::table2d;
  p.method2_ = method;
  for (std::size_t j = 0; j < x.size(); ++j) {
    std::vector<double> ln_v(n);
    for (std::size_t i = 0; i < n; ++i) ln_v[i] = std::log(values[n - 1 - i][j]);
    p.ln_columns_.push_back(build_table(inv_T, std::move(ln_v), Interp::pchip));
  }
  p.T2_ = std::move(T);
  p.x2_ = std::move(x);
  return p;
}

Fn1DPtr Property::bind(double T) const {
  if (kind_ == Kind::table2d) {
    if (!finite(T) || !(T > 0.0)) {
      throw std::domain_error(fmt::format("2-D table: T = {} K is not a temperature", T));
    }
    std::vector<double> column(x2_.size());
    for (std::size_t j = 0; j < x2_.size(); ++j) {
      column[j] = std::exp(ln_columns_[j]->eval(1.0 / T).v);
    }
    const auto table = build_table(x2_, std::move(column), method2_);
    return table->scaled(1.0, fmt::format("{} at T = {} K (of a 2-D table)", table->describe(), T));
  }
  if (kind_ == Kind::function) {
    if (law_.kind == TemperatureLaw::Kind::none) return base_;
    return make_scaled(base_, law_.factor(T));
  }
  if (!finite(T) || !(T > 0.0)) {
    throw std::domain_error(
        fmt::format("expression '{}': T = {} K is not a temperature", expr_, T));
  }
  const std::lock_guard<std::mutex> lock(cache_->mutex);
  if (cache_->fn && (cache_->T == T || !uses_T_)) return cache_->fn;
  cache_->fn = make_expression(expr_, var_, lo_, hi_, {{"T", T}});
  cache_->T = T;
  return cache_->fn;
}

bool Property::depends_on_x() const {
  if (kind_ == Kind::table2d) return true;
  return kind_ == Kind::expression ? uses_x_ : !base_->is_constant();
}

std::string Property::describe() const {
  if (kind_ == Kind::table2d) {
    return fmt::format(
        "2-D table of {} temperatures x {} points: ln(value) pchip in 1/T for T in [{}, {}] K, "
        "{} in x on [{}, {}]",
        T2_.size(), x2_.size(), T2_.front(), T2_.back(), interp_name(method2_), x2_.front(),
        x2_.back());
  }
  if (kind_ == Kind::expression) {
    return fmt::format("expression in ({}, T) on [{}, {}]: {}", var_, lo_, hi_, expr_);
  }
  if (law_.kind == TemperatureLaw::Kind::none) return base_->describe();
  return law_.describe() + " x " + base_->describe();
}

}  // namespace cascade
