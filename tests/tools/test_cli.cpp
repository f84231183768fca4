// The `cascade` command as a user runs it: output, exit status, files written.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::string exe = CASCADE_EXE;
const fs::path root = CASCADE_SOURCE_DIR;
const fs::path reference = root / "cases/reference/lmo_constant_1c.yaml";
const fs::path data = fs::path(CASCADE_TEST_DATA) / "params";
const std::string small_mesh = " --set mesh.cathode=8 --set mesh.particle=5 --set mesh.membrane=4";

// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static int count = 0;
    path = fs::temp_directory_path() /
           ("cascade_test_cli_" + std::to_string(::getpid()) + "_" + std::to_string(count++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Result {
  bool exited = false;  // false: killed by a signal (a crash)
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs `cascade <args>` through the shell.
Result cascade(const std::string& args) {
  const TempDir tmp;
  const fs::path out = tmp.path / "output.txt";
  const std::string cmd = "'" + exe + "' " + args + " >" + quoted(out) + " 2>&1";
  const int raw = std::system(cmd.c_str());
  Result r;
  r.exited = raw != -1 && WIFEXITED(raw);
  r.status = r.exited ? WEXITSTATUS(raw) : -1;
  r.output = read(out);
  return r;
}

// The output line that starts with `key` followed by a space.
std::string line_of(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + " ", 0) == 0) return line;
  }
  return {};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("params show: one line per key, SI value and source file") {
  const Result r = cascade("params show " + quoted(reference));
  CHECK(r.exited);
  CHECK(r.status == 0);
  const std::string thickness = line_of(r.output, "cathode.thickness");
  CAPTURE(r.output);
  CHECK(contains(thickness, "8e-05 m"));
  CHECK(contains(thickness, "lmo_foil_cell.yaml:"));
  CHECK(contains(line_of(r.output, "cathode.porosity"), "0.35"));
  CHECK(contains(line_of(r.output, "electrolyte.initial_concentration"),
                 "electrolyte_constant.yaml"));
  CHECK(contains(line_of(r.output, "name"), "lmo_constant_1c.yaml"));
  CHECK(contains(line_of(r.output, "mesh.cathode"), "[default]"));
  // Each key once: the thickness line is not repeated.
  CHECK(r.output.find("\ncathode.thickness ") == r.output.rfind("\ncathode.thickness "));
}

TEST_CASE("params show --set: the new value, with --set as its source") {
  const Result r = cascade("params show " + quoted(reference) + " --set 'cathode.thickness=74 um'");
  CHECK(r.status == 0);
  const std::string thickness = line_of(r.output, "cathode.thickness");
  CAPTURE(r.output);
  CHECK(contains(thickness, "7.4e-05 m"));
  CHECK(contains(thickness, "--set"));
  CHECK_FALSE(contains(thickness, "lmo_foil_cell.yaml"));
}

TEST_CASE("params show of a bad file: every problem with file:line, exit status 2, no crash") {
  const Result r = cascade("params show " + quoted(data / "errors/many_errors.yaml"));
  CAPTURE(r.output);
  CHECK(r.exited);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "many_errors.yaml:3:3: error: [cathode.thicknes]"));
  CHECK(contains(r.output, "did you mean 'cathode.thickness'"));
  CHECK(contains(r.output, "many_errors.yaml:6:14: error: [membrane.thickness]"));
  CHECK(contains(r.output, "many_errors.yaml:15:6: error: [sei]"));
}

TEST_CASE("params show: a YAML syntax error, a missing file, a bad --set") {
  const Result syntax = cascade("params show " + quoted(data / "errors/syntax_error.yaml"));
  CHECK(syntax.exited);
  CHECK(syntax.status == 2);
  CHECK(contains(syntax.output, "syntax_error.yaml:"));
  CHECK(contains(syntax.output, "YAML syntax"));

  const Result missing = cascade("params show " + quoted(data / "no_such_file.yaml"));
  CHECK(missing.exited);
  CHECK(missing.status != 0);
  CHECK(contains(missing.output, "no_such_file.yaml"));

  const Result set = cascade("params show " + quoted(reference) + " --set cathode.thicknes=1");
  CHECK(set.status == 2);
  CHECK(contains(set.output, "did you mean 'cathode.thickness'"));
}

