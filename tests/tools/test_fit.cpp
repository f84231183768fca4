// `cascade fit`: recovers a known parameter from outputs it generated, writes an includable YAML
// with a confidence interval, and reports bad fit files clearly.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "support/cli_runner.hpp"

using namespace cascade::testing;
namespace fs = std::filesystem;

namespace {
const fs::path rate_case = fs::path(CASCADE_TEST_DATA) / "tools/fit/rate_case.yaml";

// The rate test's mean capacity at `rate` from a run's rate.csv.
double capacity_at(const fs::path& run_dir, const std::string& rate) {
  std::istringstream in(slurp(run_dir / "rate.csv"));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (line.rfind(rate + ",", 0) == 0) {
      const auto a = line.find(',', rate.size() + 1);
      return std::stod(line.substr(a + 1));
    }
  }
  return std::nan("");
}
}  // namespace

TEST_CASE("fit: recovers the solid diffusivity that produced two rate capacities") {
  const ScratchDir dir("fit");
  // the truth: D_s = 1e-13 m2/s
  const auto truth = run_cascade(fmt::format("run '{}' -o '{}' -q --set cathode.diffusivity=1e-13",
                                             rate_case.string(), (dir.path / "truth").string()));
  REQUIRE(truth.status == 0);
  const double q1 = capacity_at(dir.path / "truth", "1"), q4 = capacity_at(dir.path / "truth", "4");
  REQUIRE(q4 < q1);
  std::ofstream(dir.path / "fit.yaml") << fmt::format(
      "name: synthetic\n"
      "parameters:\n"
      "  cathode.diffusivity: {{initial: 2e-14 m2/s, min: 1e-15 m2/s, max: 1e-11 m2/s, scale: log}}\n"
      "targets:\n"
      "  - {{case: '{0}', quantity: discharge_capacity_mAh_g@1C, value: {1:.10g}, sigma: 0.5 mAh/g}}\n"
      "  - {{case: '{0}', quantity: discharge_capacity_mAh_g@4C, value: {2:.10g} mAh/g, sigma: 0.5}}\n"
      "output: fitted.yaml\n",
      rate_case.string(), q1, q4);
  const auto r = run_cascade(fmt::format("fit '{}'", (dir.path / "fit.yaml").string()));
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("converged") != std::string::npos);
  CHECK(r.output.find("iteration") != std::string::npos);  // progress
  // the written file is a parameter set: it loads, and carries the value with its interval
  const YAML::Node y = YAML::LoadFile((dir.path / "fitted.yaml").string());
  const std::string v = y["cathode"]["diffusivity"].Scalar();
  CHECK(std::stod(v) == doctest::Approx(1e-13).epsilon(0.005).scale(0));
  CHECK(v.find("m2/s") != std::string::npos);
  const auto show = run_cascade(fmt::format("params show '{}'", (dir.path / "fitted.yaml").string()));
  CHECK(show.status == 0);
  CHECK(slurp(dir.path / "fitted.yaml").find("95 % [") != std::string::npos);
}

TEST_CASE("fit: a bad fit file names the file, the key and what was expected") {
  const ScratchDir dir("fit");
  std::ofstream(dir.path / "bad.yaml") << fmt::format(
      "parameters:\n"
      "  cathode.difusivity: {{initial: 1e-13, min: 1e-15, max: 1e-11}}\n"
      "  cathode.particle_radius: {{initial: 5 um, min: 10 um, max: 20 um}}\n"
      "targets:\n"
      "  - {{case: '{}', quantity: discharge_capacity_mAh_g@fast, value: 100}}\n"
      "  - {{case: nowhere.yaml, quantity: energy_Wh_kg, value: 1}}\n"
      "weights: 1\n",
      rate_case.string());
  const auto r = run_cascade(fmt::format("fit '{}'", (dir.path / "bad.yaml").string()));
  CHECK(r.status == 2);
  CHECK(r.output.find("bad.yaml:2") != std::string::npos);
  CHECK(r.output.find("not a numeric parameter") != std::string::npos);
  CHECK(r.output.find("min <= initial <= max") != std::string::npos);
  CHECK(r.output.find("not a known output") != std::string::npos);
  CHECK(r.output.find("no such case file") != std::string::npos);
  CHECK(r.output.find("unknown key 'weights'") != std::string::npos);
}

TEST_CASE("fit: a starting point whose cases fail to run gives a clear message and writes nothing") {
  const ScratchDir dir("fit_fails");
  // a size spread on the one-size cathode of the case is refused when the case is built
  std::ofstream(dir.path / "fit.yaml") << fmt::format(
      "name: failing\n"
      "parameters:\n"
      "  cathode.particle_radius_spread: {{initial: 0.5, min: 0.1, max: 1}}\n"
      "targets:\n"
      "  - {{case: '{0}', quantity: discharge_capacity_mAh_g@1C, value: 100 mAh/g, sigma: 1 mAh/g}}\n"
      "output: fitted.yaml\n",
      rate_case.string());
  const auto r = run_cascade(fmt::format("fit '{}'", (dir.path / "fit.yaml").string()));
  INFO(r.output);
  CHECK(r.status == 3);
  CHECK(r.output.find("a trial point failed") != std::string::npos);
  CHECK(r.output.find("no usable solution") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path / "fitted.yaml"));
}
