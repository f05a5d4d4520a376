#!/usr/bin/env python3
"""An independent reference for FedMesh's RDP accountant (io.fedmesh.ml.privacy).

Written from Mironov, Talwar and Zhang 2019, "Renyi Differential Privacy of the Sampled Gaussian
Mechanism" (section 3.3), and Balle et al. 2020, "Hypothesis Testing Interpretations and Renyi
Differential Privacy" (theorem 21), with the standard library only. It shares no code and few numerical
choices with the Java accountant, so that a mistake in one is unlikely to be repeated in the other:

  * integer orders sum A - 1 = sum_{k>=2} C(a,k) (1-q)^(a-k) q^k expm1((k^2-k) / (2 s^2)) (all terms
    positive, binomial coefficients exact), not A itself, so tiny sampling rates keep their precision;
  * fractional orders sum the paper's two series with log|C(a,i)| from lgamma, erfc from the C library,
    and every term kept, added once at the end with math.fsum (no running log-add and log-subtract);
  * `integral` evaluates A - 1 straight from the definition, E_{z~N(0,s^2)}[(mu(z)/mu0(z))^a] - 1, by the
    trapezoidal rule, which checks the series themselves (it is slow, so it serves spot checks only).

usage: rdp_reference.py BATCH_FILE
  Each line of BATCH_FILE is one request; one line of output answers it:
    rdp Q SIGMA STEPS [ORDER ...]          RDP at each order (the default grid if none is given)
    eps DELTA Q SIGMA STEPS [Q SIGMA STEPS ...]
                                           "EPSILON ORDER" for the composition of the mechanisms
    integral Q SIGMA ORDER                 RDP of one step, by numerical integration
    logerfc X                              log(erfc(x))
  Numbers are printed with repr (they read back exactly); infinity as "inf", no order as "nan".
"""
import math
import sys

# The orders FedMesh (like TF Privacy and Opacus) tracks: 1.1, 1.2, ..., 10.9, then 12, 13, ..., 63.
ORDERS = [1 + x / 10 for x in range(1, 100)] + [float(a) for a in range(12, 64)]

# A fractional order's series stop once both of a step's terms are below e^-32 (A is at least 1, and
# the tail alternates in sign, so what is left out is below e^-32 too).
TAIL = -32.0


def log_sum(terms):
    """log(sum of sign * exp(log_magnitude)) over (sign, log_magnitude) pairs, summed exactly once."""
    finite = [t for _, t in terms if t != -math.inf]
    if not finite:
        return -math.inf
    top = max(finite)
    total = math.fsum(sign * math.exp(t - top) for sign, t in terms if t != -math.inf)
    if total <= 0:
        raise ArithmeticError("series sum is not positive: %r" % total)
    return top + math.log(total)


