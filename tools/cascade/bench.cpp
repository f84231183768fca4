// `cascade bench`: fixed cases, run repeatedly, medians printed as "name: value unit" lines.
#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

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

namespace fs = std::filesystem;

// A scratch directory for the sweeps' journals and tables, removed afterwards.
struct Scratch {
  fs::path path;
  Scratch() {
    path = fs::temp_directory_path() / fmt::format("cascade_bench_{}", ::getpid());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// A case file read into what a run of it needs.
struct BenchCase {
  CellParams cell;
  SolverSettings settings;
  std::vector<Step> steps;
  StopWhen stop;
};
BenchCase load_bench_case(const fs::path& file, const std::vector<std::string>& overrides = {}) {
  const ParamSet p = ParamSet::load(file, overrides);
  return {build_cell_params(p), build_solver_settings(p), case_protocol(p), parse_stop_when(p)};
}

// CPU time (user + system) this process has used so far, s.
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) { return double(t.tv_sec) + 1e-6 * double(t.tv_usec); };
  return s(u.ru_utime) + s(u.ru_stime);
}

SweepSummary run_sweep(const fs::path& file, int jobs, const fs::path& out, const std::string& shard = "",
                       bool reuse_base = true, double* cores_used = nullptr) {
  const double cpu0 = cpu_seconds();
  SweepOptions o;
  o.file = file.string();
  o.jobs = jobs;
  o.out_dir = out.string();
  o.shard = shard;
  o.reuse_base = reuse_base;
  o.quiet = true;
  const SweepSummary s = sweep(o);
  if (s.interrupted) throw std::runtime_error("interrupted");
  if (cores_used) *cores_used = (cpu_seconds() - cpu0) / s.wall_seconds;
  return s;
}

// Per-point cost of a sweep of short runs (the 1C discharge) on one thread: with the base case
// read once per worker, and with every point read from the files (--reread).
void bench_sweep_overhead(const std::string& root, int side, const Scratch& tmp) {
  const fs::path file = tmp.path / "overhead.yaml";
  std::ofstream(file) << fmt::format(
      "base: '{}'\nvary: {{cathode.particle_radius: {{linspace: [3 um, 8 um, {}]}}, "
      "electrolyte.conductivity: {{linspace: [0.5 S/m, 2 S/m, {}]}}}}\ncollect: [discharge_capacity_mAh_g]\n",
      (fs::path(root) / "cases/reference/lmo_constant_1c.yaml").string(), side, side);
  std::vector<double> reuse, reread;
  for (int k = 0; k < 3; ++k) {
    for (const bool r : {true, false}) {
      const fs::path out = tmp.path / fmt::format("overhead_{}_{}", k, r);
      const SweepSummary s = run_sweep(file, 1, out, "", r);
      (r ? reuse : reread).push_back(s.wall_seconds / double(s.run_now));
    }
  }
  std::cout << fmt::format("sweep of the 1C discharge, one thread (median of 3 x {} points): {:.2f} ms a point\n",
                           side * side, median(reuse) * 1e3);
  std::cout << fmt::format("sweep of the 1C discharge, one thread, each point read from its files (--reread): "
                           "{:.2f} ms a point\n", median(reread) * 1e3);
}

