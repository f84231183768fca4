// Sweep files (params/sweep.*) and `cascade sweep` (tools/cascade/sweep.cpp): expansion of the
// points, input errors, a real sweep, shards, and a sweep killed mid-way and resumed.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "params/sweep.hpp"

#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using cascade::InputError;

namespace {

const std::string exe = CASCADE_EXE;
const fs::path data = fs::path(CASCADE_TEST_DATA) / "tools";

// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir : cascade::testing::ScratchDir {
  TempDir() : ScratchDir("sweep") {}
};

std::string read(const fs::path& p) { return cascade::testing::slurp(p); }

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

cascade::Sweep parse(const std::string& yaml) { return cascade::load_sweep_string(yaml, "sweep.yaml", data); }

struct Result {
  int status = -1;
  std::string output;
};

Result cascade_cmd(const std::string& args) {
  const TempDir tmp;
  const fs::path out = tmp.path / "output.txt";
  const std::string cmd = "'" + exe + "' " + args + " >'" + out.string() + "' 2>&1";
  const int raw = std::system(cmd.c_str());
  Result r;
  r.status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.output = read(out);
  return r;
}

// A CSV file as rows of fields (the quoted error field may hold commas).
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::string cur;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) {
        f.push_back(cur);
        cur.clear();
      } else cur += c;
    }
    f.push_back(cur);
    rows.push_back(f);
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t k = 0; k < header.size(); ++k) {
    if (header[k] == name) return k;
  }
  FAIL("no column " << name);
  return 0;
}

// results.csv without its wall_time_s column (the only one that differs between runs).
std::string without_wall_time(const std::string& text) {
  auto rows = csv_rows(text);
  const std::size_t w = column(rows.at(0), "wall_time_s");
  std::string out;
  for (auto& r : rows) {
    r.erase(r.begin() + static_cast<long>(w));
    for (const auto& f : r) out += f + "|";
    out += "\n";
  }
  return out;
}

std::size_t count_lines(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

}  // namespace

TEST_CASE("sweep: the grid is the product of vary keys and the zip block, first key slowest") {
  const auto s = parse(R"(
base: sweep_base.yaml
vary:
  electrolyte.conductivity: [0.5 S/m, 25 mS/cm]
  cathode.diffusivity: {logspace: [1e-14 m2/s, 1e-12 m2/s, 3]}
zip:
  cathode.thickness: [60 um, 80 um]
  cathode.porosity: {linspace: [0.3, 0.4, 2]}
collect: [discharge_capacity_mAh_g]
)");
  CHECK(s.base == (data / "sweep_base.yaml").lexically_normal());
  REQUIRE(s.keys == std::vector<std::string>{"electrolyte.conductivity", "cathode.diffusivity",
                                             "cathode.thickness", "cathode.porosity"});
  REQUIRE(s.points.size() == 2 * 3 * 2);
  const auto& p0 = s.points[0];
  CHECK(p0.overrides == std::vector<std::string>{"electrolyte.conductivity=0.5 S/m", "cathode.diffusivity=1e-14",
                                                 "cathode.thickness=60 um", "cathode.porosity=0.3"});
  CHECK(p0.values == std::vector<std::string>{"0.5", "1e-14", "6e-05", "0.3"});
  // zip keys move together and fastest; the logspace is geometric
  CHECK(s.points[1].overrides[2] == "cathode.thickness=80 um");
  CHECK(s.points[1].overrides[3] == "cathode.porosity=0.4");
  CHECK(std::stod(s.points[2].values[1]) == doctest::Approx(1e-13).epsilon(1e-12));
  CHECK(std::stod(s.points[4].values[1]) == doctest::Approx(1e-12).epsilon(1e-12));
  CHECK(s.points[6].values[0] == "2.5");  // 25 mS/cm in SI
  CHECK(s.points[11].index == 11);
  // every point is distinct, and so is its fingerprint
  std::set<std::uint64_t> hashes;
  for (const auto& p : s.points) hashes.insert(p.hash);
  CHECK(hashes.size() == s.points.size());
}

