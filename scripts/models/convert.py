"""Conversion to ONNX with skl2onnx, and a check that onnxruntime agrees with scikit-learn."""

import numpy as np
import onnx
import onnxruntime as ort
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType

import features as F

# Pinned so a newer skl2onnx cannot silently change the graph; onnxruntime-node 1.30 runs far newer opsets.
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}


def to_onnx(name: str, pipeline, with_categorical: bool) -> onnx.ModelProto:
    """Convert a fitted pipeline whose first step sees [numeric columns..., categorical columns...].

    skl2onnx maps integer column indices across the inputs in declaration order, so columns 0-29 land on
    the single `numeric` input and 30, 31, 32 on one string input each.
    """
    initial_types = [("numeric", FloatTensorType([None, len(F.NUMERIC)]))]
    if with_categorical:
        initial_types += [(f.name, StringTensorType([None, 1])) for f in F.CATEGORICAL]
    classifier = pipeline.steps[-1][1]
    model = convert_sklearn(
        pipeline,
        initial_types=initial_types,
        options={id(classifier): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    # skl2onnx names the graph with a random uuid; a fixed name keeps reruns byte-identical.
    model.graph.name = name
    model.doc_string = ""
    # skl2onnx leaves the batch dimension unnamed; a name makes the graph's signature self-describing.
    for value in list(model.graph.input) + list(model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    onnx.checker.check_model(model)
    return model


def run_onnx(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(label int64 [n], probabilities float32 [n, 2]) from onnxruntime."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    label, proba = session.run(["label", "probabilities"], {k: v for k, v in feeds.items() if k in names})
    return label, proba


def describe(model: onnx.ModelProto) -> list[str]:
    """One line per graph input and output: name, element type, shape."""
    lines = []
    for kind, values in (("input", model.graph.input), ("output", model.graph.output)):
        for v in values:
            t = v.type.tensor_type
            dims = [d.dim_param or d.dim_value or "?" for d in t.shape.dim]
            lines.append(f"{kind} {v.name}: {onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)} {dims}")
    return lines


def assert_agrees(name: str, sk_proba: np.ndarray, ort_proba: np.ndarray, tolerance: float) -> None:
    diff = float(np.max(np.abs(sk_proba[:, 1] - ort_proba[:, 1].astype(np.float64))))
    print(f"{name}: max |sklearn - onnxruntime| on golden rows = {diff:.3g}")
    if diff > tolerance:
        raise SystemExit(f"{name}: onnxruntime disagrees with scikit-learn by {diff} > {tolerance}")
