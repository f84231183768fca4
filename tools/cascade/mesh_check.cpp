// `cascade mesh-check`: where a case's discretisation error sits. The case runs on its own mesh,
// with each of the three mesh directions refined alone (membrane volumes, cathode volumes,
// particle shells), and with all three refined; the change each refinement makes to the outputs
// says which direction holds the error, so that a sweep's mesh can be balanced (refine the
// direction that matters, coarsen the others) before thousands of points are run on it. The runs
// are a sweep built in memory: they share its thread pool, journal and resume.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "params/error.hpp"
#include "params/param_set.hpp"
#include "params/protocol.hpp"
#include "params/sweep.hpp"
#include "tools/cascade/commands.hpp"
#include "tools/cascade/files.hpp"

namespace cascade::cli {

namespace fs = std::filesystem;

namespace {

struct Direction {
  const char* key;    // the mesh key
  const char* name;   // as the report says it
  const char* label;  // of its column
};
constexpr Direction directions[] = {{"mesh.membrane", "membrane volumes", "membrane"},
                                    {"mesh.cathode", "cathode volumes", "cathode"},
                                    {"mesh.particle", "particle shells", "particle"}};
constexpr std::size_t n_dir = std::size(directions);

// The labels of the case's repeat blocks (a rate test's "0.1C", "5C", ...), in the order run.
std::vector<std::string> block_labels(const std::vector<Step>& steps) {
  std::vector<std::string> blocks;
  for (const auto& s : steps) {
    if (!s.block.empty() && std::find(blocks.begin(), blocks.end(), s.block) == blocks.end()) blocks.push_back(s.block);
  }
  return blocks;
}

// The outputs a researcher would look at first: every rate's capacity for a rate test, else the
// last discharge's capacity, energy and mean voltage.
std::vector<std::string> default_outputs(const ParamSet& p, const std::vector<std::string>& blocks) {
  if (!p.has("rate_test.rates")) return {"discharge_capacity_mAh_g", "energy_Wh_kg", "mean_discharge_voltage_V"};
  std::vector<std::string> out;
  for (const auto& b : blocks) out.push_back("discharge_capacity_mAh_g@" + b);
  return out;
}

// An output at a rate names a block the case runs; else an input error listing the blocks.
void check_rate_blocks(const std::vector<CollectSpec>& collect, const std::vector<std::string>& blocks) {
  for (const auto& c : collect) {
    if (c.kind != CollectSpec::Kind::discharge_capacity_at_rate) continue;
    if (std::find(blocks.begin(), blocks.end(), c.block) != blocks.end()) continue;
    throw InputError(Source{"--collect"}, "",
                     fmt::format("'{}': the case runs no block '{}' ({})", c.name, c.block,
                                 blocks.empty() ? "it is not a rate test" : fmt::format("its blocks: {}", fmt::join(blocks, ", "))));
  }
}

// Why an output's row cannot be compared: it is missing or zero on the case's mesh, or a refined run
// did not produce it (a cycle after the run stopped).
const char* not_comparable(double base) {
  if (!std::isfinite(base)) return "the case's mesh did not produce it";
  return base == 0.0 ? "zero on the case's mesh" : "a refined run did not produce it";
}

}  // namespace

int mesh_check(const MeshCheckOptions& opt) {
  if (opt.factor < 2) throw std::invalid_argument(fmt::format("--factor {}: expected an integer of 2 or more", opt.factor));
  // every input error before any run: the case, its protocol, the output names
  const ParamSet p = ParamSet::load(opt.file, opt.overrides);
  const std::vector<std::string> blocks = block_labels(case_protocol(p));
  long base[n_dir];
  for (std::size_t d = 0; d < n_dir; ++d) base[d] = p.integer(directions[d].key);

  Sweep sw;
  sw.file = fs::absolute(opt.file).lexically_normal();
  sw.base = sw.file;
  for (const auto& name : opt.collect.empty() ? default_outputs(p, blocks) : opt.collect) {
    sw.collect.push_back(parse_collect(name, Source{"--collect"}));
  }
  check_rate_blocks(sw.collect, blocks);
  for (const auto& d : directions) {
    sw.keys.push_back(d.key);
    sw.units.push_back("");
  }
  // Point 0: the case's mesh; point 1 + d: direction d refined; the last: all refined.
  // (the case as resolved, includes and defaults too: an edited case gives new points, not the
  // old runs from the journal)
  const std::string fingerprint =
      sw.base.string() + " " + fmt::format("{:016x}", fnv1a(resolved_parameters_text(opt.file, opt.overrides)));
  for (std::size_t k = 0; k <= n_dir + 1; ++k) {
    SweepPoint pt;
    pt.index = int(k);
    // the user's --set first: a mesh key among them sets the case's mesh, which the point's own
    // mesh overrides (from it) then refine
    pt.overrides = opt.overrides;
    for (std::size_t d = 0; d < n_dir; ++d) {
      const long n = k == n_dir + 1 || k == d + 1 ? base[d] * opt.factor : base[d];
      pt.overrides.push_back(fmt::format("{}={}", directions[d].key, n));
      pt.values.push_back(std::to_string(n));
    }
    pt.hash = point_hash(fingerprint, pt.overrides, sw.collect);
    sw.points.push_back(std::move(pt));
  }

  SweepOptions so;
  so.file = opt.file;
  so.jobs = opt.jobs;
  // By default one directory per check (the case as resolved, the overrides, the factor and the
  // outputs): a check at another corner or of an edited case starts afresh, the same one resumes.
  so.out_dir = opt.out_dir.empty()
                   ? (fs::path("out") / fmt::format("{}_mesh_check_{:08x}", fs::path(opt.file).stem().string(),
                                                    sw.points.back().hash & 0xffffffffu))
                         .string()
                   : opt.out_dir;
  so.prepared = &sw;
  const SweepSummary s = sweep(so);
  if (s.mpi_worker) return 0;  // rank 0 reports
  if (s.interrupted) {
    std::cout << "interrupted: run the same command again to go on (the finished runs are in the journal)\n";
    return 130;
  }

  std::vector<std::string> failed;
  for (const auto& [index, r] : s.results) {
    if (!r.ok) {
      failed.push_back(fmt::format("  run {} ({}): {}", index, fmt::join(sw.points[std::size_t(index)].overrides, " "),
                                   r.error));
    }
  }
  if (!failed.empty()) {
    std::cerr << fmt::format("mesh-check: {} of the {} runs failed, so no comparison:\n{}\n", failed.size(),
                             sw.points.size(), fmt::join(failed, "\n"));
    return 4;
  }
  const std::size_t n_out = sw.collect.size();
  const auto value = [&](std::size_t point, std::size_t out) {
    const std::string& t = s.results.at(int(point)).values.at(out);
    return t.empty() ? std::nan("") : std::stod(t);
  };
  const double second_order = double(opt.factor * opt.factor) / double(opt.factor * opt.factor - 1);
  std::string csv = "output,base";
  for (const auto& d : directions) csv += fmt::format(",change_{}_x{}", d.label, opt.factor);
  csv += fmt::format(",change_all_x{},error_estimate\n", opt.factor);
  std::string table = fmt::format("{:<34} {:>12}", "relative change of", "base");
  for (const auto& d : directions) table += fmt::format(" {:>11}", fmt::format("{} x{}", d.label, opt.factor));
  table += fmt::format(" {:>11} {:>11}\n", fmt::format("all x{}", opt.factor), "error est.");
  double worst_dir[n_dir] = {}, worst_all = 0, worst_error = -1;
  std::string worst_name;
  std::vector<std::string> not_compared;
  for (std::size_t o = 0; o < n_out; ++o) {
    const std::string& name = sw.collect[o].name;
    const double b = value(0, o);
    double rel[n_dir + 1];
    bool comparable = std::isfinite(b) && b != 0.0;
    for (std::size_t k = 1; k <= n_dir + 1; ++k) {
      rel[k - 1] = (value(k, o) - b) / std::abs(b);
      comparable = comparable && std::isfinite(rel[k - 1]);
    }
    if (!comparable) {  // an output some run never reached (a cycle after it stopped), or zero
      not_compared.push_back(name);
      csv += fmt::format("{},{}{}\n", name, std::isfinite(b) ? fmt::format("{:.10g}", b) : "", std::string(n_dir + 2, ','));
      table += fmt::format("{:<34} {:>12}   not compared: {}\n", name, std::isfinite(b) ? fmt::format("{:.6g}", b) : "-",
                           not_comparable(b));
      continue;
    }
    const double error = std::abs(rel[n_dir]) * second_order;
    csv += fmt::format("{},{:.10g}", name, b);
    table += fmt::format("{:<34} {:>12.6g}", name, b);
    for (std::size_t k = 0; k <= n_dir; ++k) {
      csv += fmt::format(",{:.6e}", rel[k]);
      table += fmt::format(" {:>+11.2e}", rel[k]);
    }
    csv += fmt::format(",{:.4e}\n", error);
    table += fmt::format(" {:>11.2e}\n", error);
    for (std::size_t d = 0; d < n_dir; ++d) worst_dir[d] = std::max(worst_dir[d], std::abs(rel[d]));
    worst_all = std::max(worst_all, std::abs(rel[n_dir]));
    if (error > worst_error) worst_error = error, worst_name = name;
  }
  const fs::path out_dir = so.out_dir;
  write_atomic(out_dir / "mesh_check.csv", csv);

  std::cout << fmt::format("\nmesh-check of {}: mesh {} / {} / {} ({}, {}, {}), each refined {}x alone and all "
                           "together\n",
                           opt.file, base[0], base[1], base[2], directions[0].name, directions[1].name,
                           directions[2].name, opt.factor);
  std::cout << table;
  std::cout << fmt::format("table: {}\n", (out_dir / "mesh_check.csv").string());
  if (worst_name.empty()) {
    std::cerr << fmt::format("mesh-check: no output could be compared ({}): name others with --collect\n",
                             fmt::join(not_compared, ", "));
    return 4;
  }
  const std::size_t top = std::size_t(std::max_element(worst_dir, worst_dir + n_dir) - worst_dir);
  double sum = 0;
  for (const double w : worst_dir) sum += w;
  std::cout << fmt::format("largest change of any output: {} {:.2e}, {} {:.2e}, {} {:.2e}; all together {:.2e}\n",
                           directions[0].name, worst_dir[0], directions[1].name, worst_dir[1], directions[2].name,
                           worst_dir[2], worst_all);
  if (sum > 0) {
    std::cout << fmt::format("the {} hold {:.0f} % of it: refine {} first; a direction whose change is far below the "
                             "others' can be coarsened\n",
                             directions[top].name, 100 * worst_dir[top] / sum, directions[top].key);
  }
  std::cout << fmt::format("error of the case's mesh, if it falls as the square of the spacing ({}/{} of the all-x{} "
                           "change): {:.2e} at worst ({})\n",
                           opt.factor * opt.factor, opt.factor * opt.factor - 1, opt.factor, worst_error, worst_name);
  if (worst_all > 0.05) {
    // The estimate assumes the mesh is in the range where the error falls smoothly with the spacing.
    std::cout << fmt::format("the mesh is far from converged (an output moved by {:.0f} %): the estimate above is not "
                             "to be trusted; refine {} and check again\n",
                             100 * worst_all, directions[top].key);
  }
  return 0;
}

}  // namespace cascade::cli
