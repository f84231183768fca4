// Li-metal foil with its SEI (docs/model.md, eqs. A1-A4). Rows owned here:
//   phi_e0 (A1): i_e0 = H(phi_e0, phi_e[0], c_e[0], i_e0), the electrolyte current of the
//                half cell between the foil surface and the first membrane node;
//   i_e0   (A2): i_e0 = i0_Li (c0/c_ref)^g [exp(aa f eta) - exp(-ac f eta)],
//                eta = phi_Li - phi_e0 - i_e0 L_SEI/kappa_SEI, phi_Li = 0;
//   L_Li   (A3): dL_Li/dt = -i_e0 V_m / F (stripping on discharge thins the foil);
//   L_SEI  (A4): dL_SEI/dt = 0 (growth arrives with the degradation sub-models).
#include <cmath>

#include "models/cell.hpp"
#include "solver/solver_error.hpp"

namespace cascade {

void Cell::anode_residual(const double* y, const double* yp, double* r) const {
  const FoilSurface s = foil_surface(y);
  const double i = y[i_i_e0()];
  const auto& a = p_.anode;
  const double R_sei = y[i_sei()] / p_.sei.conductivity;
  const double eta = -y[i_phi_e0()] - i * R_sei;
  const double i0 = i0_li_ * std::pow(s.c0 / a.c_ref, a.c_exponent);
  r[i_phi_e0()] = i - s.H;
  r[i_i_e0()] = i - i0 * (std::exp(a.alpha_a * f_ * eta) - std::exp(-a.alpha_c * f_ * eta));
  r[i_foil()] = yp[i_foil()] + i * a.molar_volume / faraday;
  r[i_sei()] = yp[i_sei()];
}

// Non-zeros: phi_e0 row: phi_e0, i_e0, c_e[0], phi_e[0]; i_e0 row: phi_e0, i_e0, L_SEI, c_e[0];
// L_Li row: L_Li, i_e0; L_SEI row: L_SEI.
void Cell::anode_jacobian(double cj, const double* y, solver::JacobianSink& jac) const {
  const FoilSurface s = foil_surface(y);
  const double i = y[i_i_e0()];
  const auto& a = p_.anode;
  const double R_sei = y[i_sei()] / p_.sei.conductivity;
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
  jac.add(ii, c0, -dBV_dc0 * s.dc0_dc);

  jac.add(i_foil(), i_foil(), cj);
  jac.add(i_foil(), ii, a.molar_volume / faraday);
  jac.add(i_sei(), i_sei(), cj);
}

}  // namespace cascade
