#include "params/build_cell.hpp"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "params/material_yaml.hpp"

namespace cascade {

namespace {

std::string percent(double x) { return fmt::format("{:.4g} %", 100 * x); }

// A film's ionic conductivity: given, or from its composition by the effective-medium rule.
void film_conductivity(const ParamSet& p, const std::string& layer, FilmParams& film) {
  const std::string key = layer + ".conductivity";
  std::vector<FilmPhase> phases;
  std::vector<std::string> given_phases;
  for (const std::string& phase : film_phases()) {
    if (p.given(layer + ".composition." + phase)) given_phases.push_back(phase);
  }
  if (given_phases.empty()) {
    film.conductivity = p.quantity(key);
    return;
  }
  const std::string first = layer + ".composition." + given_phases.front();
  if (p.given(key)) {
    throw InputError(p.where(key), key,
                     fmt::format("give either {0} or {0}.composition (the conductivity then follows "
                                 "from the phases), not both; unset an inherited one with '~'",
                                 layer));
  }
  std::vector<std::string> needed;
  double sum = 0;
  for (const std::string& phase : given_phases) {
    const double f = p.quantity(layer + ".composition." + phase);
    sum += f;
    if (f > 0) needed.push_back("phases." + phase + ".conductivity");
  }
  if (std::abs(sum - 1.0) > 1e-6) {
    throw InputError(p.where(first), layer + ".composition",
                     fmt::format("the volume fractions ({}) add up to {}, expected 100 %",
                                 fmt::join(given_phases, ", "), percent(sum)));
  }
  p.require(needed);
  for (const std::string& phase : given_phases) {
    const double f = p.quantity(layer + ".composition." + phase);
    if (f > 0) phases.push_back({phase, f, p.quantity("phases." + phase + ".conductivity")});
  }
  film.conductivity = bruggeman_conductivity(phases);
  film.phases = std::move(phases);
}

// Volume fractions and thickness of the cathode coating, from whichever of them were given.
void cathode_geometry(const ParamSet& p, CathodeParams& k) {
  const bool has_af = p.has("cathode.active_fraction"), has_add = p.has("cathode.additive_fraction");
  if (has_af) k.active_fraction = p.quantity("cathode.active_fraction");
  if (has_add) {
    const double add = p.quantity("cathode.additive_fraction");
    const double af = 1.0 - k.porosity - add;
    if (has_af && std::abs(af - k.active_fraction) > 1e-6) {
      throw InputError(p.where("cathode.additive_fraction"), "cathode.additive_fraction",
                       fmt::format("porosity {} + active_fraction {} + additive_fraction {} = {}: "
                                   "the volume fractions must add up to 1 (give two of them)",
                                   k.porosity, k.active_fraction, add,
                                   k.porosity + k.active_fraction + add));
    }
    if (!(af > 0)) {
      throw InputError(p.where("cathode.additive_fraction"), "cathode.additive_fraction",
                       fmt::format("porosity {} + additive_fraction {} leave no room for active "
                                   "material (active_fraction = 1 - porosity - additive = {})",
                                   k.porosity, add, af));
    }
    k.active_fraction = af;
  }
  if (k.porosity + k.active_fraction > 1.0) {
    throw InputError(p.where("cathode.active_fraction"), "cathode.active_fraction",
                     fmt::format("porosity {} + active_fraction {} exceed 1: the volume fractions of "
                                 "electrolyte, active material and filler must add up to 1",
                                 k.porosity, k.active_fraction));
  }
  const bool has_L = p.has("cathode.thickness"), has_load = p.has("cathode.loading");
  if (has_L) k.thickness = p.quantity("cathode.thickness");
  if (has_load) {
    const double loading = p.quantity("cathode.loading");
    const double L = loading / (k.density * k.active_fraction);
    if (has_L && std::abs(L / k.thickness - 1.0) > 0.01) {
      throw InputError(p.where("cathode.loading"), "cathode.loading",
                       fmt::format("loading {:.4g} mg/cm2 needs a {:.4g} um coating at density {:.4g} "
                                   "g/cm3 and active_fraction {:.4g}, but cathode.thickness is {:.4g} "
                                   "um; give one of loading and thickness",
                                   loading * 100, L * 1e6, k.density / 1000, k.active_fraction,
                                   k.thickness * 1e6));
    }
    k.thickness = L;
  }
}

// Size classes of a log-normal (by volume) particle radius: K bins of equal volume, each at the
// radius of its median, R_k = R_50 exp(s z_k), z_k the standard normal quantile of (k + 1/2)/K.
void particle_classes(const ParamSet& p, CathodeParams& k) {
  const long K = p.integer("cathode.particle_classes");
  const double s = p.quantity("cathode.particle_radius_spread");
  if (K == 1 && s > 0) {
    throw InputError(p.where("cathode.particle_radius_spread"), "cathode.particle_radius_spread",
                     fmt::format("a spread of {} needs cathode.particle_classes above 1 to represent it "
                                 "(3 to 5 are usual)",
                                 s));
  }
  k.class_radius.clear();
  k.class_fraction.clear();
  for (long c = 0; c < K; ++c) {
    const double q = (c + 0.5) / static_cast<double>(K);
    // the standard normal quantile by bisection on erf: no table, exact to round-off
    double lo = -10, hi = 10;
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (lo + hi);
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q ? lo : hi) = mid;
    }
    k.class_radius.push_back(k.particle_radius * std::exp(s * 0.5 * (lo + hi)));
    k.class_fraction.push_back(1.0 / static_cast<double>(K));
  }
}

