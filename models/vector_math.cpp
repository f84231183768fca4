#include "models/vector_math.hpp"

#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>

// glibc's AVX2 variants (x86_64 vector function ABI, 4 lanes), from libmvec
extern "C" __m256d _ZGVdN4v_exp(__m256d);
extern "C" __m256d _ZGVdN4v_log(__m256d);

namespace cascade {
namespace {

template <__m256d (*F)(__m256d)>
__attribute__((target("avx2"))) void apply4(const double* x, double* out, int n, double pad) {
  int i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, F(_mm256_loadu_pd(x + i)));
  if (i == n) return;
  // the last one to three values through the same function, padded with a harmless argument
  alignas(32) double tail[4] = {pad, pad, pad, pad};
  for (int k = 0; i + k < n; ++k) tail[k] = x[i + k];
  _mm256_store_pd(tail, F(_mm256_load_pd(tail)));
  for (int k = 0; i + k < n; ++k) out[i + k] = tail[k];
}

// (a static initializer may run before libgcc's own detection: run it first)
const bool has_avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2") != 0);

}  // namespace

void exp_n(const double* x, double* out, int n) {
  if (has_avx2) return apply4<_ZGVdN4v_exp>(x, out, n, 0.0);
  for (int i = 0; i < n; ++i) out[i] = std::exp(x[i]);
}

void log_n(const double* x, double* out, int n) {
  if (has_avx2) return apply4<_ZGVdN4v_log>(x, out, n, 1.0);
  for (int i = 0; i < n; ++i) out[i] = std::log(x[i]);
}

}  // namespace cascade

#else

namespace cascade {

void exp_n(const double* x, double* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = std::exp(x[i]);
}

void log_n(const double* x, double* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = std::log(x[i]);
}

}  // namespace cascade

#endif
