/*===- bench/channel_major_s2.c - Channel-major stride-2 pattern conv -----===*
 *
 * Part of patc. A hand-written experiment, not used by patc: ResNet-18's
 * 128 -> 128, 56 -> 28, stride-2 3x3 layer (8 fixed 4-tap patterns, ~28%
 * of kernels kept at random) computed channel by channel instead of filter
 * by filter. For one output row, every filter's accumulators (2 vectors)
 * live in a 16 KB L1 buffer; for each input channel the 9 tap vectors are
 * loaded once from a column-phase copy and reused by all the kernels at that
 * channel (kernels stored channel-major, grouped by pattern, each with its
 * filter number), each kernel loading and storing its filter's 2
 * accumulators around 8 FMAs. Checked against a naive reference; prints the
 * median over repeats of the whole layer minus the phase copy.
 *
 *   gcc -O3 -march=x86-64-v4 -mprefer-vector-width=512 bench/channel_major_s2.c \
 *       -o /tmp/cm_s2 && /tmp/cm_s2 300
 *
 * Results and what it means for patc's row tiles: docs/benchmarks.md,
 * "2026-12-05".
 *===----------------------------------------------------------------------===*/
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define C 128
#define F 128
#define H 56
#define W 56
#define OH 28
#define OW 28
#define PW 28 /* phase row pitch: ceil(W / 2) */
#define P 8
/* The FMA4 tap lists in run_row spell these masks out by hand (a generated
 * tile would derive them); the reference check catches a mismatch. */
static const char *pats[P] = {"101010001","100011010","011110000","010010101","000111001","001110100","000011110","000011101"};
static int ptap[P][4];
static float *in, *ph, *out, *ref, *bias;
static float *wdense; /* [F][C][9] */
/* CSC */
static int cp_start[C * (P + 1)];
static int *kf; static float *kw;
static double now(void){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec*1e3+t.tv_nsec*1e-6;}
static float acc[F][32] __attribute__((aligned(64)));

