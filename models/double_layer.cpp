// The cathode's double layer (docs/model.md eq. C5, impedance only): at the outer face of each
// particle's CEI, i_C = C_dl d(phi_s - phi_e)/dt per particle area, in parallel with the CEI and
// the reaction. It adds to the charge balances of both phases and, carried by both ions in the
// proportion they carry the current, t+ i_C / F to the Li+ balance:
//   phi_s row: + a dx i_C;  phi_e row: - a dx i_C;  c_e row: - a dx t+ i_C / F.
#include "models/cell.hpp"

namespace cascade {

void Cell::cathode_double_layer_residual(const double* yp, double* r) const {
  const double C = p_.cei.capacitance;
  for (int j = 0; j < nc_; ++j) {
    const int e = nm_ + j;
    const double q = a_[e] * dx_c_ * C * (yp[i_phi_s(j)] - yp[i_phi_e(e)]);
    r[i_phi_s(j)] += q;
    r[i_phi_e(e)] -= q;
    r[i_c_e(e)] -= ec_[e].tp * q / faraday;
  }
}

// Non-zeros: rows phi_s, phi_e, c_e of node j, columns phi_s and phi_e (through y') and c_e (t+).
void Cell::cathode_double_layer_jacobian(double cj, const double* yp, solver::JacobianSink& jac) const {
  const double C = p_.cei.capacitance;
  for (int j = 0; j < nc_; ++j) {
    const int e = nm_ + j;
    const double k = a_[e] * dx_c_ * C;
    const int ps = i_phi_s(j), pe = i_phi_e(e), ce = i_c_e(e);
    jac.add(ps, ps, cj * k);
    jac.add(ps, pe, -cj * k);
    jac.add(pe, ps, -cj * k);
    jac.add(pe, pe, cj * k);
    const double tp = ec_[e].tp / faraday;
    jac.add(ce, ps, -cj * k * tp);
    jac.add(ce, pe, cj * k * tp);
    jac.add(ce, ce, -ec_[e].dtp / faraday * k * (yp[ps] - yp[pe]));
  }
}

}  // namespace cascade
