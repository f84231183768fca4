// `cascade mesh-check` as a user runs it: the table's columns are the runs on the refined meshes,
// it names the direction that holds the error (a different one for different physics), and bad
// options fail before anything runs.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using cascade::testing::run_cascade;
using cascade::testing::slurp;

namespace {

const fs::path base = fs::path(CASCADE_TEST_DATA) / "tools/sweep_base.yaml";  // mesh 4 / 6 / 5, 5C

struct TempDir : cascade::testing::ScratchDir {
  TempDir() : ScratchDir("mesh_check") {}
};

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// mesh_check.csv: output name -> [base, membrane, cathode, particle, all, error estimate]
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
  return f;
}

struct Row {
  double base, membrane, cathode, particle, all;
};

Row only_row(const fs::path& csv) {
  std::istringstream in(slurp(csv));
  std::string header, line;
  std::getline(in, header);
  REQUIRE(header == "output,base,change_membrane_x2,change_cathode_x2,change_particle_x2,change_all_x2,error_estimate");
  REQUIRE(std::getline(in, line));
  const auto f = split(line);
  REQUIRE(f.size() == 7);
  CHECK(f[0] == "discharge_capacity_mAh_g");
  return {std::stod(f[1]), std::stod(f[2]), std::stod(f[3]), std::stod(f[4]), std::stod(f[5])};
}

}  // namespace

TEST_CASE("mesh-check: slow solid diffusion puts the error in the shells, slow salt diffusion in the cathode volumes") {
  const TempDir tmp;
  // a particle diffusivity 1/500 of the cell's: the shells' gradient is what the mesh must resolve
  const fs::path shells = tmp.path / "shells";
  auto r = run_cascade("mesh-check " + quoted(base) + " --set 'cathode.diffusivity=2e-15 m2/s' --collect "
                       "discharge_capacity_mAh_g -o " + quoted(shells));
  INFO(r.output);
  REQUIRE(r.status == 0);
  const Row a = only_row(shells / "mesh_check.csv");
  CHECK(std::abs(a.particle) > 100 * std::abs(a.membrane));
  CHECK(std::abs(a.particle) > 100 * std::abs(a.cathode));
  CHECK(r.output.find("the particle shells hold") != std::string::npos);

  // the particle column is the run on twice the shells, as `cascade run` gives it
  const fs::path direct = tmp.path / "direct";
  const auto d = run_cascade("run " + quoted(base) + " -q --set 'cathode.diffusivity=2e-15 m2/s' --set mesh.particle=10 -o " +
                             quoted(direct));
  REQUIRE(d.status == 0);
  const double refined = nlohmann::json::parse(slurp(direct / "summary.json"))["discharge_capacity_mAh_g"];
  CHECK(a.base * (1 + a.particle) == doctest::Approx(refined).epsilon(1e-6));

  // a salt diffusivity 1/10 of the cell's: the gradient across the cathode is what matters
  const fs::path volumes = tmp.path / "volumes";
  r = run_cascade("mesh-check " + quoted(base) + " --set 'electrolyte.diffusivity=2e-11 m2/s' -o " + quoted(volumes));
  INFO(r.output);
  REQUIRE(r.status == 0);
  std::istringstream in(slurp(volumes / "mesh_check.csv"));
  std::string line;
  std::getline(in, line);
  std::getline(in, line);  // the default outputs of a single discharge: capacity first
  const auto f = split(line);
  REQUIRE(f.size() == 7);
  CHECK(f[0] == "discharge_capacity_mAh_g");
  CHECK(std::abs(std::stod(f[3])) > 5 * std::abs(std::stod(f[2])));
  CHECK(std::abs(std::stod(f[3])) > 5 * std::abs(std::stod(f[4])));
  CHECK(r.output.find("the cathode volumes hold") != std::string::npos);
  CHECK(r.output.find("energy_Wh_kg") != std::string::npos);
  CHECK(r.output.find("mean_discharge_voltage_V") != std::string::npos);
  // 6 % of capacity moved: the second-order estimate is flagged as untrustworthy
  CHECK(r.output.find("the mesh is far from converged") != std::string::npos);

  // a rerun finds every run in the journal and prints the same table
  const auto again = run_cascade("mesh-check " + quoted(base) + " --set 'electrolyte.diffusivity=2e-11 m2/s' -o " +
                                 quoted(volumes));
  CHECK(again.status == 0);
  CHECK(again.output.find(" 0 run now ") != std::string::npos);
  CHECK(again.output.find("(5 from the journal)") != std::string::npos);
  CHECK(again.output.find("the cathode volumes hold") != std::string::npos);
}

