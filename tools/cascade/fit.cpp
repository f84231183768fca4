// `cascade fit FIT.yaml`: least-squares calibration of named parameters against outputs of cases
// (Ceres Solver, Levenberg-Marquardt with bounds), with confidence intervals from the Jacobian.
//
//   name: lfp_gz62_rate
//   parameters:                        # keys of the cases' parameter sets
//     cathode.diffusivity: {initial: 5.9e-18 m2/s, min: 1e-20 m2/s, max: 1e-14 m2/s, scale: log}
//   targets:                           # outputs of cases (params/quantity.hpp)
//     - {case: ../paper/lfp_gz62_rate.yaml, quantity: discharge_capacity_mAh_g@5C,
//        value: 83.6 mAh/g, sigma: 2 mAh/g, source: "SCIENCE.md sec. 3"}
//   output: fitted/lfp_gz62_rate.yaml  # includable YAML with the fitted values
//   options: {max_iterations: 30}
#include <ceres/ceres.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <set>

#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"
#include "params/quantity.hpp"
#include "params/units.hpp"
#include "tools/cascade/commands.hpp"
#include "tools/cascade/quantities.hpp"

namespace fs = std::filesystem;

namespace cascade::cli {

namespace {

struct FitParameter {
  std::string key;
  const KeySpec* spec = nullptr;
  double initial = 0, lo = 0, hi = 0;  // SI
  bool log = false;
  double to_x(double v) const { return log ? std::log(v) : v; }
  double from_x(double x) const { return log ? std::exp(x) : x; }
};

struct FitTarget {
  fs::path case_file;
  QuantitySpec quantity;
  double value = 0, sigma = 1;  // in the quantity's unit
  std::string source;
};

struct FitSpec {
  fs::path file;
  std::string name;
  std::vector<FitParameter> parameters;
  std::vector<FitTarget> targets;
  fs::path output;
  int max_iterations = 30;
};

void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where,
                const std::string& file, DiagnosticList& d) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    const std::string near = nearest(k, allowed);
    d.add(node_source(it->first, file), where.empty() ? k : where + "." + k,
          fmt::format("unknown key '{}'{}; known: {}", k,
                      near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near),
                      fmt::join(allowed, ", ")));
  }
}

// A target value in its quantity's unit (params/quantity.hpp), a problem added to `d`.
bool read_in_unit(const YAML::Node& n, const std::string& unit, const std::string& where,
                  const std::string& file, DiagnosticList& d, double& out) {
  try {
    out = number_in_unit(n.IsScalar() ? n.Scalar() : "", unit, node_source(n, file), where);
    return true;
  } catch (const InputError& e) {
    for (const auto& x : e.diagnostics()) d.add(x.where, x.key, x.message);
    return false;
  }
}