// The cell's layers (cell.stack), checked against the stacks the model is built from: an electrode,
// an optional film, the electrolyte, an optional film, an electrode.
StackParams parse_stack(const ParamSet& p) {
  StackParams st;
  if (!p.has("cell.stack")) return st;
  const Entry& e = p.at("cell.stack");
  const auto fail = [&](const std::string& why) -> StackParams {
    throw InputError(e.src, "cell.stack",
                     why + "; expected an electrode, an optional film, qsse, an optional film and an "
                           "electrode, e.g. [li_metal, sei, qsse, cei, cathode], "
                           "[li_metal, sei, qsse, sei, li_metal], [blocking, qsse, blocking], "
                           "[li_metal, sei, qsse, copper]");
  };
  if (!e.node.IsSequence()) return fail("is not a list of layer names");
  std::vector<std::string> layers;
  for (const auto& n : e.node) {
    if (!n.IsScalar()) return fail("has an entry that is not a layer name");
    layers.push_back(n.as<std::string>());
  }
  static const std::vector<std::string> known{"li_metal", "copper", "blocking", "cathode", "sei", "cei", "qsse"};
  for (const auto& l : layers) {
    if (std::find(known.begin(), known.end(), l) == known.end()) {
      return fail(fmt::format("has an unknown layer '{}' (known: {})", l, fmt::join(known, ", ")));
    }
  }
  const auto q = std::find(layers.begin(), layers.end(), "qsse");
  if (q == layers.end() || std::count(layers.begin(), layers.end(), "qsse") != 1) {
    return fail("needs exactly one electrolyte layer 'qsse'");
  }
  const std::vector<std::string> left(layers.begin(), q), right(q + 1, layers.end());
  const auto electrode = [&](const std::string& name, bool is_left) {
    if (name == "li_metal") return Electrode::li_metal;
    if (name == "copper") return Electrode::copper;
    if (name == "blocking") return Electrode::blocking;
    if (name == "cathode" && !is_left) return Electrode::cathode;
    fail(fmt::format("'{}' cannot be the {} electrode", name, is_left ? "left (x = 0)" : "right"));
    return Electrode::li_metal;
  };
  // a side: [electrode] or [electrode, film] read from the electrode inwards
  const auto side = [&](std::vector<std::string> names, bool is_left, Electrode& el, bool& film) {
    if (!is_left) std::reverse(names.begin(), names.end());
    if (names.empty() || names.size() > 2) {
      fail(fmt::format("the {} side has {} layers", is_left ? "left" : "right", names.size()));
    }
    el = electrode(names[0], is_left);
    film = names.size() == 2;
    if (!film) return;
    const std::string expected = el == Electrode::cathode ? "cei" : el == Electrode::blocking ? "" : "sei";
    if (names[1] != expected) {
      fail(expected.empty() ? fmt::format("a blocking electrode has no film, found '{}'", names[1])
                            : fmt::format("the film on a {} electrode is '{}', found '{}'", names[0],
                                          expected, names[1]));
    }
  };
  side(left, true, st.left, st.left_film);
  side(right, false, st.right, st.right_film);
  if (st.right == Electrode::cathode && !st.right_film) {
    fail("the cathode needs its CEI: [..., qsse, cei, cathode] (give the CEI a small thickness to "
         "leave it out)");
  }
  if (st.left == Electrode::blocking && st.right == Electrode::cathode) {
    fail("a cathode needs a Li electrode opposite it");
  }
  return st;
}

