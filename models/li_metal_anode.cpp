// Planar electrodes: a Li-metal foil with its SEI, a copper collector Li plates onto, or a blocking
// (stainless steel) electrode (docs/model.md, eqs. A1-A5). Each owns a block of rows:
//   phi_e  (A1): i = H(phi_e, phi_e[e], c_e[e], i_F), the electrolyte current of the half cell
//                between the electrode's surface and the centre of its electrolyte cell e;
//   i      (A2): i = i_F + i_C, i_F = i0_Li (c0/c_ref)^g [exp(aa f eta) - exp(-ac f eta)] (0 for a
//                blocking electrode), i_C = C_dl d(eta)/dt, eta = phi_M - phi_sei; phi_M = 0 at
//                x = 0, V + I R_contact at x = L;
//   phi_sei (A5): phi_sei - phi_e = R (i - C_film d(phi_sei - phi_e)/dt), R = L_SEI/kappa_SEI
//                + R_dead, C_film = eps/L_SEI: the film's resistance and its own capacitance;
//   L_Li   (A3): dL_Li/dt = -V_m (i / F + j_SEI + j_dead) (stripping, SEI corrosion and
//                stranding thin the foil);
//   L_SEI  (A4, D1): dL_SEI/dt = V_SEI j_SEI, with the Li corroded into SEI
//                j_SEI = k(T) [phi_p max(-i, 0)/F + nu D_solv c_solv / L_SEI]  (mol Li/m2/s),
//                zero when SEI growth is off;
//   n_dead (D2): dn_dead/dt = j_dead = k(T) phi_d max(i, 0)/F, the Li stranded on stripping; its
//                porous layer adds R_dead = r_d n_dead in series with the SEI (r_d from the layer's
//                porosity and the electrolyte's conductivity).
// The capacitive currents (i_C, the film's) exist only when the cell is capacitive (impedance).
#include <cmath>

#include "models/cell.hpp"
#include "solver/solver_error.hpp"

