#pragma once
// Material functions: the properties a cell model evaluates millions of times per run (open-circuit
// potential U(sto), solid diffusivity D_s(sto), electrolyte kappa(c_e), D(c_e), t+(c_e),
// thermodynamic factor(c_e)), each possibly dependent on temperature.
//
// The model is isothermal within a protocol step, so a `Property` of (x, T) is bound to a
// temperature once per step; the result is an immutable `Fn1D` of x alone whose `eval` is cheap
// (no allocation, O(1) table lookup) and returns the value with its exact derivative, because the
// derivative feeds the analytic Jacobian and must agree with the value's own representation.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cascade {

constexpr double gas_constant = 8.314462618;  // J/(mol K)

struct ValueSlope {
  double v;   // f(x)
  double dv;  // df/dx
};

// A bound function of one variable. Immutable, so evaluation is thread-safe.
class Fn1D {
 public:
  virtual ~Fn1D() = default;
  virtual ValueSlope eval(double x) const = 0;
  // eval(x).v, bit for bit, without computing the slope (a residual needs no derivatives).
  virtual double value(double x) const { return eval(x).v; }
  double operator()(double x) const { return value(x); }
  // Short human description for `params show` and error messages.
  virtual std::string describe() const { return "function"; }
  // True when the value does not depend on x (lets models skip work).
  virtual bool is_constant() const { return false; }
};
using Fn1DPtr = std::shared_ptr<const Fn1D>;

Fn1DPtr make_constant(double v);
// sum_k coeffs[k] x^k (empty: the zero function).
Fn1DPtr make_polynomial(std::vector<double> coeffs);

// Interpolation of a table:
//   pchip  monotone piecewise cubic Hermite (Fritsch-Carlson slopes; never overshoots the data,
//          the safe default for measured curves),
//   spline natural cubic spline (C2, may overshoot between steep points),
//   linear piecewise linear.
enum class Interp { pchip, spline, linear };
// x strictly increasing (std::invalid_argument naming the offending index otherwise), at least 2
// points, all finite. Outside [x.front(), x.back()] the table extrapolates linearly with the
// interpolant's end slope; domain checks are the caller's business.
Fn1DPtr make_table(std::vector<double> x, std::vector<double> y, Interp method = Interp::pchip);

// factor * base(x).
Fn1DPtr make_scaled(Fn1DPtr base, double factor);

// An expression (muparser syntax) in the variable `var`, with further named constants (e.g. T)
// bound now. It is parsed once and tabulated over [lo, hi] as a cubic Hermite interpolant: a
// uniform grid of 2049 nodes, bisected adaptively wherever the interpolant misses the expression
// by more than ~1e-10 relative (steep ends, near-singular points), with node slopes from central
// differences of the compiled expression at a step far below the local spacing. Runtime cost is a
// table lookup, not a parse. If the expression does not use `var` the result is a constant.
// Throws std::invalid_argument (with muparser's message and the expression text) on a parse
// error or an unknown variable, and when the expression is NaN/inf somewhere on the grid (naming
// where).
Fn1DPtr make_expression(const std::string& expr, const std::string& var, double lo, double hi,
                        const std::map<std::string, double>& constants = {});

// exp(-Ea/R (1/T - 1/T_ref)); Ea in J/mol, temperatures in K. std::domain_error for T <= 0.
double arrhenius_factor(double Ea, double T, double T_ref);

