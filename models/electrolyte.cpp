// The quasi-solid electrolyte in the membrane and the cathode pores (docs/model.md, eqs. E1-E3).
// Rows owned here, for every electrolyte cell e (width dx, porosity eps):
//   c_e   (E1): eps dx dc/dt + N[e+1/2] - N[e-1/2] - a dx i_n / F = 0
//   phi_e (E2): i[e+1/2] - i[e-1/2] - a dx i_n = 0
// with face fluxes (E3) i = -G [dphi - (2RT/F)(1 - t+) TF dln c], N = -Dg dc + t+ i / F,
// N = i_e0/F and i = i_e0 at the foil, N = i = 0 at the collector (a = 0 in the membrane).
#include "models/cell.hpp"

namespace cascade {

void Cell::electrolyte_residual(const double* y, const double* yp, double* r) const {
  const int ne = nm_ + nc_;
  double i_left = y[i_i_e0()];
  double N_left = i_left / faraday;
  for (int e = 0; e < ne; ++e) {
    double i_right = 0, N_right = 0;
    if (e + 1 < ne) {
      const Face f = face(e + 1, y);
      i_right = f.i;
      N_right = f.N;
    }
    const double src = e >= nm_ ? a_[e] * dx_[e] * y[i_i_n(e - nm_)] : 0.0;
    r[i_c_e(e)] = eps_[e] * dx_[e] * yp[i_c_e(e)] + N_right - N_left - src / faraday;
    r[i_phi_e(e)] = i_right - i_left - src;
    i_left = i_right;
    N_left = N_right;
  }
}

// Non-zeros of the rows of cell e: c_e and phi_e of cells e-1, e, e+1; i_n of cell e (cathode);
// i_e0 for e = 0.
void Cell::electrolyte_jacobian(double cj, const double* y, solver::JacobianSink& jac) const {
  const int ne = nm_ + nc_;
  // each interior face enters two cells' rows: evaluate it once
  faces_.resize(ne);
  for (int e = 1; e < ne; ++e) faces_[e] = face(e, y);
  for (int e = 0; e < ne; ++e) {
    const int rc = i_c_e(e), rp = i_phi_e(e);
    jac.add(rc, rc, cj * eps_[e] * dx_[e]);
    if (e == 0) {
      jac.add(rc, i_i_e0(), -1.0 / faraday);
      jac.add(rp, i_i_e0(), -1.0);
    } else {
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
      const double ad = a_[e] * dx_[e];
      jac.add(rc, i_i_n(e - nm_), -ad / faraday);
      jac.add(rp, i_i_n(e - nm_), -ad);
    }
  }
}

}  // namespace cascade
