"""Seeded synthetic studies from known laws (tests, recovery checks, the demo, calibration):
IsoFLOP training runs from a Chinchilla surface, and repeated-sampling counts from T²
Approach 2."""

from __future__ import annotations

import dataclasses
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import betainc

from t2jax.data.runs import Runs
from t2jax.data.samples import Samples
from t2jax.laws.beta import betaln
from t2jax.laws.chinchilla import chinchilla_loss, compute_optimal
from t2jax.families.t2_beta.laws import THETA, beta_mean_concentration, t2_beta_accuracy
from t2jax.precision import x64
from t2jax.programs import program


def synthetic_isoflop_runs(
    params: dict,
    budgets=(1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21),
    per_budget: int = 15,
    width: float = 1.5,
    noise: float = 0.0,
    seed: int = 0,
) -> Runs:
    """IsoFLOP runs around the law's compute-optimal N: ``per_budget`` model sizes per
    budget, log-spaced within a factor ``exp(width)`` either side; multiplicative
    log-normal noise of scale ``noise`` (0 for exact data)."""
    rng = np.random.default_rng(seed)
    Ns, Ds, Cs = [], [], []
    for C in budgets:
        n_opt, _ = compute_optimal(params, C)
        N = float(n_opt) * np.exp(np.linspace(-width, width, per_budget))
        Ns.append(N)
        Ds.append(C / (6.0 * N))
        Cs.append(np.full(per_budget, C))
    N, D, C = (np.concatenate(v) for v in (Ns, Ds, Cs))
    loss = np.asarray(chinchilla_loss(params, N, D)) * np.exp(noise * rng.standard_normal(N.size))
    return Runs(N=N, D=D, loss=loss, budget=C)


#: The testbed's true T² Approach-2 model: a Chinchilla-type task loss (Hoffmann et
#: al.'s published surface) driving the per-question Beta (theta as in t2jax.families.t2_beta.laws).
T2_TRUTH = {
    "E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28,
    "theta0": 2.6, "theta1": 4.0, "theta2": 0.8, "theta3": 3.0, "theta4": -0.1,
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class T2Testbed:
    """A synthetic T² study: checkpoints (N, D), their task loss (the answer NLL that
    drives the Beta, ``loss``), per-question success probabilities ``p`` (checkpoints x
    questions), optional sampled counts, and the true parameters."""

    truth: dict
    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    p: np.ndarray
    samples: Optional[Samples]

    @x64
    def true_accuracy(self, N, D, k):
        """The generating model's expected pass@k (the Beta closed form)."""
        return t2_beta_accuracy(self.truth, np.asarray(N, float), np.asarray(D, float), np.asarray(k, float))

    def empirical_accuracy(self, ks):
        """Mean over questions of ``1 - (1 - p)^k`` per (checkpoint, k)."""
        ks = np.asarray(ks, float)
        return 1.0 - np.mean(np.exp(ks[None, :, None] * np.log1p(-self.p[:, None, :])), axis=-1)


BISECTIONS, NEWTON_STEPS = 30, 4


@program
def _beta_quantile(a, b, u):
    """Quantile of Beta(a, b) at ``u``, on the logit scale ``z``: 30 bisection steps
    (betainc is monotone) bracket it to 1e-7, then safeguarded Newton steps with
    :math:`dF/dz = x^a (1-x)^b / B(a, b)` polish it to rounding (a step leaving the
    bracket bisects instead)."""
    shape = jnp.broadcast_shapes(a.shape, b.shape, u.shape)
    log_beta = betaln(a, b)

    def step(i, state):
        z, lo, hi = state
        x = jax.nn.sigmoid(z)
        F = betainc(a, b, x) - u
        lo, hi = jnp.where(F < 0, z, lo), jnp.where(F < 0, hi, z)
        newton = z - F / jnp.exp(a * jax.nn.log_sigmoid(z) + b * jax.nn.log_sigmoid(-z) - log_beta)
        inside = (i >= BISECTIONS) & jnp.isfinite(newton) & (newton >= lo) & (newton <= hi)
        return jnp.where(inside, newton, 0.5 * (lo + hi)), lo, hi

    lo, hi = jnp.full(shape, -60.0), jnp.full(shape, 60.0)
    z, _, _ = jax.lax.fori_loop(0, BISECTIONS + NEWTON_STEPS, step, (jnp.zeros(shape), lo, hi))
    return jax.nn.sigmoid(z)


def t2_grid(sizes=None, budgets=None, max_tokens_per_param: float = 2e4):
    """Checkpoints ``(N, D)`` of the paper-like grid: model sizes (default 10 from 5M to
    901M) x compute levels (default 12 from 1.25e16 to 2.56e19 FLOPs), keeping cells with
    ``1 <= D/N <= max_tokens_per_param``."""
    sizes = np.geomspace(5e6, 9.01e8, 10) if sizes is None else np.asarray(sizes, float)
    budgets = np.geomspace(1.25e16, 2.56e19, 12) if budgets is None else np.asarray(budgets, float)
    N, C = (a.ravel() for a in np.meshgrid(sizes, budgets, indexing="ij"))
    D = C / (6.0 * N)
    keep = (D >= N) & (D <= max_tokens_per_param * N)
    return N[keep], D[keep]


@x64
def synthetic_t2(
    truth: Optional[dict] = None,
    *,
    sizes=None,
    budgets=None,
    max_tokens_per_param: float = 2e4,
    n_questions: int = 256,
    n_samples: Optional[int] = None,
    seed: int = 0,
    shared_difficulty: bool = True,
) -> T2Testbed:
    """A seeded, paper-like T² grid (:func:`t2_grid`: as in Porian et al.'s grid that T²
    builds on; small models heavily overtrained). Question j has a fixed difficulty rank ``u_j ~ U(0, 1)``; at each
    checkpoint its success probability is the ``u_j`` quantile of the true Beta, so
    question difficulty is consistent across checkpoints. With ``n_samples``, correct
    counts ``c ~ Binomial(n_samples, p)`` are drawn too. With
    ``shared_difficulty=False`` each checkpoint draws its own ranks, so success
    probabilities are independent Beta draws: exactly the ``t2-joint`` likelihood model.
    """
    truth = dict(T2_TRUTH if truth is None else truth)
    N, D = t2_grid(sizes, budgets, max_tokens_per_param)
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=n_questions if shared_difficulty else (N.size, n_questions))
    theta = np.array([truth[t] for t in THETA])
    loss = np.asarray(chinchilla_loss(truth, N, D))
    mu, nu = beta_mean_concentration(theta, loss)
    p = np.asarray(_beta_quantile((mu * nu)[:, None], ((1 - mu) * nu)[:, None], u if u.ndim == 2 else u[None, :]))
    samples = None
    if n_samples is not None:
        c = rng.binomial(int(n_samples), p).astype(float)
        n = np.full_like(c, float(n_samples))
        names = np.array([f"N{a:.3g}_D{b:.3g}" for a, b in zip(N, D)])
        samples = Samples(N=N, D=D, n=n, c=c, checkpoints=names, problems=np.arange(n_questions))
    return T2Testbed(truth=truth, N=N, D=D, loss=loss, p=p, samples=samples)
