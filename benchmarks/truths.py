"""Simulated truths whose problems keep their difficulty from one checkpoint to the next
(none is inside a Beta law's family; the last is outside t2-irt's link as well).

Every truth drives a checkpoint's ability by a Chinchilla loss,
``z(N, D) = 2 (3.5 - L(N, D))`` with ``L = 1.8 + 400 N^-0.34 + 1300 D^-0.28``, asks the same
problems at every checkpoint (by default 6 sizes x 7 token counts, n samples each) and gives the
population's ``log(1 - pass@k)`` exactly (closed form or a fixed quadrature), from which
its T²-optimal allocation is found on a fine grid of N.
"""

from __future__ import annotations

import numpy as np
from scipy import special

import t2jax

SIZES = np.array([7e7, 1.6e8, 4.1e8, 1e9, 1.4e9, 2.8e9])
TOKENS = np.geomspace(2e9, 3e11, 7)


class SharedTruth:
    """Base: ``p(z, d)`` per problem difficulty ``d``; ``population`` quadrature nodes of d."""

    E, A, B, alpha, beta = 1.8, 400.0, 1300.0, 0.34, 0.28
    name = ""

    def ability(self, N, D):
        return 2.0 * (3.5 - (self.E + self.A * np.asarray(N) ** -self.alpha + self.B * np.asarray(D) ** -self.beta))

    def samples(self, rng, problems: int = 130, n: int = 1000, sizes=SIZES, tokens=TOKENS) -> t2jax.Samples:
        d = self.draw(rng, problems)
        N, D = np.repeat(sizes, tokens.size), np.tile(tokens, sizes.size)
        c = rng.binomial(n, self.success(self.ability(N, D)[:, None], d[None, :]))
        return t2jax.Samples(N, D, np.full(c.shape, n), c, np.array([f"m{i}" for i in range(N.size)]),
                             np.arange(problems))

    def log_miss(self, N, D, k):
        """The population's ``log(1 - pass@k)``: mean over the quadrature nodes."""
        z = np.asarray(self.ability(N, D))[..., None]
        per = np.asarray(k)[..., None] * self.log_fail(z, self.nodes)
        return special.logsumexp(per, axis=-1) - np.log(self.nodes.size)

    def simulate(self, design, rng) -> np.ndarray:
        """Counts at a :class:`t2jax.Design` (the same problems at every checkpoint), for
        :func:`t2jax.study` as a truth outside the fitted law's family."""
        d = self.draw(rng, design.problems)
        return rng.binomial(design.samples, self.success(self.ability(design.N, design.D)[:, None], d[None, :]))

    def allocation(self, ct, ci) -> dict:
        """The true optimum at ``(ct, ci)``: N, D, k and accuracy (for :func:`t2jax.study`)."""
        N, lm = self.optimum(ct, ci)
        return {"N": N, "D": ct / (6.0 * N), "k": ci / (2.0 * N), "accuracy": -np.expm1(lm)}

    def optimum(self, ct, ci):
        """``(N*, log miss*)`` of the T² problem 6ND = C_train, 2Nk = C_inf."""
        N = np.geomspace(1e5, ci / 2.0, 40000)
        lm = self.log_miss(N, ct / (6.0 * N), ci / (2.0 * N))
        i = int(np.argmin(lm))
        return N[i], lm[i]


class LogitNormal(SharedTruth):
    """t2-irt's own link: ``p = sigmoid(z - d)``, ``d ~ Normal(0.5, 1.5)`` shared."""

    name = "logit-normal"
    nodes = 0.5 + 1.5 * special.ndtri((np.arange(4000) + 0.5) / 4000)

    def draw(self, rng, problems):
        return rng.normal(0.5, 1.5, problems)

    def success(self, z, d):
        return special.expit(z - d)

    def log_fail(self, z, d):
        return special.log_expit(d - z)


class SharedBeta(SharedTruth):
    """A Beta of mean ``sigmoid(z - 0.5)`` and concentration 2 at every checkpoint, each
    problem keeping its quantile ``u_i``: ``p = I^-1(u_i; a, b)`` (the Beta laws' marginal
    per checkpoint, with difficulty shared)."""

    name = "shared-quantile Beta"
    nodes = (np.arange(4000) + 0.5) / 4000
    phi = 2.0

    def beta_params(self, z):
        mu = special.expit(z - 0.5)
        return mu * self.phi, (1.0 - mu) * self.phi

    def draw(self, rng, problems):
        return rng.uniform(size=problems)

    def success(self, z, u):
        a, b = self.beta_params(z)
        return special.betaincinv(a, b, u)

    def log_miss(self, N, D, k):
        a, b = self.beta_params(self.ability(N, D))
        return special.betaln(a, b + np.asarray(k)) - special.betaln(a, b)


class TwoBumps(SharedTruth):
    """A probit link (outside t2-irt's logistic), difficulties from two bumps, a fifth of
    the problems unsolvable."""

    name = "two bumps, a fifth unsolvable (probit)"
    nodes = np.concatenate([-1.0 + 0.4 * special.ndtri((np.arange(2000) + 0.5) / 2000),
                            1.5 + 0.5 * special.ndtri((np.arange(2000) + 0.5) / 2000)])

    def draw(self, rng, problems):
        bump = rng.random(problems) < 0.5
        d = np.where(bump, rng.normal(-1.0, 0.4, problems), rng.normal(1.5, 0.5, problems))
        d[: problems // 5] = np.inf
        return d

    def success(self, z, d):
        return special.ndtr(z - d)

    def log_fail(self, z, d):
        return special.log_ndtr(d - z)

    def log_miss(self, N, D, k):
        return np.logaddexp(np.log(0.2), np.log(0.8) + super().log_miss(N, D, k))


TRUTHS = (SharedBeta(), LogitNormal(), TwoBumps())
