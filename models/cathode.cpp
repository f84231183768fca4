// The porous cathode: solid conduction, Butler-Volmer kinetics through the CEI, and spherical
// particles (docs/model.md, eqs. C1-C4, C6). Rows owned here, for every cathode node j and each
// of its particle size classes (a particle q, eq. C6; one class unless the cathode has a size
// spread):
//   phi_s (C1): i_s[j+1/2] - i_s[j-1/2] + a dx i_n = 0, i_s = -sigma_eff dphi_s/dx,
//               i_s = 0 at the membrane, i_s = I at the collector;
//   i_n   (C2): i_n = i0 [exp(aa f eta) - exp(-ac f eta)],
//               i0 = F k sqrt(c_e c_s (c_max - c_s)), eta = phi_s - phi_e - U(c_s/c_max) - i_n R_CEI;
//   L_CEI (C3, D3): dL_CEI/dt = V_CEI j_CEI, j_CEI = 1/(1/k_ox(E) + L_CEI/(D_ox c_ox)),
//               k_ox = k0(T) exp(alpha_ox F (E - E_ox)/RT), E = phi_s - phi_e (0 when off);
//   c_s   (C4): V_i dc_i/dt = A_i F_i - A_{i+1} F_{i+1}, F = -D_s dc/dr, F = i_n/F at r = R,
//               with the surface concentration c_s = c_N - (i_n/F) (dr/2) / D_s(c_N).
#include <algorithm>
#include <cmath>
#include <utility>

#include "models/cell.hpp"
#include "models/vector_math.hpp"
#include "solver/solver_error.hpp"