#define FMA4(T0,T1,T2,T3) \
  for (int k = ks; k < ke; ++k) { \
    float *a = acc[kf[k]]; const float *w = kw + 4 * k; \
    __m512 a0 = _mm512_load_ps(a), a1 = _mm512_load_ps(a + 16); \
    __m512 w0 = _mm512_set1_ps(w[0]), w1 = _mm512_set1_ps(w[1]), w2 = _mm512_set1_ps(w[2]), w3 = _mm512_set1_ps(w[3]); \
    a0 = _mm512_fmadd_ps(w0, X##T0##_0, a0); a1 = _mm512_fmadd_ps(w0, X##T0##_1, a1); \
    a0 = _mm512_fmadd_ps(w1, X##T1##_0, a0); a1 = _mm512_fmadd_ps(w1, X##T1##_1, a1); \
    a0 = _mm512_fmadd_ps(w2, X##T2##_0, a0); a1 = _mm512_fmadd_ps(w2, X##T2##_1, a1); \
    a0 = _mm512_fmadd_ps(w3, X##T3##_0, a0); a1 = _mm512_fmadd_ps(w3, X##T3##_1, a1); \
    _mm512_store_ps(a, a0); _mm512_store_ps(a + 16, a1); }

static void run_row(int oy) {
  for (int f = 0; f < F; ++f) { __m512 b = _mm512_set1_ps(bias[f]); _mm512_store_ps(acc[f], b); _mm512_store_ps(acc[f] + 16, b); }
  const __mmask16 m0 = 0xffff, m1 = 0x0fff; /* cols 16..27 */
  const __mmask16 l0 = 0xfffe; /* kx=0: phase1 col ox-1; lane0 at col -1 */
  for (int c = 0; c < C; ++c) {
    __m512 X0_0, X0_1, X1_0, X1_1, X2_0, X2_1, X3_0, X3_1, X4_0, X4_1, X5_0, X5_1, X6_0, X6_1, X7_0, X7_1, X8_0, X8_1;
#define ROW(KY, A, B, Cc) { int iy = 2 * oy + KY - 1; \
    if (iy < 0 || iy >= H) { X##A##_0 = X##A##_1 = X##B##_0 = X##B##_1 = X##Cc##_0 = X##Cc##_1 = _mm512_setzero_ps(); } else { \
    const float *e = ph + ((c * 2 + 0) * H + iy) * PW, *o = ph + ((c * 2 + 1) * H + iy) * PW; \
    __m512 o0 = _mm512_maskz_loadu_ps(m0, o), o1 = _mm512_maskz_loadu_ps(m1, o + 16); \
    X##B##_0 = _mm512_maskz_loadu_ps(m0, e); X##B##_1 = _mm512_maskz_loadu_ps(m1, e + 16); \
    X##Cc##_0 = o0; X##Cc##_1 = o1; \
    __m512 sh = _mm512_maskz_loadu_ps(l0, o - 1); X##A##_0 = sh; X##A##_1 = _mm512_loadu_ps(o + 15); X##A##_1 = _mm512_maskz_mov_ps(0x1fff, X##A##_1); } }
    ROW(0, 0, 1, 2) ROW(1, 3, 4, 5) ROW(2, 6, 7, 8)
    const int *st = cp_start + c * (P + 1);
    int ks, ke;
    ks = st[0]; ke = st[1]; FMA4(0,2,4,8)
    ks = st[1]; ke = st[2]; FMA4(0,4,5,7)
    ks = st[2]; ke = st[3]; FMA4(1,2,3,4)
    ks = st[3]; ke = st[4]; FMA4(1,4,6,8)
    ks = st[4]; ke = st[5]; FMA4(3,4,5,8)
    ks = st[5]; ke = st[6]; FMA4(2,3,4,6)
    ks = st[6]; ke = st[7]; FMA4(4,5,6,7)
    ks = st[7]; ke = st[8]; FMA4(4,5,6,8)
  }
  for (int f = 0; f < F; ++f) { float *o = out + (f * OH + oy) * OW; for (int x = 0; x < OW; ++x) { float v = acc[f][x]; o[x] = v > 0 ? v : 0; } }
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 200;
  if (reps < 1 || reps > 1000) reps = 200;
  srand(1);
  for (int p = 0; p < P; ++p) { int n = 0; for (int t = 0; t < 9; ++t) if (pats[p][t] == '1') ptap[p][n++] = t; }
  in = malloc(4 * C * H * W); ph = aligned_alloc(64, 4 * C * 2 * H * PW + 256); out = malloc(4 * F * OH * OW); ref = malloc(4 * F * OH * OW); bias = malloc(4 * F);
  wdense = calloc(F * C * 9, 4);
  for (int i = 0; i < C * H * W; ++i) in[i] = rand() / (float)RAND_MAX - 0.5f;
  for (int f = 0; f < F; ++f) bias[f] = rand() / (float)RAND_MAX - 0.5f;
  int *kpat = malloc(4 * F * C); int nk = 0;
  for (int f = 0; f < F; ++f) for (int c = 0; c < C; ++c) { kpat[f * C + c] = (rand() % 1000 < 278) ? rand() % P : -1;
    if (kpat[f*C+c] >= 0) { nk++; for (int j = 0; j < 4; ++j) wdense[(f * C + c) * 9 + ptap[kpat[f*C+c]][j]] = rand() / (float)RAND_MAX - 0.5f; } }
  kf = malloc(4 * nk); kw = malloc(16 * nk);
  int k = 0;
  for (int c = 0; c < C; ++c) for (int p = 0; p < P; ++p) { cp_start[c * (P + 1) + p] = k;
    for (int f = 0; f < F; ++f) if (kpat[f * C + c] == p) { kf[k] = f; for (int j = 0; j < 4; ++j) kw[4 * k + j] = wdense[(f * C + c) * 9 + ptap[p][j]]; k++; }
    cp_start[c * (P + 1) + P] = k; }
  /* phases */
  memset(ph, 0, 4 * C * 2 * H * PW);
  for (int c = 0; c < C; ++c) for (int q = 0; q < 2; ++q) for (int y = 0; y < H; ++y) for (int j = 0; j < PW; ++j) ph[((c*2+q)*H+y)*PW+j] = in[(c*H+y)*W + 2*j+q];
  /* reference */
  for (int f = 0; f < F; ++f) for (int oy = 0; oy < OH; ++oy) for (int ox = 0; ox < OW; ++ox) { double s = bias[f];
    for (int c = 0; c < C; ++c) for (int ky = 0; ky < 3; ++ky) for (int kx = 0; kx < 3; ++kx) { int iy = 2*oy+ky-1, ix = 2*ox+kx-1;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += wdense[(f*C+c)*9+ky*3+kx] * in[(c*H+iy)*W+ix]; }
    ref[(f*OH+oy)*OW+ox] = s > 0 ? s : 0; }
  for (int oy = 0; oy < OH; ++oy) run_row(oy);
  double me = 0; for (int i = 0; i < F*OH*OW; ++i) { double d = out[i] - ref[i]; if (d < 0) d = -d; if (d > me) me = d; }
  double ts[1000]; 
  for (int r = 0; r < reps; ++r) { double t0 = now(); for (int oy = 0; oy < OH; ++oy) run_row(oy); ts[r] = now() - t0; }
  /* median */
  for (int i = 0; i < reps; ++i) for (int j = i + 1; j < reps; ++j) if (ts[j] < ts[i]) { double t = ts[i]; ts[i] = ts[j]; ts[j] = t; }
  double macs = (double)nk * 4 * OH * OW;
  printf("kernels %d maxerr %.2e median %.4f ms min %.4f  %.1f GMAC/s\n", nk, me, ts[reps/2], ts[0], macs / ts[reps/2] * 1e-6);
  return me > 1e-4; /* wrong results fail */
}