TEST_CASE("mesh-check: a rate test compares every rate's capacity; bad options fail before any run") {
  const TempDir tmp;
  // the rate sweep's base case on a coarser mesh given by --set, which the refinements start from
  const fs::path rates = tmp.path / "rates";
  const auto r = run_cascade("mesh-check " + quoted(fs::path(CASCADE_SOURCE_DIR) / "cases/sweeps/lmo_rate_capability_base.yaml") +
                             " --set mesh.particle=8 -o " + quoted(rates));
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("mesh 5 / 10 / 8 (") != std::string::npos);
  std::istringstream in(slurp(rates / "mesh_check.csv"));
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) names.push_back(split(line)[0]);
  CHECK(names == std::vector<std::string>{"output", "discharge_capacity_mAh_g@0.1C", "discharge_capacity_mAh_g@0.2C",
                                          "discharge_capacity_mAh_g@0.5C", "discharge_capacity_mAh_g@1C",
                                          "discharge_capacity_mAh_g@2C", "discharge_capacity_mAh_g@3C",
                                          "discharge_capacity_mAh_g@5C"});
  const std::string results = slurp(rates / "results.csv");
  CHECK(results.find(",5,10,16,") != std::string::npos);  // the shells doubled from the --set 8
  CHECK(results.find(",10,20,16,") != std::string::npos);  // and all three together

  // a rate the case does not run is an input error, named, before anything runs
  const auto rate = run_cascade("mesh-check " + quoted(base) + " --collect 'discharge_capacity_mAh_g@4C' -o " +
                                quoted(tmp.path / "rate"));
  CHECK(rate.status == 2);
  CHECK(rate.output.find("'discharge_capacity_mAh_g@4C': the case runs no block '4C' (it is not a rate test)") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(tmp.path / "rate" / "journal.csv"));

  const auto bad = run_cascade("mesh-check " + quoted(base) + " --collect capacity_at_5C -o " + quoted(tmp.path / "bad"));
  CHECK(bad.status == 2);
  CHECK(bad.output.find("--collect") != std::string::npos);
  CHECK(bad.output.find("capacity_at_5C") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp.path / "bad" / "journal.csv"));

  const auto factor = run_cascade("mesh-check " + quoted(base) + " --factor 1");
  CHECK(factor.status != 0);
  CHECK(factor.output.find("--factor") != std::string::npos);
}

TEST_CASE("mesh-check: outputs a run did not produce are not compared, and each corner gets its own directory") {
  const TempDir tmp;
  // a discharge that ends at once: nothing to compare, said, and not a success
  auto r = run_cascade("mesh-check " + quoted(base) + " --set 'experiment=[\"Discharge at 50C until 3.5 V\"]' -o " +
                       quoted(tmp.path / "none"));
  INFO(r.output);
  CHECK(r.status == 4);
  CHECK(r.output.find("not compared: the case's mesh did not produce it") != std::string::npos);
  CHECK(r.output.find("no output could be compared") != std::string::npos);
  // a cycle the run never reaches beside one it does: the first is left out, the second compared
  r = run_cascade("mesh-check " + quoted(base) + " --collect discharge_capacity_mAh_g --collect 'retention_pct@cycle_5' -o " +
                  quoted(tmp.path / "some"));
  CHECK(r.status == 0);
  CHECK(r.output.find("retention_pct@cycle_5") != std::string::npos);
  CHECK(r.output.find("not compared") != std::string::npos);
  CHECK(r.output.find("at worst (discharge_capacity_mAh_g)") != std::string::npos);

  // the default directory: one per check, so two corners of a sweep do not collide and a repeat resumes
  const auto in_tmp = [&](const std::string& args) {
    const fs::path log = tmp.path / "log.txt";
    const int raw = std::system(("cd " + quoted(tmp.path) + " && '" + std::string(CASCADE_EXE) + "' mesh-check " + args +
                                 " >" + quoted(log) + " 2>&1")
                                    .c_str());
    return std::make_pair(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(log));
  };
  const auto small = in_tmp(quoted(base) + " --set 'cathode.particle_radius=2 um'");
  const auto large = in_tmp(quoted(base) + " --set 'cathode.particle_radius=10 um'");
  const auto again = in_tmp(quoted(base) + " --set 'cathode.particle_radius=10 um'");
  INFO(small.second << large.second << again.second);
  CHECK(small.first == 0);
  CHECK(large.first == 0);
  CHECK(again.first == 0);
  CHECK(again.second.find("(5 from the journal)") != std::string::npos);
  int dirs = 0;
  for (const auto& e : fs::directory_iterator(tmp.path / "out")) dirs += e.path().filename().string().rfind("sweep_base_mesh_check_", 0) == 0;
  CHECK(dirs == 2);
}
