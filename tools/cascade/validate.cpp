// `cascade validate [PATH...]`: runs the cases that carry `expected:` figures (default
// cases/paper), compares each named output with what the study reported, prints the table and
// writes validation.csv (and each case's own outputs). Exit status 0 only when all pass.
//
//   expected:
//     - {quantity: discharge_capacity_mAh_g@5C, value: 83.6 mAh/g, tolerance: 5 %,
//        source: "SCIENCE.md sec. 3, rate test", fitted: true}
// tolerance: relative ("5 %") or in the quantity's unit ("3 mAh/g"; retention in points: "2").
// fitted: true marks a figure the parameters were calibrated against (it checks the fit, it does
// not validate the model).
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "params/quantity.hpp"
#include "tools/cascade/commands.hpp"
#include "tools/cascade/quantities.hpp"

namespace fs = std::filesystem;

namespace cascade::cli {

namespace {

struct Expected {
  QuantitySpec quantity;
  double value = 0;
  double tolerance = 0;  // in the quantity's unit
  double tolerance_pct = 0;
  bool fitted = false;
  std::string source;
};

struct CaseCheck {
  fs::path file;
  std::string name;
  std::vector<Expected> expected;
  std::vector<double> simulated;
  std::string error;
};

double number_in(const YAML::Node& n, const std::string& unit, const Source& where, const std::string& key,
                 bool* percent = nullptr) {
  return number_in_unit(n.IsScalar() ? n.Scalar() : "", unit, where, key, percent);
}

std::vector<Expected> read_expected(const ParamSet& p) {
  std::vector<Expected> out;
  if (!p.has("expected")) return out;
  const Entry& e = p.at("expected");
  DiagnosticList d;
  for (std::size_t i = 0; i < e.node.size(); ++i) {
    const YAML::Node x = e.node[i];
    const Source src = node_source(x, e.src.file);
    const std::string key = fmt::format("expected[{}]", i);
    try {
      if (!x.IsMap() || !x["quantity"] || !x["value"] || !x["tolerance"] || !x["source"]) {
        throw InputError(src, key, "expected {quantity: NAME, value: V, tolerance: T, source: \"...\"}");
      }
      for (auto it = x.begin(); it != x.end(); ++it) {
        const std::string k = it->first.Scalar();
        static const std::vector<std::string> known{"quantity", "value", "tolerance", "source", "fitted"};
        if (std::find(known.begin(), known.end(), k) == known.end()) {
          throw InputError(node_source(it->first, e.src.file), key + "." + k,
                           fmt::format("unknown key '{}'; known: quantity, value, tolerance, source, fitted", k));
        }
      }
      Expected ex;
      ex.quantity = parse_quantity_name(x["quantity"].Scalar(), node_source(x["quantity"], e.src.file), key + ".quantity");
      const std::string unit = ex.quantity.unit();
      ex.value = number_in(x["value"], unit, node_source(x["value"], e.src.file), key + ".value");
      bool pct = false;
      const double t = number_in(x["tolerance"], unit, node_source(x["tolerance"], e.src.file), key + ".tolerance", &pct);
      ex.tolerance = pct ? t / 100.0 * std::abs(ex.value) : t;
      ex.tolerance_pct = ex.value != 0 ? 100.0 * ex.tolerance / std::abs(ex.value) : 0;
      ex.source = x["source"].Scalar();
      ex.fitted = x["fitted"] && x["fitted"].as<bool>();
      out.push_back(ex);
    } catch (const InputError& err) {
      for (const auto& g : err.diagnostics()) d.add(g.where, g.key, g.message);
    }
  }
  d.throw_if_any();
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

int validate(const std::vector<std::string>& paths_in, const std::string& out_dir_arg, int jobs, bool plots) {
  std::vector<std::string> paths = paths_in;
  if (paths.empty()) paths.push_back(std::string(CASCADE_SOURCE_DIR) + "/cases/paper");
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    if (fs::is_directory(p)) {
      std::vector<fs::path> here;
      for (const auto& f : fs::directory_iterator(p)) {
        if (f.path().extension() == ".yaml") here.push_back(f.path());
      }
      std::sort(here.begin(), here.end());
      files.insert(files.end(), here.begin(), here.end());
    } else if (fs::exists(p)) {
      files.emplace_back(p);
    } else {
      throw InputError(Source{p, 0, 0}, "", "no such case file or folder");
    }
  }
  // Read every case first, so that a mistake in any of them stops the run before it starts.
  std::vector<CaseCheck> checks;
  for (const auto& f : files) {
    const ParamSet p = ParamSet::load(f);
    CaseCheck c{f, case_name(p), read_expected(p), {}, {}};
    if (!c.expected.empty()) checks.push_back(std::move(c));
  }
  if (checks.empty()) {
    std::cerr << "validate: none of the cases carries an expected: block\n";
    return 2;
  }
  const fs::path out_dir = out_dir_arg.empty() ? fs::path("out/validation") : fs::path(out_dir_arg);
  fs::create_directories(out_dir);

  // In parallel, each case on its own thread with its own solver.
  const int workers = std::max(1, jobs > 0 ? jobs : static_cast<int>(std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  std::mutex print;
  const auto work = [&] {
    for (std::size_t i; (i = next++) < checks.size();) {
      CaseCheck& c = checks[i];
      try {
        const ParamSet p = ParamSet::load(c.file);
        RunOutcome o;
        if (p.has("experiment") || p.has("rate_test.rates")) {
          run_case(c.file.string(), (out_dir / c.name).string(), {}, true, &o);
        } else {
          o.cell = build_cell_params(p);
        }
        for (const auto& ex : c.expected) c.simulated.push_back(quantity_value(ex.quantity, o.cell, o.result));
      } catch (const std::exception& e) {
        c.error = e.what();
      }
      std::lock_guard<std::mutex> lock(print);
      std::cerr << fmt::format("  done: {}{}\n", c.name, c.error.empty() ? "" : " (failed: " + c.error + ")");
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) pool.emplace_back(work);
  for (auto& t : pool) t.join();

  std::string csv = "case,quantity,reported,simulated,unit,error_pct,tolerance_pct,pass,source\n";
  int passed = 0, total = 0, fitted = 0, independent_passed = 0;
  std::cout << fmt::format("{:<24} {:<34} {:>10} {:>10} {:>6} {:>8} {:>8}  {}\n", "case", "quantity", "reported",
                           "simulated", "unit", "error", "tol.", "result");
  for (const auto& c : checks) {
    for (std::size_t k = 0; k < c.expected.size(); ++k) {
      const auto& ex = c.expected[k];
      const double sim = k < c.simulated.size() ? c.simulated[k] : std::nan("");
      const bool ok = std::isfinite(sim) && std::abs(sim - ex.value) <= ex.tolerance;
      const double err_pct = std::isfinite(sim) && ex.value != 0 ? 100.0 * (sim - ex.value) / std::abs(ex.value) : std::nan("");
      ++total;
      passed += ok;
      fitted += ex.fitted;
      independent_passed += ok && !ex.fitted;
      const std::string verdict = std::string(ok ? "pass" : "FAIL") + (ex.fitted ? " (fitted)" : "");
      std::cout << fmt::format("{:<24} {:<34} {:>10.4g} {:>10.4g} {:>6} {:>7.1f}% {:>7.1f}%  {}\n", c.name,
                               ex.quantity.name, ex.value, sim, ex.quantity.unit(), err_pct, ex.tolerance_pct,
                               c.error.empty() ? verdict : "FAIL: " + c.error.substr(0, 60));
      csv += fmt::format("{},{},{:.6g},{:.6g},{},{:.4f},{:.4f},{},{}\n", c.name, ex.quantity.name, ex.value, sim,
                         csv_field(ex.quantity.unit()), err_pct, ex.tolerance_pct, ok ? "true" : "false",
                         csv_field(ex.source + (ex.fitted ? " (fitted)" : "")));
    }
  }
  const fs::path csv_path = out_dir / "validation.csv";
  {
    std::ofstream out(csv_path);
    out << csv;
  }
  // a fitted figure shows the calibration held; only the others test the model
  std::cout << fmt::format("\n{} of {} expected figures within tolerance ({} of them fitted; {} of the {} others "
                           "pass); table in {}\n",
                           passed, total, fitted, independent_passed, total - fitted, csv_path.string());
  if (plots) {
    const fs::path plot = fs::path(CASCADE_SOURCE_DIR) / "tools/plot";
    if (fs::exists(plot)) {
      std::string cmd = "'" + plot.string() + "'";
      for (const auto& c : checks) {
        if (fs::exists(out_dir / c.name / "summary.json")) cmd += " '" + (out_dir / c.name).string() + "'";
      }
      cmd += " --validation '" + csv_path.string() + "' -o '" + (out_dir / "plots").string() + "'";
      if (std::system(cmd.c_str()) != 0) std::cerr << "validate: tools/plot failed (see above)\n";
    } else {
      std::cerr << "validate: tools/plot not found; no pictures\n";
    }
  }
  return passed == total ? 0 : 1;
}

}  // namespace cascade::cli
