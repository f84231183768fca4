#pragma once
// The two ways the solver layer fails. Both carry a message meant for the person running the case.
#include <stdexcept>

namespace cascade::solver {

// Fatal: integration cannot continue. The message names the SUNDIALS function and flag, the time,
// the step size and, where it helps, the component that caused it (via DaeSystem::describe).
struct SolverError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown by a model's residual or Jacobian when asked to evaluate a non-physical state (negative
// concentration, log of a negative number). The integrator returns IDA's recoverable code, so IDA
// cuts the step and retries instead of giving up; only if that keeps failing does it become a
// SolverError carrying this message.
struct RecoverableError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace cascade::solver
