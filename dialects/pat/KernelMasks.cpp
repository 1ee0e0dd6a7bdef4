//===- KernelMasks.cpp - Non-zero masks of convolution kernels ------------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/KernelMasks.h"
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace pat {

KernelMask nonzeroMask(const float *kernel, int64_t taps) {
  KernelMask mask = 0;
  for (int64_t t = 0; t < taps; ++t)
    if (kernel[t] != 0.0f)
      mask |= KernelMask(1) << t;
  return mask;
}

int64_t maskTaps(KernelMask mask) { return __builtin_popcountll(mask); }

KernelMask largestTapsMask(const float *kernel, int64_t kernelH,
                           int64_t kernelW, int64_t n) {
  int64_t taps = kernelH * kernelW;
  n = std::min(n, taps);
  KernelMask mask = 0;
  if (n <= 0)
    return 0;
  if (kernelH % 2 == 1 && kernelW % 2 == 1) {
    mask |= KernelMask(1) << (kernelH / 2 * kernelW + kernelW / 2);
    --n;
  }
  std::vector<int64_t> order(taps);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return std::fabs(kernel[a]) > std::fabs(kernel[b]);
  });
  for (int64_t t : order) {
    if (n == 0)
      break;
    if (mask & (KernelMask(1) << t))
      continue;
    mask |= KernelMask(1) << t;
    --n;
  }
  return mask;
}

double maskedSquaredNorm(const float *kernel, int64_t taps, KernelMask mask) {
  double sum = 0;
  for (int64_t t = 0; t < taps; ++t)
    if (mask & (KernelMask(1) << t))
      sum += double(kernel[t]) * kernel[t];
  return sum;
}

std::string maskToString(KernelMask mask, int64_t kernelH, int64_t kernelW) {
  std::string s;
  for (int64_t r = 0; r < kernelH; ++r) {
    if (r)
      s += '/';
    for (int64_t c = 0; c < kernelW; ++c)
      s += (mask >> (r * kernelW + c)) & 1 ? '1' : '0';
  }
  return s;
}

bool maskFromString(const std::string &text, int64_t kernelH, int64_t kernelW,
                    KernelMask &mask) {
  if (kernelH * kernelW > kMaxMaskedTaps ||
      int64_t(text.size()) != kernelH * (kernelW + 1) - 1)
    return false;
  mask = 0;
  for (int64_t r = 0; r < kernelH; ++r)
    for (int64_t c = 0; c <= kernelW; ++c) {
      int64_t i = r * (kernelW + 1) + c;
      if (c == kernelW) {
        if (r + 1 < kernelH && text[i] != '/')
          return false;
        continue;
      }
      if (text[i] != '0' && text[i] != '1')
        return false;
      if (text[i] == '1')
        mask |= KernelMask(1) << (r * kernelW + c);
    }
  return true;
}

} // namespace pat
