#!/usr/bin/python3
"""Writes small CNNs in the style of real exported models, with seeded random
weights, as ONNX files (opset 14): resnet_style, vgg_style, mobilenetv2_style
and edge_cases (odd sizes, stride 2, dilation, groups, asymmetric padding,
every activation, pooling modes, data-movement ops).

usage: make_models.py OUTPUT_DIR [--only NAME]
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Net:
    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, array, prefix="w"):
        name = self.fresh(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, **attrs):
        out = self.fresh(op_type.lower() + "_")
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def conv(self, x, cin, cout, k, stride=1, pad=None, groups=1, dilation=1,
             bias=True, pads=None):
        fan_in = cin // groups * k * k
        w = self.rng.normal(0, np.sqrt(2.0 / fan_in), (cout, cin // groups, k, k))
        inputs = [x, self.const(w.astype(np.float32))]
        if bias:
            inputs.append(self.const(self.rng.normal(0, 0.1, cout).astype(np.float32), "b"))
        p = k // 2 * dilation if pad is None else pad
        return self.op("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride],
                       pads=pads or [p, p, p, p], group=groups,
                       dilations=[dilation, dilation])

    def bn(self, x, c):
        r = self.rng
        return self.op("BatchNormalization", [
            x, self.const(r.uniform(0.5, 1.5, c).astype(np.float32), "g"),
            self.const(r.normal(0, 0.1, c).astype(np.float32), "beta"),
            self.const(r.normal(0, 0.1, c).astype(np.float32), "mean"),
            self.const(r.uniform(0.5, 1.5, c).astype(np.float32), "var")], epsilon=1e-5)

    def relu6(self, x):
        return self.op("Clip", [x, self.const(np.float32(0), "lo"),
                                self.const(np.float32(6), "hi")])

    def fc(self, x, cin, cout):
        w = self.rng.normal(0, np.sqrt(1.0 / cin), (cout, cin)).astype(np.float32)
        b = self.rng.normal(0, 0.1, cout).astype(np.float32)
        return self.op("Gemm", [x, self.const(w), self.const(b, "b")], transB=1)

    def flatten_dynamic(self, x):
        """Flattens like torch.flatten exports: Shape -> Gather -> Concat -> Reshape."""
        shape = self.op("Shape", [x])
        batch = self.op("Gather", [shape, self.const(np.array(0, np.int64), "i")], axis=0)
        batch = self.op("Unsqueeze", [batch, self.const(np.array([0], np.int64), "axes")])
        target = self.op("Concat", [batch, self.const(np.array([-1], np.int64), "m1")], axis=0)
        return self.op("Reshape", [x, target])

    def save(self, path, x_shape, out, out_shape):
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)],
                                  producer_name="patc-make-models")
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, path)


def resnet_style(path):
    n = Net("resnet_style", 1)
    x = n.op("Relu", [n.bn(n.conv("input", 3, 16, 7, stride=2, bias=False), 16)])
    x = n.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c = 16
    for cout, stride in [(16, 1), (32, 2), (64, 2)]:
        y = n.op("Relu", [n.bn(n.conv(x, c, cout, 3, stride=stride, bias=False), cout)])
        y = n.bn(n.conv(y, cout, cout, 3, bias=False), cout)
        short = x if stride == 1 and c == cout else \
            n.bn(n.conv(x, c, cout, 1, stride=stride, bias=False), cout)
        x = n.op("Relu", [n.op("Add", [y, short])])
        c = cout
    x = n.flatten_dynamic(n.op("GlobalAveragePool", [x]))
    n.save(path, [1, 3, 64, 64], n.fc(x, c, 10), [1, 10])


def vgg_style(path):
    n = Net("vgg_style", 2)
    x, c = "input", 3
    for cout, reps in [(16, 2), (32, 2), (64, 3)]:
        for _ in range(reps):
            x = n.op("Relu", [n.conv(x, c, cout, 3)])
            c = cout
        x = n.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    # torchvision's adaptive average pool on a map of its output size: a
    # 1x1 window of stride 1 (patc imports it as a copy of its input).
    x = n.op("AveragePool", [x], kernel_shape=[1, 1], strides=[1, 1])
    x = n.op("Flatten", [x], axis=1)
    x = n.op("Dropout", [n.op("Relu", [n.fc(x, c * 4 * 4, 64)])])
    x = n.op("Softmax", [n.fc(x, 64, 10)], axis=1)
    n.save(path, [1, 3, 32, 32], x, [1, 10])


def mobilenetv2_style(path):
    n = Net("mobilenetv2_style", 3)
    x = n.relu6(n.bn(n.conv("input", 3, 16, 3, stride=2, bias=False), 16))
    c = 16
    for t, cout, stride in [(1, 16, 1), (6, 24, 2), (6, 24, 1), (6, 32, 2), (6, 32, 1)]:
        hidden = c * t
        y = x
        if t != 1:
            y = n.relu6(n.bn(n.conv(y, c, hidden, 1, bias=False), hidden))
        y = n.relu6(n.bn(n.conv(y, hidden, hidden, 3, stride=stride, groups=hidden,
                                bias=False), hidden))
        y = n.bn(n.conv(y, hidden, cout, 1, bias=False), cout)
        x = n.op("Add", [x, y]) if stride == 1 and c == cout else y
        c = cout
    x = n.relu6(n.bn(n.conv(x, c, 128, 1, bias=False), 128))
    x = n.flatten_dynamic(n.op("GlobalAveragePool", [x]))
    n.save(path, [1, 3, 56, 56], n.fc(x, 128, 10), [1, 10])


def edge_cases(path):
    n = Net("edge_cases", 4)
    x = n.conv("input", 1, 6, 3, stride=2, pads=[0, 1, 2, 1])          # 1 channel, asymmetric
    x = n.op("LeakyRelu", [x], alpha=0.1)
    x = n.conv(x, 6, 8, 3, dilation=2)                                  # dilation
    x = n.op("HardSwish", [n.conv(x, 8, 8, 3, groups=2)])               # groups > 1
    x = n.op("MaxPool", [x], kernel_shape=[3, 3], pads=[1, 1, 1, 1])    # 3-wide fast path
    x = n.op("MaxPool", [x], kernel_shape=[2, 3], dilations=[1, 2],     # dilated, uneven
             pads=[1, 2, 0, 2])
    a = n.op("Sigmoid", [n.conv(x, 8, 4, 1, stride=2, pad=0)])          # 1x1 stride 2
    b = n.op("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
             count_include_pad=1)
    b = n.op("Tanh", [n.conv(b, 8, 4, 5, pad=2)])                       # 5x5
    x = n.op("Concat", [a, b], axis=1)
    x = n.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)
    x = n.op("HardSigmoid", [x], alpha=0.3, beta=0.4)
    x = n.op("Pad", [x, n.const(np.array([0, 0, 1, 2, 0, 0, 1, 0], np.int64), "pads")],
             mode="reflect")
    x = n.op("Transpose", [x], perm=[0, 2, 3, 1])
    x = n.op("Mul", [x, n.const(n.rng.normal(0, 1, (8,)).astype(np.float32), "scale")])
    x = n.op("Sub", [x, n.const(np.float32(0.25), "s")])
    m = n.op("MatMul", [x, n.const(n.rng.normal(0, 0.5, (8, 5)).astype(np.float32))])
    x = n.op("Softmax", [m], axis=-1)
    x = n.op("GlobalMaxPool", [n.op("Transpose", [x], perm=[0, 3, 1, 2])])
    n.save(path, [1, 1, 31, 23], n.op("Flatten", [x]), [1, 5])


MODELS = {"resnet_style": resnet_style, "vgg_style": vgg_style,
          "mobilenetv2_style": mobilenetv2_style, "edge_cases": edge_cases}

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("output_dir")
    ap.add_argument("--only")
    args = ap.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    for name, build in MODELS.items():
        if not args.only or args.only == name:
            build(os.path.join(args.output_dir, name + ".onnx"))