TEST_CASE("sweep: linspace with units, integer keys and a single value") {
  const auto s = parse(R"(
base: sweep_base.yaml
vary:
  cathode.thickness: {linspace: [50 um, 70 um, 3]}
  mesh.cathode: {linspace: [4, 10, 3]}
  cell.temperature: [25 degC]
collect: [energy_Wh_kg]
)");
  REQUIRE(s.points.size() == 9);
  CHECK(s.points[3].overrides[0] == "cathode.thickness=6e-05");
  CHECK(std::stod(s.points[8].values[0]) == doctest::Approx(70e-6));
  CHECK(s.points[1].overrides[1] == "mesh.cathode=7");
  CHECK(s.points[0].overrides[2] == "cell.temperature=25 degC");
  CHECK(std::stod(s.points[0].values[2]) == doctest::Approx(298.15));
  // the unit of each key's SI values in results.csv: none for a count
  CHECK(s.units == std::vector<std::string>{"m", "", "K"});
}

TEST_CASE("sweep: latin hypercube samples one point per stratum of each range, the same for a seed") {
  const std::string yaml = R"(
base: sweep_base.yaml
samples: {latin_hypercube: 8, seed: 7, ranges: {cathode.porosity: [0.3, 0.4], cathode.thickness: [50 um, 90 um]}}
collect: [discharge_capacity_mAh_g]
)";
  const auto a = parse(yaml), b = parse(yaml);
  REQUIRE(a.points.size() == 8);
  for (std::size_t k = 0; k < 2; ++k) {
    const double lo = k == 0 ? 0.3 : 50e-6, hi = k == 0 ? 0.4 : 90e-6;
    std::set<int> strata;
    for (const auto& p : a.points) {
      const double u = (std::stod(p.values[k]) - lo) / (hi - lo);
      CHECK(u >= 0);
      CHECK(u < 1);
      strata.insert(static_cast<int>(u * 8));
    }
    CHECK(strata.size() == 8);
  }
  for (std::size_t i = 0; i < 8; ++i) CHECK(a.points[i].overrides == b.points[i].overrides);
  const auto c = parse(R"(
base: sweep_base.yaml
vary: {cell.temperature: [20 degC, 40 degC]}
samples: {latin_hypercube: 3, seed: 8, ranges: {cathode.porosity: [0.3, 0.4]}}
collect: [discharge_capacity_mAh_g]
)");
  CHECK(c.points.size() == 6);
  CHECK(c.points[0].overrides[1] != a.points[0].overrides[0]);
  CHECK(a.units == std::vector<std::string>{"", "m"});  // a porosity is a pure number
}

