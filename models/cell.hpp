#pragma once
// The pseudo-2D cell: Li foil | SEI | membrane | CEI | porous cathode, as one index-1 DAE
// (docs/model.md), or another stack of the same layers (a planar electrode, Li, copper or blocking,
// in place of the cathode: Li|Li, Li|Cu, SS|SS; docs/model.md sec. 6). Sub-models own their rows:
//   li_metal_anode.cpp  each planar electrode: the electrolyte potential at its surface, its
//                       current, Li inventory, SEI thickness, dead Li, the potential under its
//                       SEI                                                        (eqs. A1-A5)
//   electrolyte.cpp     salt balance and charge balance in every electrolyte cell  (eqs. E1-E2)
//   cathode.cpp         solid potential, reaction current (with CEI), CEI thickness,
//                       particle shells                                            (eqs. C1-C4)
//   cell.cpp            collector: control equation, terminal voltage, capacity    (eqs. K1-K3)
//   double_layer.cpp    the cathode's double-layer charging current (impedance only)
// State layout, along x, each cathode node's particle shells beside it (banded Jacobian):
//   [phi_e0, i_e0, L_Li, L_SEI, n_dead, phi_sei]  [c_e, phi_e] x membrane
//   [c_e, phi_e, phi_s, i_n, L_CEI, c_s...] x cathode  (or a second electrode block)  [I, V, Q, E]
#include <cmath>
#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "solver/dae.hpp"

namespace cascade {

constexpr double faraday = 96485.33212;  // C/mol
constexpr double inv_faraday = 1.0 / faraday;  // residuals multiply by it rather than divide

// An exchange current's concentration factor x^a: the common a = 1/2 as a square root (a
// fraction of pow's cost).
inline double concentration_power(double x, double a) {
  return a == 0.5 ? std::sqrt(x) : std::pow(x, a);
}

struct Control {
  enum class Mode { current, voltage, power, rest } mode = Mode::rest;
  double value = 0;  // A/m2 (discharge > 0), V, or W/m2 (discharge > 0)
  // current mode only: a sinusoid on top, value + amplitude sin(2 pi frequency (t - t0)) (A/m2,
  // Hz, s), the time-domain counterpart of an impedance measurement
  double amplitude = 0, frequency = 0, t0 = 0;
};

struct Event {
  enum class Kind {
    voltage_below,
    voltage_above,
    current_below,
    foil_depleted,
    charge_passed,
    stoichiometry_above,  // some particle surface rises to `value` (the OCP's valid range ends)
    stoichiometry_below,  // some particle surface falls to `value`
    salt_depleted         // the salt somewhere in the electrolyte falls to `value` (mol/m3)
  } kind;
  double value = 0;   // V, A/m2 (magnitude), m of foil left, C/m2 passed since `start`, or c_s/c_max
  double start = 0;   // charge_passed: Q at the start of the step, C/m2
};

// The terminal voltage split into the cascade of layers it crosses; the terms add up to voltage_V.
struct VoltageBreakdown {
  double ocv = 0;                // reaction-weighted OCP at the particle surfaces
  double eta_cathode = 0;        // reaction-weighted cathode overpotential
  double cei_ohmic = 0;          // reaction-weighted i_n R_CEI
  double electrolyte_ohmic = 0;  // ionic drop, foil to reaction sites
  double electrolyte_concentration = 0;  // diffusion potential, foil to reaction sites
  double sei_ohmic = 0;          // -I (R_SEI + R_dead Li layer)
  double eta_anode = 0;          // -eta_Li
  double solid_ohmic = 0;        // cathode matrix drop, reaction sites to collector
  double contact_ohmic = 0;      // -I R_contact
  double sum() const {
    return ocv + eta_cathode + cei_ohmic + electrolyte_ohmic + electrolyte_concentration +
           sei_ohmic + eta_anode + solid_ohmic + contact_ohmic;
  }
};

struct CellOutputs {
  double voltage = 0;   // V
  double current = 0;   // A/m2, discharge > 0
  double charge = 0;    // C/m2 passed since the start (discharge > 0)
  double energy = 0;    // J/m2 delivered since the start (discharge > 0)
  VoltageBreakdown breakdown;
  double sto_avg = 0;       // electrode-average cathode stoichiometry
  double sto_surf_avg = 0;  // volume-average surface stoichiometry
  double sto_surf_max = 0;  // highest surface stoichiometry of any node
  double c_e_foil = 0;      // mol/m3, salt at the Li foil surface
  double c_e_min = 0, c_e_max = 0;  // mol/m3
  double foil_thickness = 0;        // m
  double sei_thickness = 0;         // m
  double cei_thickness = 0;         // m, average
};

class Cell : public solver::DaeSystem {
 public:
  explicit Cell(CellParams p);