TEST_CASE("run with a bad --set fails cleanly and writes nothing") {
  const TempDir tmp;
  const fs::path out = tmp.path / "run";
  const Result r =
      cascade("run " + quoted(reference) + " -o " + quoted(out) + " --set cathode.porosity=2");
  CAPTURE(r.output);
  CHECK(r.exited);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "--set cathode.porosity=2: error: [cathode.porosity]"));
  CHECK(contains(r.output, "out of range"));
  CHECK_FALSE(fs::exists(out));

  const Result malformed =
      cascade("run " + quoted(reference) + " -o " + quoted(out) + " --set porosity");
  CHECK(malformed.status == 2);
  CHECK(contains(malformed.output, "expected --set key.path=value"));
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("run of a parameter file without an experiment names what is missing") {
  const TempDir tmp;
  const Result r = cascade("run " + quoted(data / "cell/complete_cell.yaml") + " -o " +
                           quoted(tmp.path / "run"));
  CHECK(r.exited);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "missing required key 'experiment'"));
}

TEST_CASE("run of the reference case writes its results and no partial file") {
  const TempDir tmp;
  const fs::path out = tmp.path / "run";
  const Result r = cascade("run " + quoted(reference) + " -o " + quoted(out) + small_mesh);
  CAPTURE(r.output);
  REQUIRE(r.status == 0);
  CHECK(contains(r.output, "3.5 V reached"));
  for (const char* name : {"timeseries.csv", "summary.json", "parameters.txt"}) {
    CAPTURE(name);
    CHECK(fs::is_regular_file(out / name));
    CHECK(fs::file_size(out / name) > 0);
  }
  for (const auto& entry : fs::directory_iterator(out)) {
    CAPTURE(entry.path());
    CHECK(entry.path().extension() != ".partial");
  }
  const std::string csv = read(out / "timeseries.csv");
  CHECK(csv.rfind("time_s,", 0) == 0);
  CHECK(contains(csv.substr(0, csv.find('\n')), "voltage_V"));
  CHECK(std::count(csv.begin(), csv.end(), '\n') > 10);
  const std::string summary = read(out / "summary.json");
  CHECK(contains(summary, "\"discharge_capacity_mAh_g\""));
  CHECK(contains(summary, "mesh.cathode=8"));
  const std::string params = read(out / "parameters.txt");
  CHECK(contains(line_of(params, "mesh.cathode"), "8"));
  CHECK(contains(line_of(params, "mesh.cathode"), "--set"));
  CHECK(contains(line_of(params, "cathode.thickness"), "8e-05 m"));
}

// The revision is read at build time, so it names the tree as built: HEAD, "-dirty" when tracked
// files differ from it (the test runs after the build, from the same tree).
TEST_CASE("run: summary.json names the source tree's git revision") {
  const auto shell = [](const std::string& command, int* status) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    const int raw = ::pclose(pipe);
    *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  };
  int status = 0;
  std::string expected = shell("git -C " + quoted(root) + " rev-parse --short HEAD 2>/dev/null", &status);
  if (status != 0 || expected.empty()) {
    expected = "unknown";
  } else {
    shell("git -C " + quoted(root) + " diff --quiet HEAD -- 2>/dev/null", &status);
    if (status != 0) expected += "-dirty";
  }
  const TempDir tmp;
  const fs::path out = tmp.path / "run";
  REQUIRE(cascade("run -q " + quoted(reference) + " -o " + quoted(out) + small_mesh).status == 0);
  const auto js = nlohmann::json::parse(read(out / "summary.json"));
  CHECK(js["git_revision"] == expected);
}

TEST_CASE("run: summary.json capacities per mass and per area agree") {
  const TempDir tmp;
  const fs::path out = tmp.path / "run";
  REQUIRE(cascade("run -q " + quoted(reference) + " -o " + quoted(out) + small_mesh).status == 0);
  const auto js = nlohmann::json::parse(read(out / "summary.json"));
  CHECK(js["case"] == "lmo_constant_1c");
  const double per_g = js["discharge_capacity_mAh_g"];
  const double mass = js["active_mass_mg_cm2"];  // 0.5 * 80 um * 4.28 g/cm3 = 17.12 mg/cm2
  const double per_cm2 = js["discharge_capacity_mAh_cm2"];
  CHECK(mass == doctest::Approx(17.12).scale(0));
  CHECK(per_g > 100);
  CHECK(per_g < 148);  // below the nominal capacity
  // mAh/cm2 = mAh/g * mg/cm2 / 1000 (the reference's 1C capacity is about 1.99 mAh/cm2)
  CHECK(per_cm2 == doctest::Approx(per_g * mass / 1000).epsilon(1e-6).scale(0));
  REQUIRE(js["steps"].size() == 1);
  CHECK(js["steps"][0]["end_reason"] == "3.5 V reached");
  CHECK(js["steps"][0]["end_voltage_V"].get<double>() == doctest::Approx(3.5).epsilon(1e-6).scale(0));
}