TEST_CASE("sweep: errors name the file, line and key") {
  using doctest::Contains;
  CHECK_THROWS_WITH_AS(parse("base: sweep_base.yaml\nvary: {cathode.porosity: [0.3]}\n"
                             "collect: [energy_Wh_kg]\ncolect: [x]\n"),
                       Contains("sweep.yaml:4:1: error: [colect] unknown key 'colect' in a sweep file (did "
                                "you mean 'collect'?)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("base: sweep_base.yaml\nvary:\n  cathode.porosty: [0.3]\ncollect: [energy_Wh_kg]\n"),
                       Contains("sweep.yaml:3:3: error: [vary.cathode.porosty] 'cathode.porosty' is not a "
                                "parameter key (did you mean 'cathode.porosity'?)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("base: sweep_base.yaml\nvary: {cathode.porosity: [0.3]}\n"
                             "collect: [energy_Wh_kg, capacity@5C]\n"),
                       Contains("sweep.yaml:3:25: error: [collect] 'capacity@5C' is not a known output; valid: "
                                "discharge_capacity_mAh_g, discharge_capacity_mAh_g@<rate>C"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("base: sweep_base.yaml\nvary: {cathode.porosity: [0.3]}\n"
                             "collect: [retention_pct@cycle_0]\n"),
                       Contains("retention_pct@cycle_<n>"), InputError);
  CHECK_THROWS_WITH_AS(parse("base: sweep_base.yaml\nzip:\n  cathode.porosity: [0.3, 0.4]\n"
                             "  cathode.thickness: [50 um, 60 um, 70 um]\ncollect: [energy_Wh_kg]\n"),
                       Contains("sweep.yaml:4:22: error: [zip.cathode.thickness] zip lists must have equal "
                                "lengths: 'cathode.thickness' has 3 values, 'cathode.porosity' has 2"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("base: sweep_base.yaml\nvary: {cathode.thickness: [50 uV]}\ncollect: [energy_Wh_kg]\n"),
                       Contains("expected a length"), InputError);
  CHECK_THROWS_WITH_AS(parse("base: nowhere.yaml\nvary: {cathode.porosity: [0.3]}\ncollect: [energy_Wh_kg]\n"),
                       Contains("[base] no case file"), InputError);
  CHECK_THROWS_WITH_AS(parse("base: sweep_base.yaml\nvary: {cathode.porosity: {linspace: [0.3, 0.4]}}\n"
                             "collect: [energy_Wh_kg]\n"),
                       Contains("expected linspace: [first, last, count]"), InputError);
  // every problem of the file at once
  try {
    parse("base: sweep_base.yaml\nvary: {cathode.porosty: [0.3]}\ncollect: [nothing]\nextra: 1\n");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.diagnostics().size() == 3);
  }
}

TEST_CASE("sweep: a real sweep writes one row per point and the outputs move the right way") {
  const TempDir tmp;
  const auto r = cascade_cmd("sweep '" + (data / "sweep_small.yaml").string() + "' -j 2 -o '" + tmp.path.string() + "'");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("6 ok, 0 failed") != std::string::npos);
  const auto rows = csv_rows(read(tmp.path / "results.csv"));
  REQUIRE(rows.size() == 7);
  CHECK(rows[0] == std::vector<std::string>{"point", "cathode.diffusivity", "electrolyte.conductivity",
                                            "discharge_capacity_mAh_g", "energy_Wh_kg",
                                            "mean_discharge_voltage_V", "status", "wall_time_s", "error"});
  std::map<std::pair<std::string, std::string>, double> cap, volt;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    CHECK(rows[i][0] == std::to_string(i - 1));
    CHECK(rows[i][6] == "ok");
    cap[{rows[i][1], rows[i][2]}] = std::stod(rows[i][3]);
    volt[{rows[i][1], rows[i][2]}] = std::stod(rows[i][5]);
    const double energy = std::stod(rows[i][4]), v = std::stod(rows[i][5]);
    CHECK(energy == doctest::Approx(std::stod(rows[i][3]) * v));  // mAh/g x V = Wh/kg
    CHECK(v > 3.5);
    CHECK(v < 4.3);
  }
  // faster solid diffusion and a better conducting electrolyte both deliver more at 5C
  CHECK(cap[{"1e-12", "2.5"}] > cap[{"1e-13", "2.5"}]);
  CHECK(cap[{"1e-13", "2.5"}] > cap[{"1e-14", "2.5"}]);
  CHECK(cap[{"1e-12", "2.5"}] > cap[{"1e-12", "0.5"}]);
  CHECK(volt[{"1e-12", "2.5"}] > volt[{"1e-12", "0.5"}]);
  // the journal holds every point; a rerun runs nothing and writes the same table
  CHECK(count_lines(tmp.path / "journal.csv") == 7);
  const std::string first = read(tmp.path / "results.csv");
  const auto again = cascade_cmd("sweep '" + (data / "sweep_small.yaml").string() + "' -o '" + tmp.path.string() + "'");
  CHECK(again.output.find("0 run now") != std::string::npos);
  CHECK(read(tmp.path / "results.csv") == first);
}

TEST_CASE("sweep: a failed point is recorded with its error and the others still run") {
  const TempDir tmp;
  write(tmp.path / "sweep.yaml", "base: '" + (data / "sweep_base.yaml").string() +
                                     "'\nvary: {cathode.porosity: [0.35, 1.5, 0.4]}\ncollect: [discharge_capacity_mAh_g]\n");
  const auto r = cascade_cmd("sweep '" + (tmp.path / "sweep.yaml").string() + "' -j 2 -o '" + tmp.path.string() + "'");
  INFO(r.output);
  CHECK(r.status == 4);  // the sweep ran to its end, but not every point is in the table
  CHECK(r.output.find("1 point failed: see the status and error columns") != std::string::npos);
  const auto rows = csv_rows(read(tmp.path / "results.csv"));
  REQUIRE(rows.size() == 4);
  CHECK(rows[1][3] == "ok");
  CHECK(rows[2][3] == "failed");
  CHECK(rows[2][2].empty());
  CHECK(rows[2][5].find("cathode.porosity") != std::string::npos);
  CHECK(rows[3][3] == "ok");
}

