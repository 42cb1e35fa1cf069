r"""The joint T² likelihood anchored to measured answer NLLs: T² Approach 2 in one stage.

From counts alone the latent loss of :mod:`t2jax.families.t2_joint.laws` is defined only up to an
affine map, so ``t2-joint`` measures it in logit units (:math:`\theta_0 = 0,
\theta_1 = 1`). Where some checkpoints also have per-question answer NLLs (T²'s
stage-1 data), their mean :math:`m_j` measures the loss itself, and the affine map
becomes identifiable: the model is then exactly T² Approach 2,

.. math:: \mu_j = \theta_2\,\sigma(-\theta_1(L_j - \theta_0)),\quad
          \nu_j = e^{\theta_3 + \theta_4 L_j},\quad L_j = E + A N_j^{-\alpha} + B D_j^{-\beta},

with :math:`L` in NLL units, fitted from the counts' Beta-binomial likelihood plus a
Gaussian likelihood of each anchored checkpoint's mean NLL,
:math:`m_j \sim \mathcal N(L_j, s_j^2/P_j)` (:math:`s_j` the standard deviation of its
:math:`P_j` answer NLLs). The result is a ``t2-beta`` parameter set (method
``"joint-mle"``), so allocation, frontiers and reports take it unchanged.

Coordinates: :math:`v = (\log E, \log A_s, \log B_s, \log\alpha, \log\beta, \theta_0,
\log\theta_1, \mathrm{logit}\,\theta_2, \theta_3, \theta_4)`, mapped to the joint
model's :math:`u` (:func:`to_joint`); Newton starts from the ``t2-joint`` fit with
:math:`(\theta_0, \theta_1)` from a regression of :math:`m_j` on its latent loss.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.errors import T2JaxError, first_rows
from t2jax.families.t2_joint.fit import (
    THETA2_BOUND,
    beta_params,
    counts_arrays,
    fit_joint,
    joint_derivatives,
    to_unconstrained,
)
from t2jax.fitting.newton import minimize
from t2jax.fitting.result import FitResult
from t2jax.precision import x64
from t2jax.programs import program


def answer_nll_means(answer_nll, checkpoints) -> tuple:
    """Per-checkpoint mean answer NLL, its standard error, and which checkpoints have one.

    ``answer_nll``: a mapping ``{checkpoint label: per-question NLLs}``, or a DataFrame
    with columns ``checkpoint`` and ``nll``. Labels that match no checkpoint of the
    counts are an error (listed), never dropped silently."""
    if isinstance(answer_nll, pd.DataFrame):
        missing = [c for c in ("checkpoint", "nll") if c not in answer_nll.columns]
        if missing:
            raise T2JaxError(f"answer NLL table needs columns 'checkpoint' and 'nll'; missing {', '.join(missing)}")
        nll = pd.to_numeric(answer_nll["nll"], errors="coerce").to_numpy(np.float64)
        bad = ~np.isfinite(nll) | (nll < 0)
        if bad.any():
            raise T2JaxError(f"answer NLLs must be finite numbers >= 0; {int(bad.sum())} are not, at {first_rows(bad)}")
        answer_nll = {k: g.to_numpy(float) for k, g in answer_nll.groupby("checkpoint", sort=False)["nll"]}
    labels = [str(c) for c in checkpoints]
    unknown = sorted(set(map(str, answer_nll)) - set(labels))
    if unknown:
        raise T2JaxError(f"answer NLLs for {len(unknown)} checkpoint(s) not among the counts: {', '.join(unknown[:5])}")
    m, se, has = np.zeros(len(labels)), np.ones(len(labels)), np.zeros(len(labels), bool)
    for key, values in answer_nll.items():
        v = np.asarray(values, np.float64)
        bad = ~np.isfinite(v) | (v < 0)
        if v.size < 2 or bad.any():
            raise T2JaxError(f"answer NLLs of checkpoint '{key}' must be at least 2 finite values >= 0; it has "
                             f"{v.size}" + (f", bad at positions {', '.join(map(str, np.flatnonzero(bad)[:5]))}"
                                            if bad.any() else ""))
        j = labels.index(str(key))
        m[j], se[j], has[j] = v.mean(), max(v.std(ddof=1), 1e-12) / np.sqrt(v.size), True
    if has.sum() < 2:
        raise T2JaxError("anchoring the loss needs answer NLLs of at least 2 checkpoints")
    return m, se, has


def to_joint(v):
    """The joint model's coordinates ``u`` (logit-unit loss) at anchored coordinates ``v``."""
    lE, la, lb, lal, lbe, t0, lt1, lt2, t3, t4 = (v[i] for i in range(10))
    t1 = jnp.exp(lt1)
    return jnp.stack([t1 * (jnp.exp(lE) - t0), la + lt1, lb + lt1, lal, lbe, lt2, t3 + t4 * t0, t4 / t1])


