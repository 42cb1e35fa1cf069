"""A toy law family in one folder: every problem shares one success rate
``p = sigmoid(a0 + a1 log N + a2 log D)``, counts are Binomial, pass@k = 1 - (1 - p)^k.
Registering it is the only step; fit, bootstrap, allocation and backtest then accept it."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

import t2jax
from t2jax.fitting.newton import minimize
from t2jax.laws.law import miss_rate_law
from t2jax.precision import x64
from t2jax.uncertainty.batched import map_rows
from t2jax.uncertainty.resample import resample_weights

NAMES = ("a0", "a1", "a2")


def log_miss(params, N, D, k):
    logit = params["a0"] + params["a1"] * jnp.log(N) + params["a2"] * jnp.log(D)
    return k * jax.nn.log_sigmoid(-logit)


def nll(x, logN, logD, n, c, w):
    logit = x[0] + x[1] * logN + x[2] * logD
    ll = c * jax.nn.log_sigmoid(logit[:, None]) + (n - c) * jax.nn.log_sigmoid(-logit[:, None])
    return -jnp.sum(w[:, None] * ll) / jnp.sum(n)


class ToyFamily(t2jax.Family):
    name = "toy"
    objective = "Binomial negative log-likelihood per sample"

    @x64
    def fit_counts(self, data, table, law, method):
        s = table.samples
        args = (jnp.log(s.N) - 20, jnp.log(s.D) - 20, jnp.asarray(s.n, float), jnp.asarray(s.c, float))
        res = minimize(nll, jnp.zeros(3), *args, jnp.ones(s.N.size))
        x = np.asarray(res.x)
        params = {"a0": float(x[0] - 20 * (x[1] + x[2])), "a1": float(x[1]), "a2": float(x[2])}
        return t2jax.FitResult(method, law.name, params, float(res.value), int(s.n.size), bool(res.converged))

    @x64
    def bootstrap(self, data, law, n_resamples, *, method, seed, point=None, ks=None):
        s = t2jax.pass_k_table(data, ks).samples
        W = resample_weights(seed, s.N.size, n_resamples)
        args = (jnp.log(s.N) - 20, jnp.log(s.D) - 20, jnp.asarray(s.n, float), jnp.asarray(s.c, float))
        out = map_rows(lambda w: minimize(nll, jnp.zeros(3), *args, w), (jnp.asarray(W),), chunk=8)
        x = np.asarray(out.x)
        draws = pd.DataFrame({"a0": x[:, 0] - 20 * (x[:, 1] + x[:, 2]), "a1": x[:, 1], "a2": x[:, 2]})
        draws["objective"], draws["converged"] = np.asarray(out.value), np.asarray(out.converged)
        point = point or self.fit_counts(data, t2jax.pass_k_table(data, ks), law, method)
        return t2jax.BootstrapResult(point, draws, W, seed, "groups", 0.0)


TOY = ToyFamily()
TOY_LAW = miss_rate_law("toy-logistic", ("N", "D", "k"), NAMES, log_miss, family="toy", methods=("mle",),
                        data="samples", description="one shared success rate, logistic in log N and log D")
