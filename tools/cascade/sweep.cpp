// `cascade sweep`: a case run over the points of a sweep file on a pool of threads, each finished
// point appended to an fsync'd journal so that a killed sweep resumes where it stopped.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#ifdef CASCADE_MPI
#include <mpi.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <regex>
#include <sstream>
#include <thread>

#include "models/simulation.hpp"
#include "params/build_cell.hpp"
#include "params/material_yaml.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"
#include "params/sweep.hpp"
#include "tools/cascade/commands.hpp"
#include "tools/cascade/files.hpp"
#include "tools/cascade/quantities.hpp"

namespace cascade::cli {

namespace fs = std::filesystem;

namespace {

struct Shard {
  int i = 1, n = 1;  // 1-based: this process runs the points with index % n == i - 1
  std::string suffix() const { return n == 1 ? "" : fmt::format(".shard-{}-of-{}", i, n); }
};

Shard parse_shard(const std::string& text) {
  Shard s;
  if (text.empty()) return s;
  static const std::regex form(R"(^\s*([0-9]+)\s*/\s*([0-9]+)\s*$)");
  std::smatch m;
  if (std::regex_match(text, m, form)) {
    s.i = std::stoi(m[1].str());
    s.n = std::stoi(m[2].str());
    if (s.n >= 1 && s.i >= 1 && s.i <= s.n) return s;
  }
  throw std::runtime_error(fmt::format(
      "--shard '{}': expected i/n with 1 <= i <= n, e.g. --shard 3/10 (the third of ten shards)", text));
}

// One line of text for a CSV field: diagnostics joined, newlines and carets dropped.
std::string one_line(const std::exception& e) {
  if (const auto* in = dynamic_cast<const InputError*>(&e)) {
    std::string out;
    for (const auto& d : in->diagnostics()) {
      if (!out.empty()) out += "; ";
      out += fmt::format("{}: {}{}", d.where.to_string(), d.key.empty() ? "" : "[" + d.key + "] ", d.message);
    }
    return out;
  }
  std::string out = e.what();
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

std::string csv_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out + "\"";
}

std::string number(double v) { return std::isfinite(v) ? fmt::format("{:.10g}", v) : ""; }

// The collected outputs of one run, in the sweep's collect order ("" when the run never reached
// what an output asks for, e.g. a retention at a cycle after the run stopped).
std::vector<std::string> collect_outputs(const Sweep& sweep, const CellParams& cell, const RunResult& res) {
  std::vector<std::string> out;
  for (const auto& c : sweep.collect) out.push_back(number(quantity_value(c, cell, res)));
  return out;
}

struct Record {
  int index = 0;
  std::uint64_t hash = 0;
  bool ok = false;
  double wall = 0;  // s
  std::vector<std::string> values;
  std::string error;
  std::string line() const {
    std::string s = fmt::format("{},{:016x},{},{:.3f}", index, hash, ok ? "ok" : "failed", wall);
    for (const auto& v : values) s += "," + v;
    return s + "," + csv_quoted(error) + "\n";
  }
};

// The material functions build_cell_params() fills, by key and field. An expression is
// tabulated every time it is built (a few milliseconds, more than a short run's solve); a point
// that does not vary it gets the base's Property instead, whose tabulation is shared by all its
// copies, and build_cell_params() sees a constant stand-in with the same domain (the domain is
// the only thing it reads from a function besides building it). A function not listed here is
// simply built for every point.
struct FunctionSlot {
  const char* key;
  Property& (*field)(CellParams&);
};
const FunctionSlot function_slots[] = {
    {"electrolyte.conductivity", [](CellParams& c) -> Property& { return c.electrolyte.conductivity; }},
    {"electrolyte.diffusivity", [](CellParams& c) -> Property& { return c.electrolyte.diffusivity; }},
    {"electrolyte.transference_number",
     [](CellParams& c) -> Property& { return c.electrolyte.transference_number; }},
    {"electrolyte.thermodynamic_factor",
     [](CellParams& c) -> Property& { return c.electrolyte.thermodynamic_factor; }},
    {"cathode.ocp", [](CellParams& c) -> Property& { return c.cathode.ocp; }},
    {"cathode.entropic_coefficient", [](CellParams& c) -> Property& { return c.cathode.entropic; }},
    {"cathode.diffusivity", [](CellParams& c) -> Property& { return c.cathode.diffusivity; }},
    {"cathode.exchange_current", [](CellParams& c) -> Property& { return c.cathode.exchange_current; }},
};

// Keys case_protocol() and parse_stop_when() read: a point varying none of them runs the base's
// protocol (parsing a rate test's sentences takes about 2 ms).
bool touches_protocol(const std::string& key) {
  return key == "experiment" || key.rfind("rate_test.", 0) == 0 || key.rfind("stop_when.", 0) == 0 ||
         key == "cathode.upper_voltage" || key == "cathode.lower_voltage";
}

std::string key_of(const std::string& override_text) { return override_text.substr(0, override_text.find('=')); }

fs::path sweep_out_dir(const SweepOptions& opt) {
  return opt.out_dir.empty() ? fs::path("out") / fs::path(opt.file).stem() : fs::path(opt.out_dir);
}

// Where a point's own outputs go (--save-points): DIR/points/<index>, the index of results.csv.
fs::path point_dir(const fs::path& points, int index) { return points / std::to_string(index); }

// Runs points one after another in the calling thread. Each worker owns one: the base case is read,
// validated and built once per worker, and each point applies its overrides to a copy. Nothing is
// shared between workers (yaml-cpp nodes are not safe to read from two threads).
class PointRunner {
 public:
  PointRunner(const Sweep& sweep, const std::atomic<bool>* interrupt) : sweep_(sweep), interrupt_(interrupt) {
    try {
      base_.emplace(ParamSet::load(sweep.base));
    } catch (const std::exception&) {
      return;  // the base alone is incomplete (a point's overrides may complete it): load per point
    }
    try {
      base_cell_.emplace(build_cell_params(*base_));
      for (const auto& slot : function_slots) {
        const Entry* e = base_->find(slot.key);
        if (!e || !e->node.IsMap() || !e->node["expression"]) continue;
        const auto [lo, hi] = material_function_domain(*base_, slot.key);
        const double v = slot.field(*base_cell_).bind(base_cell_->temperature)->eval(0.5 * (lo + hi)).v;
        stand_ins_[slot.key] = fmt::format("{}={{value: {:.17g}, domain: [{:.17g}, {:.17g}]}}", slot.key, v, lo, hi);
      }
      // A stand-in the schema would refuse (a value out of the key's range) is not used.
      for (auto it = stand_ins_.begin(); it != stand_ins_.end();) {
        try {
          (void)base_->with_overrides({it->second});
          ++it;
        } catch (const std::exception&) {
          it = stand_ins_.erase(it);
        }
      }
    } catch (const std::exception&) {
      base_cell_.reset();
      stand_ins_.clear();
    }
    try {
      base_steps_ = case_protocol(*base_);
      base_stop_ = parse_stop_when(*base_);
      has_base_protocol_ = true;
    } catch (const std::exception&) {
    }
  }

