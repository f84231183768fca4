// `cascade bench`, the study's cheap cell tests (issue 10): a 60-frequency impedance spectrum of
// the glass LFP cell at half charge, and 1000 hours of Li|Li plating/stripping.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "models/impedance.hpp"
#include "solver/linear_response.hpp"
#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"
#include "tools/cascade/commands.hpp"

namespace cascade::cli {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

void bench_cell_tests(const std::string& root, int repeats) {
  namespace fs = std::filesystem;
  {
    const ParamSet p = ParamSet::load(fs::path(root) / "params/cells/lfp_gz62.yaml", {"cell.initial_soc=0.5"});
    Cell cell(build_cell_params(p));
    std::vector<double> y, yp;
    cell.initial_state(y, yp);
    const std::vector<double> f = log_frequencies(1e5, 1e-3, 60);
    std::vector<double> wall;
    for (int k = 0; k < repeats; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto z = impedance(cell, y, yp, f);
      wall.push_back(seconds_since(t0));
    }
    std::cout << fmt::format("eis: 60-frequency spectrum (100 kHz to 1 mHz) of lfp_gz62 at half charge, {} "
                             "unknowns (one core): {:.3f} ms (goal: under 5 ms)\n",
                             cell.size(), median_of(wall) * 1e3);
    // how much of that is the linearisation (two Jacobians), the rest being 60 complex solves
    std::vector<double> lin;
    for (int k = 0; k < repeats; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      cell.set_capacitive(true);
      const auto l = solver::linearise(cell, 0.0, y, yp);
      cell.set_capacitive(false);
      lin.push_back(seconds_since(t0));
    }
    std::cout << fmt::format("eis: of which the linearisation (one core): {:.3f} ms\n", median_of(lin) * 1e3);
  }
  {
    const ParamSet p = ParamSet::load(fs::path(root) / "params/cells/li_li_gz62.yaml");
    const CellParams cell = build_cell_params(p);
    const SolverSettings settings = build_solver_settings(p);
    const std::vector<Step> half{parse_step("Discharge at 0.2 mA/cm2 for 1 hour", Source{}),
                                 parse_step("Charge at 0.2 mA/cm2 for 1 hour", Source{})};
    std::vector<Step> steps;
    for (int k = 0; k < 500; ++k) steps.insert(steps.end(), half.begin(), half.end());
    std::vector<double> wall;
    RunResult last;
    for (int k = 0; k < std::max(1, repeats / 4); ++k) {
      Simulation sim(cell, settings);
      const auto t0 = std::chrono::steady_clock::now();
      last = sim.run(steps, nullptr);
      wall.push_back(seconds_since(t0));
    }
    std::cout << fmt::format("li_li_gz62: 1000 h of plating/stripping at 0.2 mA/cm2, 0.2 mAh/cm2 (one core): "
                             "{:.3f} s, {} steps (goal: under 1 s)\n",
                             median_of(wall), last.stats.steps);
  }
}

}  // namespace cascade::cli
