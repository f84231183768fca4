// The quasi-solid electrolyte in the membrane and the cathode pores (docs/model.md, eqs. E1-E3).
// Rows owned here, for every electrolyte cell e (width dx, porosity eps):
//   c_e   (E1): eps dx dc/dt + N[e+1/2] - N[e-1/2] - a dx i_n / F = 0
//   phi_e (E2): i[e+1/2] - i[e-1/2] - a dx i_n = 0
// with face fluxes (E3) i = -G [dphi - (2RT/F)(1 - t+) TF dln c], N = -Dg dc + t+ i / F,
// i = i_f and N = (i_f - (1 - t+) i_C)/F into the electrolyte at a planar electrode (its current
// and double-layer share), N = i = 0 at the collector (a = 0 in the membrane).
#include "models/cell.hpp"

namespace cascade {

void Cell::electrolyte_residual(const double* y, const double* yp, double* r) const {
  const int ne = nm_ + nc_;
  // Li+ flux into the electrolyte at a planar electrode
  const auto into = [&](const Foil& f, double& i, double& N) {
    const FoilState st = foil_state(f, y, yp);
    i = st.i;
    N = (st.i - (1.0 - ec_[f.node].tp) * st.i_C) / faraday;
  };
  double i_left = 0, N_left = 0;
  into(foils_[0], i_left, N_left);
  for (int e = 0; e < ne; ++e) {
    double i_right = 0, N_right = 0;
    if (e + 1 < ne) {
      const FaceFlux f = face_flux(e + 1, y);
      i_right = f.i;
      N_right = f.N;
    } else if (!full_cell()) {  // x = L is a planar electrode: what enters there flows to -x
      into(foils_[1], i_right, N_right);
      i_right = -i_right;
      N_right = -N_right;
    }
    double src = 0.0;  // the reaction of every particle size class in the cell
    if (e >= nm_) {
      for (int c = 0; c < nk_; ++c) src += ap_[c] * dx_[e] * y[i_i_n((e - nm_) * nk_ + c)];
    }
    r[i_c_e(e)] = eps_[e] * dx_[e] * yp[i_c_e(e)] + N_right - N_left - src * inv_faraday;
    r[i_phi_e(e)] = i_right - i_left - src;
    i_left = i_right;
    N_left = N_right;
  }
}

// Non-zeros of the rows of cell e: c_e and phi_e of cells e-1, e, e+1; i_n of cell e (cathode);
// the current of a planar electrode beside it (and, capacitive, its eta's y' columns).
void Cell::electrolyte_jacobian(double cj, const double* y, const double* yp,
                                solver::JacobianSink& jac) const {
  const int ne = nm_ + nc_;
  // A planar electrode's current into the electrolyte enters its cell's rows the same way at
  // x = 0 and at x = L: c_e: -N, phi_e: -i, N = (i - (1 - t+) C_dl deta)/F.
  for (const Foil& f : foils_) {
    const int rc = i_c_e(f.node), rp = i_phi_e(f.node);
    jac.add(rc, f.base + 1, -1.0 / faraday);
    jac.add(rp, f.base + 1, -1.0);
    if (!capacitive_) continue;
    const FoilState st = foil_state(f, y, yp);
    const auto& C = ec_[f.node];
    jac.add(rc, rc, -C.dtp * st.i_C / faraday);
    int col[3];
    double coef[3];
    const int nd = deta_columns(f, col, coef);
    for (int k = 0; k < nd; ++k) jac.add(rc, col[k], cj * (1.0 - C.tp) * st.C_dl * coef[k] / faraday);
  }
  // each interior face enters two cells' rows: evaluate it once
  faces_.resize(ne);
  for (int e = 1; e < ne; ++e) faces_[e] = face(e, y);
  for (int e = 0; e < ne; ++e) {
    const int rc = i_c_e(e), rp = i_phi_e(e);
    jac.add(rc, rc, cj * eps_[e] * dx_[e]);
    if (e > 0) {
      // minus the left face
      const Face& f = faces_[e];
      jac.add(rc, i_c_e(e - 1), -f.dN_cL);
      jac.add(rc, i_c_e(e), -f.dN_cR);
      jac.add(rc, i_phi_e(e - 1), -f.dN_pL);
      jac.add(rc, i_phi_e(e), -f.dN_pR);
      jac.add(rp, i_c_e(e - 1), -f.di_cL);
      jac.add(rp, i_c_e(e), -f.di_cR);
      jac.add(rp, i_phi_e(e - 1), -f.di_pL);
      jac.add(rp, i_phi_e(e), -f.di_pR);
    }
    if (e + 1 < ne) {
      const Face& f = faces_[e + 1];
      jac.add(rc, i_c_e(e), f.dN_cL);
      jac.add(rc, i_c_e(e + 1), f.dN_cR);
      jac.add(rc, i_phi_e(e), f.dN_pL);
      jac.add(rc, i_phi_e(e + 1), f.dN_pR);
      jac.add(rp, i_c_e(e), f.di_cL);
      jac.add(rp, i_c_e(e + 1), f.di_cR);
      jac.add(rp, i_phi_e(e), f.di_pL);
      jac.add(rp, i_phi_e(e + 1), f.di_pR);
    }
    if (e >= nm_) {
      for (int c = 0; c < nk_; ++c) {
        const double ad = ap_[c] * dx_[e];
        jac.add(rc, i_i_n((e - nm_) * nk_ + c), -ad / faraday);
        jac.add(rp, i_i_n((e - nm_) * nk_ + c), -ad);
      }
    }
  }
}

}  // namespace cascade
