r"""Additive power laws: the family the VarPro fitters exploit.

.. math::  L(x) = E + \sum_{j=1}^{J} C_j \, x_j^{-\theta_j}, \qquad E, C_j \ge 0.

For fixed exponents :math:`\theta` the law is linear in its coefficients
:math:`(E, C_1, \dots, C_J)`, so a fit separates into a small non-negative least
squares problem nested inside a :math:`J`-dimensional search (Variable Projection).
Chinchilla is the case :math:`x = (N, D)`; T\ :sup:`2` Approach 1 adds :math:`k`.
A law declares this structure with :class:`t2jax.laws.law.PowerSum`.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.scipy.special import logsumexp


def features(X, theta):
    """Design matrix ``[1, x_1^-theta_1, ..., x_J^-theta_J]``, shape ``(n, J + 1)``."""
    powers = X ** (-theta[None, :])
    return jnp.concatenate([jnp.ones_like(powers[:, :1]), powers], axis=1)


def predict(coef, theta, X):
    """``E + sum_j C_j x_j^-theta_j`` for coefficients ``coef = (E, C_1..C_J)``."""
    return features(X, theta) @ coef


def log_predict(log_coef, theta, log_X):
    """``log L`` in the log-sum-exp form of Hoffmann et al.: ``LSE(e, c_j - theta_j log x_j)``."""
    slopes = log_coef[1:] - theta * log_X
    terms = jnp.concatenate([jnp.broadcast_to(log_coef[:1], slopes[:, :1].shape), slopes], axis=-1)
    return logsumexp(terms, axis=-1)