  // The point's record; `abandoned` when the interrupt flag stopped its run (not to be journalled).
  Record run(const SweepPoint& p, bool& abandoned) {
    const auto t0 = std::chrono::steady_clock::now();
    Record r;
    r.index = p.index;
    r.hash = p.hash;
    abandoned = false;
    try {
      r.values = fast_ ? run_fast(p, abandoned) : run_plain(p, abandoned);
      r.ok = true;
    } catch (const std::exception&) {
      try {  // the exact error of a plain run, with no stand-in in its messages
        r.values = run_plain(p, abandoned);
        r.ok = true;
      } catch (const std::exception& e) {
        r.values.assign(sweep_.collect.size(), "");
        r.error = one_line(e);
      }
    }
    r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

 private:
  // Reference path: everything read from the files again, as `cascade run --set ...` would.
  std::vector<std::string> run_plain(const SweepPoint& p, bool& abandoned) {
    const ParamSet params = ParamSet::load(sweep_.base, p.overrides);
    const CellParams cell = build_cell_params(params);
    return simulate(p, cell, params, case_protocol(params), parse_stop_when(params), abandoned);
  }

  std::vector<std::string> run_fast(const SweepPoint& p, bool& abandoned) {
    if (!base_) return run_plain(p, abandoned);
    std::vector<std::string> overrides;
    std::vector<const FunctionSlot*> reused;
    bool protocol_changed = !has_base_protocol_;
    std::set<std::string> varied;
    for (const auto& o : p.overrides) {
      varied.insert(key_of(o));
      protocol_changed = protocol_changed || touches_protocol(key_of(o));
    }
    if (base_cell_) {
      for (const auto& slot : function_slots) {
        const auto it = stand_ins_.find(slot.key);
        if (it == stand_ins_.end() || varied.count(slot.key)) continue;
        overrides.push_back(it->second);
        reused.push_back(&slot);
      }
    }
    overrides.insert(overrides.end(), p.overrides.begin(), p.overrides.end());
    const ParamSet params = base_->with_overrides(overrides);
    CellParams cell = build_cell_params(params);
    for (const FunctionSlot* slot : reused) slot->field(cell) = slot->field(*base_cell_);
    if (!protocol_changed) return simulate(p, cell, params, base_steps_, base_stop_, abandoned);
    return simulate(p, cell, params, case_protocol(params), parse_stop_when(params), abandoned);
  }

  std::vector<std::string> simulate(const SweepPoint& p, const CellParams& cell, const ParamSet& params,
                                    const std::vector<Step>& steps, const StopWhen& stop, bool& abandoned) {
    RunResult res;
    if (points_dir_) {
      // the files `cascade run BASE --set ...` writes, named by the point's overrides (params may
      // hold the base's tabulated functions as constant stand-ins: parameters.txt reads the files)
      const std::string base = sweep_.base.string();
      res = write_run(CaseRun{base, p.overrides, params, cell, steps, stop},
                      point_dir(*points_dir_, p.index), true, interrupt_);
    } else {
      Simulation sim(cell, build_solver_settings(params));
      sim.set_interrupt(interrupt_);
      // No row callback: the table needs only the run's totals, and building each step's row
      // (the voltage breakdown) would add about a fifth to a rate test's time.
      res = sim.run(steps, nullptr, stop);
    }
    abandoned = res.stop_reason == "interrupted";
    return collect_outputs(sweep_, cell, res);
  }

 public:
  bool fast_ = true;  // false: every point read from the files (tests compare both paths)
  std::optional<fs::path> points_dir_;  // set: each point's own outputs go to points_dir_/<index>

 private:
  const Sweep& sweep_;
  const std::atomic<bool>* interrupt_;
  std::optional<ParamSet> base_;
  std::optional<CellParams> base_cell_;
  std::map<std::string, std::string> stand_ins_;  // key -> "key={value: ..., domain: [...]}"
  std::vector<Step> base_steps_;
  StopWhen base_stop_;
  bool has_base_protocol_ = false;
};

// Splits a journal line: index, hash, status, wall time, the outputs, then the quoted error.
bool parse_record(const std::string& line, std::size_t outputs, Record& r) {
  std::vector<std::string> fields;
  std::size_t pos = 0;
  for (std::size_t k = 0; k < 4 + outputs; ++k) {
    const std::size_t comma = line.find(',', pos);
    if (comma == std::string::npos) return false;
    fields.push_back(line.substr(pos, comma - pos));
    pos = comma + 1;
  }
  std::string err = line.substr(pos);
  if (err.size() < 2 || err.front() != '"' || err.back() != '"') return false;
  err = err.substr(1, err.size() - 2);
  for (std::size_t k = 0; (k = err.find("\"\"", k)) != std::string::npos; ++k) err.erase(k, 1);
  try {
    r.index = std::stoi(fields[0]);
    r.hash = std::stoull(fields[1], nullptr, 16);
    r.wall = std::stod(fields[3]);
  } catch (const std::exception&) {
    return false;
  }
  if (fields[2] != "ok" && fields[2] != "failed") return false;
  r.ok = fields[2] == "ok";
  r.values.assign(fields.begin() + 4, fields.end());
  r.error = err;
  return true;
}

// The journal: one line per finished point, so that a kill at any moment loses at most the points
// not yet synced (a rerun runs them again) and a torn last line (dropped on reading). The workers
// hand their lines to a writer thread and go on to their next point; it writes whatever has
// gathered with one write() and one fsync() (0.5-1 ms each on the development machine, 3-5 % of a
// rate-test point's time when the worker waited for it), starting a sync at most once every
// sync_interval. A kill loses at most the points of the sync under way and those finished since it
// began (between syncs, those of the last sync_interval). The interval keeps the writer
// from waking for every point of a sweep of short runs (a 1C discharge takes 2-3 ms), where its
// wake-ups and syncs took a tenth of two workers' time.
class Journal {
 public:
  static constexpr std::chrono::milliseconds sync_interval{20};