namespace cascade {

int Cell::deta_columns(const Foil& f, int* col, double* coef) const {
  col[0] = f.base + 5;  // eta = phi_M - phi_sei
  coef[0] = -1.0;
  if (f.side == 0) return 1;
  col[1] = i_voltage();
  coef[1] = 1.0;
  col[2] = i_current();
  coef[2] = p_.contact_resistance;
  return 3;
}

Cell::FoilState Cell::foil_state(const Foil& f, const double* y, const double* yp) const {
  FoilState s;
  const int b = f.base;
  s.phi_M = f.side == 0 ? 0.0 : y[i_voltage()] + y[i_current()] * p_.contact_resistance;
  s.i = y[b + 1];
  s.eta = s.phi_M - y[b + 5];
  s.R = (f.film ? y[b + 3] / p_.sei.conductivity : 0.0) + dead_r_ * y[b + 4];
  s.i0 = f.kind == Electrode::blocking ? 0.0 : i0_li_;
  if (capacitive_) {
    s.C_dl = f.kind == Electrode::blocking ? p_.stack.blocking_capacitance : p_.sei.capacitance;
    s.C_f = f.film && y[b + 3] > 0 ? p_.sei.permittivity / y[b + 3] : 0.0;
    int col[3];
    double coef[3];
    const int n = deta_columns(f, col, coef);
    for (int k = 0; k < n; ++k) s.deta += coef[k] * yp[col[k]];
    s.i_C = s.C_dl * s.deta;
  }
  s.i_F = s.i - s.i_C;
  return s;
}

void Cell::foil_residual(const Foil& f, const double* y, const double* yp, double* r) const {
  const FoilState st = foil_state(f, y, yp);
  const FoilSurface s = foil_surface(f, y, st.i_F);
  const auto& a = p_.anode;
  const int b = f.base;
  r[b] = st.i - s.H;
  double bv = 0;
  if (f.kind != Electrode::blocking) {
    const double i0 = st.i0 * concentration_power(s.c0 / a.c_ref, a.c_exponent);
    const auto [ea, ec] = bv_exponentials(a.alpha_a, a.alpha_c, st.eta);
    bv = i0 * (ea - ec);
  }
  r[b + 1] = st.i - st.i_C - bv;
  const double dq = capacitive_ ? yp[b + 5] - yp[b] : 0.0;
  r[b + 5] = y[b + 5] - y[b] - st.R * (st.i - st.C_f * dq);
  if (f.kind == Electrode::blocking) {
    for (int k = 2; k <= 4; ++k) r[b + k] = yp[b + k];
    return;
  }
  const SeiRate g = f.film ? sei_rate(st.i, y[b + 3]) : SeiRate{};
  const double j_dead = dead_rate(st.i);
  r[b + 2] = yp[b + 2] + a.molar_volume * (st.i / faraday + g.j + j_dead);
  r[b + 3] = yp[b + 3] - p_.sei_growth.molar_volume * g.j;
  r[b + 4] = yp[b + 4] - j_dead;
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

// Non-zeros of electrode f's rows (b its base, e its electrolyte cell, eta's y' columns only when
// capacitive: phi_sei, and V, I at x = L):
//   phi_e row: phi_e, i, c_e[e], phi_e[e], eta's y' columns;
//   i row: phi_sei, i, c_e[e], V and I at x = L, eta's y' columns;
//   phi_sei row: phi_sei, phi_e, i, L_SEI, n_dead;
//   L_Li row: L_Li, i, L_SEI; L_SEI row: L_SEI, i; n_dead row: n_dead, i.
void Cell::foil_jacobian(const Foil& f, double cj, const double* y, const double* yp,
                         solver::JacobianSink& jac) const {
  const FoilState st = foil_state(f, y, yp);
  const FoilSurface s = foil_surface(f, y, st.i_F);
  const auto& a = p_.anode;
  const int b = f.base, ps = b, ii = b + 1, psei = b + 5;
  const int ce = i_c_e(f.node), pe = i_phi_e(f.node);
  int col[3];
  double coef[3];
  const int nd = capacitive_ ? deta_columns(f, col, coef) : 0;

  // A1: i - H(phi_e, phi_e[e], c_e[e], i_F), i_F = i - C_dl deta
  jac.add(ps, ps, -s.dH_p0);
  jac.add(ps, ii, 1.0 - s.dH_i);
  jac.add(ps, ce, -s.dH_c);
  jac.add(ps, pe, -s.dH_phi);
  for (int k = 0; k < nd; ++k) jac.add(ps, col[k], cj * s.dH_i * st.C_dl * coef[k]);

  // A2: i - C_dl deta - BV(eta, c0(c_e, i_F))
  double dBV_deta = 0, dBV_dc0 = 0;
  if (f.kind != Electrode::blocking) {
    const double i0 = st.i0 * concentration_power(s.c0 / a.c_ref, a.c_exponent);
    const auto [ea, ec] = bv_exponentials(a.alpha_a, a.alpha_c, st.eta);
    dBV_deta = i0 * f_ * (a.alpha_a * ea + a.alpha_c * ec);
    dBV_dc0 = a.c_exponent * i0 * (ea - ec) / s.c0;
  }
  jac.add(ii, ii, 1.0 - dBV_dc0 * s.dc0_di);
  jac.add(ii, ce, -dBV_dc0 * s.dc0_dc);
  jac.add(ii, psei, dBV_deta);
  if (f.side == 1) {
    jac.add(ii, i_voltage(), -dBV_deta);
    jac.add(ii, i_current(), -dBV_deta * p_.contact_resistance);
  }
  for (int k = 0; k < nd; ++k) {
    jac.add(ii, col[k], -cj * st.C_dl * coef[k] * (1.0 - dBV_dc0 * s.dc0_di));
  }

  // A5: phi_sei - phi_e - R (i - C_f dq), dq = d(phi_sei - phi_e)/dt
  const double dq = capacitive_ ? yp[psei] - yp[ps] : 0.0;
  const double cur = st.i - st.C_f * dq;  // ionic current through the film
  jac.add(psei, psei, 1.0 + cj * st.R * st.C_f);
  jac.add(psei, ps, -1.0 - cj * st.R * st.C_f);
  jac.add(psei, ii, -st.R);
  if (f.film) {
    const double L = y[b + 3];
    const double dCf_dL = st.C_f > 0 ? -st.C_f / L : 0.0;
    jac.add(psei, b + 3, -(cur / p_.sei.conductivity - st.R * dCf_dL * dq));
  }
  jac.add(psei, b + 4, -dead_r_ * cur);

  // A3, A4, D2
  jac.add(b + 2, b + 2, cj);
  jac.add(b + 3, b + 3, cj);
  jac.add(b + 4, b + 4, cj);
  if (f.kind == Electrode::blocking) return;
  const SeiRate g = f.film ? sei_rate(st.i, y[b + 3]) : SeiRate{};
  const double v_sei = p_.sei_growth.molar_volume;
  const double dj_dead =
      p_.dead_li.enabled && st.i > 0 ? dead_k_ * p_.dead_li.fraction / faraday : 0.0;
  jac.add(b + 2, ii, a.molar_volume * (1.0 / faraday + g.dj_di + dj_dead));
  jac.add(b + 2, b + 3, a.molar_volume * g.dj_dL);
  jac.add(b + 3, b + 3, -v_sei * g.dj_dL);
  jac.add(b + 3, ii, -v_sei * g.dj_di);
  jac.add(b + 4, ii, -dj_dead);
}

}  // namespace cascade