def anchor_term(v, logN, logD, m, se, has):
    """Half the sum of squared standardised errors of the anchored mean NLLs."""
    _, _, L = beta_params(to_joint(v), logN, logD)
    L_nll = L / jnp.exp(v[6]) + v[5]
    return 0.5 * jnp.sum(jnp.where(has, ((m - L_nll) / se) ** 2, 0.0))


def anchored_derivatives(v, logN, logD, n, c, w, m, se, has):
    """Value, gradient and Hessian of (counts NLL + anchor term) / total weight: the counts
    part by the chain rule from :func:`~t2jax.families.t2_joint.fit.joint_derivatives`."""
    total = jnp.sum(w)
    u0 = to_joint(v)
    f, g, H = joint_derivatives(u0, logN, logD, n, c, w)

    def model(x):
        d = to_joint(x) - u0
        return g @ d + 0.5 * d @ H @ d

    a = lambda x: anchor_term(x, logN, logD, m, se, has) / total
    return f + a(v), jax.grad(model)(v) + jax.grad(a)(v), jax.hessian(model)(v) + jax.hessian(a)(v)


@program
def _refine(v0, logN, logD, n, c, w, m, se, has):
    value = lambda v, *args: anchored_derivatives(v, *args)[0]
    return minimize(value, v0, logN, logD, n, c, w, m, se, has, max_iter=300, derivatives=anchored_derivatives)


@x64
def fit_anchored(samples, answer_nll, weights=None) -> FitResult:
    """T² Approach 2 fitted in one stage from counts and answer NLLs (see the module)."""
    m, se, has = answer_nll_means(answer_nll, samples.checkpoints)
    joint = fit_joint(samples, weights)
    logN, logD, n, c, w, scale = counts_arrays(samples, weights)
    u = to_unconstrained(joint.params, scale)
    _, _, L = (np.asarray(x) for x in beta_params(jnp.asarray(u), jnp.asarray(logN), jnp.asarray(logD)))
    slope, t0 = np.polyfit(L[has], m[has], 1)  # m = L / theta1 + theta0
    if slope <= 0:
        raise T2JaxError("the answer NLLs do not rise with the loss the counts imply; they cannot anchor it")
    t1 = 1.0 / slope
    E = u[0] / t1 + t0
    v0 = np.array([np.log(max(E, 1e-6)), u[1] - np.log(t1), u[2] - np.log(t1), u[3], u[4], t0, np.log(t1), u[5],
                   u[6] - u[7] * t1 * t0, u[7] * t1])
    args = tuple(jnp.asarray(a) for a in (logN, logD, n, c, w, m, se, has))
    res = _refine(jnp.asarray(v0), *args)
    v = np.asarray(res.x)
    al, be, t1 = np.exp(v[3]), np.exp(v[4]), np.exp(v[6])
    params = {"E": np.exp(v[0]), "A": np.exp(v[1]) * scale[0] ** al, "B": np.exp(v[2]) * scale[1] ** be, "alpha": al,
              "beta": be, "theta0": v[5], "theta1": t1, "theta2": 1.0 / (1.0 + np.exp(-v[7])), "theta3": v[8],
              "theta4": v[9]}
    params = {k: float(x) for k, x in params.items()}
    if not (np.isfinite(float(res.value)) and all(np.isfinite(list(params.values())))):
        raise T2JaxError("anchored t2-joint fit: the likelihood is not finite; check the counts and answer NLLs")
    at_bound = tuple(k for k, bad in (("E", params["E"] < 1e-8), ("theta2", params["theta2"] > THETA2_BOUND),
                                      ("alpha", not 0.02 < al < 2.0), ("beta", not 0.02 < be < 2.0)) if bad)
    anchored = [str(x) for x in np.asarray(samples.checkpoints)[has]]
    return FitResult("joint-mle", "t2-beta", params, float(res.value) * float(np.sum(w)), int(np.sum(w > 0)),
                     bool(res.converged), at_bound,
                     {"scale": {"N": float(scale[0]), "D": float(scale[1])}, "anchored_checkpoints": anchored,
                      "joint_fit": joint.params})
