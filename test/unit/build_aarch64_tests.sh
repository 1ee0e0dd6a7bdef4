#!/bin/sh
# Cross-compiles the runtime unit tests (RuntimeTest, ConvKernelTest,
# DenseKernelTest, PatternKernelTest) for aarch64 with the runtime built as patc builds it for
# --target=aarch64 (-DPAT_ISA_NEON), linked with GoogleTest built from
# Debian's sources (libgtest-dev ships them; there is no aarch64 libgtest).
# The binary runs under qemu-user (ctest runtime_unit_tests_aarch64).
#
# usage: build_aarch64_tests.sh SOURCE_DIR WORK_DIR OUTPUT [LAUNCHER]
set -eu
src=$1 work=$2 out=$3 launcher=${4:-}
cc="$launcher aarch64-linux-gnu-gcc"
cxx="$launcher aarch64-linux-gnu-g++"
gtest=/usr/src/googletest/googletest
mkdir -p "$work"

objs=
for f in "$src"/runtime/src/*.c "$src"/runtime/kernels/*.c \
         "$src"/runtime/test_model_stub.c; do
  o="$work/$(basename "$f" .c).o"
  $cc -std=c99 -O2 -fPIC -D_POSIX_C_SOURCE=200809L -DPAT_ISA_NEON \
    -I"$src/runtime/include" -I"$src/runtime/src" -I"$src/runtime/kernels" \
    -c "$f" -o "$o"
  objs="$objs $o"
done
for f in "$gtest/src/gtest-all.cc" "$gtest/src/gtest_main.cc" \
         "$src"/test/unit/RuntimeTest.cpp "$src"/test/unit/ConvKernelTest.cpp \
         "$src"/test/unit/DenseKernelTest.cpp \
         "$src"/test/unit/PatternKernelTest.cpp \
         "$src"/test/unit/PoolKernelTest.cpp \
         "$src"/compiler/codegen/WeightPacking.cpp; do
  o="$work/$(basename "$f").o"
  # WeightPacking uses llvm::ArrayRef only (header-only without the ABI
  # check symbol, which lives in libLLVM).
  $cxx -std=c++17 -O2 -DPAT_ISA_NEON -DLLVM_DISABLE_ABI_BREAKING_CHECKS_ENFORCING=1 \
    -I"$gtest/include" -I"$gtest" -I"$src" -I/usr/lib/llvm-19/include \
    -I"$src/runtime/include" -I"$src/runtime/src" -I"$src/runtime/kernels" \
    -c "$f" -o "$o"
  objs="$objs $o"
done
$cxx -o "$out" $objs -lpthread -lm
