#include "params/sweep.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "params/param_set.hpp"
#include "params/schema.hpp"
#include "params/units.hpp"

namespace cascade {

namespace fs = std::filesystem;

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t point_hash(const std::string& base, const std::vector<std::string>& overrides,
                         const std::vector<CollectSpec>& collect) {
  std::string text = base + "\n";
  for (const auto& o : overrides) text += o + "\n";
  for (const auto& c : collect) text += c.name + "\n";
  return fnv1a(text);
}

namespace {

// One factor of the product: a single grid key, the zip block, or the samples block. Every key
// of a factor has the same number of values.
struct Factor {
  std::vector<std::string> keys;
  std::vector<std::string> units;                // [key]: SI unit of its values ("" for none)
  std::vector<std::vector<std::string>> texts;   // [key][value]: override value text
  std::vector<std::vector<std::string>> values;  // [key][value]: results.csv text
  std::size_t size() const { return texts.empty() ? 0 : texts[0].size(); }
};

std::string si_text(double v) { return fmt::format("{:.12g}", v); }

class SweepReader {
 public:
  SweepReader(std::string file, fs::path dir) : file_(std::move(file)), dir_(std::move(dir)) {}

  Sweep read(const YAML::Node& root) {
    Sweep s;
    s.file = file_;
    if (!root.IsMap()) {
      diags_.add(node_source(root, file_), "", "a sweep file is a map with base, vary, zip, samples and collect");
      diags_.throw_if_any();
    }
    static const std::vector<std::string> known{"base", "vary", "zip", "samples", "collect", "description"};
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        const std::string near = nearest(key, known);
        diags_.add(node_source(kv.first, file_), key,
                   fmt::format("unknown key '{}' in a sweep file{}; expected base, vary, zip, samples, "
                               "collect or description",
                               key, near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
      }
    }
    std::string base_text;
    if (const YAML::Node b = root["base"]; !b) {
      diags_.add(node_source(root, file_), "base", "missing key 'base': the case file to run at every point");
    } else if (!b.IsScalar()) {
      diags_.add(node_source(b, file_), "base", "expected a case file name");
    } else {
      base_text = b.Scalar();
      s.base = (dir_ / base_text).lexically_normal();
      if (!fs::exists(s.base)) {
        diags_.add(node_source(b, file_), "base", fmt::format("no case file '{}'", s.base.string()));
      }
    }
    std::vector<Factor> factors;
    if (const YAML::Node v = root["vary"]) {
      if (!v.IsMap()) {
        diags_.add(node_source(v, file_), "vary", "expected a map from parameter keys to lists of values");
      } else {
        for (const auto& kv : v) {
          Factor f;
          add_axis(f, kv.first, kv.second, "vary");
          if (!f.keys.empty()) factors.push_back(std::move(f));
        }
      }
    }
    if (const YAML::Node z = root["zip"]) {
      if (!z.IsMap()) {
        diags_.add(node_source(z, file_), "zip", "expected a map from parameter keys to lists of values");
      } else {
        Factor f;
        std::string first_key;
        for (const auto& kv : z) {
          const std::size_t before = f.keys.size();
          add_axis(f, kv.first, kv.second, "zip");
          if (f.keys.size() == before) continue;
          if (f.keys.size() == 1) {
            first_key = f.keys[0];
          } else if (f.texts.back().size() != f.texts[0].size()) {
            diags_.add(node_source(kv.second, file_), "zip." + f.keys.back(),
                       fmt::format("zip lists must have equal lengths: '{}' has {} values, '{}' has {}",
                                   f.keys.back(), f.texts.back().size(), first_key, f.texts[0].size()));
          }
        }
        if (!f.keys.empty()) factors.push_back(std::move(f));
      }
    }
    if (const YAML::Node smp = root["samples"]) {
      Factor f = read_samples(smp);
      if (!f.keys.empty()) factors.push_back(std::move(f));
    }
    if (!root["vary"] && !root["zip"] && !root["samples"]) {
      diags_.add(node_source(root, file_), "vary", "nothing to sweep: give vary, zip or samples");
    }
    if (const YAML::Node c = root["collect"]; !c) {
      diags_.add(node_source(root, file_), "collect",
                 fmt::format("missing key 'collect': a list of outputs, from {}", quantity_forms()));
    } else if (!c.IsSequence() || c.size() == 0) {
      diags_.add(node_source(c, file_), "collect",
                 fmt::format("expected a list of outputs, from {}", quantity_forms()));
    } else {
      std::set<std::string> seen;
      for (const auto& n : c) {
        if (!n.IsScalar()) {
          diags_.add(node_source(n, file_), "collect", "expected an output name");
          continue;
        }
        try {
          CollectSpec spec = parse_collect(n.Scalar(), node_source(n, file_));
          if (!seen.insert(spec.name).second) {
            diags_.add(node_source(n, file_), "collect", fmt::format("'{}' is listed twice", spec.name));
          }
          s.collect.push_back(std::move(spec));
        } catch (const InputError& e) {
          for (const auto& d : e.diagnostics()) diags_.add(d.where, d.key, d.message);
        }
      }
    }
    diags_.throw_if_any();

    // The product, first factor slowest.
    for (const auto& f : factors) {
      s.keys.insert(s.keys.end(), f.keys.begin(), f.keys.end());
      s.units.insert(s.units.end(), f.units.begin(), f.units.end());
    }
    std::size_t total = 1;
    for (const auto& f : factors) total *= f.size();
    std::vector<std::size_t> at(factors.size(), 0);
    for (std::size_t i = 0; i < total; ++i) {
      SweepPoint p;
      p.index = static_cast<int>(i);
      std::size_t rest = i;
      for (std::size_t k = factors.size(); k-- > 0;) {
        at[k] = rest % factors[k].size();
        rest /= factors[k].size();
      }
      for (std::size_t k = 0; k < factors.size(); ++k) {
        const Factor& f = factors[k];
        for (std::size_t j = 0; j < f.keys.size(); ++j) {
          p.overrides.push_back(f.keys[j] + "=" + f.texts[j][at[k]]);
          p.values.push_back(f.values[j][at[k]]);
        }
      }
      p.hash = point_hash(base_text, p.overrides, s.collect);
      s.points.push_back(std::move(p));
    }
    return s;
  }

