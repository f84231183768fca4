#pragma once
// Sweep files: a base case and the parameters to vary over it, expanded into a list of points,
// each point a list of `--set`-style overrides ("key=value"). Pure: nothing here runs a cell.
//
//   base: ../cases/reference/lmo_constant_5c.yaml       # path relative to the sweep file
//   vary:                                                # full grid, first key slowest
//     electrolyte.conductivity: [1 S/m, 2.5 S/m]
//     cathode.diffusivity: {logspace: [1e-14 m2/s, 1e-12 m2/s, 3]}
//     cathode.porosity: {linspace: [0.3, 0.4, 3]}
//   zip:                                                 # varied together, equal lengths
//     cathode.thickness: [60 um, 80 um]
//     cathode.particle_radius: [4 um, 5 um]
//   samples: {latin_hypercube: 20, seed: 7, ranges: {cathode.rate_constant: [1e-11, 1e-10]}}
//   collect: [discharge_capacity_mAh_g, energy_Wh_kg]
//
// The points are the product grid x zip x samples (each block optional, at least one given).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "params/error.hpp"
#include "params/quantity.hpp"

namespace cascade {

// One output a sweep collects from each point's run: a named output (params/quantity.hpp).
using CollectSpec = QuantitySpec;

// Parses a collect name; throws InputError at `where` listing the valid forms.
CollectSpec parse_collect(const std::string& name, const Source& where);

struct SweepPoint {
  int index = 0;                        // 0-based, in expansion order
  std::vector<std::string> overrides;   // "key=value", one per varied key, in column order
  std::vector<std::string> values;      // the varied values for results.csv: SI numbers
                                        // (the text as given for a non-numeric key)
  std::uint64_t hash = 0;               // of the base, the overrides and the collect list
};

struct Sweep {
  std::filesystem::path file;           // the sweep file
  std::filesystem::path base;           // the base case, resolved against the sweep file
  std::vector<std::string> keys;        // varied keys, in column order (vary, zip, samples)
  std::vector<std::string> units;       // [key]: SI unit of its results.csv values ("" for none)
  std::vector<CollectSpec> collect;
  std::vector<SweepPoint> points;
};

// Reads a sweep file; throws InputError naming file, line and key of every problem found.
Sweep load_sweep(const std::filesystem::path& file);
// The same from text (tests); `name` stands for the file in messages, `dir` resolves `base:`.
Sweep load_sweep_string(const std::string& yaml, const std::string& name,
                        const std::filesystem::path& dir);

// FNV-1a, 64 bit: a stable fingerprint of a point (the journal's guard against a changed sweep).
std::uint64_t fnv1a(const std::string& text);
// A point's fingerprint: its base as written, its overrides in order and the collect list.
std::uint64_t point_hash(const std::string& base, const std::vector<std::string>& overrides,
                         const std::vector<CollectSpec>& collect);

}  // namespace cascade
