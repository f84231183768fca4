// tools/plot as a user runs it on what `cascade run` wrote: the pictures exist, are real PNG or
// SVG files of some size, and a bad run directory fails with its name in the message.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_runner.hpp"

namespace fs = std::filesystem;

namespace {

const std::string exe = CASCADE_EXE;
const fs::path root = CASCADE_SOURCE_DIR;
const fs::path plot = root / "tools/plot";
const fs::path sample_validation = fs::path(CASCADE_TEST_DATA) / "tools/validation_sample.csv";
const std::string small_mesh = " --set mesh.cathode=8 --set mesh.particle=5 --set mesh.membrane=4";

// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir : cascade::testing::ScratchDir {
  TempDir() : ScratchDir("plot") {}
};

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

std::string read(const fs::path& p) { return cascade::testing::slurp(p); }

struct Result {
  int status = -1;     // -1: killed by a signal
  std::string output;  // stdout and stderr together
};

// Runs a command line through the shell, capturing its output in `dir`.
Result shell(const std::string& cmd, const fs::path& dir) {
  const fs::path out = dir / "command_output.txt";
  const int raw = std::system((cmd + " >" + quoted(out) + " 2>&1").c_str());
  Result r;
  r.status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.output = read(out);
  return r;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A picture tools/plot drew: a PNG (its 8-byte signature) or an SVG, of a few kB at least.
void check_picture(const fs::path& p) {
  CAPTURE(p.string());
  REQUIRE(fs::exists(p));
  CHECK(fs::file_size(p) > 5000);
  const std::string head = read(p).substr(0, 400);
  if (p.extension() == ".png") {
    CHECK(head.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  } else {
    CHECK(contains(head, "<svg"));
  }
}

}  // namespace

TEST_CASE("plot: a rate test and an aging cell give every picture, with the validation marked") {
  const TempDir tmp;
  // two C-rates and the return to 0.1C, one cycle each, every row kept for the voltage curves
  const fs::path rate = tmp.path / "lmo_rate_test";
  Result r = shell("'" + exe + "' run " + quoted(root / "cases/examples/lmo_rate_test.yaml") +
                       " -q -o " + quoted(rate) + small_mesh +
                       " --set 'rate_test.rates=[0.5, 3]' --set rate_test.cycles_per_rate=1"
                       " --set 'output.timeseries=every step'",
                   tmp.path);
  CAPTURE(r.output);
  REQUIRE(r.status == 0);
  // 120 cycles of a cell fading by every mechanism, fast-forwarded
  const fs::path fade = tmp.path / "fade_cell";
  r = shell("'" + exe + "' run " + quoted(fs::path(CASCADE_TEST_DATA) / "models/fade_cell.yaml") +
                " -q -o " + quoted(fade) + " --set fast_forward.enabled=true",
            tmp.path);
  REQUIRE(r.status == 0);

  const fs::path pictures = tmp.path / "pictures";
  r = shell(quoted(plot) + " " + quoted(rate) + " " + quoted(fade) + " -o " + quoted(pictures) +
                " --validation " + quoted(sample_validation),
            tmp.path);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  for (const char* name : {"lmo_rate_test_voltage", "lmo_rate_test_rate", "lmo_rate_test_cycling",
                           "lmo_rate_test_breakdown", "fade_cell_voltage", "fade_cell_cycling",
                           "fade_cell_breakdown", "fade_cell_aging", "validation"}) {
    check_picture(pictures / (std::string(name) + ".png"));
  }
  // a rate test does not age and a cycling run has no rate.csv: those are skipped, with a note
  CHECK_FALSE(fs::exists(pictures / "lmo_rate_test_aging.png"));
  CHECK_FALSE(fs::exists(pictures / "fade_cell_rate.png"));
  CHECK(contains(r.output, "lmo_rate_test_aging skipped"));
}

TEST_CASE("plot: SVG on request, beside the results when no -o is given") {
  const TempDir tmp;
  const fs::path run = tmp.path / "one_discharge";
  Result r = shell("'" + exe + "' run " + quoted(root / "cases/reference/lmo_constant_1c.yaml") +
                       " -q -o " + quoted(run) + small_mesh,
                   tmp.path);
  REQUIRE(r.status == 0);
  r = shell(quoted(plot) + " --format svg " + quoted(run), tmp.path);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  check_picture(run / "one_discharge_voltage.svg");
  check_picture(run / "one_discharge_breakdown.svg");
  CHECK_FALSE(fs::exists(run / "one_discharge_voltage.png"));
  // one discharge has no numbered cycle: nothing to draw against cycles, said on stderr
  CHECK_FALSE(fs::exists(run / "one_discharge_cycling.svg"));
  CHECK(contains(r.output, "one_discharge_cycling skipped"));
}

TEST_CASE("plot: a directory that is missing or holds no results fails and names itself") {
  const TempDir tmp;
  const fs::path missing = tmp.path / "no_such_run";
  Result r = shell(quoted(plot) + " " + quoted(missing), tmp.path);
  CAPTURE(r.output);
  CHECK(r.status != 0);
  CHECK(contains(r.output, missing.string()));
  CHECK(contains(r.output, "no such run directory"));

  const fs::path empty = tmp.path / "empty_run";
  fs::create_directories(empty);
  r = shell(quoted(plot) + " " + quoted(empty), tmp.path);
  CHECK(r.status != 0);
  CHECK(contains(r.output, empty.string() + ": nothing to plot"));
  CHECK(contains(r.output, "timeseries.csv"));
}

// Impedance, Li|Li and conductivity runs hold none of a cathode run's files: small hand-written
// outputs (tests/data/tools/plot/<run>/) stand for what `cascade run` writes for them.
TEST_CASE("plot: impedance, Li|Li cycling, Bruce-Vincent and conductivity runs each get theirs") {
  const TempDir tmp;
  const fs::path data = fs::path(CASCADE_TEST_DATA) / "tools/plot";
  const fs::path pictures = tmp.path / "pictures";
  std::string runs;
  for (const char* run :
       {"eis_two_temperatures", "li_li_symmetric", "bruce_vincent_hold", "conductivity_sweep"}) {
    runs += " " + quoted(data / run);
  }
  Result r = shell(quoted(plot) + runs + " -o " + quoted(pictures), tmp.path);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  for (const char* name :
       {"eis_two_temperatures_nyquist", "eis_two_temperatures_bode", "li_li_symmetric_symmetric",
        "bruce_vincent_hold_bruce_vincent", "conductivity_sweep_arrhenius"}) {
    check_picture(pictures / (std::string(name) + ".png"));
  }
  // a Li|Li cell's time series is no discharge curve: no voltage-vs-capacity picture from it
  CHECK_FALSE(fs::exists(pictures / "li_li_symmetric_voltage.png"));
  CHECK(contains(r.output, "li_li_symmetric_voltage and li_li_symmetric_breakdown skipped"));
  // the fixtures' conductivities follow Ea = 0.30 eV exactly: the script's fit agrees, no note
  CHECK_FALSE(contains(r.output, "the points fit Ea"));

  r = shell(quoted(plot) + " --format svg" + runs + " -o " + quoted(pictures), tmp.path);
  CHECK(r.status == 0);
  check_picture(pictures / "eis_two_temperatures_nyquist.svg");
  check_picture(pictures / "conductivity_sweep_arrhenius.svg");
}

TEST_CASE("plot: a spectrum without its imaginary part fails, naming the file and the column") {
  const TempDir tmp;
  const fs::path run = fs::path(CASCADE_TEST_DATA) / "tools/plot/eis_missing_column";
  const fs::path pictures = tmp.path / "pictures";
  Result r = shell(quoted(plot) + " " + quoted(run) + " -o " + quoted(pictures), tmp.path);
  CAPTURE(r.output);
  CHECK(r.status == 1);
  CHECK(contains(r.output, (run / "eis.csv").string() + ": the nyquist plot needs column(s) "
                                                        "z_imag_ohm_cm2"));
  CHECK_FALSE(fs::exists(pictures / "eis_missing_column_nyquist.png"));
  // the Bode plot has what it needs and is still drawn
  check_picture(pictures / "eis_missing_column_bode.png");
}

// `cascade sweep` directories: one picture of the collected outputs over the varied keys, what
// was not drawn (failed points, points not run yet) said on stderr, a sharded sweep's tables read
// together.
TEST_CASE("plot: a sweep's picture for one, two and three varied keys, with failed and missing points said") {
  const TempDir tmp;
  const fs::path base = fs::path(CASCADE_TEST_DATA) / "tools/sweep_base.yaml";
  // `body` swept over the base into tmp/<name>, which must end with exit status `status`
  const auto swept = [&](const std::string& name, const std::string& body, int status) {
    const fs::path file = tmp.path / (name + ".yaml"), dir = tmp.path / name;
    std::ofstream(file) << "base: '" << base.string() << "'\n" << body;
    REQUIRE(shell("'" + exe + "' sweep " + quoted(file) + " -o " + quoted(dir), tmp.path).status == status);
    return dir;
  };
  // one key, the middle point failing (a porosity above 1)
  const fs::path one = swept("porosity", "vary: {cathode.porosity: [0.35, 1.5, 0.4]}\ncollect: [discharge_capacity_mAh_g]\n", 4);
  Result r = shell(quoted(plot) + " " + quoted(one), tmp.path);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  check_picture(one / "porosity_sweep.png");
  CHECK(contains(r.output, one.string() + ": 1 failed point drawn as red crosses"));

  // two keys, run as two shards: after the first the other half is said to be missing, after
  // both the two tables are read together
  const fs::path two = tmp.path / "grid";
  const std::string grid = "'" + exe + "' sweep " + quoted(fs::path(CASCADE_TEST_DATA) / "tools/sweep_small.yaml") +
                           " -o " + quoted(two) + " --shard ";
  REQUIRE(shell(grid + "1/2", tmp.path).status == 0);
  r = shell(quoted(plot) + " " + quoted(two), tmp.path);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(contains(r.output, "3 of 6 points not run yet"));
  REQUIRE(shell(grid + "2/2", tmp.path).status == 0);
  r = shell(quoted(plot) + " --format svg " + quoted(two), tmp.path);
  CHECK(r.status == 0);
  check_picture(two / "grid_sweep.svg");
  CHECK(contains(r.output, "the tables of 2 shards together"));
  CHECK_FALSE(contains(r.output, "not run yet"));

  // three keys: each output against each key
  const fs::path three = swept("three",
                               "vary: {cathode.porosity: [0.35, 0.4], electrolyte.conductivity: [0.5 S/m, 2.5 S/m], "
                               "cathode.particle_radius: [2 um, 5 um]}\ncollect: [discharge_capacity_mAh_g, energy_Wh_kg]\n",
                               0);
  r = shell(quoted(plot) + " " + quoted(three), tmp.path);
  CHECK(r.status == 0);
  check_picture(three / "three_sweep.png");

  // two keys and an output no point reaches (a cycle after the single discharge): drawn empty
  const fs::path never = swept("never",
                               "vary: {cathode.porosity: [0.35, 0.4], electrolyte.conductivity: [0.5 S/m, 2.5 S/m]}\n"
                               "collect: [discharge_capacity_mAh_g, retention_pct@cycle_5]\n",
                               0);
  r = shell(quoted(plot) + " " + quoted(never), tmp.path);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  check_picture(never / "never_sweep.png");

  // a sweep directory from before sweep.json: the error says how to get it
  fs::remove(three / "sweep.json");
  r = shell(quoted(plot) + " " + quoted(three), tmp.path);
  CHECK(r.status == 1);
  CHECK(contains(r.output, three.string() + ": a sweep directory without sweep.json"));
}
