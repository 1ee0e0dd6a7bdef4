#!/usr/bin/python3
"""Exports torchvision models with random weights to ONNX (1x3x224x224).

usage: export_torchvision.py OUTPUT_DIR [MODEL ...]
MODEL is a torchvision.models name (default: resnet18 resnet50 vgg16
mobilenet_v2). Weights are random (seeded): nothing is downloaded.
"""
import os
import sys

import torch
import torchvision

DEFAULT = ["resnet18", "resnet50", "vgg16", "mobilenet_v2"]


def main():
    out_dir = sys.argv[1]
    names = sys.argv[2:] or DEFAULT
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    for name in names:
        path = os.path.join(out_dir, name + ".onnx")
        if os.path.exists(path):
            continue
        model = getattr(torchvision.models, name)(weights=None).eval()
        x = torch.randn(1, 3, 224, 224)
        torch.onnx.export(model, x, path + ".tmp", input_names=["input"],
                          output_names=["logits"], opset_version=13)
        os.replace(path + ".tmp", path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