TEST_CASE("--help works for the command and each subcommand") {
  for (const char* args :
       {"--help", "params --help", "params show --help", "run --help", "bench --help", "mesh-check --help"}) {
    CAPTURE(args);
    const Result r = cascade(args);
    CHECK(r.status == 0);
    CHECK(contains(r.output, "Usage"));
  }
  CHECK(contains(cascade("run --help").output, "--set"));
  CHECK(contains(cascade("params show --help").output, "--set"));
  // No subcommand is a usage error, not a crash.
  const Result none = cascade("");
  CHECK(none.exited);
  CHECK(none.status != 0);
}

TEST_CASE("cascade bench prints median lines, with the 1C discharges of the reference, LFP and NCM811 cells") {
  const Result r = cascade("bench -n 3 --root " + quoted(root));
  REQUIRE(r.exited);
  CHECK(r.status == 0);
  std::vector<std::string> all;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    CHECK(line.find(": ") != std::string::npos);  // "name: value unit"
    all.push_back(line);
  }
  const auto has = [&](const std::string& a, const std::string& b) {
    return std::any_of(all.begin(), all.end(), [&](const std::string& l) {
      return l.find(a) != std::string::npos && l.find(b) != std::string::npos;
    });
  };
  for (const char* cell : {"lmo_constant", "lfp_gz62", "ncm811_gz62"}) {
    CAPTURE(cell);
    const std::string name = std::string(cell) + " 1C discharge";
    CHECK(has(name + " (solve, one core): ", " ms"));
    CHECK(has(name + " steps: ", ""));
    CHECK(has(name + " residual evaluations: ", ""));
    CHECK(has(name + " jacobian evaluations: ", ""));
  }
  // the rate-capability sweep (30 points at -n 3), with the machine's own speed on its threads
  CHECK(has("rate-capability sweep, 30 points x 7 rates on ", " points/s"));
  // both runs on the same points, in shards alternating which runs first
  CHECK(has("rate-capability sweep, 30 points x 7 rates on one thread (30 points, each shard pinned to a core in turn): ",
            " ms a point; core "));
  CHECK(has("rate-capability sweep, 30 points x 7 rates, parallel efficiency on ",
            " % against the cores' mean speed alone (each of "));
  CHECK(has("rate-capability sweep, 30 points x 7 rates, parallel efficiency on ", " shards: "));
  CHECK(has("machine check: ", " % of one thread's speed alone"));
  CHECK(has("machine check, the 1C discharge alone on each core (pinned, median of 9): core ", " % of the fastest core's rate on each"));
  CHECK(has("rate-capability sweep goal ", "s for 1000 points"));
}

TEST_CASE("output thinning keeps every step's first and last rows, and the breakdown adds up in the CSV") {
  const TempDir out;
  const Result r = cascade("run " + quoted(reference) + " -o " + quoted(out.path) + small_mesh +
                           " --set 'output.timeseries=every 5 min'");
  REQUIRE(r.status == 0);
  std::istringstream csv(read(out.path / "timeseries.csv"));
  std::string header;
  std::getline(csv, header);
  std::vector<std::string> names;
  {
    std::istringstream h(header);
    for (std::string n; std::getline(h, n, ',');) names.push_back(n);
  }
  const auto col = [&](const std::string& n) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), n) - names.begin());
  };
  const std::vector<std::string> parts{"ocv_V", "eta_cathode_V", "cei_ohmic_V", "electrolyte_ohmic_V",
                                       "electrolyte_concentration_V", "sei_ohmic_V", "eta_anode_V",
                                       "solid_ohmic_V", "contact_ohmic_V"};
  for (const auto& p : parts) REQUIRE(col(p) < names.size());
  std::vector<double> t;
  for (std::string line; std::getline(csv, line);) {
    std::vector<double> v;
    std::istringstream s(line);
    for (std::string x; std::getline(s, x, ',');) v.push_back(std::stod(x));
    double sum = 0;
    for (const auto& p : parts) sum += v[col(p)];
    CHECK(std::abs(sum - v[col("voltage_V")]) < 5e-8);  // printed to 1e-9 V per term
    t.push_back(v[col("time_s")]);
  }
  // about one row per 5 minutes of a ~1 h discharge, plus the first and the last
  CHECK(t.size() >= 12);
  CHECK(t.size() <= 15);
  CHECK(t.front() == 0.0);
  CHECK(t.back() > 3400);
}