 private:
  // The schema entry of a varied key, or a diagnostic with "did you mean".
  const KeySpec* key_spec(const YAML::Node& key_node, const std::string& block) {
    const std::string key = key_node.Scalar();
    const Schema& schema = Schema::cascade();
    const KeySpec* spec = schema.find(key);
    if (!spec) {
      std::vector<std::string> all;
      for (const auto& [path, ks] : schema.keys()) all.push_back(path);
      const std::string near = nearest(key, all);
      diags_.add(node_source(key_node, file_), block + "." + key,
                 fmt::format("'{}' is not a parameter key{}", key,
                             near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
      return nullptr;
    }
    if (!used_.insert(key).second) {
      diags_.add(node_source(key_node, file_), block + "." + key,
                 fmt::format("'{}' is varied twice in this sweep", key));
      return nullptr;
    }
    if (spec->kind == KeyKind::list) {
      diags_.add(node_source(key_node, file_), block + "." + key,
                 fmt::format("'{}' is a list and cannot be swept", key));
      return nullptr;
    }
    return spec;
  }

  static bool numeric(const KeySpec& spec) {
    return spec.kind == KeyKind::quantity || spec.kind == KeyKind::function ||
           spec.kind == KeyKind::integer;
  }

  // SI value of one scalar in the key's dimension; false (with a diagnostic) when it is not one.
  bool to_number(const YAML::Node& n, const KeySpec& spec, const std::string& where, double& out) {
    try {
      out = to_si(n.Scalar(), spec.kind == KeyKind::integer ? dim::none : spec.dim);
      return true;
    } catch (const UnitError& e) {
      diags_.add(node_source(n, file_), where, e.what());
      return false;
    }
  }

  // The SI unit results.csv gives a key's values in: none for a count, a text or a pure number.
  static std::string unit_of(const KeySpec& spec) {
    return spec.kind == KeyKind::integer || !numeric(spec) || spec.dim.dimensionless() ? "" : si_unit(spec.dim);
  }

  // The text a generated number is passed as: a bare SI number (integers rounded).
  static std::string generated(double v, const KeySpec& spec) {
    if (spec.kind == KeyKind::integer) return fmt::format("{}", std::llround(v));
    return si_text(v);
  }

  void add_axis(Factor& f, const YAML::Node& key_node, const YAML::Node& values, const std::string& block) {
    const KeySpec* spec = key_spec(key_node, block);
    if (!spec) return;
    const std::string where = block + "." + spec->path;
    std::vector<std::string> texts, shown;
    if (values.IsSequence()) {
      for (const auto& n : values) {
        if (!n.IsScalar()) {
          diags_.add(node_source(n, file_), where, "expected a value (a number with its unit, or text)");
          continue;
        }
        texts.push_back(n.Scalar());
        double v = 0;
        if (!numeric(*spec)) {
          shown.push_back(n.Scalar());
        } else if (to_number(n, *spec, where, v)) {
          shown.push_back(spec->kind == KeyKind::integer ? generated(v, *spec) : si_text(v));
        }
      }
      if (values.size() == 0) diags_.add(node_source(values, file_), where, "the list of values is empty");
    } else if (values.IsMap() && values.size() == 1 && (values["linspace"] || values["logspace"])) {
      const bool log = bool(values["logspace"]);
      const YAML::Node spacing = log ? values["logspace"] : values["linspace"];
      const char* name = log ? "logspace" : "linspace";
      if (!numeric(*spec)) {
        diags_.add(node_source(values, file_), where, fmt::format("{} needs a numeric key", name));
        return;
      }
      if (!spacing.IsSequence() || spacing.size() != 3) {
        diags_.add(node_source(spacing, file_), where,
                   fmt::format("expected {}: [first, last, count], e.g. [1e-4 S/cm, 1e-3 S/cm, 5]", name));
        return;
      }
      double a = 0, b = 0, count = 0;
      bool ok = to_number(spacing[0], *spec, where, a) & to_number(spacing[1], *spec, where, b);
      try {
        count = to_si(spacing[2].Scalar(), dim::none);
      } catch (const UnitError&) {
        count = -1;
      }
      if (!(count >= 1) || count != std::floor(count)) {
        diags_.add(node_source(spacing[2], file_), where, "the count must be a whole number >= 1");
        ok = false;
      }
      if (ok && log && !(a > 0 && b > 0)) {
        diags_.add(node_source(spacing, file_), where, "logspace needs first and last above zero");
        ok = false;
      }
      if (!ok) return;
      const int n = static_cast<int>(count);
      for (int i = 0; i < n; ++i) {
        const double t = n == 1 ? 0.0 : double(i) / double(n - 1);
        double v = log ? std::exp(std::log(a) + (std::log(b) - std::log(a)) * t) : a + (b - a) * t;
        if (i == 0) v = a;
        if (i == n - 1 && n > 1) v = b;
        texts.push_back(generated(v, *spec));
        shown.push_back(texts.back());
      }
    } else {
      diags_.add(node_source(values, file_), where,
                 "expected a list of values ([1e-4 S/cm, 2e-4 S/cm]), {linspace: [a, b, n]} or "
                 "{logspace: [a, b, n]}");
      return;
    }
    if (texts.size() != shown.size()) return;  // a value was reported
    if (texts.empty()) return;
    f.keys.push_back(spec->path);
    f.units.push_back(unit_of(*spec));
    f.texts.push_back(std::move(texts));
    f.values.push_back(std::move(shown));
  }

  // Latin hypercube: each key's range cut into N equal strata, one sample in each, the strata
  // paired at random across keys. The generator is written out (not std::*_distribution, whose
  // output differs between standard libraries) so a seed gives the same points everywhere.
  Factor read_samples(const YAML::Node& smp) {
    Factor f;
    if (!smp.IsMap()) {
      diags_.add(node_source(smp, file_), "samples",
                 "expected {latin_hypercube: N, seed: S, ranges: {key: [lo, hi], ...}}");
      return f;
    }
    for (const auto& kv : smp) {
      const std::string k = kv.first.Scalar();
      if (k != "latin_hypercube" && k != "seed" && k != "ranges") {
        const std::string near = nearest(k, {"latin_hypercube", "seed", "ranges"});
        diags_.add(node_source(kv.first, file_), "samples." + k,
                   fmt::format("unknown key '{}' in samples{}; expected latin_hypercube, seed, ranges", k,
                               near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
      }
    }
    long n = 0;
    std::uint64_t seed = 0;
    const YAML::Node lh = smp["latin_hypercube"];
    if (!lh || !lh.IsScalar() || !YAML::convert<long>::decode(lh, n) || n < 1) {
      diags_.add(node_source(lh ? lh : smp, file_), "samples.latin_hypercube",
                 "expected the number of samples, a whole number >= 1");
      n = 0;
    }
    if (const YAML::Node sd = smp["seed"]) {
      unsigned long long v = 0;
      if (!sd.IsScalar() || !YAML::convert<unsigned long long>::decode(sd, v)) {
        diags_.add(node_source(sd, file_), "samples.seed", "expected a whole number >= 0");
      }
      seed = v;
    }
    const YAML::Node ranges = smp["ranges"];
    if (!ranges || !ranges.IsMap() || ranges.size() == 0) {
      diags_.add(node_source(ranges ? ranges : smp, file_), "samples.ranges",
                 "expected a map from parameter keys to [lo, hi]");
      return f;
    }
    std::mt19937_64 rng(seed);
    const auto uniform = [&] { return double(rng() >> 11) * 0x1.0p-53; };
    for (const auto& kv : ranges) {
      const KeySpec* spec = key_spec(kv.first, "samples.ranges");
      if (!spec) continue;
      const std::string where = "samples.ranges." + spec->path;
      if (!numeric(*spec)) {
        diags_.add(node_source(kv.first, file_), where, "only numeric keys can be sampled");
        continue;
      }
      const YAML::Node r = kv.second;
      double lo = 0, hi = 0;
      if (!r.IsSequence() || r.size() != 2) {
        diags_.add(node_source(r, file_), where, "expected [lo, hi]");
        continue;
      }
      if (!(to_number(r[0], *spec, where, lo) & to_number(r[1], *spec, where, hi))) continue;
      if (n < 1) continue;
      std::vector<long> perm(static_cast<std::size_t>(n));
      for (long i = 0; i < n; ++i) perm[i] = i;
      for (long i = n - 1; i > 0; --i) std::swap(perm[i], perm[rng() % std::uint64_t(i + 1)]);
      std::vector<std::string> texts;
      for (long i = 0; i < n; ++i) {
        const double u = (double(perm[i]) + uniform()) / double(n);
        texts.push_back(generated(lo + (hi - lo) * u, *spec));
      }
      f.keys.push_back(spec->path);
      f.units.push_back(unit_of(*spec));
      f.values.push_back(texts);
      f.texts.push_back(std::move(texts));
    }
    return f;
  }

  std::string file_;
  fs::path dir_;
  DiagnosticList diags_;
  std::set<std::string> used_;
};

}  // namespace

CollectSpec parse_collect(const std::string& name, const Source& where) {
  return parse_quantity_name(name, where, "collect");
}

Sweep load_sweep(const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw InputError(Source{file.string(), 0, 0}, "", "cannot read the sweep file");
  } catch (const YAML::Exception& e) {
    throw InputError(Source{file.string(), e.mark.line + 1, e.mark.column + 1}, "", e.msg);
  }
  return SweepReader(file.string(), file.parent_path()).read(root);
}

Sweep load_sweep_string(const std::string& yaml, const std::string& name, const fs::path& dir) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw InputError(Source{name, e.mark.line + 1, e.mark.column + 1}, "", e.msg);
  }
  Sweep s = SweepReader(name, dir).read(root);
  s.file = name;
  return s;
}

}  // namespace cascade
