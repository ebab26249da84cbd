"""Write / read / verify models/mh7/base_embeddings.bin (base data embeddings for on-device re-fit).

Format (all little-endian):
    magic      6 bytes  b"BLEMB1"
    rows       u32
    dim        u32      (384)
    label_count u32
    label_count × { u16 byte length, UTF-8 bytes }      label names, index order = head.json labels
    rows × {
        u8  label index
        u8  split   (0 = train, 1 = held-out: SHA-256(text)[0] < 51)
        u8  kind    (0 = mh7_train.csv, 1 = everyday, 2 = hard negative)
        u8  reserved (0)
        f32 scale
        dim × i8    values; embedding ≈ value × scale
    }
Row order: every row of mh7_train.csv in file order, then every row of ml/everyday_messages.csv in
file order. Quantization per row, symmetric: scale = max|e| / 127, value = round_half_even(e / scale)
clipped to [-127, 127]. Embeddings are the shipped model's `sentence_embedding` (batch size 1).

Usage: /tmp/mlvenv/bin/python ml/base_embeddings.py [--out models/mh7/base_embeddings.bin] [--verify]
--verify: checks the round-trip error, then re-runs ml/train_head.py's whole procedure on the
dequantized embeddings and compares held-out metrics with the float-trained head (run
ml/train_head.py first): (a) the dequantized-trained weights with the float head's threshold,
(b) the whole procedure including its own threshold choice. Deterministic.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

MAGIC = b"BLEMB1"
LABELS = common.MH7_LABELS + [common.EVERYDAY]


def quantize(emb: np.ndarray):
    scale = np.abs(emb).max(axis=1) / 127.0
    scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
    q = np.clip(np.rint(emb / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def write(path, rows, emb):
    q, scale = quantize(emb.astype(np.float32))
    lab = {n: i for i, n in enumerate(LABELS)}
    out = bytearray(MAGIC)
    out += struct.pack("<III", len(rows), emb.shape[1], len(LABELS))
    for n in LABELS:
        b = n.encode("utf-8")
        out += struct.pack("<H", len(b)) + b
    for i, r in enumerate(rows):
        out += struct.pack("<BBBBf", lab[r["label"]], int(r["heldout"]), common.KINDS[r["kind"]], 0, float(scale[i]))
        out += q[i].tobytes()
    Path(path).write_bytes(bytes(out))
    return len(out)


def read(path):
    data = Path(path).read_bytes()
    assert data[:6] == MAGIC, "bad magic"
    rows, dim, nl = struct.unpack_from("<III", data, 6)
    off = 18
    labels = []
    for _ in range(nl):
        (n,) = struct.unpack_from("<H", data, off)
        labels.append(data[off + 2: off + 2 + n].decode("utf-8"))
        off += 2 + n
    rec = np.dtype([("label", "u1"), ("split", "u1"), ("kind", "u1"), ("reserved", "u1"), ("scale", "<f4"),
                    ("values", "i1", (dim,))])
    arr = np.frombuffer(data, dtype=rec, count=rows, offset=off)
    assert off + rows * rec.itemsize == len(data), "trailing bytes"
    emb = arr["values"].astype(np.float32) * arr["scale"][:, None]
    return {"labels": labels, "label": arr["label"], "split": arr["split"], "kind": arr["kind"],
            "scale": arr["scale"], "values": arr["values"], "embeddings": emb, "dim": dim}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(common.MODEL_DIR / "base_embeddings.bin"))
    ap.add_argument("--verify", action="store_true")
    a = ap.parse_args()
    import embed

    rows = common.load_rows()
    emb, _ = embed.load_or_embed(rows)
    size = write(a.out, rows, emb)
    back = read(a.out)
    lab = {n: i for i, n in enumerate(LABELS)}
    assert back["labels"] == LABELS
    assert (back["label"] == [lab[r["label"]] for r in rows]).all()
    assert (back["split"] == [int(r["heldout"]) for r in rows]).all()
    assert (back["kind"] == [common.KINDS[r["kind"]] for r in rows]).all()
    d = back["embeddings"] - emb
    cos = (back["embeddings"] * emb).sum(1) / np.linalg.norm(back["embeddings"], axis=1)
    res = {"path": a.out, "bytes": size, "rows": len(rows), "max_abs_error": float(np.abs(d).max()),
           "mean_abs_error": float(np.abs(d).mean()), "min_cosine_to_float": float(cos.min()),
           "dequantized_norm_min": float(np.linalg.norm(back["embeddings"], axis=1).min()),
           "dequantized_norm_max": float(np.linalg.norm(back["embeddings"], axis=1).max())}
    print(json.dumps(res, indent=1))
    if a.verify:
        import evaluate
        import train_head

        ref_head = json.loads((common.MODEL_DIR / "head.json").read_text())
        _, qemb, W, b, best, _, _, secs = train_head.run(a.out, ref_head["fit"]["target_recall"],
                                                         log=lambda *x: None)
        head = train_head.head_json(W, b, best, ref_head["fit"]["target_recall"], "verify")
        head_same_t = dict(head, threshold=ref_head["threshold"])

        def summary(r):
            f = r["flag"]
            return {"suicide_recall_heldout": f["suicide_heldout"]["recall"],
                    "suicide_precision_heldout": f["suicide_heldout"]["precision"],
                    "everyday_plus_hard_flagged_heldout": f["everyday_plus_hard_heldout"]["rate"],
                    "everyday_plus_hard_flagged_all": f["everyday_plus_hard_all"]["rate"],
                    "mh7_accuracy_heldout": r["classes_heldout_mh7"]["accuracy"],
                    "mh7_macro_f1_heldout": r["classes_heldout_mh7"]["macro_f1"]}

        ref = summary(evaluate.evaluate_head(ref_head, emb, rows))
        a_ = summary(evaluate.evaluate_head(head_same_t, emb, rows))
        b_ = summary(evaluate.evaluate_head(head, emb, rows))
        Wr = np.asarray(ref_head["weights"]); pr = evaluate.apply_head(ref_head, emb); pq = evaluate.apply_head(head, emb)
        out = {"reference_float_trained_head": ref,
               "a_dequantized_weights_reference_threshold": a_,
               "b_dequantized_full_procedure": b_,
               "dequantized_fit": {"everyday_mult": best["everyday_mult"], "lam": best["lam"], "gate": best["gate"],
                                   "threshold": best["threshold"], "training_seconds": secs},
               "max_abs_weight_diff": float(np.abs(Wr - W).max()),
               "max_abs_prob_diff_all_rows": float(np.abs(pr - pq).max()),
               "argmax_agreement_all_rows": float((pr.argmax(1) == pq.argmax(1)).mean()),
               "a_max_abs_metric_diff": max(abs(a_[k] - ref[k]) for k in ref),
               "b_max_abs_metric_diff": max(abs(b_[k] - ref[k]) for k in ref)}
        print(json.dumps(out, indent=1))
        res["verify"] = out
        print(json.dumps(out, indent=1))
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (common.RESULTS_DIR / "base_embeddings.json").write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
