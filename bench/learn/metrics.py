"""bench/learn.sh: held-out figures of several models on one population.

    metrics.py [--check leadscore.csv] [--reference NAME] NAME=predictions.csv ...

Each predictions file has the columns lead_id, probability, converted (0/1),
one row per judged lead, in the order evaluate_leads() returned them (the
order evaluate_calibration() breaks ties in).  Every file must hold the same
leads with the same labels.  Per model: ROC AUC, Brier score, log loss
(scikit-learn's roc_auc_score, brier_score_loss, log_loss) and the
top-decile lift as evaluate_calibration() computes it (a stable sort by
probability, highest first; the first n // 10 + (n % 10 > 0) leads; their
rate over the rate of all).  With --reference, a paired bootstrap (2,000
resamples of the leads, fixed seed) of the reference's AUC and Brier score
minus each other model's: the 95 % interval of the difference.

--check: a CSV of leadscore's own figures (model, roc_auc, brier, log_loss,
top_decile_lift from evaluate() and evaluate_calibration()); each must equal
the figure computed here (exit 1 if not), so the table's numbers are the
extension's.
"""
import csv
import math
import sys

import numpy as np
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score


def read(path):
    ids, p, y = [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            ids.append(row["lead_id"])
            p.append(float(row["probability"]))
            y.append(int(row["converted"]))
    return ids, np.array(p), np.array(y)


def top_decile_lift(p, y):
    order = np.argsort(-p, kind="stable")
    n = len(p)
    size = n // 10 + (1 if n % 10 else 0)
    return y[order[:size]].mean() / y.mean()


def figures(p, y):
    return {
        "roc_auc": roc_auc_score(y, p),
        "brier": brier_score_loss(y, p),
        "log_loss": log_loss(y, np.clip(p, 1e-15, 1 - 1e-15)),
        "top_decile_lift": top_decile_lift(p, y),
    }


def main(argv):
    check, reference, models = None, None, []
    args = iter(argv)
    for a in args:
        if a == "--check":
            check = next(args)
        elif a == "--reference":
            reference = next(args)
        else:
            name, path = a.split("=", 1)
            models.append((name, path))
    data = {}
    ids0 = y0 = None
    for name, path in models:
        ids, p, y = read(path)
        if ids0 is None:
            ids0, y0 = ids, y
        key = dict(zip(ids, y))
        if sorted(ids) != sorted(ids0) or any(key[i] != l for i, l in zip(ids0, y0)):
            sys.exit(f"{name}: not the same leads and labels as {models[0][0]}")
        data[name] = (p, y, figures(p, y))

    n, conv = len(y0), int(y0.sum())
    rate = conv / n
    print(f"{n} leads, {conv} converted (rate {rate:.4f}); "
          f"Brier score of always predicting the rate: {rate * (1 - rate):.4f}")
    print()
    print("| model | ROC AUC | Brier | log loss | top-decile lift |")
    print("|---|---|---|---|---|")
    for name, _ in models:
        f = data[name][2]
        print(f"| {name} | {f['roc_auc']:.3f} | {f['brier']:.4f} | {f['log_loss']:.4f} | "
              f"{f['top_decile_lift']:.2f} |")
    print(f"| (always the rate) | 0.500 | {rate * (1 - rate):.4f} | "
          f"{-(rate * math.log(rate) + (1 - rate) * math.log(1 - rate)):.4f} | 1.00 |")

    if reference:
        rng = np.random.default_rng(20261207)
        draws = [rng.integers(0, n, n) for _ in range(2000)]
        pr, yr, _ = data[reference]
        print()
        print(f"Paired bootstrap, {reference} minus each model (95 % interval; 2,000 resamples of the leads):")
        for name, _ in models:
            if name == reference:
                continue
            po = data[name][0]
            d_auc, d_brier = [], []
            for idx in draws:
                yy = yr[idx]
                if yy.min() == yy.max():
                    continue
                d_auc.append(roc_auc_score(yy, pr[idx]) - roc_auc_score(yy, po[idx]))
                d_brier.append(np.mean((pr[idx] - yy) ** 2) - np.mean((po[idx] - yy) ** 2))
            lo_a, hi_a = np.percentile(d_auc, [2.5, 97.5])
            lo_b, hi_b = np.percentile(d_brier, [2.5, 97.5])
            print(f"  vs {name}: AUC {data[reference][2]['roc_auc'] - data[name][2]['roc_auc']:+.3f} "
                  f"[{lo_a:+.3f}, {hi_a:+.3f}], Brier "
                  f"{data[reference][2]['brier'] - data[name][2]['brier']:+.4f} [{lo_b:+.4f}, {hi_b:+.4f}]")

    if check:
        bad = 0
        with open(check, newline="") as f:
            for row in csv.DictReader(f):
                mine = data[row["model"]][2]
                for k, tol in (("roc_auc", 1e-9), ("brier", 1e-12), ("log_loss", 1e-9), ("top_decile_lift", 1e-12)):
                    theirs = float(row[k])
                    if not abs(theirs - mine[k]) <= tol * max(1, abs(mine[k])):
                        print(f"MISMATCH {row['model']} {k}: leadscore {theirs!r}, here {mine[k]!r}")
                        bad += 1
        print()
        if bad:
            print("leadscore's evaluate() / evaluate_calibration() and the figures computed here DISAGREE")
            return 1
        print("leadscore's evaluate() / evaluate_calibration() agree with the figures computed here")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
