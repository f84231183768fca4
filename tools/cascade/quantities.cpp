#include "tools/cascade/quantities.hpp"

#include <cmath>

#include "models/impedance.hpp"

namespace cascade::cli {

double quantity_value(const QuantitySpec& q, const CellParams& cell, const RunResult& res) {
  using K = QuantitySpec::Kind;
  const double nan = std::nan("");
  if (q.kind == K::membrane_resistance) {
    const double kappa = cell.electrolyte.conductivity.bind(cell.temperature)->eval(cell.electrolyte.c0).v;
    return cell.membrane.thickness / (kappa * cell.membrane.transport_efficiency) / cell.area;
  }
  if (q.kind == K::high_frequency_resistance) {
    Cell c(cell);
    std::vector<double> y, yp;
    c.initial_state(y, yp);
    return impedance(c, y, yp, {1e5})[0].z.real() / cell.area;
  }
  const double mass = cell.active_mass();             // kg/m2
  const double to_mAh_g = 1.0 / (3.6 * mass * 1000);  // C/m2 -> mAh/g
  double last_discharge = nan, charge = 0, energy = 0;
  for (const auto& s : res.steps) {
    if (s.skipped || !(s.charge > 0)) continue;
    last_discharge = s.charge * to_mAh_g;
    charge += s.charge;
    energy += s.energy;
  }
  switch (q.kind) {
    case K::discharge_capacity: return last_discharge;
    case K::energy: return charge > 0 ? energy / mass / 3600.0 : nan;
    case K::mean_discharge_voltage: return charge > 0 ? energy / charge : nan;
    case K::discharge_capacity_at_rate: {
      double sum = 0;
      int n = 0;
      for (const auto& cy : res.cycles) {
        if (cy.block != q.block) continue;
        sum += cy.discharge_charge * to_mAh_g;
        ++n;
      }
      return n > 0 ? sum / n : nan;
    }
    case K::discharge_capacity_at_cycle:
    case K::retention_at_cycle: {
      // a cycle fast-forward skipped: linear between the simulated cycles either side
      const auto value = [&](const CycleResult& cy) {
        return q.kind == K::retention_at_cycle ? cy.retention * 100.0 : cy.discharge_charge * to_mAh_g;
      };
      const CycleResult* before = nullptr;
      for (const auto& cy : res.cycles) {
        if (cy.cycle <= 0) continue;
        if (cy.cycle == q.cycle) return value(cy);
        if (cy.cycle < q.cycle) before = &cy;
        if (cy.cycle > q.cycle && before) {
          const double w = double(q.cycle - before->cycle) / (cy.cycle - before->cycle);
          return (1 - w) * value(*before) + w * value(cy);
        }
      }
      return nan;
    }
    case K::polarization_at_cycle: {
      // mean |V| of the cycle's current steps, each |energy / charge| (constant current)
      double sum = 0;
      int n = 0;
      for (const auto& s : res.steps) {
        if (s.skipped || s.cycle != q.cycle || !(std::abs(s.charge) > 0)) continue;
        sum += std::abs(s.energy / s.charge) * 1e3;
        ++n;
      }
      return n > 0 ? sum / n : nan;
    }
    case K::membrane_resistance:
    case K::high_frequency_resistance: break;
  }
  return nan;
}

}  // namespace cascade::cli
