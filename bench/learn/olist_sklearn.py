"""bench/learn.sh, part 3: scikit-learn on the same Olist leads as learn().

    olist_sklearn.py train.csv test.csv OUTDIR

The CSVs (exported by bench/learn.sh) have per lead: lead_id, converted
(0/1, evaluate_leads()' label: first won deal in (as_of, as_of + horizon]),
origin (the observed Olist origin, '' for none), and counts of the lead's
activity rows up to its as_of: one per activity type, and one per page-view
or webinar condition of the model's rules (blog, pricing read >= 30 s,
careers, webinar >= 600 s).  Features: the counts as they are and the
origin one-hot (categories seen in training).  Two models, fitted on the
train split and judged on the test split:

  * LogisticRegressionCV: the counts standardised, L2 penalty with C in
    {0.01, 0.1, 1, 10} chosen by 5-fold cross-validation on log loss --
    learn()'s grid (lambda = 1 / C in {0.1, 1, 10, 100}) and criterion;
  * HistGradientBoostingClassifier with its defaults (random_state 0).

Writes OUTDIR/logistic_regression.csv and OUTDIR/gradient_boosting.csv
(lead_id, probability, converted, in the test file's order).
"""
import csv
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    counts = [k for k in rows[0] if k not in ("lead_id", "converted", "origin")]
    return rows, counts


def design(rows, counts, origins):
    x = np.array([[float(r[k]) for k in counts] + [1.0 if r["origin"] == o else 0.0 for o in origins]
                  for r in rows])
    y = np.array([int(r["converted"]) for r in rows])
    return x, y


def write(path, rows, p, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["lead_id", "probability", "converted"])
        for r, pi, yi in zip(rows, p, y):
            w.writerow([r["lead_id"], repr(float(pi)), int(yi)])


def main(train_path, test_path, out):
    train, counts = read(train_path)
    test, _ = read(test_path)
    origins = sorted({r["origin"] for r in train})
    xtr, ytr = design(train, counts, origins)
    xte, yte = design(test, counts, origins)
    print(f"features: {len(counts)} counts ({', '.join(counts)}) + {len(origins)} origins one-hot; "
          f"train {len(ytr)} leads ({ytr.sum()} converted), test {len(yte)} ({yte.sum()} converted)")

    lr = make_pipeline(StandardScaler(), LogisticRegressionCV(
        Cs=[0.01, 0.1, 1, 10], cv=StratifiedKFold(5, shuffle=True, random_state=0), scoring="neg_log_loss",
        max_iter=10000))
    lr.fit(xtr, ytr)
    print(f"LogisticRegressionCV: C = {lr[-1].C_[0]:g}")
    write(f"{out}/logistic_regression.csv", test, lr.predict_proba(xte)[:, 1], yte)

    hgb = HistGradientBoostingClassifier(random_state=0)
    hgb.fit(xtr, ytr)
    print(f"HistGradientBoostingClassifier: {hgb.n_iter_} iterations")
    write(f"{out}/gradient_boosting.csv", test, hgb.predict_proba(xte)[:, 1], yte)


if __name__ == "__main__":
    main(*sys.argv[1:4])