// Checks the material's capacity figures against each other, sets the initial stoichiometry and
// checks that every stoichiometry the cell starts from or is meant to reach has an OCP.
void cathode_stoichiometry(const ParamSet& p, CathodeParams& k) {
  // One Li per formula unit: c_max = density / molar mass, theoretical capacity = F c_max/density.
  if (p.has("cathode.molar_mass")) {
    const double expected = k.density / p.quantity("cathode.molar_mass");
    if (std::abs(k.c_max / expected - 1.0) > 0.01) {
      throw InputError(p.where("cathode.max_concentration"), "cathode.max_concentration",
                       fmt::format("{:.6g} mol/m3 disagrees with density / molar_mass = {:.6g} "
                                   "mol/m3 by more than 1 %",
                                   k.c_max, expected));
    }
  }
  if (p.has("cathode.theoretical_capacity")) {
    const double q = p.quantity("cathode.theoretical_capacity");
    const double expected = 96485.33212 * k.c_max / k.density;
    if (std::abs(q / expected - 1.0) > 0.01) {
      throw InputError(p.where("cathode.theoretical_capacity"), "cathode.theoretical_capacity",
                       fmt::format("{:.5g} mAh/g disagrees with F max_concentration / density = "
                                   "{:.5g} mAh/g by more than 1 %",
                                   q / 3600, expected / 3600));
    }
  }
  const bool has_full = p.has("cathode.stoichiometry_charged");
  const bool has_empty = p.has("cathode.stoichiometry_discharged");
  const auto in_domain = [&](const std::string& key, double sto) {
    if (sto < k.ocp_sto_min || sto > k.ocp_sto_max) {
      throw InputError(p.where(key), key,
                       fmt::format("stoichiometry {:.6g} lies outside the range where cathode.ocp "
                                   "is valid, [{:.6g}, {:.6g}] (its domain or table)",
                                   sto, k.ocp_sto_min, k.ocp_sto_max));
    }
  };
  if (has_full) in_domain("cathode.stoichiometry_charged", p.quantity("cathode.stoichiometry_charged"));
  if (has_empty) {
    in_domain("cathode.stoichiometry_discharged", p.quantity("cathode.stoichiometry_discharged"));
  }
  if (has_full && has_empty &&
      !(p.quantity("cathode.stoichiometry_discharged") > p.quantity("cathode.stoichiometry_charged"))) {
    throw InputError(p.where("cathode.stoichiometry_discharged"), "cathode.stoichiometry_discharged",
                     "a cathode holds more lithium discharged than charged: expected "
                     "stoichiometry_discharged > stoichiometry_charged");
  }
  const bool has_sto = p.has("cathode.initial_stoichiometry"), has_soc = p.given("cell.initial_soc");
  if (has_sto && has_soc) {
    throw InputError(p.where("cell.initial_soc"), "cell.initial_soc",
                     "give either cell.initial_soc or cathode.initial_stoichiometry, not both; unset "
                     "an inherited one with '~'");
  }
  if (has_soc) {
    if (!has_full || !has_empty) {
      p.require({"cathode.stoichiometry_charged", "cathode.stoichiometry_discharged"});
    }
    const double soc = p.quantity("cell.initial_soc");
    const double full = p.quantity("cathode.stoichiometry_charged");
    const double empty = p.quantity("cathode.stoichiometry_discharged");
    k.sto0 = empty + soc * (full - empty);
    // The window's ends are valid OCP points, but a particle exactly at 0 or c_max has no
    // exchange current; start a hair inside.
    k.sto0 = std::clamp(k.sto0, 1e-6, 1.0 - 1e-6);
  } else {
    k.sto0 = p.quantity("cathode.initial_stoichiometry");
    in_domain("cathode.initial_stoichiometry", k.sto0);
  }
}

}  // namespace

