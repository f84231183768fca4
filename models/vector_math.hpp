#pragma once
// exp and log of short arrays (a residual's particles, its electrolyte cells), several at a time.
namespace cascade {

// out[i] = exp(x[i]) and log(x[i]) for 0 <= i < n (out may be x). On x86-64 processors with AVX2
// these are glibc's vector functions (libmvec: four values an instruction, within 4 ulp of the
// exact result, one function for every element of the array so its rounding never depends on the
// element's position); elsewhere the scalar functions, correctly rounded or within 1 ulp.
void exp_n(const double* x, double* out, int n);
void log_n(const double* x, double* out, int n);

}  // namespace cascade