  Journal(fs::path path, const Sweep& sweep, const std::string& header) : path_(std::move(path)) {
    const std::string stale = fmt::format(
        "the journal '{}' was written by a different sweep (its points, base or collect list "
        "changed); start the changed sweep in a new output directory (-o DIR), or remove the old one",
        path_.string());
    if (fs::exists(path_)) {
      std::ifstream in(path_, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      const std::size_t end = text.rfind('\n');
      const std::size_t keep = end == std::string::npos ? 0 : end + 1;
      if (keep != text.size()) {  // a line torn by a kill: drop it before appending
        text.resize(keep);
        fs::resize_file(path_, keep);
      }
      std::istringstream lines(text);
      std::string line;
      if (std::getline(lines, line) && line + "\n" != header) throw std::runtime_error(stale);
      while (std::getline(lines, line)) {
        Record r;
        if (!parse_record(line, sweep.collect.size(), r)) {
          throw std::runtime_error(fmt::format("the journal '{}' has a line that cannot be read: {}",
                                               path_.string(), line));
        }
        if (r.index < 0 || std::size_t(r.index) >= sweep.points.size() ||
            sweep.points[r.index].hash != r.hash) {
          throw std::runtime_error(stale);
        }
        done_[r.index] = std::move(r);
      }
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error(fmt::format("cannot open the journal '{}'", path_.string()));
    try {
      if (::lseek(fd_, 0, SEEK_END) == 0) write_synced(header);
      writer_ = std::thread([this] { write_pending(); });
    } catch (...) {  // no destructor runs for an object whose constructor threw
      ::close(fd_);
      throw;
    }
  }
  ~Journal() {
    try {
      close();
    } catch (...) {  // an error here was reported by close() when the sweep ended normally
    }
    if (fd_ >= 0) ::close(fd_);
  }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::map<int, Record>& done() const { return done_; }
  bool has(int index) const { return done_.count(index) != 0; }

  // Queues a finished point's line; throws the writer's error (a full disk) if it has failed.
  void append(Record r) {
    {
      const std::lock_guard lock(mutex_);
      if (error_) std::rethrow_exception(error_);
      pending_ += r.line();
      done_[r.index] = std::move(r);
      if (!writer_idle_) return;  // the writer is gathering lines until its next sync
    }
    wake_.notify_one();
  }
  // Writes and syncs every queued line, stops the writer, and throws its error if it had one.
  void close() {
    if (writer_.joinable()) {
      {
        const std::lock_guard lock(mutex_);
        closing_ = true;
      }
      wake_.notify_one();
      writer_.join();
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void write_pending() {
    std::string batch;
    auto next_sync = std::chrono::steady_clock::now();
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait_until(lock, next_sync, [this] { return closing_; });
        writer_idle_ = true;
        wake_.wait(lock, [this] { return !pending_.empty() || closing_; });
        writer_idle_ = false;
        if (pending_.empty()) return;  // closing, and all written
        batch.swap(pending_);
      }
      next_sync = std::chrono::steady_clock::now() + sync_interval;
      try {
        write_synced(batch);
      } catch (...) {
        const std::lock_guard lock(mutex_);
        error_ = std::current_exception();
        return;
      }
      batch.clear();
    }
  }
  void write_synced(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::write(fd_, s.data() + off, s.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(fmt::format("cannot write the journal '{}'", path_.string()));
      }
      off += std::size_t(n);
    }
    if (::fsync(fd_) != 0) throw std::runtime_error(fmt::format("cannot sync the journal '{}'", path_.string()));
  }

  fs::path path_;
  int fd_ = -1;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;  // lines queued for the writer
  bool closing_ = false;
  bool writer_idle_ = false;  // waiting for a line: append() wakes it
  std::exception_ptr error_;
  std::map<int, Record> done_;
  std::thread writer_;  // last: started when everything it reads exists
};

// A one-line progress report on a terminal: points done of this run's total, and an ETA.
class SweepProgress {
 public:
  SweepProgress(bool enabled, std::size_t total, std::size_t already)
      : enabled_(enabled), total_(total), already_(already), start_(std::chrono::steady_clock::now()) {}
  void update(std::size_t done_now, std::size_t failed) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && done_now + already_ < total_) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const std::size_t left = total_ - already_ - done_now;
    const double eta = done_now > 0 ? elapsed / double(done_now) * double(left) : 0;
    std::fprintf(stderr, "\r  sweep: %zu of %zu points, %zu failed | elapsed %.0f s, about %.0f s to go   ",
                 done_now + already_, total_, failed, elapsed, eta);
    std::fflush(stderr);
    shown_ = true;
  }
  void done() {
    if (shown_) std::fprintf(stderr, "\r%90s\r", "");
  }

