#include "models/bruce_vincent.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace cascade {

double bruce_vincent_duration(const CellParams& cell) {
  const double T = cell.temperature, c0 = cell.electrolyte.c0;
  const double D = cell.electrolyte.diffusivity.bind(T)->eval(c0).v * cell.membrane.transport_efficiency;
  const double L = cell.membrane.thickness;
  return 10.0 * L * L / (M_PI * M_PI * D);
}

BruceVincentResult bruce_vincent(const CellParams& cell, const SolverSettings& settings, double dV, double seconds) {
  if (cell.stack.left != Electrode::li_metal || cell.stack.right != Electrode::li_metal) {
    throw std::invalid_argument(
        "the Bruce-Vincent measurement needs a Li|Li cell: cell.stack: [li_metal, sei, qsse, sei, li_metal]");
  }
  BruceVincentResult m;
  m.t_plus_input = cell.electrolyte.transference_number.bind(cell.temperature)->eval(cell.electrolyte.c0).v;
  m.seconds = seconds > 0 ? seconds : bruce_vincent_duration(cell);
  Simulation sim(cell, settings);
  Step step;
  step.text = fmt::format("Hold at {:g} mV for {:g} s", -dV * 1e3, m.seconds);
  step.mode = Step::Mode::voltage;
  step.voltage = -dV;  // strips the foil at x = 0: a positive (discharge) current
  step.duration = m.seconds;
  const auto interfaces = [](const CellOutputs& o) {
    const auto& b = o.breakdown;
    return std::abs(b.sei_ohmic + b.eta_anode + b.eta_cathode + b.contact_ohmic);
  };
  bool first = true;
  Row last;
  sim.run_step(step, 1, [&](const Row& r) {
    m.current.emplace_back(r.t, r.out.current);
    if (first) {
      m.I0 = std::abs(r.out.current);
      m.V0_int = interfaces(r.out);
      first = false;
    }
    last = r;
  });
  m.Iss = std::abs(last.out.current);
  m.Vss_int = interfaces(last.out);
  m.ratio = m.Iss / m.I0;
  m.t_plus = m.Iss * (dV - m.V0_int) / (m.I0 * (dV - m.Vss_int));
  return m;
}

}  // namespace cascade