TEST_CASE("sweep: shards split the points by index and share a directory") {
  const TempDir tmp;
  const std::string sweep = "sweep '" + (data / "sweep_small.yaml").string() + "' -j 1 -o '" + tmp.path.string() + "'";
  REQUIRE(cascade_cmd(sweep + " --shard 1/2").status == 0);
  REQUIRE(cascade_cmd(sweep + " --shard 2/2").status == 0);
  const auto a = csv_rows(read(tmp.path / "results.shard-1-of-2.csv"));
  const auto b = csv_rows(read(tmp.path / "results.shard-2-of-2.csv"));
  REQUIRE(a.size() == 4);
  REQUIRE(b.size() == 4);
  CHECK(a[1][0] == "0");
  CHECK(a[3][0] == "4");
  CHECK(b[1][0] == "1");
  CHECK(b[3][0] == "5");
  CHECK(fs::exists(tmp.path / "journal.shard-2-of-2.csv"));
  CHECK(!fs::exists(tmp.path / "results.csv"));
  // beside the tables, what their columns are (tools/plot reads it): keys with their SI units
  const auto about = nlohmann::json::parse(read(tmp.path / "sweep.json"));
  CHECK(about["points"] == 6);
  CHECK(about["keys"] == nlohmann::json::parse(R"([{"name": "cathode.diffusivity", "unit": "m2/s"},
                                                     {"name": "electrolyte.conductivity", "unit": "S/m"}])"));
  CHECK(about["outputs"] ==
        nlohmann::json::parse(R"(["discharge_capacity_mAh_g", "energy_Wh_kg", "mean_discharge_voltage_V"])"));
  const auto bad = cascade_cmd(sweep + " --shard 3/2");
  CHECK(bad.status != 0);
  CHECK(bad.output.find("expected i/n") != std::string::npos);
}

TEST_CASE("sweep: a sweep killed mid-way resumes and ends with the uninterrupted table") {
  const TempDir tmp;
  const fs::path file = tmp.path / "sweep.yaml";
  write(file, "base: '" + (data / "sweep_base.yaml").string() + "'\n" +
                  "vary:\n  cathode.diffusivity: {logspace: [1e-14 m2/s, 1e-12 m2/s, 40]}\n"
                  "  electrolyte.conductivity: [0.5 S/m, 2.5 S/m]\n"
                  "collect: [discharge_capacity_mAh_g, mean_discharge_voltage_V]\n");
  const fs::path killed = tmp.path / "killed", whole = tmp.path / "whole";
  const fs::path journal = killed / "journal.csv";
  fs::create_directories(killed);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string out = (tmp.path / "child.txt").string();
    execl("/bin/sh", "sh", "-c",
          ("exec '" + exe + "' sweep '" + file.string() + "' -j 1 -o '" + killed.string() + "' >'" + out + "' 2>&1").c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // kill once some points are journalled (header + at least 10 rows), well before all 80
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::size_t at_kill = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    at_kill = count_lines(journal);
    if (at_kill >= 11) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  const std::size_t journalled = count_lines(journal) - 1;
  INFO("journalled before the kill: " << journalled);
  CHECK(journalled >= 10);
  CHECK(journalled < 80);
  CHECK(!fs::exists(killed / "results.csv"));

  const auto resumed = cascade_cmd("sweep '" + file.string() + "' -j 2 -o '" + killed.string() + "'");
  INFO(resumed.output);
  REQUIRE(resumed.status == 0);
  CHECK(resumed.output.find(std::to_string(journalled) + " from the journal") != std::string::npos);
  REQUIRE(cascade_cmd("sweep '" + file.string() + "' -j 2 -o '" + whole.string() + "'").status == 0);
  const std::string a = read(killed / "results.csv"), b = read(whole / "results.csv");
  CHECK(csv_rows(a).size() == 81);
  CHECK(without_wall_time(a) == without_wall_time(b));
  CHECK(count_lines(journal) == 81);

  // a changed sweep does not reuse the journal of the old one
  write(file, read(file) + "zip: {cathode.porosity: [0.36]}\n");
  const auto changed = cascade_cmd("sweep '" + file.string() + "' -o '" + killed.string() + "'");
  CHECK(changed.status != 0);
  CHECK(changed.output.find("new output directory (-o DIR)") != std::string::npos);
}

TEST_CASE("sweep: --save-points writes each point's own outputs, those of cascade run with its overrides") {
  const TempDir tmp;
  const std::string file = (data / "sweep_small.yaml").string();
  const auto plain = cascade_cmd("sweep '" + file + "' -j 2 -o '" + (tmp.path / "plain").string() + "'");
  const auto saved =
      cascade_cmd("sweep '" + file + "' -j 2 --save-points -o '" + (tmp.path / "saved").string() + "'");
  INFO(plain.output << saved.output);
  REQUIRE(plain.status == 0);
  REQUIRE(saved.status == 0);
  // the table does not change
  const std::string table = read(tmp.path / "saved" / "results.csv");
  CHECK(without_wall_time(table) == without_wall_time(read(tmp.path / "plain" / "results.csv")));
  CHECK_FALSE(fs::exists(tmp.path / "plain" / "points"));
  const auto rows = csv_rows(table);
  REQUIRE(rows.size() == 7);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const fs::path dir = tmp.path / "saved" / "points" / rows[i][0];
    CAPTURE(dir);
    for (const char* name : {"timeseries.csv", "cycles.csv", "summary.json", "parameters.txt"}) {
      CHECK(fs::exists(dir / name));
    }
    CHECK_FALSE(fs::exists(dir / "timeseries.csv.partial"));
  }
  // point 4 (row 5) is the base run with its two overrides: the files cascade run writes
  const fs::path run_dir = tmp.path / "run";
  const auto run = cascade_cmd("run '" + (data / "sweep_base.yaml").string() + "' -q -o '" + run_dir.string() +
                               "' --set cathode.diffusivity=" + rows[5][1] + " --set electrolyte.conductivity=" + rows[5][2]);
  INFO(run.output);
  REQUIRE(run.status == 0);
  const fs::path point = tmp.path / "saved" / "points" / rows[5][0];
  CHECK(read(point / "timeseries.csv") == read(run_dir / "timeseries.csv"));
  CHECK(read(point / "cycles.csv") == read(run_dir / "cycles.csv"));
  const std::string params = read(point / "parameters.txt");
  CHECK(params.find("--set cathode.diffusivity=" + rows[5][1]) != std::string::npos);
  CHECK(params.find("--set electrolyte.conductivity=" + rows[5][2]) != std::string::npos);
}