FitSpec load_fit(const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw InputError(Source{file.string(), 0, 0}, "", "cannot read the fit file");
  } catch (const YAML::Exception& e) {
    throw InputError(Source{file.string(), e.mark.line + 1, e.mark.column + 1}, "", e.msg);
  }
  const std::string f = file.string();
  DiagnosticList d;
  FitSpec spec;
  spec.file = file;
  if (!root.IsMap()) throw InputError(Source{f, 1, 1}, "", "a fit file is a map (name, parameters, targets)");
  check_keys(root, {"name", "description", "parameters", "targets", "output", "options"}, "", f, d);
  spec.name = root["name"] ? root["name"].Scalar() : file.stem().string();
  const Schema& schema = Schema::cascade();
  if (!root["parameters"] || !root["parameters"].IsMap() || root["parameters"].size() == 0) {
    d.add(Source{f, 1, 1}, "parameters", "expected a map of parameters to fit");
  } else {
    for (auto it = root["parameters"].begin(); it != root["parameters"].end(); ++it) {
      FitParameter p;
      p.key = it->first.Scalar();
      const std::string where = "parameters." + p.key;
      p.spec = schema.find(p.key);
      if (!p.spec || (p.spec->kind != KeyKind::quantity && p.spec->kind != KeyKind::function)) {
        d.add(node_source(it->first, f), where, "not a numeric parameter of a cell");
        continue;
      }
      const YAML::Node v = it->second;
      if (!v.IsMap() || !v["initial"] || !v["min"] || !v["max"]) {
        d.add(node_source(v, f), where, "expected {initial: ..., min: ..., max: ..., scale: linear|log}");
        continue;
      }
      check_keys(v, {"initial", "min", "max", "scale"}, where, f, d);
      bool ok = true;
      for (auto [name, dst] : {std::pair{"initial", &p.initial}, std::pair{"min", &p.lo}, std::pair{"max", &p.hi}}) {
        try {
          *dst = to_si(v[name].Scalar(), p.spec->dim);
        } catch (const std::exception& e) {
          d.add(node_source(v[name], f), where + "." + name, e.what());
          ok = false;
        }
      }
      const std::string scale = v["scale"] ? v["scale"].Scalar() : "linear";
      if (scale != "linear" && scale != "log") {
        d.add(node_source(v["scale"], f), where + ".scale", "expected linear or log");
        ok = false;
      }
      p.log = scale == "log";
      if (ok && !(p.lo < p.hi && p.initial >= p.lo && p.initial <= p.hi)) {
        d.add(node_source(v, f), where, "expected min < max and min <= initial <= max");
        ok = false;
      }
      if (ok && p.log && !(p.lo > 0)) {
        d.add(node_source(v["min"], f), where + ".min", "a log-scaled parameter needs min > 0");
        ok = false;
      }
      if (ok) spec.parameters.push_back(p);
    }
  }
  if (!root["targets"] || !root["targets"].IsSequence() || root["targets"].size() == 0) {
    d.add(Source{f, 1, 1}, "targets", "expected a list of targets");
  } else {
    for (std::size_t i = 0; i < root["targets"].size(); ++i) {
      const YAML::Node t = root["targets"][i];
      const std::string where = fmt::format("targets[{}]", i);
      if (!t.IsMap() || !t["case"] || !t["quantity"] || !t["value"]) {
        d.add(node_source(t, f), where, "expected {case: FILE, quantity: NAME, value: V, sigma: S}");
        continue;
      }
      check_keys(t, {"case", "quantity", "value", "sigma", "source"}, where, f, d);
      FitTarget ft;
      ft.case_file = file.parent_path() / t["case"].Scalar();
      if (!fs::exists(ft.case_file)) {
        d.add(node_source(t["case"], f), where + ".case", fmt::format("no such case file '{}'", ft.case_file.string()));
        continue;
      }
      try {
        ft.quantity = parse_quantity_name(t["quantity"].Scalar(), node_source(t["quantity"], f), where + ".quantity");
      } catch (const InputError& e) {
        for (const auto& x : e.diagnostics()) d.add(x.where, x.key, x.message);
        continue;
      }
      const std::string unit = ft.quantity.unit();
      bool ok = read_in_unit(t["value"], unit, where + ".value", f, d, ft.value);
      if (t["sigma"]) ok = read_in_unit(t["sigma"], unit, where + ".sigma", f, d, ft.sigma) && ok;
      if (ok && !(ft.sigma > 0)) {
        d.add(node_source(t["sigma"], f), where + ".sigma", "expected sigma > 0");
        ok = false;
      }
      ft.source = t["source"] ? t["source"].Scalar() : "";
      if (ok) spec.targets.push_back(ft);
    }
  }
  spec.output = file.parent_path() / (root["output"] ? root["output"].Scalar() : "fitted/" + spec.name + ".yaml");
  if (const YAML::Node o = root["options"]) {
    check_keys(o, {"max_iterations"}, "options", f, d);
    if (o["max_iterations"]) spec.max_iterations = o["max_iterations"].as<int>();
  }
  d.throw_if_any();
  return spec;
}

// The --set text that puts `v` (SI) into `key` of `base`: a plain number, or for a material
// function given as {value: ..., law ...}, the same map with its value replaced, so that a
// temperature law in the file survives the fit.
std::string override_text(const ParamSet& base, const FitParameter& p, double v) {
  const std::string number = fmt::format("{:.17g}", v);
  const Entry* e = base.find(p.key);
  if (p.spec->kind == KeyKind::function && e && e->node.IsMap() && e->node["value"]) {
    YAML::Node copy = YAML::Clone(e->node);
    copy["value"] = number;
    if (copy["unit"]) copy.remove("unit");
    YAML::Emitter out;
    out << YAML::Flow << copy;
    return p.key + "=" + out.c_str();
  }
  return p.key + "=" + number;
}

