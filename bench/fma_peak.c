/*===- fma_peak.c - Measures this core's single-precision FMA peak ----------===
 *
 * Part of patc's bench/. Runs 16 independent FMA chains on the widest vector
 * registers the CPU has (AVX-512, else AVX2) and prints one JSON line:
 *   {"isa": "avx512", "lanes": 16, "gmacs": 57.7}
 * gmacs is the best of several timed runs, in 1e9 multiply-adds per second
 * on one thread. The benchmarks divide by it: machines of the same name
 * differ (a 2x512-bit FMA core doubles the rate of a double-pumped one).
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <time.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* 16 FMAs per iteration into 16 accumulators: more chains than FMA latency x
 * issue width on current cores, so the loop is throughput bound. Written in
 * assembly so that the compiler cannot merge or spill the chains. */
#define FMA16(R)                                                               \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "0\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "1\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "2\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "3\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "4\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "5\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "6\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "7\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "8\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "9\n\t"                             \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "10\n\t"                            \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "11\n\t"                            \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "12\n\t"                            \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "13\n\t"                            \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "14\n\t"                            \
  "vfmadd231ps %%" R "16, %%" R "17, %%" R "15\n\t"

__attribute__((target("avx512f"))) static void chains512(long n) {
  __asm__ volatile("vxorps %%zmm16, %%zmm16, %%zmm16\n\t"
                   "vxorps %%zmm17, %%zmm17, %%zmm17\n\t"
                   "1:\n\t" FMA16("zmm") "decq %0\n\tjnz 1b"
                   : "+r"(n)
                   :
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
                     "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
                     "xmm13", "xmm14", "xmm15", "xmm16", "xmm17");
}

/* AVX2 has 16 registers: 14 chains, the two operands in ymm14/ymm15. */
__attribute__((target("avx2,fma"))) static void chains256(long n) {
  __asm__ volatile(
      "vxorps %%ymm14, %%ymm14, %%ymm14\n\t"
      "vxorps %%ymm15, %%ymm15, %%ymm15\n\t"
      "1:\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm0\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm1\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm2\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm3\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm4\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm5\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm6\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm7\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm8\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm9\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm10\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm11\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm12\n\t"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm13\n\t"
      "decq %0\n\tjnz 1b"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

int main(void) {
  int avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !__builtin_cpu_supports("fma")) {
    printf("{\"isa\": \"none\", \"lanes\": 0, \"gmacs\": 0}\n");
    return 0;
  }
  int lanes = avx512 ? 16 : 8, chains = avx512 ? 16 : 14;
  long n = 20000000;
  double best = 1e30;
  for (int rep = 0; rep < 6; ++rep) { /* the first runs warm the clock up */
    double t = seconds();
    if (avx512)
      chains512(n);
    else
      chains256(n);
    t = seconds() - t;
    if (t < best)
      best = t;
  }
  printf("{\"isa\": \"%s\", \"lanes\": %d, \"gmacs\": %.1f}\n",
         avx512 ? "avx512" : "avx2", lanes, (double)n * chains * lanes / best / 1e9);
  return 0;
}
#else
int main(void) {
  printf("{\"isa\": \"unknown\", \"lanes\": 0, \"gmacs\": 0}\n");
  return 0;
}
#endif
