#!/usr/bin/env python3
# Run with Debian's Python (apt-get install -y python3-torch): /usr/bin/python3 scripts/reference/acceptance_softmax.py
# Output on this project's machine (torch 1.13): C=1.0 train=455 test=114 test_acc=0.964912 (110/114) test_logloss=0.1106
# Reference for StringLabelsAcceptanceIT: softmax regression (2 classes) on standardized features, the split rows
# i % 5 == 0 test, the rest train, as scikit-learn's LogisticRegression(multi_class="multinomial", C=1) defines the
# objective: sum of cross-entropies + 0.5 * ||W||^2 (bias unpenalized), minimized to convergence with L-BFGS.
import csv, torch
rows = list(csv.reader(open('datasets/breast_cancer.csv')))[1:]
X = torch.tensor([[float(v) for v in r[:30]] for r in rows], dtype=torch.float64)
y = torch.tensor([int(r[30]) for r in rows])
idx = torch.arange(len(rows))
te = idx % 5 == 0; tr = ~te
mu = X[tr].mean(0); sd = X[tr].std(0, unbiased=False)
Z = (X - mu) / sd
for C in [1.0, 100.0]:
    W = torch.zeros(30, 2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], lr=1, max_iter=1000, tolerance_grad=1e-10, tolerance_change=1e-14, history_size=50, line_search_fn='strong_wolfe')
    def closure():
        opt.zero_grad()
        l = torch.nn.functional.cross_entropy(Z[tr] @ W + b, y[tr], reduction='sum') + 0.5 / C * (W * W).sum()
        l.backward(); return l
    for _ in range(5): opt.step(closure)
    with torch.no_grad():
        p = (Z[te] @ W + b).argmax(1)
        acc = (p == y[te]).double().mean().item()
        ll = torch.nn.functional.cross_entropy(Z[te] @ W + b, y[te]).item()
    print(f"C={C} train={int(tr.sum())} test={int(te.sum())} test_acc={acc:.6f} ({int((p==y[te]).sum())}/{int(te.sum())}) test_logloss={ll:.4f}")
