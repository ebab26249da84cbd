"""Inspect the ONNX graph: is `probabilities` = softmax(W · sentence_embedding + b)?

Walks back from the `probabilities` output, checks the chain
    sentence_embedding -> DynamicQuantizeLinear -> MatMulInteger(W_q int8 [384,7], per-class scale)
    -> Cast -> Mul(scales) -> Add(head.bias) -> Softmax -> probabilities
extracts W (dequantized: W_q * scale, zero point 0) and b, and compares against the model's own
`probabilities` on every cached row (run ml/embed.py first):
  (a) float head: softmax(e @ W + b)
  (b) exact emulation of the int8 path (uint8 dynamic quantization of e, as onnxruntime does).
Writes ml/results/head_inspection.json. Deterministic.

Usage: /tmp/mlvenv/bin/python ml/inspect_head.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import embed  # noqa: E402


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def extract_head():
    m = onnx.load(str(common.ONNX_PATH))
    g = m.graph
    by_out = {o: n for n in g.node for o in n.output}
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    chain = []
    n = by_out["probabilities"]
    while True:
        chain.append(n.op_type)
        if n.op_type == "DynamicQuantizeLinear":
            assert n.input[0] == "sentence_embedding", n.input
            break
        # follow the non-initializer input that is produced by a node
        nxt = [i for i in n.input if i in by_out and i not in inits]
        if n.op_type == "Mul":  # output scale mul: follow the Cast branch
            nxt = [i for i in nxt if by_out[i].op_type == "Cast"]
        n = by_out[nxt[0]]
    chain.reverse()
    wq = inits["head.weight_Transposed_quantized"].astype(np.float32)  # [384, 7]
    ws = inits["head.weight_Transposed_scale"].astype(np.float32)  # [7]
    wz = inits["head.weight_Transposed_zero_point"].astype(np.float32)
    W = ((wq - wz) * ws).T  # [7, 384], rows = classes
    b = inits["head.bias"].astype(np.float32)
    return chain, W, b, inits


def emulate_int8(e, inits):
    """onnxruntime DynamicQuantizeLinear (uint8, per tensor) + MatMulInteger + scale + bias."""
    out = np.zeros((e.shape[0], 7), dtype=np.float32)
    wq = inits["head.weight_Transposed_quantized"].astype(np.int32)
    ws = inits["head.weight_Transposed_scale"].astype(np.float32)
    b = inits["head.bias"].astype(np.float32)
    for i in range(e.shape[0]):  # batch size 1, as embedded
        x = e[i:i + 1].astype(np.float32)
        lo, hi = min(0.0, float(x.min())), max(0.0, float(x.max()))
        scale = np.float32((hi - lo) / 255.0)
        zp = np.clip(np.rint(np.float32(-lo) / scale), 0, 255)
        xq = np.clip(np.rint(x / scale) + zp, 0, 255).astype(np.int32)
        acc = (xq - int(zp)) @ wq
        out[i] = acc.astype(np.float32) * (scale * ws) + b
    return softmax(out)


def main():
    chain, W, b, inits = extract_head()
    rows = common.load_rows()
    emb, prob = embed.load_or_embed(rows)
    float_p = softmax(emb @ W.T + b)
    int8_p = emulate_int8(emb, inits)
    res = {
        "chain_from_sentence_embedding": chain,
        "W_shape": list(W.shape),
        "b": b.tolist(),
        "rows": len(rows),
        "max_abs_diff_float_head": float(np.abs(float_p - prob).max()),
        "mean_abs_diff_float_head": float(np.abs(float_p - prob).mean()),
        "max_abs_diff_int8_emulation": float(np.abs(int8_p - prob).max()),
        "argmax_agreement_float_head": float((float_p.argmax(1) == prob.argmax(1)).mean()),
        "flag_agreement_float_head_at_0.14": float(((float_p[:, 2] >= 0.14) == (prob[:, 2] >= 0.14)).mean()),
        "embedding_l2_norm_min": float(np.linalg.norm(emb, axis=1).min()),
        "embedding_l2_norm_max": float(np.linalg.norm(emb, axis=1).max()),
    }
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (common.RESULTS_DIR / "head_inspection.json").write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps({k: v for k, v in res.items() if k != "b"}, indent=1))


if __name__ == "__main__":
    main()
