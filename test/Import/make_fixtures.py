#!/usr/bin/python3
"""Writes the small ONNX models the importer and codegen lit tests read.

usage: make_fixtures.py OUTPUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def save(path, nodes, inputs, outputs, inits=(), opset=OPSET):
    graph = helper.make_graph(nodes, os.path.basename(path)[:-5], inputs, outputs,
                              list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, path)


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    p = lambda name: os.path.join(out, name)

    # Conv + BN + Relu + MaxPool, flattened through a Shape chain, then Gemm.
    save(p("conv_bn_relu.onnx"), [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["mp"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Shape", ["mp"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsqueeze"),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], name="concat", axis=0),
        helper.make_node("Reshape", ["mp", "target"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["y"], name="fc", transB=1),
    ], [f32("x", [1, 3, 8, 8])], [f32("y", [1, 10])], [
        init("w", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
        init("b", np.zeros(4, np.float32)),
        init("g", np.ones(4, np.float32)), init("beta", np.zeros(4, np.float32)),
        init("mean", np.zeros(4, np.float32)), init("var", np.ones(4, np.float32)),
        init("zero", np.array(0, np.int64)), init("axes", np.array([0], np.int64)),
        init("minus1", np.array([-1], np.int64)),
        init("fc_w", rng.standard_normal((10, 64)).astype(np.float32)),
        init("fc_b", np.zeros(10, np.float32)),
    ])

    # Pattern-pruned 3x3 convs for the tile code generator: every kernel on
    # one of two patterns (010/111/000 and 000/011/011), a fifth of the
    # kernels empty; stride 1 and stride 2.
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 0, 0]], np.float32)
    corner = np.array([[0, 0, 0], [0, 1, 1], [0, 1, 1]], np.float32)
    w = rng.standard_normal((4, 8, 3, 3)).astype(np.float32)
    for o in range(4):
        for c in range(8):
            w[o, c] *= 0 if (o + c) % 5 == 0 else (cross if (o * 8 + c) % 2 else corner)
    for name, stride in (("pattern_conv", 1), ("pattern_conv_s2", 2)):
        save(p(name + ".onnx"), [
            helper.make_node("Conv", ["x", "w"], ["y"], name="pconv", pads=[1, 1, 1, 1],
                             strides=[stride, stride]),
        ], [f32("x", [1, 8, 12, 20])], [f32("y", [1, 4, 12 // stride, 20 // stride])],
            [init("w", w)])

    # Stride 2 on a 28x28 map (14x14 outputs, small enough for a flat tile)
    # with 64 and 128 input channels: the channel-major tile takes over
    # from the flat one from 128 channels on.
    for cin in (64, 128):
        wc = rng.standard_normal((4, cin, 3, 3)).astype(np.float32)
        for o in range(4):
            for c in range(cin):
                wc[o, c] *= 0 if (o + c) % 3 else (cross if c % 2 else corner)
        save(p("pattern_conv_s2_c%d.onnx" % cin), [
            helper.make_node("Conv", ["x", "w"], ["y"], name="pconv", pads=[1, 1, 1, 1],
                             strides=[2, 2]),
        ], [f32("x", [1, cin, 28, 28])], [f32("y", [1, 4, 14, 14])], [init("w", wc)])

    # Stride 1 without padding (output rows narrower than the input's: the
    # channel-major tile's blocks stay within a row), and with 128 filters
    # (channel-major tiles by default).
    save(p("pattern_conv_valid.onnx"), [
        helper.make_node("Conv", ["x", "w"], ["y"], name="pconv"),
    ], [f32("x", [1, 8, 12, 20])], [f32("y", [1, 4, 10, 18])], [init("w", w)])
    wf = rng.standard_normal((128, 8, 3, 3)).astype(np.float32)
    for o in range(128):
        for c in range(8):
            wf[o, c] *= 0 if (o + c) % 3 else (cross if (o + c) % 2 else corner)
    save(p("pattern_conv_f128.onnx"), [
        helper.make_node("Conv", ["x", "w"], ["y"], name="pconv", pads=[1, 1, 1, 1]),
    ], [f32("x", [1, 8, 14, 14])], [f32("y", [1, 128, 14, 14])], [init("w", wf)])
    # 64 filters: channel-major tiles by default up to 112x112 planes, row
    # tiles on 224x224 (the shapes only; the weights are the same).
    for hw in (112, 224):
        save(p(f"pattern_conv_f64_{hw}.onnx"), [
            helper.make_node("Conv", ["x", "w"], ["y"], name="pconv", pads=[1, 1, 1, 1]),
        ], [f32("x", [1, 8, hw, hw])], [f32("y", [1, 64, hw, hw])], [init("w", wf[:64])])

    # Taller: the 5-row tiles leave interior rows over, run as one more tile.
    save(p("pattern_conv_tall.onnx"), [
        helper.make_node("Conv", ["x", "w"], ["y"], name="pconv", pads=[1, 1, 1, 1]),
    ], [f32("x", [1, 8, 19, 20])], [f32("y", [1, 4, 19, 20])], [init("w", w)])

    # A residual add and ReLU after the conv, which patc folds into it.
    save(p("pattern_conv_residual.onnx"), [
        helper.make_node("Conv", ["x", "w"], ["c"], name="pconv", pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c", "r"], ["s"], name="add"),
        helper.make_node("Relu", ["s"], ["y"], name="relu"),
    ], [f32("x", [1, 8, 12, 20]), f32("r", [1, 4, 12, 20])], [f32("y", [1, 4, 12, 20])],
        [init("w", w)])

    # Wider: 100 columns are several column blocks of the row tiles, which
    # then read column strips.
    save(p("pattern_conv_wide.onnx"), [
        helper.make_node("Conv", ["x", "w"], ["y"], name="pconv", pads=[1, 1, 1, 1]),
    ], [f32("x", [1, 8, 12, 100])], [f32("y", [1, 4, 12, 100])], [init("w", w)])

    # The same with filter pairs (0, 2) and (1, 3) sharing their kernels'
    # channels and patterns (as pat-prune --filter-group 2 leaves them, up to
    # FKR's order): the tiles run two filters at a time.
    w2 = w.copy()
    for o in (2, 3):
        w2[o] = rng.standard_normal((8, 3, 3)).astype(np.float32) * (w[o - 2] != 0)
    save(p("pattern_conv_pairs.onnx"), [
        helper.make_node("Conv", ["x", "w"], ["y"], name="pconv", pads=[1, 1, 1, 1]),
    ], [f32("x", [1, 8, 12, 20])], [f32("y", [1, 4, 12, 20])], [init("w", w2)])

    # Dense convs on a 7x7 map: the channel-lane GEMM kernel's case (64 output
    # channels), one it leaves to the pixel-lane kernel (40: a 32-channel panel
    # would be 3/8 empty), and a stride-2 3x3 it reads through input bands.
    save(p("small_map_convs.onnx"), [
        helper.make_node("Conv", ["x", "w1"], ["a"], name="pointwise"),
        helper.make_node("Relu", ["a"], ["r"], name="relu"),
        helper.make_node("Conv", ["r", "w3", "b3"], ["c"], name="narrow"),
        helper.make_node("Conv", ["c", "w4"], ["y"], name="conv3x3_s2", pads=[1, 1, 1, 1],
                         strides=[2, 2]),
    ], [f32("x", [1, 64, 7, 7])], [f32("y", [1, 64, 4, 4])], [
        init("w1", rng.standard_normal((64, 64, 1, 1)).astype(np.float32) * 0.1),
        init("w3", rng.standard_normal((40, 64, 1, 1)).astype(np.float32) * 0.1),
        init("b3", rng.standard_normal(40).astype(np.float32)),
        init("w4", rng.standard_normal((64, 40, 3, 3)).astype(np.float32) * 0.1),
    ])

    save(p("unsupported_op.onnx"), [helper.make_node("Erf", ["x"], ["y"], name="erf_node")],
         [f32("x", [2, 3])], [f32("y", [2, 3])])

    save(p("dynamic_batch.onnx"), [helper.make_node("Relu", ["x"], ["y"], name="relu")],
         [f32("x", ["N", 3, 4, 4])], [f32("y", ["N", 3, 4, 4])])

    save(p("bad_attribute.onnx"), [helper.make_node(
        "MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], storage_order=1)],
         [f32("x", [1, 1, 4, 4])], [f32("y", [1, 1, 3, 3])])

    # Hostile shapes and attributes (found by mutating the models above):
    # each must be a clean error, not a crash inside libonnx or patc.
    save(p("zero_stride.onnx"), [helper.make_node(
        "MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], strides=[0, 2])],
         [f32("x", [1, 1, 4, 4])], [f32("y", [1, 1, 2, 2])])
    huge = numpy_helper.from_array(np.zeros((4, 2, 3, 3), np.float32), "w")
    huge.dims[1] = 2**31  # the dims claim 288 GiB; the data is 288 bytes
    save(p("huge_initializer.onnx"), [helper.make_node(
        "Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])],
         [f32("x", [1, 2, 4, 4])], [f32("y", [1, 4, 4, 4])], [huge])
    short = numpy_helper.from_array(np.array([2, 3], np.int64), "shape")
    short.raw_data = short.raw_data[:12]  # 1.5 of the 2 values its dims claim
    save(p("short_initializer.onnx"), [helper.make_node(
        "Reshape", ["x", "shape"], ["y"], name="reshape")],
         [f32("x", [6])], [f32("y", [2, 3])], [short])
    save(p("missing_input.onnx"), [helper.make_node(
        "Concat", ["x", ""], ["y"], name="concat", axis=0)],
         [f32("x", [2, 3])], [f32("y", [2, 3])])
    save(p("huge_input.onnx"), [helper.make_node("Relu", ["x"], ["y"], name="relu")],
         [f32("x", [2**31, 3, 8, 8])], [f32("y", [2**31, 3, 8, 8])])
    # A Conv fed a 2-D tensor by another node: libonnx's shape inference
    # crashes on it (SIGSEGV), which no check before inference can see.
    save(p("conv_on_flattened.onnx"), [
        helper.make_node("Flatten", ["x"], ["f"], name="flatten"),
        helper.make_node("Conv", ["f", "w"], ["y"], name="conv_2d_input"),
    ], [f32("x", [1, 4, 4, 4])], [f32("y", [1, 4, 1, 1])],
        [init("w", rng.standard_normal((4, 64, 1, 1)).astype(np.float32))])

    save(p("huge_pad.onnx"), [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad")],
         [f32("x", [1, 1, 2, 2])], [f32("y", [1, 1, 2**20 + 2, 2**20 + 2])],
         [init("pads", np.array([0, 0, 0, 0, 0, 0, 2**20, 2**20], np.int64))])
    # 512 GiB in and out: compiles (nothing of it is in the arena), but no
    # test machine can hold the buffers pat-run would allocate.
    save(p("big_io.onnx"), [helper.make_node("Relu", ["x"], ["y"], name="relu")],
         [f32("x", [2**27, 1024])], [f32("y", [2**27, 1024])])
    save(p("huge_constant_of_shape.onnx"), [helper.make_node(
        "ConstantOfShape", ["shape"], ["c"], name="fill"),
        helper.make_node("Add", ["x", "c"], ["y"], name="add")],
         [f32("x", [1])], [f32("y", [2**20, 2**20, 2**10])],
         [init("shape", np.array([2**20, 2**20, 2**10], np.int64))])

    # 1x1 pools of stride 1 without padding copy their input (torchvision's
    # adaptive average pool on a map of its output size); a 1x1 window of
    # stride 2 and a padded one do not. The second model's output is the
    # pooled input itself.
    save(p("identity_pools.onnx"), [
        helper.make_node("Relu", ["x"], ["r"], name="relu"),
        helper.make_node("AveragePool", ["r"], ["a"], name="avg_1x1", kernel_shape=[1, 1],
                         strides=[1, 1]),
        helper.make_node("MaxPool", ["a"], ["m"], name="max_1x1", kernel_shape=[1, 1]),
        helper.make_node("AveragePool", ["m"], ["s"], name="avg_1x1_s2", kernel_shape=[1, 1],
                         strides=[2, 2]),
        helper.make_node("MaxPool", ["s"], ["y"], name="max_1x1_padded", kernel_shape=[1, 1],
                         pads=[0, 0, 0, 0]),
    ], [f32("x", [1, 2, 6, 6])], [f32("y", [1, 2, 3, 3])])
    save(p("identity_pool_output.onnx"), [
        helper.make_node("AveragePool", ["x"], ["y"], name="avg_1x1", kernel_shape=[1, 1])],
         [f32("x", [1, 2, 3, 3])], [f32("y", [1, 2, 3, 3])])

    save(p("double_input.onnx"), [helper.make_node("Relu", ["x"], ["y"], name="relu")],
         [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [2])],
         [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [2])])

    # Weights in a file next to the model, and one that escapes the folder.
    os.makedirs(p("external"), exist_ok=True)
    weights = np.arange(6, dtype=np.float32)
    with open(p("external/weights.bin"), "wb") as f:
        f.write(weights.tobytes())
    for name, location in [("external/inside.onnx", "weights.bin"),
                           ("external/escape.onnx", "../secret.bin")]:
        t = TensorProto()
        t.name, t.data_type = "w", TensorProto.FLOAT
        t.dims.extend([2, 3])
        t.data_location = TensorProto.EXTERNAL
        for k, v in [("location", location), ("offset", "0"), ("length", "24")]:
            entry = t.external_data.add()
            entry.key, entry.value = k, v
        save(p(name), [helper.make_node("Add", ["x", "w"], ["y"], name="add")],
             [f32("x", [2, 3])], [f32("y", [2, 3])], [t])
    with open(p("secret.bin"), "wb") as f:
        f.write(weights.tobytes())

    # Names that would break out of C comments and strings if copied verbatim.
    save(p("hostile_names.onnx"),
         [helper.make_node("Relu", ["x"], ['y"??/'], name="r */ int evil; /* ??/")],
         [f32("x", [2])], [f32('y"??/', [2])])

    with open(p("not_a_model.onnx"), "wb") as f:
        f.write(b"this is not protobuf \xff\xff\xff")


if __name__ == "__main__":
    main(sys.argv[1])