  const CellParams& params() const { return p_; }
  double temperature() const { return T_; }
  void set_temperature(double T);  // binds every material function and rate at T
  void set_control(Control c) { control_ = c; }
  const Control& control() const { return control_; }
  void set_events(std::vector<Event> events) { events_ = std::move(events); }
  const std::vector<Event>& events() const { return events_; }

  // Rest at the initial stoichiometry and salt concentration (consistent at I = 0).
  void initial_state(std::vector<double>& y, std::vector<double>& yp) const;
  // Overwrites the algebraic variables of y with an estimate of their values under a current I
  // (A/m2, discharge > 0): Tafel-like kinetics and ohmic profiles, so that the consistent
  // initialisation after a change of control starts close to its answer.
  void guess_algebraic(std::vector<double>& y, double I) const;
  // The lowest and highest c_s/c_max at any particle surface ({1, 0} without a cathode).
  std::pair<double, double> surface_stoichiometry_range(const double* y) const;
  // Typical magnitude of each variable, for absolute tolerances.
  std::vector<double> typical_scale() const;

  // DaeSystem
  int size() const override { return n_; }
  int lower_bandwidth() const override { return ml_; }
  int upper_bandwidth() const override { return mu_; }
  void differential_ids(double* id) const override;
  // The terminal current and voltage: the voltage and current stop conditions read them between
  // steps (IDA's interpolant), so they keep their error control under AlgebraicErrorTest::selected.
  std::vector<int> error_tested_algebraic() const override { return {i_current(), i_voltage()}; }
  void residual(double t, const double* y, const double* yp, double* r) override;
  void jacobian(double t, double cj, const double* y, const double* yp,
                solver::JacobianSink& jac) override;
  std::vector<std::pair<int, int>> sparsity() const override { return pattern_; }
  int num_roots() const override { return static_cast<int>(events_.size()); }
  void roots(double t, const double* y, const double* yp, double* g) override;
  std::string describe(int index) const override;

  // Impedance: switches the interfaces' capacitive currents on (double layers, SEI film) so that
  // the mass matrix dF/dy' holds them. Time-domain runs keep it off: the capacitive currents
  // of a few F/m2 settle in milliseconds and would only cost steps (docs/model.md sec. 7).
  void set_capacitive(bool on) { capacitive_ = on; }
  bool capacitive() const { return capacitive_; }
  const StackParams& stack() const { return p_.stack; }

  CellOutputs outputs(const double* y) const;
  // Lithium inventories, mol per m2 of cell: in the cathode particles, in the electrolyte, in the
  // foil (both foils of a Li|Li or Li|Cu cell).
  double particle_lithium(const double* y) const;
  double electrolyte_lithium(const double* y) const;
  double foil_lithium(const double* y) const;
  // mol/m2 of Li corroded into SEI since the start (the growth of L_SEI over V_SEI)
  double sei_lithium(const double* y) const;
  // mol/m2 of Li stranded as dead Li on the foil
  double dead_lithium(const double* y) const;
  // Slow, cycle-level changes (eqs. D4, D5): the active material left, as a fraction of the
  // initial, and the factor on the electrolyte's conductivity and diffusivity.
  void set_active_material_fraction(double fraction);
  double active_material_fraction() const { return am_fraction_; }
  void set_transport_factor(double factor);
  double transport_factor() const { return transport_factor_; }
  // The state entries that change slowly over many cycles (foil, SEI, dead Li, CEI per node):
  // what fast-forward extrapolates.
  std::vector<int> slow_indices() const {
    std::vector<int> v;
    for (const Foil& f : foils_) v.insert(v.end(), {f.base + 2, f.base + 3, f.base + 4});
    for (int q = 0; q < n_particles(); ++q) v.push_back(i_cei(q));
    return v;
  }
  // mol/m2 of solvent consumed by the films grown between states y0 and y (SEI and CEI)
  double solvent_consumed(const double* y0, const double* y) const;
  // ohm m2 of the porous dead-Li layer per mol/m2 of dead Li (its electrolyte-filled pores)
  double dead_resistance_per_mol() const { return dead_r_; }

