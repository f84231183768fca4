#pragma once
// The cascade command's subcommands. Each returns the process exit status.
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"
#include "params/sweep.hpp"

namespace cascade::cli {

int params_show(const std::string& file, const std::vector<std::string>& overrides);
// The short git revision the command was built from ("-dirty" with uncommitted changes, "unknown"
// outside a git work tree), written into every summary.json.
std::string git_revision();
struct RunOutcome;  // tools/cascade/quantities.hpp
int run_case(const std::string& file, const std::string& out_dir,
             const std::vector<std::string>& overrides, bool quiet, RunOutcome* outcome = nullptr);
// A case read and built: `file` and `overrides` are what it was read from (summary.json and
// parameters.txt name them), the rest what runs.
struct CaseRun {
  const std::string& file;
  const std::vector<std::string>& overrides;
  const ParamSet& params;
  const CellParams& cell;
  const std::vector<Step>& steps;
  const StopWhen& stop;
};
// run_case's run and outputs (timeseries.csv, cycles.csv, summary.json, parameters.txt, and
// rate.csv or polarization.csv where they apply) into out_dir, without touching the process's
// signal handling: `interrupt` (may be null) stops the run after its current time step, with
// every file written. Safe to call from several threads at once.
RunResult write_run(const CaseRun& run, const std::filesystem::path& out_dir, bool quiet,
                    const std::atomic<bool>* interrupt);
// Runs the cases (files or folders of them) that carry `expected:` figures, prints the comparison
// and writes validation.csv; 0 only when every expected figure is within its tolerance.
int validate(const std::vector<std::string>& paths, const std::string& out_dir, int jobs, bool plots);
// Times the reference cases (`repeats` runs each) and, unless sweep_points is 0, a sweep of short
// runs and the rate-capability sweep of that many points (the figure: 1000).
// Calibrates the parameters a fit file names against its targets (tools/cascade/fit.cpp).
int fit(const std::string& file);
int bench(int repeats, const std::string& root, int sweep_points);
// The bench lines of the study's cheap cell tests: an impedance spectrum and Li|Li cycling.
void bench_cell_tests(const std::string& root, int repeats);
struct SweepOptions {
  std::string file;      // the sweep file
  int jobs = 0;          // worker threads, 0: all hardware threads
  std::string out_dir;   // "": out/<sweep file stem>
  std::string shard;     // "i/n" runs only the points with index % n == i - 1; "" runs all
  bool reuse_base = true;  // false: each point reads its case files again (a check of the fast path)
  bool quiet = false;    // no report, no progress (bench)
  bool save_points = false;  // each point's own outputs (as `cascade run` writes them) in DIR/points/<index>
  const Sweep* prepared = nullptr;  // points built in memory (cascade mesh-check) instead of `file`'s
};
struct SweepSummary {
  std::size_t points = 0, run_now = 0, ok = 0, failed = 0, workers = 0;  // workers: threads + other ranks
  double wall_seconds = 0;   // of the points run now
  bool interrupted = false;  // Ctrl-C stopped it before every point was done
  std::size_t ranks = 1;     // MPI ranks (1 without MPI)
  bool mpi_worker = false;   // this process was an MPI rank other than 0: rank 0 reports
  struct Outputs {
    bool ok = false;
    std::vector<std::string> values;  // the collected outputs as results.csv writes them
    std::string error;                // of a failed point
  };
  std::map<int, Outputs> results;  // every point of the table (this run's and the journal's), by index
};
// Runs a sweep file's points into DIR/results.csv, resuming from DIR's journal.
SweepSummary sweep(const SweepOptions& options);
// The command: 0 when every point ran, 4 when some failed, 130 after Ctrl-C.
int sweep_command(const SweepOptions& options);

// `cascade mesh-check` (tools/cascade/mesh_check.cpp): the case on its mesh, with each mesh
// direction refined `factor` times alone and all together; prints and writes (DIR/mesh_check.csv)
// the outputs' relative changes. 0 when every run finished, 4 when one failed, 130 after Ctrl-C.
struct MeshCheckOptions {
  std::string file;                    // the case
  std::vector<std::string> overrides;  // --set, applied to every run
  std::vector<std::string> collect;    // output names; empty: the case's natural ones
  int factor = 2;
  int jobs = 0;         // threads, 0: all
  std::string out_dir;  // "": out/<case stem>_mesh_check
};
int mesh_check(const MeshCheckOptions& options);

// `cascade eis`: impedance spectra (tools/cascade/eis.cpp).
struct EisOptions {
  std::string file, out_dir;
  std::vector<std::string> overrides;
  double f_max = 1e5, f_min = 1e-3;  // Hz
  int points = 60;
  std::vector<double> temperatures_C;  // one spectrum each, and an Arrhenius fit; empty: the case's
  bool quiet = false;
};
int eis(const EisOptions& options);

// `cascade bruce-vincent`: the potential-step measurement of t+ on a Li|Li cell
// (tools/cascade/bruce_vincent.cpp).
struct BruceVincentOptions {
  std::string file, out_dir;
  std::vector<std::string> overrides;
  double step = 0.010;      // V
  double hours = 0;         // of polarization; 0: ten diffusion times of the membrane
  bool quiet = false;
};
int bruce_vincent(const BruceVincentOptions& options);

// `cascade symmetric`: Li|Li plating/stripping (tools/cascade/symmetric.cpp).
struct SymmetricOptions {
  std::string file, out_dir;
  std::vector<std::string> overrides;
  double current = 2.0;     // A/m2 (0.2 mA/cm2)
  double capacity = 720.0;  // C/m2 per half cycle (0.2 mAh/cm2)
  double hours = 100;       // of cycling
  bool quiet = false;
};
int symmetric(const SymmetricOptions& options);

// The resolved parameter set as text, one key per line: "key = value unit   [file:line]".
std::string resolved_parameters_text(const std::string& file, const std::vector<std::string>& overrides);

}  // namespace cascade::cli
