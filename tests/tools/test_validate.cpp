// `cascade validate`: runs the cases with expected figures, prints the table, writes
// validation.csv, and exits 0 only when every figure is within its tolerance.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sstream>

#include "support/cli_runner.hpp"

using namespace cascade::testing;
namespace fs = std::filesystem;

namespace {
const fs::path dir = fs::path(CASCADE_TEST_DATA) / "tools/validate";
}

TEST_CASE("validate: a passing and a failing case, the table, the CSV and the exit status") {
  const ScratchDir out("validate");
  const auto r = run_cascade(fmt::format("validate '{}' -o '{}' -j 2", dir.string(), out.path.string()));
  INFO(r.output);
  CHECK(r.status == 1);  // one figure fails
  CHECK(r.output.find("1 of 2 expected figures within tolerance") != std::string::npos);
  CHECK(r.output.find("(1 of them fitted; 1 of the 1 others pass)") != std::string::npos);
  CHECK(r.output.find("FAIL (fitted)") != std::string::npos);
  const std::string csv = slurp(out.path / "validation.csv");
  CHECK(csv.rfind("case,quantity,reported,simulated,unit,error_pct,tolerance_pct,pass,source\n", 0) == 0);
  CHECK(csv.find("passes,discharge_capacity_mAh_g@1C,117.946,") != std::string::npos);
  CHECK(csv.find(",true,the model itself") != std::string::npos);
  CHECK(csv.find("fails,discharge_capacity_mAh_g@4C,45,") != std::string::npos);
  CHECK(csv.find(",false,made up (fitted)") != std::string::npos);
  // each case leaves its own outputs for plots
  CHECK(fs::exists(out.path / "passes" / "rate.csv"));
  CHECK_FALSE(fs::exists(out.path / "no_expected"));
  // only the passing case: status 0
  const auto ok = run_cascade(fmt::format("validate '{}' -o '{}'", (dir / "passes.yaml").string(), out.path.string()));
  CHECK(ok.status == 0);
}

TEST_CASE("validate: a bad expected block names the case file, the entry and what is wrong") {
  const ScratchDir d("validate");
  std::ofstream(d.path / "bad.yaml") << fmt::format(
      "include: '{}'\n"
      "expected:\n"
      "  - {{quantity: retention_pct@cycle_0, value: 90, tolerance: 2, source: x}}\n"
      "  - {{quantity: energy_Wh_kg, value: 300 mAh/g, tolerance: 5 %, source: x}}\n"
      "  - {{quantity: energy_Wh_kg, value: 300, tolerance: 5 %, source: x, weight: 2}}\n",
      (fs::path(CASCADE_TEST_DATA) / "tools/fit/rate_case.yaml").string());
  const auto r = run_cascade(fmt::format("validate '{}' -o '{}'", (d.path / "bad.yaml").string(), (d.path / "o").string()));
  CHECK(r.status == 2);
  CHECK(r.output.find("bad.yaml:3") != std::string::npos);
  CHECK(r.output.find("not a known output") != std::string::npos);
  CHECK(r.output.find("expected a number in Wh/kg") != std::string::npos);
  CHECK(r.output.find("unknown key 'weight'") != std::string::npos);
}

TEST_CASE("validate cases/paper: every case runs, the shipped fits still reproduce their targets") {
  // A change to the model that moves a calibrated figure out of its tolerance means the fits in
  // cases/fit must be rerun; predictions are reported whatever they give.
  const ScratchDir out("paper");
  const auto r = run_cascade(fmt::format("validate '{}' -o '{}'", (fs::path(CASCADE_SOURCE_DIR) / "cases/paper").string(),
                                         out.path.string()));
  INFO(r.output);
  REQUIRE((r.status == 0 || r.status == 1));
  std::istringstream csv(slurp(out.path / "validation.csv"));
  std::string line;
  std::getline(csv, line);
  int rows = 0, fitted = 0;
  while (std::getline(csv, line)) {
    ++rows;
    CHECK(line.find(",nan,") == std::string::npos);  // every case ran and reached its figure
    if (line.find("(fitted)") != std::string::npos) {
      ++fitted;
      CHECK(line.find(",true,") != std::string::npos);
    }
  }
  CHECK(rows >= 11);
  CHECK(fitted >= 7);
  CHECK(r.output.find("FAIL: ") == std::string::npos);  // no case failed to run
}
