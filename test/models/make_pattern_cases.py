#!/usr/bin/env python3
"""Writes pattern_cases.onnx: independent convolutions (input xI -> output yI)
whose weights follow kernel patterns, covering the edges of the pattern path:
odd widths, stride 2 and 3, padding (also asymmetric), dilation, 1 input
channel, a filter with no kernels, a whole-zero layer, one pattern only,
2- to 6-tap patterns, more masks than a layer may have, 5x5 and 1x17
kernels, fused activations, batch 2, filter pairs that share their kernels
(two-filter tiles; an odd filter count falls back to one-filter tiles), small
maps (flat tiles: 7x7, dilated with uneven padding, 1x1), and a grouped conv
that must fall back.

usage: make_pattern_cases.py OUT_DIR [--seed N]
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def random_masks(rng, kh, kw, count, taps):
    """`count` distinct masks of `taps` taps over a kh x kw kernel."""
    masks = set()
    while len(masks) < count:
        picks = rng.choice(kh * kw, size=taps, replace=False)
        m = np.zeros(kh * kw, dtype=bool)
        m[picks] = True
        masks.add(m.tobytes())
    return [np.frombuffer(m, dtype=bool).reshape(kh, kw) for m in sorted(masks)]


def pattern_weight(rng, cout, cin, kh, kw, patterns, taps, keep):
    """Random weights, each kernel on one of the layer's patterns; a kernel
    survives with probability `keep`."""
    w = rng.standard_normal((cout, cin, kh, kw)).astype(np.float32)
    library = random_masks(rng, kh, kw, patterns, taps) if patterns else []
    for o in range(cout):
        for c in range(cin):
            if not library or rng.random() >= keep:
                w[o, c] = 0
            else:
                w[o, c] *= library[rng.integers(len(library))]
    return w


CASES = [
    # name, cin, cout, (H, W), (kh, kw), stride (or (sh, sw)), pads [t, l, b, r], dilation,
    # patterns, taps, keep, activation, batch
    ("basic_odd_width", 16, 24, (13, 13), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, None, 1),
    ("stride2", 8, 16, (31, 30), (3, 3), 2, [1, 1, 1, 1], 1, 8, 4, 0.4, "Relu", 1),
    # Stride-2 row tiles read column phases: each parity of the left padding,
    # a wide one (phase column -1), dilation, a 5x5 kernel.
    ("stride2_no_pad_odd_width", 8, 8, (17, 37), (3, 3), 2, [0, 0, 0, 0], 1, 8, 4, 0.5, None, 1),
    ("stride2_pad2_dilation2", 8, 8, (21, 40), (3, 3), 2, [2, 2, 2, 2], 2, 6, 4, 0.5, "Relu", 1),
    ("stride2_kernel5x5_asymmetric", 8, 8, (19, 35), (5, 5), 2, [2, 1, 1, 3], 1, 6, 6, 0.5, None, 1),
    ("stride3_generic", 8, 8, (17, 19), (3, 3), 3, [1, 1, 1, 1], 1, 4, 4, 0.6, None, 1),
    ("dilation2", 8, 8, (20, 21), (3, 3), 1, [2, 2, 2, 2], 2, 6, 4, 0.5, None, 1),
    ("one_input_channel", 1, 16, (12, 40), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.9, "Relu", 1),
    ("no_padding", 8, 8, (9, 70), (3, 3), 1, [0, 0, 0, 0], 1, 8, 4, 0.5, None, 1),
    ("asymmetric_pads", 8, 8, (10, 11), (3, 3), 1, [1, 0, 0, 2], 1, 8, 4, 0.5, None, 1),
    ("one_pattern", 8, 8, (16, 16), (3, 3), 1, [1, 1, 1, 1], 1, 1, 4, 0.5, None, 1),
    ("two_taps", 8, 8, (15, 33), (3, 3), 1, [1, 1, 1, 1], 1, 6, 2, 0.5, None, 1),
    ("six_taps_12_patterns", 8, 8, (15, 15), (3, 3), 1, [1, 1, 1, 1], 1, 12, 6, 0.5, None, 1),
    ("too_many_masks", 8, 8, (14, 14), (3, 3), 1, [1, 1, 1, 1], 1, 40, 3, 0.5, None, 1),
    ("kernel5x5", 8, 8, (18, 19), (5, 5), 1, [2, 2, 2, 2], 1, 6, 6, 0.5, None, 1),
    ("kernel1x17_wide", 4, 4, (6, 40), (1, 17), 1, [0, 8, 0, 8], 1, 4, 5, 0.7, None, 1),
    ("short_image", 8, 8, (3, 50), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, None, 1),
    ("sigmoid_batch2", 8, 12, (11, 17), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, "Sigmoid", 2),
    ("whole_layer_zero", 8, 8, (8, 8), (3, 3), 1, [1, 1, 1, 1], 1, 0, 4, 0.0, None, 1),
    ("empty_filter", 8, 8, (12, 12), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, "Relu", 1),
    # Filter pairs sharing channels and patterns (filter-level LRE tiles):
    ("pairs_odd_width", 16, 24, (21, 37), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.4, "Relu", 1),
    ("pairs_stride2_batch2", 8, 16, (30, 29), (3, 3), 2, [1, 1, 1, 1], 1, 8, 4, 0.5, None, 2),
    ("pairs_dilation2", 8, 8, (20, 50), (3, 3), 1, [2, 2, 2, 2], 2, 6, 4, 0.5, "Sigmoid", 1),
    ("pairs_odd_filters", 8, 7, (14, 14), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, None, 1),
    # Stride 1 over several column blocks reads column strips of each unit's
    # input rows: a partial last strip, a strip wider than the right padding
    # reaches, dilation 3 with wide padding, rest tiles, Sigmoid applied after
    # the tiles (per unit, over every strip) on a batch of 2.
    ("strips_sigmoid_batch2", 8, 8, (19, 75), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, "Sigmoid", 2),
    ("strips_dilation3_wide_pad", 8, 8, (17, 66), (3, 3), 1, [3, 3, 3, 3], 3, 6, 4, 0.5, "Relu", 1),
    ("strips_asymmetric_pads", 8, 8, (13, 49), (3, 3), 1, [0, 2, 1, 0], 1, 8, 4, 0.5, None, 1),
    # Small maps (flat tiles): pairs, dilation with wide padding, a 1x1-wide map.
    ("pairs_small_map", 16, 16, (7, 7), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, "Relu", 1),
    ("small_map_dilation2", 8, 8, (9, 6), (3, 3), 1, [2, 3, 2, 1], 2, 6, 4, 0.6, None, 2),
    ("one_pixel", 8, 8, (1, 1), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.6, None, 1),
    # Residual adds (RESIDUAL below) that patc folds into the pattern conv:
    # row tiles with rest and border rows on a batch of 2, Sigmoid applied
    # after strip tiles, stride-2 phases, the generic kernel, a flat tile.
    ("residual_rows_batch2", 8, 8, (13, 37), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, "Relu", 2),
    ("residual_strips_sigmoid", 8, 8, (11, 70), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, "Sigmoid", 1),
    ("residual_stride2", 8, 8, (21, 30), (3, 3), 2, [1, 1, 1, 1], 1, 8, 4, 0.5, "Relu", 1),
    ("residual_stride3_generic", 8, 8, (17, 19), (3, 3), 3, [1, 1, 1, 1], 1, 4, 4, 0.6, "Relu", 1),
    ("residual_small_map", 16, 16, (7, 7), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.5, None, 1),
    # Different strides along H and W: stride (2, 1) on a wide map (column
    # strips whose band rows step by 2), (1, 2) (column phases read at
    # every row), (2, 1) on a small map (flat tile phases by rows only).
    ("stride2x1_strips", 8, 8, (21, 70), (3, 3), (2, 1), [1, 1, 1, 1], 1, 8, 4, 0.5, "Relu", 1),
    ("stride1x2_phases", 8, 8, (15, 33), (3, 3), (1, 2), [1, 1, 1, 1], 1, 8, 4, 0.5, None, 1),
    ("stride2x1_small_map", 8, 8, (9, 7), (3, 3), (2, 1), [1, 1, 1, 1], 1, 8, 4, 0.5, None, 1),
    # Channel-major tiles (stride 2, too big for a flat tile): two column
    # blocks, the second partial, Sigmoid applied after the row's blocks.
    ("channels_two_blocks_sigmoid", 8, 8, (13, 75), (3, 3), 2, [1, 1, 1, 1], 1, 8, 4, 0.5, "Sigmoid", 1),
    # Channel-major tiles on the flat copy (rows of 5 would fill 5 of 8 or
    # 16 lanes): a residual, Sigmoid and a batch of 2 on 6x5 outputs, whose
    # second block of flat positions is partial.
    ("residual_channels_flat_sigmoid", 8, 8, (11, 10), (3, 3), 2, [1, 1, 1, 1], 1, 8, 4, 0.5, "Sigmoid", 2),
    # Stride-1 channel-major tiles, the default from 128 filters: blocks of
    # the output plane across row ends (an odd width, a residual, Sigmoid,
    # a batch of 2, the last block partial), a 5x5 kernel with asymmetric
    # padding (out_w == in_w still), and rows narrower than the input's (no
    # padding: blocks stay in a row).
    ("residual_channels_image_sigmoid", 8, 128, (9, 13), (3, 3), 1, [1, 1, 1, 1], 1, 8, 4, 0.3, "Sigmoid", 2),
    ("channels_image_5x5_asymmetric", 6, 128, (8, 11), (5, 5), 1, [1, 3, 3, 1], 1, 6, 5, 0.3, "Relu", 1),
    ("channels_rows_no_pad", 8, 128, (7, 21), (3, 3), 1, [0, 0, 0, 0], 1, 8, 4, 0.3, None, 1),
    # Stride-2 channel-major blocks of two output rows (rows that fit one
    # vector: 4 wide with NEON, 15 wide with AVX-512; AVX2 and portable C
    # have too few registers for two), the last pair half outside the
    # plane (5 and 9 rows).
    ("channels_s2_row_pairs", 8, 16, (9, 7), (3, 3), 2, [1, 1, 1, 1], 1, 8, 4, 0.5, "Relu", 1),
    ("residual_channels_s2_row_pairs", 8, 16, (17, 29), (3, 3), 2, [1, 1, 1, 1], 1, 8, 4, 0.5, "Sigmoid", 2),
]

# Cases whose conv output is added to a second input of the output's shape
# (Add(conv, r{i}), then the activation), as ResNet blocks end.
RESIDUAL = {name for name, *_ in CASES if name.startswith("residual_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    nodes, inputs, outputs, inits = [], [], [], []
    for i, (name, cin, cout, (h, w), (kh, kw), stride, pads, dil, patterns,
            taps, keep, act, batch) in enumerate(CASES):
        sh, sw = stride if isinstance(stride, tuple) else (stride, stride)
        weight = pattern_weight(rng, cout, cin, kh, kw, patterns, taps, keep)
        if name == "empty_filter":
            weight[0] = 0
            weight[3] = 0
        if name.startswith("pairs_"):
            # Filter 2k + 1 takes filter 2k's kernel masks, new values.
            fresh = rng.standard_normal(weight.shape).astype(np.float32)
            weight[1::2] = fresh[1::2] * (weight[0:cout - cout % 2:2] != 0)
        bias = rng.standard_normal(cout).astype(np.float32)
        x, y = f"x{i}_{name}", f"y{i}_{name}"
        inits += [numpy_helper.from_array(weight, f"w{i}"),
                  numpy_helper.from_array(bias, f"b{i}")]
        conv_out = y if act is None and name not in RESIDUAL else f"c{i}"
        nodes.append(helper.make_node(
            "Conv", [x, f"w{i}", f"b{i}"], [conv_out], name=f"conv_{name}",
            kernel_shape=[kh, kw], strides=[sh, sw],
            pads=[pads[0], pads[1], pads[2], pads[3]], dilations=[dil, dil]))
        oh = (h + pads[0] + pads[2] - dil * (kh - 1) - 1) // sh + 1
        ow = (w + pads[1] + pads[3] - dil * (kw - 1) - 1) // sw + 1
        if name in RESIDUAL:
            residual, sum_out = f"r{i}_{name}", y if act is None else f"s{i}"
            nodes.append(helper.make_node("Add", [conv_out, residual], [sum_out]))
            inputs.append(helper.make_tensor_value_info(
                residual, TensorProto.FLOAT, [batch, cout, oh, ow]))
            conv_out = sum_out
        if act is not None:
            nodes.append(helper.make_node(act, [conv_out], [y]))
        inputs.append(helper.make_tensor_value_info(x, TensorProto.FLOAT,
                                                    [batch, cin, h, w]))
        outputs.append(helper.make_tensor_value_info(y, TensorProto.FLOAT,
                                                     [batch, cout, oh, ow]))
    # A depthwise conv with patterned weights: grouped, so it stays dense.
    dw = pattern_weight(rng, 8, 1, 3, 3, 4, 4, 1.0)
    inits.append(numpy_helper.from_array(dw, "w_dw"))
    nodes.append(helper.make_node("Conv", ["x_grouped", "w_dw"], ["y_grouped"],
                                  name="conv_grouped_fallback", group=8,
                                  kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    inputs.append(helper.make_tensor_value_info("x_grouped", TensorProto.FLOAT,
                                                [1, 8, 9, 9]))
    outputs.append(helper.make_tensor_value_info("y_grouped", TensorProto.FLOAT,
                                                 [1, 8, 9, 9]))
    graph = helper.make_graph(nodes, "pattern_cases", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(args.out_dir, exist_ok=True)
    onnx.save(model, os.path.join(args.out_dir, "pattern_cases.onnx"))


if __name__ == "__main__":
    main()