def log1p_exp(x):
    """log(1 + e^x) without overflow."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def log_expm1(y):
    """log(e^y - 1) for y > 0 without overflow."""
    return y + math.log1p(-math.exp(-y)) if y > 1 else math.log(math.expm1(y))


def log_erfc(x):
    if x < 25:
        return math.log(math.erfc(x))  # still a normal double: erfc(25) is about 8e-274
    # erfc(x) = e^(-x^2) / (x sqrt(pi)) * (1 - 1/(2x^2) + 3/(2x^2)^2 - 15/(2x^2)^3 + ...): at x >= 25
    # each term is at most 1/1250 of the one before; stop once they no longer change a double.
    series, term, n = 1.0, 1.0, 1
    while abs(term) > 1e-17:
        term *= -(2 * n - 1) / (2 * x * x)
        series += term
        n += 1
    return -x * x - math.log(x) - 0.5 * math.log(math.pi) + math.log(series)


def log_a_minus_one_integer(q, sigma, order):
    a = int(order)
    terms = []
    for k in range(2, a + 1):
        terms.append((1, math.log(math.comb(a, k)) + k * math.log(q) + (a - k) * math.log1p(-q)
                      + log_expm1((k * k - k) / (2 * sigma * sigma))))
    return log_sum(terms)


def log_a_fractional(q, sigma, order):
    # Split the integral at z0, where (1-q) mu0(z) = q mu1(z); below it expand mu/mu0 = (1-q) (1 + x) with
    # x = q mu1 / ((1-q) mu0) <= 1, above it expand in (1-q) mu0 / (q mu1) <= 1 (the paper's A_1 and A_2).
    log_q, log_1q = math.log(q), math.log1p(-q)
    z0 = sigma * sigma * (log_1q - log_q) + 0.5
    scale = math.sqrt(2) * sigma
    two_s2 = 2 * sigma * sigma
    log_half = -math.log(2)
    lgamma_top = math.lgamma(order + 1)
    lgamma = math.lgamma
    terms = []
    i = 0
    while True:
        j = order - i
        # C(order, i) = Gamma(order+1) / (i! Gamma(order-i+1)); its sign flips at each i past order
        sign = 1 if i <= order else (-1) ** (i - math.ceil(order))
        log_c = lgamma_top - lgamma(i + 1) - lgamma(j + 1) + log_half
        below = log_c + i * log_q + j * log_1q + (i * i - i) / two_s2 + log_erfc((i - z0) / scale)
        above = log_c + j * log_q + i * log_1q + (j * j - j) / two_s2 + log_erfc((z0 - j) / scale)
        terms.append((sign, below))
        terms.append((sign, above))
        i += 1
        if max(below, above) < TAIL:
            return log_sum(terms)
        if i > 1_000_000:
            raise ArithmeticError("series did not converge for q=%r sigma=%r order=%r" % (q, sigma, order))


def rdp_one_step(q, sigma, order):
    if q == 0:
        return 0.0
    if sigma == 0:
        return math.inf
    if q == 1:
        return order / (2 * sigma * sigma)
    if order == int(order):
        return log1p_exp(log_a_minus_one_integer(q, sigma, order)) / (order - 1)
    # A >= 1, but with q^2 / sigma^2 below the rounding of log(A) the sum can land a hair under 1.
    return max(0.0, log_a_fractional(q, sigma, order) / (order - 1))


def rdp_integral(q, sigma, order):
    """RDP of one step from the definition, by the trapezoidal rule on a fine grid (spot checks only)."""
    if q == 0:
        return 0.0
    # A - 1 = E[(1 + q u)^a - 1 - a q u] with u = mu1/mu0 - 1 = expm1((2z-1)/(2 s^2)): E[u] = 0, so the
    # subtracted term changes nothing but makes the integrand non-negative (no cancellation).
    def log_excess(z):
        w = (2 * z - 1) / (2 * sigma * sigma)
        log_x = math.log(q) + log_expm1(w) if w > 0 else None
        if log_x is not None and log_x > math.log(0.5):
            # (1 + x)^a - 1 - a x with (1 + x)^a = e^big: take it out of the bracket
            big = order * log1p_exp(log_x)
            return big + math.log1p(-math.exp(-big) - order * math.exp(log_x - big))
        x = q * math.expm1(w)
        if abs(x) < 0.5:  # binomial series of (1+x)^a - 1 - a x, from its x^2 term
            total, term, n = 0.0, order * (order - 1) / 2 * x * x, 2
            while abs(term) > 1e-18 * abs(total) or n < 4:
                total += term
                term *= (order - n) / (n + 1) * x
                n += 1
            value = total
        else:
            value = math.expm1(order * math.log1p(x)) - order * x
        return math.log(value) if value > 0 else -math.inf

    h = min(sigma, sigma * sigma) / 8
    lo, hi = -14 * sigma, max(order, 2.0) + 14 * sigma
    n = int(math.ceil((hi - lo) / h))
    logs = []
    for m in range(n + 1):
        z = lo + m * (hi - lo) / n
        weight = 0.5 if m in (0, n) else 1.0
        logs.append((1, math.log(weight) - z * z / (2 * sigma * sigma) + log_excess(z)))
    log_density = -math.log(sigma * math.sqrt(2 * math.pi))
    log_a_minus_one = log_sum(logs) + math.log((hi - lo) / n) + log_density
    return log1p_exp(log_a_minus_one) / (order - 1)


_one_step_cache = {}


def rdp(q, sigma, steps, orders):
    out = []
    for order in orders:
        key = (q, sigma, order)
        if key not in _one_step_cache:
            _one_step_cache[key] = rdp_one_step(q, sigma, order)
        per_step = _one_step_cache[key]
        out.append(0.0 if steps == 0 else per_step * steps)
    return out


def epsilon(delta, mechanisms):
    total = [0.0] * len(ORDERS)
    for q, sigma, steps in mechanisms:
        total = [t + r for t, r in zip(total, rdp(q, sigma, steps, ORDERS))]
    best, best_order = math.inf, math.nan
    for order, r in zip(ORDERS, total):
        if r == math.inf:
            continue
        # Balle et al. 2020, theorem 21.
        eps = r + math.log1p(-1 / order) - (math.log(delta) + math.log(order)) / (order - 1)
        if eps < best:
            best, best_order = eps, order
    return max(0.0, best), best_order  # (eps, delta)-DP with eps < 0 implies it with eps = 0


def main():
    out = []
    with open(sys.argv[1]) as batch:
        for line in batch:
            words = line.split()
            if not words:
                continue
            kind, args = words[0], [float(w) for w in words[1:]]
            if kind == "rdp":
                q, sigma, steps = args[0], args[1], int(args[2])
                out.append(" ".join(repr(v) for v in rdp(q, sigma, steps, args[3:] or ORDERS)))
            elif kind == "eps":
                delta, rest = args[0], args[1:]
                mechanisms = [(rest[i], rest[i + 1], int(rest[i + 2])) for i in range(0, len(rest), 3)]
                eps, order = epsilon(delta, mechanisms)
                out.append("%r %r" % (eps, order))
            elif kind == "integral":
                out.append(repr(rdp_integral(args[0], args[1], args[2])))
            elif kind == "logerfc":
                out.append(repr(log_erfc(args[0])))
            else:
                raise SystemExit("unknown request: " + line.strip())
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