// What the machine gives several threads at once: each of `threads` threads runs the same fixed
// floating-point loop while the others run theirs, against one thread running it alone. On a
// virtual machine whose cores share hardware on the host, a core can run at a fraction of its
// speed while the other is busy, with no steal time reported; the sweep's efficiency cannot beat
// that. Returns the threads' mean speed and the slowest one's as fractions of the speed alone
// (each the mean of 3 rounds).
std::pair<double, double> machine_parallel_speed(int threads) {
  const auto loop_seconds = [] {
    const auto t0 = std::chrono::steady_clock::now();
    double x = 1.0;
    for (int i = 0; i < 20'000'000; ++i) x = x * 0.999999 + 1e-7;  // a dependent chain: latency-bound
    volatile double sink = x;
    (void)sink;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  constexpr int rounds = 3;
  double mean = 0, slowest = 0;
  for (int round = 0; round < rounds; ++round) {
    const double alone = loop_seconds();
    std::vector<double> t(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    for (int k = 0; k < threads; ++k) pool.emplace_back([&t, &loop_seconds, k] { t[std::size_t(k)] = loop_seconds(); });
    for (auto& th : pool) th.join();
    double speed = 0;
    for (const double v : t) speed += alone / v;
    mean += speed / threads / rounds;
    slowest += alone / *std::max_element(t.begin(), t.end()) / rounds;
  }
  return {mean, slowest};
}

// The CPUs this process may run on (its affinity mask), in order; empty where it cannot be read.
std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return {};
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

// Pins the calling thread, and the threads it starts while pinned, to one CPU; restores the
// thread's mask on leaving scope. ok() is false where the mask cannot be set (nothing pinned).
class PinnedTo {
 public:
  explicit PinnedTo(int cpu) {
    if (::pthread_getaffinity_np(::pthread_self(), sizeof old_, &old_) != 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    ok_ = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set) == 0;
  }
  ~PinnedTo() {
    if (ok_) ::pthread_setaffinity_np(::pthread_self(), sizeof old_, &old_);
  }
  PinnedTo(const PinnedTo&) = delete;
  PinnedTo& operator=(const PinnedTo&) = delete;
  bool ok() const { return ok_; }

 private:
  cpu_set_t old_{};
  bool ok_ = false;
};

// Each core's speed on the solver itself, alone: the reference 1C discharge pinned to one core
// after the other (median of 9 runs each), in ms, with the CPUs' numbers. A virtual machine's
// cores can differ by half (a core sharing its caches on the host with other work) while a fixed
// floating-point loop, as in machine_parallel_speed, runs at full speed on both; a sweep on all
// cores is then held to the mean of their speeds. Empty where threads cannot be pinned.
std::vector<std::pair<int, double>> core_solve_ms(const std::string& root) {
  const BenchCase c = load_bench_case(fs::path(root) / "cases/reference/lmo_constant_1c.yaml");
  std::vector<std::pair<int, double>> ms;
  for (const int cpu : allowed_cpus()) {
    const PinnedTo pin(cpu);
    if (!pin.ok()) return {};
    std::vector<double> wall;
    for (int k = 0; k < 9; ++k) {
      Simulation sim(c.cell, c.settings);
      const auto t0 = std::chrono::steady_clock::now();
      sim.run(c.steps, nullptr);
      wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    ms.emplace_back(cpu, median(wall) * 1e3);
  }
  return ms;
}

// The figure: a rate-capability sweep (seven rates, one cycle each, on the reference cell
// with the base case's balanced mesh) on all cores, and the same points on one core. The points
// are run in six shards (every sixth point), each on all cores and then on one core or the other
// way round, alternately: this virtual machine's speed drifts by up to a third over a minute, and
// with one long run after the other the drift fell on whichever ran second (efficiencies of 88 to
// 110 % in one afternoon). The shards also keep both runs to the same points (a tenth of them
// differed from the whole by up to 1.3 % in cost). A shard's one-core run is pinned to the
// allowed CPUs in turn (with the journal's writer thread: one core does all the work), and the
// efficiency is against the mean of their speeds alone: where the cores differ (one at two thirds
// of the other's speed in some runs), an unpinned thread's speed depended on where the scheduler
// put it. The efficiency against the fastest core is printed too.
void bench_rate_sweep(const std::string& root, int points, const Scratch& tmp) {
  const fs::path file = tmp.path / "rate.yaml";
  // The same sweep as cases/sweeps/lmo_rate_capability.yaml, with `points` samples.
  std::ofstream(file) << fmt::format(
      "base: '{}'\nsamples: {{latin_hypercube: {}, seed: 1, ranges: {{cathode.particle_radius: [2 um, 10 um], "
      "electrolyte.conductivity: [0.2 S/m, 1.5 S/m]}}}}\n"
      "collect: [discharge_capacity_mAh_g@0.1C, discharge_capacity_mAh_g@5C]\n",
      (fs::path(root) / "cases/sweeps/lmo_rate_capability_base.yaml").string(), points);
  // the CPUs this process may use (under `taskset` fewer than the machine has)
  const std::vector<int> cpus = allowed_cpus();
  const int cores = cpus.empty() ? int(std::max(1u, std::thread::hardware_concurrency())) : int(cpus.size());
  const auto machine_before = machine_parallel_speed(cores);
  if (const auto per_core = core_solve_ms(root); !per_core.empty()) {
    double fastest = per_core[0].second, slowest_ms = 0, mean_speed = 0;
    for (const auto& [cpu, ms] : per_core) fastest = std::min(fastest, ms), slowest_ms = std::max(slowest_ms, ms);
    std::string list;
    for (const auto& [cpu, ms] : per_core) {
      mean_speed += fastest / ms / double(per_core.size());
      list += fmt::format("{}core {} {:.2f} ms", list.empty() ? "" : ", ", cpu, ms);
    }
    const double slowest = fastest / slowest_ms;
    std::cout << fmt::format("machine check, the 1C discharge alone on each core (pinned, median of 9): {}; the "
                             "slowest core at {:.0f} % of the fastest's speed, so a sweep on all cores gets at most "
                             "{:.0f} % of the fastest core's rate on each{}\n",
                             list, slowest * 100, mean_speed * 100,
                             slowest < 0.9 ? " (the cores differ: the parallel efficiency below is bounded by it)" : "");
  }
  // six shards, fewer where a shard would hold under two points a core (a quick bench), up to one
  // a core on a machine of more cores where the points allow (each shard's one-core run measures
  // the next core; the efficiency is against the mean of the cores measured)
  const int shards = std::clamp(points / (2 * cores), 1, std::max(6, cores));
  std::map<int, std::pair<double, double>> alone;  // CPU (-1: not pinned) -> points, seconds
  SweepSummary all, one;  // totals over the shards
  double cpu_all = 0, cpu_one = 0, worst = 2, best = 0;
  const auto add = [](SweepSummary& sum, double& cpu_seconds, const SweepSummary& part, double used) {
    sum.run_now += part.run_now;
    sum.failed += part.failed;
    sum.workers = std::max(sum.workers, part.workers);
    sum.wall_seconds += part.wall_seconds;
    cpu_seconds += used * part.wall_seconds;
  };
  for (int k = 1; k <= shards; ++k) {
    const std::string shard = fmt::format("{}/{}", k, shards);
    double used_all = 0, used_one = 0;
    SweepSummary a, o;
    int cpu = cpus.empty() ? -1 : cpus[std::size_t(k - 1) % cpus.size()];
    const auto on_all = [&] { a = run_sweep(file, cores, tmp.path / "rate_all", shard, true, &used_all); };
    const auto on_one = [&] {
      std::optional<PinnedTo> pin;
      if (cpu >= 0 && !pin.emplace(cpu).ok()) cpu = -1;
      o = run_sweep(file, 1, tmp.path / "rate_one", shard, true, &used_one);
    };
    if (k % 2 != 0) {
      on_all();
      on_one();
    } else {
      on_one();
      on_all();
    }
    const double e = o.wall_seconds / (double(a.workers) * a.wall_seconds);
    worst = std::min(worst, e);
    best = std::max(best, e);
    add(all, cpu_all, a, used_all);
    add(one, cpu_one, o, used_one);
    alone[cpu].first += double(o.run_now);
    alone[cpu].second += o.wall_seconds;
  }
  const auto machine_after = machine_parallel_speed(cores);
  const double used_all = cpu_all / all.wall_seconds, used_one = cpu_one / one.wall_seconds;
  const double rate_all = double(all.run_now) / all.wall_seconds;
  const double rate_one = double(one.run_now) / one.wall_seconds;
  double mean_alone = 0, fastest_alone = 0;  // points/s of one thread
  std::string per_cpu;
  for (const auto& [cpu, run] : alone) {
    const double rate = run.first / run.second;
    mean_alone += rate / double(alone.size());
    fastest_alone = std::max(fastest_alone, rate);
    per_cpu += fmt::format("{}{} {:.1f} ms", per_cpu.empty() ? "" : ", ",
                           cpu < 0 ? std::string("unpinned") : fmt::format("core {}", cpu), 1e3 / rate);
  }
  const double efficiency = rate_all / (double(all.workers) * mean_alone);
  const std::string what = fmt::format("rate-capability sweep, {} points x 7 rates", points);
  std::cout << fmt::format("{} on {} threads: {:.1f} points/s ({:.2f} s, {} failed)\n", what, all.workers, rate_all,
                           all.wall_seconds, all.failed);
  std::cout << fmt::format("{} on one thread ({} points, each shard pinned to a core in turn): {:.1f} points/s "
                           "({:.1f} ms a point; {})\n",
                           what, one.run_now, rate_one, 1e3 / rate_one, per_cpu);
  std::cout << fmt::format("{}, parallel efficiency on {} threads: {:.0f} % against the cores' mean speed alone "
                           "(each of {} shards: {:.0f} to {:.0f} %); {:.0f} % against the fastest core alone\n",
                           what, all.workers, efficiency * 100, shards, worst * 100, best * 100,
                           100 * rate_all / (double(all.workers) * fastest_alone));
  // On a machine shared with other work the threads get less than their cores, and the wall-clock
  // efficiency measures the machine, not the program: say so, with the CPU time each run got.
  std::cout << fmt::format("{}, cores the process got (CPU time / wall time): {:.2f} of {} on {} threads, {:.2f} of 1 "
                           "on one; points per CPU-second, {} threads against one: {:.0f} %{}\n",
                           what, used_all, all.workers, all.workers, used_one, all.workers,
                           100 * (rate_all / used_all) / (rate_one / used_one),
                           used_all < 0.9 * double(all.workers) || used_one < 0.9
                               ? " (the machine was busy with other work: the efficiency above is not the program's)"
                               : "");
  std::cout << fmt::format("machine check: {} threads busy at once each ran a fixed loop at {:.0f} % of one thread's "
                           "speed alone (the slowest at {:.0f} %) before the sweep on {} threads, {:.0f} % ({:.0f} %) "
                           "after it{}\n",
                           cores, machine_before.first * 100, machine_before.second * 100, all.workers,
                           machine_after.first * 100, machine_after.second * 100,
                           std::min(machine_before.first, machine_after.first) < 0.9
                               ? ": the cores were slower together, and the sweep's efficiency with them"
                               : "");
  const double t1000 = 1000.0 / rate_all;
  std::cout << fmt::format("rate-capability sweep goal (1000 points in under 10 s on 2 cores, efficiency above "
                           "90 %): {:.1f} s for 1000 points on {} threads, {:.1f} x the goal; efficiency {:.0f} % "
                           "against the cores' mean speed ({})\n",
                           t1000, all.workers, t1000 / 10.0, efficiency * 100,
                           t1000 < 10 && efficiency > 0.9 ? "met" : "not met");
}
}  // namespace

// The study's longest test: the glass LFP cell at 1C for 3000 cycles (cases/paper), with
// fast-forward and with every cycle simulated, and how far apart their retentions are. A quick
// bench (-n below 20) stops both at 100 cycles.
void bench_cycling(const std::string& root, bool quick) {
  BenchCase c = load_bench_case(fs::path(root) / "cases/paper/lfp_gz62_cycling.yaml");
  const CellParams& cell = c.cell;
  const auto& steps = c.steps;
  SolverSettings ff = c.settings;
  SolverSettings full = ff;
  ff.fast_forward = true;
  full.fast_forward = false;
  StopWhen& stop = c.stop;
  const int n = quick ? 100 : 3000;
  stop.cycles = n;
  const auto timed = [&](const SolverSettings& s) {
    Simulation sim(cell, s);
    const auto t0 = std::chrono::steady_clock::now();
    RunResult r = sim.run(steps, nullptr, stop);
    return std::pair{std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), r};
  };
  std::vector<double> ff_wall;
  RunResult ff_res;
  for (int k = 0; k < (quick ? 1 : 3); ++k) {
    auto [w, r] = timed(ff);
    ff_wall.push_back(w);
    ff_res = r;
  }
  const auto [full_wall, full_res] = timed(full);
  double worst = 0;
  for (const auto& c : ff_res.cycles) {
    if (c.cycle <= 0) continue;
    for (const auto& f : full_res.cycles) {
      if (f.cycle == c.cycle && f.activation_cycle == 0) worst = std::max(worst, std::abs(c.retention - f.retention));
    }
  }
  const std::string what = fmt::format("lfp_gz62 1C cycling, {} cycles", n);
  std::cout << fmt::format("{} with fast-forward (one core): {:.3f} s ({} cycles simulated)\n", what,
                           median(ff_wall), ff_res.cycles.size());
  std::cout << fmt::format("{}, every cycle simulated (one core): {:.2f} s ({:.1f} ms a cycle)\n", what,
                           full_wall, full_wall / n * 1e3);
  const auto& st = full_res.stats;
  std::cout << fmt::format("{}, every cycle simulated: {:.1f} steps, {:.1f} residuals, {:.2f} Jacobians, "
                           "{:.1f} Newton iterations a cycle\n",
                           what, double(st.steps) / n, double(st.residual_evals) / n, double(st.jacobian_evals) / n,
                           double(st.nonlinear_iters) / n);
  std::cout << fmt::format("{}, fast-forward vs full, worst retention difference: {:.3f} percentage points\n",
                           what, worst * 100);
  std::cout << fmt::format("{}, retention at the end: {:.2f} % full, {:.2f} % fast-forward (goals: full under 10 s, "
                           "fast-forward under 0.5 s)\n",
                           what, full_res.cycles.back().retention * 100, ff_res.cycles.back().retention * 100);
}

int bench(int repeats, const std::string& root_arg, int sweep_points) {
  // absolute: the sweeps' files live in a scratch directory and name their base case by path
  const std::string root = std::filesystem::absolute(root_arg).string();
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
      // The study's glass cells, from full charge (cases/bench): LFP with three particle sizes
      // (225 unknowns), NCM811 with one (330).
      {"lfp_gz62 1C discharge", "cases/bench/lfp_gz62_1c.yaml", {}},
      {"ncm811_gz62 1C discharge", "cases/bench/ncm811_gz62_1c.yaml", {}},
  };
  for (const auto& c : cases) {
    const BenchCase b = load_bench_case(fs::path(root) / c.file, c.overrides);
    std::vector<double> wall, setup;
    RunResult last;
    for (int k = 0; k < repeats; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      Simulation sim(b.cell, b.settings);
      const auto t1 = std::chrono::steady_clock::now();
      last = sim.run(b.steps, nullptr);
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
  bench_cell_tests(root, repeats);
  bench_cycling(root, repeats < 20);
  if (sweep_points > 0) {
    const Scratch tmp;
    bench_sweep_overhead(root, sweep_points >= 1000 ? 10 : 5, tmp);
    bench_rate_sweep(root, sweep_points, tmp);
  }
  return 0;
}

}  // namespace cascade::cli