namespace cascade {

Cell::CeiRate Cell::cei_rate(double E, double L_cei) const {
  CeiRate g;
  const auto& c = p_.cei_growth;
  if (!c.enabled) return g;
  const double transport = cei_k_ * c.solvent_diffusivity * c.solvent_concentration;  // mol/m/s
  const double a = c.alpha * f_;
  const double kin = cei_k_ * c.rate_constant * std::exp(std::min(a * (E - c.onset_potential), 200.0));
  if (!(kin > 0) || !(transport > 0)) return g;
  const double L = std::max(L_cei, 0.0);
  // kinetics and transport through the layer in series
  g.j = 1.0 / (1.0 / kin + L / transport);
  g.dj_dE = g.j * g.j / kin * a;
  g.dj_dL = L_cei > 0 ? -g.j * g.j / transport : 0.0;
  return g;
}

double Cell::surface_stoichiometry(int q, const double* y) const {
  const auto& k = p_.cathode;
  const double cN = y[i_c_s(q, nr_ - 1)];
  const double D = ds_constant_ ? ds_value_.v : ds_->value(cN / k.c_max);
  return (cN - y[i_i_n(q)] * shell_half_outer_[class_of(q)] / (faraday * D)) / k.c_max;
}

std::pair<double, double> Cell::surface_stoichiometry_range(const double* y) const {
  double lo = 1.0, hi = 0.0;
  for (int q = 0; q < n_particles(); ++q) {
    const double s = surface_stoichiometry(q, y);
    lo = std::min(lo, s);
    hi = std::max(hi, s);
  }
  return {lo, hi};
}

Cell::Kinetics Cell::cathode_kinetics(int q, const double* y) const {
  return kinetics<true>(q, y);
}

template <bool slopes>
Cell::Kinetics Cell::kinetics(int q, const double* y) const {
  const auto& k = p_.cathode;
  Kinetics K{};
  const int j = node_of(q);
  const double h = shell_half_outer_[class_of(q)];
  const double cN = y[i_c_s(q, nr_ - 1)];
  // the residual takes values alone (value() rounds as eval().v does)
  const auto at = [](const Fn1D& fn, double x) {
    if constexpr (slopes) {
      return fn.eval(x);
    } else {
      return ValueSlope{fn.value(x), 0.0};
    }
  };
  // constant functions are read, not called
  const ValueSlope D = ds_constant_ ? ds_value_ : at(*ds_, cN / k.c_max);
  const double i_n = y[i_i_n(q)];
  K.c_surf = cN - i_n * h / (faraday * D.v);
  if constexpr (slopes) {
    K.dcs_dcN = 1.0 + i_n * h * D.dv / (k.c_max * faraday * D.v * D.v);
    K.dcs_din = -h / (faraday * D.v);
  }
  if (!(K.c_surf > 0.0 && K.c_surf < k.c_max)) {
    throw solver::RecoverableError(
        "particle surface concentration outside (0, c_max) at the surface of " + describe(i_c_s(q, nr_ - 1)));
  }
  K.sto_surf = K.c_surf / k.c_max;
  const ValueSlope U = at(*ocp_, K.sto_surf);
  const ValueSlope dUdT = dudt_constant_ ? dudt_value_ : at(*dudt_, K.sto_surf);
  K.U = U.v + (T_ - k.ocp_T_ref) * dUdT.v;
  const double R_cei = y[i_cei(q)] / p_.cei.conductivity;
  K.eta = y[i_phi_s(j)] - y[i_phi_e(nm_ + j)] - K.U - i_n * R_cei;
  const double ce = y[i_c_e(nm_ + j)];
  if (k.has_exchange_current) {
    // i0 = i0(sto) (c_e/c_ref)^g
    const ValueSlope f = at(*i0_fn_, K.sto_surf);
    const double cf = concentration_power(ce / k.i0_c_ref, k.i0_c_exponent);
    K.i0 = f.v * cf;
    if constexpr (slopes) {
      K.di0_dcs = f.dv * cf / k.c_max;
      K.di0_dce = k.i0_c_exponent * K.i0 / ce;
    }
  } else {
    // Newman form, i0 = F k sqrt(c_e c_s (c_max - c_s))
    K.i0 = k_c_ * std::sqrt(ce * K.c_surf * (k.c_max - K.c_surf));
    if constexpr (slopes) {
      K.di0_dcs = K.i0 * 0.5 * (1.0 / K.c_surf - 1.0 / (k.c_max - K.c_surf));
      K.di0_dce = K.i0 * 0.5 / ce;
    }
  }
  // (the residual takes the exponentials of all its particles at once: bv_sums)
  if constexpr (slopes) {
    const auto [ea, ec] = bv_exponentials(k.alpha_a, k.alpha_c, K.eta);
    K.S = ea - ec;
    K.dS = f_ * (k.alpha_a * ea + k.alpha_c * ec);
  }
  return K;
}

void Cell::bv_sums(const double* eta, double* S, int n) const {
  // S = exp(alpha_a f eta) - exp(-alpha_c f eta); symmetric transfer coefficients (the common
  // case) need one exponential, not two
  const auto& k = p_.cathode;
  for (int q = 0; q < n; ++q) S[q] = k.alpha_a * f_ * eta[q];
  exp_n(S, S, n);
  if (k.alpha_a == k.alpha_c) {
    for (int q = 0; q < n; ++q) S[q] -= 1.0 / S[q];
    return;
  }
  std::vector<double>& ec = bv_scratch_;
  for (int q = 0; q < n; ++q) ec[q] = -k.alpha_c * f_ * eta[q];
  exp_n(ec.data(), ec.data(), n);
  for (int q = 0; q < n; ++q) S[q] -= ec[q];
}

void Cell::cathode_residual(const double* y, const double* yp, double* r) const {
  const double G = p_.cathode.sigma_eff / dx_c_;
  const double cmax = p_.cathode.c_max;
  for (int j = 0; j < nc_; ++j) {
    // C1: the reaction of every size class at the node
    const double is_left = j == 0 ? 0.0 : -G * (y[i_phi_s(j)] - y[i_phi_s(j - 1)]);
    const double is_right = j == nc_ - 1 ? y[i_current()] : -G * (y[i_phi_s(j + 1)] - y[i_phi_s(j)]);
    double reaction = 0;
    for (int c = 0; c < nk_; ++c) reaction += ap_[c] * y[i_i_n(j * nk_ + c)];
    r[i_phi_s(j)] = is_right - is_left + dx_c_ * reaction;
  }
  // C2, first the overpotential and exchange current of every particle, then their reactions
  const int np = n_particles();
  for (int q = 0; q < np; ++q) {
    const Kinetics K = kinetics<false>(q, y);
    kin_eta_[q] = K.eta;
    kin_i0_[q] = K.i0;
  }
  bv_sums(kin_eta_.data(), kin_s_.data(), np);
  for (int q = 0; q < np; ++q) {
    const int j = node_of(q), c = class_of(q), e = nm_ + j;
    const double i_n = y[i_i_n(q)];
    r[i_i_n(q)] = i_n - kin_i0_[q] * kin_s_[q];
    // C3
    r[i_cei(q)] = yp[i_cei(q)] -
                  p_.cei_growth.molar_volume * cei_rate(y[i_phi_s(j)] - y[i_phi_e(e)], y[i_cei(q)]).j;
    // C4: shells, fluxes outward
    if (!ds_constant_) {
      for (int s = 0; s < nr_; ++s) ds_shell_[s] = ds_->value(y[i_c_s(q, s)] / cmax);
    }
    const double* cs = y + i_c_s(q, 0);
    const double* cp = yp + i_c_s(q, 0);
    double* rc = r + i_c_s(q, 0);
    const double* inv_vol = shell_inv_volume_[c].data();
    const double* g_const = shell_conductance_[c].data();
    const double* area_per_dist = shell_area_per_dist_[c].data();
    double W_in = 0.0;  // what flows out through the inner face of shell s: area x flux (zero at the centre)
    for (int s = 0; s + 1 < nr_; ++s) {
      // a constant D_s is the face mean of equal values, so it needs no evaluation per shell
      const double g = ds_constant_ ? g_const[s + 1] : 0.5 * (ds_shell_[s] + ds_shell_[s + 1]) * area_per_dist[s + 1];
      const double W_out = -g * (cs[s + 1] - cs[s]);
      rc[s] = cp[s] - (W_in - W_out) * inv_vol[s];
      W_in = W_out;
    }
    const int s = nr_ - 1;
    rc[s] = cp[s] - (W_in - shell_area_[c][nr_] * (i_n / faraday)) * inv_vol[s];
  }
}

// Non-zeros of node j: phi_s row: phi_s[j-1..j+1], i_n of each size class at j (and I at the
// last node). Of particle q (class k at node j): i_n row: i_n, phi_s, phi_e, c_e, L_CEI,
// c_s[N-1]; L_CEI row: itself, phi_s, phi_e; c_s[s] row: c_s[s-1..s+1], and i_n for the outer shell.
void Cell::cathode_jacobian(double cj, const double* y, solver::JacobianSink& jac) const {
  const auto& k = p_.cathode;
  const double G = k.sigma_eff / dx_c_;
  const double cmax = k.c_max;
  for (int j = 0; j < nc_; ++j) {
    const int rs = i_phi_s(j);
    // C1
    if (j > 0) {
      jac.add(rs, i_phi_s(j), G);
      jac.add(rs, i_phi_s(j - 1), -G);
    }
    if (j < nc_ - 1) {
      jac.add(rs, i_phi_s(j), G);
      jac.add(rs, i_phi_s(j + 1), -G);
    } else {
      jac.add(rs, i_current(), 1.0);
    }
    for (int c = 0; c < nk_; ++c) jac.add(rs, i_i_n(j * nk_ + c), ap_[c] * dx_c_);
  }
  const int nr = nr_;
  for (int q = 0; q < n_particles(); ++q) {
    const int j = node_of(q), c = class_of(q), e = nm_ + j;
    // Indices in locals: each add() may call out (a sink's slow path), after which members would
    // be read again, and i_c_s() divides by the number of size classes.
    const int rn = i_i_n(q), rl = i_cei(q), s0 = i_c_s(q, 0), sN = s0 + nr - 1;
    const int ps = i_phi_s(j), pe = i_phi_e(e), ce = i_c_e(e);

    // C2
    const Kinetics K = cathode_kinetics(q, y);
    const double i_n = y[rn];
    const double sto = K.sto_surf;
    const double dU = ocp_->eval(sto).dv + (T_ - k.ocp_T_ref) * dudt_->eval(sto).dv;
    const double deta_dcs = -dU / cmax;
    const double R_cei = y[rl] / p_.cei.conductivity;
    const double dBV_dcs = K.di0_dcs * K.S + K.i0 * K.dS * deta_dcs;
    const double g = K.i0 * K.dS;  // dBV/deta
    jac.add(rn, rn, 1.0 + g * R_cei - dBV_dcs * K.dcs_din);
    jac.add(rn, ps, -g);
    jac.add(rn, pe, g);
    jac.add(rn, ce, -K.di0_dce * K.S);
    jac.add(rn, rl, g * i_n / p_.cei.conductivity);
    jac.add(rn, sN, -dBV_dcs * K.dcs_dcN);

    // C3
    {
      const CeiRate g = cei_rate(y[ps] - y[pe], y[rl]);
      const double v = p_.cei_growth.molar_volume;
      jac.add(rl, rl, cj - v * g.dj_dL);
      jac.add(rl, ps, -v * g.dj_dE);
      jac.add(rl, pe, v * g.dj_dE);
    }

    // C4
    const double* inv_vol = shell_inv_volume_[c].data();
    const double* g_const = shell_conductance_[c].data();
    const double* area_per_dist = shell_area_per_dist_[c].data();
    for (int s = 0; s < nr; ++s) jac.add(s0 + s, s0 + s, cj);
    for (int s = 0; s + 1 < nr; ++s) {
      // interior face between shells s and s+1: shell s loses W = -g (cR - cL) through it and
      // shell s+1 gains it, g = D area/spacing with D the mean of the shells' values
      double dW_dcL, dW_dcR;
      if (ds_constant_) {
        dW_dcL = g_const[s + 1];
        dW_dcR = -dW_dcL;
      } else {
        const double cL = y[s0 + s], cR = y[s0 + s + 1];
        const auto DL = ds_->eval(cL / cmax), DR = ds_->eval(cR / cmax);
        const double D = 0.5 * (DL.v + DR.v);
        dW_dcL = area_per_dist[s + 1] * (D - 0.5 * DL.dv / cmax * (cR - cL));
        dW_dcR = area_per_dist[s + 1] * (-D - 0.5 * DR.dv / cmax * (cR - cL));
      }
      const int L = s0 + s, R = L + 1;
      jac.add(L, L, dW_dcL * inv_vol[s]);
      jac.add(L, R, dW_dcR * inv_vol[s]);
      jac.add(R, L, -dW_dcL * inv_vol[s + 1]);
      jac.add(R, R, -dW_dcR * inv_vol[s + 1]);
    }
    jac.add(sN, rn, shell_area_[c][nr] / faraday * inv_vol[nr - 1]);
  }
}

}  // namespace cascade
