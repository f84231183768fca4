// `cascade bench`: fixed cases, run repeatedly, medians printed as "name: value unit" lines.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"
#include "tools/cascade/commands.hpp"

namespace cascade::cli {

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int bench(int repeats, const std::string& root) {
  struct Case {
    std::string label, file;
    std::vector<std::string> overrides;
  };
  // The default settings, plus one looser tolerance to show what accuracy buys in time
  // (0.32 mV RMS against DUALFOIL at rtol 1e-5, against 0.17 mV at the default 1e-6).
  const std::vector<Case> cases{
      {"lmo_constant 1C discharge", "cases/reference/lmo_constant_1c.yaml", {}},
      {"lmo_lipf6 1C discharge", "cases/reference/lmo_lipf6_1c.yaml", {}},
      {"lmo_constant 1C discharge at rtol 1e-5", "cases/reference/lmo_constant_1c.yaml",
       {"solver.rtol=1e-5", "solver.atol=1e-5"}},
  };
  for (const auto& c : cases) {
    const std::filesystem::path file = std::filesystem::path(root) / c.file;
    const ParamSet p = ParamSet::load(file, c.overrides);
    const CellParams cell = build_cell_params(p);
    const SolverSettings settings = build_solver_settings(p);
    const auto steps = case_protocol(p);
    std::vector<double> wall, setup;
    RunResult last;
    for (int k = 0; k < repeats; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      Simulation sim(cell, settings);
      const auto t1 = std::chrono::steady_clock::now();
      last = sim.run(steps, nullptr);
      const auto t2 = std::chrono::steady_clock::now();
      setup.push_back(std::chrono::duration<double>(t1 - t0).count());
      wall.push_back(std::chrono::duration<double>(t2 - t1).count());
    }
    const auto& s = last.stats;
    std::cout << fmt::format("{} (solve, one core): {:.3f} ms\n", c.label, median(wall) * 1e3);
    std::cout << fmt::format("{} (setup): {:.3f} ms\n", c.label, median(setup) * 1e3);
    std::cout << fmt::format("{} steps: {} \n{} residual evaluations: {}\n{} jacobian evaluations: {}\n",
                             c.label, s.steps, c.label, s.residual_evals, c.label, s.jacobian_evals);
  }
  return 0;
}

}  // namespace cascade::cli
