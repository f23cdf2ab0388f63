"""Tiny graphs for the benchmark's machine-peak figures: one MatMulInteger (u8 x s8 -> i32) and one MatMul (fp32).

They hold no weights (both operands are inputs), so they are a few hundred bytes and are committed
under src/ClassSR.Edge.Bench/fixtures/ (the engine bench's GEMM peak; not part of the model set). Run: python3 -m classsr.benchmodels OUT_DIR
"""
import os
import sys
import onnx
from onnx import TensorProto, helper


def gemm(kind):
    if kind == "int8":
        a = helper.make_tensor_value_info("A", TensorProto.UINT8, ["M", "K"])
        b = helper.make_tensor_value_info("B", TensorProto.INT8, ["K", "N"])
        y = helper.make_tensor_value_info("Y", TensorProto.INT32, ["M", "N"])
        node = helper.make_node("MatMulInteger", ["A", "B"], ["Y"])
    else:
        a = helper.make_tensor_value_info("A", TensorProto.FLOAT, ["M", "K"])
        b = helper.make_tensor_value_info("B", TensorProto.FLOAT, ["K", "N"])
        y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["M", "N"])
        node = helper.make_node("MatMul", ["A", "B"], ["Y"])
    g = helper.make_graph([node], f"gemm_{kind}", [a, b], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="classsr-edge-recipe")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for k in ("int8", "fp32"):
        onnx.save(gemm(k), os.path.join(out, f"gemm_{k}.onnx"))
