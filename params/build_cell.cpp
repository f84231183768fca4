#include "params/build_cell.hpp"

#include <fmt/format.h>

#include <cmath>

#include "params/material_yaml.hpp"

namespace cascade {

CellParams build_cell_params(const ParamSet& p) {
  std::vector<std::string> required{"anode.exchange_current", "anode.thickness", "electrolyte.initial_concentration",
             "electrolyte.conductivity", "electrolyte.diffusivity",
             "electrolyte.transference_number", "membrane.thickness", "cathode.thickness",
             "cathode.porosity", "cathode.active_fraction", "cathode.particle_radius",
             "cathode.max_concentration", "cathode.initial_stoichiometry", "cathode.ocp",
             "cathode.diffusivity", "cathode.conductivity",
             "cathode.density", "cathode.nominal_capacity"};
  // The cathode's kinetics need one of two forms; a missing one is reported with the rest.
  if (!p.has("cathode.rate_constant") && !p.has("cathode.exchange_current")) {
    required.push_back("cathode.rate_constant");
  }
  p.require(required);
  CellParams c;
  c.area = p.quantity("cell.area");
  c.contact_resistance = p.quantity("cell.contact_resistance");
  c.temperature = p.quantity("cell.temperature");

  auto& a = c.anode;
  a.i0_ref = p.quantity("anode.exchange_current");
  a.c_ref = p.quantity("anode.reference_concentration");
  a.c_exponent = p.quantity("anode.concentration_exponent");
  a.activation_energy = p.quantity("anode.activation_energy");
  a.T_ref = p.quantity("anode.reference_temperature");
  a.alpha_a = p.quantity("anode.alpha_a");
  a.alpha_c = p.quantity("anode.alpha_c");
  a.thickness = p.quantity("anode.thickness");
  a.molar_volume = p.quantity("anode.molar_volume");

  for (auto [film, name] : {std::pair{&c.sei, "sei"}, std::pair{&c.cei, "cei"}}) {
    film->thickness = p.quantity(std::string(name) + ".thickness");
    film->conductivity = p.quantity(std::string(name) + ".conductivity");
    film->capacitance = p.quantity(std::string(name) + ".double_layer_capacitance");
  }

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
  k.thickness = p.quantity("cathode.thickness");
  k.porosity = p.quantity("cathode.porosity");
  k.active_fraction = p.quantity("cathode.active_fraction");
  if (k.porosity + k.active_fraction > 1.0) {
    throw InputError(p.where("cathode.active_fraction"), "cathode.active_fraction",
                     fmt::format("porosity {} + active_fraction {} exceed 1: the volume fractions of "
                                 "electrolyte, active material and filler must add up to 1",
                                 k.porosity, k.active_fraction));
  }
  k.transport_efficiency = p.given("cathode.transport_efficiency")
                               ? p.quantity("cathode.transport_efficiency")
                               : std::pow(k.porosity, p.quantity("cathode.bruggeman"));
  k.particle_radius = p.quantity("cathode.particle_radius");
  k.c_max = p.quantity("cathode.max_concentration");
  k.sto0 = p.quantity("cathode.initial_stoichiometry");
  k.ocp = material_function(p, "cathode.ocp");
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
  k.density = p.quantity("cathode.density");
  k.nominal_capacity = p.quantity("cathode.nominal_capacity");

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
  s.linear_solver = p.string("solver.linear_solver");
  s.timeseries = p.string("output.timeseries");
  s.suppress_algebraic_error = p.boolean("solver.suppress_algebraic_error");
  return s;
}

std::string case_name(const ParamSet& p) {
  if (p.given("name")) return p.string("name");
  return p.file().stem().string();
}

}  // namespace cascade