TEST_CASE("sweep: points built from the base read once equal points read from the files") {
  // The base's cathode OCP is an expression: unvaried, each point reuses the base's tabulation;
  // the temperatures make every point bind its functions away from the 25 degC of loading.
  const TempDir tmp;
  const fs::path file = tmp.path / "sweep.yaml";
  write(file, "base: '" + (data / "sweep_base.yaml").string() + "'\n" +
                  "vary:\n  cell.temperature: [10 degC, 25 degC, 40 degC]\n"
                  "  cathode.diffusivity: [1e-13 m2/s, 1e-12 m2/s]\n"
                  "zip: {cathode.ocp_reference_temperature: [25 degC]}\n"
                  "collect: [discharge_capacity_mAh_g, energy_Wh_kg, mean_discharge_voltage_V]\n");
  const auto fast = cascade_cmd("sweep '" + file.string() + "' -j 2 -o '" + (tmp.path / "fast").string() + "'");
  const auto slow = cascade_cmd("sweep '" + file.string() + "' -j 2 --reread -o '" + (tmp.path / "slow").string() + "'");
  INFO(fast.output << slow.output);
  REQUIRE(fast.status == 0);
  REQUIRE(slow.status == 0);
  const std::string a = read(tmp.path / "fast" / "results.csv"), b = read(tmp.path / "slow" / "results.csv");
  CHECK(csv_rows(a).size() == 7);
  CHECK(without_wall_time(a) == without_wall_time(b));
  // and a varied material function replaces the base's
  write(file, "base: '" + (data / "sweep_base.yaml").string() + "'\n" +
                  "vary: {cathode.ocp: [4.0 V, 4.1 V]}\ncollect: [mean_discharge_voltage_V]\n");
  const auto flat = cascade_cmd("sweep '" + file.string() + "' -o '" + (tmp.path / "flat").string() + "'");
  INFO(flat.output);
  const auto rows = csv_rows(read(tmp.path / "flat" / "results.csv"));
  REQUIRE(rows.size() == 3);
  CHECK(std::stod(rows[1][2]) < 4.0);
  CHECK(std::stod(rows[2][2]) > std::stod(rows[1][2]) + 0.09);
}

