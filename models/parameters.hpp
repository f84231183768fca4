#pragma once
// Typed, SI parameter sets the models read. Built from YAML by params/build_cell.cpp; the models
// never see YAML.
#include <string>

#include "models/effective_medium.hpp"
#include "models/functions.hpp"

namespace cascade {

struct AnodeParams {        // Li-metal foil
  double i0_ref = 0;        // A/m2, exchange current density at c_ref and T_ref
  double c_ref = 1000;      // mol/m3
  double c_exponent = 0.5;  // i0 ~ (c_e/c_ref)^c_exponent
  double activation_energy = 0;  // J/mol
  double T_ref = 298.15;         // K
  double alpha_a = 0.5, alpha_c = 0.5;
  double thickness = 0;      // m, initial foil thickness
  double molar_volume = 0;   // m3/mol
};

// SEI growth on the Li foil (docs/model.md eq. D1): Li metal corrodes into SEI on the freshly
// plated surface (a fraction of the plated charge) and by solvent diffusing through the layer.
struct SeiGrowthParams {
  bool enabled = false;
  double plating_fraction = 0;        // mol Li into SEI per mol Li plated
  double solvent_diffusivity = 0;     // m2/s, solvent through the SEI, at T_ref
  double solvent_concentration = 0;   // mol/m3 of reducible solvent at the SEI's outer face
  double li_per_solvent = 2;          // mol Li consumed per mol solvent reduced
  double molar_volume = 0;            // m3 of SEI per mol Li consumed
  double activation_energy = 0;       // J/mol, both terms
  double T_ref = 298.15;              // K
};

// CEI growth on the cathode particles (docs/model.md eq. D3): electrolyte oxidised at the particle
// surface, at a rate rising with the local electrode potential and limited by solvent transport
// through the existing layer.
struct CeiGrowthParams {
  bool enabled = false;
  double rate_constant = 0;          // mol/m2/s of solvent oxidised at E = onset_potential, T_ref
  double onset_potential = 4.8;      // V vs Li, where the kinetic rate equals rate_constant
  double alpha = 0.5;                // transfer coefficient of the oxidation
  double solvent_diffusivity = 0;    // m2/s through the CEI, at T_ref
  double solvent_concentration = 0;  // mol/m3 at the CEI's outer face
  double molar_volume = 0;           // m3 of CEI per mol solvent oxidised
  double activation_energy = 0;      // J/mol, both kinetics and transport
  double T_ref = 298.15;             // K
};

// Dead lithium (docs/model.md eq. D2): a share of the Li stripped from the foil is left stranded,
// electronically cut off, as a porous layer the ions must cross.
struct DeadLiParams {
  bool enabled = false;
  double fraction = 0;           // mol stranded per mol stripped, at T_ref
  double porosity = 0.5;         // of the dead-Li layer, filled with electrolyte
  double bruggeman = 1.5;        // tortuosity of the layer's pores
  double activation_energy = 0;  // J/mol
  double T_ref = 298.15;         // K
};

// Loss of cathode active material (docs/model.md eq. D4), applied at the end of each cycle:
// eps_s <- eps_s exp(-k(T) dsto), dsto the cycle's stoichiometry swing; the Li in the lost
// particles goes with them.
struct ActiveLossParams {
  bool enabled = false;
  double rate = 0;               // per unit stoichiometry swing, at T_ref
  double activation_energy = 0;  // J/mol
  double T_ref = 298.15;         // K
};

// Solvent depletion of the quasi-solid electrolyte (docs/model.md eq. D5), applied at the end of
// each cycle: SEI and CEI formation consume solvent, and the electrolyte's conductivity and salt
// diffusivity fall as (remaining fraction)^exponent.
struct SolventParams {
  bool enabled = false;
  double initial_amount = 0;     // mol/m2 of solvent in the membrane and the cathode's pores
  double exponent = 1;           // kappa, D ~ w^exponent
};

struct FilmParams {         // SEI on the foil or CEI on each particle
  double thickness = 0;     // m
  double conductivity = 1;  // S/m (ionic)
  double capacitance = 0;   // F/m2, double layer at the interface it covers (impedance only)
  double permittivity = 0;  // F/m, of the film: its own capacitance is permittivity / thickness
                            // (impedance only; 0: none)
  // When the conductivity comes from the film's composition (effective-medium rule, eq. F1):
  // the phases it was computed from, for reports. Empty when it was given directly.
  std::vector<FilmPhase> phases;
};

struct ElectrolyteParams {
  double c0 = 1000;  // mol/m3, initial salt concentration
  Property conductivity;          // S/m (c_e, T), bulk value before porosity corrections
  Property diffusivity;           // m2/s
  Property transference_number;   // -
  Property thermodynamic_factor;  // -
};

struct MembraneParams {
  double thickness = 0;  // m
  double porosity = 1;   // electrolyte volume fraction
  double transport_efficiency = 1;  // porosity^bruggeman
};

struct CathodeParams {
  double thickness = 0;          // m
  double porosity = 0;           // electrolyte volume fraction
  double active_fraction = 0;    // eps_s
  double transport_efficiency = 0;  // electrolyte: porosity^b unless given
  double particle_radius = 0;    // m (the median by volume when there are several sizes)
  // Particle sizes (docs/model.md eq. C6): classes of radius class_radius[k] holding the share
  // class_fraction[k] of the active volume; one class at particle_radius when empty.
  std::vector<double> class_radius, class_fraction;
  double c_max = 0;              // mol/m3
  double sto0 = 0;               // initial stoichiometry
  Property ocp;                  // V vs Li, of sto (at ocp_T_ref)
  Property entropic;             // V/K, dU/dT(sto)
  double ocp_T_ref = 298.15;     // K
  // Stoichiometry range where the OCP is valid (its table's range or its declared domain). A
  // discharge or charge that drives a particle surface past an edge ends there (an event), since
  // the model knows nothing of the material beyond it.
  double ocp_sto_min = 0, ocp_sto_max = 1;
  Property diffusivity;          // m2/s, D_s(sto, T)
  double sigma_eff = 0;          // S/m, effective solid conductivity
  double rate_constant = 0;      // mol^-0.5 m^2.5 s^-1 at rate_T_ref (Newman form of i0)
  // Alternative: i0 = exchange_current(sto, T) (c_e/i0_c_ref)^i0_c_exponent, when given.
  bool has_exchange_current = false;
  Property exchange_current;     // A/m2
  double i0_c_ref = 1000;        // mol/m3
  double i0_c_exponent = 0.5;
  double rate_activation_energy = 0;  // J/mol
  double rate_T_ref = 298.15;    // K
  double alpha_a = 0.5, alpha_c = 0.5;
  double density = 0;            // kg/m3, active material
  double nominal_capacity = 0;   // C/kg (defines 1C)
  // Share of the active material that never cycles (isolated or blocked particles): the model's
  // active_fraction already excludes it, the mass that specific capacities are per includes it.
  double inactive_fraction = 0;
};

// The layers of the cell from x = 0 to x = L (docs/model.md sec. 6): an electrode, an optional
// film, the electrolyte membrane, an optional film, an electrode. The full cell is
// [li_metal, sei, qsse, cei, cathode]; the study's other cells are the symmetric Li|Li
// [li_metal, sei, qsse, sei, li_metal], the blocking SS|SS [blocking, qsse, blocking] and Li|Cu
// [li_metal, sei, qsse, copper].
enum class Electrode {
  li_metal,  // a Li foil: Butler-Volmer plating/stripping, a finite inventory
  copper,    // a bare collector Li plates onto: a Li electrode that starts with no Li
  blocking,  // stainless steel: no reaction, only its double layer charges
  cathode    // the porous intercalation cathode (right side only)
};
struct StackParams {
  Electrode left = Electrode::li_metal, right = Electrode::cathode;
  bool left_film = true, right_film = true;  // SEI on a Li/Cu electrode, CEI on the cathode
  double blocking_capacitance = 0;           // F/m2, double layer of a blocking electrode
  bool full_cell() const { return right == Electrode::cathode; }
};

struct MeshParams {
  int membrane = 10, cathode = 20, particle = 10;
};

struct CellParams {
  double area = 1e-4;               // m2
  double contact_resistance = 0;    // ohm m2
  double temperature = 298.15;      // K
  StackParams stack;
  AnodeParams anode;
  FilmParams sei, cei;
  SeiGrowthParams sei_growth;
  CeiGrowthParams cei_growth;
  DeadLiParams dead_li;
  ActiveLossParams active_loss;
  SolventParams solvent;
  ElectrolyteParams electrolyte;
  MembraneParams membrane;
  CathodeParams cathode;
  MeshParams mesh;

  // kg/m2 of cathode active material
  double active_mass() const {
    return cathode.active_fraction / (1.0 - cathode.inactive_fraction) * cathode.thickness * cathode.density;
  }
  // A/m2 that is 1C: active mass times the nominal specific capacity, in one hour (0 without a
  // cathode: such cells run at current densities)
  double one_c_current_density() const { return active_mass() * cathode.nominal_capacity / 3600.0; }
};

}  // namespace cascade
