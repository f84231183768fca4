#include "models/cell.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "models/vector_math.hpp"
#include "solver/solver_error.hpp"

namespace cascade {

namespace {
// Records the structural non-zeros that a Jacobian evaluation touches.
class PatternSink : public solver::JacobianSink {
 public:
  void add_entry(int row, int col, double) override { entries.emplace_back(row, col); }
  std::vector<std::pair<int, int>> entries;

  // The entries sorted by row, then column, without repeats. Binned by row first (a counting
  // sort), so only each row's few columns are sorted: a sort of all ~8000 entries of four
  // evaluations was a tenth of a short sweep point.
  std::vector<std::pair<int, int>> sorted_unique(int n) const {
    std::vector<int> start(static_cast<std::size_t>(n) + 1, 0);
    for (const auto& e : entries) ++start[static_cast<std::size_t>(e.first) + 1];
    for (std::size_t r = 0; r < static_cast<std::size_t>(n); ++r) start[r + 1] += start[r];
    std::vector<int> cols(entries.size()), fill(start.begin(), start.end() - 1);
    for (const auto& e : entries) cols[static_cast<std::size_t>(fill[static_cast<std::size_t>(e.first)]++)] = e.second;
    std::vector<std::pair<int, int>> out;
    out.reserve(entries.size());
    for (int r = 0; r < n; ++r) {
      const auto first = cols.begin() + start[static_cast<std::size_t>(r)];
      const auto last = cols.begin() + start[static_cast<std::size_t>(r) + 1];
      std::sort(first, last);
      for (auto it = first; it != last; ++it) {
        if (it == first || *it != *(it - 1)) out.emplace_back(r, *it);
      }
    }
    return out;
  }
};
}  // namespace

Cell::Cell(CellParams p) : p_(std::move(p)) {
  nm_ = p_.mesh.membrane;
  nc_ = full_cell() ? p_.mesh.cathode : 0;
  nr_ = p_.mesh.particle;
  const auto& k = p_.cathode;
  std::vector<double> radius = k.class_radius, share = k.class_fraction;
  if (radius.empty()) {
    radius = {k.particle_radius};
    share = {1.0};
  }
  nk_ = static_cast<int>(radius.size());
  block_ = 3 + nk_ * (2 + nr_);
  foils_.push_back({0, 0, 0, p_.stack.left, p_.stack.left_film});
  if (!full_cell()) {
    foils_.push_back({foil_block + 2 * nm_, nm_ - 1, 1, p_.stack.right, p_.stack.right_film});
  }
  n_ = foil_block + 2 * nm_ + (full_cell() ? block_ * nc_ : foil_block) + 4;

  const auto& m = p_.membrane;
  dx_c_ = nc_ > 0 ? k.thickness / nc_ : 0.0;
  for (int e = 0; e < nm_; ++e) {
    dx_.push_back(m.thickness / nm_);
    eps_.push_back(m.porosity);
    eff_.push_back(m.transport_efficiency);
    a_.push_back(0.0);
  }
  // Spherical shells of equal width in each size class; conservative finite volumes (eq. C4).
  class_fraction_ = share;
  for (int c = 0; c < nk_; ++c) {
    const double R = radius[c];
    const double dr = R / nr_;
    std::vector<double> area(nr_ + 1, 0.0), volume(nr_, 0.0), dist(nr_ + 1, 0.0);
    for (int i = 0; i <= nr_; ++i) area[i] = (i * dr) * (i * dr);
    for (int i = 0; i < nr_; ++i) {
      const double r0 = i * dr, r1 = (i + 1) * dr;
      volume[i] = (r1 * r1 * r1 - r0 * r0 * r0) / 3.0;
    }
    for (int i = 1; i < nr_; ++i) dist[i] = dr;
    std::vector<double> inv_volume(nr_), area_per_dist(nr_ + 1, 0.0);
    for (int i = 0; i < nr_; ++i) inv_volume[i] = 1.0 / volume[i];
    for (int i = 1; i < nr_; ++i) area_per_dist[i] = area[i] / dist[i];
    shell_inv_volume_.push_back(std::move(inv_volume));
    shell_area_per_dist_.push_back(std::move(area_per_dist));
    shell_area_.push_back(std::move(area));
    shell_volume_.push_back(std::move(volume));
    shell_half_outer_.push_back(dr / 2.0);
    particle_volume_.push_back(R * R * R / 3.0);
  }
  ap_.assign(nk_, 0.0);
  for (int j = 0; j < nc_; ++j) {
    dx_.push_back(dx_c_);
    eps_.push_back(k.porosity);
    eff_.push_back(k.transport_efficiency);
    a_.push_back(0.0);
  }
  set_active_material_fraction(1.0);  // the particle surfaces a_, ap_

  ec_.resize(nm_ + nc_);
  ds_shell_.resize(nr_);
  for (auto* v : {&kin_eta_, &kin_i0_, &kin_s_, &bv_scratch_}) v->resize(static_cast<std::size_t>(nc_ * nk_));
  ce_scratch_.resize(static_cast<std::size_t>(nm_ + nc_));
  lnc_scratch_.resize(static_cast<std::size_t>(nm_ + nc_));
  dds_shell_.resize(nr_);
  set_temperature(p_.temperature);

  // The non-zero pattern, from one Jacobian evaluation at the initial state.
  std::vector<double> y, yp;
  initial_state(y, yp);
  PatternSink sink;
  control_ = {Control::Mode::current, 1.0};  // every control row's entries
  jacobian(0.0, 1.0, y.data(), yp.data(), sink);
  control_ = {Control::Mode::voltage, 1.0};
  jacobian(0.0, 1.0, y.data(), yp.data(), sink);
  control_ = {Control::Mode::power, 1.0};
  jacobian(0.0, 1.0, y.data(), yp.data(), sink);
  capacitive_ = true;  // and the impedance's, so that one band serves both
  jacobian(0.0, 1.0, y.data(), yp.data(), sink);
  capacitive_ = false;
  control_ = {};
  pattern_ = sink.sorted_unique(n_);
  for (const auto& [row, col] : pattern_) {
    ml_ = std::max(ml_, row - col);
    mu_ = std::max(mu_, col - row);
  }
}

void Cell::bind_transport() {
  const auto& e = p_.electrolyte;
  kappa_ = e.conductivity.bind(T_);
  diff_ = e.diffusivity.bind(T_);
  if (transport_factor_ != 1.0) {
    kappa_ = make_scaled(kappa_, transport_factor_);
    diff_ = make_scaled(diff_, transport_factor_);
  }
  bind_constant_transport();
}

void Cell::bind_constant_transport() {
  if (!(kappa_ && diff_ && tplus_ && tfac_)) return;
  // The properties that do not depend on c_e are filled here, once; electrolyte_properties()
  // evaluates only the others.
  varying_ = {!kappa_->is_constant(), !diff_->is_constant(), !tplus_->is_constant(), !tfac_->is_constant()};
  const int ne = nm_ + nc_;
  const double x = p_.electrolyte.c0;  // any concentration for the constant ones
  const auto kv = kappa_->eval(x), dv = diff_->eval(x), tv = tplus_->eval(x), fv = tfac_->eval(x);
  for (int e = 0; e < ne; ++e) ec_[e].set(eff_[e], kv, dv, tv, fv);
  if (!varying_.none()) return;
  face_constants_.assign(ne, FaceConstants{0, 0, 0, 0});
  for (int e = 1; e < ne; ++e) face_constants_[e] = face_coefficients(e);
}

Cell::FaceConstants Cell::face_coefficients(int e) const {
  // Between electrolyte cells L = e-1 and R = e (eq. E3): conductances in series (harmonic, one
  // division each), transference number and thermodynamic factor averaged.
  const auto& L = ec_[e - 1];
  const auto& R = ec_[e];
  const double hL = 0.5 * dx_[e - 1], hR = 0.5 * dx_[e];
  FaceConstants c;
  c.G = L.k * R.k / (hL * R.k + hR * L.k);
  c.Dg = L.D * R.D / (hL * R.D + hR * L.D);
  c.tp = 0.5 * (L.tp + R.tp);
  c.beta = two_over_f_ * (1.0 - c.tp) * (0.5 * (L.tf + R.tf));
  return c;
}

void Cell::set_transport_factor(double factor) {
  transport_factor_ = factor;
  bind_transport();
  // the dead-Li layer's pores hold the same electrolyte
  const auto& d = p_.dead_li;
  if (d.enabled) {
    dead_r_ = p_.anode.molar_volume / (1.0 - d.porosity) /
              (kappa_->eval(p_.electrolyte.c0).v * std::pow(d.porosity, d.bruggeman));
  }
}

void Cell::set_active_material_fraction(double fraction) {
  am_fraction_ = fraction;
  const auto& k = p_.cathode;
  // class c: a share w_c of the active volume in spheres of radius R_c, 3 eps_s w_c / R_c of surface
  double total = 0;
  for (int c = 0; c < nk_; ++c) {
    ap_[c] = k.active_fraction * fraction * class_fraction_[c] * shell_area_[c][nr_] / particle_volume_[c];
    total += ap_[c];
  }
  for (int j = 0; j < nc_; ++j) a_[nm_ + j] = total;
}

double Cell::solvent_consumed(const double* y0, const double* y) const {
  double n = 0;
  const auto& g = p_.sei_growth;
  if (g.enabled && g.molar_volume > 0) {
    for (const Foil& f : foils_) n += (y[f.base + 3] - y0[f.base + 3]) / g.molar_volume / g.li_per_solvent;
  }
  const auto& c = p_.cei_growth;
  if (c.enabled && c.molar_volume > 0) {
    for (int q = 0; q < n_particles(); ++q) {
      n += ap_[class_of(q)] * dx_c_ * (y[i_cei(q)] - y0[i_cei(q)]) / c.molar_volume;
    }
  }
  return n;
}

void Cell::set_temperature(double T) {
  constexpr double R = 8.314462618;
  // Binding may tabulate expressions (milliseconds): only redo it when T changes.
  if (kappa_ && T == T_) return;
  T_ = T;
  f_ = faraday / (R * T);
  two_over_f_ = 2.0 / f_;
  const auto& e = p_.electrolyte;
  tplus_ = e.transference_number.bind(T);
  tfac_ = e.thermodynamic_factor.bind(T);
  bind_transport();  // after t+ and TF: it also fills the properties that do not depend on c_e
  const auto& k = p_.cathode;
  if (full_cell()) {
    if (!ocp_) ocp_ = k.ocp.bind(k.ocp_T_ref);  // the temperature enters through dU/dT
    dudt_ = k.entropic.bind(T);
    ds_ = k.diffusivity.bind(T);
    ds_constant_ = !k.diffusivity.depends_on_x();
    if (ds_constant_) ds_value_ = ds_->eval(0.0);
    shell_conductance_ = shell_area_per_dist_;
    for (auto& g : shell_conductance_) {
      for (double& v : g) v *= ds_constant_ ? ds_value_.v : 0.0;
    }
    dudt_constant_ = dudt_->is_constant();
    if (dudt_constant_) dudt_value_ = dudt_->eval(0.0);
    if (k.has_exchange_current) i0_fn_ = k.exchange_current.bind(T);
  }
  const auto arrhenius = [&](double Ea, double Tref) { return std::exp(-Ea / R * (1.0 / T - 1.0 / Tref)); };
  i0_li_ = p_.anode.i0_ref * arrhenius(p_.anode.activation_energy, p_.anode.T_ref);
  k_c_ = faraday * k.rate_constant * arrhenius(k.rate_activation_energy, k.rate_T_ref);
  sei_k_ = arrhenius(p_.sei_growth.activation_energy, p_.sei_growth.T_ref);
  cei_k_ = arrhenius(p_.cei_growth.activation_energy, p_.cei_growth.T_ref);
  const auto& d = p_.dead_li;
  dead_k_ = arrhenius(d.activation_energy, d.T_ref);
  // L_dead = n V_m / (1 - eps); its pores conduct as the electrolyte at its initial salt level
  dead_r_ = 0.0;
  if (d.enabled) {
    const double kappa0 = kappa_->eval(e.c0).v;
    dead_r_ = p_.anode.molar_volume / (1.0 - d.porosity) / (kappa0 * std::pow(d.porosity, d.bruggeman));
  }
}

void Cell::initial_state(std::vector<double>& y, std::vector<double>& yp) const {
  y.assign(n_, 0.0);
  yp.assign(n_, 0.0);
  for (const Foil& f : foils_) {
    y[f.base + 2] = f.kind == Electrode::li_metal ? p_.anode.thickness : 0.0;  // copper: no Li yet
    y[f.base + 3] = f.film ? p_.sei.thickness : 0.0;
  }
  for (int e = 0; e < nm_ + nc_; ++e) y[i_c_e(e)] = p_.electrolyte.c0;
  if (!full_cell()) return;  // every potential 0: two like electrodes at rest
  const auto& k = p_.cathode;
  const double c_s0 = k.sto0 * k.c_max;
  const double U0 = ocp_->eval(k.sto0).v + (T_ - k.ocp_T_ref) * dudt_->eval(k.sto0).v;
  for (int j = 0; j < nc_; ++j) y[i_phi_s(j)] = U0;
  for (int q = 0; q < n_particles(); ++q) {
    y[i_cei(q)] = p_.cei.thickness;
    for (int r = 0; r < nr_; ++r) y[i_c_s(q, r)] = c_s0;
  }
  y[i_voltage()] = U0;
}

void Cell::guess_algebraic(std::vector<double>& y, double I) const {
  electrolyte_properties(y.data());
  const auto& k = p_.cathode;
  // Planar electrodes: symmetric Butler-Volmer inverted at the present salt concentration; returns
  // eta and sets the electrode's current i (stripping > 0).
  const auto foil_guess = [&](const Foil& f, double i, double& R) {
    y[f.base + 1] = i;
    R = (f.film ? y[f.base + 3] / p_.sei.conductivity : 0.0) + dead_r_ * y[f.base + 4];
    if (f.kind == Electrode::blocking) return 0.0;
    const double i0 = i0_li_ * concentration_power(ec_[f.node].c / p_.anode.c_ref, p_.anode.c_exponent);
    return two_over_f_ * std::asinh(i / (2.0 * i0));
  };
  double R_left = 0;
  const double eta_left = foil_guess(foils_[0], I, R_left);
  y[i_phi_sei()] = -eta_left;
  y[i_phi_e0()] = -eta_left - I * R_left;
  // Electrolyte: ohmic drop of the full current in the membrane, of a linearly falling one in
  // the cathode.
  double phi = y[i_phi_e0()];
  for (int e = 0; e < nm_ + nc_; ++e) {
    const double h = dx_[e] / 2.0;
    const double i_face = e < nm_ ? I : I * (1.0 - (e - nm_) / double(nc_));
    phi -= i_face * h / ec_[e].k;
    y[i_phi_e(e)] = phi;
    const double i_next = e < nm_ ? I : I * (1.0 - (e - nm_ + 1) / double(nc_));
    phi -= i_next * h / ec_[e].k;
  }
  if (!full_cell()) {  // the electrode at x = L takes the current back: i = -I
    const Foil& f = foils_[1];
    double R = 0;
    const double eta = foil_guess(f, -I, R);
    y[f.base] = phi;
    y[f.base + 5] = phi - I * R;
    y[i_current()] = I;
    y[i_voltage()] = y[f.base + 5] + eta - I * p_.contact_resistance;
    return;
  }
  // Cathode: uniform reaction over every particle surface, overpotential from the inverted
  // kinetics. With several size classes the classes share the node's reaction as their
  // kinetics split it (split_reaction); a uniform share can ask a nearly full or empty small
  // particle for more than its surface can give.
  const double i_n = -I / (a_[nm_] * k.thickness);
  if (nk_ > 1) {
    double V = 0;
    for (int j = 0; j < nc_; ++j) V = split_reaction(y, j, -I / k.thickness);
    y[i_current()] = I;
    y[i_voltage()] = V - I * (dx_c_ / (2.0 * k.sigma_eff) + p_.contact_resistance);
    return;
  }
  double V = 0;
  for (int q = 0; q < n_particles(); ++q) {
    const int j = node_of(q);
    y[i_i_n(q)] = i_n;
    const double cN = y[i_c_s(q, nr_ - 1)];
    const double cs = std::clamp(cN - i_n * shell_half_outer_[class_of(q)] / (faraday * ds_->eval(cN / k.c_max).v),
                                 1e-6 * k.c_max, (1 - 1e-6) * k.c_max);
    const double sto = cs / k.c_max;
    const double U = ocp_->eval(sto).v + (T_ - k.ocp_T_ref) * dudt_->eval(sto).v;
    const double i0 = k.has_exchange_current
                          ? i0_fn_->eval(sto).v * concentration_power(y[i_c_e(nm_ + j)] / k.i0_c_ref, k.i0_c_exponent)
                          : k_c_ * std::sqrt(y[i_c_e(nm_ + j)] * cs * (k.c_max - cs));
    const double eta = two_over_f_ * std::asinh(i_n / (2.0 * i0));
    y[i_phi_s(j)] = y[i_phi_e(nm_ + j)] + U + eta + i_n * y[i_cei(q)] / p_.cei.conductivity;
    V = y[i_phi_s(j)];
  }
  y[i_current()] = I;
  y[i_voltage()] = V - I * (dx_c_ / (2.0 * k.sigma_eff) + p_.contact_resistance);
}

// The reaction of size class q when the solid sits delta above the electrolyte at its node: the
// root of i = i0(c_s) S(delta - U(c_s) - i R_CEI) with c_s = c_N - i h / (F D_s), between the
// currents that would fill and empty its surface (both ends give i0 = 0 and bracket the root).
// Newton's method, kept inside the bracket by bisection. Returns i and sets di/d(delta).
double Cell::class_reaction(const std::vector<double>& y, int q, double delta, double& di_ddelta) const {
  const auto& k = p_.cathode;
  const int j = node_of(q);
  const double cN = y[i_c_s(q, nr_ - 1)];
  const double g = shell_half_outer_[class_of(q)] / (faraday * ds_->eval(cN / k.c_max).v);
  const double R = y[i_cei(q)] / p_.cei.conductivity;
  const double ce = y[i_c_e(nm_ + j)];
  double lo = (cN - k.c_max) / g, hi = cN / g;  // c_s = c_max and c_s = 0
  double i = std::clamp(0.0, lo, hi);
  di_ddelta = 0;
  for (int it = 0; it < 100; ++it) {
    const double cs = cN - i * g, sto = cs / k.c_max;
    const ValueSlope U = ocp_->eval(sto), dUdT = dudt_->eval(sto);
    double i0, di0_dsto;
    if (k.has_exchange_current) {
      const ValueSlope f = i0_fn_->eval(sto);
      const double cf = concentration_power(ce / k.i0_c_ref, k.i0_c_exponent);
      i0 = f.v * cf;
      di0_dsto = f.dv * cf;
    } else {
      i0 = k_c_ * std::sqrt(ce * cs * (k.c_max - cs));
      di0_dsto = cs > 0 && cs < k.c_max ? i0 * 0.5 * k.c_max * (1.0 / cs - 1.0 / (k.c_max - cs)) : 0.0;
    }
    const double eta = std::clamp(delta - U.v - (T_ - k.ocp_T_ref) * dUdT.v - i * R, -5.0, 5.0);
    const double ea = std::exp(k.alpha_a * f_ * eta), ec = std::exp(-k.alpha_c * f_ * eta);
    const double S = ea - ec, dS = f_ * (k.alpha_a * ea + k.alpha_c * ec);
    const double r = i - i0 * S;  // rises with i
    (r > 0 ? hi : lo) = i;
    // d(r)/di: c_s falls by g per unit i, so sto by g / c_max
    const double dsto = -g / k.c_max;
    const double dU = (U.dv + (T_ - k.ocp_T_ref) * dUdT.dv) * dsto;
    const double dr = 1.0 - di0_dsto * dsto * S + i0 * dS * (dU + R);
    di_ddelta = i0 * dS / dr;
    if (std::abs(r) <= 1e-12 * std::max(std::abs(i), 1e-30) || hi - lo <= 1e-14 * (std::abs(lo) + std::abs(hi))) break;
    double next = i - r / dr;
    if (!(dr > 0) || !(next > lo && next < hi)) next = 0.5 * (lo + hi);
    i = next;
  }
  return i;
}

// Splits the reaction `demand` (A/m3 of electrode, oxidation > 0) at cathode node j among its
// size classes by their kinetics: finds the solid-electrolyte potential difference at which the
// classes together give it (Newton inside a bisection bracket; the total rises with it), writes
// phi_s and each class's i_n, returns phi_s. A demand beyond what the surfaces can give leaves
// the nearest achievable split.
double Cell::split_reaction(std::vector<double>& y, int j, double demand) const {
  const double phi_e = y[i_phi_e(nm_ + j)];
  double lo = -2.0, hi = 7.0;  // V: wider than any OCP window with its overpotentials
  double delta = y[i_phi_s(j)] - phi_e;
  if (!(delta > lo && delta < hi)) delta = 0.5 * (lo + hi);
  for (int it = 0; it < 100; ++it) {
    double total = 0, slope = 0;
    for (int c = 0; c < nk_; ++c) {
      double d = 0;
      total += ap_[c] * class_reaction(y, j * nk_ + c, delta, d);
      slope += ap_[c] * d;
    }
    const double r = total - demand;
    (r > 0 ? hi : lo) = delta;
    if (std::abs(r) <= 1e-10 * std::max(std::abs(demand), 1e-30) || hi - lo < 1e-12) break;
    double next = delta - r / slope;
    if (!(slope > 0) || !(next > lo && next < hi)) next = 0.5 * (lo + hi);
    delta = next;
  }
  double d = 0;
  for (int c = 0; c < nk_; ++c) y[i_i_n(j * nk_ + c)] = class_reaction(y, j * nk_ + c, delta, d);
  return y[i_phi_s(j)] = phi_e + delta;
}

std::vector<double> Cell::typical_scale() const {
  std::vector<double> s(n_, 1.0);  // potentials: 1 V
  // without a cathode, currents are of order 1 mA/cm2
  const double i1c = full_cell() ? std::max(p_.one_c_current_density(), 1e-3) : 10.0;
  for (const Foil& f : foils_) {
    s[f.base + 1] = i1c;
    s[f.base + 2] = std::max(p_.anode.thickness, 1e-6);
    s[f.base + 3] = 1e-9;
    s[f.base + 4] = 1e-3;  // mol/m2, ~0.003 mAh/cm2
  }
  for (int e = 0; e < nm_ + nc_; ++e) s[i_c_e(e)] = p_.electrolyte.c0;
  for (int q = 0; q < n_particles(); ++q) {
    s[i_i_n(q)] = i1c / (a_[nm_] * p_.cathode.thickness);
    s[i_cei(q)] = 1e-9;
    for (int r = 0; r < nr_; ++r) s[i_c_s(q, r)] = p_.cathode.c_max;
  }
  s[i_current()] = i1c;
  s[i_charge()] = i1c * 3600.0;
  s[i_energy()] = i1c * 3600.0 * 4.0;
  return s;
}

void Cell::differential_ids(double* id) const {
  std::fill(id, id + n_, 0.0);
  for (const Foil& f : foils_) id[f.base + 2] = id[f.base + 3] = id[f.base + 4] = 1.0;
  for (int e = 0; e < nm_ + nc_; ++e) id[i_c_e(e)] = 1.0;
  for (int q = 0; q < n_particles(); ++q) {
    id[i_cei(q)] = 1.0;
    for (int r = 0; r < nr_; ++r) id[i_c_s(q, r)] = 1.0;
  }
  id[i_charge()] = id[i_energy()] = 1.0;
}

double Cell::x_center(int e) const {
  double x = 0;
  for (int i = 0; i < e; ++i) x += dx_[i];
  return x + dx_[e] / 2.0;
}

void Cell::check_state(double t, const double* y) const {
  // Every residual and Jacobian passes here: one pass without branches says whether all is well,
  // and only otherwise the loops below find the first bad value and name it.
  const double cmax = p_.cathode.c_max;
  bool ok = true;  // (every comparison is false for NaN)
  for (int e = 0; e < nm_; ++e) ok &= y[foil_block + 2 * e] > 0.0;
  for (int j = 0; j < nc_; ++j) ok &= y[cathode_base(j)] > 0.0;  // c_e
#if defined(__SSE2__)
  // The particles' shells two at a time (2-3 % of a whole run faster than one at a time): a lane
  // is set where !(c > 0) or !(c < c_max), so NaN too.
  const __m128d zero = _mm_setzero_pd(), top = _mm_set1_pd(cmax);
  __m128d bad = _mm_setzero_pd();
  for (int q = 0; q < n_particles(); ++q) {
    const double* c = y + i_c_s(q, 0);
    int r = 0;
    for (; r + 1 < nr_; r += 2) {
      const __m128d v = _mm_loadu_pd(c + r);
      bad = _mm_or_pd(bad, _mm_or_pd(_mm_cmpngt_pd(v, zero), _mm_cmpnlt_pd(v, top)));
    }
    if (r < nr_) ok &= (c[r] > 0.0) & (c[r] < cmax);
  }
  ok &= _mm_movemask_pd(bad) == 0;
#else
  for (int q = 0; q < n_particles(); ++q) {
    const double* c = y + i_c_s(q, 0);
    for (int r = 0; r < nr_; ++r) ok &= (c[r] > 0.0) & (c[r] < cmax);
  }
#endif
  if (ok) return;
  for (int e = 0; e < nm_ + nc_; ++e) {
    if (!(y[i_c_e(e)] > 0.0)) {
      throw solver::RecoverableError(fmt::format(
          "salt depleted: c_e = {:.4g} mol/m3 in {} at t = {:.6g} s (the electrolyte cannot carry "
          "this current: lower the rate or raise conductivity, diffusivity or t+)",
          y[i_c_e(e)], describe(i_c_e(e)), t));
    }
  }
  for (int q = 0; q < n_particles(); ++q) {
    for (int r = 0; r < nr_; ++r) {
      const double c = y[i_c_s(q, r)];
      if (!(c > 0.0 && c < cmax)) {
        throw solver::RecoverableError(fmt::format(
            "particle concentration {:.6g} mol/m3 outside (0, c_max = {:.6g}) at {} at t = {:.6g} s",
            c, cmax, describe(i_c_s(q, r)), t));
      }
    }
  }
}

void Cell::electrolyte_properties(const double* y) const {
  const int ne = nm_ + nc_;
  double* c = ce_scratch_.data();
  double* lnc = lnc_scratch_.data();
  for (int e = 0; e < ne; ++e) c[e] = y[i_c_e(e)];
  log_n(c, lnc, ne);
  for (int e = 0; e < ne; ++e) {
    auto& p = ec_[e];
    p.c = c[e];
    p.lnc = lnc[e];
    // what does not depend on c_e was filled when the functions were bound
    if (varying_.kappa) p.set_conductivity(eff_[e], kappa_->eval(p.c));
    if (varying_.diffusivity) p.set_diffusivity(eff_[e], diff_->eval(p.c));
    if (varying_.tplus) p.set_transference(tplus_->eval(p.c));
    if (varying_.tfac) p.set_thermodynamic_factor(tfac_->eval(p.c));
  }
}

Cell::Face Cell::face(int e, const double* y) const {
  // face_coefficients() and their partials
  const auto& L = ec_[e - 1];
  const auto& R = ec_[e];
  const double hL = 0.5 * dx_[e - 1], hR = 0.5 * dx_[e];
  Face f{};
  const auto [G, Dg, tp, beta] = face_coefficients(e);
  const double dG_L = G * G * hL * L.dk / (L.k * L.k);
  const double dG_R = G * G * hR * R.dk / (R.k * R.k);
  const double dDg_L = Dg * Dg * hL * L.dD / (L.D * L.D);
  const double dDg_R = Dg * Dg * hR * R.dD / (R.D * R.D);
  const double tf = 0.5 * (L.tf + R.tf);
  const double dbeta_L = two_over_f_ * 0.5 * (-L.dtp * tf + (1.0 - tp) * L.dtf);
  const double dbeta_R = two_over_f_ * 0.5 * (-R.dtp * tf + (1.0 - tp) * R.dtf);
  const double dln = R.lnc - L.lnc;
  const double dphi = y[i_phi_e(e)] - y[i_phi_e(e - 1)];
  const double X = dphi - beta * dln;
  f.i = -G * X;
  f.di_pL = G;
  f.di_pR = -G;
  f.di_cL = -dG_L * X - G * (-dbeta_L * dln + beta / L.c);
  f.di_cR = -dG_R * X - G * (-dbeta_R * dln - beta / R.c);
  const double dc = R.c - L.c;
  f.N = -Dg * dc + tp * f.i * inv_faraday;
  f.dN_cL = -dDg_L * dc + Dg + 0.5 * L.dtp * f.i / faraday + tp * f.di_cL / faraday;
  f.dN_cR = -dDg_R * dc - Dg + 0.5 * R.dtp * f.i / faraday + tp * f.di_cR / faraday;
  f.dN_pL = tp * f.di_pL / faraday;
  f.dN_pR = tp * f.di_pR / faraday;
  f.conc_drop = beta * dln;
  f.ohmic_drop = dphi - f.conc_drop;
  return f;
}

Cell::FaceFlux Cell::face_flux(int e, const double* y) const {
  // face() without its partials, each value rounded as there
  const auto& L = ec_[e - 1];
  const auto& R = ec_[e];
  const auto [G, Dg, tp, beta] = varying_.none() ? face_constants_[e] : face_coefficients(e);
  const double dln = R.lnc - L.lnc;
  const double dphi = y[i_phi_e(e)] - y[i_phi_e(e - 1)];
  const double X = dphi - beta * dln;
  const double i = -G * X;
  return {i, -Dg * (R.c - L.c) + tp * i * inv_faraday};
}

Cell::FoilSurface Cell::foil_surface(const Foil& f, const double* y, double i) const {
  // Half cell from the electrode's surface to the centre of its electrolyte cell (eq. A1): the
  // salt flux condition -D dc/dn = (1 - t+) i_F / F (n pointing into the electrolyte) fixes the
  // surface concentration c0. Written with the current into the electrolyte, it reads the same
  // at x = 0 and at x = L.
  const auto& C = ec_[f.node];
  const double h = dx_[f.node] / 2.0;
  FoilSurface s{};
  const double gamma = (1.0 - C.tp) * h / (C.D * faraday);
  const double dgamma = h / faraday * (-C.dtp / C.D - (1.0 - C.tp) * C.dD / (C.D * C.D));
  s.c0 = C.c + gamma * i;
  s.dc0_dc = 1.0 + i * dgamma;
  s.dc0_di = gamma;
  if (!(s.c0 > 0.0)) {
    throw solver::RecoverableError(fmt::format(
        "salt depleted at the {} surface (c_e = {:.4g} mol/m3 at i = {:.4g} A/m2)",
        f.side == 0 ? "Li foil" : "x = L electrode", s.c0, i));
  }
  const double beta = two_over_f_ * (1.0 - C.tp) * C.tf;
  const double dbeta = two_over_f_ * (-C.dtp * C.tf + (1.0 - C.tp) * C.dtf);
  const double dln = C.lnc - std::log(s.c0);
  const double dphi = y[i_phi_e(f.node)] - y[f.base];
  const double Y = dphi - beta * dln;
  const double g = C.k / h;
  s.H = -g * Y;
  s.dH_p0 = g;
  s.dH_phi = -g;
  const double dY_dc = -dbeta * dln - beta * (1.0 / C.c - s.dc0_dc / s.c0);
  s.dH_c = -(C.dk / h) * Y - g * dY_dc;
  s.dH_i = -g * (beta * s.dc0_di / s.c0);
  s.conc_drop = beta * dln;
  s.ohmic_drop = dphi - s.conc_drop;
  return s;
}

void Cell::residual(double t, const double* y, const double* yp, double* r) {
  check_state(t, y);
  electrolyte_properties(y);
  for (const Foil& f : foils_) foil_residual(f, y, yp, r);
  electrolyte_residual(y, yp, r);
  cathode_residual(y, yp, r);
  if (capacitive_) cathode_double_layer_residual(yp, r);
  collector_residual(t, y, yp, r);
}

void Cell::jacobian(double t, double cj, const double* y, const double* yp,
                    solver::JacobianSink& jac) {
  check_state(t, y);
  electrolyte_properties(y);
  for (const Foil& f : foils_) foil_jacobian(f, cj, y, yp, jac);
  electrolyte_jacobian(cj, y, yp, jac);
  cathode_jacobian(cj, y, jac);
  if (capacitive_) cathode_double_layer_jacobian(cj, yp, jac);
  collector_jacobian(cj, y, jac);
}

// ---- collector (eqs. K1-K3) ----
// Rows: I (control), V (terminal voltage), Q (charge passed).
//   R_I: current I - I_set | voltage V - V_set | power I V - P_set | rest I
//   R_V: V - phi_s[last] + I (dx/(2 sigma_eff) + R_contact), or with a planar electrode at x = L:
//        i_L + I (what it takes back from the electrolyte is the cell current; its potential
//        V + I R_contact enters its kinetics)
//   R_Q: Q' - I
//   R_E: E' - I V
void Cell::collector_residual(double t, const double* y, const double* yp, double* r) const {
  const double I = y[i_current()], V = y[i_voltage()];
  switch (control_.mode) {
    case Control::Mode::current:
      r[i_current()] = I - control_.value;
      if (control_.amplitude != 0.0) {
        r[i_current()] -= control_.amplitude * std::sin(2.0 * M_PI * control_.frequency * (t - control_.t0));
      }
      break;
    case Control::Mode::voltage: r[i_current()] = V - control_.value; break;
    case Control::Mode::power: r[i_current()] = I * V - control_.value; break;
    case Control::Mode::rest: r[i_current()] = I; break;
  }
  if (full_cell()) {
    const double R_out = dx_c_ / (2.0 * p_.cathode.sigma_eff) + p_.contact_resistance;
    r[i_voltage()] = V - y[i_phi_s(nc_ - 1)] + I * R_out;
  } else {
    r[i_voltage()] = y[foils_[1].base + 1] + I;
  }
  r[i_charge()] = yp[i_charge()] - I;
  r[i_energy()] = yp[i_energy()] - I * V;
}

void Cell::collector_jacobian(double cj, const double* y, solver::JacobianSink& jac) const {
  const int iI = i_current(), iV = i_voltage(), iQ = i_charge();
  switch (control_.mode) {
    case Control::Mode::current:
    case Control::Mode::rest: jac.add(iI, iI, 1.0); break;
    case Control::Mode::voltage: jac.add(iI, iV, 1.0); break;
    case Control::Mode::power:
      jac.add(iI, iI, y[iV]);
      jac.add(iI, iV, y[iI]);
      break;
  }
  if (full_cell()) {
    const double R_out = dx_c_ / (2.0 * p_.cathode.sigma_eff) + p_.contact_resistance;
    jac.add(iV, iV, 1.0);
    jac.add(iV, i_phi_s(nc_ - 1), -1.0);
    jac.add(iV, iI, R_out);
  } else {
    jac.add(iV, foils_[1].base + 1, 1.0);
    jac.add(iV, iI, 1.0);
  }
  jac.add(iQ, iQ, cj);
  jac.add(iQ, iI, -1.0);
  const int iE = i_energy();
  jac.add(iE, iE, cj);
  jac.add(iE, iI, -y[iV]);
  jac.add(iE, iV, -y[iI]);
}

void Cell::roots(double, const double* y, const double*, double* g) {
  const double V = y[i_voltage()], I = y[i_current()];
  for (std::size_t k = 0; k < events_.size(); ++k) {
    const auto& ev = events_[k];
    switch (ev.kind) {
      case Event::Kind::voltage_below: g[k] = V - ev.value; break;
      case Event::Kind::voltage_above: g[k] = ev.value - V; break;
      case Event::Kind::current_below: g[k] = std::abs(I) - ev.value; break;
      case Event::Kind::foil_depleted: {
        // every electrode that holds Li; an empty one (copper before plating) only while it is
        // being stripped, so that plating onto it is not a depletion
        double lo = 1e300;
        for (const Foil& f : foils_) {
          if (f.kind == Electrode::blocking) continue;
          if (y[f.base + 2] <= ev.value && y[f.base + 1] <= 0.0) continue;
          lo = std::min(lo, y[f.base + 2]);
        }
        g[k] = (lo < 1e300 ? lo : 1.0) - ev.value;
        break;
      }
      case Event::Kind::charge_passed: g[k] = ev.value - std::abs(y[i_charge()] - ev.start); break;
      case Event::Kind::stoichiometry_above: {
        double hi = 0;
        for (int q = 0; q < n_particles(); ++q) hi = std::max(hi, surface_stoichiometry(q, y));
        g[k] = ev.value - hi;
        break;
      }
      case Event::Kind::salt_depleted: {
        // every node, and each electrode's surface (the half cell of eq. A1:
        // c0 = c + (1 - t+) h i / (F D))
        double lo = 1e300;
        for (const Foil& f : foils_) {
          const double c = y[i_c_e(f.node)];
          const double D = eff_[f.node] * diff_->eval(c).v;
          lo = std::min(lo, c + (1.0 - tplus_->eval(c).v) * 0.5 * dx_[f.node] * y[f.base + 1] / (faraday * D));
        }
        for (int e = 0; e < nm_ + nc_; ++e) lo = std::min(lo, y[i_c_e(e)]);
        g[k] = lo - ev.value;
        break;
      }
      case Event::Kind::stoichiometry_below: {
        double lo = 1;
        for (int q = 0; q < n_particles(); ++q) lo = std::min(lo, surface_stoichiometry(q, y));
        g[k] = lo - ev.value;
        break;
      }
    }
  }
}

const Cell::Foil& Cell::thinnest_foil(const double* y) const {
  const Foil* best = &foils_[0];
  double lo = 1e300;
  for (const Foil& f : foils_) {
    if (f.kind == Electrode::blocking) continue;
    if (y[f.base + 2] <= 0.0 && y[f.base + 1] <= 0.0) continue;
    if (y[f.base + 2] < lo) {
      lo = y[f.base + 2];
      best = &f;
    }
  }
  return *best;
}

std::string Cell::describe(int index) const {
  for (const Foil& f : foils_) {
    const int o = index - f.base;
    if (o < 0 || o >= foil_block) continue;
    static const char* names[] = {"phi_e at the {} surface", "current through the {}",
                                  "Li thickness on the {}", "SEI thickness on the {}",
                                  "dead Li on the {}", "phi_e under the SEI of the {}"};
    const std::string what = f.side == 0 ? (f.kind == Electrode::blocking ? "blocking electrode at x = 0" : "Li foil")
                                         : (f.kind == Electrode::li_metal  ? "Li foil at x = L"
                                            : f.kind == Electrode::copper ? "copper electrode at x = L"
                                                                          : "blocking electrode at x = L");
    return fmt::format(fmt::runtime(names[o]), what);
  }
  if (index == i_current()) return "cell current I";
  if (index == i_voltage()) return "terminal voltage V";
  if (index == i_charge()) return "charge passed Q";
  if (index == i_energy()) return "energy delivered E";
  if (index < foil_block + 2 * nm_) {
    const int e = (index - foil_block) / 2;
    return fmt::format("{} at membrane node {}", (index - foil_block) % 2 == 0 ? "c_e" : "phi_e", e);
  }
  const int j = (index - cathode_base(0)) / block_;
  const int o = (index - cathode_base(0)) % block_;
  static const char* names[] = {"c_e", "phi_e", "phi_s"};
  if (o < 3) return fmt::format("{} at cathode node {}", names[o], j);
  const int c = (o - 3) / (2 + nr_), po = (o - 3) % (2 + nr_);
  const std::string where = nk_ > 1 ? fmt::format("size class {} of cathode node {}", c, j)
                                    : fmt::format("cathode node {}", j);
  if (po == 0) return "i_n at " + where;
  if (po == 1) return "CEI thickness at " + where;
  return fmt::format("c_s[r={}] at {}", po - 2, where);
}

double Cell::particle_lithium(const double* y) const {
  // mol per m2 of cell: each node holds eps_s dx of particle volume.
  double total = 0;
  for (int q = 0; q < n_particles(); ++q) {
    const int c = class_of(q);
    double per_volume = 0;
    for (int r = 0; r < nr_; ++r) per_volume += shell_volume_[c][r] * y[i_c_s(q, r)];
    total += p_.cathode.active_fraction * am_fraction_ * class_fraction_[c] * dx_c_ * per_volume / particle_volume_[c];
  }
  return total;
}

double Cell::electrolyte_lithium(const double* y) const {
  double total = 0;
  for (int e = 0; e < nm_ + nc_; ++e) total += eps_[e] * dx_[e] * y[i_c_e(e)];
  return total;
}

double Cell::foil_lithium(const double* y) const {
  double n = 0;
  for (const Foil& f : foils_) {
    if (f.kind != Electrode::blocking) n += y[f.base + 2] / p_.anode.molar_volume;
  }
  return n;
}

double Cell::dead_lithium(const double* y) const {
  double n = 0;
  for (const Foil& f : foils_) n += y[f.base + 4];
  return n;
}

double Cell::sei_lithium(const double* y) const {
  const auto& g = p_.sei_growth;
  if (!g.enabled || !(g.molar_volume > 0)) return 0.0;
  double n = 0;
  for (const Foil& f : foils_) {
    if (f.film) n += (y[f.base + 3] - p_.sei.thickness) / g.molar_volume;
  }
  return n;
}

CellOutputs Cell::outputs(const double* y) const {
  electrolyte_properties(y);
  CellOutputs o;
  o.voltage = y[i_voltage()];
  o.current = y[i_current()];
  o.charge = y[i_charge()];
  o.energy = y[i_energy()];
  o.foil_thickness = y[i_foil()];
  o.sei_thickness = y[i_sei()];

  // Weights: each particle's (node's, size class's) share of the reaction current, or of the
  // volume at rest.
  const int np = n_particles();
  std::vector<double> w(np);
  double wsum = 0;
  for (int q = 0; q < np; ++q) wsum += (w[q] = -ap_[class_of(q)] * dx_c_ * y[i_i_n(q)]);
  const bool at_rest = std::abs(o.current) < 1e-12 || std::abs(wsum) < 1e-12 * std::abs(o.current);
  for (int q = 0; q < np; ++q) w[q] = at_rest ? class_fraction_[class_of(q)] / nc_ : w[q] / wsum;

  // Electrolyte potential drops accumulated from the foil to each cathode node.
  auto& b = o.breakdown;
  const FoilSurface s = foil_surface(foils_[0], y, y[i_i_e0()]);
  o.c_e_foil = s.c0;
  double ohm = s.ohmic_drop, conc = s.conc_drop;
  std::vector<double> ohm_at(nm_ + nc_), conc_at(nm_ + nc_);
  ohm_at[0] = ohm;
  conc_at[0] = conc;
  for (int e = 1; e < nm_ + nc_; ++e) {
    const Face f = face(e, y);
    ohm_at[e] = (ohm += f.ohmic_drop);
    conc_at[e] = (conc += f.conc_drop);
  }
  b.sei_ohmic = y[i_phi_e0()] - y[i_phi_sei()];  // SEI + dead Li
  b.eta_anode = y[i_phi_sei()];                   // = -eta_Li
  double phis_w = 0, sto_avg = 0, sto_surf = 0, cei = 0;
  o.c_e_min = 1e300;
  o.c_e_max = -1e300;
  for (int e = 0; e < nm_ + nc_; ++e) {
    o.c_e_min = std::min(o.c_e_min, ec_[e].c);
    o.c_e_max = std::max(o.c_e_max, ec_[e].c);
  }
  if (!full_cell()) {
    // x = L is a planar electrode: the drops continue through its half cell, film and reaction
    const Foil& f = foils_[1];
    const int last = nm_ - 1;
    const FoilSurface sR = foil_surface(f, y, y[f.base + 1]);
    b.electrolyte_ohmic = ohm_at[last] - sR.ohmic_drop;
    b.electrolyte_concentration = conc_at[last] - sR.conc_drop;
    b.sei_ohmic += y[f.base + 5] - y[f.base];
    b.eta_cathode = y[i_voltage()] + o.current * p_.contact_resistance - y[f.base + 5];
    b.contact_ohmic = -o.current * p_.contact_resistance;
    o.sei_thickness = f.film ? std::max(o.sei_thickness, y[f.base + 3]) : o.sei_thickness;
    return o;
  }
  for (int q = 0; q < np; ++q) {
    const int j = node_of(q), c = class_of(q);
    const double share = class_fraction_[c] / nc_;  // of the active volume
    const Kinetics k = cathode_kinetics(q, y);
    const double R_cei = y[i_cei(q)] / p_.cei.conductivity;
    b.ocv += w[q] * k.U;
    b.eta_cathode += w[q] * k.eta;
    b.cei_ohmic += w[q] * y[i_i_n(q)] * R_cei;
    b.electrolyte_ohmic += w[q] * ohm_at[nm_ + j];
    b.electrolyte_concentration += w[q] * conc_at[nm_ + j];
    phis_w += w[q] * y[i_phi_s(j)];
    double per_volume = 0;
    for (int r = 0; r < nr_; ++r) per_volume += shell_volume_[c][r] * y[i_c_s(q, r)];
    sto_avg += share * per_volume / particle_volume_[c] / p_.cathode.c_max;
    sto_surf += share * k.sto_surf;
    o.sto_surf_max = std::max(o.sto_surf_max, k.sto_surf);
    cei += share * y[i_cei(q)];
  }
  const double phis_L = y[i_phi_s(nc_ - 1)] - o.current * dx_c_ / (2.0 * p_.cathode.sigma_eff);
  b.solid_ohmic = phis_L - phis_w;
  b.contact_ohmic = -o.current * p_.contact_resistance;
  o.sto_avg = sto_avg;
  o.sto_surf_avg = sto_surf;
  o.cei_thickness = cei;
  return o;
}

}  // namespace cascade
