#!/usr/bin/env python3
"""Checks ONNX files with Debian's python3-onnx, independently of the code that wrote them: the
full model checker, then shape inference in strict mode (an op whose inputs do not fit, or an
inferred output shape that contradicts the declared one, is an error). Prints one line per file
with its opset and its inputs and outputs as inferred; exits non-zero at the first failure."""
import sys

import onnx
from onnx import checker, shape_inference


def describe(values):
    def dims(v):
        return "x".join(d.dim_param or str(d.dim_value) for d in v.type.tensor_type.shape.dim)
    return ", ".join(f"{v.name}[{dims(v)}]" for v in values)


def main(paths):
    if not paths:
        print("usage: onnx-check.py FILE.onnx...", file=sys.stderr)
        return 2
    for path in paths:
        model = onnx.load(path)
        checker.check_model(model, full_check=True)
        inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        print(f"{path}: ok opset {opset}; in {describe(inferred.graph.input)}; out {describe(inferred.graph.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
