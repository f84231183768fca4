// cascade: a pseudo-2D simulator for Li-metal cells with interphases and quasi-solid electrolytes.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "params/error.hpp"
#include "params/units.hpp"
#include "solver/solver_error.hpp"
#include "tools/cascade/commands.hpp"

int main(int argc, char** argv) {
#ifdef __GLIBC__
  // Keep freed memory for the next run instead of handing it back to the kernel. Every run builds
  // and frees its cell, integrator and factors (a few hundred kB). glibc's defaults give the top
  // of the heap back whenever more than 128 kB is free there, and serve blocks above 128 kB (the
  // band matrix of a cell with 225 unknowns and bandwidth 40 is 221 kB) by a fresh mmap each
  // time; both mean the next run in the process (a sweep's next point, a fit's next evaluation, a
  // bench repeat) pays a page fault on every first touch, most of them inside its solve (15-50 us
  // a page on this VM). Setting the two thresholds (which also stops glibc's own adjustment of
  // them) keeps such blocks in the heap and the heap mapped. Measured in alternated processes,
  // 60-300 runs each: the LMO 1C discharge 2.12-2.16 ms against 2.30; one 1C charge and discharge
  // of the glass LFP cell 3.4-3.6 ms against 5.1 (the trim threshold alone: 5.1).
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
#endif
  CLI::App app{"cascade: pseudo-2D (DFN) simulator for Li-metal | SEI | quasi-solid electrolyte | "
               "CEI | porous cathode cells"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cascade " + cascade::cli::git_revision());

  std::vector<std::string> overrides;
  const auto add_set = [&](CLI::App* sub) {
    sub->add_option("--set", overrides,
                    "override a parameter: key.path=value (units allowed), e.g. "
                    "--set cathode.thickness=\"80 um\"; repeatable");
  };

  auto* params = app.add_subcommand("params", "inspect parameter files");
  params->require_subcommand(1);
  std::string params_file;
  auto* show = params->add_subcommand("show", "print the resolved parameter set in SI, with sources");
  show->add_option("FILE", params_file, "parameter or case file (YAML)")->required()->check(CLI::ExistingFile);
  add_set(show);

  auto* run = app.add_subcommand("run", "run a case: its cell and its experiment");
  std::string case_file, out_dir;
  bool quiet = false;
  run->add_option("CASE", case_file, "case file (YAML)")->required()->check(CLI::ExistingFile);
  run->add_option("-o,--output", out_dir, "output directory (default out/<case name>)");
  run->add_flag("-q,--quiet", quiet, "print nothing but errors");
  add_set(run);

  auto* bench = app.add_subcommand("bench", "time the reference cases and print median figures");
  int repeats = 21;
  std::string root = CASCADE_SOURCE_DIR;
  bench->add_option("-n,--repeats", repeats, "runs per case (the median is printed)")->check(CLI::PositiveNumber);
  bench->add_option("--root", root, "repository root holding cases/");
  int sweep_points = -1;
  bench->add_option("--sweep-points", sweep_points,
                    "points of the rate-capability sweep (default 1000, or 10 per repeat when -n is "
                    "below 20, for a quick check; 0 skips the sweeps)")
      ->check(CLI::NonNegativeNumber);

  auto* sweep = app.add_subcommand("sweep", "run a case over the points of a sweep file on all cores");
  cascade::cli::SweepOptions sweep_opt;
  sweep->add_option("FILE", sweep_opt.file, "sweep file (YAML): base, vary, zip, samples, collect")
      ->required()
      ->check(CLI::ExistingFile);
  sweep->add_option("-j,--jobs", sweep_opt.jobs, "worker threads (default: all hardware threads)")
      ->check(CLI::NonNegativeNumber);
  sweep->add_option("-o,--output", sweep_opt.out_dir, "output directory (default out/<sweep file name>)");
  sweep->add_option("--shard", sweep_opt.shard,
                    "i/n: run only the points with index % n == i-1, for job arrays (1 <= i <= n)");
  sweep->add_flag("--save-points", sweep_opt.save_points,
                  "also write each point's own outputs (timeseries.csv, cycles.csv, summary.json, ...) to "
                  "DIR/points/<point>");
  bool reread = false;
  sweep->add_flag("--reread", reread,
                  "read and build every point from the case files (slower; a check of the default, "
                  "which reads the base case once per thread)");

  auto* mesh = app.add_subcommand(
      "mesh-check", "where a case's discretisation error sits: the case with each mesh direction refined alone and all "
                    "together, and the outputs' relative changes");
  cascade::cli::MeshCheckOptions mesh_opt;
  mesh->add_option("CASE", mesh_opt.file, "case file (YAML)")->required()->check(CLI::ExistingFile);
  mesh->add_option("--collect", mesh_opt.collect,
                   "outputs to compare, as a sweep's collect names (default: each rate's discharge capacity for a "
                   "rate test, else the discharge capacity, energy and mean voltage)");
  mesh->add_option("--factor", mesh_opt.factor, "refinement factor of each direction (default 2)")
      ->check(CLI::Range(2, 16));
  mesh->add_option("-j,--jobs", mesh_opt.jobs, "runs at once (default: all hardware threads)")
      ->check(CLI::NonNegativeNumber);
  mesh->add_option("-o,--output", mesh_opt.out_dir, "output directory (default out/<case name>_mesh_check)");
  add_set(mesh);

  auto* fit = app.add_subcommand(
      "fit", "calibrate parameters against outputs of cases by bounded least squares (Ceres)");
  std::string fit_file;
  fit->add_option("FIT", fit_file, "fit file (YAML): parameters with bounds, targets, output")
      ->required()
      ->check(CLI::ExistingFile);

  auto* validate = app.add_subcommand(
      "validate", "run the cases with expected: figures and compare them with what was reported");
  std::vector<std::string> validate_paths;
  std::string validate_out;
  int validate_jobs = 0;
  bool validate_plots = false;
  validate->add_option("PATH", validate_paths, "case files or folders (default cases/paper)");
  validate->add_option("-o,--output", validate_out, "output directory (default out/validation)");
  validate->add_option("-j,--jobs", validate_jobs, "cases run at once (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  validate->add_flag("--plots", validate_plots, "draw the pictures with tools/plot");

  auto* eis = app.add_subcommand(
      "eis", "impedance spectrum of the case's cell (at rest, or where its experiment leaves it)");
  cascade::cli::EisOptions eis_opt;
  std::string eis_from = "100 kHz", eis_to = "1 mHz";
  std::vector<std::string> eis_temperatures;
  eis->add_option("CASE", eis_opt.file, "case file (YAML)")->required()->check(CLI::ExistingFile);
  eis->add_option("-o,--output", eis_opt.out_dir, "output directory (default out/<case>_eis)");
  eis->add_option("--from", eis_from, "highest frequency (default 100 kHz; a bare number is Hz)");
  eis->add_option("--to", eis_to, "lowest frequency (default 1 mHz)");
  eis->add_option("--points", eis_opt.points, "frequencies, log-spaced (default 60)");
  eis->add_option("--temperatures", eis_temperatures,
                  "one spectrum at each (comma-separated; bare numbers are degC) and the "
                  "electrolyte's activation energy from them")
      ->delimiter(',');
  add_set(eis);

  auto* bv = app.add_subcommand(
      "bruce-vincent", "t+ by the Bruce-Vincent-Evans potential step on a Li|Li cell");
  cascade::cli::BruceVincentOptions bv_opt;
  std::string bv_step = "10 mV";
  bv->add_option("CASE", bv_opt.file, "case file of a Li|Li cell (YAML)")->required()->check(CLI::ExistingFile);
  bv->add_option("-o,--output", bv_opt.out_dir, "output directory (default out/<case>_bruce_vincent)");
  bv->add_option("--step", bv_step, "potential step (default 10 mV)");
  bv->add_option("--hours", bv_opt.hours, "polarization time (default: ten diffusion times of the membrane)")
      ->check(CLI::PositiveNumber);
  add_set(bv);

  auto* sym = app.add_subcommand(
      "symmetric", "plating/stripping of a Li|Li cell at a current and capacity per half cycle (cascade run's outputs "
                   "and polarization.csv)");
  cascade::cli::SymmetricOptions sym_opt;
  std::string sym_current = "0.2 mA/cm2", sym_capacity = "0.2 mAh/cm2";
  sym->add_option("CASE", sym_opt.file, "case or cell file of a Li|Li cell (YAML)")->required()->check(CLI::ExistingFile);
  sym->add_option("-o,--output", sym_opt.out_dir, "output directory (default out/<case name>)");
  sym->add_option("--current", sym_current, "current density (default 0.2 mA/cm2)");
  sym->add_option("--capacity", sym_capacity, "capacity per half cycle (default 0.2 mAh/cm2)");
  sym->add_option("--hours", sym_opt.hours, "duration of the test (default 100)")->check(CLI::PositiveNumber);
  sym->add_flag("-q,--quiet", sym_opt.quiet, "no step listing");
  add_set(sym);

  CLI11_PARSE(app, argc, argv);
  try {
    if (show->parsed()) return cascade::cli::params_show(params_file, overrides);
    if (run->parsed()) return cascade::cli::run_case(case_file, out_dir, overrides, quiet);
    if (bench->parsed()) {
      if (sweep_points < 0) sweep_points = repeats < 20 ? 10 * repeats : 1000;
      return cascade::cli::bench(repeats, root, sweep_points);
    }
    if (fit->parsed()) return cascade::cli::fit(fit_file);
    if (eis->parsed()) {
      using cascade::to_si;
      const auto in = [](const std::string& text, const cascade::Dimension& d, const char* option) {
        try {
          return to_si(text, d);
        } catch (const cascade::UnitError& e) {
          throw std::invalid_argument(fmt::format("{} '{}': {}", option, text, e.what()));
        }
      };
      eis_opt.f_max = in(eis_from, cascade::dim::frequency, "--from");
      eis_opt.f_min = in(eis_to, cascade::dim::frequency, "--to");
      for (const auto& t : eis_temperatures) {
        const auto q = cascade::parse_quantity(t);
        eis_opt.temperatures_C.push_back(q.dim == cascade::dim::none ? q.si : q.si - 273.15);
      }
      eis_opt.overrides = overrides;
      return cascade::cli::eis(eis_opt);
    }
    if (sym->parsed()) {
      sym_opt.current = cascade::to_si(sym_current, cascade::dim::current_density);
      sym_opt.capacity = cascade::to_si(sym_capacity, cascade::dim::areal_capacity);
      sym_opt.overrides = overrides;
      return cascade::cli::symmetric(sym_opt);
    }
    if (bv->parsed()) {
      bv_opt.step = cascade::to_si(bv_step, cascade::dim::voltage);
      bv_opt.overrides = overrides;
      return cascade::cli::bruce_vincent(bv_opt);
    }
    if (validate->parsed()) {
      return cascade::cli::validate(validate_paths, validate_out, validate_jobs, validate_plots);
    }
    if (mesh->parsed()) {
      mesh_opt.overrides = overrides;
      return cascade::cli::mesh_check(mesh_opt);
    }
    if (sweep->parsed()) {
      sweep_opt.reuse_base = !reread;
      return cascade::cli::sweep_command(sweep_opt);
    }
  } catch (const cascade::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const cascade::solver::SolverError& e) {
    std::cerr << "solver error: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