 private:
  bool enabled_;
  std::size_t total_, already_;
  std::chrono::steady_clock::time_point start_, last_{};
  bool shown_ = false;
};


}  // namespace

// Ctrl-C: no new point starts, the points in flight stop after their current time step and are
// left out of the journal (a rerun runs them again), results.csv is written, exit status 130.
std::atomic<bool> sweep_interrupted{false};
extern "C" void on_sweep_sigint(int) { sweep_interrupted.store(true); }

#ifdef CASCADE_MPI
// MPI (a build with -DCASCADE_MPI=ON, started by mpirun/srun): rank 0 owns the journal and the
// table and hands out point indices one at a time (dynamic load balancing: a rank asks for the
// next point when it has finished one); every other rank runs its points in one thread and sends
// back each result as a journal line. Only rank 0's main thread and the other ranks' one thread
// call MPI (MPI_THREAD_FUNNELED).
constexpr int tag_result = 1, tag_work = 2;
const std::string abandoned_line = "abandoned";

// True when a launcher started this process as one of several ranks.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(v) != nullptr) return true;
  }
  return false;
}

struct MpiSession {
  int rank = 0, size = 1;
  MpiSession() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
  }
  ~MpiSession() { MPI_Finalize(); }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

// A rank other than 0: ask for a point, run it, send its journal line with the next request.
void mpi_worker(const SweepOptions& opt, const Sweep& sw) {
  PointRunner runner(sw, &sweep_interrupted);
  runner.fast_ = opt.reuse_base;
  if (opt.save_points) runner.points_dir_ = sweep_out_dir(opt) / "points";
  std::string reply = "";  // the first request carries no result
  for (;;) {
    MPI_Send(reply.data(), int(reply.size()), MPI_CHAR, 0, tag_result, MPI_COMM_WORLD);
    long index = -1;
    MPI_Recv(&index, 1, MPI_LONG, 0, tag_work, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (index < 0) return;
    bool abandoned = false;
    const Record r = runner.run(sw.points.at(std::size_t(index)), abandoned);
    reply = abandoned ? abandoned_line : r.line();
  }
}
#endif

SweepSummary sweep(const SweepOptions& opt) {
  sweep_interrupted.store(false);
  const auto previous = std::signal(SIGINT, on_sweep_sigint);
  struct RestoreSignal {
    void (*handler)(int);
    ~RestoreSignal() { std::signal(SIGINT, handler); }
  } restore{previous};

  const Shard shard = parse_shard(opt.shard);
  std::optional<Sweep> loaded;
  const Sweep& sw = opt.prepared != nullptr ? *opt.prepared : loaded.emplace(load_sweep(opt.file));
#ifdef CASCADE_MPI
  std::optional<MpiSession> mpi;
  if (launched_by_mpi()) mpi.emplace();
  const int ranks = mpi ? mpi->size : 1;
  if (mpi && mpi->rank != 0) {
    try {
      mpi_worker(opt, sw);
    } catch (const std::exception& e) {
      std::cerr << fmt::format("rank {}: error: {}\n", mpi->rank, e.what());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    SweepSummary none;
    none.mpi_worker = true;
    return none;
  }
#else
  const int ranks = 1;
#endif
  const fs::path out_dir = sweep_out_dir(opt);
  fs::create_directories(out_dir);

  std::string outputs_header;
  for (const auto& c : sw.collect) outputs_header += "," + c.name;
  const std::string journal_header = "point,hash,status,wall_time_s" + outputs_header + ",error\n";
  Journal journal(out_dir / ("journal" + shard.suffix() + ".csv"), sw, journal_header);

  std::vector<const SweepPoint*> mine, todo;
  for (const auto& p : sw.points) {
    if (p.index % shard.n != shard.i - 1) continue;
    mine.push_back(&p);
    if (!journal.has(p.index)) todo.push_back(&p);
  }
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  // Under MPI, rank 0 runs -j threads (default 1: start one rank per core) beside handing out points.
  const std::size_t default_jobs = ranks > 1 ? 1 : hw;
  const std::size_t workers =
      std::min<std::size_t>(opt.jobs > 0 ? std::size_t(opt.jobs) : default_jobs, std::max<std::size_t>(todo.size(), 1));

  const auto t0 = std::chrono::steady_clock::now();
  SweepProgress progress(!opt.quiet && isatty(fileno(stderr)) != 0, mine.size(), mine.size() - todo.size());
  std::atomic<std::size_t> next{0}, finished{0}, failed{0};
  std::mutex progress_mutex;
  std::exception_ptr journal_error;
  // A finished point into the journal and the progress line (a worker's or, under MPI, another
  // rank's); false when the journal cannot be written (a full disk): then no point is handed out
  // any more, and the error is reported after the pool ends.
  const auto record = [&](Record r) {
    if (!r.ok) ++failed;
    try {
      journal.append(std::move(r));
    } catch (...) {
      const std::lock_guard lock(progress_mutex);
      if (!journal_error) journal_error = std::current_exception();
      next.store(todo.size());
      return false;
    }
    const std::size_t n = ++finished;
    const std::lock_guard lock(progress_mutex);
    progress.update(n, failed.load());
    return true;
  };
  {
    const auto work = [&] {
      PointRunner runner(sw, &sweep_interrupted);
      runner.fast_ = opt.reuse_base;
      if (opt.save_points) runner.points_dir_ = out_dir / "points";
      for (std::size_t k; !sweep_interrupted.load() && (k = next.fetch_add(1)) < todo.size();) {
        bool abandoned = false;
        Record r = runner.run(*todo[k], abandoned);
        if (abandoned || !record(std::move(r))) return;
      }
    };
    std::vector<std::jthread> pool;
    try {
      for (std::size_t w = 0; w < workers; ++w) pool.emplace_back(work);
    } catch (...) {  // a thread that cannot be started: the others stop after their point
      next.store(todo.size());
      throw;
    }
#ifdef CASCADE_MPI
    // Rank 0's main thread serves the other ranks from the same queue as its own threads. It polls
    // (with a short sleep) rather than blocking in MPI_Recv, which would spin on a core the
    // threads need.
    int active = ranks - 1;
    try {
      while (active > 0) {
        int ready = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, tag_result, MPI_COMM_WORLD, &ready, &st);
        if (!ready) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          continue;
        }
        int count = 0;
        MPI_Get_count(&st, MPI_CHAR, &count);
        std::string line(std::size_t(count), '\0');
        MPI_Recv(line.data(), count, MPI_CHAR, st.MPI_SOURCE, tag_result, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (!line.empty() && line != abandoned_line) {
          Record r;
          line.pop_back();  // the newline
          if (!parse_record(line, sw.collect.size(), r)) {
            throw std::runtime_error(fmt::format("rank {} sent a result that cannot be read: {}", st.MPI_SOURCE, line));
          }
          record(std::move(r));
        }
        long index = -1;
        const bool stopped = [&] {
          const std::lock_guard lock(progress_mutex);
          return journal_error != nullptr;
        }();
        if (line != abandoned_line && !sweep_interrupted.load() && !stopped) {
          if (const std::size_t k = next.fetch_add(1); k < todo.size()) index = todo[k]->index;
        }
        MPI_Send(&index, 1, MPI_LONG, st.MPI_SOURCE, tag_work, MPI_COMM_WORLD);
        if (index < 0) --active;
      }
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
#endif
  }
  progress.done();
  if (journal_error) std::rethrow_exception(journal_error);
  journal.close();  // every finished point on disk (or the writer's error) before the table
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // results.csv from the journal, sorted by point index.
  std::string csv = "point";
  for (const auto& k : sw.keys) csv += "," + k;
  csv += outputs_header + ",status,wall_time_s,error\n";
  SweepSummary sum;
  for (const auto& [index, r] : journal.done()) {
    csv += std::to_string(index);
    for (const auto& v : sw.points[index].values) csv += "," + (v.find(',') == std::string::npos ? v : csv_quoted(v));
    for (const auto& v : r.values) csv += "," + v;
    csv += fmt::format(",{},{:.3f},{}\n", r.ok ? "ok" : "failed", r.wall, r.ok ? "" : csv_quoted(r.error));
    (r.ok ? sum.ok : sum.failed) += 1;
    sum.results[index] = {r.ok, r.values, r.error};
  }
  const fs::path results = out_dir / ("results" + shard.suffix() + ".csv");
  write_atomic(results, csv);
  // What results.csv's columns are, for tools/plot: the varied keys with the SI unit of their
  // values, and the outputs (whose names carry their units). The same for every shard.
  nlohmann::json about;
  about["sweep"] = fs::absolute(sw.file).lexically_normal().string();
  about["base"] = fs::absolute(sw.base).lexically_normal().string();
  about["points"] = sw.points.size();
  about["keys"] = nlohmann::json::array();
  for (std::size_t k = 0; k < sw.keys.size(); ++k) about["keys"].push_back({{"name", sw.keys[k]}, {"unit", sw.units[k]}});
  about["outputs"] = nlohmann::json::array();
  for (const auto& c : sw.collect) about["outputs"].push_back(c.name);
  write_atomic(out_dir / "sweep.json", about.dump(2) + "\n");
  sum.points = mine.size();
  sum.run_now = finished.load();
  sum.workers = workers + std::size_t(ranks - 1);
  sum.ranks = std::size_t(ranks);
  sum.wall_seconds = wall;
  sum.interrupted = sweep_interrupted.load() && sum.ok + sum.failed < mine.size();
  if (!opt.quiet) {
    std::cout << fmt::format("sweep {}: {} points{}, {} run now on {} in {:.2f} s ({} from the journal); "
                             "{} ok, {} failed; results in {}\n",
                             fs::path(opt.file).filename().string(), mine.size(),
                             shard.n > 1 ? fmt::format(" in shard {} of {}", shard.i, shard.n) : "", sum.run_now,
                             ranks > 1 ? fmt::format("{} MPI ranks ({} thread{} on rank 0)", ranks, workers,
                                                     workers == 1 ? "" : "s")
                             : workers == 1 ? "1 thread" : fmt::format("{} threads", workers),
                             wall,
                             mine.size() - todo.size(), sum.ok, sum.failed, results.string());
    if (sum.interrupted && opt.prepared == nullptr) {  // (a command that built the points says how)
      std::cout << fmt::format("interrupted: {} of {} points are done and journalled; to go on, run the "
                               "same command again (it resumes from {}):\n  cascade sweep {} -o {}{}{}{}\n",
                               sum.ok + sum.failed, mine.size(), (out_dir / ("journal" + shard.suffix() + ".csv")).string(),
                               opt.file, out_dir.string(), opt.jobs > 0 ? fmt::format(" -j {}", opt.jobs) : "",
                               shard.n > 1 ? fmt::format(" --shard {}/{}", shard.i, shard.n) : "",
                               opt.save_points ? " --save-points" : "");
    }
    if (sum.failed > 0) {
      std::cerr << fmt::format("{} point{} failed: see the status and error columns of {}\n", sum.failed,
                               sum.failed == 1 ? "" : "s", results.string());
    }
  }
  return sum;
}

int sweep_command(const SweepOptions& opt) {
  const SweepSummary s = sweep(opt);
  if (s.mpi_worker) return 0;  // rank 0 reports
  if (s.interrupted) return 130;
  return s.failed > 0 ? 4 : 0;
}

}  // namespace cascade::cli
