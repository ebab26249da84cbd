"""Evaluate the suicidal flag and the classifier on the held-out split.

Baseline (default): the shipped model's own `probabilities` output; flag = probabilities[2] >= 0.14
(labels.json). With `--head models/mh7/head.json`: applies that linear head to the cached
`sentence_embedding`s (p = softmax(W·e + b); flag = p[suicidal_index] >= threshold, and, when
head.json has a `gate_label`, argmax(p) != gate_label), exactly as the app will.

Reports: suicide recall/precision on held-out mh7 rows; flagged rate on everyday messages
(held-out, all rows, hard negatives separately); per-class precision/recall/F1 and the confusion
matrix (argmax) on held-out mh7 rows (plus held-out everyday rows when the head has an Everyday
class). Writes ml/results/<name>.json and prints a markdown summary.

Usage: /tmp/mlvenv/bin/python ml/evaluate.py [--head models/mh7/head.json] [--name baseline]
Needs the embedding cache (ml/embed.py builds it, or this script does on first use). Deterministic.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import embed  # noqa: E402


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def apply_head(head: dict, emb: np.ndarray) -> np.ndarray:
    W = np.asarray(head["weights"], dtype=np.float32)
    b = np.asarray(head["bias"], dtype=np.float32)
    return softmax(emb.astype(np.float32) @ W.T + b)


def head_flag_score(head: dict, probs: np.ndarray) -> np.ndarray:
    """p[suicidal_index], zeroed where argmax is the head's gate_label (if any)."""
    s = probs[:, head["suicidal_index"]].copy()
    if head.get("gate_label"):
        s[probs.argmax(1) == head["labels"].index(head["gate_label"])] = 0.0
    return s


def evaluate_head(head: dict, emb: np.ndarray, rows: list[dict]) -> dict:
    probs = apply_head(head, emb)
    return evaluate(probs, head["labels"], head["threshold"], head["suicidal_index"], rows,
                    score=head_flag_score(head, probs))


def evaluate(probs: np.ndarray, labels: list[str], threshold: float, suicidal_index: int, rows: list[dict],
             score: np.ndarray | None = None) -> dict:
    score = probs[:, suicidal_index] if score is None else score
    res = {"flag": common.flag_report(score, threshold, rows)}
    lab = {n: i for i, n in enumerate(labels)}
    held = np.array([r["heldout"] for r in rows])
    mh7 = np.array([r["kind"] == "mh7" for r in rows])
    pred = probs.argmax(1)
    m = held & mh7
    y = np.array([lab.get(r["label"], -1) for r in rows])
    res["classes_heldout_mh7"] = common.per_class_report(y[m], pred[m], labels)
    if "Everyday" in lab:
        m2 = held & (y >= 0)
        res["classes_heldout_all"] = common.per_class_report(y[m2], pred[m2], labels)
    return res


def markdown(res: dict, title: str) -> str:
    f = res["flag"]
    s = [f"### {title}", "", f"threshold {f['threshold']:.4f}", "",
         "| measure | value |", "| --- | --- |"]
    for sp in ("heldout", "train", "all"):
        q = f[f"suicide_{sp}"]
        s.append(f"| suicide recall ({sp} mh7) | {common.pct(q['recall'])} ({q['tp']}/{q['tp'] + q['fn']}) |")
        s.append(f"| suicide precision ({sp} mh7) | {common.pct(q['precision'])} ({q['tp']}/{q['tp'] + q['fp']}) |")
    for sp in ("heldout", "all"):
        for k in ("everyday_plus_hard", "everyday", "hard_negative"):
            q = f[f"{k}_{sp}"]
            s.append(f"| flagged, {k.replace('_', ' ')} ({sp}) | {common.pct(q['rate'])} ({q['flagged']}/{q['n']}) |")
    for key in ("classes_heldout_mh7", "classes_heldout_all"):
        if key not in res:
            continue
        c = res[key]
        s += ["", f"{key}: accuracy {common.pct(c['accuracy'])}, macro F1 {c['macro_f1']:.3f}", "",
              "| class | precision | recall | F1 | support |", "| --- | --- | --- | --- | --- |"]
        for n, v in c["per_class"].items():
            if v["support"] or key == "classes_heldout_all":
                s.append(f"| {n} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
        short = [n[:10] for n in c["labels"]]
        s += ["", "confusion (rows = true, columns = predicted):", "",
              "| true \\ pred | " + " | ".join(short) + " |", "|---" * (len(short) + 1) + "|"]
        for n, row in zip(short, c["confusion"]):
            if sum(row) or key == "classes_heldout_all":
                s.append(f"| {n} | " + " | ".join(str(x) for x in row) + " |")
    return "\n".join(s) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--head", help="head.json to evaluate instead of the shipped probabilities")
    ap.add_argument("--name", default=None)
    a = ap.parse_args()
    rows = common.load_rows()
    emb, prob = embed.load_or_embed(rows)
    if a.head:
        head = json.loads(Path(a.head).read_text())
        res = evaluate_head(head, emb, rows)
        res["head_version"] = head["version"]
        name = a.name or "head"
    else:
        lj = json.loads(common.LABELS_PATH.read_text())
        res = evaluate(prob, lj["labels"], lj["suicidal_flag_threshold"], lj["suicidal_index"], rows)
        name = a.name or "baseline"
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (common.RESULTS_DIR / f"{name}.json").write_text(json.dumps(res, indent=1) + "\n")
    md = markdown(res, name)
    (common.RESULTS_DIR / f"{name}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