TEST_CASE("sweep: Ctrl-C stops cleanly, the journal stays whole, status 130, and a rerun completes it") {
  const TempDir tmp;
  const fs::path file = tmp.path / "sweep.yaml";
  write(file, "base: '" + (data / "sweep_base.yaml").string() + "'\n" +
                  "vary:\n  cathode.diffusivity: {logspace: [1e-14 m2/s, 1e-12 m2/s, 200]}\n"
                  "  electrolyte.conductivity: [0.5 S/m, 2.5 S/m]\n"
                  "collect: [discharge_capacity_mAh_g]\n");
  const fs::path out = tmp.path / "out", journal = out / "journal.csv", log = tmp.path / "log.txt";
  const std::string cmd = "'" + exe + "' sweep '" + file.string() + "' -j 2 -o '" + out.string() + "'";
  // interrupt once some points are journalled; a watchdog so that a missed signal cannot hang
  const std::string script =
      cmd + " >'" + log.string() + "' 2>&1 & pid=$!; ( sleep 60; kill -KILL $pid ) >/dev/null 2>&1 & watchdog=$!; "
      "while [ \"$(cat '" + journal.string() + "' 2>/dev/null | wc -l)\" -lt 20 ]; do sleep 0.01; done; "
      "kill -INT $pid; wait $pid; status=$?; kill $watchdog; exit $status";
  const int raw = std::system(script.c_str());
  REQUIRE(WIFEXITED(raw));
  const std::string text = read(log);
  INFO(text);
  CHECK(WEXITSTATUS(raw) == 130);
  CHECK(text.find("interrupted: ") != std::string::npos);
  CHECK(text.find("run the same command again") != std::string::npos);
  // every journal line is whole and results.csv holds exactly the journalled points
  const std::size_t journalled = count_lines(journal) - 1;
  CHECK(journalled >= 19);
  CHECK(journalled < 400);
  CHECK(read(journal).back() == '\n');
  CHECK(csv_rows(read(out / "results.csv")).size() == journalled + 1);

  const auto resumed = cascade_cmd("sweep '" + file.string() + "' -j 2 -o '" + out.string() + "'");
  INFO(resumed.output);
  REQUIRE(resumed.status == 0);
  CHECK(resumed.output.find(std::to_string(journalled) + " from the journal") != std::string::npos);
  const auto rows = csv_rows(read(out / "results.csv"));
  REQUIRE(rows.size() == 401);
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i][4] == "ok");
}

TEST_CASE("sweep: a journal that cannot be written stops the sweep with the error, and a rerun completes it") {
  // The workers hand their lines to the journal's writer thread; a failed write there must still
  // stop the sweep and name the file. A file-size limit of 2 KiB (with SIGXFSZ ignored, so that
  // write() fails with EFBIG) stands in for a full disk.
  const TempDir tmp;
  const fs::path file = tmp.path / "sweep.yaml";
  write(file, "base: '" + (data / "sweep_base.yaml").string() + "'\n" +
                  "vary:\n  cathode.diffusivity: {logspace: [1e-14 m2/s, 1e-12 m2/s, 200]}\n"
                  "collect: [discharge_capacity_mAh_g]\n");
  const fs::path out = tmp.path / "out", journal = out / "journal.csv", log = tmp.path / "log.txt";
  const std::string script = "ulimit -f 2; trap '' XFSZ; '" + exe + "' sweep '" + file.string() + "' -j 2 -o '" +
                             out.string() + "' >'" + log.string() + "' 2>&1";
  const int raw = std::system(("bash -c \"" + script + "\"").c_str());
  REQUIRE(WIFEXITED(raw));
  const std::string text = read(log);
  INFO(text);
  CHECK(WEXITSTATUS(raw) == 1);
  CHECK(text.find("cannot write the journal '" + journal.string() + "'") != std::string::npos);
  CHECK(fs::file_size(journal) <= 2048);
  const std::size_t lines = count_lines(journal);
  CHECK(lines > 5);
  CHECK(lines < 200);

  // without the limit, the rerun drops the torn last line, keeps the rest and runs the others
  const auto resumed = cascade_cmd("sweep '" + file.string() + "' -j 2 -o '" + out.string() + "'");
  INFO(resumed.output);
  REQUIRE(resumed.status == 0);
  CHECK(resumed.output.find(" from the journal") != std::string::npos);
  const auto rows = csv_rows(read(out / "results.csv"));
  REQUIRE(rows.size() == 201);
  REQUIRE(rows[0].size() > 3);
  REQUIRE(rows[0][3] == "status");
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i][3] == "ok");
}