  // Layout
  int n_membrane() const { return nm_; }
  int n_cathode() const { return nc_; }
  int n_shells() const { return nr_; }
  int n_electrolyte() const { return nm_ + nc_; }
  int i_phi_e0() const { return 0; }
  int i_i_e0() const { return 1; }
  int i_foil() const { return 2; }
  int i_sei() const { return 3; }
  int i_dead() const { return 4; }  // mol/m2 of dead (stranded) Li on the foil
  int i_phi_sei() const { return 5; }  // electrolyte potential under the SEI, at the Li surface
  static constexpr int foil_block = 6;
  // A planar electrode (Li foil, copper, blocking) at x = 0 (side 0) or x = L (side 1), with its
  // block of foil_block variables from `base` and the electrolyte cell `node` beside it.
  struct Foil {
    int base = 0, node = 0, side = 0;
    Electrode kind = Electrode::li_metal;
    bool film = true;  // covered by an SEI
  };
  const std::vector<Foil>& foils() const { return foils_; }
  // The electrode whose Li runs out first (the foil_depleted event's): the one with the least Li
  // among those that hold some or are being stripped.
  const Foil& thinnest_foil(const double* y) const;
  bool full_cell() const { return p_.stack.full_cell(); }
  int i_c_e(int e) const { return e < nm_ ? foil_block + 2 * e : cathode_base(e - nm_); }
  int i_phi_e(int e) const { return i_c_e(e) + 1; }
  int i_phi_s(int j) const { return cathode_base(j) + 2; }
  // Particles: q = j K + k is size class k of cathode node j (K = 1: q = j), each with its
  // reaction current, CEI and shells beside its node's c_e, phi_e, phi_s.
  int n_classes() const { return nk_; }
  int n_particles() const { return nc_ * nk_; }
  int node_of(int q) const { return q / nk_; }
  int class_of(int q) const { return q % nk_; }
  int i_i_n(int q) const { return particle_base(q); }
  int i_cei(int q) const { return particle_base(q) + 1; }
  int i_c_s(int q, int r) const { return particle_base(q) + 2 + r; }
  int i_current() const { return n_ - 4; }
  int i_voltage() const { return n_ - 3; }
  int i_charge() const { return n_ - 2; }
  int i_energy() const { return n_ - 1; }

  // Geometry (m): electrolyte cell widths and the x of cell centres.
  double dx(int e) const { return dx_[e]; }
  double x_center(int e) const;

 private:
  // the first guess of guess_algebraic for a cathode with size classes
  double class_reaction(const std::vector<double>& y, int q, double delta, double& di_ddelta) const;
  double split_reaction(std::vector<double>& y, int j, double demand) const;
  int cathode_base(int j) const { return foil_block + 2 * nm_ + block_ * j; }
  int particle_base(int q) const { return cathode_base(q / nk_) + 3 + (q % nk_) * (2 + nr_); }