// Temperature dependence applied as a multiplicative factor relative to T_ref.
struct TemperatureLaw {
  enum class Kind { none, arrhenius, vtf, table_inverse_T, series_arrhenius } kind = Kind::none;
  double T_ref = 298.15;         // K
  double activation_energy = 0;  // J/mol (arrhenius): factor = exp(-Ea/R (1/T - 1/T_ref))
  double B = 0, T0 = 0;          // K (vtf): factor = exp(-B/(T - T0)) / exp(-B/(T_ref - T0))
  // (table_inverse_T) ln(factor) interpolated against 1/T with pchip, extrapolated linearly in
  // 1/T (Arrhenius-like). The factor at T_ref need not be 1: it is a factor, not normalized.
  std::vector<double> T_table, factor_table;  // K, -
  // (series_arrhenius) thermally activated resistances in series, e.g. a fast bulk path and a
  // contact path that freezes out in the cold: 1/factor = sum_i share_i exp(E_i/R (1/T - 1/T_ref)),
  // share_i > 0 the fraction of the resistance at T_ref (summing to 1), E_i >= 0 in J/mol.
  // The apparent activation energy rises as T falls, which a single Arrhenius law cannot do.
  std::vector<double> shares, energies;  // -, J/mol

  // std::domain_error if T is outside the law's validity (T <= 0; vtf: T <= T0).
  double factor(double T) const;
  // std::invalid_argument if the parameters are inconsistent (e.g. T_table not increasing,
  // non-positive factors, T_ref <= T0).
  void validate() const;
  std::string describe() const;  // "" for Kind::none
};

// A property of (x, T): base(x) times a temperature factor, an expression in x and T that is
// re-tabulated at each bind, or a 2-D table in (T, x) re-interpolated at each bind.
class Property {
 public:
  Property() = default;  // the constant 0
  static Property constant(double v);
  // base is the function of x at the law's T_ref (the law is validated here).
  static Property of(Fn1DPtr base, TemperatureLaw law = {});
  // An expression in `var` and the temperature "T" (K), tabulated over [lo, hi] at bind time.
  // Parsed once here, so syntax errors and unknown names surface when parameters are loaded.
  static Property expression(std::string expr, std::string var, double lo, double hi);
  // A table on the grid T (K) x x: values[i][j] at (T[i], x[j]), one row per temperature. At a
  // bind, each column's ln(value) is interpolated against 1/T with pchip (the natural coordinate
  // for thermally activated transport, as TemperatureLaw::table_inverse_T) and extrapolated
  // linearly in 1/T outside [T.front(), T.back()], silently; the resulting column values become
  // a 1-D table in x with `method`, extrapolated linearly in x with its end slopes. Both axes
  // strictly increasing with at least 2 points, T > 0, values rectangular, finite and > 0;
  // std::invalid_argument naming the offending entry (0-based, e.g. values[2][1]) otherwise.
  static Property table2d(std::vector<double> T, std::vector<double> x,
                          std::vector<std::vector<double>> values, Interp method = Interp::pchip);

  // The 1-D function of x at temperature T (K). Base kinds: base scaled by the law's factor
  // (the base itself when there is no law); expression: tabulated at this T; 2-D table: the
  // table in x of the columns interpolated to this T (std::domain_error for T <= 0).
  Fn1DPtr bind(double T) const;
  bool depends_on_x() const;
  // e.g. "arrhenius(Ea=16402 J/mol, T_ref=293.15 K) x 0.0332"
  std::string describe() const;

 private:
  enum class Kind { function, expression, table2d };
  Kind kind_ = Kind::function;
  Fn1DPtr base_ = make_constant(0.0);
  TemperatureLaw law_;
  std::string expr_, var_;  // Kind::expression
  double lo_ = 0, hi_ = 0;  // tabulation range of var (its SI unit)
  bool uses_x_ = false;     // Kind::expression: the expression mentions var
  bool uses_T_ = false;     // Kind::expression: the expression mentions T
  // Tabulating an expression takes milliseconds; copies of a Property (one per simulated cell in
  // a sweep) share the last tabulation, reused when T is the same or the expression ignores T.
  struct BindCache {
    std::mutex mutex;
    double T = -1;
    Fn1DPtr fn;
  };
  std::shared_ptr<BindCache> cache_;
  // Kind::table2d: the grid, and per column j the pchip of ln(values[.][j]) against increasing 1/T.
  std::vector<double> T2_, x2_;  // K, the variable's SI unit
  std::vector<Fn1DPtr> ln_columns_;
  Interp method2_ = Interp::pchip;
};

}  // namespace cascade