// Runs every case the targets name with the parameters `x` and returns the targets' values.
class Evaluator {
 public:
  explicit Evaluator(const FitSpec& spec) : spec_(spec) {
    std::set<fs::path> seen;
    for (const auto& t : spec.targets) {
      if (seen.insert(t.case_file).second) {
        cases_.push_back(t.case_file);
        bases_.push_back(ParamSet::load(t.case_file));
      }
    }
  }
  std::vector<double> values(const std::vector<double>& x) {
    // each case on its own thread (every run owns its solver)
    std::vector<std::future<std::pair<CellParams, RunResult>>> runs;
    for (std::size_t c = 0; c < cases_.size(); ++c) {
      runs.push_back(std::async(std::launch::async, [&, c] {
        std::vector<std::string> set;
        for (std::size_t i = 0; i < spec_.parameters.size(); ++i) {
          set.push_back(override_text(bases_[c], spec_.parameters[i], spec_.parameters[i].from_x(x[i])));
        }
        const ParamSet p = ParamSet::load(cases_[c], set);
        const CellParams cell = build_cell_params(p);
        RunResult res;
        bool needs_run = false;
        for (const auto& t : spec_.targets) needs_run = needs_run || (t.case_file == cases_[c] && t.quantity.needs_run());
        if (needs_run && (p.has("experiment") || p.has("rate_test.rates"))) {
          Simulation sim(cell, build_solver_settings(p));
          res = sim.run(case_protocol(p), nullptr, parse_stop_when(p));
        }
        return std::pair{cell, res};
      }));
    }
    std::vector<std::pair<CellParams, RunResult>> done;
    for (auto& r : runs) done.push_back(r.get());
    std::vector<double> out;
    for (const auto& t : spec_.targets) {
      const std::size_t c = std::find(cases_.begin(), cases_.end(), t.case_file) - cases_.begin();
      out.push_back(quantity_value(t.quantity, done[c].first, done[c].second));
    }
    ++evaluations;
    return out;
  }
  int evaluations = 0;

 private:
  const FitSpec& spec_;
  std::vector<fs::path> cases_;
  std::vector<ParamSet> bases_;
};

// Residuals (simulated - reported) / sigma; a run that fails or never reaches a target gives a
// large residual rather than stopping the fit.
struct Cost {
  Evaluator* ev;
  const FitSpec* spec;
  bool operator()(double const* const* x, double* r) const {
    std::vector<double> xs(x[0], x[0] + spec->parameters.size());
    std::vector<double> v;
    try {
      v = ev->values(xs);
    } catch (const std::exception& e) {
      std::cerr << "  (a trial point failed: " << e.what() << ")\n";
      return false;  // Ceres shrinks the step
    }
    for (std::size_t i = 0; i < spec->targets.size(); ++i) {
      const auto& t = spec->targets[i];
      r[i] = std::isfinite(v[i]) ? (v[i] - t.value) / t.sigma : 1e3;
    }
    return true;
  }
};

class Progress : public ceres::IterationCallback {
 public:
  ceres::CallbackReturnType operator()(const ceres::IterationSummary& s) override {
    std::cerr << fmt::format("  iteration {:3d}: cost {:.6g}, step {:.3g}, {:.1f} s\n", s.iteration, s.cost,
                             s.step_norm, s.cumulative_time_in_seconds);
    return ceres::SOLVER_CONTINUE;
  }
};

std::string yaml_of(const std::map<std::string, std::string>& flat, const std::map<std::string, std::string>& notes) {
  // dotted keys -> nested YAML, comments beside the values
  std::string out;
  std::vector<std::string> open;
  for (const auto& [key, value] : flat) {
    std::vector<std::string> parts;
    std::size_t a = 0;
    for (std::size_t b; (b = key.find('.', a)) != std::string::npos; a = b + 1) parts.push_back(key.substr(a, b - a));
    parts.push_back(key.substr(a));
    std::size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common]) ++common;
    open.resize(common);
    for (std::size_t i = common; i + 1 < parts.size(); ++i) {
      out += std::string(2 * i, ' ') + parts[i] + ":\n";
      open.push_back(parts[i]);
    }
    const std::string line = std::string(2 * (parts.size() - 1), ' ') + parts.back() + ": " + value;
    out += fmt::format("{:<48} # {}\n", line, notes.at(key));
  }
  return out;
}

}  // namespace

