#include "params/schema.hpp"

#include <fmt/format.h>

#include <set>

namespace cascade {

void Schema::add(KeySpec spec) {
  const std::string path = spec.path;
  keys_[path] = std::move(spec);
}

const KeySpec* Schema::find(const std::string& path) const {
  const auto it = keys_.find(path);
  return it == keys_.end() ? nullptr : &it->second;
}

bool Schema::is_section(const std::string& path) const {
  const std::string prefix = path + ".";
  const auto it = keys_.lower_bound(prefix);
  return it != keys_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> Schema::children(const std::string& section) const {
  const std::string prefix = section.empty() ? "" : section + ".";
  std::set<std::string> names;
  for (const auto& [path, spec] : keys_) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = path.substr(prefix.size());
    names.insert(rest.substr(0, rest.find('.')));
  }
  return {names.begin(), names.end()};
}

const std::vector<std::string>& film_phases() {
  static const std::vector<std::string> phases{"LiF", "Li2O", "Li2CO3", "organic"};
  return phases;
}

std::string describe_range(const KeySpec& spec) {
  const bool has_min = spec.min > -std::numeric_limits<double>::infinity();
  const bool has_max = spec.max < std::numeric_limits<double>::infinity();
  const std::string unit = spec.dim.dimensionless() ? "" : " " + spec.dim.to_string();
  if (has_min && has_max) {
    return fmt::format("{:g}{} {} value {} {:g}{}", spec.min, unit, spec.min_open ? "<" : "<=",
                       spec.max_open ? "<" : "<=", spec.max, unit);
  }
  if (has_min) return fmt::format("value {} {:g}{}", spec.min_open ? ">" : ">=", spec.min, unit);
  if (has_max) return fmt::format("value {} {:g}{}", spec.max_open ? "<" : "<=", spec.max, unit);
  return "any value";
}

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

KeySpec q(std::string path, Dimension d, std::string meaning, double lo = -inf, double hi = inf,
          std::string def = {}) {
  KeySpec s;
  s.path = std::move(path);
  s.kind = KeyKind::quantity;
  s.dim = d;
  s.meaning = std::move(meaning);
  s.min = lo;
  s.max = hi;
  s.default_value = std::move(def);
  return s;
}
// A strictly positive quantity.
KeySpec pos(std::string path, Dimension d, std::string meaning, std::string def = {}) {
  KeySpec s = q(std::move(path), d, std::move(meaning), 0.0, inf, std::move(def));
  s.min_open = true;
  return s;
}
KeySpec nonneg(std::string path, Dimension d, std::string meaning, std::string def = {}) {
  return q(std::move(path), d, std::move(meaning), 0.0, inf, std::move(def));
}
KeySpec fraction(std::string path, std::string meaning, bool open, std::string def = {}) {
  KeySpec s = q(std::move(path), dim::none, std::move(meaning), 0.0, 1.0, std::move(def));
  s.min_open = s.max_open = open;
  return s;
}
KeySpec fn(std::string path, Dimension d, std::string variable, std::string meaning,
           std::string def = {}) {
  KeySpec s;
  s.path = std::move(path);
  s.kind = KeyKind::function;
  s.dim = d;
  s.variable = std::move(variable);
  s.meaning = std::move(meaning);
  s.default_value = std::move(def);
  return s;
}
KeySpec other(std::string path, KeyKind kind, std::string meaning, std::string def = {}) {
  KeySpec s;
  s.path = std::move(path);
  s.kind = kind;
  s.meaning = std::move(meaning);
  s.default_value = std::move(def);
  return s;
}
KeySpec integer(std::string path, std::string meaning, double lo, double hi, std::string def) {
  KeySpec s = other(std::move(path), KeyKind::integer, std::move(meaning), std::move(def));
  s.min = lo;
  s.max = hi;
  return s;
}
KeySpec choice(std::string path, std::vector<std::string> choices, std::string meaning,
               std::string def) {
  KeySpec s = other(std::move(path), KeyKind::choice, std::move(meaning), std::move(def));
  s.choices = std::move(choices);
  return s;
}

Schema build_cascade_schema() {
  Schema s;
  // ---- case ----
  s.add(other("name", KeyKind::string, "case name (output folder name)"));
  s.add(other("description", KeyKind::string, "what the case is for"));
  s.add(other("source", KeyKind::string, "where the parameter set comes from"));
  s.add(other("expected", KeyKind::list,
              "figures the case is validated against (cascade validate): [{quantity, value, "
              "tolerance, source, fitted}]"));
  s.add(other("experiment", KeyKind::list,
              "protocol: sentences ('Discharge at 1C until 2.5 V') and blocks {repeat: N, steps: "
              "[...], label: activation}"));
  {
    KeySpec k = fraction("stop_when.capacity_below",
                         "end the experiment when a cycle's discharge capacity falls below this "
                         "fraction of the first numbered cycle's (e.g. 80 %)",
                         true);
    s.add(k);
  }
  {
    KeySpec k = other("rate_test.rates", KeyKind::list,
                      "C-rates of a rate test, in order, e.g. [0.1, 0.2, 0.5, 1, 2, 3, 5]");
    s.add(k);
  }
  s.add(integer("rate_test.cycles_per_rate", "cycles at each rate of a rate test", 1, 1e6, "5"));
  s.add(q("rate_test.return_to", dim::none,
          "C-rate of the cycles that end a rate test (0: none)", 0, 1e3, "0"));
  s.add(q("rate_test.charge_rate", dim::none,
          "C-rate of every charge of a rate test (0: the same as the discharge)", 0, 1e3, "0"));
  s.add(pos("rate_test.upper_voltage", dim::voltage, "charge cut-off of a rate test (default cathode.upper_voltage)"));
  s.add(pos("rate_test.lower_voltage", dim::voltage, "discharge cut-off of a rate test (default cathode.lower_voltage)"));
  s.add(q("rate_test.hold_until", dim::none,
          "after each charge, hold the upper voltage until the current falls to this C-rate "
          "(0: no hold)", 0, 1e3, "0"));
  s.add(integer("stop_when.cycles", "end the experiment after this many numbered cycles", 1, 1e9, ""));

  // ---- cell ----
  s.add(pos("cell.area", dim::area, "electrode area (converts A to A/m2 and ohm to ohm m2)",
            "1 cm2"));
  s.add(nonneg("cell.contact_resistance", dim::area_resistance,
               "contact resistance of tabs and collectors, per cell area", "0 ohm m2"));
  s.add(pos("cell.temperature", dim::temperature, "cell temperature (isothermal)", "25 degC"));
  s.add(other("cell.stack", KeyKind::list,
              "the layers from x = 0: [li_metal, sei, qsse, cei, cathode] (default), "
              "[li_metal, sei, qsse, sei, li_metal], [blocking, qsse, blocking], "
              "[li_metal, sei, qsse, copper]"));
  s.add(fraction("cell.initial_soc",
                 "initial state of charge, 0 (discharged) to 1 (charged): sets the initial cathode "
                 "stoichiometry between cathode.stoichiometry_discharged and "
                 "cathode.stoichiometry_charged (or give cathode.initial_stoichiometry)",
                 false));

  // ---- Li-metal anode (foil) ----
  s.add(pos("anode.exchange_current", dim::current_density,
            "exchange current density of Li plating/stripping at the reference concentration"));
  s.add(pos("anode.reference_concentration", dim::concentration,
            "salt concentration at which anode.exchange_current is given", "1000 mol/m3"));
  s.add(nonneg("anode.concentration_exponent", dim::none,
               "i0 ~ (c_e/c_ref)^exponent at the foil surface", "0.5"));
  s.add(nonneg("anode.activation_energy", dim::molar_energy,
               "activation energy of the exchange current", "0 J/mol"));
  s.add(pos("anode.reference_temperature", dim::temperature,
            "temperature at which anode.exchange_current is given", "25 degC"));
  s.add(pos("anode.alpha_a", dim::none, "anodic transfer coefficient of the foil", "0.5"));
  s.add(pos("anode.alpha_c", dim::none, "cathodic transfer coefficient of the foil", "0.5"));
  s.add(pos("anode.thickness", dim::length, "Li foil thickness (finite Li inventory)"));
  s.add(pos("anode.molar_volume", dim::molar_volume,
            "molar volume of Li metal (6.941 g/mol / 0.534 g/cm3)", "1.2998e-5 m3/mol"));

  // ---- interphases (films) ----
  for (const std::string& phase : film_phases()) {
    s.add(pos("phases." + phase + ".conductivity", dim::conductivity,
              "ionic conductivity of " + phase + " inside an interphase film (used with "
              "sei/cei.composition)"));
  }
  for (const std::string layer : {"sei", "cei"}) {
    const std::string where = layer == "sei" ? "on the Li foil" : "on each cathode particle";
    s.add(nonneg(layer + ".thickness", dim::length, "film thickness " + where, "0 m"));
    s.add(pos(layer + ".conductivity", dim::conductivity,
              "ionic conductivity of the film (or give " + layer +
                  ".composition to compute it by the effective-medium rule)",
              "1e-6 S/m"));
    for (const std::string& phase : film_phases()) {
      s.add(fraction(layer + ".composition." + phase,
                     "volume fraction of " + phase + " in the film (fractions add up to 1)", false));
    }
    s.add(nonneg(layer + ".double_layer_capacitance", dim::capacitance_per_area,
                 "double-layer capacitance of the interface (used by impedance)", "0 F/m2"));
    s.add(nonneg(layer + ".relative_permittivity", dim::none,
                 "dielectric constant of the film: its capacitance eps0 eps_r / thickness (used by "
                 "impedance; 0: none)",
                 "0"));
  }
  s.add(nonneg("blocking.double_layer_capacitance", dim::capacitance_per_area,
               "double-layer capacitance of a blocking (stainless steel) electrode (used by impedance)"));

  // ---- degradation: SEI growth on the foil ----
  s.add(choice("sei.growth.model", {"none", "plating_and_diffusion"},
               "SEI growth: none, or Li corroded on freshly plated surface plus solvent diffusing "
               "through the layer",
               "none"));
  s.add(fraction("sei.growth.plating_fraction",
                 "mol of Li lost into SEI per mol of Li plated (fresh surface)", false, "0"));
  s.add(nonneg("sei.growth.solvent_diffusivity", dim::diffusivity,
               "diffusivity of reducible solvent through the SEI (at reference_temperature)",
               "0 m2/s"));
  s.add(nonneg("sei.growth.solvent_concentration", dim::concentration,
               "reducible solvent concentration at the SEI's outer face", "0 mol/m3"));
  s.add(pos("sei.growth.li_per_solvent", dim::none, "mol Li consumed per mol solvent reduced", "2"));
  s.add(pos("sei.growth.molar_volume", dim::molar_volume,
            "volume of SEI formed per mol of Li consumed", "9.585e-5 m3/mol"));
  s.add(nonneg("sei.growth.activation_energy", dim::molar_energy,
               "activation energy of both growth terms", "0 J/mol"));
  s.add(pos("sei.growth.reference_temperature", dim::temperature,
            "temperature at which the growth rates are given", "25 degC"));

  // ---- degradation: dead lithium on the foil ----
  s.add(choice("dead_li.model", {"none", "stranded_fraction"},
               "dead Li: none, or a share of the Li stripped from the foil left stranded as a "
               "porous layer", "none"));
  s.add(fraction("dead_li.fraction", "mol of Li stranded per mol stripped (at reference_temperature)",
                 false, "0"));
  s.add(fraction("dead_li.porosity", "electrolyte-filled porosity of the dead-Li layer", true, "0.5"));
  s.add(q("dead_li.bruggeman", dim::none, "Bruggeman exponent of the dead-Li layer's pores", 0, 10,
          "1.5"));
  s.add(nonneg("dead_li.activation_energy", dim::molar_energy, "activation energy of stranding",
               "0 J/mol"));
  s.add(pos("dead_li.reference_temperature", dim::temperature,
            "temperature at which dead_li.fraction is given", "25 degC"));

  // ---- degradation: loss of cathode active material ----
  s.add(choice("active_loss.model", {"none", "swing"},
               "loss of active material: none, or in proportion to each cycle's stoichiometry "
               "swing (applied at the end of each cycle)", "none"));
  s.add(nonneg("active_loss.rate", dim::none,
               "fraction of the active material lost per unit stoichiometry swing (at "
               "reference_temperature)", "0"));
  s.add(nonneg("active_loss.activation_energy", dim::molar_energy,
               "activation energy of the loss rate", "0 J/mol"));
  s.add(pos("active_loss.reference_temperature", dim::temperature,
            "temperature at which active_loss.rate is given", "25 degC"));

  // ---- degradation: solvent depletion of the quasi-solid electrolyte ----
  s.add(choice("solvent.model", {"none", "depletion"},
               "solvent depletion: none, or SEI and CEI growth consume the electrolyte's solvent "
               "and its conductivity and diffusivity fall with what is left (updated each cycle)",
               "none"));
  s.add(fraction("solvent.mass_fraction", "solvent mass fraction of the quasi-solid electrolyte",
                 true));
  s.add(pos("solvent.electrolyte_density", dim::density,
            "density of the quasi-solid electrolyte (membrane and pore filling)"));
  s.add(pos("solvent.molar_mass", dim::molar_mass, "molar mass of the solvent"));
  s.add(nonneg("solvent.conductivity_exponent", dim::none,
               "kappa and D scale as (solvent left / initial)^exponent", "1"));

  // ---- degradation: CEI growth on the cathode particles ----
  s.add(choice("cei.growth.model", {"none", "oxidation"},
               "CEI growth: none, or electrolyte oxidation at the particles limited by transport "
               "through the layer",
               "none"));
  s.add(nonneg("cei.growth.rate_constant", parse_unit("mol/(m2 s)").dim,
               "oxidation rate at the onset potential (per particle area, at reference_temperature)",
               "0 mol/(m2 s)"));
  s.add(pos("cei.growth.onset_potential", dim::voltage,
            "electrode potential vs Li/Li+ at which the oxidation rate equals rate_constant "
            "(e.g. the electrolyte's oxidation limit)", "4.8 V"));
  s.add(pos("cei.growth.alpha", dim::none, "transfer coefficient of the oxidation", "0.5"));
  s.add(nonneg("cei.growth.solvent_diffusivity", dim::diffusivity,
               "diffusivity of solvent through the CEI (at reference_temperature)", "0 m2/s"));
  s.add(nonneg("cei.growth.solvent_concentration", dim::concentration,
               "solvent concentration at the CEI's outer face", "0 mol/m3"));
  s.add(pos("cei.growth.molar_volume", dim::molar_volume, "volume of CEI per mol of solvent oxidised",
            "9.585e-5 m3/mol"));
  s.add(nonneg("cei.growth.activation_energy", dim::molar_energy,
               "activation energy of both kinetics and transport", "0 J/mol"));
  s.add(pos("cei.growth.reference_temperature", dim::temperature,
            "temperature at which the rates are given", "25 degC"));

  // ---- electrolyte (quasi-solid, concentrated solution) ----
  s.add(pos("electrolyte.initial_concentration", dim::concentration, "initial salt concentration"));
  s.add(fn("electrolyte.conductivity", dim::conductivity, "c_e", "ionic conductivity kappa(c_e, T)"));
  s.add(fn("electrolyte.diffusivity", dim::diffusivity, "c_e", "salt diffusivity D(c_e, T)"));
  s.add(fn("electrolyte.transference_number", dim::none, "c_e",
           "cation transference number t+(c_e, T)"));
  s.add(fn("electrolyte.thermodynamic_factor", dim::none, "c_e",
           "thermodynamic factor 1 + dln f/dln c", "1"));
  s.add(pos("electrolyte.oxidation_limit", dim::voltage,
            "anodic stability limit vs Li/Li+ (LSV); charging above it gets a warning, since the "
            "model has no electrolyte oxidation current"));

  // ---- membrane (separator) ----
  s.add(pos("membrane.thickness", dim::length, "membrane (separator) thickness"));
  s.add(fraction("membrane.porosity", "electrolyte volume fraction of the membrane (1: homogeneous)",
                 false, "1"));
  {
    KeySpec b = q("membrane.bruggeman", dim::none, "Bruggeman exponent in the membrane", 0, 10, "1.5");
    s.add(b);
  }

  // ---- porous cathode ----
  s.add(pos("cathode.thickness", dim::length,
            "cathode coating thickness (or give cathode.loading and it follows)"));
  s.add(pos("cathode.loading", dim::areal_mass,
            "active-material mass per electrode area; with it, thickness = loading / (density "
            "active_fraction)"));
  s.add(fraction("cathode.additive_fraction",
                 "volume fraction of conductive carbon and binder; with it, active_fraction = 1 - "
                 "porosity - additive_fraction",
                 false));
  {
    KeySpec k = fraction("cathode.inactive_fraction",
                         "share of the active material that never cycles (isolated or blocked "
                         "particles); specific capacities stay per the whole active mass",
                         false, "0");
    k.max_open = true;
    s.add(k);
  }
  s.add(pos("cathode.molar_mass", dim::molar_mass,
            "molar mass of the fully lithiated active material (checks max_concentration = "
            "density / molar_mass)"));
  s.add(pos("cathode.theoretical_capacity", dim::specific_capacity,
            "theoretical specific capacity, one Li per formula unit (checks F max_concentration "
            "/ density)"));
  s.add(fraction("cathode.stoichiometry_charged", "c_s/c_max at 100 % state of charge", false));
  s.add(fraction("cathode.stoichiometry_discharged", "c_s/c_max at 0 % state of charge", false));
  s.add(pos("cathode.lower_voltage", dim::voltage, "lower end of the cathode's voltage window"));
  s.add(pos("cathode.upper_voltage", dim::voltage, "upper end of the cathode's voltage window"));
  s.add(fraction("cathode.porosity", "electrolyte volume fraction of the cathode", true));
  s.add(fraction("cathode.active_fraction",
                 "active-material volume fraction eps_s (or give cathode.additive_fraction)", true));
  s.add(q("cathode.bruggeman", dim::none, "Bruggeman exponent for the electrolyte in the cathode",
          0, 10, "1.5"));
  s.add(q("cathode.transport_efficiency", dim::none,
          "electrolyte transport efficiency (default porosity^bruggeman)", 0, 1));
  s.add(pos("cathode.particle_radius", dim::length, "active particle radius (with a size spread: the median by volume)"));
  s.add(integer("cathode.particle_classes", "particle sizes the cathode is split into (1: one size)", 1, 12, "1"));
  s.add(nonneg("cathode.particle_radius_spread", dim::none,
               "standard deviation of ln(radius) over the active volume (log-normal by volume; with "
               "particle_classes > 1)",
               "0"));
  s.add(pos("cathode.max_concentration", dim::concentration, "maximum Li concentration c_max"));
  s.add(fraction("cathode.initial_stoichiometry",
                 "initial c_s/c_max, uniform (or give cell.initial_soc)", true));
  s.add(fn("cathode.ocp", dim::voltage, "sto", "open-circuit potential U(sto) vs Li/Li+"));
  s.add(fn("cathode.entropic_coefficient", dim::voltage / dim::temperature, "sto",
           "entropic coefficient dU/dT(sto)", "0"));
  s.add(pos("cathode.ocp_reference_temperature", dim::temperature,
            "temperature at which cathode.ocp is given", "25 degC"));
  s.add(fn("cathode.diffusivity", dim::diffusivity, "sto", "solid diffusivity D_s(sto, T)"));
  s.add(pos("cathode.conductivity", dim::conductivity, "intrinsic solid-phase conductivity"));
  s.add(q("cathode.solid_bruggeman", dim::none,
          "exponent b of the solid-phase correction sigma_eff = sigma (1 - porosity)^b", 0, 10,
          "1.5"));
  s.add(pos("cathode.rate_constant", parse_unit("mol^-0.5 m^2.5 s^-1").dim,
            "k in i0 = F k c_e^0.5 (c_max - c_s)^0.5 c_s^0.5 (or give cathode.exchange_current)"));
  s.add(fn("cathode.exchange_current", dim::current_density, "sto",
           "exchange current density i0(sto, T) at the reference salt concentration; replaces "
           "rate_constant: i0 = exchange_current(sto) (c_e/c_ref)^exponent"));
  s.add(pos("cathode.exchange_current_reference_concentration", dim::concentration,
            "salt concentration at which cathode.exchange_current is given", "1000 mol/m3"));
  s.add(nonneg("cathode.exchange_current_concentration_exponent", dim::none,
               "exponent of c_e/c_ref in cathode.exchange_current", "0.5"));
  s.add(nonneg("cathode.rate_activation_energy", dim::molar_energy,
               "activation energy of the rate constant", "0 J/mol"));
  s.add(pos("cathode.rate_reference_temperature", dim::temperature,
            "temperature at which cathode.rate_constant is given", "25 degC"));
  s.add(pos("cathode.alpha_a", dim::none, "anodic transfer coefficient", "0.5"));
  s.add(pos("cathode.alpha_c", dim::none, "cathodic transfer coefficient", "0.5"));
  s.add(pos("cathode.density", dim::density, "active-material density"));
  s.add(pos("cathode.nominal_capacity", dim::specific_capacity,
            "specific capacity that defines 1C (per mass of active material)"));

  // ---- numerics ----
  s.add(integer("mesh.membrane", "finite volumes across the membrane", 1, 10000, "10"));
  s.add(integer("mesh.cathode", "finite volumes across the cathode", 1, 10000, "20"));
  s.add(integer("mesh.particle", "spherical shells in each particle", 2, 10000, "10"));
  s.add(q("solver.rtol", dim::none, "IDA relative tolerance", 1e-14, 1e-1, "1e-6"));
  s.add(q("solver.atol", dim::none,
          "IDA absolute tolerance, scaled per variable by its typical size", 1e-16, 1e-1, "1e-6"));
  s.add(choice("solver.linear_solver", {"band", "klu", "sundials_band"},
               "linear solver: cascade's banded LU, SuiteSparse KLU, or SUNDIALS' own band LU",
               "band"));
  s.add(nonneg("solver.max_step", dim::time, "largest time step (0: no limit)", "0 s"));
  s.add(integer("solver.max_order", "highest order of IDA's BDF formulas (a lower one can take "
                "fewer Newton iterations through stiff transients, a higher one fewer steps on "
                "smooth stretches)", 1, 5, "5"));
  s.add(choice("solver.algebraic_error_test", {"all", "terminal", "none"},
               "which algebraic unknowns (potentials, currents) IDA's local error test covers: all, "
               "only the terminal voltage and current, or none",
               "all"));
  s.add(other("fast_forward.enabled", KeyKind::boolean,
              "skip cycles by extrapolating the slow states (SEI, CEI, foil, dead Li, active "
              "material, solvent) between fully simulated cycles",
              "false"));
  {
    KeySpec k = fraction("fast_forward.tolerance",
                         "largest predicted change of the discharge capacity per jump, as a "
                         "fraction of the first cycle's",
                         true, "0.2 %");
    s.add(k);
  }
  s.add(integer("fast_forward.max_jump", "most cycles skipped in one jump", 1, 1e6, "100"));
  s.add(other("output.timeseries", KeyKind::string,
              "which rows go to timeseries.csv: 'every step' or 'every <time>'", "every step"));
  return s;
}

}  // namespace

const Schema& Schema::cascade() {
  static const Schema schema = build_cascade_schema();
  return schema;
}

}  // namespace cascade