TEST_CASE("a cycling run writes cycles.csv, one row per cycle, and numbers the time series") {
  const TempDir out;
  const Result r = cascade("run " + quoted(root / "cases/examples/li_qsse_lmo_cascade.yaml") + " -o " +
                           quoted(out.path) + small_mesh +
                           " --set 'experiment=[{repeat: 3, steps: [Charge at 1 mA/cm2 until 4.3 V, "
                           "Discharge at 2 mA/cm2 until 3.5 V]}]' --set 'output.timeseries=every step'");
  REQUIRE(r.status == 0);
  std::istringstream csv(read(out.path / "cycles.csv"));
  std::string header, line;
  std::getline(csv, header);
  CHECK(header ==
        "cycle,activation_cycle,discharge_capacity_mAh_g,charge_capacity_mAh_g,coulombic_efficiency,"
        "energy_Wh_kg,mean_discharge_voltage_V,retention_pct,sei_thickness_nm,cei_thickness_nm,"
        "li_inventory_mAh_cm2,dead_li_mAh_cm2,active_material_pct,electrolyte_transport_pct,"
        "solvent_left_pct,loss_active_material_mAh_g,loss_li_inventory_mAh_g,loss_kinetic_mAh_g,"
        "cycles_skipped_after");
  int n = 0;
  while (std::getline(csv, line)) {
    ++n;
    CHECK(line.rfind(std::to_string(n) + ",0,", 0) == 0);
  }
  CHECK(n == 3);
  CHECK_FALSE(fs::exists(out.path / "cycles.csv.partial"));
  const auto summary = nlohmann::json::parse(read(out.path / "summary.json"));
  CHECK(summary["cycles"] == 3);
  CHECK(read(out.path / "timeseries.csv").find("\n0.000000,1,1,") != std::string::npos);
}

namespace {
std::vector<std::vector<double>> csv_rows(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::vector<double> v;
    std::istringstream s(line);
    for (std::string x; std::getline(s, x, ',');) v.push_back(std::stod(x));
    rows.push_back(v);
  }
  return rows;
}
const std::string three_cycles =
    " --set 'experiment=[{repeat: 3, steps: [Charge at 1 mA/cm2 until 4.3 V, "
    "Discharge at 2 mA/cm2 until 3.5 V]}]'";
}  // namespace

TEST_CASE("output policies: last cycle, chosen cycles, and an interval that keeps each step's ends") {
  const fs::path example = root / "cases/examples/li_qsse_lmo_cascade.yaml";
  {
    const TempDir out;
    REQUIRE(cascade("run " + quoted(example) + " -o " + quoted(out.path) + small_mesh + three_cycles +
                    " --set 'output.timeseries=last cycle'").status == 0);
    const auto rows = csv_rows(read(out.path / "timeseries.csv"));
    REQUIRE(!rows.empty());
    for (const auto& r : rows) CHECK(r[2] == 3);  // column 3 is the cycle
    CHECK(csv_rows(read(out.path / "cycles.csv")).size() == 3);  // cycles.csv stays complete
  }
  {
    const TempDir out;
    REQUIRE(cascade("run " + quoted(example) + " -o " + quoted(out.path) + small_mesh + three_cycles +
                    " --set 'output.timeseries=cycles [1, 3]'").status == 0);
    const auto rows = csv_rows(read(out.path / "timeseries.csv"));
    bool one = false, three = false;
    for (const auto& r : rows) {
      CHECK(r[2] != 2);
      one = one || r[2] == 1;
      three = three || r[2] == 3;
    }
    CHECK(one);
    CHECK(three);
  }
  {
    const TempDir out;
    REQUIRE(cascade("run " + quoted(example) + " -o " + quoted(out.path) + small_mesh + three_cycles +
                    " --set 'output.timeseries=every 1 hour'").status == 0);  // cycler wording too
    const auto rows = csv_rows(read(out.path / "timeseries.csv"));
    // every step (6 of them) has its first and its last row, so voltage cutoffs appear
    int at_cutoff = 0;
    for (const auto& r : rows) at_cutoff += std::abs(r[4] - 3.5) < 1e-6 || std::abs(r[4] - 4.3) < 1e-6;
    CHECK(at_cutoff == 6);
  }
  CHECK(cascade("run " + quoted(example) + small_mesh + " --set 'output.timeseries=sometimes'").status == 2);
}

