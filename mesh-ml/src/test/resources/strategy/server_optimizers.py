# Independent reference for ServerOptimizerTest: Reddi et al. 2021, Algorithm 2 (FedAdagrad, FedAdam,
# FedYogi) and server momentum (FedAvgM), in NumPy float64, three rounds on a 3-parameter model.
# Run: /usr/bin/python3 server_optimizers.py ; the test holds the printed numbers.
import numpy as np

eta, b1, b2, tau = 0.1, 0.9, 0.99, 1e-3
x0 = np.array([0.5, -1.0, 2.0])
deltas = [np.array([0.1, -0.2, 0.0]), np.array([0.05, 0.3, -0.4]), np.array([-0.2, 0.1, 0.25])]

def run(kind):
    x, m, v = x0.copy(), np.zeros(3), np.full(3, tau * tau)
    for d in deltas:
        if kind == "fedavgm":
            m = b1 * m + d
            x = x + eta * m
            continue
        m = b1 * m + (1 - b1) * d
        if kind == "fedadagrad":
            v = v + d * d
        elif kind == "fedadam":
            v = b2 * v + (1 - b2) * d * d
        elif kind == "fedyogi":
            v = v - (1 - b2) * d * d * np.sign(v - d * d)
        x = x + eta * m / (np.sqrt(v) + tau)
    return x

for kind in ["fedavgm", "fedadagrad", "fedadam", "fedyogi"]:
    print(kind, " ".join(repr(float(t)) for t in run(kind)))