  // Material properties of each electrolyte cell at the current state (filled per call).
  struct ElectrolyteCell {
    double c, lnc, k, dk, D, dD, tp, dtp, tf, dtf;
    // kappa and D times the cell's transport efficiency, t+ and TF as they are
    void set(double eff, ValueSlope kv, ValueSlope dv, ValueSlope tv, ValueSlope fv) {
      set_conductivity(eff, kv);
      set_diffusivity(eff, dv);
      set_transference(tv);
      set_thermodynamic_factor(fv);
    }
    void set_conductivity(double eff, ValueSlope kv) {
      k = eff * kv.v;
      dk = eff * kv.dv;
    }
    void set_diffusivity(double eff, ValueSlope dv) {
      D = eff * dv.v;
      dD = eff * dv.dv;
    }
    void set_transference(ValueSlope tv) {
      tp = tv.v;
      dtp = tv.dv;
    }
    void set_thermodynamic_factor(ValueSlope fv) {
      tf = fv.v;
      dtf = fv.dv;
    }
  };
  // Which of kappa, D, t+ and TF depend on c_e (bind_constant_transport)
  struct VaryingTransport {
    bool kappa = true, diffusivity = true, tplus = true, tfac = true;
    bool none() const { return !(kappa || diffusivity || tplus || tfac); }
  };
  VaryingTransport varying_;
  void electrolyte_properties(const double* y) const;
  // Face fluxes between electrolyte cells e-1 and e: current i (A/m2), Li+ flux N (mol/m2/s),
  // and their partials in (c_L, c_R, phi_L, phi_R).
  struct Face {
    double i, di_cL, di_cR, di_pL, di_pR;
    double N, dN_cL, dN_cR, dN_pL, dN_pR;
    double ohmic_drop, conc_drop;  // phi_R - phi_L = ohmic_drop + conc_drop
  };
  Face face(int e, const double* y) const;
  // The same face's i and N alone, as face() rounds them: what the residual needs.
  struct FaceFlux {
    double i, N;
  };
  FaceFlux face_flux(int e, const double* y) const;
  struct FoilSurface {  // the foil-side half cell
    double c0, dc0_dc, dc0_di;  // surface concentration and its partials (cell-0 c_e, i_e0)
    double H, dH_p0, dH_phi, dH_c, dH_i;  // half-cell current from p0 to cell 0 centre
    double ohmic_drop, conc_drop;
  };
  // The half cell between electrode f's surface and the centre of its electrolyte cell, carrying
  // the faradaic current i_F (the salt gradient follows it; the double layer's charge comes from
  // both ions in the proportion they carry the current, so charging it drives none).
  FoilSurface foil_surface(const Foil& f, const double* y, double i_F) const;
  struct FoilState {
    double phi_M = 0;   // V, the metal: 0 at x = 0, V + I R_contact at x = L
    double i = 0;       // A/m2 from the electrode into the electrolyte (stripping > 0)
    double eta = 0;     // V, phi_M - phi_sei
    double deta = 0;    // V/s, its rate (capacitive only)
    double C_dl = 0;    // F/m2 of the double layer under the film (capacitive only, else 0)
    double C_f = 0;     // F/m2 of the film (capacitive only, else 0)
    double R = 0;       // ohm m2, film plus dead-Li layer
    double i_C = 0;     // A/m2 charging the double layer
    double i_F = 0;     // A/m2 faradaic
    double i0 = 0;      // A/m2 exchange current at x (0 for a blocking electrode)
  };
  FoilState foil_state(const Foil& f, const double* y, const double* yp) const;
  // the entries d(eta)/dy' of electrode f (column, coefficient): at most three
  int deta_columns(const Foil& f, int* col, double* coef) const;
  void foil_residual(const Foil& f, const double* y, const double* yp, double* r) const;
  void foil_jacobian(const Foil& f, double cj, const double* y, const double* yp,
                     solver::JacobianSink& jac) const;
  void cathode_double_layer_residual(const double* yp, double* r) const;
  void cathode_double_layer_jacobian(double cj, const double* yp, solver::JacobianSink& jac) const;
  struct Kinetics {  // one cathode node
    double c_surf, sto_surf, U, eta, i0, S, dS;
    double di0_dcs, di0_dce;
    double dcs_dcN, dcs_din;
  };
  Kinetics cathode_kinetics(int q, const double* y) const;
  // cathode_kinetics with its partials (slopes = true) or only the values the residual uses
  // (c_surf, sto_surf, U, eta, i0; not S, which bv_sums gives it for all particles at once),
  // rounded the same either way.
  template <bool slopes>
  Kinetics kinetics(int q, const double* y) const;
  struct SeiRate {  // Li corroded into SEI, mol/m2/s, and its derivatives
    double j = 0, dj_di = 0, dj_dL = 0;
  };
  SeiRate sei_rate(double i_e0, double L_sei) const;
  double dead_rate(double i_e0) const;  // mol/m2/s of Li stranded
  struct CeiRate {  // solvent oxidised into CEI, mol/m2/s of particle surface, and derivatives
    double j = 0, dj_dE = 0, dj_dL = 0;
  };
  CeiRate cei_rate(double E, double L_cei) const;  // E = phi_s - phi_e, V
  // c_s/c_max at the particle surface of cathode node j (as in the kinetics, without checks).
  double surface_stoichiometry(int q, const double* y) const;

  void electrolyte_residual(const double* y, const double* yp, double* r) const;
  void electrolyte_jacobian(double cj, const double* y, const double* yp, solver::JacobianSink& jac) const;
  void cathode_residual(const double* y, const double* yp, double* r) const;
  void cathode_jacobian(double cj, const double* y, solver::JacobianSink& jac) const;
  void collector_residual(double t, const double* y, const double* yp, double* r) const;
  void collector_jacobian(double cj, const double* y, solver::JacobianSink& jac) const;
  void check_state(double t, const double* y) const;