TEST_CASE("Ctrl-C stops a long run cleanly: finished cycles are written, exit status 130") {
  const TempDir out;
  const Result r = cascade("run " + quoted(root / "cases/examples/li_qsse_lmo_cascade.yaml") + " -o " +
                           quoted(out.path) + small_mesh +
                           " --set 'experiment=[{repeat: 20000, steps: [Charge at 1 mA/cm2 until 4.3 V, "
                           "Discharge at 2 mA/cm2 until 3.5 V]}]' --set 'output.timeseries=last cycle'"
                           " >/dev/null 2>&1 & pid=$!; "
                           // a safety net, so that a missed signal can never hang the suite
                           "( sleep 60; kill -KILL $pid ) >/dev/null 2>&1 & watchdog=$!; "
                           "sleep 1; kill -INT $pid; wait $pid; status=$?; kill $watchdog; exit $status");
  REQUIRE(r.exited);
  CHECK(r.status == 130);
  CHECK(fs::exists(out.path / "summary.json"));
  CHECK_FALSE(fs::exists(out.path / "cycles.csv.partial"));
  const auto cycles = csv_rows(read(out.path / "cycles.csv"));
  CHECK(cycles.size() > 3);
  CHECK(cycles.size() < 20000);
  const auto summary = nlohmann::json::parse(read(out.path / "summary.json"));
  CHECK(summary["stop_reason"] == "interrupted");
}

TEST_CASE("a rate test writes rate.csv, one row per rate in the order run") {
  const TempDir out;
  const Result r = cascade("run " + quoted(root / "cases/examples/lmo_rate_test.yaml") + " -o " +
                           quoted(out.path) + small_mesh + " --set 'rate_test.rates=[0.5, 2]'" +
                           " --set rate_test.cycles_per_rate=1");
  REQUIRE(r.status == 0);
  const std::string text = read(out.path / "rate.csv");
  CHECK(text.rfind("c_rate,cycles,discharge_capacity_mAh_g,last_discharge_capacity_mAh_g\n0.5,1,", 0) == 0);
  const auto rows = csv_rows(text);
  REQUIRE(rows.size() == 3);
  CHECK(rows[1][0] == 2);
  CHECK(rows[2][0] == doctest::Approx(0.1).scale(0));
  CHECK(rows[0][2] > rows[1][2]);
}

TEST_CASE("progress is shown on a terminal and nowhere else") {
  const std::string run = "run " + quoted(root / "cases/examples/li_qsse_lmo_cascade.yaml") + " -o " +
                          quoted(TempDir().path) + small_mesh +
                          " --set 'experiment=[{repeat: 100, steps: [Charge at 1 mA/cm2 until 4.3 V, "
                          "Discharge at 2 mA/cm2 until 3.5 V]}]' --set 'output.timeseries=last cycle'";
  // not a terminal: no progress line
  const Result plain = cascade(run);
  REQUIRE(plain.status == 0);
  CHECK(plain.output.find("about") == std::string::npos);
  // under a pseudo-terminal (util-linux `script`, from Debian's essential bsdutils), the progress
  // line appears
  REQUIRE(std::system("command -v script >/dev/null 2>&1") == 0);
  {
    const TempDir tmp;
    const std::string cmd = "script -qec \"'" + exe + "' " + run + "\" /dev/null > " + quoted(tmp.path / "tty.txt") + " 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string text = read(tmp.path / "tty.txt");
    CHECK(text.find("cycle ") != std::string::npos);
    CHECK(text.find(" of 100") != std::string::npos);
    CHECK(text.find("to go") != std::string::npos);
  }
}