int fit(const std::string& file) {
  const FitSpec spec = load_fit(file);
  Evaluator ev(spec);
  const std::size_t n = spec.parameters.size(), m = spec.targets.size();
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = spec.parameters[i].to_x(spec.parameters[i].initial);

  std::cerr << fmt::format("cascade fit {}: {} parameters, {} targets\n", spec.name, n, m);
  const auto start = std::chrono::steady_clock::now();
  ceres::Problem problem;
  ceres::NumericDiffOptions nd;
  nd.relative_step_size = 1e-3;  // above the solver's tolerance noise in the outputs
  auto* cost = new ceres::DynamicNumericDiffCostFunction<Cost, ceres::CENTRAL>(new Cost{&ev, &spec},
                                                                               ceres::TAKE_OWNERSHIP, nd);
  cost->AddParameterBlock(static_cast<int>(n));
  cost->SetNumResiduals(static_cast<int>(m));
  problem.AddResidualBlock(cost, nullptr, x.data());
  for (std::size_t i = 0; i < n; ++i) {
    problem.SetParameterLowerBound(x.data(), static_cast<int>(i), spec.parameters[i].to_x(spec.parameters[i].lo));
    problem.SetParameterUpperBound(x.data(), static_cast<int>(i), spec.parameters[i].to_x(spec.parameters[i].hi));
  }
  ceres::Solver::Options options;
  options.linear_solver_type = ceres::DENSE_QR;
  options.max_num_iterations = spec.max_iterations;
  options.minimizer_progress_to_stdout = false;
  options.logging_type = ceres::SILENT;
  options.function_tolerance = 1e-8;
  options.parameter_tolerance = 1e-6;
  Progress progress;
  options.callbacks.push_back(&progress);
  options.update_state_every_iteration = true;
  ceres::Solver::Summary summary;
  ceres::Solve(options, &problem, &summary);
  if (!summary.IsSolutionUsable()) {
    // e.g. the starting point itself failed to run: there is no fit to report or write
    std::cerr << fmt::format("cascade fit {}: no usable solution ({}); nothing written\n", file, summary.message);
    return 3;
  }

  // Jacobian at the solution -> covariance (J^T J)^-1 of the transformed parameters.
  double total_cost = 0;
  std::vector<double> residuals;
  ceres::CRSMatrix crs;
  if (!problem.Evaluate(ceres::Problem::EvaluateOptions(), &total_cost, &residuals, nullptr, &crs)) {
    std::cerr << fmt::format("cascade fit {}: the cases failed to run around the fitted point, so there are no "
                             "confidence intervals; nothing written\n", file);
    return 3;
  }
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(crs.num_rows, crs.num_cols);
  for (int r = 0; r < crs.num_rows; ++r) {
    for (int k = crs.rows[r]; k < crs.rows[r + 1]; ++k) J(r, crs.cols[k]) = crs.values[k];
  }
  const Eigen::MatrixXd JtJ = J.transpose() * J;
  const Eigen::MatrixXd cov = JtJ.completeOrthogonalDecomposition().pseudoInverse();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << fmt::format("{} after {} iterations, {} case evaluations, {:.1f} s: cost {:.6g} -> {:.6g}\n",
                           summary.termination_type == ceres::CONVERGENCE ? "converged" : "stopped",
                           summary.iterations.size() - 1, ev.evaluations, wall, summary.initial_cost,
                           summary.final_cost);
  std::map<std::string, std::string> flat, notes;
  const std::string stamp = fmt::format("fitted by cascade fit {} ({})", fs::path(file).filename().string(),
                                        git_revision());
  std::cout << "parameter                                   fitted            95 % interval\n";
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = spec.parameters[i];
    const double v = p.from_x(x[i]);
    const double half = 1.96 * std::sqrt(std::max(cov(static_cast<int>(i), static_cast<int>(i)), 0.0));
    const double lo = p.from_x(x[i] - half), hi = p.from_x(x[i] + half);
    const bool at_bound = std::abs(x[i] - p.to_x(p.lo)) < 1e-9 || std::abs(x[i] - p.to_x(p.hi)) < 1e-9;
    std::string unit = si_unit(p.spec->dim);
    if (unit == "1") unit.clear();
    std::cout << fmt::format("{:<43} {:<17.6g} [{:.4g}, {:.4g}] {}{}\n", p.key, v, lo, hi, unit,
                             at_bound ? "  (at a bound)" : "");
    flat[p.key] = unit.empty() ? fmt::format("{:.6g}", v) : fmt::format("{:.6g} {}", v, unit);
    notes[p.key] = fmt::format("{}: 95 % [{:.3g}, {:.3g}]{}", stamp, lo, hi, at_bound ? ", at a bound" : "");
  }
  const std::vector<double> final_values = ev.values(x);
  std::cout << "\ntarget                                              reported   simulated  residual/sigma\n";
  for (std::size_t j = 0; j < m; ++j) {
    const auto& t = spec.targets[j];
    std::cout << fmt::format("{:<50} {:>9.4g} {:>11.4g} {:>9.2f}   {} {}\n",
                             t.case_file.stem().string() + ": " + t.quantity.name, t.value, final_values[j],
                             (final_values[j] - t.value) / t.sigma, t.quantity.unit(), t.source);
  }
  fs::create_directories(spec.output.parent_path());
  std::ofstream out(spec.output);
  out << "# Written by `cascade fit " << file << "`; rerun it to reproduce. Include this file after\n"
      << "# the sets it overrides. Targets: ";
  for (std::size_t j = 0; j < m; ++j) out << (j ? "; " : "") << spec.targets[j].quantity.name << " = " << spec.targets[j].value;
  out << ".\n" << "source: \"" << stamp << "\"\n" << yaml_of(flat, notes);
  std::cout << fmt::format("\nwrote {}\n", spec.output.string());
  return 0;  // (an unusable solution returned 3 above)
}

}  // namespace cascade::cli