  CellParams p_;
  double T_ = 298.15;
  double f_ = 0;           // F/(R T)
  double two_over_f_ = 0;  // 2/f_, the diffusion potential's factor
  Control control_;
  std::vector<Event> events_;

  int nm_ = 0, nc_ = 0, nr_ = 0, nk_ = 1, block_ = 0, n_ = 0, ml_ = 0, mu_ = 0;
  std::vector<Foil> foils_;  // the planar electrodes: x = 0, and x = L when there is no cathode
  bool capacitive_ = false;
  std::vector<double> dx_, eps_, eff_, a_;  // per electrolyte cell (a_: all size classes)
  double dx_c_ = 0;                          // cathode cell width
  // Per size class k: its particle surface per electrode volume (1/m), and its shells: outer face
  // radii^2, volumes/4pi, centre spacing, the distance from the outer shell's centre to the
  // surface, R^3/3, and the share of the active volume.
  std::vector<double> ap_;
  std::vector<std::vector<double>> shell_area_, shell_volume_;
  std::vector<double> shell_half_outer_, particle_volume_, class_fraction_;
  // The same shells as residuals use them, so that they multiply instead of dividing (two
  // divisions a shell were a tenth of a residual): each shell's 1/volume, each interior face's
  // area/spacing and, when D_s is constant, its conductance D_s area/spacing (set with the
  // temperature).
  std::vector<std::vector<double>> shell_inv_volume_, shell_area_per_dist_, shell_conductance_;

  // Bound at the temperature
  Fn1DPtr kappa_, diff_, tplus_, tfac_, ocp_, dudt_, ds_, i0_fn_;
  bool ds_constant_ = false;
  ValueSlope ds_value_{0.0, 0.0};   // D_s when it is constant
  bool dudt_constant_ = false;      // dU/dT independent of the stoichiometry (often 0)
  ValueSlope dudt_value_{0.0, 0.0};
  // Electrolyte properties independent of c_e (at this temperature and transport factor; see
  // varying_): each cell's are filled once when bound, with zero slopes. When all four are, so are
  // each interior face's conductances, mean t+ and diffusion-potential factor, and a residual only
  // takes the logarithm of each c_e.
  struct FaceConstants {
    double G, Dg, tp, beta;
  };
  std::vector<FaceConstants> face_constants_;
  FaceConstants face_coefficients(int e) const;
  void bind_constant_transport();
  double i0_li_ = 0, k_c_ = 0;  // A/m2, and F k at T
  double sei_k_ = 1;            // Arrhenius factor of SEI growth at T
  double cei_k_ = 1;            // Arrhenius factor of CEI growth at T
  double dead_k_ = 1;           // Arrhenius factor of dead-Li formation at T
  double dead_r_ = 0;           // ohm m2 per mol/m2 of dead Li, at T
  double am_fraction_ = 1;      // active material left / initial
  double transport_factor_ = 1; // on kappa and D (solvent depletion)
  void bind_transport();

  std::vector<std::pair<int, int>> pattern_;
  mutable std::vector<ElectrolyteCell> ec_;
  mutable std::vector<Face> faces_;
  mutable std::vector<double> ds_shell_, dds_shell_;
  // The residual's per-particle overpotentials, exchange currents and Butler-Volmer sums
  mutable std::vector<double> kin_eta_, kin_i0_, kin_s_, bv_scratch_;
  mutable std::vector<double> ce_scratch_, lnc_scratch_;  // each cell's c_e and ln c_e
  // S = exp(alpha_a f eta) - exp(-alpha_c f eta) of n overpotentials, by exp_n
  void bv_sums(const double* eta, double* S, int n) const;
  // The two exponentials of one Butler-Volmer term, exp(alpha_a f eta) and exp(-alpha_c f eta);
  // symmetric transfer coefficients (the common case) need one exponential, not two.
  struct BvExponentials {
    double ea, ec;
  };
  BvExponentials bv_exponentials(double alpha_a, double alpha_c, double eta) const {
    const double ea = std::exp(alpha_a * f_ * eta);
    return {ea, alpha_a == alpha_c ? 1.0 / ea : std::exp(-alpha_c * f_ * eta)};
  }
};

}  // namespace cascade