CellParams build_cell_params(const ParamSet& p) {
  CellParams c;
  c.stack = parse_stack(p);
  const StackParams& st = c.stack;
  const bool has_li = st.left != Electrode::blocking || st.right == Electrode::li_metal ||
                      st.right == Electrode::copper;
  std::vector<std::string> required{"electrolyte.initial_concentration",
             "electrolyte.conductivity", "electrolyte.diffusivity",
             "electrolyte.transference_number", "membrane.thickness"};
  if (has_li) required.insert(required.end(), {"anode.exchange_current", "anode.thickness"});
  if (st.left == Electrode::blocking || st.right == Electrode::blocking) {
    required.push_back("blocking.double_layer_capacitance");
  }
  if (st.full_cell()) {
    required.insert(required.end(), {"cathode.porosity", "cathode.particle_radius",
                                     "cathode.max_concentration", "cathode.ocp",
                                     "cathode.diffusivity", "cathode.conductivity",
                                     "cathode.density", "cathode.nominal_capacity"});
    // Keys with alternatives: a missing one is reported with the rest, under its first name.
    if (!p.has("cathode.rate_constant") && !p.has("cathode.exchange_current")) {
      required.push_back("cathode.rate_constant");
    }
    if (!p.has("cathode.thickness") && !p.has("cathode.loading")) required.push_back("cathode.thickness");
    if (!p.has("cathode.active_fraction") && !p.has("cathode.additive_fraction")) {
      required.push_back("cathode.active_fraction");
    }
    if (!p.has("cathode.initial_stoichiometry") && !p.has("cell.initial_soc")) {
      required.push_back("cathode.initial_stoichiometry");
    }
  }
  p.require(required);
  c.area = p.quantity("cell.area");
  c.contact_resistance = p.quantity("cell.contact_resistance");
  c.temperature = p.quantity("cell.temperature");

  auto& a = c.anode;
  if (p.has("blocking.double_layer_capacitance")) {
    c.stack.blocking_capacitance = p.quantity("blocking.double_layer_capacitance");
  }
  if (has_li) a.i0_ref = p.quantity("anode.exchange_current");
  a.c_ref = p.quantity("anode.reference_concentration");
  a.c_exponent = p.quantity("anode.concentration_exponent");
  a.activation_energy = p.quantity("anode.activation_energy");
  a.T_ref = p.quantity("anode.reference_temperature");
  a.alpha_a = p.quantity("anode.alpha_a");
  a.alpha_c = p.quantity("anode.alpha_c");
  if (has_li) a.thickness = p.quantity("anode.thickness");
  a.molar_volume = p.quantity("anode.molar_volume");

  const bool has_sei = (st.left != Electrode::blocking && st.left_film) ||
                       (st.right != Electrode::cathode && st.right != Electrode::blocking && st.right_film);
  for (auto [film, name] : {std::pair{&c.sei, "sei"}, std::pair{&c.cei, "cei"}}) {
    if (film == &c.sei ? !has_sei : !st.full_cell()) continue;  // a layer the stack has not
    film->thickness = p.quantity(std::string(name) + ".thickness");
    film->capacitance = p.quantity(std::string(name) + ".double_layer_capacitance");
    film->permittivity = 8.8541878128e-12 * p.quantity(std::string(name) + ".relative_permittivity");
    film_conductivity(p, name, *film);
  }

  auto& g = c.sei_growth;
  g.enabled = p.string("sei.growth.model") != "none";
  g.plating_fraction = p.quantity("sei.growth.plating_fraction");
  g.solvent_diffusivity = p.quantity("sei.growth.solvent_diffusivity");
  g.solvent_concentration = p.quantity("sei.growth.solvent_concentration");
  g.li_per_solvent = p.quantity("sei.growth.li_per_solvent");
  g.molar_volume = p.quantity("sei.growth.molar_volume");
  g.activation_energy = p.quantity("sei.growth.activation_energy");
  g.T_ref = p.quantity("sei.growth.reference_temperature");

  auto& dl = c.dead_li;
  dl.enabled = p.string("dead_li.model") != "none";
  dl.fraction = p.quantity("dead_li.fraction");
  dl.porosity = p.quantity("dead_li.porosity");
  dl.bruggeman = p.quantity("dead_li.bruggeman");
  dl.activation_energy = p.quantity("dead_li.activation_energy");
  dl.T_ref = p.quantity("dead_li.reference_temperature");

  auto& al = c.active_loss;
  al.enabled = p.string("active_loss.model") != "none";
  al.rate = p.quantity("active_loss.rate");
  al.activation_energy = p.quantity("active_loss.activation_energy");
  al.T_ref = p.quantity("active_loss.reference_temperature");

  auto& cg = c.cei_growth;
  cg.enabled = p.string("cei.growth.model") != "none";
  cg.rate_constant = p.quantity("cei.growth.rate_constant");
  cg.onset_potential = p.quantity("cei.growth.onset_potential");
  cg.alpha = p.quantity("cei.growth.alpha");
  cg.solvent_diffusivity = p.quantity("cei.growth.solvent_diffusivity");
  cg.solvent_concentration = p.quantity("cei.growth.solvent_concentration");
  cg.molar_volume = p.quantity("cei.growth.molar_volume");
  cg.activation_energy = p.quantity("cei.growth.activation_energy");
  cg.T_ref = p.quantity("cei.growth.reference_temperature");

  auto& e = c.electrolyte;
  e.c0 = p.quantity("electrolyte.initial_concentration");
  e.conductivity = material_function(p, "electrolyte.conductivity");
  e.diffusivity = material_function(p, "electrolyte.diffusivity");
  e.transference_number = material_function(p, "electrolyte.transference_number");
  e.thermodynamic_factor = material_function(p, "electrolyte.thermodynamic_factor");

  auto& m = c.membrane;
  m.thickness = p.quantity("membrane.thickness");
  m.porosity = p.quantity("membrane.porosity");
  m.transport_efficiency = std::pow(m.porosity, p.quantity("membrane.bruggeman"));

  auto& k = c.cathode;
  if (st.full_cell()) {
    k.porosity = p.quantity("cathode.porosity");
    k.density = p.quantity("cathode.density");
    cathode_geometry(p, k);
    // the particles that never cycle leave the model; the mass keeps them (CellParams::active_mass)
    k.inactive_fraction = p.quantity("cathode.inactive_fraction");
    k.active_fraction *= 1.0 - k.inactive_fraction;
    k.transport_efficiency = p.given("cathode.transport_efficiency")
                                 ? p.quantity("cathode.transport_efficiency")
                                 : std::pow(k.porosity, p.quantity("cathode.bruggeman"));
    k.particle_radius = p.quantity("cathode.particle_radius");
    particle_classes(p, k);
    k.c_max = p.quantity("cathode.max_concentration");
    k.ocp = material_function(p, "cathode.ocp");
    std::tie(k.ocp_sto_min, k.ocp_sto_max) = material_function_domain(p, "cathode.ocp");
    cathode_stoichiometry(p, k);
    k.entropic = material_function(p, "cathode.entropic_coefficient");
    k.ocp_T_ref = p.quantity("cathode.ocp_reference_temperature");
    k.diffusivity = material_function(p, "cathode.diffusivity");
    // The solid phase conducts through everything that is not pore (active + filler).
    k.sigma_eff = p.quantity("cathode.conductivity") *
                  std::pow(1.0 - k.porosity, p.quantity("cathode.solid_bruggeman"));
    // Exchange current: the Newman form with a rate constant, or a function of stoichiometry.
    const bool has_k = p.given("cathode.rate_constant");
    k.has_exchange_current = p.given("cathode.exchange_current");
    if (has_k && k.has_exchange_current) {
      throw InputError(p.where("cathode.exchange_current"), "cathode.rate_constant",
                       "give either cathode.rate_constant (i0 = F k sqrt(c_e c_s (c_max - c_s))) or "
                       "cathode.exchange_current (a function of sto), not both; unset an inherited "
                       "one with '~'");
    }
    if (has_k) k.rate_constant = p.quantity("cathode.rate_constant");
    if (k.has_exchange_current) {
      k.exchange_current = material_function(p, "cathode.exchange_current");
      k.i0_c_ref = p.quantity("cathode.exchange_current_reference_concentration");
      k.i0_c_exponent = p.quantity("cathode.exchange_current_concentration_exponent");
    }
    k.rate_activation_energy = p.quantity("cathode.rate_activation_energy");
    k.rate_T_ref = p.quantity("cathode.rate_reference_temperature");
    k.alpha_a = p.quantity("cathode.alpha_a");
    k.alpha_c = p.quantity("cathode.alpha_c");
    k.nominal_capacity = p.quantity("cathode.nominal_capacity");
  }

  // D5: the solvent held by the membrane and the cathode's pores
  auto& sv = c.solvent;
  sv.enabled = p.string("solvent.model") != "none";
  if (sv.enabled) {
    p.require({"solvent.mass_fraction", "solvent.electrolyte_density", "solvent.molar_mass"});
    const double volume = m.thickness * m.porosity + k.thickness * k.porosity;  // m3/m2
    sv.initial_amount = p.quantity("solvent.mass_fraction") * p.quantity("solvent.electrolyte_density") *
                        volume / p.quantity("solvent.molar_mass");
    sv.exponent = p.quantity("solvent.conductivity_exponent");
  }

  c.mesh.membrane = static_cast<int>(p.integer("mesh.membrane"));
  c.mesh.cathode = static_cast<int>(p.integer("mesh.cathode"));
  c.mesh.particle = static_cast<int>(p.integer("mesh.particle"));
  return c;
}

SolverSettings build_solver_settings(const ParamSet& p) {
  SolverSettings s;
  s.rtol = p.quantity("solver.rtol");
  s.atol = p.quantity("solver.atol");
  s.max_step = p.quantity("solver.max_step");
  s.max_order = static_cast<int>(p.integer("solver.max_order"));
  s.linear_solver = p.string("solver.linear_solver");
  s.timeseries = p.string("output.timeseries");
  s.algebraic_error_test = p.string("solver.algebraic_error_test");
  s.fast_forward = p.boolean("fast_forward.enabled");
  s.ff_tolerance = p.quantity("fast_forward.tolerance");
  s.ff_max_jump = static_cast<int>(p.integer("fast_forward.max_jump"));
  return s;
}

std::string case_name(const ParamSet& p) {
  if (p.given("name")) return p.string("name");
  return p.file().stem().string();
}

}  // namespace cascade
