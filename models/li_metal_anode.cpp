// Li-metal foil with its SEI (docs/model.md, eqs. A1-A4). Rows owned here:
//   phi_e0 (A1): i_e0 = H(phi_e0, phi_e[0], c_e[0], i_e0), the electrolyte current of the
//                half cell between the foil surface and the first membrane node;
//   i_e0   (A2): i_e0 = i0_Li (c0/c_ref)^g [exp(aa f eta) - exp(-ac f eta)],
//                eta = phi_Li - phi_e0 - i_e0 L_SEI/kappa_SEI, phi_Li = 0;
//   L_Li   (A3): dL_Li/dt = -V_m (i_e0 / F + j_SEI + j_dead) (stripping, SEI corrosion and
//                stranding thin the foil);
//   L_SEI  (A4, D1): dL_SEI/dt = V_SEI j_SEI, with the Li corroded into SEI
//                j_SEI = k(T) [phi_p max(-i_e0, 0)/F + nu D_solv c_solv / L_SEI]  (mol Li/m2/s),
//                zero when SEI growth is off;
//   n_dead (D2): dn_dead/dt = j_dead = k(T) phi_d max(i_e0, 0)/F, the Li stranded on stripping; its
//                porous layer adds R_dead = r_d n_dead in series with the SEI (r_d from the layer's
//                porosity and the electrolyte's conductivity).
#include <cmath>

#include "models/cell.hpp"
#include "solver/solver_error.hpp"

namespace cascade {

void Cell::anode_residual(const double* y, const double* yp, double* r) const {
  const FoilSurface s = foil_surface(y);
  const double i = y[i_i_e0()];
  const auto& a = p_.anode;
  const double R_sei = y[i_sei()] / p_.sei.conductivity + dead_r_ * y[i_dead()];
  const double eta = -y[i_phi_e0()] - i * R_sei;
  const double i0 = i0_li_ * std::pow(s.c0 / a.c_ref, a.c_exponent);
  r[i_phi_e0()] = i - s.H;
  r[i_i_e0()] = i - i0 * (std::exp(a.alpha_a * f_ * eta) - std::exp(-a.alpha_c * f_ * eta));
  const SeiRate g = sei_rate(i, y[i_sei()]);
  const double j_dead = dead_rate(i);
  r[i_foil()] = yp[i_foil()] + a.molar_volume * (i / faraday + g.j + j_dead);
  r[i_sei()] = yp[i_sei()] - p_.sei_growth.molar_volume * g.j;
  r[i_dead()] = yp[i_dead()] - j_dead;
}

double Cell::dead_rate(double i_e0) const {
  const auto& d = p_.dead_li;
  if (!d.enabled || i_e0 <= 0) return 0.0;
  return dead_k_ * d.fraction * i_e0 / faraday;
}

Cell::SeiRate Cell::sei_rate(double i_e0, double L_sei) const {
  SeiRate g;
  const auto& s = p_.sei_growth;
  if (!s.enabled) return g;
  // plating (i_e0 < 0) exposes fresh Li; the kink at i = 0 is where plating starts
  if (i_e0 < 0) {
    g.j += sei_k_ * s.plating_fraction * (-i_e0) / faraday;
    g.dj_di = -sei_k_ * s.plating_fraction / faraday;
  }
  const double L = std::max(L_sei, 1e-10);  // a bare foil grows a first nanometre at once
  const double flux = sei_k_ * s.li_per_solvent * s.solvent_diffusivity * s.solvent_concentration;
  g.j += flux / L;
  g.dj_dL = L_sei > 1e-10 ? -flux / (L * L) : 0.0;
  return g;
}

// Non-zeros: phi_e0 row: phi_e0, i_e0, c_e[0], phi_e[0]; i_e0 row: phi_e0, i_e0, L_SEI, c_e[0];
// L_Li row: L_Li, i_e0, L_SEI; L_SEI row: L_SEI, i_e0; n_dead row: n_dead, i_e0; the i_e0 row
// also depends on n_dead (the dead layer's resistance).
void Cell::anode_jacobian(double cj, const double* y, solver::JacobianSink& jac) const {
  const FoilSurface s = foil_surface(y);
  const double i = y[i_i_e0()];
  const auto& a = p_.anode;
  const double R_sei = y[i_sei()] / p_.sei.conductivity + dead_r_ * y[i_dead()];
  const double eta = -y[i_phi_e0()] - i * R_sei;
  const double i0 = i0_li_ * std::pow(s.c0 / a.c_ref, a.c_exponent);
  const double ea = std::exp(a.alpha_a * f_ * eta), ec = std::exp(-a.alpha_c * f_ * eta);
  const double S = ea - ec;
  const double dS = f_ * (a.alpha_a * ea + a.alpha_c * ec);
  const double dBV_dc0 = a.c_exponent * i0 * S / s.c0;
  const int p0 = i_phi_e0(), ii = i_i_e0(), c0 = i_c_e(0), ph0 = i_phi_e(0);

  jac.add(p0, p0, -s.dH_p0);
  jac.add(p0, ii, 1.0 - s.dH_i);
  jac.add(p0, c0, -s.dH_c);
  jac.add(p0, ph0, -s.dH_phi);

  jac.add(ii, p0, i0 * dS);
  jac.add(ii, ii, 1.0 + i0 * dS * R_sei - dBV_dc0 * s.dc0_di);
  jac.add(ii, i_sei(), i0 * dS * i / p_.sei.conductivity);
  jac.add(ii, i_dead(), i0 * dS * i * dead_r_);
  jac.add(ii, c0, -dBV_dc0 * s.dc0_dc);

  const SeiRate g = sei_rate(i, y[i_sei()]);
  const double v_sei = p_.sei_growth.molar_volume;
  jac.add(i_foil(), i_foil(), cj);
  const double dj_dead = p_.dead_li.enabled && i > 0 ? dead_k_ * p_.dead_li.fraction / faraday : 0.0;
  jac.add(i_foil(), ii, a.molar_volume * (1.0 / faraday + g.dj_di + dj_dead));
  jac.add(i_foil(), i_sei(), a.molar_volume * g.dj_dL);
  jac.add(i_sei(), i_sei(), cj - v_sei * g.dj_dL);
  jac.add(i_sei(), ii, -v_sei * g.dj_di);
  jac.add(i_dead(), i_dead(), cj);
  jac.add(i_dead(), ii, -dj_dead);
}

}  // namespace cascade
